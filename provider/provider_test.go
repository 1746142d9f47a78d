package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/autoscaler"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/karpenter"
	"github.com/eksfleet/eksfleet/components/managed"
	"github.com/eksfleet/eksfleet/components/nodedrain"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
)

// schemaSpec is the part of a package schema these tests read.
type schemaSpec struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Resources map[string]struct {
		IsComponent     bool                    `json:"isComponent"`
		Description     string                  `json:"description"`
		InputProperties map[string]propertySpec `json:"inputProperties"`
		Properties      map[string]propertySpec `json:"properties"`
	} `json:"resources"`
	Types map[string]struct {
		Properties map[string]propertySpec `json:"properties"`
	} `json:"types"`
}

type propertySpec struct {
	Description string `json:"description"`
}

func generated(t *testing.T) []byte {
	t.Helper()
	b, err := Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, b []byte) schemaSpec {
	t.Helper()
	var s schemaSpec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// The SDKs' resources must be the Go program's: the same type tokens, so a
// component created from YAML or TypeScript is the same resource type as
// one created by the eksfleet program.
func TestTokensAreTheComponentsTypeTokens(t *testing.T) {
	s := parse(t, generated(t))
	want := []string{cluster.TypeToken, managed.TypeToken, selfmanaged.TypeToken, autoscaler.TypeToken, nodedrain.TypeToken, karpenter.TypeToken}
	var got []string
	for tok, r := range s.Resources {
		got = append(got, tok)
		if !r.IsComponent {
			t.Errorf("%s is not a component", tok)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("schema resources %v, want exactly the components' TypeTokens %v", got, want)
	}
	if s.Name != Name || s.Version != Version {
		t.Errorf("schema name/version %s %s, want %s %s", s.Name, s.Version, Name, Version)
	}
}

// schema.json is what the SDKs are generated from and what the README
// points at; it must be what the provider serves.
func TestSchemaJSONIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatalf("%v (run `make sdk`)", err)
	}
	if !bytes.Equal(committed, generated(t)) {
		t.Fatal("provider/schema.json differs from the provider's schema: run `make sdk` and commit the result")
	}
}

// Every input, every component and every object type is documented: the
// descriptions are the SDKs' doc comments.
func TestSchemaDocumentsEveryInput(t *testing.T) {
	s := parse(t, generated(t))
	for tok, r := range s.Resources {
		if r.Description == "" {
			t.Errorf("%s has no description", tok)
		}
		for name, p := range r.InputProperties {
			if p.Description == "" {
				t.Errorf("%s input %s has no description", tok, name)
			}
		}
	}
	for tok, ty := range s.Types {
		for name, p := range ty.Properties {
			if p.Description == "" {
				t.Errorf("type %s property %s has no description", tok, name)
			}
		}
	}
}

// SDKs are generated offline, without other packages' schemas: every $ref
// must point into this schema or at a Pulumi built-in type.
func TestSchemaRefersToNoOtherPackage(t *testing.T) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && !strings.HasPrefix(ref, "#/types/eksfleet:") && !strings.HasPrefix(ref, "pulumi.json#/") {
				t.Errorf("%s: $ref %q refers to another package", path, ref)
			}
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range v {
				walk(path+"[]", e)
			}
		}
	}
	var doc any
	if err := json.Unmarshal(generated(t), &doc); err != nil {
		t.Fatal(err)
	}
	walk("schema", doc)
}
