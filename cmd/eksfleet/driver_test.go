package main

import (
	"bytes"
	"context"
	"encoding/json"
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

func TestDriverVerbsAreDispatched(t *testing.T) {
	code, out, _ := runCLI("help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, verb := range driver.Verbs {
		if !strings.Contains(out, "eksfleet "+verb+" STACK") {
			t.Errorf("usage does not list %s:\n%s", verb, out)
		}
	}
	for _, want := range []string{"3  drift", "4  the stack is locked"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage does not document exit code %q", want)
		}
	}
	code, _, errOut := runCLI("drift")
	if code != 1 || !strings.Contains(errOut, "missing STACK") {
		t.Errorf("drift without a stack: exit %d, stderr %q", code, errOut)
	}
}

// TestSignalCancelsUpCleanly runs the built eksfleet binary and interrupts
// it the way a terminal Ctrl-C does: SIGINT to its whole process group.
// The Pulumi CLI runs in a group of its own, so it gets exactly one
// interrupt, forwarded by eksfleet, and stops cleanly: exit 1, result
// canceled, no pending operations, the lock released. SIGTERM (a CI
// cancellation) works the same way.
func TestSignalCancelsUpCleanly(t *testing.T) {
	p := enginetest.NewProject(t, "dev")
	bin := filepath.Join(t.TempDir(), "eksfleet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			stack := "dev"
			cmd := exec.Command(bin, "up", stack, "--dir", p.Dir)
			cmd.Env = p.Env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			// A group of its own, as a shell gives a foreground job.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

			var once sync.Once
			p.AWS.Intercept(func(_ context.Context, method, typ string, _ resource.URN, preview bool) error {
				if method == "Create" && typ == "aws:eks/addon:Addon" && !preview {
					once.Do(func() { _ = syscall.Kill(-cmd.Process.Pid, sig) })
					time.Sleep(500 * time.Millisecond)
				}
				return nil
			})
			defer p.AWS.Intercept(nil)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var s driver.Summary
			if jerr := json.Unmarshal(stdout.Bytes(), &s); jerr != nil {
				t.Fatalf("no JSON summary (%v): %s\nstderr:\n%s", jerr, stdout.String(), stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != 1 || s.Result != driver.ResultCanceled {
				t.Fatalf("interrupted up: exit %d (%v) result %q\nstderr:\n%s", code, err, s.Result, stderr.String())
			}
			if len(s.PendingOperations) != 0 || strings.Contains(stderr.String(), "received; terminating") {
				t.Errorf("Pulumi stopped at once instead of cleanly: pending %v\nstderr:\n%s", s.PendingOperations, stderr.String())
			}

			// Not locked, and a second up completes the stack.
			again := exec.Command(bin, "up", stack, "--dir", p.Dir)
			again.Env = p.Env
			if out, err := again.CombinedOutput(); err != nil {
				t.Fatalf("up after the interrupt: %v\n%s", err, out)
			}
		})
		// Start the next signal from an empty stack.
		destroy := exec.Command(bin, "destroy", "dev", "--dir", p.Dir)
		destroy.Env = p.Env
		if out, err := destroy.CombinedOutput(); err != nil {
			t.Fatalf("destroy: %v\n%s", err, out)
		}
	}
}
