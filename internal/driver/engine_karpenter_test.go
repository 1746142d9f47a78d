package driver_test

import (
	"context"
	"slices"
	"testing"

	"github.com/eksfleet/eksfleet/internal/driver"
)

// TestEngineKarpenterUp: up of staging (Karpenter as the autoscaler, two
// node pools) from empty on the real engine with the fake providers, then a
// second preview that shows no change.
func TestEngineKarpenterUp(t *testing.T) {
	f := newFixture(t, "staging")
	ctx := context.Background()

	up := f.run(ctx, "up", "staging").must(t, driver.ExitOK)
	for _, c := range f.AWS.Calls("Create") {
		if len(c.Failures) > 0 {
			t.Errorf("create of %s refused: %v", c.URN, c.Failures)
		}
	}
	created := f.AWS.Types("Create")
	for _, typ := range []string{"aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy", "aws:cloudwatch/eventRule:EventRule",
		"aws:iam/instanceProfile:InstanceProfile", "aws:eks/accessEntry:AccessEntry", "aws:iam/rolePolicy:RolePolicy"} {
		if !slices.Contains(created, typ) {
			t.Errorf("up did not create a %s (created %v)", typ, created)
		}
	}
	if slices.Contains(created, asgType) {
		t.Errorf("staging's workloads run on Karpenter pools, but up created an Auto Scaling group")
	}
	counts := map[string]int{}
	for _, c := range f.Kubernetes.Calls("Create") {
		counts[c.Type]++
		if len(c.Failures) > 0 {
			t.Errorf("create of %s refused: %v", c.URN, c.Failures)
		}
	}
	for typ, want := range map[string]int{
		"kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": 2,
		"kubernetes:karpenter.sh/v1:NodePool":          2,
		"kubernetes:helm.sh/v3:Release":                2,
	} {
		if counts[typ] != want {
			t.Errorf("up created %d %s, want %d (created %v)", counts[typ], typ, want, counts)
		}
	}
	k, _ := up.summary.Outputs["karpenter"].(map[string]any)
	if k["installed"] != true || k["queueName"] == nil || k["chartVersion"] != "1.14.1" {
		t.Errorf("karpenter output %v", k)
	}
	if _, ok := up.summary.Outputs["clusterAutoscaler"]; ok {
		t.Error("the Cluster Autoscaler is exported with autoscaler.kind karpenter")
	}

	// A second preview shows no change.
	f.AWS.Reset()
	prev := f.run(ctx, "preview", "staging").must(t, driver.ExitOK)
	if len(prev.summary.Resources) != 0 || prev.summary.Changes["same"] == 0 {
		t.Errorf("second preview: changes %v, resources %v; want only same", prev.summary.Changes, prev.summary.Resources)
	}
	for op, n := range prev.summary.Changes {
		if op != "same" && n > 0 {
			t.Errorf("second preview: %d %s", n, op)
		}
	}
}
