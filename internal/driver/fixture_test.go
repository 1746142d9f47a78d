package driver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/eksfleet/eksfleet/internal/enginetest"
)

// fixture is an [enginetest.Project] whose commands run in process through
// driver.Main, exactly as `eksfleet VERB STACK --dir DIR` runs them.
type fixture struct {
	*enginetest.Project
	t testing.TB
}

func newFixture(t testing.TB, stacks ...string) *fixture {
	t.Helper()
	return &fixture{Project: enginetest.NewProject(t, stacks...), t: t}
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
		Args:    append(append([]string{}, args...), "--dir", f.Dir),
		Env:     f.Env,
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
