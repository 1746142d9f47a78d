// Package irsa creates the IAM role a controller's Kubernetes service
// account assumes through the cluster's OIDC provider (IAM Roles for
// Service Accounts), with its permissions as an inline policy: the one
// shape every controller eksfleet installs (Cluster Autoscaler,
// termination handler, Karpenter) uses.
package irsa

import (
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args are the role's trust, description, tags and permissions.
type Args struct {
	// OIDCProviderARN and OIDCIssuerURL identify the cluster's IAM OIDC
	// provider.
	OIDCProviderARN, OIDCIssuerURL pulumi.StringInput
	// Namespace and ServiceAccount are the only subject the role trusts.
	Namespace, ServiceAccount string
	// Description is the role's description.
	Description pulumi.StringInput
	// Tags are the role's tags.
	Tags pulumi.StringMapInput
	// Policy is the JSON policy document attached inline.
	Policy pulumi.StringInput
}

// Role is the created role and its inline policy; depend on Policy to
// order work after the controller has its permissions.
type Role struct {
	Role   *iam.Role
	Policy *iam.RolePolicy
}

// New creates <name>-irsa: the role and its inline policy, both named by
// prefix only where <name>-irsa-<7> would pass IAM's 64 characters.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Role, error) {
	trust := pulumi.All(args.OIDCProviderARN, args.OIDCIssuerURL).ApplyT(func(v []interface{}) (string, error) {
		doc, err := iampolicy.IRSATrust(v[0].(string), v[1].(string), args.Namespace, args.ServiceAccount)
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name+"-irsa", &iam.RoleArgs{
		NamePrefix:       names.PrefixInput("aws:iam/role:Role", name+"-irsa"),
		Description:      args.Description,
		AssumeRolePolicy: trust,
		Tags:             args.Tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-irsa", &iam.RolePolicyArgs{
		NamePrefix: names.PrefixInput("aws:iam/rolePolicy:RolePolicy", name+"-irsa"),
		Role:       role.Name,
		Policy:     args.Policy,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &Role{Role: role, Policy: policy}, nil
}
