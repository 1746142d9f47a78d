package provider

import (
	"github.com/eksfleet/eksfleet/components/autoscaler"
	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodedrain"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The schema's inputs. Each Args type here is the component's Go Args as
// other languages see it: the same fields under camelCase names, nested Go
// structs (nodegroup.Cluster, Role, cluster.CNI) flattened into them, and
// what only a Go program can pass (resources, providers) left out. Plain Go
// fields stay plain (they must be known at preview, because tag keys, IAM
// conditions and user data are computed from them); Go pulumi.Input fields
// stay inputs, so other components' outputs can be passed. The toGo methods
// are the only mapping; args_test.go fails when a component Args field is
// neither set by them nor listed as not exposed.

// DefaultServiceIPv4CIDR is the Service range when serviceIpv4Cidr is unset:
// the stack config's default, and what EKS picks for most VPCs. The cluster
// and its node groups must agree on it (cluster DNS is its .10).
const DefaultServiceIPv4CIDR = "172.20.0.0/16"

// ClusterArgs are the inputs of eksfleet:index:Cluster (cluster.Args).
type ClusterArgs struct {
	Name                  string                  `pulumi:"name"`
	Version               string                  `pulumi:"version"`
	Region                string                  `pulumi:"region"`
	VpcID                 pulumi.StringInput      `pulumi:"vpcId"`
	PrivateSubnetIDs      pulumi.StringArrayInput `pulumi:"privateSubnetIds"`
	PublicSubnetIDs       pulumi.StringArrayInput `pulumi:"publicSubnetIds,optional"`
	EndpointPrivateAccess *bool                   `pulumi:"endpointPrivateAccess,optional"`
	EndpointPublicAccess  bool                    `pulumi:"endpointPublicAccess,optional"`
	PublicAccessCIDRs     []string                `pulumi:"publicAccessCidrs,optional"`
	ServiceIPv4CIDR       string                  `pulumi:"serviceIpv4Cidr,optional"`
	LogTypes              []string                `pulumi:"logTypes,optional"`
	SecretsKMSKeyARN      string                  `pulumi:"secretsKmsKeyArn,optional"`
	CreateSecretsKMSKey   bool                    `pulumi:"createSecretsKmsKey,optional"`
	AdminRoleARNs         []string                `pulumi:"adminRoleArns,optional"`
	CreatorARN            string                  `pulumi:"creatorArn,optional"`
	CustomNetworking      bool                    `pulumi:"customNetworking,optional"`
	PodSubnetIDs          map[string]string       `pulumi:"podSubnetIds,optional"`
	PrefixDelegation      bool                    `pulumi:"prefixDelegation,optional"`
	AddonVersions         map[string]string       `pulumi:"addonVersions,optional"`
	Tags                  map[string]string       `pulumi:"tags,optional"`
}

// Annotate documents the inputs in the schema (and so in every SDK).
func (a *ClusterArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Name, "The EKS cluster name (1-100 characters). Plain value: node groups and the autoscaler compute tag keys from it.")
	an.Describe(&a.Version, "The Kubernetes minor version, e.g. \"1.33\".")
	an.Describe(&a.Region, "The AWS region of the cluster, used for ARNs and ENIConfigs.")
	an.Describe(&a.VpcID, "The VPC the cluster and its nodes live in.")
	an.Describe(&a.PrivateSubnetIDs, "Subnets of the control plane ENIs and nodes, in at least two availability zones.")
	an.Describe(&a.PublicSubnetIDs, "Optional subnets for internet-facing load balancers.")
	an.Describe(&a.EndpointPrivateAccess, "Expose the API server inside the VPC.")
	an.SetDefault(&a.EndpointPrivateAccess, true)
	an.Describe(&a.EndpointPublicAccess, "Expose the API server on the internet, limited to publicAccessCidrs.")
	an.Describe(&a.PublicAccessCIDRs, "CIDRs allowed to reach the public endpoint; empty means 0.0.0.0/0.")
	an.Describe(&a.ServiceIPv4CIDR, "The Kubernetes Service range; node groups must be given the same value.")
	an.SetDefault(&a.ServiceIPv4CIDR, DefaultServiceIPv4CIDR)
	an.Describe(&a.LogTypes, "Control plane log types sent to CloudWatch (api, audit, authenticator, controllerManager, scheduler).")
	an.Describe(&a.SecretsKMSKeyARN, "An existing customer-managed KMS key for envelope encryption of Kubernetes Secrets.")
	an.Describe(&a.CreateSecretsKMSKey, "Create a dedicated KMS key (with rotation) for Secrets when secretsKmsKeyArn is empty.")
	an.Describe(&a.AdminRoleARNs, "IAM roles given cluster-admin through access entries; the creator's role is skipped (EKS gave it an entry of its own).")
	an.Describe(&a.CreatorARN, "The IAM principal that creates the cluster, as EKS records it; recorded in the cluster's eksfleet:cluster-creator tag so no second access entry is created for it. Empty when unknown.")
	an.Describe(&a.CustomNetworking, "VPC CNI custom networking: pods take addresses from podSubnetIds.")
	an.Describe(&a.PodSubnetIDs, "Pod subnet per availability zone ({zone: subnet id}) for custom networking; one ENIConfig per entry.")
	an.Describe(&a.PrefixDelegation, "Assign /28 prefixes to ENIs (Nitro instances), raising pod density.")
	an.Describe(&a.AddonVersions, "Pins the vpc-cni, kube-proxy and coredns add-on versions, e.g. {\"vpc-cni\": \"v1.19.2-eksbuild.1\"}; unpinned add-ons keep what EKS installed.")
	an.Describe(&a.Tags, "Tags applied to every taggable resource.")
}

func (a ClusterArgs) toGo() cluster.Args {
	private := true
	if a.EndpointPrivateAccess != nil {
		private = *a.EndpointPrivateAccess
	}
	return cluster.Args{
		Name:                  a.Name,
		Version:               a.Version,
		Region:                a.Region,
		VpcID:                 a.VpcID,
		PrivateSubnetIDs:      a.PrivateSubnetIDs,
		PublicSubnetIDs:       a.PublicSubnetIDs,
		EndpointPrivateAccess: private,
		EndpointPublicAccess:  a.EndpointPublicAccess,
		PublicAccessCIDRs:     a.PublicAccessCIDRs,
		ServiceIPv4CIDR:       orDefault(a.ServiceIPv4CIDR, DefaultServiceIPv4CIDR),
		LogTypes:              a.LogTypes,
		SecretsKMSKeyARN:      a.SecretsKMSKeyARN,
		CreateSecretsKMSKey:   a.CreateSecretsKMSKey,
		AdminRoleARNs:         a.AdminRoleARNs,
		CreatorARN:            a.CreatorARN,
		CNI: cluster.CNI{
			CustomNetworking: a.CustomNetworking,
			PodSubnetIDs:     a.PodSubnetIDs,
			PrefixDelegation: a.PrefixDelegation,
		},
		AddonVersions: a.AddonVersions,
		Tags:          a.Tags,
	}
}

// Taint is a node taint.
type Taint struct {
	Key    string `pulumi:"key"`
	Value  string `pulumi:"value,optional"`
	Effect string `pulumi:"effect"`
}

// Annotate documents Taint.
func (t *Taint) Annotate(an infer.Annotator) {
	an.SetToken("index", "Taint")
	an.Describe(t, "A node taint.")
	an.Describe(&t.Key, "The taint key.")
	an.Describe(&t.Value, "The taint value.")
	an.Describe(&t.Effect, "NoSchedule, PreferNoSchedule or NoExecute.")
}

// Volume is a node group's root (AL2023, AL2) or data (Bottlerocket) volume.
type Volume struct {
	SizeGiB   int    `pulumi:"sizeGiB,optional"`
	Type      string `pulumi:"type,optional"`
	Encrypted *bool  `pulumi:"encrypted,optional"`
	KMSKeyARN string `pulumi:"kmsKeyArn,optional"`
}

// Annotate documents Volume.
func (v *Volume) Annotate(an infer.Annotator) {
	an.SetToken("index", "Volume")
	an.Describe(v, "The node volume: root on AL2023 and AL2, data on Bottlerocket.")
	an.Describe(&v.SizeGiB, "Size in GiB.")
	an.SetDefault(&v.SizeGiB, defaultVolume.SizeGiB)
	an.Describe(&v.Type, "EBS volume type.")
	an.SetDefault(&v.Type, defaultVolume.Type)
	an.Describe(&v.Encrypted, "Encrypt the volume.")
	an.SetDefault(&v.Encrypted, true)
	an.Describe(&v.KMSKeyARN, "Customer-managed KMS key for the volume; the account's EBS default key when empty.")
}

// defaultVolume is the stack config's default rootVolume.
var defaultVolume = nodespec.Volume{SizeGiB: 50, Type: "gp3", Encrypted: true}

func (v *Volume) toGo() nodespec.Volume {
	if v == nil {
		return defaultVolume
	}
	out := nodespec.Volume{
		SizeGiB:   v.SizeGiB,
		Type:      orDefault(v.Type, defaultVolume.Type),
		Encrypted: v.Encrypted == nil || *v.Encrypted,
		KMSKeyARN: v.KMSKeyARN,
	}
	if out.SizeGiB == 0 {
		out.SizeGiB = defaultVolume.SizeGiB
	}
	return out
}

// NodeGroupArgs are the inputs of both node group kinds, as in Go, where
// managed.Args and selfmanaged.Args are both nodegroup.Args: a field of one
// kind is refused by the other kind's component. (One type, not a shared
// part embedded in two, because Construct fills only a struct's own fields.)
type NodeGroupArgs struct {
	ClusterName          string             `pulumi:"clusterName"`
	ClusterVersion       string             `pulumi:"clusterVersion"`
	ClusterEndpoint      pulumi.StringInput `pulumi:"clusterEndpoint"`
	CertificateAuthority pulumi.StringInput `pulumi:"certificateAuthority"`
	NodeSecurityGroupID  pulumi.StringInput `pulumi:"nodeSecurityGroupId"`
	ServiceIPv4CIDR      string             `pulumi:"serviceIpv4Cidr,optional"`
	VpcCIDR              string             `pulumi:"vpcCidr,optional"`
	Partition            string             `pulumi:"partition,optional"`
	CustomNetworking     bool               `pulumi:"customNetworking,optional"`
	PrefixDelegation     bool               `pulumi:"prefixDelegation,optional"`
	HTTPProxy            string             `pulumi:"httpProxy,optional"`
	HTTPSProxy           string             `pulumi:"httpsProxy,optional"`
	NoProxy              []string           `pulumi:"noProxy,optional"`
	PublicEndpointOnly   bool               `pulumi:"publicEndpointOnly,optional"`
	GroupName            string             `pulumi:"groupName"`
	InstanceTypes        []string           `pulumi:"instanceTypes"`
	AMIFamily            string             `pulumi:"amiFamily,optional"`
	Architecture         string             `pulumi:"architecture,optional"`
	CapacityType         string             `pulumi:"capacityType,optional"`
	MinSize              int                `pulumi:"minSize"`
	MaxSize              int                `pulumi:"maxSize"`
	DesiredSize          *int               `pulumi:"desiredSize,optional"`
	Labels               map[string]string  `pulumi:"labels,optional"`
	Taints               []Taint            `pulumi:"taints,optional"`
	Volume               *Volume            `pulumi:"volume,optional"`
	SubnetIDs            []string           `pulumi:"subnetIds"`
	MaxPods              int                `pulumi:"maxPods,optional"`
	Autoscaling          *bool              `pulumi:"autoscaling,optional"`
	KubeletExtraArgs     []string           `pulumi:"kubeletExtraArgs,optional"`
	PreBootstrapCommands []string           `pulumi:"preBootstrapCommands,optional"`
	ImdsHopLimit         int                `pulumi:"imdsHopLimit,optional"`
	ExistingRoleARN      string             `pulumi:"existingRoleArn,optional"`
	SkipCNIPolicy        bool               `pulumi:"skipCniPolicy,optional"`
	AMIReleaseVersion    string             `pulumi:"amiReleaseVersion,optional"`
	Tags                 map[string]string  `pulumi:"tags,optional"`

	// Self-managed only.
	Spot               *Spot            `pulumi:"spot,optional"`
	InstanceRefresh    *InstanceRefresh `pulumi:"instanceRefresh,optional"`
	DrainOnTermination bool             `pulumi:"drainOnTermination,optional"`
	WarmPool           *WarmPool        `pulumi:"warmPool,optional"`
	ImageID            string           `pulumi:"imageId,optional"`

	// Managed only.
	UpdateConfig *UpdateConfig `pulumi:"updateConfig,optional"`
	NodeRepair   *bool         `pulumi:"nodeRepair,optional"`
}

// Annotate documents the shared node group inputs.
func (a *NodeGroupArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.ClusterName, "The EKS cluster name. Plain value (tag keys kubernetes.io/cluster/<name> and the autoscaler's are computed from it): give the literal the Cluster got, not its output.")
	an.Describe(&a.ClusterVersion, "The cluster's Kubernetes minor version, e.g. \"1.33\".")
	an.Describe(&a.ClusterEndpoint, "The API server URL: the Cluster's endpoint output. Resources naming the cluster wait for it, so the group is created after the cluster.")
	an.Describe(&a.CertificateAuthority, "The base64 cluster CA: the Cluster's certificateAuthority output.")
	an.Describe(&a.NodeSecurityGroupID, "The security group attached to every node: the Cluster's nodeSecurityGroupId output.")
	an.Describe(&a.ServiceIPv4CIDR, "The cluster's Service range (the Cluster's serviceIpv4Cidr input); nodes use its .10 as cluster DNS.")
	an.SetDefault(&a.ServiceIPv4CIDR, DefaultServiceIPv4CIDR)
	an.Describe(&a.VpcCIDR, "The VPC range, part of NO_PROXY when a proxy is set.")
	an.Describe(&a.Partition, "The AWS partition: aws, aws-cn or aws-us-gov.")
	an.SetDefault(&a.Partition, "aws")
	an.Describe(&a.CustomNetworking, "The cluster uses VPC CNI custom networking (decides max pods).")
	an.Describe(&a.PrefixDelegation, "The cluster uses VPC CNI prefix delegation (decides max pods).")
	an.Describe(&a.HTTPProxy, "Egress HTTP proxy URL for containerd, kubelet and nodeadm (no credentials: user data is readable).")
	an.Describe(&a.HTTPSProxy, "Egress HTTPS proxy URL.")
	an.Describe(&a.NoProxy, "Extra NO_PROXY entries; the VPC CIDR, Service CIDR, metadata and EKS endpoints are always added.")
	an.Describe(&a.PublicEndpointOnly, "The API server is reachable only through its public endpoint: nodes then reach it through the proxy.")
	an.Describe(&a.GroupName, "The group's short name, e.g. \"workers\" (Name tag <cluster>-<group>).")
	an.Describe(&a.InstanceTypes, "EC2 instance types, first preferred.")
	an.Describe(&a.AMIFamily, "AL2023, Bottlerocket or AL2 (Kubernetes 1.32 and older).")
	an.SetDefault(&a.AMIFamily, string(bootstrap.AL2023))
	an.Describe(&a.Architecture, "x86_64 or arm64; must match instanceTypes.")
	an.SetDefault(&a.Architecture, nodespec.ArchX86_64)
	an.Describe(&a.CapacityType, "ON_DEMAND or SPOT.")
	an.SetDefault(&a.CapacityType, nodegroup.OnDemand)
	an.Describe(&a.MinSize, "Lower bound for the Cluster Autoscaler.")
	an.Describe(&a.MaxSize, "Upper bound for the Cluster Autoscaler.")
	an.Describe(&a.DesiredSize, "Initial size only (later owned by the autoscaler); minSize when unset.")
	an.Describe(&a.Labels, "Node labels (kubelet-settable keys only).")
	an.Describe(&a.Taints, "Node taints.")
	an.Describe(&a.Volume, "The node volume; 50 GiB encrypted gp3 when unset.")
	an.Describe(&a.SubnetIDs, "Private subnets the nodes run in.")
	an.Describe(&a.MaxPods, "Kubelet max pods; computed from the instance types and the VPC CNI mode when 0.")
	an.Describe(&a.Autoscaling, "Add the Cluster Autoscaler's discovery and scale-from-zero tags.")
	an.SetDefault(&a.Autoscaling, true)
	an.Describe(&a.KubeletExtraArgs, "Extra kubelet flags (not on Bottlerocket).")
	an.Describe(&a.PreBootstrapCommands, "Shell commands run before the node joins (not on Bottlerocket).")
	an.Describe(&a.ImdsHopLimit, "IMDSv2 response hop limit (1-64); 0 means 2.")
	an.Describe(&a.ExistingRoleARN, "Use this node IAM role instead of creating one.")
	an.Describe(&a.SkipCNIPolicy, "Leave AmazonEKS_CNI_Policy off a created node role (aws-node has its own role).")
	an.Describe(&a.AMIReleaseVersion, "Pins the node image release as EKS names it, e.g. \"1.33.5-20251120\" (AL2023, AL2) or \"1.50.0\" (Bottlerocket); empty follows the recommended release.")
	an.Describe(&a.Tags, "Tags added to every taggable resource.")
	an.Describe(&a.Spot, "Self-managed only: the Spot distribution; with capacityType SPOT and no spot, the defaults apply.")
	an.Describe(&a.InstanceRefresh, "Self-managed only: roll nodes on launch template changes; on by default (90% kept healthy, 300 s warmup).")
	an.Describe(&a.DrainOnTermination, "Self-managed only: add a termination lifecycle hook and the aws-node-termination-handler tag (pair with a NodeDrain).")
	an.Describe(&a.WarmPool, "Self-managed only: an optional warm pool.")
	an.Describe(&a.ImageID, "Self-managed only: pin an AMI id (of amiFamily and architecture) instead of the recommended one from SSM.")
	an.Describe(&a.UpdateConfig, "Managed only: how many nodes an update replaces at once.")
	an.Describe(&a.NodeRepair, "Managed only: EKS node auto repair (replaces nodes that stay NotReady or report unhealthy conditions). Default true on managed groups; refused on self-managed groups, whose Auto Scaling health checks replace nodes.")
}

// toGo maps the inputs onto the Go Args of a managed (managed true) or
// self-managed group.
func (a NodeGroupArgs) toGo(managed bool) nodegroup.Args {
	clusterName := a.ClusterName
	out := nodegroup.Args{
		Cluster: nodegroup.Cluster{
			Name:            clusterName,
			Version:         a.ClusterVersion,
			ServiceIPv4CIDR: orDefault(a.ServiceIPv4CIDR, DefaultServiceIPv4CIDR),
			VPCCIDR:         a.VpcCIDR,
			Partition:       a.Partition,
			Network: instancetypes.NetworkMode{
				CustomNetworking: a.CustomNetworking,
				PrefixDelegation: a.PrefixDelegation,
			},
			PublicEndpointOnly:   a.PublicEndpointOnly,
			Endpoint:             a.ClusterEndpoint,
			CertificateAuthority: a.CertificateAuthority,
			NodeSecurityGroupID:  a.NodeSecurityGroupID,
		},
		GroupName:            a.GroupName,
		InstanceTypes:        a.InstanceTypes,
		AMIFamily:            bootstrap.Family(a.AMIFamily),
		Architecture:         a.Architecture,
		CapacityType:         a.CapacityType,
		MinSize:              a.MinSize,
		MaxSize:              a.MaxSize,
		DesiredSize:          a.MinSize,
		Labels:               a.Labels,
		Volume:               a.Volume.toGo(),
		SubnetIDs:            a.SubnetIDs,
		MaxPods:              a.MaxPods,
		Autoscaling:          a.Autoscaling == nil || *a.Autoscaling,
		KubeletExtraArgs:     a.KubeletExtraArgs,
		PreBootstrapCommands: a.PreBootstrapCommands,
		ImdsHopLimit:         a.ImdsHopLimit,
		Role:                 nodegroup.Role{ExistingRoleARN: a.ExistingRoleARN, SkipCNIPolicy: a.SkipCNIPolicy},
		AMIReleaseVersion:    a.AMIReleaseVersion,
		Tags:                 a.Tags,
	}
	// The Go Args take the cluster name twice: as a plain string for tag
	// keys and as the cluster resource's output, so the access entry and
	// node group wait for the cluster. Only outputs carry that dependency
	// across languages; the endpoint is one, known once the cluster exists.
	if a.ClusterEndpoint != nil {
		out.Cluster.EKSName = a.ClusterEndpoint.ToStringOutput().ApplyT(func(string) string { return clusterName }).(pulumi.StringOutput)
	}
	if a.DesiredSize != nil {
		out.DesiredSize = *a.DesiredSize
	}
	if a.HTTPProxy != "" || a.HTTPSProxy != "" {
		out.Cluster.Proxy = &bootstrap.Proxy{HTTPProxy: a.HTTPProxy, HTTPSProxy: a.HTTPSProxy, NoProxy: a.NoProxy}
	}
	for _, t := range a.Taints {
		out.Taints = append(out.Taints, bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	out.DrainOnTermination = a.DrainOnTermination
	out.ImageID = a.ImageID
	if s := a.Spot; s != nil {
		out.Spot = &nodespec.Spot{
			OnDemandBaseCapacity:                s.OnDemandBaseCapacity,
			OnDemandPercentageAboveBaseCapacity: s.OnDemandPercentageAboveBaseCapacity,
			AllocationStrategy:                  s.AllocationStrategy,
		}
	}
	if !managed || a.InstanceRefresh != nil {
		out.InstanceRefresh = a.InstanceRefresh.toGo()
	}
	if w := a.WarmPool; w != nil {
		out.WarmPool = &nodegroup.WarmPool{MinSize: w.MinSize, State: w.State, MaxGroupPreparedCapacity: w.MaxGroupPreparedCapacity}
	}
	if u := a.UpdateConfig; u != nil {
		out.UpdateConfig = &nodegroup.UpdateConfig{MaxUnavailable: u.MaxUnavailable, MaxUnavailablePercentage: u.MaxUnavailablePercentage}
	}
	// The stack config's default: repair on for managed groups; the
	// self-managed component refuses it.
	out.NodeRepair = managed
	if a.NodeRepair != nil {
		out.NodeRepair = *a.NodeRepair
	}
	return out
}

// Spot is a self-managed Spot group's instances distribution.
type Spot struct {
	OnDemandBaseCapacity                int    `pulumi:"onDemandBaseCapacity,optional"`
	OnDemandPercentageAboveBaseCapacity int    `pulumi:"onDemandPercentageAboveBaseCapacity,optional"`
	AllocationStrategy                  string `pulumi:"allocationStrategy,optional"`
}

// Annotate documents Spot.
func (s *Spot) Annotate(an infer.Annotator) {
	an.SetToken("index", "Spot")
	an.Describe(s, "The mixed instances distribution of a self-managed Spot group.")
	an.Describe(&s.OnDemandBaseCapacity, "On-Demand instances before any Spot.")
	an.Describe(&s.OnDemandPercentageAboveBaseCapacity, "Percentage of On-Demand above the base (0-100).")
	an.Describe(&s.AllocationStrategy, "Spot allocation strategy; price-capacity-optimized when empty.")
}

// InstanceRefresh rolls a self-managed group when its launch template changes.
type InstanceRefresh struct {
	Enabled                *bool `pulumi:"enabled,optional"`
	MinHealthyPercentage   *int  `pulumi:"minHealthyPercentage,optional"`
	MaxHealthyPercentage   int   `pulumi:"maxHealthyPercentage,optional"`
	InstanceWarmupSeconds  *int  `pulumi:"instanceWarmupSeconds,optional"`
	CheckpointPercentages  []int `pulumi:"checkpointPercentages,optional"`
	CheckpointDelaySeconds int   `pulumi:"checkpointDelaySeconds,optional"`
	AutoRollback           bool  `pulumi:"autoRollback,optional"`
}

// Annotate documents InstanceRefresh.
func (r *InstanceRefresh) Annotate(an infer.Annotator) {
	an.SetToken("index", "InstanceRefresh")
	an.Describe(r, "Rolling replacement of a self-managed group's nodes when its launch template changes.")
	an.Describe(&r.Enabled, "Turn instance refresh on.")
	an.SetDefault(&r.Enabled, true)
	an.Describe(&r.MinHealthyPercentage, "Share of the group kept in service during a refresh.")
	an.SetDefault(&r.MinHealthyPercentage, defaultRefresh.MinHealthyPercentage)
	an.Describe(&r.MaxHealthyPercentage, "Above 100 launches replacements before terminating (100-200).")
	an.SetDefault(&r.MaxHealthyPercentage, defaultRefresh.MaxHealthyPercentage)
	an.Describe(&r.InstanceWarmupSeconds, "How long a new node takes to be ready; also the group's default instance warmup.")
	an.SetDefault(&r.InstanceWarmupSeconds, defaultRefresh.InstanceWarmupSeconds)
	an.Describe(&r.CheckpointPercentages, "Pause the refresh at these shares replaced (ascending, ending at 100).")
	an.Describe(&r.CheckpointDelaySeconds, "Pause at each checkpoint, in seconds (0-172800).")
	an.Describe(&r.AutoRollback, "Restore the previous launch template version when the refresh fails.")
}

// defaultRefresh is the stack config's instance refresh of a self-managed
// group, for the fields (or the whole block) left unset.
var defaultRefresh = nodegroup.InstanceRefresh{Enabled: true, MinHealthyPercentage: 90, MaxHealthyPercentage: 100, InstanceWarmupSeconds: 300}

func (r *InstanceRefresh) toGo() *nodegroup.InstanceRefresh {
	out := defaultRefresh
	if r == nil {
		return &out
	}
	if r.Enabled != nil {
		out.Enabled = *r.Enabled
	}
	if r.MinHealthyPercentage != nil {
		out.MinHealthyPercentage = *r.MinHealthyPercentage
	}
	if r.MaxHealthyPercentage != 0 {
		out.MaxHealthyPercentage = r.MaxHealthyPercentage
	}
	if r.InstanceWarmupSeconds != nil {
		out.InstanceWarmupSeconds = *r.InstanceWarmupSeconds
	}
	out.CheckpointPercentages = r.CheckpointPercentages
	out.CheckpointDelaySeconds = r.CheckpointDelaySeconds
	out.AutoRollback = r.AutoRollback
	return &out
}

// WarmPool keeps pre-initialized instances for a self-managed group.
type WarmPool struct {
	MinSize                  int    `pulumi:"minSize,optional"`
	State                    string `pulumi:"state"`
	MaxGroupPreparedCapacity *int   `pulumi:"maxGroupPreparedCapacity,optional"`
}

// Annotate documents WarmPool.
func (w *WarmPool) Annotate(an infer.Annotator) {
	an.SetToken("index", "WarmPool")
	an.Describe(w, "Pre-initialized instances for a self-managed group. EC2 runs user data when it launches an instance into the pool, so the node joins and shows NotReady until it is started.")
	an.Describe(&w.MinSize, "Instances kept in the pool.")
	an.Describe(&w.State, "Stopped, Running or Hibernated.")
	an.Describe(&w.MaxGroupPreparedCapacity, "Upper bound of group plus pool; -1 or unset for no limit.")
}

// UpdateConfig is how many nodes a managed group replaces at once.
type UpdateConfig struct {
	MaxUnavailable           int `pulumi:"maxUnavailable,optional"`
	MaxUnavailablePercentage int `pulumi:"maxUnavailablePercentage,optional"`
}

// Annotate documents UpdateConfig.
func (u *UpdateConfig) Annotate(an infer.Annotator) {
	an.SetToken("index", "UpdateConfig")
	an.Describe(u, "How many nodes a managed group replaces at once; one when neither is set.")
	an.Describe(&u.MaxUnavailable, "Nodes replaced at once.")
	an.Describe(&u.MaxUnavailablePercentage, "Share of nodes replaced at once.")
}

// AutoscaledGroup is a node group the autoscaler's priority expander ranks.
type AutoscaledGroup struct {
	Name     string                  `pulumi:"name"`
	Spot     bool                    `pulumi:"spot,optional"`
	ASGNames pulumi.StringArrayInput `pulumi:"asgNames"`
}

// Annotate documents AutoscaledGroup.
func (g *AutoscaledGroup) Annotate(an infer.Annotator) {
	an.SetToken("index", "AutoscaledGroup")
	an.Describe(g, "A node group as the autoscaler's priority expander ranks it.")
	an.Describe(&g.Name, "The group's name.")
	an.Describe(&g.Spot, "The group runs on Spot capacity (ranked above On-Demand).")
	an.Describe(&g.ASGNames, "The group's Auto Scaling group names (a node group's asgName output).")
}

// ClusterAutoscalerArgs are the inputs of eksfleet:index:ClusterAutoscaler.
type ClusterAutoscalerArgs struct {
	ClusterName              string                  `pulumi:"clusterName"`
	KubernetesVersion        string                  `pulumi:"kubernetesVersion"`
	Region                   string                  `pulumi:"region"`
	OIDCProviderARN          pulumi.StringInput      `pulumi:"oidcProviderArn"`
	OIDCIssuerURL            pulumi.StringInput      `pulumi:"oidcIssuerUrl"`
	Expander                 string                  `pulumi:"expander,optional"`
	BalanceSimilarNodeGroups *bool                   `pulumi:"balanceSimilarNodeGroups,optional"`
	ScaleDownUnneededTime    string                  `pulumi:"scaleDownUnneededTime,optional"`
	ChartVersion             string                  `pulumi:"chartVersion,optional"`
	HTTPProxy                string                  `pulumi:"httpProxy,optional"`
	HTTPSProxy               string                  `pulumi:"httpsProxy,optional"`
	NoProxy                  pulumi.StringArrayInput `pulumi:"noProxy,optional"`
	NodeGroups               []AutoscaledGroup       `pulumi:"nodeGroups,optional"`
	Tags                     map[string]string       `pulumi:"tags,optional"`
}

// Annotate documents the autoscaler inputs.
func (a *ClusterAutoscalerArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.ClusterName, "The EKS cluster name (plain value: part of tag keys and IAM conditions).")
	an.Describe(&a.KubernetesVersion, "The cluster's minor version; selects the chart and the autoscaler image.")
	an.Describe(&a.Region, "The cluster's AWS region.")
	an.Describe(&a.OIDCProviderARN, "The cluster's IAM OIDC provider (the Cluster's oidcProviderArn output).")
	an.Describe(&a.OIDCIssuerURL, "The cluster's issuer URL (the Cluster's oidcProviderUrl output).")
	an.Describe(&a.Expander, "least-waste, priority, random or most-pods.")
	an.SetDefault(&a.Expander, defaultExpander)
	an.Describe(&a.BalanceSimilarNodeGroups, "Spread scale-ups over groups that differ only by zone.")
	an.SetDefault(&a.BalanceSimilarNodeGroups, true)
	an.Describe(&a.ScaleDownUnneededTime, "How long a node must be unneeded before removal (a Go duration).")
	an.SetDefault(&a.ScaleDownUnneededTime, defaultScaleDownUnneededTime)
	an.Describe(&a.ChartVersion, "Overrides the chart pinned for the Kubernetes minor; the image still follows it.")
	an.Describe(&a.HTTPProxy, "Egress HTTP proxy URL for the autoscaler.")
	an.Describe(&a.HTTPSProxy, "Egress HTTPS proxy URL for the autoscaler.")
	an.Describe(&a.NoProxy, "The complete NO_PROXY list, as the nodes get it; required with a proxy.")
	an.Describe(&a.NodeGroups, "The autoscaled groups; required for the priority expander.")
	an.Describe(&a.Tags, "Tags added to the IAM role.")
}

// The stack config's autoscaler defaults.
const (
	defaultExpander              = "least-waste"
	defaultScaleDownUnneededTime = "10m"
)

func (a ClusterAutoscalerArgs) toGo() autoscaler.Args {
	out := autoscaler.Args{
		ClusterName:              a.ClusterName,
		KubernetesVersion:        a.KubernetesVersion,
		Region:                   a.Region,
		OIDCProviderARN:          a.OIDCProviderARN,
		OIDCIssuerURL:            a.OIDCIssuerURL,
		Expander:                 orDefault(a.Expander, defaultExpander),
		BalanceSimilarNodeGroups: a.BalanceSimilarNodeGroups == nil || *a.BalanceSimilarNodeGroups,
		ScaleDownUnneededTime:    orDefault(a.ScaleDownUnneededTime, defaultScaleDownUnneededTime),
		ChartVersion:             a.ChartVersion,
		HTTPProxy:                a.HTTPProxy,
		HTTPSProxy:               a.HTTPSProxy,
		NoProxy:                  a.NoProxy,
		Tags:                     a.Tags,
	}
	for _, g := range a.NodeGroups {
		out.NodeGroups = append(out.NodeGroups, autoscaler.NodeGroup{Name: g.Name, Spot: g.Spot, ASGNames: g.ASGNames})
	}
	return out
}

// NodeDrainArgs are the inputs of eksfleet:index:NodeDrain.
type NodeDrainArgs struct {
	ClusterName                  string                  `pulumi:"clusterName"`
	Region                       string                  `pulumi:"region"`
	OIDCProviderARN              pulumi.StringInput      `pulumi:"oidcProviderArn"`
	OIDCIssuerURL                pulumi.StringInput      `pulumi:"oidcIssuerUrl"`
	ASGNames                     pulumi.StringArrayInput `pulumi:"asgNames,optional"`
	SpotWithoutCapacityRebalance bool                    `pulumi:"spotWithoutCapacityRebalance,optional"`
	HTTPProxy                    string                  `pulumi:"httpProxy,optional"`
	HTTPSProxy                   string                  `pulumi:"httpsProxy,optional"`
	NoProxy                      pulumi.StringArrayInput `pulumi:"noProxy,optional"`
	ChartVersion                 string                  `pulumi:"chartVersion,optional"`
	Tags                         map[string]string       `pulumi:"tags,optional"`
}

// Annotate documents the node drain inputs.
func (a *NodeDrainArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.ClusterName, "The EKS cluster name (plain value: the handler's IAM condition keys on it).")
	an.Describe(&a.Region, "The cluster's AWS region.")
	an.Describe(&a.OIDCProviderARN, "The cluster's IAM OIDC provider (the Cluster's oidcProviderArn output).")
	an.Describe(&a.OIDCIssuerURL, "The cluster's issuer URL (the Cluster's oidcProviderUrl output).")
	an.Describe(&a.ASGNames, "Limits the lifecycle rule to these Auto Scaling groups (the draining groups' asgName outputs).")
	an.Describe(&a.SpotWithoutCapacityRebalance, "Some draining group runs Spot without capacity rebalance: forward rebalance recommendations too.")
	an.Describe(&a.HTTPProxy, "Egress HTTP proxy URL for the handler.")
	an.Describe(&a.HTTPSProxy, "Egress HTTPS proxy URL for the handler.")
	an.Describe(&a.NoProxy, "The complete NO_PROXY list, as the nodes get it; required with a proxy.")
	an.Describe(&a.ChartVersion, "Overrides the pinned handler chart version.")
	an.Describe(&a.Tags, "Tags added to every taggable resource.")
}

func (a NodeDrainArgs) toGo() nodedrain.Args {
	return nodedrain.Args{
		ClusterName:                  a.ClusterName,
		Region:                       a.Region,
		OIDCProviderARN:              a.OIDCProviderARN,
		OIDCIssuerURL:                a.OIDCIssuerURL,
		ASGNames:                     a.ASGNames,
		SpotWithoutCapacityRebalance: a.SpotWithoutCapacityRebalance,
		HTTPProxy:                    a.HTTPProxy,
		HTTPSProxy:                   a.HTTPSProxy,
		NoProxy:                      a.NoProxy,
		ChartVersion:                 a.ChartVersion,
		Tags:                         a.Tags,
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
