package cluster_test

import (
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Reusing the cluster component from another Pulumi Go program: a
// private-only control plane with custom networking. (README.md, "Reusing
// the components", shows the same code.)
func Example() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		c, err := cluster.New(ctx, "platform", &cluster.Args{
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
			CNI: cluster.CNI{
				CustomNetworking: true,
				PodSubnetIDs: map[string]string{
					"eu-west-1a": "subnet-0c3d4e5f607182a51",
					"eu-west-1b": "subnet-0c3d4e5f607182b51",
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("endpoint", c.Endpoint)
		ctx.Export("kubeconfig", c.Kubeconfig)
		return nil
	})
}
