package nodespec

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/instancetypes"
)

// Tag keys the Cluster Autoscaler (cloudprovider/aws, aws_manager.go),
// Kubernetes and aws-node-termination-handler read from Auto Scaling Groups.
const (
	// ClusterTagPrefix + cluster = "owned" marks resources of the cluster;
	// propagated so instances carry it too.
	ClusterTagPrefix = "kubernetes.io/cluster/"
	// AutoscalerEnabledTag = "true" and AutoscalerTagPrefix + cluster =
	// "owned" are the autoscaler's auto-discovery tags
	// (--node-group-auto-discovery=asg:tag=…); the values are the ones the
	// autoscaler's IAM condition matches exactly.
	AutoscalerEnabledTag = "k8s.io/cluster-autoscaler/enabled"
	AutoscalerTagPrefix  = "k8s.io/cluster-autoscaler/"
	// Scale-from-zero node templates: what a node of the group would look
	// like, for an ASG with no running node to copy.
	NodeTemplateLabelPrefix    = "k8s.io/cluster-autoscaler/node-template/label/"
	NodeTemplateTaintPrefix    = "k8s.io/cluster-autoscaler/node-template/taint/"
	NodeTemplateResourcePrefix = "k8s.io/cluster-autoscaler/node-template/resources/"
	// NTHManagedTag marks ASGs whose lifecycle events the termination
	// handler (queue mode) acts on; only the key is checked.
	NTHManagedTag = "aws-node-termination-handler/managed"
	// NameTag names the instances in the EC2 console.
	NameTag = "Name"

	// MaxASGTags is the EC2 Auto Scaling limit of tags per group.
	MaxASGTags = 50
	// Tag key and value limits of EC2 Auto Scaling.
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// Tag is one Auto Scaling Group tag.
type Tag struct {
	Key               string
	Value             string
	PropagateAtLaunch bool
}

// Scheduling is what a group's nodes register with Kubernetes: their labels
// and taints. It is the one source both the kubelet settings (user data, or
// the EKS node group API) and the autoscaler's node-template tags are
// written from, so the autoscaler never simulates a node that differs from
// the real one.
type Scheduling struct {
	Labels map[string]string
	Taints []bootstrap.Taint
}

// NodeScheduling returns the labels and taints of a group's nodes: the
// configured ones plus eks.amazonaws.com/capacityType, which the bootstrap
// package writes into self-managed nodes' kubelet settings
// (bootstrap.NodeLabels) and EKS sets on managed nodes itself, so a pod
// selecting SPOT capacity can scale either kind of group from zero.
func NodeScheduling(labels map[string]string, taints []bootstrap.Taint, spot, mixedCapacity bool) Scheduling {
	return Scheduling{
		Labels: bootstrap.NodeLabels(bootstrap.Input{Node: bootstrap.Node{Labels: labels}, Spot: spot, MixedCapacity: mixedCapacity}),
		Taints: slices.Clone(taints),
	}
}

// Resources are a node's allocatable resources as the autoscaler should
// assume them when the group has no node to copy. Zero fields are not
// tagged: the autoscaler then takes them from the instance type itself
// (its own table, or EC2 DescribeInstanceTypes).
type Resources struct {
	CPU                 int   // vCPUs
	MemoryMiB           int64 // instance memory
	EphemeralStorageGiB int   // the kubelet's volume
	Pods                int   // kubelet max pods
	// GPU is the number of GPUs, advertised as GPUResource
	// ("nvidia.com/gpu" or "amd.com/gpu").
	GPU         int
	GPUResource string
}

// TemplateResources returns the node template resources of a group: for
// several instance types the smallest vCPU count, memory and GPU count
// among them (the autoscaler simulates only the first override, so
// promising the smallest never makes it scale up a group whose nodes cannot
// hold the pod). CPU, memory and GPUs are left out when any type lacks
// compute data (see WithoutCompute), as the smallest is then unknown; GPUs
// also when the types' GPUs are not all of one known kind.
func TemplateResources(instanceTypes []string, ephemeralStorageGiB, maxPods int) Resources {
	base := Resources{EphemeralStorageGiB: ephemeralStorageGiB, Pods: maxPods}
	if len(instanceTypes) == 0 || len(WithoutCompute(instanceTypes)) > 0 {
		return base
	}
	r := base
	for i, t := range instanceTypes {
		info, _ := instancetypes.Lookup(t)
		if i == 0 {
			r.CPU, r.MemoryMiB, r.GPU, r.GPUResource = info.VCPU, info.MemoryMiB, info.GPU, info.GPUResource()
			continue
		}
		r.CPU = min(r.CPU, info.VCPU)
		r.MemoryMiB = min(r.MemoryMiB, info.MemoryMiB)
		if info.GPUResource() != r.GPUResource {
			r.GPUResource = ""
		}
		r.GPU = min(r.GPU, info.GPU)
	}
	if r.GPU == 0 || r.GPUResource == "" {
		r.GPU, r.GPUResource = 0, ""
	}
	return r
}

// WithoutCompute returns the instance types, in order, that the instance
// table has no vCPU and memory for (unknown types included): a group
// listing any gets no cpu, memory or GPU node-template tags.
func WithoutCompute(instanceTypes []string) []string {
	var out []string
	for _, t := range instanceTypes {
		if info, ok := instancetypes.Lookup(t); !ok || !info.HasCompute() {
			out = append(out, t)
		}
	}
	return out
}

// TagInput describes the group whose ASG tags ASGTags computes.
type TagInput struct {
	// ClusterName is the EKS cluster name.
	ClusterName string
	// Name is the Name tag of a self-managed group's instances.
	Name string
	// Managed selects the tags for the ASG EKS creates for a managed node
	// group: only the autoscaler's, as EKS owns the rest of that ASG.
	Managed bool
	// Autoscaling adds the discovery and node-template tags.
	Autoscaling bool
	// Drain adds the termination handler's tag (self-managed only).
	Drain      bool
	Scheduling Scheduling
	Resources  Resources
	// UserTags are propagated to instances (self-managed only).
	UserTags map[string]string
}

// eksOwnedTags are the tags EKS itself puts on a managed node group's ASG.
// They count against the 50-tag limit, and ours must not fight them.
func eksOwnedTags(cluster string) []string {
	return []string{"eks:cluster-name", "eks:nodegroup-name", ClusterTagPrefix + cluster, AutoscalerEnabledTag, AutoscalerTagPrefix + cluster}
}

// ASGTags returns the tags of a node group's Auto Scaling Group, sorted by
// key:
//
//   - self-managed: Name (over a user tag of that key),
//     kubernetes.io/cluster/<cluster>=owned and the user's tags, all
//     propagated to instances; with Drain,
//     aws-node-termination-handler/managed (propagated);
//   - with Autoscaling, on both kinds: k8s.io/cluster-autoscaler/enabled=true,
//     k8s.io/cluster-autoscaler/<cluster>=owned, and the node-template tags:
//     label/<key>=<value> per label, taint/<key>=<value>:<Effect> per taint
//     (":<Effect>" without value, as the autoscaler ignores a value without
//     the colon) and resources/{cpu,memory,ephemeral-storage,pods} plus
//     resources/nvidia.com/gpu (or amd.com/gpu) for GPU types. These
//     are read from the ASG itself, so they are not propagated.
//
// It refuses what the autoscaler or Auto Scaling would silently mangle: a
// key containing "eks:" on a self-managed group (the autoscaler turns it
// into a label and calls the EKS API for it), two taints on one key (one
// tag per key), keys or values over the Auto Scaling limits, and more than
// 50 tags (counting, on a managed group, the ones EKS adds).
func ASGTags(in TagInput) ([]Tag, error) {
	if in.ClusterName == "" {
		return nil, errors.New("cluster name is empty; the ownership and discovery tags are keyed on it")
	}
	byKey := map[string]Tag{}
	var errs []error
	add := func(key, value string, propagate bool) {
		if prev, dup := byKey[key]; dup && prev.Value != value {
			errs = append(errs, fmt.Errorf("tag %q is set twice, to %q and %q", key, prev.Value, value))
			return
		}
		byKey[key] = Tag{Key: key, Value: value, PropagateAtLaunch: propagate}
	}

	if !in.Managed {
		for _, k := range sortedKeys(in.UserTags) {
			if k == NameTag && in.Name != "" {
				// The group's own Name wins, so instances of different
				// groups stay distinguishable even under a stack-wide Name.
				continue
			}
			if err := checkUserTagKey(k); err != nil {
				errs = append(errs, err)
				continue
			}
			add(k, in.UserTags[k], true)
		}
		if in.Name != "" {
			add(NameTag, in.Name, true)
		}
		add(ClusterTagPrefix+in.ClusterName, "owned", true)
		if in.Drain {
			add(NTHManagedTag, "true", true)
		}
	} else if in.Drain {
		errs = append(errs, errors.New("drain on termination is for self-managed groups; EKS drains managed nodes itself"))
	}

	if in.Autoscaling {
		add(AutoscalerEnabledTag, "true", false)
		add(AutoscalerTagPrefix+in.ClusterName, "owned", false)
		for _, k := range sortedKeys(in.Scheduling.Labels) {
			add(NodeTemplateLabelPrefix+k, in.Scheduling.Labels[k], false)
		}
		seenTaint := map[string]bool{}
		for _, t := range in.Scheduling.Taints {
			if seenTaint[t.Key] {
				errs = append(errs, fmt.Errorf("taint %q appears with two effects; the autoscaler's node template holds one tag, so one effect, per taint key", t.Key))
				continue
			}
			seenTaint[t.Key] = true
			add(NodeTemplateTaintPrefix+t.Key, t.Value+":"+t.Effect, false)
		}
		r := in.Resources
		if r.CPU > 0 {
			add(NodeTemplateResourcePrefix+"cpu", strconv.Itoa(r.CPU), false)
		}
		if r.MemoryMiB > 0 {
			add(NodeTemplateResourcePrefix+"memory", strconv.FormatInt(r.MemoryMiB, 10)+"Mi", false)
		}
		if r.EphemeralStorageGiB > 0 {
			add(NodeTemplateResourcePrefix+"ephemeral-storage", strconv.Itoa(r.EphemeralStorageGiB)+"Gi", false)
		}
		if r.Pods > 0 {
			add(NodeTemplateResourcePrefix+"pods", strconv.Itoa(r.Pods), false)
		}
		if r.GPU > 0 && r.GPUResource != "" {
			add(NodeTemplateResourcePrefix+r.GPUResource, strconv.Itoa(r.GPU), false)
		}
	}

	tags := make([]Tag, 0, len(byKey))
	for _, k := range sortedKeys(byKey) {
		t := byKey[k]
		if len(t.Key) > maxTagKeyLen {
			errs = append(errs, fmt.Errorf("tag key %q is %d characters; Auto Scaling allows %d (shorten the label or taint key)", t.Key, len(t.Key), maxTagKeyLen))
		}
		if len(t.Value) > maxTagValueLen {
			errs = append(errs, fmt.Errorf("tag %q: value is %d characters; Auto Scaling allows %d", t.Key, len(t.Value), maxTagValueLen))
		}
		tags = append(tags, t)
	}
	total := len(tags)
	if in.Managed {
		for _, k := range eksOwnedTags(in.ClusterName) {
			if _, ours := byKey[k]; !ours {
				total++
			}
		}
	}
	if total > MaxASGTags {
		errs = append(errs, fmt.Errorf("the Auto Scaling Group would carry %d tags, over the limit of %d (%d labels, %d taints, %d user tags); remove labels, taints or tags",
			total, MaxASGTags, len(in.Scheduling.Labels), len(in.Scheduling.Taints), len(in.UserTags)))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return tags, nil
}

func checkUserTagKey(k string) error {
	switch {
	case k == "" || len(k) > maxTagKeyLen:
		return fmt.Errorf("tag key %q must be 1-%d characters", k, maxTagKeyLen)
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return fmt.Errorf("tag key %q uses the reserved aws: prefix", k)
	case strings.Contains(k, "eks:"):
		return fmt.Errorf("tag key %q contains \"eks:\": the Cluster Autoscaler reads such keys on an ASG as EKS node group tags and calls the EKS API for them; rename it", k)
	case strings.HasPrefix(k, ClusterTagPrefix) || strings.HasPrefix(k, AutoscalerTagPrefix) || k == NTHManagedTag:
		return fmt.Errorf("tag key %q is managed by the node group (cluster ownership, autoscaler or termination handler); remove it from the tags", k)
	}
	return nil
}

// taintTagRE is the autoscaler's own test for a node-template taint value
// (extractTaintsFromAsg): a value without ":<Effect>" is skipped.
var taintTagRE = regexp.MustCompile(`^(.*):(NoSchedule|NoExecute|PreferNoSchedule)$`)

// NodeTemplate reads the labels and taints back from node-template tags the
// way the Cluster Autoscaler does (extractLabelsFromAsg,
// extractTaintsFromAsg), taints sorted by key. Tests and policy checks use
// it to compare an ASG's tags with what the kubelet registers.
func NodeTemplate(tags []Tag) Scheduling {
	s := Scheduling{Labels: map[string]string{}}
	for _, t := range tags {
		switch {
		case strings.HasPrefix(t.Key, NodeTemplateLabelPrefix):
			s.Labels[strings.TrimPrefix(t.Key, NodeTemplateLabelPrefix)] = t.Value
		case strings.HasPrefix(t.Key, NodeTemplateTaintPrefix):
			if m := taintTagRE.FindStringSubmatch(t.Value); m != nil {
				s.Taints = append(s.Taints, bootstrap.Taint{Key: strings.TrimPrefix(t.Key, NodeTemplateTaintPrefix), Value: m[1], Effect: m[2]})
			}
		}
	}
	sort.Slice(s.Taints, func(i, j int) bool { return s.Taints[i].Key < s.Taints[j].Key })
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
