package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
)

func problems(t *testing.T, v map[string]string) []config.Problem {
	t.Helper()
	_, err := config.Parse("eksfleet", "dev", v)
	var cerr *config.Errors
	if !errors.As(err, &cerr) {
		t.Fatalf("want *config.Errors, got %v", err)
	}
	return cerr.Problems
}

// One bad value gives one problem: a value that does not decode is not also
// validated as its default (0, "", missing), which would add false problems.
func TestOneBadValueOneProblem(t *testing.T) {
	cases := []struct{ key, value, path string }{
		{"eksfleet:nodeGroups", `[{"name": "a", "kind": "managed", "instanceTypes": ["m5.large"], "minSize": 1, "desiredSize": 2, "maxSize": "three"}]`, "eksfleet:nodeGroups[0].maxSize"},
		{"eksfleet:nodeGroups", `[{"name": "a", "kind": 5, "instanceTypes": ["m5.large"], "minSize": 1, "maxSize": 3}]`, "eksfleet:nodeGroups[0].kind"},
		{"eksfleet:nodeGroups", `[7]`, "eksfleet:nodeGroups[0]"},
		{"eksfleet:nodeGroups", `[{"name": "a", "kind": "self-managed", "instanceTypes": ["m5.large"], "minSize": 1, "maxSize": 3, "warmPool": {"minSize": "x"}}]`, "eksfleet:nodeGroups[0].warmPool.minSize"},
	}
	for _, tc := range cases {
		v := values(t, base)
		v[tc.key] = tc.value
		ps := problems(t, v)
		if len(ps) != 1 || ps[0].Path != tc.path {
			t.Errorf("%s = %s: want exactly one problem at %s, got %d:\n%v", tc.key, tc.value, tc.path, len(ps), ps)
		}
	}
}

// A number too large for a size is a whole number; the message says what
// range is valid rather than that it is not whole.
func TestHugeNumberIsWhole(t *testing.T) {
	v := values(t, base)
	v["eksfleet:nodeGroups"] = `[{"name": "a", "kind": "managed", "instanceTypes": ["m5.large"], "minSize": 1, "maxSize": 1e30}]`
	ps := problems(t, v)
	if len(ps) != 1 {
		t.Fatalf("want one problem, got %v", ps)
	}
	if s := ps[0].String(); strings.Contains(s, "whole number") || !strings.Contains(s, "1e30") || !strings.Contains(s, "2147483647") {
		t.Errorf("problem %q: want the value 1e30, not 'whole number', and the valid range", s)
	}
	v["eksfleet:nodeGroups"] = `[{"name": "a", "kind": "managed", "instanceTypes": ["m5.large"], "minSize": 1, "maxSize": 2.5}]`
	if ps := problems(t, v); len(ps) != 1 || !strings.Contains(ps[0].String(), "whole number") {
		t.Errorf("2.5 must still be refused as not whole: %v", ps)
	}
}

// A null where a value is required is shown as null, and a null list entry
// is refused (it is not "unset": the list has a hole).
func TestNullShownAsNull(t *testing.T) {
	v := values(t, base)
	v["eksfleet:nodeGroups"] = `[{"name": "a", "kind": "self-managed", "instanceTypes": ["m5.large"], "minSize": 0, "maxSize": 3, "preBootstrapCommands": [null]}]`
	ps := problems(t, v)
	if len(ps) != 1 || ps[0].Path != "eksfleet:nodeGroups[0].preBootstrapCommands[0]" || ps[0].Value != "null" {
		t.Fatalf("want one problem at preBootstrapCommands[0] with value null, got %v", ps)
	}
}

// Messages speak YAML, never Go: no Go type or kind names.
func TestNoGoTypeNamesInMessages(t *testing.T) {
	inputs := []struct{ key, value string }{
		{"eksfleet:network", `"x"`},
		{"eksfleet:network", `[1, 2]`},
		{"eksfleet:tags", `[1]`},
		{"eksfleet:tags", `{"a": {"b": 1}}`},
		{"eksfleet:nodeGroups", `{"a": 1}`},
		{"eksfleet:nodeGroups", `[{"name": "a", "labels": [1], "taints": {"k": 1}, "maxPods": [1], "minSize": {}, "autoscaling": 1}]`},
	}
	for _, in := range inputs {
		v := values(t, base)
		v[in.key] = in.value
		for _, p := range problems(t, v) {
			s := p.String()
			for _, goWord := range []string{"map[", "[]string", "[]interface", "yaml.Node", "reflect", "Go kind", "float64", "json.Number", "struct {"} {
				if strings.Contains(s, goWord) {
					t.Errorf("%s = %s: problem %q names Go type %q", in.key, in.value, s, goWord)
				}
			}
		}
	}
}
