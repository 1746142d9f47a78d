package stacks

import (
	"fmt"

	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// liveSizes looks up (read-only) the scaling of every configured group that
// runs already, by config name, so that new bounds can move the desired
// size the autoscaler chose (nodegroup.Sizing). A new cluster has none.
// Groups are found by the names the provider gave them (nodegroup.Owns):
// managed groups among the cluster's node groups (eks ListNodegroups),
// self-managed ones among the Auto Scaling groups tagged as the cluster's
// (kubernetes.io/cluster/<name>: owned).
func liveSizes(ctx *pulumi.Context, cfg *config.Config, existing *eks.LookupClusterResult) (map[string]*nodegroup.LiveSize, error) {
	sizes := map[string]*nodegroup.LiveSize{}
	if existing == nil {
		return sizes, nil
	}
	var managed, selfManaged []config.NodeGroup
	for _, g := range cfg.NodeGroups {
		if g.Kind == config.KindManaged {
			managed = append(managed, g)
		} else {
			selfManaged = append(selfManaged, g)
		}
	}
	if len(managed) > 0 {
		list, err := eks.GetNodeGroups(ctx, &eks.GetNodeGroupsArgs{ClusterName: cfg.Cluster.Name})
		if err != nil {
			return nil, fmt.Errorf("listing the node groups of EKS cluster %s (to keep desired sizes within new bounds): %w", cfg.Cluster.Name, err)
		}
		for _, g := range managed {
			for _, physical := range list.Names {
				if !nodegroup.Owns(true, groupURNName(cfg, g), physical) {
					continue
				}
				ng, err := eks.LookupNodeGroup(ctx, &eks.LookupNodeGroupArgs{ClusterName: cfg.Cluster.Name, NodeGroupName: physical})
				if err != nil {
					return nil, fmt.Errorf("looking up EKS node group %s: %w", physical, err)
				}
				if len(ng.ScalingConfigs) > 0 {
					s := ng.ScalingConfigs[0]
					keepLargest(sizes, g.Name, &nodegroup.LiveSize{Min: s.MinSize, Max: s.MaxSize, Desired: s.DesiredSize})
				}
			}
		}
	}
	if len(selfManaged) > 0 {
		// pulumi-aws v6 names the Terraform aws_autoscaling_groups data
		// source (DescribeAutoScalingGroups with filters) GetAmiIds.
		list, err := autoscaling.GetAmiIds(ctx, &autoscaling.GetAmiIdsArgs{Filters: []autoscaling.GetAmiIdsFilter{{
			Name:   "tag:" + nodespec.ClusterTagPrefix + cfg.Cluster.Name,
			Values: []string{"owned"},
		}}})
		if err != nil {
			return nil, fmt.Errorf("listing the Auto Scaling groups of EKS cluster %s (to keep desired sizes within new bounds): %w", cfg.Cluster.Name, err)
		}
		for _, g := range selfManaged {
			for _, physical := range list.Names {
				if !nodegroup.Owns(false, groupURNName(cfg, g), physical) {
					continue
				}
				asg, err := autoscaling.LookupGroup(ctx, &autoscaling.LookupGroupArgs{Name: physical})
				if err != nil {
					return nil, fmt.Errorf("looking up Auto Scaling group %s: %w", physical, err)
				}
				keepLargest(sizes, g.Name, &nodegroup.LiveSize{Min: asg.MinSize, Max: asg.MaxSize, Desired: asg.DesiredCapacity})
			}
		}
	}
	return sizes, nil
}

// keepLargest records s for group unless a larger one is recorded: while a
// replacement is in flight two physical groups answer to one name, and the
// larger holds the pods.
func keepLargest(sizes map[string]*nodegroup.LiveSize, group string, s *nodegroup.LiveSize) {
	if cur, ok := sizes[group]; !ok || s.Desired > cur.Desired {
		sizes[group] = s
	}
}

// groupURNName is the Pulumi name of a group's components and of their
// node group or Auto Scaling group.
func groupURNName(cfg *config.Config, g config.NodeGroup) string {
	return cfg.Cluster.Name + "-" + g.Name
}
