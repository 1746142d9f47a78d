package main

import (
	"bytes"
	"github.com/eksfleet/eksfleet/internal/shared"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedIsCurrent regenerates the table from ../shared and finds it
// identical to the committed zz_generated.go.
func TestGeneratedIsCurrent(t *testing.T) {
	upstream, err := shared.Upstream()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(upstream, FactsFile))
	if os.IsNotExist(err) {
		t.Skipf("%s is absent (the shared upstream data lives beside the checkout, ../shared/upstream): cannot check zz_generated.go against it", filepath.Join(upstream, FactsFile))
	}
	if err != nil {
		t.Fatal(err)
	}
	want, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../zz_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("internal/awsfacts/zz_generated.go is stale or hand-edited: run `go generate ./internal/awsfacts`")
	}
}

func TestRenderRefusesUnknownKeys(t *testing.T) {
	for name, src := range map[string]string{
		"type key": `{"aws:x/y:Y": {"tfType": "aws_y", "newFact": 1}}`,
		"name key": `{"aws:x/y:Y": {"tfType": "aws_y", "nameValidation": {"property": "name", "suffix": "x"}}}`,
		"pair":     `{"aws:x/y:Y": {"tfType": "aws_y", "conflicts": [["a", "b", "c"]]}}`,
	} {
		if _, err := Render([]byte(src)); err == nil {
			t.Errorf("%s: Render accepted %s", name, src)
		}
	}
}

func TestRenderNamesSources(t *testing.T) {
	src := `{"aws:x/y:Y": {"tfType": "aws_y", "autoName": {"property": "name", "maxLength": 64, "separator": "-", "randomSuffixLength": 7, "maxUrnNameLength": 56},
	  "forceNew": ["name"], "required": ["a.b"], "conflicts": [["name", "namePrefix"]],
	  "nameValidation": {"property": "name", "minLength": 1, "maxLength": 64, "pattern": "^[a-z]+$", "prefixMaxLength": 38},
	  "sources": {"tf": {"repo": "hashicorp/terraform-provider-aws", "commit": "abc", "file": "y.go", "date": "2024-04-17", "how": "x"}, "sdk": "sdk@v6"}}}`
	out, err := Render([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"DO NOT EDIT",
		"aws:x/y:Y: tf: hashicorp/terraform-provider-aws@abc y.go (2024-04-17)",
		"aws:x/y:Y: sdk: sdk@v6",
		`AutoName: &AutoName{Property: "name", MaxLength: 64, Separator: "-", RandomSuffixLength: 7, MaxURNNameLength: 56}`,
		`Conflicts: [][2]string{{"name", "namePrefix"}}`,
		`MinLength: 1, MaxLength: 64, Pattern: "^[a-z]+$", PrefixMaxLength: 38`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
