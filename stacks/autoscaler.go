package stacks

import (
	"github.com/eksfleet/eksfleet/components/autoscaler"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/nodedrain"
	"github.com/eksfleet/eksfleet/components/podproxy"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Autoscaling wires the autoscaler — the Cluster Autoscaler over the
// autoscaled node groups, or Karpenter over the node pools (autoscaler.kind)
// — and, when at least one self-managed group drains on termination, the node
// termination handler over the draining ones. It exports
// `clusterAutoscaler` and (with draining groups) `nodeTerminationHandler`:
// role ARN, queue URL, chart and the chart values, which are what an in-VPC
// `helm install` needs when the stack itself does not install the charts.
//
// autoscaler.enabled decides only whether this program talks to the
// Kubernetes API. When false there is no Kubernetes provider and no Helm
// release; the IAM roles, the SQS queue and the EventBridge rules are still
// created, so a stack with a private-only endpoint deploys from anywhere and
// the charts can be installed later from inside the VPC.
func Autoscaling(ctx *pulumi.Context, cfg *config.Config, live *Live, cl *cluster.Cluster, groups []NodeGroupRef, tags map[string]string) error {
	a := cfg.Autoscaler
	var provider *kubernetes.Provider
	if a.Enabled {
		if !cfg.Cluster.EndpointPublicAccess {
			// Not an error: the deployment may well run inside the VPC.
			ctx.Log.Warn("cluster.endpointPublicAccess is false: installing the autoscaler (Cluster Autoscaler or Karpenter) and termination handler charts "+
				"needs the private API endpoint, so run this deployment from inside the VPC (or over VPN/Direct Connect), "+
				"or set autoscaler.enabled: false to deploy only the AWS side from anywhere", nil)
		}
		var err error
		provider, err = kubernetes.NewProvider(ctx, cfg.Cluster.Name+"-k8s", &kubernetes.ProviderArgs{
			// The kubeconfig authenticates with `aws eks get-token`, so the
			// deploying identity needs an access entry on the cluster.
			Kubeconfig: cl.Kubeconfig,
		}, pulumi.Parent(cl))
		if err != nil {
			return err
		}
	}
	// Behind a proxy every controller gets the pods' proxy environment,
	// whether or not this program installs the charts: the exported values
	// are what an in-VPC install uses.
	var httpProxy, httpsProxy string
	var noProxy pulumi.StringArrayInput
	if cfg.Proxy != nil {
		httpProxy, httpsProxy, noProxy = cfg.Proxy.HTTPProxy, cfg.Proxy.HTTPSProxy, podNoProxy(cfg, live, cl)
		if provider != nil {
			if err := podProxy(ctx, cfg, cl, provider, noProxy); err != nil {
				return err
			}
		}
	}
	after := NodeGroupResources(groups)

	var scaled []autoscaler.NodeGroup
	var drained pulumi.StringArray
	uncoveredSpot := false
	for _, g := range groups {
		if g.Autoscaled {
			scaled = append(scaled, autoscaler.NodeGroup{Name: g.Name, Spot: g.Spot, ASGNames: pulumi.StringArray{g.ASGName}})
		}
		if g.Drain {
			drained = append(drained, g.ASGName)
			uncoveredSpot = uncoveredSpot || (g.Spot && !capacityRebalance(g))
		}
	}

	if a.Kind == config.AutoscalerKarpenter {
		// One autoscaler at a time: Karpenter scales nodePools, and the
		// node groups (autoscaling defaults to false) keep their sizes.
		if err := karpenterAutoscaler(ctx, cfg, live, cl, provider, after, tags, httpProxy, httpsProxy, noProxy); err != nil {
			return err
		}
	} else if err := clusterAutoscaler(ctx, cfg, cl, provider, after, scaled, tags, httpProxy, httpsProxy, noProxy); err != nil {
		return err
	}

	if len(drained) == 0 {
		return nil
	}
	return nodeDrain(ctx, cfg, cl, provider, after, drained, uncoveredSpot, tags, httpProxy, httpsProxy, noProxy)
}

// clusterAutoscaler installs the Cluster Autoscaler over the autoscaled
// node groups and exports `clusterAutoscaler`.
func clusterAutoscaler(ctx *pulumi.Context, cfg *config.Config, cl *cluster.Cluster, provider *kubernetes.Provider, after []pulumi.Resource, scaled []autoscaler.NodeGroup,
	tags map[string]string, httpProxy, httpsProxy string, noProxy pulumi.StringArrayInput) error {
	a := cfg.Autoscaler
	ca, err := autoscaler.New(ctx, cfg.Cluster.Name+"-cluster-autoscaler", &autoscaler.Args{
		ClusterName:              cfg.Cluster.Name,
		KubernetesVersion:        cfg.Cluster.Version,
		Region:                   cfg.Region,
		OIDCProviderARN:          cl.OIDCProviderARN,
		OIDCIssuerURL:            cl.OIDCProviderURL,
		Expander:                 a.Expander,
		BalanceSimilarNodeGroups: a.BalanceSimilarNodeGroups,
		ScaleDownUnneededTime:    a.ScaleDownUnneededTime,
		ChartVersion:             a.ChartVersion,
		HTTPProxy:                httpProxy,
		HTTPSProxy:               httpsProxy,
		NoProxy:                  noProxy,
		NodeGroups:               scaled,
		Provider:                 provider,
		DependsOn:                after,
		Tags:                     tags,
	})
	if err != nil {
		return err
	}
	ctx.Export("clusterAutoscaler", pulumi.Map{
		"roleArn":      ca.RoleARN,
		"chart":        pulumi.String(autoscaler.ChartRepo + "/" + autoscaler.ChartName),
		"chartVersion": pulumi.String(ca.ChartVersion),
		"imageTag":     pulumi.String(ca.ImageTag),
		"installed":    pulumi.Bool(ca.Release != nil),
		"values":       ca.Values,
	})
	return nil
}

// nodeDrain installs the termination handler over the draining
// self-managed groups and exports `nodeTerminationHandler`.
func nodeDrain(ctx *pulumi.Context, cfg *config.Config, cl *cluster.Cluster, provider *kubernetes.Provider, after []pulumi.Resource, drained pulumi.StringArray,
	uncoveredSpot bool, tags map[string]string, httpProxy, httpsProxy string, noProxy pulumi.StringArrayInput) error {
	nth, err := nodedrain.New(ctx, cfg.Cluster.Name+"-node-drain", &nodedrain.Args{
		ClusterName:     cfg.Cluster.Name,
		Region:          cfg.Region,
		OIDCProviderARN: cl.OIDCProviderARN,
		OIDCIssuerURL:   cl.OIDCProviderURL,
		ASGNames:        drained,
		// Rebalance recommendations are forwarded only for Spot groups
		// whose ASG does not answer them itself.
		SpotWithoutCapacityRebalance: uncoveredSpot,
		HTTPProxy:                    httpProxy,
		HTTPSProxy:                   httpsProxy,
		NoProxy:                      noProxy,
		Provider:                     provider,
		DependsOn:                    after,
		Tags:                         tags,
	})
	if err != nil {
		return err
	}
	ctx.Export("nodeTerminationHandler", pulumi.Map{
		"queueUrl":     nth.QueueURL,
		"roleArn":      nth.RoleARN,
		"chart":        pulumi.String(nodedrain.Chart),
		"chartVersion": pulumi.String(nth.ChartVersion),
		"installed":    pulumi.Bool(nth.Release != nil),
		"values":       nth.Values,
	})
	return nil
}

// capacityRebalance reports whether a draining group's ASG replaces Spot
// instances at risk itself (launches a replacement, then terminates the
// instance through its terminating hook): selfmanaged turns capacity
// rebalance on for every Spot group, and only self-managed groups drain.
// TestBundledStacksAutoscaling checks this against the ASGs planned.
func capacityRebalance(g NodeGroupRef) bool {
	return g.Kind == config.KindSelfManaged
}

// podProxy gives aws-node and kube-proxy the egress proxy the nodes use, with
// the pods' NO_PROXY (podNoProxy), through the one in-cluster route the VPC
// CNI add-on leaves open. It shares the Kubernetes provider, so
// autoscaler.enabled: false also leaves it out.
func podProxy(ctx *pulumi.Context, cfg *config.Config, cl *cluster.Cluster, provider *kubernetes.Provider, noProxy pulumi.StringArrayInput) error {
	_, err := podproxy.New(ctx, cfg.Cluster.Name+"-pod-proxy", &podproxy.Args{
		HTTPProxy:  cfg.Proxy.HTTPProxy,
		HTTPSProxy: cfg.Proxy.HTTPSProxy,
		NoProxy:    noProxy,
		Provider:   provider,
		// The add-ons own the DaemonSets patched.
		DependsOn: cl.Addons,
	})
	return err
}
