// Command gen writes the resource facts table of package awsfacts.
//
// It reads ../shared/upstream/aws-resource-facts/facts.json (described by
// the SOURCES.md next to it: how pulumi-aws v6.83.2 and the Terraform AWS
// provider under it autoname, validate, require and replace 26 resource
// types) and renders it as Go. The JSON is never copied into this
// repository: only the Go table derived from it is committed, naming the
// file and the upstream sources facts.json records for each type.
//
// Usage (from package awsfacts, via go generate):
//
//	go run ./gen -out zz_generated.go [-upstream ../../../shared/upstream]
//
// Without -upstream, gen looks for shared/upstream next to the module root
// (../shared/upstream from the directory holding go.mod).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/eksfleet/eksfleet/internal/shared"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// FactsFile is the path of the input below the upstream directory.
const FactsFile = "aws-resource-facts/facts.json"

func main() {
	out := flag.String("out", "zz_generated.go", "file to write")
	upstream := flag.String("upstream", "", "shared/upstream directory (default: ../shared/upstream beside the module root)")
	flag.Parse()
	if err := run(*out, *upstream); err != nil {
		fmt.Fprintln(os.Stderr, "awsfacts gen:", err)
		os.Exit(1)
	}
}

func run(out, upstream string) error {
	if upstream == "" {
		var err error
		if upstream, err = shared.Upstream(); err != nil {
			return err
		}
	}
	src, err := os.ReadFile(filepath.Join(upstream, FactsFile))
	if err != nil {
		return err
	}
	code, err := Render(src)
	if err != nil {
		return err
	}
	return os.WriteFile(out, code, 0o644)
}

// Facts mirror the JSON of one type (see SOURCES.md, "Format").
type autoName struct {
	Property           string `json:"property"`
	MaxLength          int    `json:"maxLength"`
	Separator          string `json:"separator"`
	RandomSuffixLength int    `json:"randomSuffixLength"`
	MaxURNNameLength   int    `json:"maxUrnNameLength"`
}

type nameValidation struct {
	Property        string `json:"property"`
	MinLength       *int   `json:"minLength"`
	MaxLength       int    `json:"maxLength"`
	Pattern         string `json:"pattern"`
	PatternAnchored *bool  `json:"patternAnchored"`
	NotPattern      string `json:"notPattern"`
	FifoPattern     string `json:"fifoPattern"`
	PrefixMaxLength int    `json:"prefixMaxLength"`
	CheckedBy       string `json:"checkedBy"`
}

type conditional struct {
	Path   string `json:"path"`
	When   string `json:"when"`
	Source string `json:"source"`
}

type facts struct {
	TFType                   string          `json:"tfType"`
	AutoName                 *autoName       `json:"autoName"`
	AutoNameNotes            []string        `json:"autoNameNotes"`
	ForceNew                 []string        `json:"forceNew"`
	ForceNewOptionalComputed []string        `json:"forceNewOptionalComputed"`
	ForceNewConditional      []conditional   `json:"forceNewConditional"`
	Required                 []string        `json:"required"`
	Conflicts                [][]string      `json:"conflicts"`
	ExactlyOneOf             [][]string      `json:"exactlyOneOf"`
	AtLeastOneOf             [][]string      `json:"atLeastOneOf"`
	RequiredWith             [][]string      `json:"requiredWith"`
	MaxItems                 map[string]int  `json:"maxItems"`
	MinItems                 map[string]int  `json:"minItems"`
	NameRules                string          `json:"nameRules"`
	NameValidation           *nameValidation `json:"nameValidation"`
	UnverifiedInputs         []string        `json:"unverifiedInputs"`
	Sources                  map[string]any  `json:"sources"`
	Notes                    []string        `json:"notes"`
}

var knownKeys = map[string]bool{
	"tfType": true, "autoName": true, "autoNameNotes": true, "forceNew": true, "forceNewOptionalComputed": true,
	"forceNewConditional": true, "required": true, "conflicts": true, "exactlyOneOf": true, "atLeastOneOf": true,
	"requiredWith": true, "maxItems": true, "minItems": true, "nameRules": true, "nameValidation": true,
	"unverifiedInputs": true, "sources": true, "notes": true,
}

var knownNameKeys = map[string]bool{
	"property": true, "minLength": true, "maxLength": true, "pattern": true, "patternAnchored": true,
	"notPattern": true, "fifoPattern": true, "prefixMaxLength": true, "checkedBy": true,
}

// Render turns facts.json into the Go source of zz_generated.go. It fails
// on keys it does not know, so a new kind of fact is never dropped
// silently.
func Render(src []byte) ([]byte, error) {
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(src, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", FactsFile, err)
	}
	tokens := make([]string, 0, len(raw))
	for tok, obj := range raw {
		for k, v := range obj {
			if !knownKeys[k] {
				return nil, fmt.Errorf("%s: %s: unknown key %q", FactsFile, tok, k)
			}
			if k == "nameValidation" && string(v) != "null" {
				var nv map[string]json.RawMessage
				if err := json.Unmarshal(v, &nv); err != nil {
					return nil, fmt.Errorf("%s: %s.nameValidation: %v", FactsFile, tok, err)
				}
				for nk := range nv {
					if !knownNameKeys[nk] {
						return nil, fmt.Errorf("%s: %s.nameValidation: unknown key %q", FactsFile, tok, nk)
					}
				}
			}
		}
		tokens = append(tokens, tok)
	}
	sort.Strings(tokens)

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by internal/awsfacts/gen from ../shared/upstream/%s; DO NOT EDIT.\n", FactsFile)
	p("//\n// Source: shared/upstream/%s (see the SOURCES.md beside it), which\n", FactsFile)
	p("// records, per type, the upstream files it was read from:\n//\n")
	for _, tok := range tokens {
		var f facts
		if err := json.Unmarshal(mustMarshal(raw[tok]), &f); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", FactsFile, tok, err)
		}
		for _, s := range sourceLines(f.Sources) {
			p("//   - %s: %s\n", tok, s)
		}
	}
	p("\npackage awsfacts\n\n")
	p("var table = map[string]*Type{\n")
	for _, tok := range tokens {
		var f facts
		if err := json.Unmarshal(mustMarshal(raw[tok]), &f); err != nil {
			return nil, fmt.Errorf("%s: %s: %v", FactsFile, tok, err)
		}
		p("%s: {\n", strconv.Quote(tok))
		p("Token: %s,\nTFType: %s,\n", strconv.Quote(tok), strconv.Quote(f.TFType))
		if a := f.AutoName; a != nil {
			p("AutoName: &AutoName{Property: %s, MaxLength: %d, Separator: %s, RandomSuffixLength: %d, MaxURNNameLength: %d},\n",
				strconv.Quote(a.Property), a.MaxLength, strconv.Quote(a.Separator), a.RandomSuffixLength, a.MaxURNNameLength)
		}
		strList(p, "AutoNameNotes", f.AutoNameNotes)
		strList(p, "ForceNew", f.ForceNew)
		strList(p, "ForceNewOptionalComputed", f.ForceNewOptionalComputed)
		if len(f.ForceNewConditional) > 0 {
			p("ForceNewConditional: []Conditional{\n")
			for _, c := range f.ForceNewConditional {
				p("{Path: %s, When: %s, Source: %s},\n", strconv.Quote(c.Path), strconv.Quote(c.When), strconv.Quote(c.Source))
			}
			p("},\n")
		}
		strList(p, "Required", f.Required)
		if err := pairs(p, tok, "Conflicts", f.Conflicts); err != nil {
			return nil, err
		}
		groups(p, "ExactlyOneOf", f.ExactlyOneOf)
		groups(p, "AtLeastOneOf", f.AtLeastOneOf)
		if err := pairs(p, tok, "RequiredWith", f.RequiredWith); err != nil {
			return nil, err
		}
		intMap(p, "MaxItems", f.MaxItems)
		intMap(p, "MinItems", f.MinItems)
		if f.NameRules != "" {
			p("NameRules: %s,\n", strconv.Quote(f.NameRules))
		}
		if v := f.NameValidation; v != nil {
			p("NameValidation: &NameValidation{Property: %s", strconv.Quote(v.Property))
			if v.MinLength != nil {
				p(", MinLength: %d", *v.MinLength)
			}
			if v.MaxLength != 0 {
				p(", MaxLength: %d", v.MaxLength)
			}
			if v.Pattern != "" {
				p(", Pattern: %s", strconv.Quote(v.Pattern))
			}
			if v.PatternAnchored != nil && !*v.PatternAnchored {
				p(", PatternUnanchored: true")
			}
			if v.NotPattern != "" {
				p(", NotPattern: %s", strconv.Quote(v.NotPattern))
			}
			if v.FifoPattern != "" {
				p(", FifoPattern: %s", strconv.Quote(v.FifoPattern))
			}
			if v.PrefixMaxLength != 0 {
				p(", PrefixMaxLength: %d", v.PrefixMaxLength)
			}
			if v.CheckedBy != "" {
				p(", CheckedBy: %s", strconv.Quote(v.CheckedBy))
			}
			p("},\n")
		}
		strList(p, "UnverifiedInputs", f.UnverifiedInputs)
		strList(p, "Sources", sourceLines(f.Sources))
		strList(p, "Notes", f.Notes)
		p("},\n")
	}
	p("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt of the generated table: %v", err)
	}
	return out, nil
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func strList(p func(string, ...any), field string, ss []string) {
	if len(ss) == 0 {
		return
	}
	p("%s: []string{", field)
	for i, s := range ss {
		if i > 0 {
			p(", ")
		}
		p("%s", strconv.Quote(s))
	}
	p("},\n")
}

func pairs(p func(string, ...any), tok, field string, ps [][]string) error {
	if len(ps) == 0 {
		return nil
	}
	p("%s: [][2]string{", field)
	for i, pair := range ps {
		if len(pair) != 2 {
			return fmt.Errorf("%s: %s: %s entry %v is not a pair", FactsFile, tok, field, pair)
		}
		if i > 0 {
			p(", ")
		}
		p("{%s, %s}", strconv.Quote(pair[0]), strconv.Quote(pair[1]))
	}
	p("},\n")
	return nil
}

func groups(p func(string, ...any), field string, gs [][]string) {
	if len(gs) == 0 {
		return
	}
	p("%s: [][]string{", field)
	for i, g := range gs {
		if i > 0 {
			p(", ")
		}
		qs := make([]string, len(g))
		for j, s := range g {
			qs[j] = strconv.Quote(s)
		}
		p("{%s}", strings.Join(qs, ", "))
	}
	p("},\n")
}

func intMap(p func(string, ...any), field string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p("%s: map[string]int{\n", field)
	for _, k := range keys {
		p("%s: %d,\n", strconv.Quote(k), m[k])
	}
	p("},\n")
}

// sourceLines flattens the "sources" object of one type into sorted
// "key: value" lines; nested objects (tf, tfLater) become
// "key: repo@commit file (what)".
func sourceLines(src map[string]any) []string {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		switch v := src[k].(type) {
		case string:
			out = append(out, k+": "+v)
		case map[string]any:
			s := fmt.Sprint(v["repo"])
			if c, ok := v["commit"].(string); ok {
				s += "@" + c
			}
			if f, ok := v["file"].(string); ok {
				s += " " + f
			}
			if d, ok := v["date"].(string); ok {
				s += " (" + d + ")"
			}
			if w, ok := v["what"].(string); ok {
				s += ": " + w
			}
			out = append(out, k+": "+s)
		default:
			out = append(out, k+": "+string(mustMarshal(v)))
		}
	}
	return out
}
