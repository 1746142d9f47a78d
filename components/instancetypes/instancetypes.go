// Package instancetypes knows the EC2 instance types EKS nodes run on: their
// network limits (for max pods) and their compute shape (for architecture
// checks and Cluster Autoscaler node templates).
//
// The table is generated, never hand-typed. `go generate` runs ./gen, which
// joins upstream generated tables:
//
//   - ENIs (default network card), IPv4 addresses per ENI, Nitro and bare
//     metal from the VPC CNI (github.com/aws/amazon-vpc-cni-k8s pkg/vpc, from
//     the Go module proxy), the component that actually assigns pod IPs;
//   - vCPU, memory, GPUs and architecture from Karpenter's generated
//     instance-type reference (read from ../shared/upstream at generate
//     time), and for the few types it does not list (retired families,
//     Macs) from Cluster Autoscaler's AWS provider table
//     (k8s.io/autoscaler/cluster-autoscaler cloudprovider/aws). Both are
//     EC2 DescribeInstanceTypes figures and agree wherever both list a type.
//
// The exact versions are in VPCCNISource, KarpenterSource and
// ClusterAutoscalerSource.
//
// A type may be in one source only. It is still listed; the missing half is
// reported where it is needed: MaxPods fails without network limits, and
// fails without a vCPU count only when the 110/250 cap has to be chosen.
// Callers checking architecture must treat Info.HasCompute() == false as
// "unknown", not as a mismatch to ignore.
package instancetypes

//go:generate go run ./gen -out zz_generated_instancetypes.go

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Info describes one EC2 instance type. Zero values mean "not in the source
// that provides this field"; see HasNetworkLimits and HasCompute.
type Info struct {
	Name      string
	VCPU      int
	MemoryMiB int64
	GPU       int
	// GPUManufacturer is "nvidia" or "amd" (Karpenter's label values) when
	// GPU > 0 and the source says; "" otherwise.
	GPUManufacturer string
	Architecture    string // "x86_64" or "arm64" (EC2 names; amd64 is mapped to x86_64)
	ENIs            int    // network interfaces on the default network card
	IPv4PerENI      int
	Nitro           bool
	BareMetal       bool
}

// HasNetworkLimits reports whether the VPC CNI table lists the type.
func (i Info) HasNetworkLimits() bool { return i.ENIs > 0 && i.IPv4PerENI > 0 }

// HasCompute reports whether a compute source (Karpenter's page or Cluster
// Autoscaler's table) gives the type's vCPU count and memory.
func (i Info) HasCompute() bool { return i.VCPU > 0 && i.MemoryMiB > 0 }

// GPUResource returns the Kubernetes extended resource the type's GPUs are
// advertised as by their device plugin ("nvidia.com/gpu" or "amd.com/gpu"),
// or "" when it has none or the manufacturer is not known.
func (i Info) GPUResource() string {
	if i.GPU <= 0 {
		return ""
	}
	switch i.GPUManufacturer {
	case "nvidia":
		return "nvidia.com/gpu"
	case "amd":
		return "amd.com/gpu"
	}
	return ""
}

// KubernetesArch returns the architecture as the kubernetes.io/arch label
// spells it ("amd64" or "arm64"), or "" when unknown.
func (i Info) KubernetesArch() string {
	switch i.Architecture {
	case "x86_64":
		return "amd64"
	case "arm64":
		return "arm64"
	}
	return ""
}

// Lookup returns the table entry for an instance type such as "m5.large".
func Lookup(instanceType string) (Info, bool) {
	i := sort.Search(len(table), func(i int) bool { return table[i].Name >= instanceType })
	if i < len(table) && table[i].Name == instanceType {
		return table[i], true
	}
	return Info{}, false
}

// Names returns every instance type in the table, sorted.
func Names() []string {
	out := make([]string, len(table))
	for i := range table {
		out[i] = table[i].Name
	}
	return out
}

// NetworkMode is the VPC CNI configuration that changes how many pod IPs a
// node gets.
type NetworkMode struct {
	// CustomNetworking: pods use ENIs in other subnets, so the primary ENI
	// hosts no pods (one ENI fewer).
	CustomNetworking bool
	// PrefixDelegation: each secondary IPv4 slot holds a /28 prefix (16
	// addresses). The VPC CNI does this on Nitro and bare metal types and
	// falls back to secondary IPs elsewhere; max-pods-calculator.sh counts
	// prefixes on Nitro types only.
	PrefixDelegation bool
}

// Caps on max pods that EKS recommends (amazon-eks-ami max-pods-calculator.sh):
// 110 for up to 30 vCPUs, 250 above.
const (
	MaxPodsSmallCap       = 110
	MaxPodsLargeCap       = 250
	largeCapVCPUThreshold = 30
	ipsPerPrefix          = 16
	// hostNetworkPods are aws-node and kube-proxy, which use the node's IP.
	hostNetworkPods = 2
)

// ErrUnknownInstanceType is wrapped by errors for types missing from the table.
var ErrUnknownInstanceType = errors.New("unknown instance type")

// ErrIncompleteData is wrapped by errors for types the table lists without
// the data a computation needs.
var ErrIncompleteData = errors.New("incomplete instance type data")

// MaxPods returns the kubelet max pods for one instance type under the given
// VPC CNI mode, as amazon-eks-ami's max-pods-calculator.sh computes it (see
// Calculate). Warnings about the result are returned by MaxPodsWarnings.
func MaxPods(instanceType string, mode NetworkMode) (int, error) {
	info, ok := Lookup(instanceType)
	if !ok {
		return 0, fmt.Errorf("instance type %q: %w: it is in none of %s, %s, %s; check the spelling or set maxPods to a number",
			instanceType, ErrUnknownInstanceType, VPCCNISource, KarpenterSource, ClusterAutoscalerSource)
	}
	c, err := Calculate(info, mode)
	return c.Pods, err
}

// Calculation is max pods for one instance type and how it was reached.
type Calculation struct {
	// Pods is the recommended max pods: Uncapped, capped at 110 or 250.
	Pods int
	// Uncapped is ENIs*slots+2, what --show-max-allowed prints.
	Uncapped int
	// SecondaryIPFallback: prefix delegation was asked for, but the
	// calculator counted secondary IPs, as the type's hypervisor is not
	// nitro.
	SecondaryIPFallback bool
	// Warning explains a result a person should know about; "" if none.
	Warning string
}

// Calculate follows max-pods-calculator.sh (awslabs/amazon-eks-ami,
// templates/al2/runtime/max-pods-calculator.sh, for VPC CNI 1.9 and later)
// for one table entry:
//
//	enis  = ENIs of the default network card, one fewer with custom networking
//	pods  = enis*((IPv4-1)*16)+2   prefix delegation on a nitro hypervisor
//	pods  = enis*(IPv4-1)+2        otherwise (also prefix delegation on Xen
//	                               or bare metal: the script counts secondary IPs)
//	max   = min(pods, 250) above 30 vCPUs, else min(pods, 110)
//
// The +2 covers aws-node and kube-proxy, which use the host network. The
// vCPU count is needed only when pods exceeds 110. Where the VPC CNI itself
// behaves differently (it falls back to secondary IPs off Nitro; it uses
// prefixes on bare metal), or custom networking leaves no ENI for pods,
// Warning says so; the number is still the calculator's.
func Calculate(info Info, mode NetworkMode) (Calculation, error) {
	var c Calculation
	if !info.HasNetworkLimits() {
		return c, fmt.Errorf("instance type %q: %w: %s has no ENI/IPv4 limits for it, so max pods cannot be computed; set maxPods to a number",
			info.Name, ErrIncompleteData, VPCCNISource)
	}
	enis := info.ENIs
	if mode.CustomNetworking {
		enis--
	}
	slots := info.IPv4PerENI - 1
	prefixes := mode.PrefixDelegation && info.Nitro
	if prefixes {
		slots *= ipsPerPrefix
	}
	c.Uncapped = enis*slots + hostNetworkPods
	c.SecondaryIPFallback = mode.PrefixDelegation && !prefixes
	pods, err := capped(info, c.Uncapped)
	if err != nil {
		return Calculation{}, err
	}
	c.Pods = pods
	switch {
	case enis < 1:
		c.Warning = fmt.Sprintf("%s: custom networking leaves it no ENI for pods (it has %d on its default network card): max pods is %d, aws-node and kube-proxy only; choose a type with more ENIs",
			info.Name, info.ENIs, c.Pods)
	case c.SecondaryIPFallback && !info.BareMetal:
		c.Warning = fmt.Sprintf("%s is not a Nitro instance type: the VPC CNI does not use prefix delegation on it and falls back to secondary IPs, so max pods is %d (max-pods-calculator.sh's secondary-IP count); choose a Nitro type for prefix delegation",
			info.Name, c.Pods)
	case c.SecondaryIPFallback:
		// Bare metal: the VPC CNI assigns prefixes, the calculator counts
		// secondary IPs. Worth a word only where the caps do not hide it.
		if withPrefixes, err := capped(info, enis*slots*ipsPerPrefix+hostNetworkPods); err == nil && withPrefixes != c.Pods {
			c.Warning = fmt.Sprintf("%s is bare metal: the VPC CNI assigns prefixes on it, but max-pods-calculator.sh counts secondary IPs, so max pods is %d, not %d; set maxPods to a number to allow more",
				info.Name, c.Pods, withPrefixes)
		}
	}
	return c, nil
}

// capped applies the calculator's cap to an uncapped max pods: 110 up to
// 30 vCPUs, 250 above. The vCPU count is needed only above 110.
func capped(info Info, uncapped int) (int, error) {
	if uncapped <= MaxPodsSmallCap {
		return uncapped, nil
	}
	if !info.HasCompute() {
		return 0, fmt.Errorf("instance type %q: %w: neither %s nor %s gives its vCPU count, so the %d/%d max pods cap cannot be chosen; set maxPods to a number",
			info.Name, ErrIncompleteData, KarpenterSource, ClusterAutoscalerSource, MaxPodsSmallCap, MaxPodsLargeCap)
	}
	if info.VCPU > largeCapVCPUThreshold {
		return min(uncapped, MaxPodsLargeCap), nil
	}
	return MaxPodsSmallCap, nil
}

// MaxPodsWarnings returns Calculate's warnings for the known types among
// instanceTypes, in order, one per type.
func MaxPodsWarnings(instanceTypes []string, mode NetworkMode) []string {
	var out []string
	for _, t := range instanceTypes {
		info, ok := Lookup(t)
		if !ok {
			continue
		}
		if c, err := Calculate(info, mode); err == nil && c.Warning != "" {
			out = append(out, c.Warning)
		}
	}
	return out
}

// MaxPodsFor returns the smallest MaxPods over several instance types (a
// mixed-instances group must not promise more pods than its smallest member
// can hold). The error lists every unknown type at once.
func MaxPodsFor(instanceTypes []string, mode NetworkMode) (int, error) {
	if len(instanceTypes) == 0 {
		return 0, errors.New("no instance types given")
	}
	var unknown []string
	var errs []error
	result := 0
	for _, t := range instanceTypes {
		n, err := MaxPods(t, mode)
		switch {
		case errors.Is(err, ErrUnknownInstanceType):
			unknown = append(unknown, fmt.Sprintf("%q", t))
		case err != nil:
			errs = append(errs, err)
		case result == 0 || n < result:
			result = n
		}
	}
	if len(unknown) > 0 {
		errs = append([]error{fmt.Errorf("%w: %s (in none of %s, %s, %s); check the spelling or set maxPods to a number",
			ErrUnknownInstanceType, strings.Join(unknown, ", "), VPCCNISource, KarpenterSource, ClusterAutoscalerSource)}, errs...)
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return result, nil
}
