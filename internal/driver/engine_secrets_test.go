package driver_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/driver"
)

// TestEngineSecrets: after `up` of dev the state holds no readable cluster
// access config (pulumi-eks's kubeconfig outputs and the Kubernetes
// providers' kubeconfig are secrets). A proxy set with `pulumi config set
// --secret --path eksfleet:proxy.httpsProxy` is accepted, and `preview
// --diff` shows it nowhere: not in the diff (user data, ConfigMap, chart
// values), not in the JSON summary. A secret proxy URL with a password is
// refused at its key, without the URL or the password.
func TestEngineSecrets(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)

	state := stackState(t, f)
	for _, leak := range []string{"certificate-authority-data", "client.authentication.k8s.io"} {
		if n := strings.Count(state, leak); n > 0 {
			t.Errorf("the state holds %q %d times outside secrets: a readable kubeconfig, in %v", leak, n, holding(t, state, leak))
		}
	}

	const proxyURL = "http://egress-7f3a.corp.example:3128"
	f.pulumi(t, "config", "set", "--secret", "--path", "eksfleet:proxy.httpsProxy", proxyURL)
	if b, _ := os.ReadFile(filepath.Join(f.Dir, "Pulumi.dev.yaml")); strings.Contains(string(b), proxyURL) || !strings.Contains(string(b), "secure:") {
		t.Fatalf("the CLI did not store the proxy as a nested secret:\n%s", b)
	}
	prev := f.run(ctx, "preview", "dev", "--diff").must(t, driver.ExitOK)
	summary, _ := json.Marshal(prev.summary)
	if strings.Contains(prev.stderr, "egress-7f3a") || strings.Contains(string(summary), "egress-7f3a") {
		t.Errorf("preview --diff shows the secret proxy:\nsummary %s\nstderr:\n%s", summary, prev.stderr)
	}
	if prev.summary.Changes["update"]+prev.summary.Changes["create"] == 0 {
		t.Errorf("a proxy changed nothing: %v", prev.summary.Changes)
	}
	if !strings.Contains(prev.stderr, "[secret]") {
		t.Errorf("the diff shows no [secret] value:\n%s", prev.stderr)
	}

	const pw = "Hunter2-proxy-pw"
	f.pulumi(t, "config", "set", "--secret", "--path", "eksfleet:proxy.httpsProxy", "http://svc-egress:"+pw+"@proxy.corp.example:3128")
	bad := f.run(ctx, "preview", "dev").must(t, driver.ExitError)
	errs := strings.Join(bad.summary.Errors, "\n")
	if !strings.Contains(errs, "eksfleet:proxy.httpsProxy") || !strings.Contains(errs, "carries credentials") {
		t.Errorf("the refusal does not name the key: %q", bad.summary.Errors)
	}
	summary, _ = json.Marshal(bad.summary)
	for _, leak := range []string{pw, "svc-egress"} {
		if strings.Contains(string(summary), leak) || strings.Contains(bad.stderr, leak) {
			t.Errorf("the refusal leaks %q:\nsummary %s\nstderr:\n%s", leak, summary, bad.stderr)
		}
	}
}

// stackState exports dev's state from the file backend as the CLI stores
// it (secrets encrypted).
func stackState(t *testing.T, f *fixture) string {
	t.Helper()
	var out strings.Builder
	cmd := f.pulumiCmd(t, "stack", "export")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("pulumi stack export: %v", err)
	}
	if !strings.Contains(out.String(), "aws:eks/cluster:Cluster") {
		t.Fatalf("exported state has no cluster:\n%.2000s", out.String())
	}
	return out.String()
}

// holding lists the resources (URN and "inputs" or "outputs") of an
// exported state whose plain values contain s.
func holding(t *testing.T, state, s string) []string {
	t.Helper()
	var doc struct {
		Deployment struct {
			Resources []struct {
				URN     string         `json:"urn"`
				Inputs  map[string]any `json:"inputs"`
				Outputs map[string]any `json:"outputs"`
			} `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(state), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range doc.Deployment.Resources {
		for part, m := range map[string]map[string]any{"inputs": r.Inputs, "outputs": r.Outputs} {
			for k, v := range m {
				if b, _ := json.Marshal(v); strings.Contains(string(b), s) {
					out = append(out, r.URN+" "+part+"."+k)
				}
			}
		}
	}
	return out
}

// pulumi runs the Pulumi CLI on dev in the project directory, against the
// driver's default file backend.
func (f *fixture) pulumi(t *testing.T, args ...string) {
	t.Helper()
	var out strings.Builder
	cmd := f.pulumiCmd(t, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

func (f *fixture) pulumiCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	bin := ""
	for _, kv := range f.Env {
		if v, ok := strings.CutPrefix(kv, "EKSFLEET_PULUMI="); ok {
			bin = v
		}
	}
	if bin == "" {
		t.Fatal("no EKSFLEET_PULUMI in the fixture's environment")
	}
	cmd := exec.Command(bin, append(args, "--stack", "dev", "--non-interactive")...)
	cmd.Dir = f.Dir
	cmd.Env = append(append([]string{}, f.Env...),
		"PULUMI_BACKEND_URL=file://"+filepath.ToSlash(filepath.Join(f.Dir, ".pulumi-state")),
		"PULUMI_SKIP_UPDATE_CHECK=true")
	return cmd
}
