package selfmanaged_test

import (
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	eksfleetcluster "github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Reusing the components from another Pulumi Go program: a private-only
// control plane and a self-managed Spot group whose nodes use an egress
// proxy. README.md ("Reusing the components") shows the same code.
func Example() {
	pulumi.Run(platform)
}

// platform is the example's program body; TestExampleProgramRuns evaluates
// it against the offline fake so the example is known to work, not only to
// compile.
func platform(ctx *pulumi.Context) error {
	c, err := eksfleetcluster.New(ctx, "platform", &eksfleetcluster.Args{
		Name:                  "platform-prod",
		Version:               "1.33",
		Region:                "eu-west-1",
		VpcID:                 pulumi.String("vpc-0c3d4e5f607182930"),
		PrivateSubnetIDs:      pulumi.ToStringArray([]string{"subnet-0c3d4e5f607182a01", "subnet-0c3d4e5f607182b01"}),
		EndpointPrivateAccess: true,
		ServiceIPv4CIDR:       "172.20.0.0/16",
		LogTypes:              []string{"api", "audit", "authenticator"},
		CreateSecretsKMSKey:   true,
		AdminRoleARNs:         []string{"arn:aws:iam::111122223333:role/platform-admin"},
	})
	if err != nil {
		return err
	}
	workers, err := selfmanaged.New(ctx, "workers", &selfmanaged.Args{
		GroupName: "workers",
		Cluster: nodegroup.Cluster{
			Name:                 "platform-prod",
			Version:              "1.33",
			ServiceIPv4CIDR:      "172.20.0.0/16",
			VPCCIDR:              "10.40.0.0/16",
			Partition:            c.Partition,
			Network:              instancetypes.NetworkMode{},
			Proxy:                &bootstrap.Proxy{HTTPSProxy: "http://proxy.corp.example:3128"},
			EKSName:              c.Name,
			Endpoint:             c.Endpoint,
			CertificateAuthority: c.CertificateAuthority,
			NodeSecurityGroupID:  c.NodeSecurityGroupID,
		},
		InstanceTypes:      []string{"m6i.xlarge", "m6a.xlarge"},
		CapacityType:       nodegroup.Spot,
		MinSize:            0,
		MaxSize:            20,
		Labels:             map[string]string{"workload": "general"},
		Volume:             nodespec.Volume{SizeGiB: 50, Type: "gp3", Encrypted: true},
		SubnetIDs:          []string{"subnet-0c3d4e5f607182a01", "subnet-0c3d4e5f607182b01"},
		Autoscaling:        true,
		DrainOnTermination: true,
	})
	if err != nil {
		return err
	}
	if _, err := c.InstallCoreDNS(ctx, []pulumi.Resource{workers.Group}); err != nil {
		return err
	}
	ctx.Export("kubeconfig", c.Kubeconfig)
	ctx.Export("workersAsg", workers.ASGName)
	return nil
}

func TestExampleProgramRuns(t *testing.T) {
	cloud := mockcloud.New(mockcloud.Options{Stack: "prod"})
	if err := cloud.Run(platform, mockcloud.RunConfig{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"eks:index:Cluster", "aws:autoscaling/group:Group", "aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/addon:Addon"} {
		if len(cloud.OfType(typ)) == 0 {
			t.Errorf("the example registers no %s", typ)
		}
	}
}
