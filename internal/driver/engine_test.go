package driver_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/eksfleet/eksfleet/internal/enginetest"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The engine scenarios: the real Pulumi CLI and engine, the real npm
// pulumi-eks provider, the fake aws and kubernetes providers, and the
// driver exactly as `eksfleet VERB dev --dir DIR` runs it. They skip when
// the tools are missing unless EKSFLEET_ENGINE_TESTS=1.

const (
	asgType      = "aws:autoscaling/group:Group"
	clusterType  = "aws:eks/cluster:Cluster"
	addonType    = "aws:eks/addon:Addon"
	workersMax   = "      maxSize: 10\n"
	workersMax12 = "      maxSize: 12\n"
)

// TestEngineDevLifecycle: up of dev from empty, a second preview without
// changes, one node group's max size changed (exactly one update), drift
// (none, an ignored autoscaler change, a real out-of-band change), refresh,
// outputs with secrets masked, and destroy leaving nothing behind.
func TestEngineDevLifecycle(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()

	// Verbs other than preview and up do not create the stack.
	missing := f.run(ctx, "outputs", "dev").must(t, driver.ExitError)
	if errs := strings.Join(missing.summary.Errors, "\n"); !strings.Contains(errs, "stack dev does not exist in backend file://") {
		t.Errorf("outputs of a missing stack: errors %q", missing.summary.Errors)
	}

	// up of dev from empty.
	up := f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	created := f.AWS.Types("Create")
	for _, typ := range []string{clusterType, asgType, addonType, "aws:eks/nodeGroup:NodeGroup",
		"aws:ec2/launchTemplate:LaunchTemplate", "aws:iam/role:Role", "aws:kms/key:Key",
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:eks/accessEntry:AccessEntry"} {
		if !slices.Contains(created, typ) {
			t.Errorf("up did not create a %s (created %v)", typ, created)
		}
	}
	if n := len(applied(f.AWS.FakeProvider, "Update", "Delete")); n != 0 {
		t.Errorf("up from empty made %d updates or deletes", n)
	}
	if up.summary.Changes["create"] == 0 || up.summary.Changes["create"] != len(up.changed("", "create")) {
		t.Errorf("changes %v, but %d created resources listed", up.summary.Changes, len(up.changed("", "create")))
	}
	for _, c := range f.AWS.Calls("Create") {
		if len(c.Failures) > 0 {
			t.Errorf("create of %s refused: %v", c.URN, c.Failures)
		}
	}
	if got := up.summary.Outputs["clusterName"]; got != "acme-dev" {
		t.Errorf("output clusterName = %v, want acme-dev", got)
	}
	if got := up.summary.Outputs["kubeconfig"]; got != "[secret]" {
		t.Errorf("output kubeconfig = %v, want it masked", got)
	}
	if len(up.summary.PendingOperations) != 0 {
		t.Errorf("pending operations after a clean up: %v", up.summary.PendingOperations)
	}
	if want := filepath.Join(f.Dir, "policy"); !slices.Equal(up.summary.PolicyPacks, []string{want}) {
		t.Errorf("policy packs %v, want the project's %s", up.summary.PolicyPacks, want)
	}
	liveAfterUp := f.AWS.LiveCount()

	// A second preview shows no change.
	f.AWS.Reset()
	prev := f.run(ctx, "preview", "dev").must(t, driver.ExitOK)
	if len(prev.summary.Resources) != 0 || prev.summary.Changes["same"] == 0 {
		t.Errorf("second preview: changes %v, resources %v; want only same", prev.summary.Changes, prev.summary.Resources)
	}
	for op, n := range prev.summary.Changes {
		if op != "same" && n > 0 {
			t.Errorf("second preview: %d %s", n, op)
		}
	}

	// Changing one node group's max size is exactly one update.
	f.Edit("Pulumi.dev.yaml", workersMax, workersMax12)
	prev = f.run(ctx, "preview", "dev").must(t, driver.ExitOK)
	asgURN := ""
	if got := prev.summary.Resources; len(got) != 1 || got[0].Type != asgType || got[0].Op != "update" || !slices.Equal(got[0].Diffs, []string{"maxSize"}) {
		t.Fatalf("preview of maxSize 10 -> 12: resources %+v, want one ASG update of maxSize", got)
	} else {
		asgURN = got[0].URN
	}
	if prev.summary.Changes["update"] != 1 {
		t.Errorf("preview of maxSize change: changes %v, want update 1", prev.summary.Changes)
	}
	f.AWS.Reset()
	f.Kubernetes.Reset()
	up = f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	if got := up.summary.Resources; len(got) != 1 || got[0].URN != asgURN {
		t.Errorf("up of maxSize change: resources %+v, want only %s", got, asgURN)
	}
	updates := applied(f.AWS.FakeProvider, "Update")
	if len(updates) != 1 || updates[0].Type != asgType {
		t.Fatalf("up of maxSize change: aws updates %v, want one ASG update", callTypes(updates))
	}
	if other := append(applied(f.AWS.FakeProvider, "Create", "Delete"), applied(f.Kubernetes, "Create", "Update", "Delete")...); len(other) != 0 {
		t.Errorf("up of maxSize change made other changes: %v", callTypes(other))
	}
	asgID := updates[0].ID
	if got, _ := f.AWS.Find(asgType, asgID); !got["maxSize"].DeepEquals(resource.NewNumberProperty(12)) {
		t.Errorf("live ASG maxSize = %v, want 12", got["maxSize"])
	}

	// No drift right after up.
	f.AWS.Reset()
	f.run(ctx, "drift", "dev").must(t, driver.ExitOK)

	// The autoscaler changing the desired capacity is not drift: the
	// program ignores desiredCapacity.
	setLive(t, f.AWS, asgType, asgID, "desiredCapacity", 7)
	f.run(ctx, "drift", "dev").must(t, driver.ExitOK)

	// Someone raises max size in the console: drift, naming the ASG.
	setLive(t, f.AWS, asgType, asgID, "maxSize", 20)
	drift := f.run(ctx, "drift", "dev").must(t, driver.ExitDrift)
	if got := drift.summary.Resources; len(got) != 1 || got[0].URN != asgURN || !slices.Contains(got[0].Diffs, "maxSize") {
		t.Errorf("drift: resources %+v, want the ASG with maxSize", got)
	}
	if drift.summary.Result != driver.ResultDrift || !strings.Contains(drift.stderr, "drift: update "+asgURN) {
		t.Errorf("drift: result %q; stderr does not name the ASG:\n%s", drift.summary.Result, drift.stderr)
	}
	if n := len(applied(f.AWS.FakeProvider, "Create", "Update", "Delete")); n != 0 {
		t.Errorf("drift changed %d resources", n)
	}

	// refresh takes the live values into the state; drift stays (the
	// program still says 12) until up puts the program's value back.
	ref := f.run(ctx, "refresh", "dev").must(t, driver.ExitOK)
	if got := ref.changed(asgType, "update"); len(got) != 1 {
		t.Errorf("refresh: resources %+v, want the ASG updated from the cloud", ref.summary.Resources)
	}
	f.run(ctx, "drift", "dev").must(t, driver.ExitDrift)
	f.AWS.Reset()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	if got, _ := f.AWS.Find(asgType, asgID); !got["maxSize"].DeepEquals(resource.NewNumberProperty(12)) ||
		!got["desiredCapacity"].DeepEquals(resource.NewNumberProperty(7)) {
		t.Errorf("after up: live maxSize %v desiredCapacity %v, want 12 and the autoscaler's 7", got["maxSize"], got["desiredCapacity"])
	}
	f.run(ctx, "drift", "dev").must(t, driver.ExitOK)

	// outputs prints the outputs, secrets masked.
	outs := f.run(ctx, "outputs", "dev").must(t, driver.ExitOK)
	if outs.summary.Outputs["clusterName"] != "acme-dev" || outs.summary.Outputs["kubeconfig"] != "[secret]" {
		t.Errorf("outputs: clusterName %v kubeconfig %v", outs.summary.Outputs["clusterName"], outs.summary.Outputs["kubeconfig"])
	}
	if b, _ := json.Marshal(outs.summary.Outputs); strings.Contains(string(b), "apiVersion") || strings.Contains(string(b), "certificate-authority-data") {
		t.Errorf("outputs leak the kubeconfig: %s", b)
	}

	// destroy leaves no resources.
	f.AWS.Reset()
	dest := f.run(ctx, "destroy", "dev").must(t, driver.ExitOK)
	if left := f.AWS.Live(""); f.AWS.LiveCount() != 0 {
		t.Errorf("aws resources left after destroy: %v", mapKeys(left))
	}
	if left := f.Kubernetes.Live(""); f.Kubernetes.LiveCount() != 0 {
		t.Errorf("kubernetes resources left after destroy: %v", mapKeys(left))
	}
	if n := len(applied(f.AWS.FakeProvider, "Delete")); n != liveAfterUp {
		t.Errorf("destroy deleted %d aws resources, %d were live", n, liveAfterUp)
	}
	if n := dest.summary.Changes["delete"]; n == 0 || len(dest.changed("", "delete")) != n {
		t.Errorf("destroy: changes %v, %d deleted resources listed", dest.summary.Changes, len(dest.changed("", "delete")))
	}
	prev = f.run(ctx, "preview", "dev").must(t, driver.ExitOK)
	if prev.summary.Changes["create"] == 0 || prev.summary.Changes["same"] != 0 {
		t.Errorf("preview after destroy: %v, want everything to create", prev.summary.Changes)
	}
}

// TestEngineMandatoryPolicyBlocksUp: the project's guardrails pack, with
// eks-endpoint-private made mandatory for dev through eksfleet:policy,
// refuses a public endpoint open to 0.0.0.0/0 (which the stack config
// accepts in dev): preview and up exit 2, and up changes nothing.
func TestEngineMandatoryPolicyBlocksUp(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	pack := filepath.Join(f.Dir, "policy")
	f.Edit("Pulumi.dev.yaml", "      - 203.0.113.0/24\n", "      - 0.0.0.0/0\n")
	f.Edit("Pulumi.dev.yaml", "  eksfleet:autoscaler:\n",
		"  eksfleet:policy:\n    enforcement:\n      eks-endpoint-private: mandatory\n  eksfleet:autoscaler:\n")

	prev := f.run(ctx, "preview", "dev").must(t, driver.ExitPolicy)
	up := f.run(ctx, "up", "dev").must(t, driver.ExitPolicy)
	for _, r := range []result{prev, up} {
		if r.summary.Result != driver.ResultPolicyViolation || !slices.Equal(r.summary.PolicyPacks, []string{pack}) {
			t.Errorf("%s: result %q packs %v, want policy-violation from %s", r.summary.Command, r.summary.Result, r.summary.PolicyPacks, pack)
		}
		var found bool
		for _, v := range r.summary.PolicyViolations {
			if v.Policy == "eks-endpoint-private" && v.Enforcement == "mandatory" && strings.Contains(v.URN, "Cluster") {
				found = true
			} else if v.Enforcement == "mandatory" {
				t.Errorf("%s: unexpected mandatory violation %+v", r.summary.Command, v)
			}
		}
		if !found {
			t.Errorf("%s: violations %+v, want a mandatory eks-endpoint-private on the cluster", r.summary.Command, r.summary.PolicyViolations)
		}
	}
	for _, c := range applied(f.AWS.FakeProvider, "Create", "Update", "Delete") {
		t.Errorf("a blocked up changed %s (%s)", c.URN, c.Method)
	}
	if !strings.Contains(up.stderr, "/eks-endpoint-private:") {
		t.Errorf("up stderr does not name the violated policy:\n%s", up.stderr)
	}

	// The endpoint closed again: the same pack lets up through.
	f.Edit("Pulumi.dev.yaml", "      - 0.0.0.0/0\n", "      - 203.0.113.0/24\n")
	ok := f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	for _, v := range ok.summary.PolicyViolations {
		if v.Enforcement == "mandatory" {
			t.Errorf("mandatory violation on the fixed config: %+v", v)
		}
	}
}

// TestEngineLockedStack: while an up runs, a second up (and a refresh) get
// exit 4 and a preview still works; the first up completes. A lock left by
// a killed runner also gives exit 4, and `cancel` releases it.
func TestEngineLockedStack(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()

	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.AWS.Intercept(func(ctx context.Context, method, typ string, _ resource.URN, preview bool) error {
		if method == "Create" && typ == clusterType && !preview {
			once.Do(func() { close(entered) })
			select {
			case <-release:
			case <-time.After(2 * time.Minute):
			}
		}
		return nil
	})
	first := make(chan result, 1)
	go func() { first <- f.run(ctx, "up", "dev") }()
	select {
	case <-entered:
	case r := <-first:
		t.Fatalf("the first up ended before creating the cluster: exit %d %q\n%s", r.code, r.summary.Errors, r.stderr)
	}
	lockDir := findLockDir(t, f.Dir)

	second := f.run(ctx, "up", "dev").must(t, driver.ExitLocked)
	if second.summary.Result != driver.ResultLocked || !strings.Contains(strings.Join(second.summary.Errors, "\n"), "locked") {
		t.Errorf("second up: result %q errors %q", second.summary.Result, second.summary.Errors)
	}
	// The first up's cluster create is in flight (pending in the state);
	// the runs that lost the lock did nothing and report nothing pending.
	if len(second.summary.PendingOperations) != 0 {
		t.Errorf("the up that lost the lock reports the winner's operations as its own: %v", second.summary.PendingOperations)
	}
	if r := f.run(ctx, "refresh", "dev").must(t, driver.ExitLocked); len(r.summary.PendingOperations) != 0 {
		t.Errorf("the refresh that lost the lock reports pending operations %v", r.summary.PendingOperations)
	}
	f.run(ctx, "preview", "dev").must(t, driver.ExitOK)

	close(release)
	(<-first).must(t, driver.ExitOK)
	f.AWS.Intercept(nil)

	// A runner killed mid-update leaves its lock behind.
	stale := filepath.Join(lockDir, "0f6a5bd4-killed-runner.json")
	lock := `{"pid":4242,"username":"ci","hostname":"runner-7","timestamp":"2024-01-01T00:00:00Z"}`
	if err := os.WriteFile(stale, []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	r := f.run(ctx, "up", "dev").must(t, driver.ExitLocked)
	if !strings.Contains(r.stderr, "eksfleet cancel dev") {
		t.Errorf("locked up does not point at `eksfleet cancel dev`:\n%s", r.stderr)
	}
	f.run(ctx, "cancel", "dev").must(t, driver.ExitOK)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("cancel left the stale lock: %v", err)
	}
	r = f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	if len(r.summary.Resources) != 0 {
		t.Errorf("up after cancel changed %+v", r.summary.Resources)
	}
}

// findLockDir returns the directory of the file backend's lock file, which
// must exist while an update runs.
func findLockDir(t *testing.T, project string) string {
	t.Helper()
	var dir string
	root := filepath.Join(project, ".pulumi-state")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/locks/") {
			dir = filepath.Dir(p)
		}
		return nil
	})
	if dir == "" {
		t.Fatalf("no lock file under %s while an update runs", root)
	}
	return dir
}

// TestEngineInterruptedUp: an interrupt stops up cleanly (in-flight steps
// finish, the state is saved, the lock released) and the next up completes
// without duplicates. A second interrupt stops Pulumi at once: creates in
// flight are left pending and the cloud refuses to create them again; the
// summary lists them, refresh --import-pending-create records them, and up
// completes.
func TestEngineInterruptedUp(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		f := newFixture(t, "dev")
		ctx := context.Background()
		sigs := make(chan os.Signal, 1)
		var once sync.Once
		f.AWS.Intercept(func(ctx context.Context, method, typ string, _ resource.URN, preview bool) error {
			if method == "Create" && typ == addonType && !preview {
				once.Do(func() { sigs <- syscall.SIGINT })
				// Still in flight when Pulumi gets the interrupt.
				time.Sleep(500 * time.Millisecond)
			}
			return nil
		})
		r := f.runWith(ctx, sigs, "up", "dev").must(t, driver.ExitError)
		if r.summary.Result != driver.ResultCanceled || len(r.summary.PendingOperations) != 0 {
			t.Fatalf("interrupted up: result %q pending %v, want canceled with nothing pending", r.summary.Result, r.summary.PendingOperations)
		}
		done := len(r.summary.Resources)
		if done == 0 || len(r.changed(addonType, "create")) == 0 {
			t.Errorf("interrupted up lists %d resources, want the ones created before and during the interrupt", done)
		}
		f.AWS.Intercept(nil)

		up := f.run(ctx, "up", "dev").must(t, driver.ExitOK)
		if len(up.summary.Resources) == 0 {
			t.Errorf("the second up had nothing left to do")
		}
		assertNoDuplicates(t, f.AWS)
		prev := f.run(ctx, "preview", "dev").must(t, driver.ExitOK)
		if len(prev.summary.Resources) != 0 {
			t.Errorf("preview after recovery: %+v", prev.summary.Resources)
		}
	})

	t.Run("forced", func(t *testing.T) {
		f := newFixture(t, "dev")
		ctx := context.Background()
		sigs := make(chan os.Signal, 2)
		var once sync.Once
		f.AWS.Intercept(func(rpc context.Context, method, typ string, _ resource.URN, preview bool) error {
			if method == "Create" && typ == addonType && !preview {
				once.Do(func() {
					sigs <- syscall.SIGINT
					// Apart enough that Pulumi sees two interrupts, not one.
					time.Sleep(time.Second)
					sigs <- syscall.SIGINT
				})
				// The cloud finishes the create after Pulumi is gone.
				select {
				case <-rpc.Done():
				case <-time.After(time.Minute):
				}
			}
			return nil
		})
		r := f.runWith(ctx, sigs, "up", "dev").must(t, driver.ExitError)
		pending := r.summary.PendingOperations
		if r.summary.Result != driver.ResultCanceled || len(pending) == 0 {
			t.Fatalf("forced interrupt: result %q pending %v, want canceled with pending creates", r.summary.Result, pending)
		}
		if !strings.Contains(r.stderr, "--import-pending-create") {
			t.Errorf("stderr does not explain the recovery:\n%s", r.stderr)
		}
		f.AWS.Intercept(nil)
		waitLive(t, f.AWS, pending)

		// The resources exist, but the state does not know them: up (and
		// destroy) refuse to run until the pending creates are resolved,
		// instead of creating them again (autonamed ones under new names,
		// orphaning the first ones).
		before := len(applied(f.AWS.FakeProvider, "Create", "Update", "Delete"))
		for _, verb := range []string{"up", "destroy"} {
			again := f.run(ctx, verb, "dev").must(t, driver.ExitError)
			if errs := strings.Join(again.summary.Errors, "\n"); !strings.Contains(errs, "refusing to "+verb) ||
				!strings.Contains(errs, "--import-pending-create") {
				t.Errorf("%s over pending creates: errors %q, want a refusal naming --import-pending-create", verb, again.summary.Errors)
			}
			if len(again.summary.PendingOperations) != len(pending) {
				t.Errorf("%s over pending creates lists %v, want %v", verb, again.summary.PendingOperations, pending)
			}
		}
		if got := applied(f.AWS.FakeProvider, "Create", "Update", "Delete"); len(got) != before {
			t.Errorf("up or destroy over pending creates changed the cloud: %v", callTypes(got[before:]))
		}

		args := []string{"dev"}
		for _, p := range pending {
			if p.Op != "creating" {
				t.Errorf("pending %s is %s, want creating", p.URN, p.Op)
			}
			id, ok := f.AWS.IDOf(resource.URN(p.URN))
			if !ok {
				t.Fatalf("pending %s is not live", p.URN)
			}
			args = append(args, "--import-pending-create", p.URN+"="+id)
		}
		ref := f.run(ctx, "refresh", args...).must(t, driver.ExitOK)
		if len(ref.summary.PendingOperations) != 0 {
			t.Errorf("pending operations after import: %v", ref.summary.PendingOperations)
		}
		f.run(ctx, "up", "dev").must(t, driver.ExitOK)
		assertNoDuplicates(t, f.AWS)
		prev := f.run(ctx, "preview", "dev").must(t, driver.ExitOK)
		if len(prev.summary.Resources) != 0 {
			t.Errorf("preview after recovery: %+v", prev.summary.Resources)
		}
	})
}

// waitLive waits until the creates that were in flight when Pulumi stopped
// have completed in the fake cloud.
func waitLive(t *testing.T, p *enginetest.FakeAWS, pending []driver.PendingOperation) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, op := range pending {
		for {
			if _, ok := p.IDOf(resource.URN(op.URN)); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pending create %s never completed in the fake cloud", op.URN)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// assertNoDuplicates checks that every URN was created at most once in the
// cloud: no orphan left behind by an interrupted update.
func assertNoDuplicates(t *testing.T, p *enginetest.FakeAWS) {
	t.Helper()
	seen := map[resource.URN]int{}
	for _, c := range applied(p.FakeProvider, "Create") {
		seen[c.URN]++
	}
	for urn, n := range seen {
		if n > 1 {
			t.Errorf("%s created %d times", urn, n)
		}
	}
	if live := p.LiveCount(); live != len(seen) {
		t.Errorf("%d aws resources live, %d created", live, len(seen))
	}
}

func setLive(t *testing.T, p *enginetest.FakeAWS, typ, id, key string, v float64) {
	t.Helper()
	err := p.SetLive(typ, id, func(m resource.PropertyMap) {
		m[resource.PropertyKey(key)] = resource.NewNumberProperty(v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// applied returns the calls to methods that changed the fake cloud: not
// previews (the engine calls Create and Update with preview set to get
// preview outputs), not refused.
func applied(p *enginetest.FakeProvider, methods ...string) []enginetest.Call {
	var out []enginetest.Call
	for _, c := range p.Calls(methods...) {
		if !c.Preview && len(c.Failures) == 0 {
			out = append(out, c)
		}
	}
	return out
}

func callTypes(calls []enginetest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Method+" "+c.Type)
	}
	return out
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
