package enginetest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// RepoRoot is the repository root: Pulumi.yaml, the stack files, policy/.
var RepoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

// Project is a copy of the eksfleet project in a temporary directory
// (Pulumi.yaml, stack files and the guardrails policy pack as policy/),
// with running providers and the environment that makes `eksfleet VERB
// STACK --dir Dir` (cmd/eksfleet, or driver.Main in process) use the real
// Pulumi CLI, the real npm pulumi-eks provider, the pack's analyzer built
// from source, and the fake aws and kubernetes providers. The driver's
// default backend applies: a file backend in Dir/.pulumi-state.
type Project struct {
	t testing.TB
	// Dir is the project directory.
	Dir string
	// Env is the complete process environment for the driver: the test
	// process's, without PULUMI_* settings that would point elsewhere, plus
	// PULUMI_HOME (temporary), PULUMI_CONFIG_PASSPHRASE,
	// PULUMI_DEBUG_PROVIDERS, no plugin downloads, EKSFLEET_PULUMI and the
	// analyzer first on PATH.
	Env []string
	// AWS, Kubernetes and EKS are the providers the engine attaches to.
	AWS        *FakeAWS
	Kubernetes *FakeProvider
	EKS        *EKSProvider
}

// NewProject requires the engine tools (see [RequireTools]), starts the
// providers and copies Pulumi.yaml and Pulumi.<stack>.yaml of each stack.
func NewProject(t testing.TB, stacks ...string) *Project {
	t.Helper()
	tools := RequireTools(t)
	p := &Project{t: t, Dir: t.TempDir()}
	p.AWS = StartFakeAWS(t)
	p.Kubernetes = StartFakeKubernetes(t)
	p.EKS = StartEKSProvider(t, tools)
	files := []string{"Pulumi.yaml"}
	for _, s := range stacks {
		files = append(files, "Pulumi."+s+".yaml")
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(RepoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		p.Write(name, string(b))
	}
	// The pack is found as Dir/policy, the way a pipeline finds it in a
	// checkout.
	if err := os.Symlink(PolicyPackDir(t), filepath.Join(p.Dir, "policy")); err != nil {
		t.Fatal(err)
	}
	path := PolicyAnalyzerEnv(t)["PATH"]
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PULUMI_") || k == "EKSFLEET_PULUMI" || k == "PATH" {
			continue
		}
		p.Env = append(p.Env, kv)
	}
	p.Env = append(p.Env,
		"PATH="+path,
		"PULUMI_HOME="+t.TempDir(),
		"PULUMI_CONFIG_PASSPHRASE=enginetest",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		fmt.Sprintf("PULUMI_DEBUG_PROVIDERS=aws:%d,eks:%d,kubernetes:%d", p.AWS.Port(), p.EKS.Port(), p.Kubernetes.Port()),
		"EKSFLEET_PULUMI="+tools.Pulumi,
	)
	return p
}

// Write creates or replaces a file of the project.
func (p *Project) Write(name, content string) {
	p.t.Helper()
	if err := os.WriteFile(filepath.Join(p.Dir, name), []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.recordSubnets(name, content)
}

// Edit replaces old with new in a project file, failing unless old occurs
// exactly once.
func (p *Project) Edit(name, old, new string) {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.Dir, name))
	if err != nil {
		p.t.Fatal(err)
	}
	if n := strings.Count(string(b), old); n != 1 {
		p.t.Fatalf("%s: %q occurs %d times, want 1", name, old, n)
	}
	p.Write(name, strings.Replace(string(b), old, new, 1))
}
