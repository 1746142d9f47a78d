package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// adminConfig is dev's cluster config with these admin roles.
func adminConfig(t *testing.T, roles ...string) *plan.Project {
	t.Helper()
	proj, err := plan.LoadProject("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	var cl map[string]any
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:cluster"]), &cl); err != nil {
		t.Fatal(err)
	}
	cl["adminRoleArns"] = roles
	b, _ := json.Marshal(cl)
	proj.Config["eksfleet:cluster"] = string(b)
	return proj
}

// principals lists the principals of STANDARD (human/admin) access entries;
// node roles have EC2_LINUX ones.
func principals(cloud *mockcloud.Cloud) []string {
	var out []string
	for _, e := range cloud.OfType("aws:eks/accessEntry:AccessEntry") {
		if e.Inputs["type"].IsString() && e.Inputs["type"].StringValue() != "STANDARD" {
			continue
		}
		if p := e.Inputs["principalArn"]; p.IsString() {
			out = append(out, p.StringValue())
		}
	}
	return out
}

// TestDeployerInAdminRolesOnFirstUp: the README tells users to deploy as a
// role listed in cluster.adminRoleArns. EKS gives the creator an access
// entry itself, and the fake refuses a second one as EKS does
// (ResourceInUseException), so the program must skip it and record who
// created the cluster.
func TestDeployerInAdminRolesOnFirstUp(t *testing.T) {
	deployer := "arn:aws:iam::" + plan.FakeAccount + ":role/" + mockcloud.DeployerRole
	other := "arn:aws:iam::" + plan.FakeAccount + ":role/platform-admin"
	p, err := plan.Evaluate(adminConfig(t, other, deployer), stacks.Run)
	if err != nil {
		t.Fatalf("first up as an admin role must work: %v", err)
	}
	if got := principals(p.Cloud); len(got) != 1 || got[0] != other {
		t.Errorf("access entries for %v, want only %s (EKS made the creator's)", got, other)
	}
	if got := p.Outputs["clusterCreatorArn"]; got != deployer {
		t.Errorf("clusterCreatorArn = %v, want %s", got, deployer)
	}
}

// TestCreatorReadFromTheCluster: a later update by another identity (CI
// after a human created the cluster) keeps the creator recorded on the
// cluster, so it neither adds an entry for the creator nor skips its own.
func TestCreatorReadFromTheCluster(t *testing.T) {
	const account = "111122223333"
	human := "arn:aws:iam::" + account + ":role/human-admin"
	deployer := "arn:aws:iam::" + account + ":role/" + mockcloud.DeployerRole
	proj := adminConfig(t, human, deployer)
	cloud := mockcloud.New(mockcloud.Options{
		Project: proj.Name, Stack: proj.Stack, Region: "eu-west-1", Account: account,
		SubnetZones: map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1b"},
		VpcID:       "vpc-0a1b2c3d4e5f60718",
		ExistingClusters: map[string]mockcloud.ExistingCluster{
			"acme-dev": {Tags: map[string]string{cluster.CreatorTag: human}, Creator: human},
		},
	})
	var creator string
	err := cloud.Run(func(ctx *pulumi.Context) error {
		if err := stacks.Run(ctx); err != nil {
			return err
		}
		out, ok := ctx.GetCurrentExportMap()["clusterCreatorArn"]
		if !ok {
			t.Error("no clusterCreatorArn output")
			return nil
		}
		r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(out))
		if err != nil {
			return err
		}
		creator, _ = r.Value.(string)
		return nil
	}, mockcloud.RunConfig{Config: proj.Config, DryRun: true})
	if err != nil {
		t.Fatalf("update by another identity: %v", err)
	}
	if got := principals(cloud); len(got) != 1 || got[0] != deployer {
		t.Errorf("access entries for %v, want only %s", got, deployer)
	}
	if creator != human {
		t.Errorf("clusterCreatorArn = %q, want the recorded %s", creator, human)
	}
}

// TestUpgradeOneMinorAtATime: EKS upgrades one minor at a time and never
// downgrades; the running cluster's version (looked up read-only) decides,
// before anything is registered.
func TestUpgradeOneMinorAtATime(t *testing.T) {
	for _, tc := range []struct {
		running, want string
		refused       string
	}{
		{"1.33", "1.33", ""},
		{"1.32", "1.33", ""},
		{"1.31", "1.33", "more than one minor above the running cluster's 1.31"},
		{"1.34", "1.33", "EKS cannot downgrade"},
	} {
		t.Run(tc.running+"->"+tc.want, func(t *testing.T) {
			proj := adminConfig(t)
			cloud := mockcloud.New(mockcloud.Options{
				Project: proj.Name, Stack: proj.Stack, Region: "eu-west-1", Account: "111122223333",
				SubnetZones: map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1b"},
				VpcID:       "vpc-0a1b2c3d4e5f60718",
				ExistingClusters: map[string]mockcloud.ExistingCluster{
					"acme-dev": {Version: tc.running},
				},
			})
			err := cloud.Run(stacks.Run, mockcloud.RunConfig{Config: proj.Config, DryRun: true})
			switch {
			case tc.refused == "" && err != nil:
				t.Fatalf("running %s, config %s: %v", tc.running, tc.want, err)
			case tc.refused != "":
				if err == nil || !strings.Contains(err.Error(), "eksfleet:cluster.version") || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("running %s, config %s: want a refusal at eksfleet:cluster.version saying %q, got %v", tc.running, tc.want, tc.refused, err)
				}
				if n := len(cloud.Resources()); n != 0 {
					t.Errorf("%d resources registered before the refusal", n)
				}
			}
		})
	}
}
