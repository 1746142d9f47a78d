package driver_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const nodeGroupType = "aws:eks/nodeGroup:NodeGroup"

// TestEngineRaiseMinSize: raising a group's minSize above the size it runs
// at. The provider would send the managed group's first desired size (2)
// with the new minimum (3), which EKS refuses; the program reads the live
// size and sets the desired size into the new bounds, for that update
// only, and the guardrails accept the one-off. The self-managed group,
// scaled to 4 by the autoscaler, keeps its 4 when the new minimum (3) is
// below it, and goes to 6 when the minimum is 6 (issue 12 item 8).
func TestEngineRaiseMinSize(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	ngID := onlyLive(t, f.AWS.Live(nodeGroupType))
	asgID := onlyLive(t, f.AWS.Live(asgType))
	setLive(t, f.AWS, asgType, asgID, "desiredCapacity", 4)

	const system = "      minSize: 1\n      maxSize: 3\n      desiredSize: 2\n"
	f.Edit("Pulumi.dev.yaml", system, "      minSize: 3\n      maxSize: 4\n      desiredSize: 3\n")
	f.Edit("Pulumi.dev.yaml", "      minSize: 0\n      maxSize: 10\n", "      minSize: 3\n      maxSize: 10\n")
	f.AWS.Reset()
	up := f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	if ng, _ := f.AWS.Find(nodeGroupType, ngID); !ng["scalingConfig"].ObjectValue()["desiredSize"].DeepEquals(resource.NewNumberProperty(3)) {
		t.Errorf("managed group after raising minSize to 3: scaling %v, want desired 3", ng["scalingConfig"])
	}
	if asg, _ := f.AWS.Find(asgType, asgID); !asg["desiredCapacity"].DeepEquals(resource.NewNumberProperty(4)) {
		t.Errorf("self-managed group at 4 after raising minSize to 3: desiredCapacity %v, want the autoscaler's 4", asg["desiredCapacity"])
	}
	for _, c := range up.summary.Resources {
		if c.Critical {
			t.Errorf("raising minSize replaced or deleted %s", c.URN)
		}
	}

	// The next preview leaves the size to the autoscaler again.
	again := f.run(ctx, "preview", "dev").must(t, driver.ExitOK)
	if len(again.summary.Resources) != 0 {
		t.Errorf("preview after the resize: %+v, want no change", again.summary.Resources)
	}
	setLive(t, f.AWS, asgType, asgID, "desiredCapacity", 5)
	f.run(ctx, "drift", "dev").must(t, driver.ExitOK)

	// A minimum above the autoscaler's size moves the self-managed group up.
	f.Edit("Pulumi.dev.yaml", "      minSize: 3\n      maxSize: 10\n", "      minSize: 6\n      maxSize: 10\n")
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	if asg, _ := f.AWS.Find(asgType, asgID); !asg["desiredCapacity"].DeepEquals(resource.NewNumberProperty(6)) {
		t.Errorf("self-managed group at 5 after raising minSize to 6: desiredCapacity %v, want 6", asg["desiredCapacity"])
	}
}

// onlyLive returns the ID of the one live resource in live.
func onlyLive(t *testing.T, live map[string]resource.PropertyMap) string {
	t.Helper()
	if len(live) != 1 {
		t.Fatalf("want one live resource, have %d", len(live))
	}
	for id := range live {
		return id
	}
	return ""
}

// The refusal the fake models is EKS's own: without the live size, the
// update fails as it does in AWS.
func TestEngineMinSizeRefusedByFakeEKS(t *testing.T) {
	f := newFixture(t, "dev")
	ctx := context.Background()
	f.run(ctx, "up", "dev").must(t, driver.ExitOK)
	ngID := onlyLive(t, f.AWS.Live(nodeGroupType))
	// Hide the group from the program's lookup, as a cluster whose groups
	// were created by another tool would be: the program cannot know the
	// live size and sends the first desired size.
	if err := f.AWS.SetLive(nodeGroupType, ngID, func(m resource.PropertyMap) {
		m["clusterName"] = resource.NewStringProperty("elsewhere")
	}); err != nil {
		t.Fatal(err)
	}
	f.Edit("Pulumi.dev.yaml", "      minSize: 1\n      maxSize: 3\n      desiredSize: 2\n", "      minSize: 3\n      maxSize: 4\n      desiredSize: 3\n")
	// The guardrail that sees the stale desired size would stop the update
	// first: switched off to reach EKS.
	f.Edit("Pulumi.dev.yaml", "  eksfleet:autoscaler:\n", "  eksfleet:policy:\n    enforcement:\n      asg-size-bounds: disabled\n  eksfleet:autoscaler:\n")
	up := f.run(ctx, "up", "dev").must(t, driver.ExitError)
	if errs := strings.Join(up.summary.Errors, "\n"); !strings.Contains(errs, "Minimum capacity 3 can't be greater than desired size 2") {
		t.Errorf("errors %q, want EKS's refusal", up.summary.Errors)
	}
}
