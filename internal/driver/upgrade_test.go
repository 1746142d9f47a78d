package driver_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// TestEngineMinorUpgrade: dev from 1.33 to 1.34 on the real engine. The
// control plane is updated first; the add-ons whose version follows the
// minor (kube-proxy) after it; the node groups after both: the managed
// group through EKS (its release and version), the self-managed group
// through a new launch template version (the new minor's AMI), which the
// Auto Scaling group's instance refresh rolls. Slow fake calls make the
// order observable: a step that did not wait for the one before would
// start before it ended (issue 12 item 7). A jump of two minors is refused
// before anything changes.
func TestEngineMinorUpgrade(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)

	type span struct{ start, end time.Time }
	var mu sync.Mutex
	spans := map[resource.URN]*span{}
	f.AWS.Intercept(func(_ context.Context, method, typ string, urn resource.URN, preview bool) error {
		if preview || method != "Update" {
			return nil
		}
		s := &span{start: time.Now()}
		switch typ {
		case clusterType, addonType:
			time.Sleep(time.Second)
		}
		s.end = time.Now()
		mu.Lock()
		spans[urn] = s
		mu.Unlock()
		return nil
	})

	f.Edit("Pulumi.dev.yaml", "    version: \"1.33\"\n", "    version: \"1.35\"\n")
	jump := f.run(ctx, "up", "dev").must(t, driver.ExitError)
	if errs := strings.Join(jump.summary.Errors, "\n"); !strings.Contains(errs, "eksfleet:cluster.version") || !strings.Contains(errs, "one minor at a time") {
		t.Errorf("1.33 -> 1.35: errors %q, want the two-minor jump refused", jump.summary.Errors)
	}
	if n := len(spans); n != 0 {
		t.Fatalf("the refused jump updated %d resources", n)
	}

	f.Edit("Pulumi.dev.yaml", "    version: \"1.35\"\n", "    version: \"1.34\"\n")
	f.AWS.Reset()
	up := f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	byType := map[string][]resource.URN{}
	for _, c := range applied(f.AWS.FakeProvider, "Update") {
		byType[c.Type] = append(byType[c.Type], c.URN)
	}
	for _, typ := range []string{clusterType, addonType, nodeGroupType, "aws:ec2/launchTemplate:LaunchTemplate", asgType} {
		if len(byType[typ]) == 0 {
			t.Fatalf("the upgrade updated no %s (updates: %v)", typ, byType)
		}
	}
	for _, c := range up.summary.Resources {
		if c.Critical || c.Op == "replace" {
			t.Errorf("the upgrade %ss %s", c.Op, c.URN)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	after := func(later, earlier string) {
		t.Helper()
		for _, l := range byType[later] {
			for _, e := range byType[earlier] {
				if !spans[l].start.After(spans[e].end) {
					t.Errorf("%s started before %s ended", l, e)
				}
			}
		}
	}
	after(addonType, clusterType)
	for _, nodes := range []string{nodeGroupType, "aws:ec2/launchTemplate:LaunchTemplate", asgType} {
		after(nodes, clusterType)
		after(nodes, addonType)
	}
	after(asgType, "aws:ec2/launchTemplate:LaunchTemplate")

	// The node groups run the new minor: the managed group's version and
	// release, the self-managed group's AMI from the new minor's parameter.
	for _, c := range applied(f.AWS.FakeProvider, "Update") {
		switch c.Type {
		case nodeGroupType:
			if v := c.Inputs["version"]; !v.IsString() || v.StringValue() != "1.34" || !strings.HasPrefix(c.Inputs["releaseVersion"].StringValue(), "1.34.") {
				t.Errorf("managed group update: version %v release %v, want 1.34", v, c.Inputs["releaseVersion"])
			}
		case asgType:
			if !c.Inputs["instanceRefresh"].IsObject() {
				t.Errorf("the self-managed group has no instance refresh to roll its nodes: %v", c.Inputs["instanceRefresh"])
			}
		}
	}
	if again := f.run(ctx, "preview", "dev").must(t, driver.ExitOK); len(again.summary.Resources) != 0 {
		t.Errorf("preview after the upgrade: %+v", again.summary.Resources)
	}
}
