package provider

import (
	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/karpenter"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Karpenter is eksfleet:index:Karpenter.
type Karpenter struct{}

// Annotate sets the token and documents the component.
func (k *Karpenter) Annotate(an infer.Annotator) {
	setToken(an, karpenter.TypeToken)
	an.Describe(k, "Karpenter's AWS side: the controller's IRSA role with upstream's controller policy scoped to this cluster, the node role with its instance profile and EC2_LINUX access entry, and the interruption queue with its EventBridge rules; with the controller chart values (values) and one EC2NodeClass and NodePool document per pool (nodeClasses, nodePools; user data from eksfleet's renderer). Served to other languages without a Kubernetes provider: install the charts and apply the documents from these outputs.")
}

// Construct builds Karpenter's AWS side.
func (*Karpenter) Construct(ctx *pulumi.Context, name, _ string, args KarpenterArgs, opts pulumi.ResourceOption) (*karpenter.Karpenter, error) {
	a := args.toGo()
	return karpenter.New(ctx, name, &a, opts)
}

// KarpenterArgs are the inputs of eksfleet:index:Karpenter (karpenter.Args).
type KarpenterArgs struct {
	ClusterName          string                  `pulumi:"clusterName"`
	KubernetesVersion    string                  `pulumi:"kubernetesVersion"`
	Region               string                  `pulumi:"region"`
	ChartVersion         string                  `pulumi:"chartVersion,optional"`
	OIDCProviderARN      pulumi.StringInput      `pulumi:"oidcProviderArn"`
	OIDCIssuerURL        pulumi.StringInput      `pulumi:"oidcIssuerUrl"`
	ClusterEndpoint      pulumi.StringInput      `pulumi:"clusterEndpoint"`
	CertificateAuthority pulumi.StringInput      `pulumi:"certificateAuthority"`
	NodeSecurityGroupID  pulumi.StringInput      `pulumi:"nodeSecurityGroupId"`
	ServiceIPv4CIDR      string                  `pulumi:"serviceIpv4Cidr,optional"`
	VpcCIDR              string                  `pulumi:"vpcCidr,optional"`
	PublicEndpointOnly   bool                    `pulumi:"publicEndpointOnly,optional"`
	CustomNetworking     bool                    `pulumi:"customNetworking,optional"`
	PrefixDelegation     bool                    `pulumi:"prefixDelegation,optional"`
	HTTPProxy            string                  `pulumi:"httpProxy,optional"`
	HTTPSProxy           string                  `pulumi:"httpsProxy,optional"`
	NoProxy              []string                `pulumi:"noProxy,optional"`
	ControllerNoProxy    pulumi.StringArrayInput `pulumi:"controllerNoProxy,optional"`
	SubnetIDs            []string                `pulumi:"subnetIds"`
	Pools                []KarpenterPool         `pulumi:"pools"`
	Tags                 map[string]string       `pulumi:"tags,optional"`
}

// Annotate documents the Karpenter inputs.
func (a *KarpenterArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.ClusterName, "The EKS cluster name (plain value: the controller policy and the node tags key on it).")
	an.Describe(&a.KubernetesVersion, "The cluster's minor version; picks the charts.")
	an.Describe(&a.Region, "The cluster's AWS region.")
	an.Describe(&a.ChartVersion, "Overrides the chart pinned for the Kubernetes minor.")
	an.Describe(&a.OIDCProviderARN, "The cluster's IAM OIDC provider (the Cluster's oidcProviderArn output).")
	an.Describe(&a.OIDCIssuerURL, "The cluster's issuer URL (the Cluster's oidcProviderUrl output).")
	an.Describe(&a.ClusterEndpoint, "The API server URL (the Cluster's endpoint output); the access entry waits for the cluster through it.")
	an.Describe(&a.CertificateAuthority, "The base64 cluster CA (the Cluster's certificateAuthority output).")
	an.Describe(&a.NodeSecurityGroupID, "The security group of every node (the Cluster's nodeSecurityGroupId output).")
	an.Describe(&a.ServiceIPv4CIDR, "The cluster's Service range, in the nodes' NO_PROXY.")
	an.SetDefault(&a.ServiceIPv4CIDR, DefaultServiceIPv4CIDR)
	an.Describe(&a.VpcCIDR, "The VPC range, in the nodes' NO_PROXY.")
	an.Describe(&a.PublicEndpointOnly, "The API server is reachable only through its public endpoint: nodes reach it through the proxy.")
	an.Describe(&a.CustomNetworking, "The cluster uses VPC CNI custom networking (max pods).")
	an.Describe(&a.PrefixDelegation, "The cluster uses VPC CNI prefix delegation (max pods).")
	an.Describe(&a.HTTPProxy, "Egress HTTP proxy URL, for the nodes and the controller.")
	an.Describe(&a.HTTPSProxy, "Egress HTTPS proxy URL, for the nodes and the controller.")
	an.Describe(&a.NoProxy, "Extra NO_PROXY entries of the nodes; the VPC and Service CIDRs, metadata and EKS endpoints are always added.")
	an.Describe(&a.ControllerNoProxy, "The controller's complete NO_PROXY list, as the nodes get it; required with a proxy.")
	an.Describe(&a.SubnetIDs, "The private subnets pools default to.")
	an.Describe(&a.Pools, "The node pools, at least one: one EC2NodeClass and one NodePool each.")
	an.Describe(&a.Tags, "Tags added to every taggable resource and to what Karpenter launches.")
}

func (a KarpenterArgs) toGo() karpenter.Args {
	clusterName := a.ClusterName
	out := karpenter.Args{
		ClusterName:          a.ClusterName,
		KubernetesVersion:    a.KubernetesVersion,
		Region:               a.Region,
		ChartVersion:         a.ChartVersion,
		OIDCProviderARN:      a.OIDCProviderARN,
		OIDCIssuerURL:        a.OIDCIssuerURL,
		Endpoint:             a.ClusterEndpoint,
		CertificateAuthority: a.CertificateAuthority,
		NodeSecurityGroupID:  a.NodeSecurityGroupID,
		ServiceIPv4CIDR:      orDefault(a.ServiceIPv4CIDR, DefaultServiceIPv4CIDR),
		VPCCIDR:              a.VpcCIDR,
		PublicEndpointOnly:   a.PublicEndpointOnly,
		Network:              instancetypes.NetworkMode{CustomNetworking: a.CustomNetworking, PrefixDelegation: a.PrefixDelegation},
		HTTPProxy:            a.HTTPProxy,
		HTTPSProxy:           a.HTTPSProxy,
		NoProxy:              a.ControllerNoProxy,
		SubnetIDs:            a.SubnetIDs,
		Tags:                 a.Tags,
	}
	// As for node groups: the cluster name as an output of the cluster, so
	// the access entry waits for it.
	if a.ClusterEndpoint != nil {
		out.EKSName = a.ClusterEndpoint.ToStringOutput().ApplyT(func(string) string { return clusterName }).(pulumi.StringOutput)
	}
	if a.HTTPProxy != "" || a.HTTPSProxy != "" {
		out.Proxy = &bootstrap.Proxy{HTTPProxy: a.HTTPProxy, HTTPSProxy: a.HTTPSProxy, NoProxy: a.NoProxy}
	}
	for _, p := range a.Pools {
		out.Pools = append(out.Pools, p.toGo())
	}
	return out
}

// KarpenterPool is one NodePool with its EC2NodeClass.
type KarpenterPool struct {
	Name                string             `pulumi:"name"`
	AMIFamily           string             `pulumi:"amiFamily,optional"`
	AMIReleaseVersion   string             `pulumi:"amiReleaseVersion,optional"`
	Architectures       []string           `pulumi:"architectures,optional"`
	InstanceCategories  []string           `pulumi:"instanceCategories,optional"`
	InstanceFamilies    []string           `pulumi:"instanceFamilies,optional"`
	InstanceTypes       []string           `pulumi:"instanceTypes,optional"`
	MinGeneration       int                `pulumi:"minGeneration,optional"`
	CapacityTypes       []string           `pulumi:"capacityTypes,optional"`
	Zones               []string           `pulumi:"zones,optional"`
	SubnetIDs           []string           `pulumi:"subnetIds,optional"`
	Labels              map[string]string  `pulumi:"labels,optional"`
	Taints              []Taint            `pulumi:"taints,optional"`
	Limits              map[string]string  `pulumi:"limits,optional"`
	ConsolidationPolicy string             `pulumi:"consolidationPolicy,optional"`
	ConsolidateAfter    string             `pulumi:"consolidateAfter,optional"`
	Budgets             []DisruptionBudget `pulumi:"budgets,optional"`
	ExpireAfter         string             `pulumi:"expireAfter,optional"`
	Volume              *Volume            `pulumi:"volume,optional"`
	ImdsHopLimit        int                `pulumi:"imdsHopLimit,optional"`
	MaxPods             int                `pulumi:"maxPods,optional"`
	Weight              int                `pulumi:"weight,optional"`
}

// The stack config's pool defaults (stacks/config: Karpenter's own, but a
// minute before consolidating).
const (
	defaultConsolidationPolicy = "WhenEmptyOrUnderutilized"
	defaultConsolidateAfter    = "1m"
	defaultExpireAfter         = "720h"
	defaultBudgetNodes         = "10%"
)

// Annotate documents KarpenterPool.
func (p *KarpenterPool) Annotate(an infer.Annotator) {
	an.SetToken("index", "KarpenterPool")
	an.Describe(p, "A Karpenter node pool: one NodePool and its EC2NodeClass.")
	an.Describe(&p.Name, "Names both objects.")
	an.Describe(&p.AMIFamily, "AL2023 or Bottlerocket.")
	an.SetDefault(&p.AMIFamily, string(bootstrap.AL2023))
	an.Describe(&p.AMIReleaseVersion, "Pins the node image release, e.g. \"1.33.5-20251120\"; empty is the latest.")
	an.Describe(&p.Architectures, "x86_64 and/or arm64; x86_64 when empty.")
	an.Describe(&p.InstanceCategories, "Instance categories (c, m, r...).")
	an.Describe(&p.InstanceFamilies, "Instance families (m7i...).")
	an.Describe(&p.InstanceTypes, "Instance types (m7i.large...).")
	an.Describe(&p.MinGeneration, "Keep types of at least this generation; 0 is any.")
	an.Describe(&p.CapacityTypes, "ON_DEMAND and/or SPOT; ON_DEMAND when empty.")
	an.Describe(&p.Zones, "Availability zones; all of the subnets' when empty.")
	an.Describe(&p.SubnetIDs, "Subnets of this pool; the component's subnetIds when empty.")
	an.Describe(&p.Labels, "Node labels.")
	an.Describe(&p.Taints, "Node taints.")
	an.Describe(&p.Limits, "Bounds on the pool's total resources, e.g. {\"cpu\": \"1000\"}.")
	an.Describe(&p.ConsolidationPolicy, "WhenEmptyOrUnderutilized or WhenEmpty.")
	an.SetDefault(&p.ConsolidationPolicy, defaultConsolidationPolicy)
	an.Describe(&p.ConsolidateAfter, "How long a node stays empty or underutilized before it is consolidated.")
	an.SetDefault(&p.ConsolidateAfter, defaultConsolidateAfter)
	an.Describe(&p.Budgets, "Disruption budgets; 10% of the nodes at once when empty.")
	an.Describe(&p.ExpireAfter, "Nodes are replaced after this long.")
	an.SetDefault(&p.ExpireAfter, defaultExpireAfter)
	an.Describe(&p.Volume, "The node volume; 50 GiB encrypted gp3 when unset.")
	an.Describe(&p.ImdsHopLimit, "IMDSv2 hop limit; 0 means 2.")
	an.Describe(&p.MaxPods, "Explicit max pods; 0 is automatic.")
	an.Describe(&p.Weight, "Orders pools; 0 is unset.")
}

func (p KarpenterPool) toGo() karpenter.Pool {
	out := karpenter.Pool{
		Name:              p.Name,
		Family:            bootstrap.Family(orDefault(p.AMIFamily, string(bootstrap.AL2023))),
		AMIReleaseVersion: p.AMIReleaseVersion,
		Filter: spec.Filter{
			Architectures: p.Architectures,
			Categories:    p.InstanceCategories,
			Families:      p.InstanceFamilies,
			Types:         p.InstanceTypes,
			MinGeneration: p.MinGeneration,
		},
		CapacityTypes: p.CapacityTypes,
		Zones:         p.Zones,
		SubnetIDs:     p.SubnetIDs,
		Labels:        p.Labels,
		Limits:        p.Limits,
		Disruption: spec.Disruption{
			ConsolidationPolicy: orDefault(p.ConsolidationPolicy, defaultConsolidationPolicy),
			ConsolidateAfter:    orDefault(p.ConsolidateAfter, defaultConsolidateAfter),
		},
		ExpireAfter: orDefault(p.ExpireAfter, defaultExpireAfter),
		Volume:      p.Volume.toGo(),
		HopLimit:    p.ImdsHopLimit,
		MaxPods:     p.MaxPods,
		Weight:      p.Weight,
	}
	if out.HopLimit == 0 {
		out.HopLimit = 2
	}
	if len(out.CapacityTypes) == 0 {
		out.CapacityTypes = []string{"ON_DEMAND"}
	}
	for _, b := range p.Budgets {
		out.Disruption.Budgets = append(out.Disruption.Budgets, spec.Budget{Nodes: b.Nodes, Schedule: b.Schedule, Duration: b.Duration, Reasons: b.Reasons})
	}
	if len(p.Budgets) == 0 {
		out.Disruption.Budgets = []spec.Budget{{Nodes: defaultBudgetNodes}}
	}
	for _, t := range p.Taints {
		out.Taints = append(out.Taints, bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	return out
}

// DisruptionBudget limits how many of a pool's nodes are disrupted at once.
type DisruptionBudget struct {
	Nodes    string   `pulumi:"nodes"`
	Schedule string   `pulumi:"schedule,optional"`
	Duration string   `pulumi:"duration,optional"`
	Reasons  []string `pulumi:"reasons,optional"`
}

// Annotate documents DisruptionBudget.
func (b *DisruptionBudget) Annotate(an infer.Annotator) {
	an.SetToken("index", "DisruptionBudget")
	an.Describe(b, "How many of a pool's nodes may be disrupted at once.")
	an.Describe(&b.Nodes, "A count or a percentage, e.g. \"10%\".")
	an.Describe(&b.Schedule, "A cron schedule when the budget applies.")
	an.Describe(&b.Duration, "How long the budget applies from each scheduled time.")
	an.Describe(&b.Reasons, "The disruption reasons the budget covers (Empty, Drifted, Underutilized).")
}
