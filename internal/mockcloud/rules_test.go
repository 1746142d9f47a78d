package mockcloud_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func run(t *testing.T, opts mockcloud.Options, program pulumi.RunFunc) (*mockcloud.Cloud, error) {
	t.Helper()
	cloud := mockcloud.New(opts)
	return cloud, cloud.Run(program, mockcloud.RunConfig{DryRun: true})
}

func role(ctx *pulumi.Context, name string, args iam.RoleArgs) error {
	args.AssumeRolePolicy = pulumi.String("{}")
	_, err := iam.NewRole(ctx, name, &args)
	return err
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		name    string
		program pulumi.RunFunc
		err     string // "" for success
	}{
		{"autoname fits", func(ctx *pulumi.Context) error { return role(ctx, strings.Repeat("r", 56), iam.RoleArgs{}) }, ""},
		{"autoname too long", func(ctx *pulumi.Context) error { return role(ctx, strings.Repeat("r", 57), iam.RoleArgs{}) },
			"plus 7 random chars is longer than maximum length 64"},
		{"explicit name too long", func(ctx *pulumi.Context) error {
			return role(ctx, "r", iam.RoleArgs{Name: pulumi.String(strings.Repeat("x", 65))})
		}, "more than 64"},
		{"prefix too long", func(ctx *pulumi.Context) error {
			return role(ctx, "r", iam.RoleArgs{NamePrefix: pulumi.String(strings.Repeat("x", 39))})
		}, "more than 38"},
		{"name and prefix", func(ctx *pulumi.Context) error {
			return role(ctx, "r", iam.RoleArgs{Name: pulumi.String("a"), NamePrefix: pulumi.String("b")})
		}, "conflicts with namePrefix"},
		{"neither pattern nor schedule", func(ctx *pulumi.Context) error {
			_, err := cloudwatch.NewEventRule(ctx, "r", &cloudwatch.EventRuleArgs{})
			return err
		}, "one of `eventPattern,scheduleExpression` must be specified"},
		{"same role name twice", func(ctx *pulumi.Context) error {
			if err := role(ctx, "a", iam.RoleArgs{Name: pulumi.String("fleet")}); err != nil {
				return err
			}
			return role(ctx, "b", iam.RoleArgs{Name: pulumi.String("fleet")})
		}, "EntityAlreadyExists: Role with name fleet already exists."},
		{"node group name per cluster", func(ctx *pulumi.Context) error {
			ng := func(name, cluster string) error {
				_, err := awseks.NewNodeGroup(ctx, name, &awseks.NodeGroupArgs{
					ClusterName: pulumi.String(cluster), NodeGroupName: pulumi.String("workers"), NodeRoleArn: pulumi.String("r"),
					SubnetIds:     pulumi.StringArray{pulumi.String("s")},
					ScalingConfig: &awseks.NodeGroupScalingConfigArgs{DesiredSize: pulumi.Int(1), MaxSize: pulumi.Int(1), MinSize: pulumi.Int(1)},
				})
				return err
			}
			if err := ng("a", "c1"); err != nil {
				return err
			}
			if err := ng("b", "c2"); err != nil {
				return err
			}
			return ng("c", "c1")
		}, "ResourceInUseException: NodeGroup already exists with name workers and cluster name c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, mockcloud.Options{}, tc.program)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestPhysicalNames(t *testing.T) {
	cloud, err := run(t, mockcloud.Options{}, func(ctx *pulumi.Context) error {
		if err := role(ctx, "auto", iam.RoleArgs{}); err != nil {
			return err
		}
		return role(ctx, "prefixed", iam.RoleArgs{NamePrefix: pulumi.String("fleet-")})
	})
	if err != nil {
		t.Fatal(err)
	}
	auto, _ := cloud.Get("aws:iam/role:Role", "auto")
	if n := auto.Outputs["name"].StringValue(); !regexp.MustCompile(`^auto-[0-9a-f]{7}$`).MatchString(n) || auto.ID != n {
		t.Errorf("autonamed role: name %q id %q", n, auto.ID)
	}
	prefixed, _ := cloud.Get("aws:iam/role:Role", "prefixed")
	if n := prefixed.Outputs["name"].StringValue(); !regexp.MustCompile(`^fleet-[0-9]{18}[0-9a-f]{8}$`).MatchString(n) || prefixed.ID != n {
		t.Errorf("role from a prefix: name %q id %q", n, prefixed.ID)
	}
	if prefixed.Inputs.HasValue("name") {
		t.Errorf("the recorded inputs gained a name: %v", prefixed.Inputs)
	}
}

// cluster registers a pulumi-eks cluster named name and an access entry for
// principal on it.
func cluster(name string, principal func(c *mockcloud.Cloud) string, c **mockcloud.Cloud) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cl, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{Name: pulumi.String(name), Tags: pulumi.StringMap{"team": pulumi.String("a")}})
		if err != nil {
			return err
		}
		_, err = awseks.NewAccessEntry(ctx, name+"-admin", &awseks.AccessEntryArgs{
			ClusterName: cl.EksCluster.Name(), PrincipalArn: pulumi.String(principal(*c)),
		})
		return err
	}
}

func TestCreatorAccessEntry(t *testing.T) {
	opts := mockcloud.Options{Account: "111122223333"}
	var c *mockcloud.Cloud
	c = mockcloud.New(opts)
	err := c.Run(cluster("fleet", (*mockcloud.Cloud).DeployerRoleARN, &c), mockcloud.RunConfig{DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "StatusCode: 409, ResourceInUseException: The specified access entry resource is already in use on this cluster.") {
		t.Errorf("access entry for the creator: %v", err)
	}
	other := func(*mockcloud.Cloud) string { return "arn:aws:iam::111122223333:role/ops" }
	c = mockcloud.New(opts)
	if err := c.Run(cluster("fleet", other, &c), mockcloud.RunConfig{DryRun: true}); err != nil {
		t.Errorf("access entry for another role: %v", err)
	}
	if got := c.DeployerRoleARN(); got != "arn:aws:iam::111122223333:role/eksfleet-deployer" {
		t.Errorf("DeployerRoleARN = %q", got)
	}

	// A cluster deployed before: its creator's entry is whoever created it.
	opts.ExistingClusters = map[string]mockcloud.ExistingCluster{"fleet": {Creator: "arn:aws:iam::111122223333:role/ops"}}
	c = mockcloud.New(opts)
	if err := c.Run(cluster("fleet", (*mockcloud.Cloud).DeployerRoleARN, &c), mockcloud.RunConfig{DryRun: true}); err != nil {
		t.Errorf("access entry for the deployer on a cluster someone else created: %v", err)
	}
	c = mockcloud.New(opts)
	if err := c.Run(cluster("fleet", other, &c), mockcloud.RunConfig{DryRun: true}); err == nil {
		t.Error("access entry for the creator of an existing cluster was accepted")
	}
}

func TestInvokes(t *testing.T) {
	opts := mockcloud.Options{Account: "111122223333", ExistingClusters: map[string]mockcloud.ExistingCluster{
		"old": {Tags: map[string]string{"eksfleet:cluster-creator": "arn:aws:iam::111122223333:role/ops"}},
	}}
	_, err := run(t, opts, func(ctx *pulumi.Context) error {
		me, err := aws.GetCallerIdentity(ctx, nil)
		if err != nil {
			return err
		}
		if me.Arn != "arn:aws:sts::111122223333:assumed-role/eksfleet-deployer/session" {
			t.Errorf("caller %q", me.Arn)
		}
		sc, err := iam.GetSessionContext(ctx, &iam.GetSessionContextArgs{Arn: me.Arn})
		if err != nil {
			return err
		}
		if sc.IssuerArn != "arn:aws:iam::111122223333:role/eksfleet-deployer" {
			t.Errorf("issuer %q", sc.IssuerArn)
		}
		if _, err := awseks.LookupCluster(ctx, &awseks.LookupClusterArgs{Name: "fleet"}); err == nil ||
			!strings.Contains(err.Error(), "reading EKS Cluster (fleet): couldn't find resource") {
			t.Errorf("getCluster of a missing cluster: %v", err)
		}
		old, err := awseks.LookupCluster(ctx, &awseks.LookupClusterArgs{Name: "old"})
		if err != nil || old.Tags["eksfleet:cluster-creator"] != "arn:aws:iam::111122223333:role/ops" {
			t.Errorf("getCluster of an existing cluster: %v %v", err, old)
		}
		cl, err := eks.NewCluster(ctx, "fleet", &eks.ClusterArgs{Name: pulumi.String("fleet"), Tags: pulumi.StringMap{"team": pulumi.String("a")}})
		if err != nil {
			return err
		}
		done := cl.EksCluster.Name().ApplyT(func(string) (string, error) {
			got, err := awseks.LookupCluster(ctx, &awseks.LookupClusterArgs{Name: "fleet"})
			if err != nil || got.Tags["team"] != "a" || got.Arn == "" {
				t.Errorf("getCluster after the cluster was created: %v %+v", err, got)
			}
			return "", nil
		})
		ctx.Export("done", done)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEKSServiceRoleName(t *testing.T) {
	for _, tc := range []struct {
		n       int
		role    bool
		wantErr bool
	}{
		{43, false, false}, // 43 + len("-eksRole-role") + 8 = 64
		{44, false, true},
		{44, true, false}, // a given service role is not autonamed
	} {
		name := strings.Repeat("c", tc.n)
		_, err := run(t, mockcloud.Options{}, func(ctx *pulumi.Context) error {
			args := &eks.ClusterArgs{Name: pulumi.String("fleet")}
			if tc.role {
				r, err := iam.NewRole(ctx, "svc", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")})
				if err != nil {
					return err
				}
				args.ServiceRole = r
			}
			_, err := eks.NewCluster(ctx, name, args)
			return err
		})
		if (err != nil) != tc.wantErr || (err != nil && !strings.Contains(err.Error(), "its service role")) {
			t.Errorf("%d-character cluster resource name, service role given %v: %v", tc.n, tc.role, err)
		}
	}
}
