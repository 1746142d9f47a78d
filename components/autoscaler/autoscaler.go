// Package autoscaler is the Cluster Autoscaler component: an IRSA role whose
// policy lets the autoscaler resize only this cluster's tagged Auto Scaling
// groups, and the upstream cluster-autoscaler Helm chart, pinned to the
// autoscaler release of the cluster's Kubernetes minor, discovering node
// groups by the same tags the policy requires.
//
// The Helm release is the only part that talks to the Kubernetes API. Without
// a Kubernetes provider (Args.Provider nil) the component creates the AWS side
// alone, so a stack with a private-only endpoint still deploys from outside
// the VPC; its Values output is what a later in-VPC install passes to the
// chart.
//
// Pure logic (release table, IAM policy, discovery tags, chart values,
// priority expander configuration) lives in plain functions beside this file.
package autoscaler

import (
	"fmt"
	"slices"
	"time"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/internal/chart"
	"github.com/eksfleet/eksfleet/components/internal/irsa"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:ClusterAutoscaler"

// NodeGroup is an autoscaled node group, as the priority expander needs it.
type NodeGroup struct {
	// Name is the group's name in the stack config.
	Name string
	// Spot is true for groups running on Spot capacity.
	Spot bool
	// ASGNames are the group's Auto Scaling group names (for a managed node
	// group, the ones EKS created).
	ASGNames pulumi.StringArrayInput
}

// Args configures a ClusterAutoscaler.
type Args struct {
	// ClusterName is the EKS cluster name. It is a plain string because it is
	// part of tag keys and IAM condition keys, which must be known up front.
	ClusterName string
	// KubernetesVersion is the cluster's minor version ("1.33"); it selects
	// the chart and the autoscaler image.
	KubernetesVersion string
	// Region is the cluster's AWS region.
	Region string
	// OIDCProviderARN is the cluster's IAM OIDC provider.
	OIDCProviderARN pulumi.StringInput
	// OIDCIssuerURL is the cluster's issuer (https://oidc.eks...).
	OIDCIssuerURL pulumi.StringInput
	// Expander picks the node group to grow: least-waste, priority, random
	// or most-pods.
	Expander string
	// BalanceSimilarNodeGroups spreads scale-ups over groups that differ only
	// by zone.
	BalanceSimilarNodeGroups bool
	// ScaleDownUnneededTime is how long a node must be unneeded before it is
	// removed (a Go duration, e.g. 10m).
	ScaleDownUnneededTime string
	// ChartVersion overrides the pinned chart version; the image still
	// follows KubernetesVersion.
	ChartVersion string
	// HTTPProxy, HTTPSProxy and NoProxy give the autoscaler the egress
	// proxy (NoProxy is the complete list, as the nodes get it); empty URLs
	// mean no proxy. The values are built with NoProxy, so a secret NoProxy
	// (what a secret proxy config gives) makes them, URLs included, secret.
	HTTPProxy, HTTPSProxy string
	NoProxy               pulumi.StringArrayInput
	// NodeGroups are the autoscaled groups. Required for the priority
	// expander, which ranks Spot groups above On-Demand ones.
	NodeGroups []NodeGroup
	// Provider is the Kubernetes provider for the cluster. When nil no Helm
	// release is created (see the package doc).
	Provider *kubernetes.Provider
	// DependsOn are resources the Helm release must wait for, typically the
	// node groups: the autoscaler pod needs a node to run on.
	DependsOn []pulumi.Resource
	// Tags are added to the IAM role.
	Tags map[string]string
}

// ClusterAutoscaler is a provisioned Cluster Autoscaler.
type ClusterAutoscaler struct {
	pulumi.ResourceState

	// RoleARN is the IRSA role of the autoscaler's service account.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// RoleName is the IRSA role's name.
	RoleName pulumi.StringOutput `pulumi:"roleName"`
	// Values are the chart values (the role ARN, tags, flags, proxy): a
	// secret when a proxy URL carries credentials, otherwise nothing secret.
	Values pulumi.MapOutput `pulumi:"values"`

	// ChartVersion and ImageTag are the chart and autoscaler image in use.
	ChartVersion string
	ImageTag     string
	// DiscoveryTags are the ASG tags the autoscaler discovers and may scale.
	DiscoveryTags map[string]string
	// Release is the Helm release, nil when Args.Provider is nil.
	Release *helmv3.Release
}

// New creates the autoscaler's IAM role and, given a Kubernetes provider,
// installs the chart. Invalid settings are reported before anything is
// registered.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*ClusterAutoscaler, error) {
	if args == nil {
		return nil, fmt.Errorf("cluster autoscaler %s: args are required", name)
	}
	rel, err := validate(args)
	if err != nil {
		return nil, fmt.Errorf("cluster autoscaler %s: %w", name, err)
	}
	c := &ClusterAutoscaler{ChartVersion: rel.ChartVersion, ImageTag: rel.ImageTag, DiscoveryTags: DiscoveryTags(args.ClusterName)}
	if err := ctx.RegisterComponentResource(TypeToken, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	policy := args.OIDCProviderARN.ToStringOutput().ApplyT(func(providerARN string) (string, error) {
		arn, err := iampolicy.ParseARN(providerARN)
		if err != nil {
			return "", err
		}
		doc, err := Policy(PolicyInput{Partition: arn.Partition, Region: args.Region, Account: arn.Account, Cluster: args.ClusterName})
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
	irsaRole, err := irsa.New(ctx, name, irsa.Args{
		OIDCProviderARN: args.OIDCProviderARN, OIDCIssuerURL: args.OIDCIssuerURL,
		Namespace: Namespace, ServiceAccount: ServiceAccountName,
		Description: pulumi.Sprintf("Cluster Autoscaler of EKS cluster %s (%s/%s)", args.ClusterName, Namespace, ServiceAccountName),
		Tags:        pulumi.ToStringMap(args.Tags),
		Policy:      policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	role, rolePolicy := irsaRole.Role, irsaRole.Policy
	c.RoleARN = role.Arn
	c.RoleName = role.Name

	proxied := args.HTTPProxy != "" || args.HTTPSProxy != ""
	noProxy := pulumi.StringArray{}.ToStringArrayOutput()
	if proxied {
		noProxy = args.NoProxy.ToStringArrayOutput()
	}
	inputs := []interface{}{role.Arn, noProxy}
	const firstGroup = 2
	prioritized := args.Expander == "priority"
	if prioritized {
		for _, g := range args.NodeGroups {
			inputs = append(inputs, g.ASGNames.ToStringArrayOutput())
		}
	}
	values := pulumi.All(inputs...).ApplyT(func(v []interface{}) (map[string]interface{}, error) {
		in := ValuesInput{
			Cluster:                  args.ClusterName,
			Region:                   args.Region,
			ImageTag:                 rel.ImageTag,
			RoleARN:                  v[0].(string),
			Expander:                 args.Expander,
			BalanceSimilarNodeGroups: args.BalanceSimilarNodeGroups,
			ScaleDownUnneededTime:    args.ScaleDownUnneededTime,
		}
		if proxied {
			env, err := chart.ProxyEnvironment(args.HTTPProxy, args.HTTPSProxy, v[1].([]string))
			if err != nil {
				return nil, err
			}
			in.ProxyEnv = env
		}
		if prioritized {
			groups := make([]PriorityGroup, len(args.NodeGroups))
			for i, g := range args.NodeGroups {
				groups[i] = PriorityGroup{Name: g.Name, Spot: g.Spot, ASGNames: v[firstGroup+i].([]string)}
			}
			p, err := Priorities(groups)
			if err != nil {
				return nil, err
			}
			in.Priorities = p
		}
		vals, err := BuildValues(in)
		if err != nil {
			return nil, err
		}
		return vals.Map()
	}).(pulumi.MapOutput)
	if chart.ProxyHasCredentials(args.HTTPProxy, args.HTTPSProxy) {
		values = pulumi.ToSecret(values).(pulumi.MapOutput)
	}
	c.Values = values

	if args.Provider != nil {
		c.Release, err = chart.Install(ctx, name, chart.Spec{
			ReleaseName: ReleaseName,
			Namespace:   Namespace,
			Chart:       ChartName,
			Repo:        ChartRepo,
			Version:     rel.ChartVersion,
			Values:      c.Values,
			Provider:    args.Provider,
			After:       append([]pulumi.Resource{rolePolicy}, args.DependsOn...),
		}, parent)
		if err != nil {
			return nil, err
		}
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"roleArn":      c.RoleARN,
		"roleName":     c.RoleName,
		"values":       c.Values,
		"chartVersion": pulumi.String(c.ChartVersion),
		"imageTag":     pulumi.String(c.ImageTag),
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// validate checks every plain setting before anything is registered and
// returns the chart and image to use.
func validate(args *Args) (Release, error) {
	switch {
	case args.ClusterName == "":
		return Release{}, fmt.Errorf("ClusterName is required")
	case args.Region == "":
		return Release{}, fmt.Errorf("region is required")
	case args.OIDCProviderARN == nil || args.OIDCIssuerURL == nil:
		return Release{}, fmt.Errorf("OIDCProviderARN and OIDCIssuerURL are required (the role is assumed through IRSA)")
	case (args.HTTPProxy != "" || args.HTTPSProxy != "") && args.NoProxy == nil:
		return Release{}, fmt.Errorf("NoProxy is required with a proxy (compute it with bootstrap.NoProxy, as for the nodes)")
	}
	rel, err := ReleaseFor(args.KubernetesVersion, args.ChartVersion)
	if err != nil {
		return Release{}, err
	}
	if !slices.Contains(awsExpanders, args.Expander) {
		return Release{}, fmt.Errorf("autoscaler.expander %q: must be one of %v on AWS (price is implemented only for GCE)", args.Expander, awsExpanders)
	}
	if d, err := time.ParseDuration(args.ScaleDownUnneededTime); err != nil || d <= 0 {
		return Release{}, fmt.Errorf("autoscaler.scaleDownUnneededTime %q: must be a positive duration like 10m", args.ScaleDownUnneededTime)
	}
	if args.Expander == "priority" {
		if len(args.NodeGroups) == 0 {
			return Release{}, fmt.Errorf("autoscaler.expander priority: needs at least one autoscaled node group to rank")
		}
		for i, g := range args.NodeGroups {
			if g.ASGNames == nil {
				return Release{}, fmt.Errorf("NodeGroups[%d] (%s): ASGNames is required for the priority expander", i, g.Name)
			}
		}
	}
	return rel, nil
}
