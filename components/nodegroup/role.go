package nodegroup

import (
	"strings"

	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NodeRole is the IAM identity of a group's nodes.
type NodeRole struct {
	// ARN and Name of the role.
	ARN  pulumi.StringOutput
	Name pulumi.StringOutput
	// InstanceProfileARN and InstanceProfileName are set when the caller
	// asked for an instance profile (self-managed groups; EKS makes its own
	// for managed groups).
	InstanceProfileARN  pulumi.StringOutput
	InstanceProfileName pulumi.StringOutput
	// Ready are the resources nodes need before they launch (the policy
	// attachments): without them a node cannot pull images or join.
	Ready []pulumi.Resource
}

// NewRole creates the node role of a group, trusted by EC2, with the worker
// node, ECR pull, SSM and (unless skipped) CNI managed policies, or adopts
// Args.Role.ExistingRoleARN. With instanceProfile it adds an instance
// profile for the role. Every resource is parented to parent and named
// name-node…; one role per group keeps groups independently replaceable.
func NewRole(ctx *pulumi.Context, name string, a *Args, tags pulumi.StringMap, instanceProfile bool, parent pulumi.Resource) (*NodeRole, error) {
	opts := []pulumi.ResourceOption{pulumi.Parent(parent)}
	r := &NodeRole{}
	if existing := a.Role.ExistingRoleARN; existing != "" {
		roleName, err := nodespec.RoleNameFromARN(existing)
		if err != nil {
			return nil, err
		}
		r.ARN = pulumi.String(existing).ToStringOutput()
		r.Name = pulumi.String(roleName).ToStringOutput()
	} else {
		trust, err := nodespec.NodeTrustPolicy(a.Cluster.partition()).JSON()
		if err != nil {
			return nil, err
		}
		role, err := iam.NewRole(ctx, name+"-node", &iam.RoleArgs{
			// Only when <name>-node-<7> would exceed 64 characters.
			NamePrefix:       names.PrefixInput("aws:iam/role:Role", name+"-node"),
			Description:      pulumi.Sprintf("Nodes of EKS cluster %s, group %s", a.Cluster.Name, a.GroupName),
			AssumeRolePolicy: pulumi.String(trust),
			// Detach policies someone added by hand, or deleting the role fails.
			ForceDetachPolicies: pulumi.Bool(true),
			Tags:                tags,
		}, opts...)
		if err != nil {
			return nil, err
		}
		r.ARN, r.Name = role.Arn, role.Name
		for _, arn := range nodespec.NodePolicyARNs(a.Cluster.partition(), !a.Role.SkipCNIPolicy) {
			policy := arn[strings.LastIndex(arn, "/")+1:]
			att, err := iam.NewRolePolicyAttachment(ctx, name+"-node-"+policy, &iam.RolePolicyAttachmentArgs{
				Role:      role.Name,
				PolicyArn: pulumi.String(arn),
			}, opts...)
			if err != nil {
				return nil, err
			}
			r.Ready = append(r.Ready, att)
		}
	}
	if instanceProfile {
		profile, err := iam.NewInstanceProfile(ctx, name+"-node", &iam.InstanceProfileArgs{
			NamePrefix: names.PrefixInput("aws:iam/instanceProfile:InstanceProfile", name+"-node"),
			Role:       r.Name,
			Tags:       tags,
		}, opts...)
		if err != nil {
			return nil, err
		}
		r.InstanceProfileARN, r.InstanceProfileName = profile.Arn, profile.Name
	}
	return r, nil
}
