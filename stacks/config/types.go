// Package config is the typed form of a stack's configuration: the keys a
// platform team writes in Pulumi.<stack>.yaml under the `eksfleet:`
// namespace (see README.md, "Configuration reference"). Parse decodes every
// key, applies defaults and validates the whole document, reporting every
// problem at once with its key path, before any resource is registered.
package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Namespace is the Pulumi project name and config namespace.
const Namespace = "eksfleet"

// Config is one stack's whole configuration after defaults.
type Config struct {
	// Project and Stack identify the Pulumi stack being configured.
	Project, Stack string
	// Region is `aws:region`.
	Region string
	// Environment is dev, staging or prod; it selects environment-specific
	// rules (e.g. a public endpoint open to 0.0.0.0/0 is refused in prod).
	// Defaults to the stack name when that is one of the three.
	Environment string
	// Tags are added to every taggable resource.
	Tags       map[string]string
	Network    Network
	Cluster    Cluster
	Proxy      *Proxy
	CNI        CNI
	NodeGroups []NodeGroup
	Autoscaler Autoscaler
	// NodePools are Karpenter's node pools (autoscaler.kind: karpenter).
	NodePools []NodePool
	// Policy tunes the guardrails for this stack.
	Policy Policy

	// Notes are assumptions the configuration left to defaults that a
	// person should know about (e.g. prod's rules chosen for a stack named
	// other than dev, staging or prod). `plan` lists them in its `notes`
	// and the program logs them, so `preview` shows them too.
	Notes []string `json:"-"`
	// Secrets are the full keys ("eksfleet:proxy") given as secrets; see
	// IsSecret.
	Secrets []string `json:"-"`
	// secretTexts are the texts Redact hides (see ParseSecrets).
	secretTexts []string
}

// Note records an assumption made for this configuration.
func (c *Config) Note(format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
}

// Network is `eksfleet:network`: the existing VPC the cluster lives in.
type Network struct {
	VpcID            string   `json:"vpcId"`
	VpcCIDR          string   `json:"vpcCidr"`
	PrivateSubnetIDs []string `json:"privateSubnetIds"`
	PublicSubnetIDs  []string `json:"publicSubnetIds"`
	// SubnetZones maps subnet IDs to their availability zones. Optional: when
	// given, zone rules (distinct AZs, one pod subnet per AZ in use) are
	// checked offline; when absent the program looks the subnets up before it
	// registers anything.
	SubnetZones map[string]string `json:"subnetZones"`
	// VpcEndpoints names the services with VPC endpoints in this VPC (e.g.
	// ecr.api, sts): their regional names go into NO_PROXY so nodes and
	// pods reach them directly, not through the proxy.
	VpcEndpoints []string `json:"vpcEndpoints"`
}

// Cluster is `eksfleet:cluster`: the EKS control plane.
type Cluster struct {
	Name                  string   `json:"name"`
	Version               string   `json:"version"`
	EndpointPrivateAccess bool     `json:"endpointPrivateAccess"`
	EndpointPublicAccess  bool     `json:"endpointPublicAccess"`
	PublicAccessCIDRs     []string `json:"publicAccessCidrs"`
	ServiceIPv4CIDR       string   `json:"serviceIpv4Cidr"`
	LogTypes              []string `json:"logTypes"`
	// SecretsKMSKeyARN is the customer-managed key for envelope encryption of
	// Secrets. When empty and SecretsEncryption is on, the cluster component
	// creates a dedicated key with rotation.
	SecretsKMSKeyARN string `json:"secretsKmsKeyArn"`
	// SecretsEncryption turns envelope encryption of Secrets with a
	// customer-managed KMS key on (default) or off.
	SecretsEncryption bool     `json:"secretsEncryption"`
	AdminRoleARNs     []string `json:"adminRoleArns"`
	// AddonVersions pins vpc-cni, kube-proxy or coredns to a version;
	// the others follow EKS's default for the cluster's minor.
	AddonVersions map[string]string `json:"addonVersions"`
}

// Proxy is `eksfleet:proxy`: node egress through an HTTP(S) proxy.
type Proxy struct {
	HTTPProxy  string `json:"httpProxy"`
	HTTPSProxy string `json:"httpsProxy"`
	// NoProxy holds extra entries; the required ones (VPC CIDR, service CIDR,
	// IMDS, localhost, .internal, the EKS endpoint) are always added.
	NoProxy []string `json:"noProxy"`
}

// CNI is `eksfleet:cni`: VPC CNI options.
type CNI struct {
	CustomNetworking bool `json:"customNetworking"`
	// PodSubnetIDs maps each availability zone used by nodes to the subnet
	// its pods take addresses from (custom networking).
	PodSubnetIDs     map[string]string `json:"podSubnetIds"`
	PrefixDelegation bool              `json:"prefixDelegation"`
}

// Node group kinds.
const (
	KindManaged     = "managed"
	KindSelfManaged = "self-managed"
)

// NodeGroup is one entry of `eksfleet:nodeGroups`.
type NodeGroup struct {
	Name          string            `json:"name"`
	Kind          string            `json:"kind"`
	AMIFamily     string            `json:"amiFamily"`
	Architecture  string            `json:"architecture"`
	InstanceTypes []string          `json:"instanceTypes"`
	CapacityType  string            `json:"capacityType"`
	MinSize       *int              `json:"minSize"`
	MaxSize       *int              `json:"maxSize"`
	DesiredSize   *int              `json:"desiredSize"`
	Labels        map[string]string `json:"labels"`
	Taints        []Taint           `json:"taints"`
	RootVolume    RootVolume        `json:"rootVolume"`
	SubnetIDs     []string          `json:"subnetIds"`
	MaxPods       MaxPods           `json:"maxPods"`
	// Autoscaling is the resolved `autoscaling` key: as written, else true
	// with the Cluster Autoscaler and false with Karpenter (which does not
	// scale node groups).
	Autoscaling bool `json:"-"`
	// AutoscalingSet is `autoscaling` as written (nil when absent).
	AutoscalingSet *bool `json:"autoscaling"`
	// AMIReleaseVersion pins the node image release (both kinds), e.g.
	// 1.33.5-20251120 (AL2023, AL2) or 1.50.0 (Bottlerocket).
	AMIReleaseVersion string `json:"amiReleaseVersion"`

	// Self-managed only.
	Spot                 *Spot            `json:"spot"`
	KubeletExtraArgs     []string         `json:"kubeletExtraArgs"`
	PreBootstrapCommands []string         `json:"preBootstrapCommands"`
	InstanceRefresh      *InstanceRefresh `json:"instanceRefresh"`
	DrainOnTermination   *bool            `json:"drainOnTermination"`
	ImdsHopLimit         *int             `json:"imdsHopLimit"`
	WarmPool             *WarmPool        `json:"warmPool"`

	// Managed only.
	UpdateConfig *UpdateConfig `json:"updateConfig"`
	// NodeRepair turns on EKS node auto repair (managed groups; default
	// true): EKS replaces nodes that stay unhealthy.
	NodeRepair *bool `json:"nodeRepair"`
}

// Repair reports whether EKS node auto repair is on (managed groups only).
func (g NodeGroup) Repair() bool { return g.Kind == KindManaged && deref(g.NodeRepair, true) }

func (g *NodeGroup) setDefaults() {
	g.AMIFamily = "AL2023"
	g.Architecture = "x86_64"
	g.CapacityType = "ON_DEMAND"
	g.RootVolume = RootVolume{SizeGiB: 50, Type: "gp3", Encrypted: true}
	g.MaxPods = MaxPods{Auto: true}
	g.Autoscaling = true
}

// Min returns minSize (validated to be present).
func (g NodeGroup) Min() int { return deref(g.MinSize, 0) }

// Max returns maxSize (validated to be present).
func (g NodeGroup) Max() int { return deref(g.MaxSize, 0) }

// Desired returns the initial desired size: desiredSize, else minSize.
func (g NodeGroup) Desired() int { return deref(g.DesiredSize, g.Min()) }

// Drain reports whether a self-managed group drains nodes through a
// termination lifecycle hook and the termination handler (default true).
func (g NodeGroup) Drain() bool {
	return g.Kind == KindSelfManaged && deref(g.DrainOnTermination, true)
}

// HopLimit returns the IMDSv2 hop limit (default 2, so pods that need
// instance metadata, like the autoscaler on the node role, still reach it).
func (g NodeGroup) HopLimit() int { return deref(g.ImdsHopLimit, 2) }

// IsSpot reports whether the group runs on Spot capacity, either through
// `capacityType: SPOT` or a `spot` block (self-managed).
func (g NodeGroup) IsSpot() bool { return g.CapacityType == "SPOT" || g.Spot != nil }

// Refresh returns the instance refresh settings of a self-managed group;
// refresh is on by default so AMI and launch template changes roll out.
func (g NodeGroup) Refresh() InstanceRefresh {
	if g.InstanceRefresh != nil {
		return *g.InstanceRefresh
	}
	var r InstanceRefresh
	r.setDefaults()
	return r
}

// SpotSettings returns the mixed instances settings of a Spot self-managed
// group (defaults when only `capacityType: SPOT` is given).
func (g NodeGroup) SpotSettings() Spot {
	if g.Spot != nil {
		return *g.Spot
	}
	var s Spot
	s.setDefaults()
	return s
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// Taint is a Kubernetes node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

// RootVolume is the node root (AL2023, AL2) or data (Bottlerocket) volume.
type RootVolume struct {
	SizeGiB   int    `json:"sizeGiB"`
	Type      string `json:"type"`
	Encrypted bool   `json:"encrypted"`
	// KMSKeyARN optionally encrypts the volume with a customer-managed key.
	KMSKeyARN string `json:"kmsKeyArn"`
}

// Spot is the mixed instances policy of a Spot self-managed group.
type Spot struct {
	OnDemandBaseCapacity                int    `json:"onDemandBaseCapacity"`
	OnDemandPercentageAboveBaseCapacity int    `json:"onDemandPercentageAboveBaseCapacity"`
	AllocationStrategy                  string `json:"allocationStrategy"`
}

func (s *Spot) setDefaults() { s.AllocationStrategy = "price-capacity-optimized" }

// InstanceRefresh controls rolling replacement of a self-managed group's
// instances when its launch template changes.
type InstanceRefresh struct {
	Enabled              bool `json:"enabled"`
	MinHealthyPercentage int  `json:"minHealthyPercentage"`
	// MaxHealthyPercentage above 100 launches replacements before
	// terminating (100-200).
	MaxHealthyPercentage int `json:"maxHealthyPercentage"`
	// InstanceWarmupSeconds is how long a new instance takes to be ready.
	InstanceWarmupSeconds int `json:"instanceWarmupSeconds"`
	// CheckpointPercentages pause the refresh when that share of the
	// group is replaced (ascending, the last one 100), for
	// CheckpointDelaySeconds each.
	CheckpointPercentages  []int `json:"checkpointPercentages"`
	CheckpointDelaySeconds int   `json:"checkpointDelaySeconds"`
	// AutoRollback returns the group to its previous launch template
	// version when the refresh fails.
	AutoRollback bool `json:"autoRollback"`
}

func (r *InstanceRefresh) setDefaults() {
	r.Enabled = true
	r.MinHealthyPercentage = 90
	r.MaxHealthyPercentage = 100
	r.InstanceWarmupSeconds = 300
}

// WarmPool keeps pre-initialised instances for faster scale-out.
type WarmPool struct {
	MinSize                  int    `json:"minSize"`
	State                    string `json:"state"`
	MaxGroupPreparedCapacity *int   `json:"maxGroupPreparedCapacity"`
}

func (w *WarmPool) setDefaults() { w.State = "Stopped" }

// UpdateConfig is how many nodes a managed group replaces at once.
type UpdateConfig struct {
	MaxUnavailable           int `json:"maxUnavailable"`
	MaxUnavailablePercentage int `json:"maxUnavailablePercentage"`
}

// MaxPods is `maxPods: auto | integer`.
type MaxPods struct {
	// Auto computes max pods from the instance types and the CNI mode.
	Auto bool
	// Value is the explicit limit when Auto is false.
	Value int
}

func (m *MaxPods) decodeConfigValue(v any) error {
	if s, ok := v.(string); ok {
		if strings.EqualFold(s, "auto") {
			*m = MaxPods{Auto: true}
			return nil
		}
		return fmt.Errorf(`must be "auto" or a whole number of pods`)
	}
	n, err := toInt(v)
	if err != nil {
		return fmt.Errorf(`must be "auto" or a whole number of pods`)
	}
	*m = MaxPods{Value: int(n)}
	return nil
}

// MarshalJSON renders MaxPods the way a user writes it.
func (m MaxPods) MarshalJSON() ([]byte, error) {
	if m.Auto {
		return json.Marshal("auto")
	}
	return json.Marshal(m.Value)
}

// Autoscaler kinds (autoscaler.kind).
const (
	AutoscalerClusterAutoscaler = "cluster-autoscaler"
	AutoscalerKarpenter         = "karpenter"
)

// Autoscaler is `eksfleet:autoscaler`: which autoscaler runs (the Cluster
// Autoscaler over the node groups, or Karpenter over nodePools) and its
// settings.
type Autoscaler struct {
	// Kind is cluster-autoscaler (default) or karpenter.
	Kind string `json:"kind"`
	// Karpenter holds Karpenter's settings (kind karpenter).
	Karpenter Karpenter `json:"karpenter"`
	// Enabled decides whether the program installs the in-cluster charts
	// (it then talks to the Kubernetes API); the AWS side is always built.
	Enabled                  bool   `json:"enabled"`
	ChartVersion             string `json:"chartVersion"`
	Expander                 string `json:"expander"`
	BalanceSimilarNodeGroups bool   `json:"balanceSimilarNodeGroups"`
	ScaleDownUnneededTime    string `json:"scaleDownUnneededTime"`
}
