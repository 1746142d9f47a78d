package autoscaler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eksfleet/eksfleet/components/iampolicy"
)

// Auto-discovery tags. The autoscaler finds its node groups by these ASG
// tags, and its IAM policy lets it resize and terminate only ASGs that carry
// them with exactly these values, so the two can never disagree: a group it
// discovers is a group it may scale, and nothing else.
const (
	// EnabledTagKey marks an ASG as managed by some Cluster Autoscaler.
	EnabledTagKey = "k8s.io/cluster-autoscaler/enabled"
	// EnabledTagValue is the value IAM and discovery both require.
	EnabledTagValue = "true"
	// OwnedTagValue is the value of the cluster-scoped key, which keeps the
	// autoscalers of different clusters in one account apart.
	OwnedTagValue = "owned"
)

// ClusterTagKey is the cluster-scoped discovery key for a cluster.
func ClusterTagKey(cluster string) string { return "k8s.io/cluster-autoscaler/" + cluster }

// DiscoveryTags returns the tags an autoscaled ASG of cluster must carry.
// EKS puts exactly these on managed node groups' ASGs; self-managed groups
// tag their ASGs with them.
func DiscoveryTags(cluster string) map[string]string {
	return map[string]string{
		EnabledTagKey:          EnabledTagValue,
		ClusterTagKey(cluster): OwnedTagValue,
	}
}

// discoveryTagSpecs are the `key=value` filters handed to the chart's
// autoDiscovery.tags, in a fixed order. With a value the autoscaler matches
// the value too, not only the key, which is what the IAM condition checks.
func discoveryTagSpecs(cluster string) []string {
	tags := DiscoveryTags(cluster)
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + tags[k]
	}
	return out
}

// DiscoveryArg is the --node-group-auto-discovery flag the chart renders
// from autoDiscovery.tags.
func DiscoveryArg(cluster string) string {
	return "asg:tag=" + strings.Join(discoveryTagSpecs(cluster), ",")
}

// ParseDiscoveryArg returns the tag filters of an `asg:tag=` discovery flag
// as key → value ("" when only the key is matched).
func ParseDiscoveryArg(arg string) (map[string]string, error) {
	spec, ok := strings.CutPrefix(arg, "asg:tag=")
	if !ok || spec == "" {
		return nil, fmt.Errorf("discovery flag %q: must look like asg:tag=<key>[=<value>][,<key>[=<value>]]", arg)
	}
	out := map[string]string{}
	for _, f := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(f, "=")
		out[k] = v
	}
	return out, nil
}

// PolicyInput identifies where the autoscaler's permissions apply.
type PolicyInput struct {
	// Partition, Region and Account build the ARNs the write and EKS
	// statements are limited to.
	Partition, Region, Account string
	// Cluster is the EKS cluster name.
	Cluster string
}

// Policy returns the autoscaler's permissions:
//
//   - read-only discovery on "*": these Describe/Get actions have no
//     resource-level permissions in IAM, so "*" is the only valid resource;
//   - eks:DescribeNodegroup only on this cluster's managed node groups (the
//     autoscaler reads their labels, taints and resources for scale-from-zero);
//   - SetDesiredCapacity and TerminateInstanceInAutoScalingGroup only on ASGs
//     of this account and region tagged with both discovery tags and their
//     exact values, so it cannot resize another cluster's (or a non-EKS) ASG.
//
// autoscaling:DescribeTags is left out: the autoscaler has used filtered
// DescribeAutoScalingGroups calls for discovery since before 1.29, and
// upstream dropped it from its policy (kubernetes/autoscaler 055e2bfc04).
func Policy(in PolicyInput) (iampolicy.Document, error) {
	if in.Partition == "" || in.Region == "" || in.Account == "" || in.Cluster == "" {
		return iampolicy.Document{}, fmt.Errorf("autoscaler policy needs partition, region, account and cluster, got %+v", in)
	}
	condition := map[string]iampolicy.Values{}
	for k, v := range DiscoveryTags(in.Cluster) {
		condition["aws:ResourceTag/"+k] = iampolicy.Values{v}
	}
	return iampolicy.Document{
		Version: iampolicy.Version,
		Statement: []iampolicy.Statement{
			{
				Sid:    "DiscoverGroupsAndInstanceTypes",
				Effect: "Allow",
				Action: iampolicy.Values{
					"autoscaling:DescribeAutoScalingGroups",
					"autoscaling:DescribeAutoScalingInstances",
					"autoscaling:DescribeLaunchConfigurations",
					"autoscaling:DescribeScalingActivities",
					"ec2:DescribeImages",
					"ec2:DescribeInstanceTypes",
					"ec2:DescribeLaunchTemplateVersions",
					"ec2:GetInstanceTypesFromInstanceRequirements",
				},
				Resource: iampolicy.Values{"*"},
			},
			{
				Sid:      "DescribeClusterNodegroups",
				Effect:   "Allow",
				Action:   iampolicy.Values{"eks:DescribeNodegroup"},
				Resource: iampolicy.Values{fmt.Sprintf("arn:%s:eks:%s:%s:nodegroup/%s/*/*", in.Partition, in.Region, in.Account, in.Cluster)},
			},
			{
				Sid:    "ScaleOwnedGroupsOnly",
				Effect: "Allow",
				Action: iampolicy.Values{
					"autoscaling:SetDesiredCapacity",
					"autoscaling:TerminateInstanceInAutoScalingGroup",
				},
				Resource:  iampolicy.Values{fmt.Sprintf("arn:%s:autoscaling:%s:%s:autoScalingGroup:*:autoScalingGroupName/*", in.Partition, in.Region, in.Account)},
				Condition: map[string]map[string]iampolicy.Values{"StringEquals": condition},
			},
		},
	}, nil
}
