package cluster_test

import (
	"testing"

	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

func TestSmoke(t *testing.T) {
	cloud := mockcloud.New(mockcloud.Options{Stack: "dev"})
	var endpoint, ca, oidc, nodeSG string
	err := cloud.Run(func(ctx *pulumi.Context) error {
		c, err := cluster.New(ctx, "acme", &cluster.Args{
			Name: "acme-dev", Version: "1.33", Region: "eu-west-1",
			VpcID:                 pulumi.String("vpc-0a1b2c3d4e5f60718"),
			PrivateSubnetIDs:      pulumi.ToStringArray([]string{"subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"}),
			EndpointPrivateAccess: true, ServiceIPv4CIDR: "172.20.0.0/16",
			LogTypes: []string{"api", "audit"}, CreateSecretsKMSKey: true,
			AdminRoleARNs: []string{"arn:aws:iam::111122223333:role/admin"},
			CNI:           cluster.CNI{CustomNetworking: true, PodSubnetIDs: map[string]string{"eu-west-1a": "subnet-0ddd", "eu-west-1b": "subnet-0eee"}},
		})
		if err != nil {
			return err
		}
		for dst, o := range map[*string]pulumi.StringOutput{&endpoint: c.Endpoint, &ca: c.CertificateAuthority, &oidc: c.OIDCProviderARN, &nodeSG: c.NodeSecurityGroupID} {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
			if err != nil {
				return err
			}
			if r.Known {
				*dst = r.Value.(string)
			}
		}
		return nil
	}, mockcloud.RunConfig{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(endpoint, ca, oidc, nodeSG)
	for _, r := range cloud.Resources() {
		t.Logf("%s %s deps=%v ign=%v %v", r.URN, r.Parent, r.Dependencies, r.IgnoreChanges, r.Inputs)
	}
}
