package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/eksfleet/eksfleet/internal/enginetest"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// runBin runs the built eksfleet with the project's environment and
// returns its exit code and JSON summary.
func runBin(t *testing.T, bin string, p *enginetest.Project, args ...string) (int, driver.Summary, string) {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--dir", p.Dir)...)
	cmd.Env = p.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	_ = cmd.Run()
	var s driver.Summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("eksfleet %s: no JSON summary (%v): %s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	t.Logf("eksfleet %s: exit %d (%s) in %.1fs", strings.Join(args, " "), cmd.ProcessState.ExitCode(), s.Result, time.Since(start).Seconds())
	return cmd.ProcessState.ExitCode(), s, stderr.String()
}

// analyzers returns the pids of the policy analyzers started for the
// project (their environment holds its PULUMI_HOME).
func analyzers(p *enginetest.Project) []int {
	var home string
	for _, kv := range p.Env {
		if strings.HasPrefix(kv, "PULUMI_HOME=") {
			home = kv
		}
	}
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil || !strings.HasPrefix(string(comm), "pulumi-analyzer") {
			continue
		}
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil || !bytes.Contains(append(env, 0), []byte(home+"\x00")) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(d, "stat")); err == nil && strings.Contains(string(stat), ") Z ") {
			continue // a zombie: dead, waiting for its parent
		}
		var pid int
		if _, err := fmt.Sscan(filepath.Base(d), &pid); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestKilledUpRecovers: `kill -9` of the eksfleet running up, while IAM
// roles (autonamed) are being created, leaves no policy analyzer running:
// the CLI, which eksfleet runs under a guard, is interrupted as by a
// signal, finishes the creates in flight and saves them, and its plugins
// are stopped. The documented recovery (cancel, then up) ends with every
// resource created once: no duplicate, no orphan.
func TestKilledUpRecovers(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("needs /proc")
	}
	p := enginetest.NewProject(t, "dev")
	bin := filepath.Join(t.TempDir(), "eksfleet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "up", "dev", "--dir", p.Dir)
	cmd.Env = p.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var once sync.Once
	var running []int
	p.AWS.Intercept(func(rpc context.Context, method, typ string, _ resource.URN, preview bool) error {
		if method == "Create" && typ == "aws:iam/role:Role" && !preview {
			once.Do(func() {
				running = analyzers(p)
				_ = cmd.Process.Kill()
			})
			// Still in flight when eksfleet is killed.
			select {
			case <-rpc.Done():
			case <-time.After(2 * time.Second):
			}
		}
		return nil
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("up was not killed: exit %d\n%s", cmd.ProcessState.ExitCode(), stderr.String())
	}
	if len(running) == 0 {
		t.Fatalf("no policy analyzer was running when up was killed")
	}
	start := time.Now()
	for len(analyzers(p)) > 0 && time.Since(start) < 30*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	if left := analyzers(p); len(left) > 0 {
		t.Errorf("policy analyzers %v still run 30s after eksfleet was killed (running then: %v)", left, running)
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	} else {
		t.Logf("the analyzers %v were gone %.1fs after the kill", running, time.Since(start).Seconds())
	}
	p.AWS.Intercept(nil)

	code, s, errOut := runBin(t, bin, p, "cancel", "dev")
	if code != 0 || len(s.PendingOperations) != 0 {
		t.Fatalf("cancel after the kill: exit %d, pending %v, errors %q\n%s", code, s.PendingOperations, s.Errors, errOut)
	}
	if code, s, errOut = runBin(t, bin, p, "up", "dev"); code != 0 {
		t.Fatalf("up after the kill: exit %d errors %q\n%s", code, s.Errors, errOut)
	}
	seen := map[resource.URN]int{}
	for _, c := range p.AWS.Calls("Create") {
		if !c.Preview && len(c.Failures) == 0 {
			seen[c.URN]++
		}
	}
	for urn, n := range seen {
		if n > 1 {
			t.Errorf("%s created %d times", urn, n)
		}
	}
	if live := p.AWS.LiveCount(); live != len(seen) {
		t.Errorf("%d aws resources live, %d created: orphans", live, len(seen))
	}
}
