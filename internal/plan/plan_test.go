package plan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const projectDir = "../.."

var bundled = []string{"dev", "staging", "prod"}

func evaluate(t testing.TB, stack string) *plan.Plan {
	t.Helper()
	proj, err := plan.LoadProject(projectDir, stack)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatalf("plan %s: %v", stack, err)
	}
	return p
}

// TestBundledStacksMatchContract checks plan JSON against
// shared/contracts/plan-json.md for every bundled stack.
func TestBundledStacksMatchContract(t *testing.T) {
	for _, stack := range bundled {
		t.Run(stack, func(t *testing.T) {
			p := evaluate(t, stack)
			raw, err := p.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"project", "stack", "resources", "outputs", "violations"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("top-level key %q missing", k)
				}
			}
			if len(doc) != 5 {
				t.Errorf("top-level keys = %d, want exactly 5", len(doc))
			}
			var body struct {
				Project   string `json:"project"`
				Stack     string `json:"stack"`
				Resources []map[string]json.RawMessage
				Outputs   map[string]any `json:"outputs"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			if body.Project != "eksfleet" || body.Stack != stack {
				t.Errorf("project/stack = %s/%s", body.Project, body.Stack)
			}
			stackURN := "urn:pulumi:" + stack + "::eksfleet::pulumi:pulumi:Stack::eksfleet-" + stack
			urns := map[string]bool{}
			for _, r := range p.Resources {
				if urns[r.URN] {
					t.Errorf("resource %s appears twice", r.URN)
				}
				urns[r.URN] = true
			}
			for i, r := range body.Resources {
				for _, k := range []string{"urn", "type", "name", "custom", "remote", "parent", "dependencies", "ignoreChanges", "inputs"} {
					if _, ok := r[k]; !ok {
						t.Errorf("resources[%d] lacks %q", i, k)
					}
				}
			}
			for i, r := range p.Resources {
				if !strings.HasPrefix(r.URN, "urn:pulumi:"+stack+"::eksfleet::") || !strings.HasSuffix(r.URN, "::"+r.Name) {
					t.Errorf("resource %d URN %s does not name stack/project/name", i, r.URN)
				}
				if r.Parent != stackURN && !urns[r.Parent] {
					t.Errorf("%s: parent %s is neither the stack nor a registered resource", r.URN, r.Parent)
				}
				seenBefore := map[string]bool{}
				for _, q := range p.Resources[:i] {
					seenBefore[q.URN] = true
				}
				if r.Parent != stackURN && !seenBefore[r.Parent] {
					t.Errorf("%s is listed before its parent", r.URN)
				}
				for _, d := range r.Dependencies {
					if urns[d] && !seenBefore[d] {
						t.Errorf("%s is listed before its dependency %s", r.URN, d)
					}
				}
				if r.Remote && r.Custom {
					t.Errorf("%s: a remote component is not custom", r.URN)
				}
			}
			if body.Outputs["kubeconfig"] != "[secret]" {
				t.Errorf("kubeconfig output = %v, want [secret]", body.Outputs["kubeconfig"])
			}
			if body.Outputs["clusterName"] != "acme-"+stack {
				t.Errorf("clusterName output = %v", body.Outputs["clusterName"])
			}
			if bytes.Contains(raw, []byte("OutputState")) || bytes.Contains(raw, []byte("4dabf18193072939515e22adb298388d")) {
				t.Error("plan leaks SDK internals (Output objects or unknown sentinels)")
			}
		})
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	a, _ := evaluate(t, "prod").JSON()
	for i := 0; i < 3; i++ {
		b, _ := evaluate(t, "prod").JSON()
		if !bytes.Equal(a, b) {
			t.Fatal("two evaluations of prod differ")
		}
	}
}

func TestTableGroupsByComponent(t *testing.T) {
	p := evaluate(t, "dev")
	var buf bytes.Buffer
	if err := p.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Plan for stack dev", "acme-dev", "eksfleet:index:Cluster", "  acme-dev-vpc-cni", "Outputs:", "kubeconfig", "[secret]", "Summary:"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	components, custom := p.Count()
	if !strings.Contains(out, "Summary: "+itoa(components+custom)+" resources") {
		t.Errorf("summary count wrong:\n%s", out)
	}
}

func TestInvalidConfigRegistersNothing(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(projectDir, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	b, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), "minSize: 0", "minSize: 12", 1)
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	proj, err := plan.LoadProject(dir, "dev")
	if err != nil {
		t.Fatal(err)
	}
	_, err = plan.Evaluate(proj, stacks.Run)
	var cerr *plan.ConfigError
	if !errors.As(err, &cerr) || !strings.Contains(err.Error(), "eksfleet:nodeGroups[1].minSize") {
		t.Fatalf("want a config error naming nodeGroups[1].minSize, got %v", err)
	}

	// The program itself also refuses before registering anything.
	cloud := mockcloud.New(mockcloud.Options{Project: "eksfleet", Stack: "dev"})
	err = cloud.Run(func(ctx *pulumi.Context) error { return stacks.Run(ctx) }, mockcloud.RunConfig{Config: proj.Config, DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "minSize") {
		t.Fatalf("program must fail on the bad config, got %v", err)
	}
	if n := len(cloud.Resources()); n != 0 {
		t.Fatalf("program registered %d resources despite invalid config", n)
	}
}

func TestLoadProject(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "Pulumi.yaml"), "name: eksfleet\nruntime: go\n")
	write(t, filepath.Join(dir, "Pulumi.x.yaml"), `config:
  aws:region: eu-west-1
  environment: prod
  eksfleet:token:
    secure: v1:abc
  eksfleet:autoscaler:
    enabled: false
  eksfleet:n: 3
`)
	p, err := plan.LoadProject(dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:region": "eu-west-1", "eksfleet:environment": "prod", "eksfleet:token": "v1:abc",
		"eksfleet:autoscaler": `{"enabled":false}`, "eksfleet:n": "3",
	}
	for k, v := range want {
		if p.Config[k] != v {
			t.Errorf("%s = %q, want %q", k, p.Config[k], v)
		}
	}
	if len(p.SecretKeys) != 1 || p.SecretKeys[0] != "eksfleet:token" {
		t.Errorf("secret keys = %v", p.SecretKeys)
	}
	if _, err := plan.LoadProject(dir, "missing"); err == nil || !strings.Contains(err.Error(), "stacks here: x") {
		t.Errorf("missing stack error = %v", err)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	for _, stack := range bundled {
		b.Run(stack, func(b *testing.B) {
			proj, err := plan.LoadProject(projectDir, stack)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				p, err := plan.Evaluate(proj, stacks.Run)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.JSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	write(t, to, string(b))
}
