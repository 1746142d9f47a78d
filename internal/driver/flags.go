package driver

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// options are the parsed command line of one driver command.
type options struct {
	verb                string
	stack               string
	dir                 string
	jsonFile            string
	secretsProvider     string
	grace               time.Duration
	policyPacks         []string
	diff                bool
	skipPreview         bool
	clearPendingCreates bool
	importPending       []pendingCreate
	confirmDestroy      string
	allowReplace        []string
}

// pendingCreate is one --import-pending-create URN=ID.
type pendingCreate struct{ urn, id string }

// errUsagePrinted reports a usage error the flag package already printed.
var errUsagePrinted = errors.New("usage error")

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseFlags parses STACK and the flags of verb. The stack may come before
// or after the flags.
func parseFlags(verb string, args []string, stderr io.Writer) (*options, error) {
	if !IsVerb(verb) {
		return nil, fmt.Errorf("unknown command %q (want one of %s)", verb, strings.Join(Verbs, ", "))
	}
	o := &options{verb: verb}
	fs := flag.NewFlagSet("eksfleet "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, "usage: eksfleet %s STACK [flags]\n\n%s", verb, Usage) }
	fs.StringVar(&o.dir, "dir", ".", "project directory with Pulumi.yaml and Pulumi.STACK.yaml")
	fs.StringVar(&o.jsonFile, "json-file", "", "write the JSON summary to this file instead of stdout")
	fs.StringVar(&o.secretsProvider, "secrets-provider", "", "secrets provider for a new stack")
	fs.DurationVar(&o.grace, "interrupt-grace", 20*time.Minute, "how long an interrupted operation may take to stop cleanly")
	var packs, imports, allow repeated
	switch verb {
	case "preview", "up":
		fs.Var(&packs, "policy-pack", "policy pack directory (repeatable)")
		fs.BoolVar(&o.diff, "diff", false, "show detailed diffs")
		fs.Var(&allow, "allow-replace", "URN of a critical resource a production update may replace or delete (repeatable)")
		if verb == "up" {
			fs.BoolVar(&o.skipPreview, "skip-preview", false, "update without the preview that stops it before any change on a mandatory policy violation")
		}
	case "drift":
		fs.BoolVar(&o.diff, "diff", false, "show detailed diffs")
	case "refresh":
		fs.BoolVar(&o.clearPendingCreates, "clear-pending-creates", false, "drop creates an interrupted update left pending")
		fs.Var(&imports, "import-pending-create", "URN=ID of a pending create that exists in the cloud (repeatable)")
	case "destroy":
		fs.StringVar(&o.confirmDestroy, "confirm-destroy", "", "the stack name, required for production stacks")
	}

	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		o.stack, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return nil, errUsagePrinted
	}
	if o.stack == "" && fs.NArg() > 0 {
		o.stack = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return nil, errUsagePrinted
		}
	}
	switch {
	case o.stack == "":
		return nil, fmt.Errorf("missing STACK (usage: eksfleet %s STACK [flags])", verb)
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q (usage: eksfleet %s STACK [flags])", fs.Args(), verb)
	case !validStackName(o.stack):
		return nil, fmt.Errorf("stack name %q: use letters, digits, '-', '_' and '.'", o.stack)
	case o.grace <= 0:
		return nil, fmt.Errorf("--interrupt-grace %v: must be positive", o.grace)
	}
	o.policyPacks = slices.Clone(packs)
	for _, urn := range allow {
		if !strings.HasPrefix(urn, "urn:pulumi:") || !strings.Contains(urn, "::") {
			return nil, fmt.Errorf("--allow-replace %q: want a resource URN (urn:pulumi:STACK::PROJECT::TYPE::NAME), as the preview prints it", urn)
		}
		o.allowReplace = append(o.allowReplace, urn)
	}
	for _, v := range imports {
		pc, err := parsePendingCreate(v)
		if err != nil {
			return nil, err
		}
		o.importPending = append(o.importPending, pc)
	}
	return o, nil
}

// validStackName accepts the names Pulumi accepts for a stack in a project
// (no organization or project prefix: the project comes from Pulumi.yaml).
func validStackName(s string) bool {
	if len(s) > 100 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// parsePendingCreate parses URN=ID. The URN's last "::" segment is the
// resource name; the first "=" after it separates the ID, so IDs may hold
// "=" (names in URNs practically never do).
func parsePendingCreate(v string) (pendingCreate, error) {
	i := strings.LastIndex(v, "::")
	if !strings.HasPrefix(v, "urn:pulumi:") || i < 0 {
		return pendingCreate{}, fmt.Errorf("--import-pending-create %q: want URN=ID with a urn:pulumi: URN", v)
	}
	j := strings.Index(v[i:], "=")
	if j < 0 || i+j+1 == len(v) {
		return pendingCreate{}, fmt.Errorf("--import-pending-create %q: want URN=ID (the ID the cloud gave the resource)", v)
	}
	return pendingCreate{urn: v[:i+j], id: v[i+j+1:]}, nil
}
