package stacks

import (
	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/karpenter"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// karpenterAutoscaler installs Karpenter over cfg.NodePools (autoscaler.kind:
// karpenter) and exports `karpenter`: controller role, node role, instance
// profile, queue, chart and values (what an in-VPC install needs when the
// stack does not install the charts), and the node classes and pools.
func karpenterAutoscaler(ctx *pulumi.Context, cfg *config.Config, live *Live, cl *cluster.Cluster, provider *kubernetes.Provider,
	after []pulumi.Resource, tags map[string]string, httpProxy, httpsProxy string, noProxy pulumi.StringArrayInput) error {
	k, err := karpenter.New(ctx, cfg.Cluster.Name+"-karpenter", karpenterArgs(cfg, live, cl, provider, after, tags, httpProxy, httpsProxy, noProxy))
	if err != nil {
		return err
	}
	ctx.Export("karpenter", pulumi.Map{
		"roleArn":             k.RoleARN,
		"nodeRoleArn":         k.NodeRoleARN,
		"instanceProfileName": k.InstanceProfileName,
		"queueUrl":            k.QueueURL,
		"queueName":           k.QueueName,
		"chart":               pulumi.String(spec.ControllerChart),
		"crdChart":            pulumi.String(spec.CRDChart),
		"chartVersion":        pulumi.String(k.ChartVersion),
		"installed":           pulumi.Bool(k.Release != nil),
		"values":              k.Values,
		"nodeClasses":         k.NodeClasses,
		"nodePools":           k.NodePools,
	})
	return nil
}

// karpenterArgs maps the validated config onto the component's Args.
func karpenterArgs(cfg *config.Config, live *Live, cl *cluster.Cluster, provider *kubernetes.Provider,
	after []pulumi.Resource, tags map[string]string, httpProxy, httpsProxy string, noProxy pulumi.StringArrayInput) *karpenter.Args {
	a := &karpenter.Args{
		ClusterName:          cfg.Cluster.Name,
		KubernetesVersion:    cfg.Cluster.Version,
		Region:               cfg.Region,
		ChartVersion:         cfg.Autoscaler.Karpenter.ChartVersion,
		OIDCProviderARN:      cl.OIDCProviderARN,
		OIDCIssuerURL:        cl.OIDCProviderURL,
		EKSName:              cl.Name,
		Endpoint:             cl.Endpoint,
		CertificateAuthority: cl.CertificateAuthority,
		NodeSecurityGroupID:  cl.NodeSecurityGroupID,
		ServiceIPv4CIDR:      cfg.Cluster.ServiceIPv4CIDR,
		VPCCIDR:              cfg.Network.VpcCIDR,
		PublicEndpointOnly:   publicEndpointOnly(cfg),
		Network:              instancetypes.NetworkMode{CustomNetworking: cfg.CNI.CustomNetworking, PrefixDelegation: cfg.CNI.PrefixDelegation},
		Proxy:                nodeProxy(cfg, live),
		HTTPProxy:            httpProxy,
		HTTPSProxy:           httpsProxy,
		NoProxy:              noProxy,
		SubnetIDs:            cfg.Network.PrivateSubnetIDs,
		Provider:             provider,
		DependsOn:            after,
		// Nodes launch after the VPC CNI is configured (custom networking,
		// prefix delegation), as node groups do.
		NetworkReady: cl.Addons,
		Tags:         tags,
	}
	for _, p := range cfg.NodePools {
		pool := karpenter.Pool{
			Name:              p.Name,
			Family:            bootstrap.Family(p.AMIFamily),
			AMIReleaseVersion: p.AMIReleaseVersion,
			Filter:            p.Filter(),
			CapacityTypes:     p.CapacityTypes,
			Zones:             p.Zones,
			SubnetIDs:         p.SubnetIDs,
			Labels:            p.Labels,
			Limits:            p.Limits,
			Disruption: spec.Disruption{
				ConsolidationPolicy: p.Disruption.ConsolidationPolicy,
				ConsolidateAfter:    p.Disruption.ConsolidateAfter,
			},
			ExpireAfter: p.Disruption.ExpireAfter,
			Volume:      nodespec.Volume{SizeGiB: p.RootVolume.SizeGiB, Type: p.RootVolume.Type, Encrypted: p.RootVolume.Encrypted, KMSKeyARN: p.RootVolume.KMSKeyARN},
			HopLimit:    p.HopLimit(),
			Weight:      p.Weight,
		}
		for _, b := range p.Disruption.Budgets {
			pool.Disruption.Budgets = append(pool.Disruption.Budgets, spec.Budget{Nodes: b.Nodes, Schedule: b.Schedule, Duration: b.Duration, Reasons: b.Reasons})
		}
		for _, t := range p.Taints {
			pool.Taints = append(pool.Taints, bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
		}
		if !p.MaxPods.Auto {
			pool.MaxPods = p.MaxPods.Value
		}
		a.Pools = append(a.Pools, pool)
	}
	return a
}
