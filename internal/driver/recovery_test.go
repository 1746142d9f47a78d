package driver_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/internal/driver"
)

// stateFile is the file backend's state of stack in the fixture's project.
func stateFile(f *fixture, stack string) string {
	return filepath.Join(f.Dir, ".pulumi-state", ".pulumi", "stacks", "eksfleet", stack+".json")
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEngineEmptiedStateRefused: a state file emptied to {} after an up
// would make up create every resource again (duplicates, failed creates)
// and overwrite the backend's .bak, the last good state. up, refresh and
// destroy refuse instead (exit 1), say what happened and how to restore,
// and leave the cloud and the .bak alone; the documented restore brings
// the stack back with no change in the cloud.
func TestEngineEmptiedStateRefused(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	live := f.AWS.LiveCount()

	state := stateFile(f, "dev")
	bak := readFile(t, state+".bak")
	if !bytes.Contains(bak, []byte(clusterType)) {
		t.Fatalf("the backup after up does not hold the cluster:\n%.400s", bak)
	}
	if err := os.WriteFile(state, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	f.AWS.Reset()
	var refusal result
	for _, verb := range []string{"up", "refresh", "destroy"} {
		r := f.run(ctx, verb, "dev").must(t, driver.ExitError)
		if verb == "up" {
			refusal = r
		}
		errs := strings.Join(r.summary.Errors, "\n")
		for _, want := range []string{"refusing to " + verb, "holds no resources", "cp " + state + ".bak " + state, "pulumi stack import"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s over an emptied state: errors %q do not say %q", verb, r.summary.Errors, want)
			}
		}
		if !bytes.Equal(readFile(t, state+".bak"), bak) {
			t.Fatalf("%s over an emptied state overwrote the last good backup", verb)
		}
	}
	if got := applied(f.AWS.FakeProvider, "Create", "Update", "Delete"); len(got) != 0 {
		t.Errorf("refused operations changed the cloud: %v", callTypes(got))
	}

	// The restore the refusal prints.
	if err := os.WriteFile(state, bak, 0o644); err != nil {
		t.Fatal(err)
	}
	up := f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	if got := applied(f.AWS.FakeProvider, "Create", "Delete"); len(got) != 0 {
		t.Errorf("up after the restore created or deleted %v", callTypes(got))
	}
	if len(up.changed("", "create")) != 0 {
		t.Errorf("up after the restore: %+v", up.summary.Resources)
	}
	if n := f.AWS.LiveCount(); n != live {
		t.Errorf("%d aws resources live after the restore, %d before the state was emptied", n, live)
	}
	t.Logf("refusal:\n%s", strings.Join(refusal.summary.Errors, "\n"))
}

// TestEngineSummaryKeepsCauses: an unwritable --json-file stops the
// command before anything runs; a backend that cannot be written and a
// corrupt state fail with their cause in the summary's errors, the corrupt
// state with the backup to restore and `pulumi stack import`.
func TestEngineSummaryKeepsCauses(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	state := stateFile(f, "dev")

	// --json-file in a directory that does not exist.
	f.AWS.Reset()
	f.Edit("Pulumi.dev.yaml", workersMax, workersMax12)
	var stdout, stderr bytes.Buffer
	code := driver.Main(ctx, driver.Invocation{Verb: "up",
		Args: []string{"dev", "--dir", f.Dir, "--json-file", filepath.Join(f.Dir, "no-such-dir", "summary.json")},
		Env:  f.Env, Stdout: &stdout, Stderr: &stderr})
	if code != driver.ExitError || !strings.Contains(stderr.String(), "--json-file") {
		t.Errorf("unwritable --json-file: exit %d, stderr:\n%s", code, stderr.String())
	}
	if got := f.AWS.Calls("Create", "Update", "Delete"); len(got) != 0 {
		t.Errorf("an up with an unwritable --json-file reached the cloud: %v", callTypes(got))
	}

	// A backend nobody can write, root included.
	backend := filepath.Join(f.Dir, ".pulumi-state")
	if out, err := exec.Command("chattr", "-R", "+i", backend).CombinedOutput(); err != nil {
		t.Logf("chattr +i unavailable (%v: %s): read-only backend not checked", err, out)
	} else {
		t.Cleanup(func() { _ = exec.Command("chattr", "-R", "-i", backend).Run() })
		r := f.run(ctx, "up", "dev").must(t, driver.ExitError)
		if errs := strings.Join(r.summary.Errors, "\n"); !strings.Contains(errs, "cannot be written") {
			t.Errorf("up on a read-only backend: errors %q do not give the cause", r.summary.Errors)
		}
		if out, err := exec.Command("chattr", "-R", "-i", backend).CombinedOutput(); err != nil {
			t.Fatalf("chattr -i: %v: %s", err, out)
		}
	}

	// A state file cut short.
	bak := readFile(t, state+".bak")
	good := readFile(t, state)
	if err := os.WriteFile(state, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"up", "refresh"} {
		r := f.run(ctx, verb, "dev").must(t, driver.ExitError)
		errs := strings.Join(r.summary.Errors, "\n")
		for _, want := range []string{"corrupt", "cp " + state + ".bak " + state, "pulumi stack import"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s on a corrupt state: errors %q do not say %q", verb, r.summary.Errors, want)
			}
		}
	}
	if !bytes.Equal(readFile(t, state+".bak"), bak) {
		t.Errorf("a corrupt state overwrote the backup")
	}
	if got := applied(f.AWS.FakeProvider, "Create", "Update", "Delete"); len(got) != 0 {
		t.Errorf("operations on a read-only backend or a corrupt state changed the cloud: %v", callTypes(got))
	}
}

// TestEngineLateConfigErrorRefusedFirst: a config whose error showed only
// inside an apply (a pre-bootstrap command holding the user data's MIME
// boundary: preview passed, up created the cluster and 55 more resources,
// then failed) is refused by preview and by up before anything exists,
// with its key path (issue 16 item 2).
func TestEngineLateConfigErrorRefusedFirst(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.Edit("Pulumi.dev.yaml", "      kubeletExtraArgs:\n", "      preBootstrapCommands:\n        - echo --"+bootstrap.Boundary+"\n      kubeletExtraArgs:\n")
	for _, verb := range []string{"preview", "up"} {
		r := f.run(ctx, verb, "dev").must(t, driver.ExitError)
		if !strings.Contains(r.stderr+strings.Join(r.summary.Errors, "\n"), "eksfleet:nodeGroups[1].preBootstrapCommands[0]") {
			t.Errorf("%s: the refusal does not name eksfleet:nodeGroups[1].preBootstrapCommands[0]:\n%s\n%v", verb, r.stderr, r.summary.Errors)
		}
	}
	for _, c := range applied(f.AWS.FakeProvider, "Create", "Update", "Delete") {
		t.Errorf("a refused up changed %s (%s)", c.URN, c.Method)
	}
}
