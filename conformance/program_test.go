package conformance

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
)

// repoRoot is the main module's directory (this module's parent).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		t.Fatalf("no Pulumi.yaml in %s: the conformance module must sit in the repository root", dir)
	}
	return dir
}

// sharedUpstream returns ../shared/upstream/<sub> beside the repository, or
// skips the test when it is absent.
func sharedUpstream(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared", "upstream", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("skipping: the shared upstream data (%s) is absent; CI always has it (%v)", dir, err)
	}
	return dir
}

var (
	plans   = map[string]*plan.Plan{}
	plansMu sync.Mutex
)

// evaluate plans a bundled stack offline (the program under mocks), once
// per test binary.
func evaluate(t *testing.T, stack string) *plan.Plan {
	t.Helper()
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans[stack]; ok {
		return p
	}
	proj, err := plan.LoadProject(repoRoot(t), stack)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	plans[stack] = p
	return p
}

// release is the Helm release of that name the program would create.
func release(t *testing.T, p *plan.Plan, name string) plan.Resource {
	t.Helper()
	var found []plan.Resource
	for _, r := range p.Resources {
		if r.Type == "kubernetes:helm.sh/v3:Release" && r.Inputs["name"] == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("stack %s plans %d Helm releases named %s, want 1", p.Stack, len(found), name)
	}
	return found[0]
}

// valuesOf returns a release's values.
func valuesOf(t *testing.T, r plan.Resource) map[string]any {
	t.Helper()
	v, ok := r.Inputs["values"].(map[string]any)
	if !ok || len(v) == 0 {
		t.Fatalf("release %s has no known values: %v", r.Name, r.Inputs["values"])
	}
	return v
}

// stringInput is a known string input of a resource.
func stringInput(t *testing.T, r plan.Resource, key string) string {
	t.Helper()
	s, ok := r.Inputs[key].(string)
	if !ok || s == "" {
		t.Fatalf("%s input %s = %v, want a known string", r.URN, key, r.Inputs[key])
	}
	return s
}

// output is a known string in a stack output map.
func output(t *testing.T, p *plan.Plan, name, key string) string {
	t.Helper()
	m, _ := p.Outputs[name].(map[string]any)
	s, ok := m[key].(string)
	if !ok || s == "" {
		t.Fatalf("stack output %s.%s = %v, want a known string", name, key, m[key])
	}
	return s
}

// podProxyEnv is the proxy environment the program gives aws-node and
// kube-proxy (the kube-system/proxy-environment-variables ConfigMap).
func podProxyEnv(t *testing.T, p *plan.Plan) map[string]string {
	t.Helper()
	for _, r := range p.Resources {
		if r.Type != "kubernetes:core/v1:ConfigMap" {
			continue
		}
		data, _ := r.Inputs["data"].(map[string]any)
		env := map[string]string{}
		for k, v := range data {
			env[k], _ = v.(string)
		}
		return env
	}
	t.Fatalf("stack %s plans no proxy ConfigMap", p.Stack)
	return nil
}
