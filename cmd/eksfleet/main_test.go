package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPlanJSONForBundledStacks(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		code, out, errOut := runCLI("plan", stack, "--output", "json", "--dir", "../..")
		if code != 0 {
			t.Fatalf("plan %s exit %d: %s", stack, code, errOut)
		}
		var doc struct {
			Stack     string            `json:"stack"`
			Resources []json.RawMessage `json:"resources"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("plan %s stdout is not one JSON document: %v", stack, err)
		}
		if doc.Stack != stack || len(doc.Resources) == 0 {
			t.Errorf("plan %s: stack=%s resources=%d", stack, doc.Stack, len(doc.Resources))
		}
	}
}

func TestPlanTableIsDefault(t *testing.T) {
	code, out, _ := runCLI("plan", "--dir", "../..", "dev")
	if code != 0 || !strings.Contains(out, "Summary:") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"plan"}, "usage: eksfleet plan STACK"},
		{[]string{"plan", "dev", "--output", "yaml", "--dir", "../.."}, `--output "yaml": must be table or json`},
		{[]string{"plan", "nosuch", "--dir", "../.."}, `stack "nosuch" has no config file`},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestPlanInvalidConfigExitsOne(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	stack := `config:
  aws:region: eu-west-1
  eksfleet:network: {vpcId: vpc-bad}
  eksfleet:cluster: {version: "1.33"}
  eksfleet:nodeGroups: []
`
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("plan", "dev", "--dir", dir, "--output", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out != "" {
		t.Errorf("nothing may be printed on stdout when the program did not run, got %q", out)
	}
	for _, want := range []string{"eksfleet:network.vpcId", "eksfleet:network.vpcCidr", "eksfleet:nodeGroups"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %s:\n%s", want, errOut)
		}
	}
}

// TestEveryRefusalExitsOne runs each malformed value of the config contract
// (stacks/config/testdata/refusals.yaml) through `eksfleet plan`: exit 1,
// nothing on stdout, the key path on stderr, never a panic.
func TestEveryRefusalExitsOne(t *testing.T) {
	base, err := os.ReadFile("../../stacks/config/testdata/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../stacks/config/testdata/refusals.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name, Key, Value, Setup, Path, Message string
	}
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	project, err := os.ReadFile("../../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var cfg map[string]any
			if err := yaml.Unmarshal(base, &cfg); err != nil {
				t.Fatal(err)
			}
			var v any
			if err := yaml.Unmarshal([]byte(tc.Value), &v); err != nil {
				t.Fatal(err)
			}
			cfg[tc.Key] = v
			stack := "dev"
			switch tc.Setup {
			case "prod":
				stack = "prod"
			case "prefix":
				cfg["eksfleet:cni"] = map[string]any{"prefixDelegation": true}
			case "priority":
				cfg["eksfleet:autoscaler"] = map[string]any{"expander": "priority"}
			}
			doc, err := yaml.Marshal(map[string]any{"config": cfg})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), doc, 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI("plan", stack, "--dir", dir, "--output", "json")
			if code != 1 || out != "" || !strings.Contains(errOut, tc.Path) || !strings.Contains(errOut, tc.Message) {
				t.Fatalf("exit %d, stdout %d bytes, stderr:\n%s\nwant exit 1 naming %s (%q)", code, len(out), errOut, tc.Path, tc.Message)
			}
		})
	}
}
