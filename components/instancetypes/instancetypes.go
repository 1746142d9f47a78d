// Package instancetypes knows the EC2 instance types EKS nodes run on: their
// network limits (for max pods) and their compute shape (for architecture
// checks and Cluster Autoscaler node templates).
//
// The table is generated, never hand-typed. `go generate` runs ./gen, which
// joins two upstream generated tables read from the Go module proxy:
//
//   - ENIs (default network card), IPv4 addresses per ENI, Nitro and bare
//     metal from the VPC CNI (github.com/aws/amazon-vpc-cni-k8s pkg/vpc), the
//     component that actually assigns pod IPs;
//   - vCPU, memory, GPU and architecture from Cluster Autoscaler's AWS
//     provider (k8s.io/autoscaler/cluster-autoscaler cloudprovider/aws), so
//     what we tag agrees with what the autoscaler simulates.
//
// The exact versions are in VPCCNISource and ClusterAutoscalerSource.
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
	Name         string
	VCPU         int
	MemoryMiB    int64
	GPU          int
	Architecture string // "x86_64" or "arm64" (EC2 names; CA's amd64 is mapped to x86_64)
	ENIs         int    // network interfaces on the default network card
	IPv4PerENI   int
	Nitro        bool
	BareMetal    bool
}

// HasNetworkLimits reports whether the VPC CNI table lists the type.
func (i Info) HasNetworkLimits() bool { return i.ENIs > 0 && i.IPv4PerENI > 0 }

// HasCompute reports whether Cluster Autoscaler's table lists the type.
func (i Info) HasCompute() bool { return i.VCPU > 0 }

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
	// addresses). Nitro or bare metal only.
	PrefixDelegation bool
}

// Caps on max pods that EKS recommends (amazon-eks-ami max-pods-calculator.sh):
// 110 for up to 30 vCPUs, 250 above.
const (
	MaxPodsSmallCap       = 110
	MaxPodsLargeCap       = 250
	largeCapVCPUThreshold = 30
	ipsPerPrefix          = 16
)

// ErrUnknownInstanceType is wrapped by errors for types missing from the table.
var ErrUnknownInstanceType = errors.New("unknown instance type")

// ErrIncompleteData is wrapped by errors for types the table lists without
// the data a computation needs.
var ErrIncompleteData = errors.New("incomplete instance type data")

// MaxPods returns the kubelet max pods for one instance type under the given
// VPC CNI mode, following max-pods-calculator.sh: ENIs*(IPs-1)+2 (the +2
// covers host-network aws-node and kube-proxy), one ENI fewer with custom
// networking, IPs-1 slots times 16 with prefix delegation, then capped at
// 110 (≤ 30 vCPUs) or 250.
func MaxPods(instanceType string, mode NetworkMode) (int, error) {
	info, ok := Lookup(instanceType)
	if !ok {
		return 0, fmt.Errorf("instance type %q: %w: it is in neither %s nor %s; check the spelling or set maxPods to a number",
			instanceType, ErrUnknownInstanceType, VPCCNISource, ClusterAutoscalerSource)
	}
	if !info.HasNetworkLimits() {
		return 0, fmt.Errorf("instance type %q: %w: %s has no ENI/IPv4 limits for it, so max pods cannot be computed; set maxPods to a number",
			instanceType, ErrIncompleteData, VPCCNISource)
	}
	if mode.PrefixDelegation && !info.Nitro && !info.BareMetal {
		return 0, fmt.Errorf("instance type %q: prefix delegation needs a Nitro or bare metal instance (the VPC CNI refuses it elsewhere); choose a Nitro type or disable prefix delegation", instanceType)
	}
	enis := info.ENIs
	if mode.CustomNetworking {
		enis--
		if enis < 1 {
			return 0, fmt.Errorf("instance type %q: custom networking leaves no ENI for pods (it has %d ENI); choose a larger type", instanceType, info.ENIs)
		}
	}
	slots := info.IPv4PerENI - 1
	if mode.PrefixDelegation {
		slots *= ipsPerPrefix
	}
	pods := enis*slots + 2
	if pods <= MaxPodsSmallCap {
		return pods, nil
	}
	if !info.HasCompute() {
		return 0, fmt.Errorf("instance type %q: %w: %s has no vCPU count for it, so the %d/%d max pods cap cannot be chosen; set maxPods to a number",
			instanceType, ErrIncompleteData, ClusterAutoscalerSource, MaxPodsSmallCap, MaxPodsLargeCap)
	}
	limit := MaxPodsSmallCap
	if info.VCPU > largeCapVCPUThreshold {
		limit = MaxPodsLargeCap
	}
	return min(pods, limit), nil
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
		errs = append([]error{fmt.Errorf("%w: %s (not in %s nor %s); check the spelling or set maxPods to a number",
			ErrUnknownInstanceType, strings.Join(unknown, ", "), VPCCNISource, ClusterAutoscalerSource)}, errs...)
	}
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return result, nil
}
