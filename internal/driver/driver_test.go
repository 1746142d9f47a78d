package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runOffline runs a command that must fail before the Pulumi CLI is
// needed: PATH holds nothing and EKSFLEET_PULUMI points nowhere, so reaching
// the engine would fail differently.
func runOffline(t *testing.T, env []string, verb string, args ...string) (int, Summary, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env = append([]string{"PATH=" + t.TempDir(), "EKSFLEET_PULUMI=/nonexistent/pulumi"}, env...)
	code := Main(context.Background(), Invocation{Verb: verb, Args: args, Env: env, Stdout: &stdout, Stderr: &stderr})
	var s Summary
	if stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
			t.Fatalf("stdout is not a summary: %v\n%s", err, stdout.String())
		}
	}
	return code, s, stderr.String()
}

// project writes a project with Pulumi.yaml and the given stack files.
func project(t *testing.T, stacks map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Pulumi.yaml": "name: eksfleet\nruntime: go\n"}
	for name, body := range stacks {
		files["Pulumi."+name+".yaml"] = body
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name, verb string
		args       []string
		want       string
	}{
		{"missing stack", "up", nil, "missing STACK"},
		{"extra argument", "up", []string{"dev", "staging"}, "unexpected arguments"},
		{"bad stack name", "preview", []string{"dev/x"}, `stack name "dev/x"`},
		{"unknown verb", "apply", []string{"dev"}, `unknown command "apply"`},
		{"flag of another verb", "preview", []string{"dev", "--confirm-destroy", "dev"}, "flag provided but not defined: -confirm-destroy"},
		{"bad pending create", "refresh", []string{"dev", "--import-pending-create", "x=y"}, "want URN=ID"},
		{"pending create without id", "refresh", []string{"dev", "--import-pending-create", "urn:pulumi:dev::p::t::n="}, "want URN=ID"},
		{"zero grace", "up", []string{"dev", "--interrupt-grace", "0s"}, "must be positive"},
		{"allow-replace without a URN", "up", []string{"dev", "--allow-replace", "acme-prod"}, "want a resource URN"},
		{"allow-replace on destroy", "destroy", []string{"dev", "--allow-replace", "urn:pulumi:dev::p::t::n"}, "flag provided but not defined: -allow-replace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, s, stderr := runOffline(t, nil, tc.verb, tc.args...)
			if code != ExitError {
				t.Errorf("exit %d, want %d", code, ExitError)
			}
			if s.Command != "" {
				t.Errorf("a usage error printed a summary: %+v", s)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not say %q", stderr, tc.want)
			}
		})
	}
}

func TestParseFlagsStackAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"dev", "--diff", "--policy-pack", "a", "--policy-pack", "b"},
		{"--diff", "dev", "--policy-pack", "a", "--policy-pack", "b"},
		{"--diff", "--policy-pack", "a", "--policy-pack", "b", "dev"},
	} {
		o, err := parseFlags("up", args, &bytes.Buffer{})
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if o.stack != "dev" || !o.diff || strings.Join(o.policyPacks, ",") != "a,b" || o.grace != 20*time.Minute {
			t.Errorf("%q: parsed %+v", args, o)
		}
	}
	o, err := parseFlags("refresh", []string{"dev", "--import-pending-create",
		"urn:pulumi:dev::eksfleet::eksfleet:index:Cluster$aws:eks/addon:Addon::acme-dev-vpc-cni=acme-dev:vpc-cni"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := pendingCreate{urn: "urn:pulumi:dev::eksfleet::eksfleet:index:Cluster$aws:eks/addon:Addon::acme-dev-vpc-cni", id: "acme-dev:vpc-cni"}
	if len(o.importPending) != 1 || o.importPending[0] != want {
		t.Errorf("import pending = %+v, want %+v", o.importPending, want)
	}
}

func TestMissingStackFile(t *testing.T) {
	dir := project(t, map[string]string{"dev": repoFile(t, "Pulumi.dev.yaml")})
	code, s, _ := runOffline(t, []string{"PULUMI_CONFIG_PASSPHRASE=x"}, "up", "qa", "--dir", dir)
	if code != ExitError || s.Result != ResultFailed {
		t.Fatalf("exit %d result %q, want 1 failed", code, s.Result)
	}
	if len(s.Errors) == 0 || !strings.Contains(s.Errors[0], "Pulumi.qa.yaml") || !strings.Contains(s.Errors[0], "dev") {
		t.Errorf("errors %q do not name the missing file and the stacks there", s.Errors)
	}
}

func TestInvalidConfigFailsBeforeTheEngine(t *testing.T) {
	cfg := strings.Replace(repoFile(t, "Pulumi.dev.yaml"), "maxSize: 10", "maxSize: 10\n      maxSzie: 12", 1)
	dir := project(t, map[string]string{"dev": cfg})
	code, s, stderr := runOffline(t, []string{"PULUMI_CONFIG_PASSPHRASE=x"}, "up", "dev", "--dir", dir)
	if code != ExitError || s.Result != ResultFailed {
		t.Fatalf("exit %d result %q, want 1 failed", code, s.Result)
	}
	if !strings.Contains(strings.Join(s.Errors, "\n"), "maxSzie") {
		t.Errorf("errors %q do not name the misspelt key", s.Errors)
	}
	if strings.Contains(stderr, "pulumi CLI") {
		t.Errorf("the driver looked for the CLI before checking the config:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, stateDir)); err == nil {
		t.Errorf("an invalid config created the backend directory")
	}
}

func TestPassphraseRequired(t *testing.T) {
	dir := project(t, map[string]string{"dev": repoFile(t, "Pulumi.dev.yaml")})
	for _, tc := range []struct {
		name string
		env  []string
		want string // "" means the check passes and the CLI lookup fails next
	}{
		{"file backend, nothing set", nil, "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE"},
		{"s3 backend, nothing set", []string{"PULUMI_BACKEND_URL=s3://bucket/state"}, "set PULUMI_CONFIG_PASSPHRASE"},
		{"empty passphrase is a passphrase", []string{"PULUMI_CONFIG_PASSPHRASE="}, ""},
		{"passphrase file", []string{"PULUMI_CONFIG_PASSPHRASE_FILE=" + writeTemp(t, "secret")}, ""},
		{"missing passphrase file", []string{"PULUMI_CONFIG_PASSPHRASE_FILE=/nonexistent/pass"}, "PULUMI_CONFIG_PASSPHRASE_FILE"},
		{"kms secrets provider", []string{"PULUMI_SECRETS_PROVIDER=awskms://alias/eksfleet"}, ""},
		{"Pulumi Cloud", []string{"PULUMI_BACKEND_URL=https://api.pulumi.com"}, ""},
		{"Pulumi Cloud with passphrase provider", []string{"PULUMI_BACKEND_URL=https://api.pulumi.com", "PULUMI_SECRETS_PROVIDER=passphrase"}, "set PULUMI_CONFIG_PASSPHRASE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, s, _ := runOffline(t, tc.env, "preview", "dev", "--dir", dir)
			if code != ExitError {
				t.Fatalf("exit %d, want 1", code)
			}
			errs := strings.Join(s.Errors, "\n")
			if tc.want == "" {
				if !strings.Contains(errs, "/nonexistent/pulumi") {
					t.Errorf("errors %q: want the check to pass and the CLI lookup to fail", s.Errors)
				}
				return
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("errors %q do not say %q", s.Errors, tc.want)
			}
		})
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultBackendInsideProject(t *testing.T) {
	dir := project(t, map[string]string{"dev": repoFile(t, "Pulumi.dev.yaml")})
	_, s, _ := runOffline(t, []string{"PULUMI_CONFIG_PASSPHRASE=x"}, "preview", "dev", "--dir", dir)
	want := "file://" + filepath.ToSlash(filepath.Join(dir, ".pulumi-state"))
	if s.Backend != want {
		t.Errorf("backend %q, want %q", s.Backend, want)
	}
	_, s, _ = runOffline(t, []string{"PULUMI_CONFIG_PASSPHRASE=x", "PULUMI_BACKEND_URL=postgres://user:pw@db/state"}, "preview", "dev", "--dir", dir)
	if s.Backend != "postgres://****:****@db/state" {
		t.Errorf("backend %q: credentials not masked", s.Backend)
	}
}

func TestDestroyProdNeedsConfirmation(t *testing.T) {
	staging := strings.Replace(repoFile(t, "Pulumi.staging.yaml"), "config:\n", "config:\n  eksfleet:environment: prod\n", 1)
	dir := project(t, map[string]string{"prod": repoFile(t, "Pulumi.prod.yaml"), "eu": staging, "dev": repoFile(t, "Pulumi.dev.yaml")})
	env := []string{"PULUMI_CONFIG_PASSPHRASE=x"}
	for _, tc := range []struct {
		stack string
		args  []string
		want  string // "" means the confirmation passes
	}{
		{"prod", nil, "needs --confirm-destroy prod"},
		{"prod", []string{"--confirm-destroy", "dev"}, `does not match the stack name "prod"`},
		{"prod", []string{"--confirm-destroy", "prod"}, ""},
		{"eu", nil, "needs --confirm-destroy eu"},
		{"dev", nil, ""},
	} {
		code, s, _ := runOffline(t, env, "destroy", append([]string{tc.stack, "--dir", dir}, tc.args...)...)
		errs := strings.Join(s.Errors, "\n")
		if code != ExitError {
			t.Errorf("destroy %s %v: exit %d, want 1 (refused, or the CLI is missing)", tc.stack, tc.args, code)
		}
		if tc.want == "" && !strings.Contains(errs, "/nonexistent/pulumi") {
			t.Errorf("destroy %s %v: refused: %q", tc.stack, tc.args, s.Errors)
		}
		if tc.want != "" && !strings.Contains(errs, tc.want) {
			t.Errorf("destroy %s %v: errors %q do not say %q", tc.stack, tc.args, s.Errors, tc.want)
		}
	}
}

func TestPolicyPackNeedsAnalyzer(t *testing.T) {
	dir := project(t, map[string]string{"dev": repoFile(t, "Pulumi.dev.yaml")})
	pack := filepath.Join(dir, "policy")
	if err := os.MkdirAll(pack, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pack, "PulumiPolicy.yaml"), []byte("runtime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &options{verb: "up", stack: "dev"}
	r := &run{opts: o, env: newEnvMap([]string{"PATH=" + t.TempDir()})}
	cli := &cliCommand{path: filepath.Join(t.TempDir(), "pulumi")}
	if _, err := r.policyPacks(dir, cli); err == nil || !strings.Contains(err.Error(), "pulumi-analyzer-policy-go") {
		t.Errorf("default pack without analyzer: err %v, want it to name pulumi-analyzer-policy-go", err)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "pulumi-analyzer-policy-go"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.env = newEnvMap([]string{"PATH=" + bin})
	got, err := r.policyPacks(dir, cli)
	if err != nil || len(got) != 1 || got[0] != pack {
		t.Errorf("default pack: %v %v, want [%s]", got, err, pack)
	}
	o.policyPacks = []string{filepath.Join(dir, "nope")}
	if _, err := r.policyPacks(dir, cli); err == nil || !strings.Contains(err.Error(), "PulumiPolicy.yaml") {
		t.Errorf("explicit pack without PulumiPolicy.yaml: err %v", err)
	}
}

func TestChangeLine(t *testing.T) {
	if got := changeLine(map[string]int{"same": 3, "update": 1, "create": 0}); got != "same 3, update 1" {
		t.Errorf("changeLine = %q", got)
	}
	if got := changeLine(nil); got != "no resources" {
		t.Errorf("changeLine(nil) = %q", got)
	}
}

func TestPlain(t *testing.T) {
	if got := plain("<{%fg 1%}>error<{%reset%}>: \x1b[31mboom\x1b[0m\n"); got != "error: boom" {
		t.Errorf("plain = %q", got)
	}
}

// fakeCLI writes a shell script standing in for the Pulumi CLI and returns
// a cliCommand running it.
func fakeCLI(t *testing.T, script string, grace time.Duration) *cliCommand {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pulumi")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &cliCommand{path: path, env: []string{"PATH=" + os.Getenv("PATH")}, grace: grace, procs: map[*os.Process]bool{}}
}

// countInterrupts reports its process group, then counts SIGINTs for half
// a second after the first.
const countInterrupts = `n=0
trap 'n=$((n+1))' INT
echo "pgid $(cut -d' ' -f5 /proc/$$/stat)"
i=0
while [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i+1))
	if [ $n -gt 0 ]; then
		sleep 0.5
		echo "interrupts $n"
		exit 3
	fi
done
exit 4
`

func TestCLIRunsInItsOwnGroupAndGetsOneInterrupt(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	c := fakeCLI(t, countInterrupts, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	stdout, _, code, _ := c.Run(ctx, t.TempDir(), nil, nil, nil, nil, "up")
	if code != 3 || !strings.Contains(stdout, "interrupts 1\n") {
		t.Errorf("cancelled run: exit %d, stdout %q; want exactly one interrupt", code, stdout)
	}
	var pgid int
	if _, err := fmt.Sscanf(stdout, "pgid %d", &pgid); err != nil || pgid == syscall.Getpgrp() {
		t.Errorf("the CLI ran in process group %d (parse error %v); the driver's is %d: a terminal Ctrl-C would reach it twice",
			pgid, err, syscall.Getpgrp())
	}
}

func TestSecondInterruptIsForwarded(t *testing.T) {
	c := fakeCLI(t, countInterrupts, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, func() {
		cancel()
		time.Sleep(100 * time.Millisecond)
		c.interrupt()
	})
	stdout, _, _, _ := c.Run(ctx, t.TempDir(), nil, nil, nil, nil, "up")
	if !strings.Contains(stdout, "interrupts 2\n") {
		t.Errorf("stdout %q: want the second interrupt forwarded", stdout)
	}
}

func TestCLIKilledAfterGrace(t *testing.T) {
	c := fakeCLI(t, "trap '' INT\nsleep 30\n", 500*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, _, _, err := c.Run(ctx, t.TempDir(), nil, nil, nil, nil, "up")
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("a CLI ignoring the interrupt ran %v (err %v); want it killed after the grace period", time.Since(start), err)
	}
	if c.interrupt() != 0 {
		t.Errorf("a finished CLI is still tracked")
	}
}

func TestCLIErrorLines(t *testing.T) {
	c := fakeCLI(t, "echo 'warning: x' >&2\necho 'error: the stack is currently locked by 1 lock(s).' >&2\nexit 255\n", time.Minute)
	_, _, code, err := c.Run(context.Background(), t.TempDir(), nil, nil, nil, nil, "up")
	if code != 255 || err == nil {
		t.Fatalf("exit %d err %v", code, err)
	}
	if got := c.errorLines(); len(got) != 1 || got[0] != "the stack is currently locked by 1 lock(s)." {
		t.Errorf("errorLines = %q", got)
	}

	c = fakeCLI(t, "printf 'error: 2 errors occurred:\\n    1) open /s/locks/x.json: operation not permitted\\n    2) Unknown\\n  3) not an error\\n' >&2\nexit 1\n", time.Minute)
	_, _, _, _ = c.Run(context.Background(), t.TempDir(), nil, nil, nil, nil, "up")
	want := []string{"2 errors occurred:", "1) open /s/locks/x.json: operation not permitted", "2) Unknown", "3) not an error"}
	if got := c.errorLines(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("errorLines = %q, want the numbered causes %q", got, want)
	}
}

func TestJSONFile(t *testing.T) {
	dir := project(t, map[string]string{"dev": repoFile(t, "Pulumi.dev.yaml")})
	out := filepath.Join(t.TempDir(), "summary.json")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), Invocation{Verb: "preview", Args: []string{"dev", "--dir", dir, "--json-file", out},
		Env:    []string{"PATH=" + t.TempDir(), "EKSFLEET_PULUMI=/nonexistent/pulumi", "PULUMI_CONFIG_PASSPHRASE=x"},
		Stdout: &stdout, Stderr: &stderr})
	if code != ExitError || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %q: want 1 and nothing on stdout", code, stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"schemaVersion", "command", "project", "stack", "backend", "result", "exitCode", "startTime",
		"durationSeconds", "changes", "resources", "pendingOperations", "policyPacks", "policyViolations", "errors"} {
		if _, ok := s[key]; !ok {
			t.Errorf("summary lacks %q: %s", key, b)
		}
	}
	if _, ok := s["outputs"]; ok {
		t.Errorf("a preview summary has outputs: %s", b)
	}
	if s["command"] != "preview" || s["project"] != "eksfleet" || s["result"] != ResultFailed || s["exitCode"] != float64(1) {
		t.Errorf("summary %s", b)
	}
	if !strings.Contains(stderr.String(), "eksfleet preview dev: failed (exit 1)") {
		t.Errorf("stderr lacks the outcome line:\n%s", stderr.String())
	}
}
