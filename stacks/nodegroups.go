package stacks

import (
	"fmt"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/managed"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NodeGroupRef is one created node group, as the rest of the program (the
// Cluster Autoscaler and termination handler wiring) needs it.
type NodeGroupRef struct {
	// Name is the group's name in the config (nodeGroups[].name).
	Name string
	// Kind is config.KindManaged or config.KindSelfManaged.
	Kind string
	// Spot reports Spot capacity (capacityType SPOT or a spot block).
	Spot bool
	// Autoscaled reports the group carries the autoscaler's discovery and
	// node-template tags (nodeGroups[].autoscaling).
	Autoscaled bool
	// Drain reports a self-managed group with a termination lifecycle hook
	// and the aws-node-termination-handler/managed tag.
	Drain bool
	// ASGName and ASGARN identify the group's Auto Scaling Group (for a
	// managed group, the one EKS created).
	ASGName pulumi.StringOutput
	ASGARN  pulumi.StringOutput
	// RoleARN is the node IAM role.
	RoleARN pulumi.StringOutput
	// Resource is the group's node-launching resource (the Auto Scaling
	// Group or the EKS node group), for dependsOn.
	Resource pulumi.Resource

	outputs pulumi.Map
}

// NodeGroups creates every configured node group, self-managed and
// managed, in config order, and exports them as the stack output
// `nodeGroups`: name → {kind, spot, autoscaled, drain, asgName, asgArn,
// roleArn, launchTemplateId, and nodeGroupName for managed groups}.
func NodeGroups(ctx *pulumi.Context, cfg *config.Config, live *Live, cl *cluster.Cluster, tags map[string]string) ([]NodeGroupRef, error) {
	refs := make([]NodeGroupRef, 0, len(cfg.NodeGroups))
	exported := pulumi.Map{}
	for _, g := range cfg.NodeGroups {
		args := groupArgs(cfg, live, g, cl, tags)
		name := groupURNName(cfg, g)
		ref := NodeGroupRef{Name: g.Name, Kind: g.Kind, Spot: g.IsSpot(), Autoscaled: g.Autoscaling, Drain: g.Drain()}
		switch g.Kind {
		case config.KindSelfManaged:
			c, err := selfmanaged.New(ctx, name, args)
			if err != nil {
				return nil, err
			}
			ref.ASGName, ref.ASGARN, ref.RoleARN, ref.Resource = c.ASGName, c.ASGARN, c.RoleARN, c.Group
			ref.outputs = pulumi.Map{"launchTemplateId": c.LaunchTemplateID, "instanceProfileName": c.InstanceProfileName, "amiRelease": c.AMIRelease}
		case config.KindManaged:
			c, err := managed.New(ctx, name, args)
			if err != nil {
				return nil, err
			}
			ref.ASGName, ref.ASGARN, ref.RoleARN, ref.Resource = c.ASGName, c.ASGARN, c.RoleARN, c.NodeGroup
			ref.outputs = pulumi.Map{"launchTemplateId": c.LaunchTemplateID, "nodeGroupName": c.NodeGroupName, "amiRelease": c.AMIRelease}
		default:
			// Config validation refuses other kinds; this guards new ones.
			return nil, fmt.Errorf("node group %q: kind %q is not %s or %s", g.Name, g.Kind, config.KindManaged, config.KindSelfManaged)
		}
		out := pulumi.Map{
			"kind":       pulumi.String(ref.Kind),
			"spot":       pulumi.Bool(ref.Spot),
			"autoscaled": pulumi.Bool(ref.Autoscaled),
			"drain":      pulumi.Bool(ref.Drain),
			"asgName":    ref.ASGName,
			"asgArn":     ref.ASGARN,
			"roleArn":    ref.RoleARN,
		}
		for k, v := range ref.outputs {
			out[k] = v
		}
		exported[g.Name] = out
		refs = append(refs, ref)
	}
	ctx.Export("nodeGroups", exported)
	return refs, nil
}

// NodeGroupResources returns the node group components, for dependsOn.
func NodeGroupResources(refs []NodeGroupRef) []pulumi.Resource {
	out := make([]pulumi.Resource, len(refs))
	for i, r := range refs {
		out[i] = r.Resource
	}
	return out
}

// groupArgs maps one validated config entry onto the node group Args.
func groupArgs(cfg *config.Config, live *Live, g config.NodeGroup, cl *cluster.Cluster, tags map[string]string) *nodegroup.Args {
	a := &nodegroup.Args{
		Cluster: nodegroup.Cluster{
			Name:            cfg.Cluster.Name,
			Version:         cfg.Cluster.Version,
			ServiceIPv4CIDR: cfg.Cluster.ServiceIPv4CIDR,
			VPCCIDR:         cfg.Network.VpcCIDR,
			Partition:       cl.Partition,
			Network: instancetypes.NetworkMode{
				CustomNetworking: cfg.CNI.CustomNetworking,
				PrefixDelegation: cfg.CNI.PrefixDelegation,
			},
			EKSName:              cl.Name,
			Endpoint:             cl.Endpoint,
			CertificateAuthority: cl.CertificateAuthority,
			NodeSecurityGroupID:  cl.NodeSecurityGroupID,
		},
		GroupName:            g.Name,
		InstanceTypes:        g.InstanceTypes,
		AMIFamily:            bootstrap.Family(g.AMIFamily),
		Architecture:         g.Architecture,
		CapacityType:         g.CapacityType,
		MinSize:              g.Min(),
		MaxSize:              g.Max(),
		DesiredSize:          g.Desired(),
		Labels:               g.Labels,
		Volume:               nodespec.Volume{SizeGiB: g.RootVolume.SizeGiB, Type: g.RootVolume.Type, Encrypted: g.RootVolume.Encrypted, KMSKeyARN: g.RootVolume.KMSKeyARN},
		SubnetIDs:            cfg.GroupSubnets(g),
		Autoscaling:          g.Autoscaling,
		KubeletExtraArgs:     g.KubeletExtraArgs,
		PreBootstrapCommands: g.PreBootstrapCommands,
		ImdsHopLimit:         g.HopLimit(),
		Tags:                 tags,
		DrainOnTermination:   g.Drain(),
		NodeRepair:           g.Repair(),
		AMIReleaseVersion:    g.AMIReleaseVersion,
		Live:                 live.Sizes[g.Name],
	}
	a.Cluster.Proxy = nodeProxy(cfg, live)
	// Nodes launch after the vpc-cni and kube-proxy add-ons: with custom
	// networking or prefix delegation the VPC CNI applies to nodes created
	// after it is configured only, and on a Kubernetes upgrade the add-ons
	// move to the new minor's versions before the nodes roll.
	a.Cluster.NetworkReady = cl.Addons
	a.Cluster.PublicEndpointOnly = publicEndpointOnly(cfg)
	for _, t := range g.Taints {
		a.Taints = append(a.Taints, bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	if !g.MaxPods.Auto {
		a.MaxPods = g.MaxPods.Value
	}
	if s := g.Spot; s != nil {
		a.Spot = &nodespec.Spot{
			OnDemandBaseCapacity:                s.OnDemandBaseCapacity,
			OnDemandPercentageAboveBaseCapacity: s.OnDemandPercentageAboveBaseCapacity,
			AllocationStrategy:                  s.AllocationStrategy,
		}
	}
	if g.Kind == config.KindSelfManaged {
		r := g.Refresh()
		a.InstanceRefresh = &nodegroup.InstanceRefresh{
			Enabled:                r.Enabled,
			MinHealthyPercentage:   r.MinHealthyPercentage,
			MaxHealthyPercentage:   r.MaxHealthyPercentage,
			InstanceWarmupSeconds:  r.InstanceWarmupSeconds,
			CheckpointPercentages:  r.CheckpointPercentages,
			CheckpointDelaySeconds: r.CheckpointDelaySeconds,
			AutoRollback:           r.AutoRollback,
		}
	}
	if w := g.WarmPool; w != nil {
		a.WarmPool = &nodegroup.WarmPool{MinSize: w.MinSize, State: w.State, MaxGroupPreparedCapacity: w.MaxGroupPreparedCapacity}
	}
	if u := g.UpdateConfig; u != nil {
		a.UpdateConfig = &nodegroup.UpdateConfig{MaxUnavailable: u.MaxUnavailable, MaxUnavailablePercentage: u.MaxUnavailablePercentage}
	}
	return a
}
