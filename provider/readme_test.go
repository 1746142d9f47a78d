package provider

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The README's YAML example is what a newcomer copies: every resource type
// it uses must be served, every property must be an input of that type, and
// every required input must be there. (The engine runs the fuller
// testdata/yaml program; this keeps the shortened copy honest.)
func TestREADMEYAMLExampleMatchesSchema(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "## Use from TypeScript / Python / YAML / C#")
	if start < 0 {
		t.Fatal(`README.md has no "## Use from TypeScript / Python / YAML / C#" section`)
	}
	section = section[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	var program string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(section, -1) {
		if strings.Contains(m[1], "runtime: yaml") {
			program = m[1]
		}
	}
	if program == "" {
		t.Fatal("the README section has no YAML program (a ```yaml block with runtime: yaml)")
	}
	var doc struct {
		Resources map[string]struct {
			Type       string         `yaml:"type"`
			Properties map[string]any `yaml:"properties"`
		} `yaml:"resources"`
	}
	if err := yaml.Unmarshal([]byte(program), &doc); err != nil {
		t.Fatalf("README YAML example: %v", err)
	}
	var spec struct {
		Resources map[string]struct {
			InputProperties map[string]json.RawMessage `json:"inputProperties"`
			RequiredInputs  []string                   `json:"requiredInputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(generated(t), &spec); err != nil {
		t.Fatal(err)
	}
	if len(doc.Resources) == 0 {
		t.Fatal("README YAML example declares no resources")
	}
	for name, r := range doc.Resources {
		res, ok := spec.Resources[r.Type]
		if !ok {
			t.Errorf("README YAML example: %s has type %q, which the provider does not serve", name, r.Type)
			continue
		}
		for prop := range r.Properties {
			if _, ok := res.InputProperties[prop]; !ok {
				t.Errorf("README YAML example: %s (%s) sets %q, which is not an input", name, r.Type, prop)
			}
		}
		for _, req := range res.RequiredInputs {
			if _, ok := r.Properties[req]; !ok {
				t.Errorf("README YAML example: %s (%s) misses the required input %q", name, r.Type, req)
			}
		}
	}
}
