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
	"github.com/eksfleet/eksfleet/stacks/config"
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
			for _, k := range []string{"project", "stack", "resources", "outputs", "notes", "violations"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("top-level key %q missing", k)
				}
			}
			if len(doc) != 6 {
				t.Errorf("top-level keys = %d, want exactly 6", len(doc))
			}
			if string(doc["notes"]) == "null" {
				t.Error("notes is null; the contract says it may be empty, never absent")
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

// TestOfflineAssumptionsAreNoted plans a stack the contract (version 2)
// says must work: named other than dev/staging/prod without
// eksfleet:environment, and without network.subnetZones. The plan applies
// prod's rules, assumes one zone per private subnet in listed order (the
// two subnets here landed in one invented zone before, refusing a valid
// config), and says both in its notes.
func TestOfflineAssumptionsAreNoted(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(projectDir, "Pulumi.yaml"), filepath.Join(dir, "Pulumi.yaml"))
	stack := `config:
  aws:region: eu-west-1
  eksfleet:network:
    vpcId: vpc-0a1b2c3d4e5f60718
    vpcCidr: 10.20.0.0/16
    privateSubnetIds: [subnet-0c1d2e3f4a5b6c000, subnet-0c1d2e3f4a5b6c001]
  eksfleet:cluster:
    name: acme-sandbox
    version: "1.33"
  eksfleet:nodeGroups:
    - name: system
      kind: managed
      instanceTypes: [m6i.large]
      minSize: 2
      maxSize: 3
`
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.sandbox.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	proj, err := plan.LoadProject(dir, "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatalf("a valid config must plan offline: %v", err)
	}
	if p.Config.Environment != "prod" {
		t.Errorf("environment = %q, want prod's rules for an unnamed stack", p.Config.Environment)
	}
	joined := strings.Join(p.Notes, "\n")
	for _, want := range []string{
		`eksfleet:environment is not set and the stack name "sandbox"`,
		"prod's (strictest) rules apply",
		"subnet-0c1d2e3f4a5b6c000: eu-west-1a, subnet-0c1d2e3f4a5b6c001: eu-west-1b",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	var table bytes.Buffer
	if err := p.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "Notes (assumed offline or by default):") {
		t.Errorf("table does not show the notes:\n%s", table.String())
	}
}

func TestOfflineZones(t *testing.T) {
	for name, tc := range map[string]struct {
		private  []string
		declared map[string]string
		want     map[string]string
	}{
		"none declared":         {[]string{"subnet-1", "subnet-2", "subnet-3"}, nil, map[string]string{"subnet-1": "eu-west-1a", "subnet-2": "eu-west-1b", "subnet-3": "eu-west-1c"}},
		"declared zone skipped": {[]string{"subnet-1", "subnet-2"}, map[string]string{"subnet-1": "eu-west-1a"}, map[string]string{"subnet-1": "eu-west-1a", "subnet-2": "eu-west-1b"}},
		"declared later zone":   {[]string{"subnet-1", "subnet-2"}, map[string]string{"subnet-2": "eu-west-1a"}, map[string]string{"subnet-1": "eu-west-1b", "subnet-2": "eu-west-1a"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := &config.Config{Region: "eu-west-1", Network: config.Network{PrivateSubnetIDs: tc.private, SubnetZones: tc.declared}}
			got, _ := plan.OfflineZones(cfg)
			if len(got) != len(tc.want) {
				t.Fatalf("zones = %v, want %v", got, tc.want)
			}
			for s, z := range tc.want {
				if got[s] != z {
					t.Errorf("%s: zone %q, want %q", s, got[s], z)
				}
			}
		})
	}
}
