package spec

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/nodespec"
)

// API identifiers of the Karpenter v1 objects eksfleet writes.
const (
	NodePoolAPIVersion     = "karpenter.sh/v1"
	NodePoolKind           = "NodePool"
	NodeClassAPIVersion    = "karpenter.k8s.aws/v1"
	NodeClassGroup         = "karpenter.k8s.aws"
	NodeClassKind          = "EC2NodeClass"
	defaultConsolidateWait = "1m"
	// bottlerocketOSVolumeGiB is the OS volume Karpenter gives Bottlerocket
	// nodes by default.
	bottlerocketOSVolumeGiB = 4
)

// The types below mirror the subset of Karpenter's v1 API (sigs.k8s.io/
// karpenter pkg/apis/v1 NodePool; aws/karpenter-provider-aws pkg/apis/v1
// EC2NodeClass) eksfleet writes, with the same JSON names. Our own types
// keep the Kubernetes libraries out of the Pulumi program; the conformance
// module strict-decodes every object the program produces into
// Karpenter's types and validates it against the CRD schemas.

// ObjectMeta is the metadata eksfleet sets.
type ObjectMeta struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// EC2NodeClass is karpenter.k8s.aws/v1 EC2NodeClass.
type EC2NodeClass struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Metadata   ObjectMeta       `json:"metadata"`
	Spec       EC2NodeClassSpec `json:"spec"`
}

// EC2NodeClassSpec is the node class's spec.
type EC2NodeClassSpec struct {
	AMISelectorTerms           []AMISelectorTerm    `json:"amiSelectorTerms"`
	SubnetSelectorTerms        []IDSelectorTerm     `json:"subnetSelectorTerms"`
	SecurityGroupSelectorTerms []IDSelectorTerm     `json:"securityGroupSelectorTerms"`
	InstanceProfile            string               `json:"instanceProfile"`
	UserData                   *string              `json:"userData,omitempty"`
	Tags                       map[string]string    `json:"tags,omitempty"`
	Kubelet                    *Kubelet             `json:"kubelet,omitempty"`
	MetadataOptions            MetadataOptions      `json:"metadataOptions"`
	BlockDeviceMappings        []BlockDeviceMapping `json:"blockDeviceMappings"`
	AssociatePublicIPAddress   *bool                `json:"associatePublicIPAddress,omitempty"`
	DetailedMonitoring         *bool                `json:"detailedMonitoring,omitempty"`
}

// AMISelectorTerm selects AMIs; eksfleet uses only aliases.
type AMISelectorTerm struct {
	Alias string `json:"alias"`
}

// IDSelectorTerm selects a subnet or security group by id (eksfleet does
// not own the VPC's tags, so it never selects by tag).
type IDSelectorTerm struct {
	ID string `json:"id"`
}

// Kubelet is the node class's kubelet settings Karpenter also uses to
// simulate scheduling.
type Kubelet struct {
	MaxPods *int32 `json:"maxPods,omitempty"`
}

// MetadataOptions are the instances' IMDS settings.
type MetadataOptions struct {
	HTTPEndpoint            string `json:"httpEndpoint"`
	HTTPProtocolIPv6        string `json:"httpProtocolIPv6"`
	HTTPPutResponseHopLimit int64  `json:"httpPutResponseHopLimit"`
	HTTPTokens              string `json:"httpTokens"`
}

// BlockDeviceMapping is one volume of the instances.
type BlockDeviceMapping struct {
	DeviceName string      `json:"deviceName"`
	EBS        BlockDevice `json:"ebs"`
	// RootVolume marks the volume whose size Karpenter counts as the
	// node's ephemeral storage.
	RootVolume bool `json:"rootVolume,omitempty"`
}

// BlockDevice is an EBS volume.
type BlockDevice struct {
	DeleteOnTermination bool   `json:"deleteOnTermination"`
	Encrypted           bool   `json:"encrypted"`
	IOPS                *int64 `json:"iops,omitempty"`
	KMSKeyID            string `json:"kmsKeyID,omitempty"`
	VolumeSize          string `json:"volumeSize,omitempty"`
	VolumeType          string `json:"volumeType"`
}

// NodeClassInput is what one pool's node class is built from.
type NodeClassInput struct {
	// Name names the EC2NodeClass (the pool's name).
	Name string
	// Family is AL2023 or Bottlerocket.
	Family bootstrap.Family
	// Release pins the AMI release (nodespec.ParseRelease); zero is latest.
	Release nodespec.Release
	// SubnetIDs and SecurityGroupIDs are selected by id.
	SubnetIDs, SecurityGroupIDs []string
	// InstanceProfile is the node instance profile's name.
	InstanceProfile string
	// UserData is eksfleet's rendered user data (raw, not base64), merged
	// by Karpenter with its own; "" for none.
	UserData string
	// Tags tag the instances, volumes, network interfaces and launch
	// templates Karpenter creates.
	Tags map[string]string
	// HopLimit is the IMDSv2 hop limit (tokens are always required).
	HopLimit int
	// Volume is the root (AL2023) or data (Bottlerocket) volume.
	Volume nodespec.Volume
	// MaxPods sets spec.kubelet.maxPods; 0 leaves Karpenter's own value.
	MaxPods int
}

// Alias returns the amiSelectorTerms alias for a family and pinned
// release (Karpenter docs, "amiSelectorTerms": al2023@v20240807,
// bottlerocket@v1.20.3; @latest when not pinned).
func Alias(f bootstrap.Family, r nodespec.Release) (string, error) {
	switch f {
	case "", bootstrap.AL2023:
		if r.IsZero() {
			return "al2023@latest", nil
		}
		return "al2023@v" + r.Date, nil
	case bootstrap.Bottlerocket:
		if r.IsZero() {
			return "bottlerocket@latest", nil
		}
		return "bottlerocket@v" + r.Version, nil
	}
	return "", fmt.Errorf("AMI family %q has no Karpenter alias eksfleet supports (AL2023, Bottlerocket)", f)
}

// NodeClass builds the EC2NodeClass: AMI by alias, subnets and security
// group by id, our instance profile, IMDSv2 required with the hop limit
// and IPv6 IMDS off, the family's encrypted volumes, no public IPs,
// detailed monitoring as our launch templates have it, and our user data.
func NodeClass(in NodeClassInput) (EC2NodeClass, error) {
	alias, err := Alias(in.Family, in.Release)
	if err != nil {
		return EC2NodeClass{}, err
	}
	switch {
	case in.Name == "":
		return EC2NodeClass{}, fmt.Errorf("node class: a name is required")
	case len(in.SubnetIDs) == 0 || len(in.SecurityGroupIDs) == 0:
		return EC2NodeClass{}, fmt.Errorf("node class %s: subnet and security group ids are required", in.Name)
	case in.InstanceProfile == "":
		return EC2NodeClass{}, fmt.Errorf("node class %s: the instance profile is required", in.Name)
	case in.HopLimit < 1 || in.HopLimit > 64:
		return EC2NodeClass{}, fmt.Errorf("node class %s: IMDS hop limit %d must be 1-64", in.Name, in.HopLimit)
	case in.MaxPods < 0:
		return EC2NodeClass{}, fmt.Errorf("node class %s: max pods %d must not be negative", in.Name, in.MaxPods)
	}
	devices, err := nodespec.BlockDevices(in.Family, in.Volume)
	if err != nil {
		return EC2NodeClass{}, fmt.Errorf("node class %s: %w", in.Name, err)
	}
	nc := EC2NodeClass{
		APIVersion: NodeClassAPIVersion,
		Kind:       NodeClassKind,
		Metadata:   ObjectMeta{Name: in.Name},
		Spec: EC2NodeClassSpec{
			AMISelectorTerms: []AMISelectorTerm{{Alias: alias}},
			InstanceProfile:  in.InstanceProfile,
			MetadataOptions: MetadataOptions{
				HTTPEndpoint:            "enabled",
				HTTPProtocolIPv6:        "disabled",
				HTTPPutResponseHopLimit: int64(in.HopLimit),
				HTTPTokens:              "required",
			},
			AssociatePublicIPAddress: ptr(false),
			DetailedMonitoring:       ptr(true),
		},
	}
	for _, id := range in.SubnetIDs {
		nc.Spec.SubnetSelectorTerms = append(nc.Spec.SubnetSelectorTerms, IDSelectorTerm{ID: id})
	}
	for _, id := range in.SecurityGroupIDs {
		nc.Spec.SecurityGroupSelectorTerms = append(nc.Spec.SecurityGroupSelectorTerms, IDSelectorTerm{ID: id})
	}
	for i, d := range devices {
		m := BlockDeviceMapping{DeviceName: d.DeviceName, EBS: BlockDevice{
			DeleteOnTermination: true, Encrypted: d.Encrypted, KMSKeyID: d.KMSKeyARN, VolumeType: d.Type,
		}}
		size := d.SizeGiB
		if size == 0 {
			// Launch templates may keep the snapshot's size; the
			// EC2NodeClass CRD requires volumeSize or snapshotID. Karpenter
			// sizes Bottlerocket's OS volume 4Gi by default (its docs,
			// "Default Block Device Mappings", Bottlerocket).
			size = bottlerocketOSVolumeGiB
		}
		m.EBS.VolumeSize = strconv.Itoa(size) + "Gi"
		if d.Iops > 0 {
			m.EBS.IOPS = ptr(int64(d.Iops))
		}
		// The last device carries the pool's volume settings: the root
		// volume (AL2023) or Bottlerocket's data volume, where the
		// kubelet's ephemeral storage lives.
		m.RootVolume = i == len(devices)-1
		nc.Spec.BlockDeviceMappings = append(nc.Spec.BlockDeviceMappings, m)
	}
	if in.UserData != "" {
		nc.Spec.UserData = ptr(in.UserData)
	}
	if len(in.Tags) > 0 {
		nc.Spec.Tags = in.Tags
	}
	if in.MaxPods > 0 {
		nc.Spec.Kubelet = &Kubelet{MaxPods: ptr(int32(in.MaxPods))}
	}
	return nc, nil
}

// NodePool is karpenter.sh/v1 NodePool.
type NodePool struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Metadata   ObjectMeta   `json:"metadata"`
	Spec       NodePoolSpec `json:"spec"`
}

// NodePoolSpec is the pool's spec.
type NodePoolSpec struct {
	Template   NodeClaimTemplate `json:"template"`
	Disruption Disruption        `json:"disruption"`
	Limits     map[string]string `json:"limits,omitempty"`
	Weight     *int32            `json:"weight,omitempty"`
}

// NodeClaimTemplate is what each node of the pool is made from.
type NodeClaimTemplate struct {
	Metadata *TemplateMetadata `json:"metadata,omitempty"`
	Spec     NodeClaimSpec     `json:"spec"`
}

// TemplateMetadata holds the nodes' labels.
type TemplateMetadata struct {
	Labels map[string]string `json:"labels,omitempty"`
}

// NodeClaimSpec is the nodes' requirements, node class, taints and
// lifetime.
type NodeClaimSpec struct {
	Requirements []Requirement `json:"requirements"`
	NodeClassRef NodeClassRef  `json:"nodeClassRef"`
	Taints       []Taint       `json:"taints,omitempty"`
	ExpireAfter  string        `json:"expireAfter,omitempty"`
}

// Requirement is a node selector requirement.
type Requirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

// NodeClassRef names the pool's EC2NodeClass.
type NodeClassRef struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
}

// Taint is a node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// Disruption is how Karpenter may replace the pool's nodes.
type Disruption struct {
	ConsolidationPolicy string   `json:"consolidationPolicy"`
	ConsolidateAfter    string   `json:"consolidateAfter"`
	Budgets             []Budget `json:"budgets,omitempty"`
}

// Budget limits how many nodes are disrupted at once.
type Budget struct {
	Nodes    string   `json:"nodes"`
	Schedule string   `json:"schedule,omitempty"`
	Duration string   `json:"duration,omitempty"`
	Reasons  []string `json:"reasons,omitempty"`
}

// Well-known labels the requirements use (Karpenter's
// pkg/apis/v1/labels.go and Kubernetes' well-known labels).
const (
	LabelArch             = "kubernetes.io/arch"
	LabelOS               = "kubernetes.io/os"
	LabelCapacityType     = "karpenter.sh/capacity-type"
	LabelInstanceCategory = "karpenter.k8s.aws/instance-category"
	LabelInstanceFamily   = "karpenter.k8s.aws/instance-family"
	LabelInstanceGen      = "karpenter.k8s.aws/instance-generation"
	LabelInstanceType     = "node.kubernetes.io/instance-type"
	LabelZone             = "topology.kubernetes.io/zone"
)

// PoolInput is what one NodePool is built from.
type PoolInput struct {
	Name string
	// Filter selects instance types.
	Filter Filter
	// CapacityTypes are ON_DEMAND and/or SPOT (config spelling).
	CapacityTypes []string
	// Zones limit the pool's zones; empty leaves the subnets' zones.
	Zones  []string
	Labels map[string]string
	Taints []bootstrap.Taint
	// Limits bound the pool's total resources (cpu, memory…).
	Limits     map[string]string
	Disruption Disruption
	// ExpireAfter is the nodes' maximum lifetime.
	ExpireAfter string
	// Weight orders pools (1-100); 0 leaves it unset.
	Weight int
}

// Pool builds the NodePool: requirements from the filters, labels, taints,
// limits, disruption and weight, pointing at the node class of the same
// name.
func Pool(in PoolInput) (NodePool, error) {
	if in.Name == "" {
		return NodePool{}, fmt.Errorf("node pool: a name is required")
	}
	if in.Weight < 0 || in.Weight > 100 {
		return NodePool{}, fmt.Errorf("node pool %s: weight %d must be 0-100", in.Name, in.Weight)
	}
	arch := in.Filter.Architectures
	if len(arch) == 0 {
		arch = []string{nodespec.ArchX86_64}
	}
	var karch []string
	for _, a := range arch {
		switch a {
		case nodespec.ArchX86_64:
			karch = append(karch, "amd64")
		case nodespec.ArchARM64:
			karch = append(karch, "arm64")
		default:
			return NodePool{}, fmt.Errorf("node pool %s: architecture %q must be x86_64 or arm64", in.Name, a)
		}
	}
	capacity := in.CapacityTypes
	if len(capacity) == 0 {
		capacity = []string{"ON_DEMAND"}
	}
	var kcap []string
	for _, c := range capacity {
		switch c {
		case "ON_DEMAND":
			kcap = append(kcap, "on-demand")
		case "SPOT":
			kcap = append(kcap, "spot")
		default:
			return NodePool{}, fmt.Errorf("node pool %s: capacity type %q must be ON_DEMAND or SPOT", in.Name, c)
		}
	}
	reqs := []Requirement{
		{Key: LabelOS, Operator: "In", Values: []string{"linux"}},
		{Key: LabelArch, Operator: "In", Values: sorted(karch)},
		{Key: LabelCapacityType, Operator: "In", Values: sorted(kcap)},
	}
	add := func(key string, values []string) {
		if len(values) > 0 {
			reqs = append(reqs, Requirement{Key: key, Operator: "In", Values: sorted(values)})
		}
	}
	add(LabelInstanceCategory, in.Filter.Categories)
	add(LabelInstanceFamily, in.Filter.Families)
	add(LabelInstanceType, in.Filter.Types)
	if g := in.Filter.MinGeneration; g > 0 {
		reqs = append(reqs, Requirement{Key: LabelInstanceGen, Operator: "Gt", Values: []string{strconv.Itoa(g - 1)}})
	}
	add(LabelZone, in.Zones)

	p := NodePool{
		APIVersion: NodePoolAPIVersion,
		Kind:       NodePoolKind,
		Metadata:   ObjectMeta{Name: in.Name},
		Spec: NodePoolSpec{
			Template: NodeClaimTemplate{Spec: NodeClaimSpec{
				Requirements: reqs,
				NodeClassRef: NodeClassRef{Group: NodeClassGroup, Kind: NodeClassKind, Name: in.Name},
				ExpireAfter:  in.ExpireAfter,
			}},
			Disruption: in.Disruption,
		},
	}
	if p.Spec.Disruption.ConsolidationPolicy == "" {
		p.Spec.Disruption.ConsolidationPolicy = "WhenEmptyOrUnderutilized"
	}
	if p.Spec.Disruption.ConsolidateAfter == "" {
		p.Spec.Disruption.ConsolidateAfter = defaultConsolidateWait
	}
	if len(in.Labels) > 0 {
		p.Spec.Template.Metadata = &TemplateMetadata{Labels: in.Labels}
	}
	for _, t := range in.Taints {
		p.Spec.Template.Spec.Taints = append(p.Spec.Template.Spec.Taints, Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	if len(in.Limits) > 0 {
		p.Spec.Limits = in.Limits
	}
	if in.Weight > 0 {
		p.Spec.Weight = ptr(int32(in.Weight))
	}
	return p, nil
}

func sorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

func ptr[T any](v T) *T { return &v }
