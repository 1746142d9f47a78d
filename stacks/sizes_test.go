package stacks_test

import (
	"slices"
	"testing"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/stacks"
)

// TestLiveSizesFindTheGroups: on a running cluster the program finds each
// group among those AWS lists (by the names the provider gave them, not
// those of a group whose name starts the same) and, where the config's
// bounds differ from the live ones, sets the live desired size moved into
// them without ignoring it, for that update only (the engine test
// TestEngineRaiseMinSize covers the update and the guardrail).
func TestLiveSizesFindTheGroups(t *testing.T) {
	proj := adminConfig(t)
	cloud := mockcloud.New(mockcloud.Options{
		Project: proj.Name, Stack: proj.Stack, Region: "eu-west-1", Account: "111122223333",
		SubnetZones: map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1b"},
		VpcID:       "vpc-0a1b2c3d4e5f60718",
		ExistingClusters: map[string]mockcloud.ExistingCluster{"acme-dev": {
			Version: "1.33",
			// dev's system group is min 1, max 3: running bounds 0-3 at 0.
			NodeGroups: map[string]mockcloud.GroupSize{
				"acme-dev-system-0a1b2c3":   {Min: 0, Max: 3, Desired: 0},
				"acme-dev-system-x-0a1b2c3": {Min: 5, Max: 9, Desired: 9},
			},
			// dev's workers are min 0, max 10: unchanged bounds at 4.
			AutoScalingGroups: map[string]mockcloud.GroupSize{
				"acme-dev-workers-0a1b2c3": {Min: 0, Max: 10, Desired: 4},
			},
		}},
	})
	if err := cloud.Run(stacks.Run, mockcloud.RunConfig{Config: proj.Config, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	ng := cloud.OfType("aws:eks/nodeGroup:NodeGroup")
	asg := cloud.OfType("aws:autoscaling/group:Group")
	if len(ng) != 1 || len(asg) != 1 {
		t.Fatalf("%d node groups, %d ASGs", len(ng), len(asg))
	}
	if got := ng[0].Inputs["scalingConfig"].ObjectValue()["desiredSize"]; !got.IsNumber() || got.NumberValue() != 1 {
		t.Errorf("system group running at 0 with new minSize 1: desiredSize %v, want 1", got)
	}
	if slices.Contains(ng[0].IgnoreChanges, "scalingConfig.desiredSize") {
		t.Errorf("system group: desiredSize still ignored (%v) in the update that must set it", ng[0].IgnoreChanges)
	}
	if !slices.Contains(asg[0].IgnoreChanges, "desiredCapacity") {
		t.Errorf("workers with unchanged bounds: desiredCapacity not ignored (%v)", asg[0].IgnoreChanges)
	}
}
