// Package node is what every kind of eksfleet node needs from AWS, whoever
// launches it — a self-managed group's Auto Scaling group, EKS for a
// managed group, or Karpenter for a node pool: the node IAM role (with its
// instance profile where EKS does not make one), the EC2_LINUX access entry
// that lets the role join without aws-auth, and the user data rendered by
// components/bootstrap once the cluster's endpoint and CA are known. One
// role builder and one user data path, so a fix reaches all three kinds.
package node

import (
	"encoding/base64"
	"strings"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/eksfleet/eksfleet/components/nodespec"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RoleArgs describes a node role.
type RoleArgs struct {
	// Description says whose nodes the role is for.
	Description string
	// Partition is the AWS partition ("" means aws).
	Partition string
	// ExistingRoleARN adopts a role instead of creating one.
	ExistingRoleARN string
	// SkipCNIPolicy leaves AmazonEKS_CNI_Policy off (the VPC CNI has an
	// IRSA role of its own).
	SkipCNIPolicy bool
	// InstanceProfile adds an instance profile for the role (self-managed
	// groups and Karpenter; EKS makes its own for managed groups).
	InstanceProfile bool
}

// Role is the IAM identity of a set of nodes.
type Role struct {
	// ARN and Name of the role.
	ARN  pulumi.StringOutput
	Name pulumi.StringOutput
	// InstanceProfileARN and InstanceProfileName are set with
	// RoleArgs.InstanceProfile.
	InstanceProfileARN  pulumi.StringOutput
	InstanceProfileName pulumi.StringOutput
	// Ready are the resources nodes need before they launch (the policy
	// attachments): without them a node cannot pull images or join.
	Ready []pulumi.Resource
}

func partition(p string) string {
	if p == "" {
		return "aws"
	}
	return p
}

// NewRole creates a node role, trusted by EC2, with the worker node, ECR
// pull, SSM and (unless skipped) CNI managed policies, or adopts
// RoleArgs.ExistingRoleARN, and optionally an instance profile for it.
// Every resource is parented to parent and named name-node….
func NewRole(ctx *pulumi.Context, name string, a RoleArgs, tags pulumi.StringMap, parent pulumi.Resource) (*Role, error) {
	opts := []pulumi.ResourceOption{pulumi.Parent(parent)}
	r := &Role{}
	if existing := a.ExistingRoleARN; existing != "" {
		roleName, err := nodespec.RoleNameFromARN(existing)
		if err != nil {
			return nil, err
		}
		r.ARN = pulumi.String(existing).ToStringOutput()
		r.Name = pulumi.String(roleName).ToStringOutput()
	} else {
		trust, err := nodespec.NodeTrustPolicy(partition(a.Partition)).JSON()
		if err != nil {
			return nil, err
		}
		role, err := iam.NewRole(ctx, name+"-node", &iam.RoleArgs{
			// Only when <name>-node-<7> would exceed 64 characters.
			NamePrefix:       names.PrefixInput("aws:iam/role:Role", name+"-node"),
			Description:      pulumi.String(a.Description),
			AssumeRolePolicy: pulumi.String(trust),
			// Detach policies someone added by hand, or deleting the role fails.
			ForceDetachPolicies: pulumi.Bool(true),
			Tags:                tags,
		}, opts...)
		if err != nil {
			return nil, err
		}
		r.ARN, r.Name = role.Arn, role.Name
		for _, arn := range nodespec.NodePolicyARNs(partition(a.Partition), !a.SkipCNIPolicy) {
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
	if a.InstanceProfile {
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

// NewAccessEntry lets the role's nodes join the cluster: an EC2_LINUX
// access entry, which EKS maps to system:nodes itself (no aws-auth).
// Named name, parented to parent.
func NewAccessEntry(ctx *pulumi.Context, name string, cluster pulumi.StringInput, roleARN pulumi.StringInput, tags pulumi.StringMap, parent pulumi.Resource) (*awseks.AccessEntry, error) {
	return awseks.NewAccessEntry(ctx, name, &awseks.AccessEntryArgs{
		ClusterName:  cluster,
		PrincipalArn: roleARN,
		Type:         pulumi.String("EC2_LINUX"),
		Tags:         tags,
	}, pulumi.Parent(parent))
}

// UserData renders the bootstrap input once the cluster's endpoint and CA
// are known. With base64 the result is base64 (launch templates), else the
// raw text (Karpenter's EC2NodeClass spec.userData). An empty rendering (a
// managed group or pool with nothing to add) gives nil. The input is
// validated with stand-in cluster values first, so a bad label or flag
// fails the constructor, not an apply after registration. With a secret
// proxy (Proxy.Secret) the user data is a Pulumi secret.
func UserData(endpoint, certificateAuthority pulumi.StringInput, in bootstrap.Input, encode bool) (pulumi.StringPtrOutput, error) {
	probe := in
	probe.Cluster.Endpoint = "https://validation.invalid"
	probe.Cluster.CertificateAuthority = base64.StdEncoding.EncodeToString([]byte("validation"))
	if err := bootstrap.Validate(probe); err != nil {
		return pulumi.StringPtrOutput{}, err
	}
	out := pulumi.All(endpoint, certificateAuthority).ApplyT(func(v []any) (*string, error) {
		in := in
		in.Cluster.Endpoint, in.Cluster.CertificateAuthority = v[0].(string), v[1].(string)
		raw, err := bootstrap.Render(in)
		if err != nil {
			return nil, err
		}
		if len(raw) == 0 {
			return nil, nil
		}
		s := string(raw)
		if encode {
			s = base64.StdEncoding.EncodeToString(raw)
		}
		return &s, nil
	}).(pulumi.StringPtrOutput)
	if in.Proxy != nil && in.Proxy.Secret {
		// A secret input stays secret in state and shows as [secret] in
		// diffs (EC2 still returns it to anyone who may describe the
		// launch template).
		out = pulumi.ToSecret(out).(pulumi.StringPtrOutput)
	}
	return out, nil
}
