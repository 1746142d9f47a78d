package driver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/eksfleet/eksfleet/internal/enginetest"
)

// repoRoot is the repository root, where Pulumi.yaml and the stack files
// live.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

// fixture is a copy of the project in a temporary directory (Pulumi.yaml,
// stack files, the policy pack), wired to the real Pulumi CLI, the real npm
// pulumi-eks provider, the guardrails analyzer and the fake aws and
// kubernetes providers. Each driver command runs exactly as `eksfleet VERB
// STACK --dir DIR` would, with the default backend (a file backend in
// DIR/.pulumi-state).
type fixture struct {
	t     testing.TB
	tools enginetest.Tools
	dir   string
	env   []string
	aws   *enginetest.FakeAWS
	k8s   *enginetest.FakeProvider
	eks   *enginetest.EKSProvider
}

// newFixture starts the providers and copies Pulumi.yaml and the given
// stack files into a fresh project directory.
func newFixture(t testing.TB, stacks ...string) *fixture {
	t.Helper()
	tools := enginetest.RequireTools(t)
	f := &fixture{t: t, tools: tools, dir: t.TempDir()}
	f.aws = enginetest.StartFakeAWS(t)
	f.k8s = enginetest.StartFakeKubernetes(t)
	f.eks = enginetest.StartEKSProvider(t, tools)
	for _, name := range append([]string{"Pulumi.yaml"}, stackFiles(stacks)...) {
		b, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		f.write(name, string(b))
	}
	// The test process's environment, minus anything that would point the
	// driver elsewhere, plus the engine wiring.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PULUMI_") || k == "EKSFLEET_PULUMI" {
			continue
		}
		f.env = append(f.env, kv)
	}
	// The project's guardrails pack, found as DIR/policy the way a pipeline
	// finds it, served by the analyzer binary built from its source.
	if err := os.Symlink(filepath.Join(repoRoot, "policy"), filepath.Join(f.dir, "policy")); err != nil {
		t.Fatal(err)
	}
	analyzer := enginetest.PolicyAnalyzerEnv(t)
	for i, kv := range f.env {
		if strings.HasPrefix(kv, "PATH=") {
			f.env[i] = "PATH=" + analyzer["PATH"]
		}
	}
	f.env = append(f.env,
		"PULUMI_HOME="+t.TempDir(),
		"PULUMI_CONFIG_PASSPHRASE=enginetest",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		fmt.Sprintf("PULUMI_DEBUG_PROVIDERS=aws:%d,eks:%d,kubernetes:%d", f.aws.Port(), f.eks.Port(), f.k8s.Port()),
		"EKSFLEET_PULUMI="+tools.Pulumi,
	)
	return f
}

func stackFiles(stacks []string) []string {
	out := make([]string, len(stacks))
	for i, s := range stacks {
		out[i] = "Pulumi." + s + ".yaml"
	}
	return out
}

// write creates or replaces a file of the project.
func (f *fixture) write(name, content string) {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, name), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// edit rewrites a project file, failing when old is not in it exactly once.
func (f *fixture) edit(name, old, new string) {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		f.t.Fatal(err)
	}
	if n := strings.Count(string(b), old); n != 1 {
		f.t.Fatalf("%s: %q occurs %d times, want 1", name, old, n)
	}
	f.write(name, strings.Replace(string(b), old, new, 1))
}

// result is one driver run.
type result struct {
	code    int
	summary driver.Summary
	stderr  string
	elapsed time.Duration
}

// run runs `eksfleet VERB ARGS... --dir DIR` in process.
func (f *fixture) run(ctx context.Context, verb string, args ...string) result {
	return f.runWith(ctx, nil, verb, args...)
}

// runWith is run with a signal channel.
func (f *fixture) runWith(ctx context.Context, sigs <-chan os.Signal, verb string, args ...string) result {
	f.t.Helper()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := driver.Main(ctx, driver.Invocation{
		Verb:    verb,
		Args:    append(append([]string{}, args...), "--dir", f.dir),
		Env:     f.env,
		Stdout:  &stdout,
		Stderr:  &stderr,
		Signals: sigs,
	})
	r := result{code: code, stderr: stderr.String(), elapsed: time.Since(start)}
	if err := json.Unmarshal(stdout.Bytes(), &r.summary); err != nil {
		f.t.Fatalf("eksfleet %s %v: stdout is not a JSON summary (%v):\n%s\nstderr:\n%s", verb, args, err, stdout.String(), stderr.String())
	}
	if r.summary.ExitCode != code {
		f.t.Errorf("eksfleet %s: summary exitCode %d, process exit code %d", verb, r.summary.ExitCode, code)
	}
	f.t.Logf("eksfleet %s %s: exit %d (%s) in %.1fs: changes %v", verb, strings.Join(args, " "), code,
		r.summary.Result, r.elapsed.Seconds(), r.summary.Changes)
	return r
}

// must fails the test unless the run exited with want.
func (r result) must(t testing.TB, want int) result {
	t.Helper()
	if r.code != want {
		t.Fatalf("%s %s: exit %d (%s), want %d; errors: %q\nstderr:\n%s", r.summary.Command, r.summary.Stack,
			r.code, r.summary.Result, want, r.summary.Errors, r.stderr)
	}
	return r
}

// changed returns the URNs of the summary's changed resources of type typ
// (all when empty) with operation op (all when empty).
func (r result) changed(typ, op string) []driver.Change {
	var out []driver.Change
	for _, c := range r.summary.Resources {
		if (typ == "" || c.Type == typ) && (op == "" || c.Op == op) {
			out = append(out, c)
		}
	}
	return out
}
