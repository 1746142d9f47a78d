package nodegroup

import (
	"fmt"

	"github.com/eksfleet/eksfleet/components/node"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NodeRole is the IAM identity of a group's nodes (node.Role).
type NodeRole = node.Role

// NewRole creates the node role of a group (node.NewRole), or adopts
// Args.Role.ExistingRoleARN; with instanceProfile it adds an instance
// profile. One role per group keeps groups independently replaceable.
func NewRole(ctx *pulumi.Context, name string, a *Args, tags pulumi.StringMap, instanceProfile bool, parent pulumi.Resource) (*NodeRole, error) {
	return node.NewRole(ctx, name, node.RoleArgs{
		Description:     fmt.Sprintf("Nodes of EKS cluster %s, group %s", a.Cluster.Name, a.GroupName),
		Partition:       a.Cluster.partition(),
		ExistingRoleARN: a.Role.ExistingRoleARN,
		SkipCNIPolicy:   a.Role.SkipCNIPolicy,
		InstanceProfile: instanceProfile,
	}, tags, parent)
}
