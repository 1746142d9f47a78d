// Package nodegroup holds what the two node group components share: their
// Args, the node IAM role, the launch template settings and the user data.
// The components themselves are components/selfmanaged (launch template +
// Auto Scaling Group) and components/managed (EKS managed node group).
//
// Pure decisions (AMI parameters, block devices, tags, …) live in
// components/nodespec; this package turns them into pulumi-aws arguments.
package nodegroup

import (
	"errors"
	"fmt"
	"slices"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Cluster is what a node group needs to know about its EKS cluster.
type Cluster struct {
	// Name is the EKS cluster name. It is a plain string because tag keys
	// (kubernetes.io/cluster/<name>, k8s.io/cluster-autoscaler/<name>) are
	// computed from it before deployment.
	Name string
	// Version is the Kubernetes minor version, e.g. "1.33".
	Version string
	// ServiceIPv4CIDR is the Kubernetes service range; nodes derive the
	// cluster DNS address (.10) from it.
	ServiceIPv4CIDR string
	// VPCCIDR is the VPC range, part of NO_PROXY when Proxy is set.
	VPCCIDR string
	// Partition is the AWS partition (aws, aws-cn, aws-us-gov); default aws.
	Partition string
	// Network is the VPC CNI mode, which decides max pods.
	Network instancetypes.NetworkMode
	// Proxy is the node egress proxy, nil for none.
	Proxy *bootstrap.Proxy
	// PublicEndpointOnly marks an API server reachable only through its
	// public endpoint: nodes then reach it through the proxy, so it is not
	// in NO_PROXY.
	PublicEndpointOnly bool

	// EKSName is the cluster name as an output of the cluster resource:
	// resources that name the cluster (access entry, node group) use it so
	// they wait for the cluster to exist.
	EKSName pulumi.StringInput
	// Endpoint is the API server URL.
	Endpoint pulumi.StringInput
	// CertificateAuthority is the base64 cluster CA (certificateAuthority.data).
	CertificateAuthority pulumi.StringInput
	// NodeSecurityGroupID is attached to every node, of both kinds, so
	// nodes reach each other and the control plane.
	NodeSecurityGroupID pulumi.StringInput
	// NetworkReady are resources no node may launch (or roll) before: the
	// node add-ons. The VPC CNI applies custom networking and prefix
	// delegation only to nodes created after it is configured (EKS user
	// guide, "cni-custom-network" and "cni-increase-ip-addresses": existing
	// nodes must be replaced), and on an upgrade the add-ons should reach
	// the new minor before the nodes do. Launch templates, Auto Scaling
	// Groups and managed node groups all depend on them.
	NetworkReady []pulumi.Resource
}

func (c Cluster) partition() string {
	if c.Partition == "" {
		return "aws"
	}
	return c.Partition
}

// Role chooses the node IAM role.
type Role struct {
	// ExistingRoleARN uses this role instead of creating one. It must
	// trust ec2.amazonaws.com and carry AmazonEKSWorkerNodePolicy,
	// AmazonEC2ContainerRegistryPullOnly (and AmazonEKS_CNI_Policy unless
	// aws-node has its own role). A self-managed group still creates an
	// instance profile and an EC2_LINUX access entry for it.
	ExistingRoleARN string
	// SkipCNIPolicy leaves AmazonEKS_CNI_Policy off a created role, for
	// clusters whose VPC CNI (aws-node) uses its own IRSA or Pod Identity
	// role, as the EKS best practices recommend.
	SkipCNIPolicy bool
}

// InstanceRefresh rolls a self-managed group's instances when its launch
// template changes.
type InstanceRefresh struct {
	// Enabled turns refresh on.
	Enabled bool
	// MinHealthyPercentage of the group stays in service during a refresh.
	MinHealthyPercentage int
	// MaxHealthyPercentage above 100 launches replacements first (100-200).
	MaxHealthyPercentage int
	// InstanceWarmupSeconds is how long a new node takes to be ready; it is
	// also the group's default instance warmup.
	InstanceWarmupSeconds int
	// CheckpointPercentages pause the refresh at these shares of the group
	// replaced (ascending, ending at 100), CheckpointDelaySeconds each.
	CheckpointPercentages  []int
	CheckpointDelaySeconds int
	// AutoRollback restores the previous launch template version when the
	// refresh fails.
	AutoRollback bool
}

// WarmPool keeps stopped or running pre-initialized instances for a
// self-managed group.
//
// Caution: EC2 runs user data when it launches an instance into the warm
// pool, so the node joins the cluster before it is stopped and shows as
// NotReady until it is started. The EKS AMIs' bootstrap knows nothing about
// warm pools (see the Auto Scaling user guide, warm-pool-instance-lifecycle).
type WarmPool struct {
	MinSize int
	// State is Stopped, Running or Hibernated.
	State string
	// MaxGroupPreparedCapacity, -1 or nil for no limit.
	MaxGroupPreparedCapacity *int
}

// UpdateConfig is how many nodes a managed group replaces at once. With
// neither field set, one node at a time.
type UpdateConfig struct {
	MaxUnavailable           int
	MaxUnavailablePercentage int
}

// Args configures a node group of either kind. Fields marked self-managed
// or managed are refused by the other kind's constructor.
type Args struct {
	// Cluster is the EKS cluster the nodes join.
	Cluster Cluster
	// GroupName is the group's short name (e.g. "workers"), used in the
	// Name tag <cluster>-<group>.
	GroupName string
	// InstanceTypes lists the EC2 instance types, first preferred.
	InstanceTypes []string
	// AMIFamily is AL2023 (default), Bottlerocket or AL2 (≤ 1.32).
	AMIFamily bootstrap.Family
	// Architecture is x86_64 (default) or arm64; must match InstanceTypes.
	Architecture string
	// CapacityType is ON_DEMAND (default) or SPOT.
	CapacityType string
	// MinSize and MaxSize bound the autoscaler.
	MinSize, MaxSize int
	// DesiredSize is the initial size only: later changes are ignored, as
	// the Cluster Autoscaler owns it.
	DesiredSize int
	// Live is the group's size as it runs now, looked up (read-only)
	// before registering; nil for a group that does not exist yet. When
	// MinSize or MaxSize differ from it, the update also sets the desired
	// size to the live one moved into the new bounds (see Sizing): EKS
	// refuses a minimum above the desired size it is sent.
	Live *LiveSize
	// Labels are the node labels (kubelet-settable keys only).
	Labels map[string]string
	// Taints are the node taints, effects in Kubernetes spelling
	// (NoSchedule, PreferNoSchedule, NoExecute).
	Taints []bootstrap.Taint
	// Volume is the root (AL2023, AL2) or data (Bottlerocket) volume.
	Volume nodespec.Volume
	// SubnetIDs are the private subnets nodes run in.
	SubnetIDs []string
	// MaxPods overrides the computed kubelet max pods when positive.
	MaxPods int
	// Autoscaling adds the Cluster Autoscaler's discovery and
	// scale-from-zero node-template tags.
	Autoscaling bool
	// KubeletExtraArgs are extra kubelet flags (not on Bottlerocket).
	KubeletExtraArgs []string
	// PreBootstrapCommands run before the node joins (not on Bottlerocket).
	PreBootstrapCommands []string
	// ImdsHopLimit is the IMDSv2 response hop limit; 0 means 2, which lets
	// pods in their own network namespace reach instance metadata.
	ImdsHopLimit int
	// Role chooses the node IAM role.
	Role Role
	// Tags are added to every taggable resource.
	Tags map[string]string

	// Spot (self-managed) is the mixed instances distribution of a Spot
	// group; with CapacityType SPOT and no Spot, the defaults apply.
	Spot *nodespec.Spot
	// InstanceRefresh (self-managed) rolls nodes on launch template changes.
	InstanceRefresh *InstanceRefresh
	// DrainOnTermination (self-managed) adds a termination lifecycle hook
	// and the aws-node-termination-handler tag.
	DrainOnTermination bool
	// WarmPool (self-managed), optional; see WarmPool's caution.
	WarmPool *WarmPool
	// ImageID (self-managed) pins an AMI instead of the recommended one
	// from SSM. It must be of AMIFamily and Architecture.
	ImageID string
	// AMIReleaseVersion pins the node image release (both kinds), as EKS
	// names it for managed groups: "1.33.5-20251120" (AL2023, AL2) or
	// "1.50.0" (Bottlerocket); see nodespec.ParseRelease. Empty follows
	// the recommended release.
	AMIReleaseVersion string

	// UpdateConfig (managed) limits how many nodes an update replaces.
	UpdateConfig *UpdateConfig
	// NodeRepair (managed) turns on EKS node auto repair: EKS replaces
	// nodes that stay NotReady or report unhealthy conditions.
	NodeRepair bool
}

// Capacity types.
const (
	OnDemand = "ON_DEMAND"
	Spot     = "SPOT"
)

// IsSpot reports whether the group runs on Spot capacity.
func (a *Args) IsSpot() bool { return a.CapacityType == Spot || a.Spot != nil }

// HopLimit returns the IMDSv2 hop limit (default 2).
func (a *Args) HopLimit() int {
	if a.ImdsHopLimit == 0 {
		return 2
	}
	return a.ImdsHopLimit
}

// Family returns the AMI family (default AL2023).
func (a *Args) Family() bootstrap.Family {
	if a.AMIFamily == "" {
		return bootstrap.AL2023
	}
	return a.AMIFamily
}

// Arch returns the architecture (default x86_64).
func (a *Args) Arch() string {
	if a.Architecture == "" {
		return nodespec.ArchX86_64
	}
	return a.Architecture
}

// Scheduling returns the labels and taints the group's nodes register, the
// one source of both their kubelet settings and their autoscaler tags.
func (a *Args) Scheduling() nodespec.Scheduling {
	return nodespec.NodeScheduling(a.Labels, a.Taints, a.IsSpot(), a.MixedCapacity())
}

// MixedCapacity reports whether a Spot group also launches On-Demand
// instances (an On-Demand base or share in its Spot distribution).
func (a *Args) MixedCapacity() bool {
	return a.Spot != nil && (a.Spot.OnDemandBaseCapacity > 0 || a.Spot.OnDemandPercentageAboveBaseCapacity > 0)
}

// Validate checks what both kinds share and returns every problem, each
// naming the Args field, its value and what is valid. Callers prefix the
// component name.
func (a *Args) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	c := a.Cluster
	switch {
	case c.Name == "":
		add("Args.Cluster.Name is empty: the EKS cluster name is required")
	case c.EKSName == nil || c.Endpoint == nil || c.CertificateAuthority == nil || c.NodeSecurityGroupID == nil:
		add("Args.Cluster needs EKSName, Endpoint, CertificateAuthority and NodeSecurityGroupID (the cluster component's outputs)")
	}
	if err := bootstrap.CheckFamilyVersion(a.Family(), c.Version); err != nil {
		add("Args.AMIFamily %q with Args.Cluster.Version %q: %v", a.AMIFamily, c.Version, err)
	}
	if a.GroupName == "" {
		add("Args.GroupName is empty: the group's short name is required")
	}
	if a.Arch() != nodespec.ArchX86_64 && a.Arch() != nodespec.ArchARM64 {
		add("Args.Architecture %q must be x86_64 or arm64", a.Architecture)
	}
	if a.CapacityType != "" && a.CapacityType != OnDemand && a.CapacityType != Spot {
		add("Args.CapacityType %q must be ON_DEMAND or SPOT", a.CapacityType)
	}
	if len(a.InstanceTypes) == 0 {
		add("Args.InstanceTypes is empty: list at least one instance type, e.g. m6i.large")
	}
	for i, t := range a.InstanceTypes {
		if slices.Index(a.InstanceTypes, t) != i {
			add("Args.InstanceTypes[%d] %q is listed twice", i, t)
		}
		if info, ok := instancetypes.Lookup(t); ok && info.Architecture != "" && info.Architecture != a.Arch() {
			add("Args.InstanceTypes[%d] %q is %s, but Args.Architecture is %s", i, t, info.Architecture, a.Arch())
		}
	}
	switch {
	case a.MinSize < 0:
		add("Args.MinSize %d must be 0 or more", a.MinSize)
	case a.MaxSize < 1:
		add("Args.MaxSize %d must be 1 or more", a.MaxSize)
	case a.MinSize > a.MaxSize:
		add("Args.MinSize %d is greater than Args.MaxSize %d", a.MinSize, a.MaxSize)
	case a.DesiredSize < a.MinSize || a.DesiredSize > a.MaxSize:
		add("Args.DesiredSize %d must be between Args.MinSize %d and Args.MaxSize %d", a.DesiredSize, a.MinSize, a.MaxSize)
	}
	if len(a.SubnetIDs) == 0 {
		add("Args.SubnetIDs is empty: nodes need at least one private subnet")
	}
	if a.ImdsHopLimit < 0 || a.ImdsHopLimit > 64 {
		add("Args.ImdsHopLimit %d must be 1-64 (0 for the default 2)", a.ImdsHopLimit)
	}
	if a.Role.ExistingRoleARN != "" {
		if _, err := nodespec.RoleNameFromARN(a.Role.ExistingRoleARN); err != nil {
			add("Args.Role.ExistingRoleARN: %v", err)
		}
	}
	for _, err := range bootstrap.ValidateLabels(a.Labels) {
		add("Args.Labels: %v", err)
	}
	for _, err := range bootstrap.ValidateTaints(a.Taints) {
		add("Args.Taints: %v", err)
	}
	if _, err := nodespec.BlockDevices(a.Family(), a.Volume); err != nil {
		add("Args.Volume: %v", err)
	}
	return errors.Join(errs...)
}

// MaxPodsValue returns the kubelet max pods: Args.MaxPods, else computed
// from the instance types and the cluster's VPC CNI mode.
func (a *Args) MaxPodsValue() (int, error) {
	n, err := nodespec.MaxPods(a.MaxPods, a.InstanceTypes, a.Cluster.Network)
	if err != nil {
		return 0, fmt.Errorf("Args.MaxPods %d: %w", a.MaxPods, err)
	}
	return n, nil
}

// LiveSize is a running group's scaling: its bounds and the desired size
// the autoscaler chose.
type LiveSize struct{ Min, Max, Desired int }

// Sizing returns the desired size to register and whether the group owns
// it in this update. Normally the desired size is the initial one and
// later changes to it are ignored (the autoscaler owns the size). When the
// bounds change on a running group, the provider sends the whole scaling
// configuration, and with the desired size ignored it sends the one of the
// first deployment: EKS refuses a minimum above it ("Minimum capacity N
// can't be greater than desired size M") and a maximum below it. The
// update then sends the live desired size moved into the new bounds, which
// changes nothing the autoscaler chose unless the bounds require it; the
// next update ignores it again.
func Sizing(a *Args) (desired int, owned bool) {
	l := a.Live
	if l == nil || (l.Min == a.MinSize && l.Max == a.MaxSize) {
		return a.DesiredSize, false
	}
	return max(a.MinSize, min(a.MaxSize, l.Desired)), true
}

// ResizeOutput is the component output that records an update in which
// the component sets its group's desired size (see Sizing): the policy
// pack's desired-capacity-ignored rule accepts that one-off
// (policy/guardrails.ResizeOutput, kept equal by a test).
const ResizeOutput = "resize"

// WithResize adds ResizeOutput to a component's outputs when this update
// sets the desired size: the live size and the size set.
func WithResize(outputs pulumi.Map, a *Args, desired int, resize bool) pulumi.Map {
	if resize {
		outputs[ResizeOutput] = pulumi.Map{
			"liveDesiredSize": pulumi.Int(a.Live.Desired),
			"desiredSize":     pulumi.Int(desired),
		}
	}
	return outputs
}

// Owns reports whether physical is the name the provider gave the group
// a component named name creates: the EKS node group of a managed group,
// the Auto Scaling group of a self-managed one. Lookups use it to find a
// running group among those a list call returns.
func Owns(managed bool, name, physical string) bool {
	token := "aws:autoscaling/group:Group"
	if managed {
		token = "aws:eks/nodeGroup:NodeGroup"
	}
	return names.Owns(token, name, physical)
}

// Wrap prefixes an error with the component type and name, so a stack with
// many groups says which one is wrong.
func Wrap(kind, name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %q: %w", kind, name, err)
}
