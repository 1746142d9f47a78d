package instancetypes

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

func TestMaxPods(t *testing.T) {
	def := NetworkMode{}
	cn := NetworkMode{CustomNetworking: true}
	pd := NetworkMode{PrefixDelegation: true}
	cnpd := NetworkMode{CustomNetworking: true, PrefixDelegation: true}
	tests := []struct {
		typ  string
		mode NetworkMode
		want int
	}{
		// m5.large: 3 ENIs x 10 IPv4, 2 vCPU.
		{"m5.large", def, 29},   // 3*9+2
		{"m5.large", cn, 20},    // 2*9+2
		{"m5.large", pd, 110},   // 3*144+2 = 434, capped at 110 (2 vCPU)
		{"m5.large", cnpd, 110}, // 2*144+2 = 290, capped
		// t3.micro: 2 ENIs x 2 IPv4.
		{"t3.micro", def, 4},
		{"t3.micro", cn, 3},
		{"t3.micro", pd, 34}, // 2*16+2
		// t3.medium: 3 x 6.
		{"t3.medium", def, 17},
		{"t3.medium", cn, 12},
		// c5.18xlarge: 15 x 50, 72 vCPU: 737 / 688 hit the 250 cap.
		{"c5.18xlarge", def, 250},
		{"c5.18xlarge", cn, 250},
		{"c5.18xlarge", pd, 250},
		// m5.24xlarge: 96 vCPU.
		{"m5.24xlarge", def, 250},
		// p4d.24xlarge has 4 network cards of 15 ENIs; only the default card counts.
		{"p4d.24xlarge", def, 250},
		// m5.8xlarge: 8 x 30, 32 vCPU > 30, so 234 uncapped stays.
		{"m5.8xlarge", def, 234},
		// m5.4xlarge: 8 x 30 = 234 but 16 vCPU: capped at 110.
		{"m5.4xlarge", def, 110},
		// Xen type without prefix delegation still works.
		{"m4.large", def, 20},
		// Prefix delegation off Nitro: the calculator (and the VPC CNI)
		// count secondary IPs.
		{"m4.large", pd, 20},
		{"t2.nano", cnpd, 3}, // (2-1)*(2-1)+2
		// 8th generation, vCPUs from Karpenter's page (refused before:
		// 118 needs the cap, and the cap needs the vCPU count).
		{"c8i.xlarge", def, 110}, // 4*29+2 = 118, 4 vCPU
		{"c8i.xlarge", cn, 89},   // 3*29+2
		{"c8i.xlarge", pd, 110},
		{"m8i.large", def, 59},   // 3*19+2
		{"m8i.large", cn, 40},    // 2*19+2
		{"c8gn.xlarge", def, 58}, // 4*14+2
		{"c8gn.xlarge", cnpd, 110},
		{"c8gn.48xlarge", def, 250}, // 12*49+2 = 590, 192 vCPU
		// One ENI on the default card: custom networking leaves none, and
		// the calculator says 2 (aws-node and kube-proxy).
		{"hpc6id.32xlarge", cn, 2},
		{"hpc6id.32xlarge", def, 51},
	}
	for _, tt := range tests {
		got, err := MaxPods(tt.typ, tt.mode)
		if err != nil {
			t.Errorf("MaxPods(%q, %+v): %v", tt.typ, tt.mode, err)
			continue
		}
		if got != tt.want {
			t.Errorf("MaxPods(%q, %+v) = %d, want %d", tt.typ, tt.mode, got, tt.want)
		}
	}
}

// TestMaxPodsUncappedAgreesWithENIMaxPods checks the standard formula against the
// eni-max-pods.txt lines the VPC CNI ships (uncapped), for a sample.
func TestMaxPodsUncappedAgreesWithENIMaxPods(t *testing.T) {
	// Values from aws/amazon-vpc-cni-k8s v1.23.2 misc/eni-max-pods.txt.
	want := map[string]int{"m5.large": 29, "t3.micro": 4, "c5.18xlarge": 737, "m5.24xlarge": 737, "p4d.24xlarge": 737}
	for typ, w := range want {
		info, ok := Lookup(typ)
		if !ok {
			t.Fatalf("%s missing", typ)
		}
		if got := info.ENIs*(info.IPv4PerENI-1) + 2; got != w {
			t.Errorf("%s: ENIs*(IPs-1)+2 = %d, eni-max-pods.txt says %d", typ, got, w)
		}
	}
}

func TestMaxPodsErrors(t *testing.T) {
	tests := []struct {
		typ     string
		mode    NetworkMode
		is      error
		contain []string
	}{
		{"m5.lrge", NetworkMode{}, ErrUnknownInstanceType, []string{`"m5.lrge"`, "set maxPods"}},
		// u-12tb1.112xlarge is in CA's table but not the VPC CNI's.
		{"u-12tb1.112xlarge", NetworkMode{}, ErrIncompleteData, []string{"ENI/IPv4", VPCCNISource}},
		// c5a.metal: 15*49+2 needs the cap, and no source has its vCPUs.
		{"c5a.metal", NetworkMode{}, ErrIncompleteData, []string{"vCPU", KarpenterSource, ClusterAutoscalerSource, "set maxPods"}},
	}
	for _, tt := range tests {
		_, err := MaxPods(tt.typ, tt.mode)
		if err == nil {
			t.Errorf("MaxPods(%q, %+v): no error", tt.typ, tt.mode)
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("MaxPods(%q): error %v is not %v", tt.typ, err, tt.is)
		}
		for _, c := range tt.contain {
			if !strings.Contains(err.Error(), c) {
				t.Errorf("MaxPods(%q): error %q lacks %q", tt.typ, err, c)
			}
		}
	}
}

// A type known to the VPC CNI but not to CA gets a max pods when no cap
// is needed, and a clear error when the cap depends on the vCPU count.
func TestMaxPodsWithoutCompute(t *testing.T) {
	var small, large string
	for _, n := range Names() {
		info, _ := Lookup(n)
		if info.HasCompute() || !info.HasNetworkLimits() {
			continue
		}
		if pods := info.ENIs*(info.IPv4PerENI-1) + 2; pods <= MaxPodsSmallCap && small == "" {
			small = n
		} else if pods > MaxPodsSmallCap && large == "" {
			large = n
		}
	}
	if small == "" || large == "" {
		t.Skip("the generated table has no network-only types of both sizes")
	}
	if _, err := MaxPods(small, NetworkMode{}); err != nil {
		t.Errorf("MaxPods(%q): %v", small, err)
	}
	_, err := MaxPods(large, NetworkMode{})
	if !errors.Is(err, ErrIncompleteData) || !strings.Contains(err.Error(), "vCPU") {
		t.Errorf("MaxPods(%q) = %v, want an incomplete-data error naming vCPU", large, err)
	}
}

func TestMaxPodsFor(t *testing.T) {
	got, err := MaxPodsFor([]string{"m5.xlarge", "m5.large", "c5.18xlarge"}, NetworkMode{})
	if err != nil || got != 29 {
		t.Errorf("MaxPodsFor = %d, %v; want 29 (m5.large is the smallest)", got, err)
	}
	got, err = MaxPodsFor([]string{"m5.large", "m5a.large"}, NetworkMode{CustomNetworking: true})
	if err != nil || got != 20 {
		t.Errorf("MaxPodsFor custom networking = %d, %v; want 20", got, err)
	}
	got, err = MaxPodsFor([]string{"m5.large", "m4.large"}, NetworkMode{PrefixDelegation: true})
	if err != nil || got != 20 {
		t.Errorf("MaxPodsFor prefix delegation with a Xen type = %d, %v; want 20 (m4.large falls back to secondary IPs)", got, err)
	}
	_, err = MaxPodsFor([]string{"m5.large", "bogus.large", "c5a.metal", "nope.xl"}, NetworkMode{PrefixDelegation: true})
	if err == nil {
		t.Fatal("no error for unknown types")
	}
	for _, c := range []string{`"bogus.large"`, `"nope.xl"`, `"c5a.metal"`, "vCPU"} {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q lacks %s", err, c)
		}
	}
	if !errors.Is(err, ErrUnknownInstanceType) {
		t.Errorf("error %v does not wrap ErrUnknownInstanceType", err)
	}
	if _, err := MaxPodsFor(nil, NetworkMode{}); err == nil {
		t.Error("no error for an empty list")
	}
}

func TestLookup(t *testing.T) {
	tests := map[string]Info{
		"m5.large":  {Name: "m5.large", VCPU: 2, MemoryMiB: 8192, Architecture: "x86_64", ENIs: 3, IPv4PerENI: 10, Nitro: true},
		"m6g.large": {Name: "m6g.large", VCPU: 2, MemoryMiB: 8192, Architecture: "arm64", ENIs: 3, IPv4PerENI: 10, Nitro: true},
		"t3.micro":  {Name: "t3.micro", VCPU: 2, MemoryMiB: 1024, Architecture: "x86_64", ENIs: 2, IPv4PerENI: 2, Nitro: true},
		"m4.large":  {Name: "m4.large", VCPU: 2, MemoryMiB: 8192, Architecture: "x86_64", ENIs: 2, IPv4PerENI: 10},
	}
	for name, want := range tests {
		got, ok := Lookup(name)
		if !ok || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", name, got, ok, want)
		}
	}
	p4d, _ := Lookup("p4d.24xlarge")
	if p4d.GPU != 8 || p4d.GPUManufacturer != "nvidia" || p4d.ENIs != 15 {
		t.Errorf("p4d.24xlarge = %+v, want 8 GPUs and 15 ENIs on the default card", p4d)
	}
	metal, _ := Lookup("m5.metal")
	if !metal.BareMetal {
		t.Errorf("m5.metal = %+v, want BareMetal", metal)
	}
	if got := metal.KubernetesArch(); got != "amd64" {
		t.Errorf("KubernetesArch = %q", got)
	}
	if _, ok := Lookup("m5.huge"); ok {
		t.Error("Lookup found a type that does not exist")
	}
	if _, ok := Lookup(""); ok {
		t.Error("Lookup found the empty name")
	}
}

func TestTableSortedAndConsistent(t *testing.T) {
	names := Names()
	if len(names) < 1000 {
		t.Fatalf("table has %d types; the sources list well over 1000", len(names))
	}
	if !sort.StringsAreSorted(names) {
		t.Fatal("table is not sorted; Lookup's binary search depends on it")
	}
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Fatalf("duplicate %q", names[i])
		}
	}
	for _, info := range table {
		if !info.HasNetworkLimits() && !info.HasCompute() {
			t.Errorf("%s has no data from either source", info.Name)
		}
		if info.HasCompute() && info.Architecture != "x86_64" && info.Architecture != "arm64" {
			t.Errorf("%s: architecture %q", info.Name, info.Architecture)
		}
	}
}

// Calculate on synthetic entries: every branch of max-pods-calculator.sh
// and every warning.
func TestCalculate(t *testing.T) {
	nitro := Info{Name: "n.large", VCPU: 2, MemoryMiB: 8192, ENIs: 3, IPv4PerENI: 10, Nitro: true}
	xen := Info{Name: "x.large", VCPU: 2, MemoryMiB: 8192, ENIs: 3, IPv4PerENI: 10}
	metalSmall := Info{Name: "s.metal", VCPU: 8, MemoryMiB: 8192, ENIs: 2, IPv4PerENI: 4, BareMetal: true}
	metalBig := Info{Name: "b.metal", VCPU: 96, MemoryMiB: 393216, ENIs: 15, IPv4PerENI: 50, BareMetal: true}
	oneENI := Info{Name: "one.32xlarge", VCPU: 64, MemoryMiB: 8192, ENIs: 1, IPv4PerENI: 50, Nitro: true}
	noCPU := Info{Name: "q.large", ENIs: 3, IPv4PerENI: 30, Nitro: true}
	pd := NetworkMode{PrefixDelegation: true}
	cn := NetworkMode{CustomNetworking: true}
	tests := []struct {
		name     string
		info     Info
		mode     NetworkMode
		pods     int
		uncapped int
		fallback bool
		warning  string // substring; "" means none
	}{
		{"nitro default", nitro, NetworkMode{}, 29, 29, false, ""},
		{"nitro prefixes, capped", nitro, pd, 110, 434, false, ""},
		{"xen prefixes: secondary IPs, warned", xen, pd, 29, 29, true, "falls back to secondary IPs"},
		{"xen custom networking and prefixes", xen, NetworkMode{CustomNetworking: true, PrefixDelegation: true}, 20, 20, true, "not a Nitro"},
		{"small metal prefixes: calculator counts IPs, warned", metalSmall, pd, 8, 8, true, "max pods is 8, not 98"},
		{"big metal prefixes: caps hide it", metalBig, pd, 250, 737, true, ""},
		{"one ENI, custom networking", oneENI, cn, 2, 2, false, "no ENI for pods"},
		{"one ENI, default", oneENI, NetworkMode{}, 51, 51, false, ""},
		{"no vCPU, no cap needed", noCPU, NetworkMode{}, 89, 89, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Calculate(tt.info, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if c.Pods != tt.pods || c.Uncapped != tt.uncapped || c.SecondaryIPFallback != tt.fallback {
				t.Errorf("Calculate = %+v; want pods %d, uncapped %d, fallback %t", c, tt.pods, tt.uncapped, tt.fallback)
			}
			if (tt.warning == "") != (c.Warning == "") || !strings.Contains(c.Warning, tt.warning) {
				t.Errorf("warning %q; want one containing %q", c.Warning, tt.warning)
			}
		})
	}
	if _, err := Calculate(Info{Name: "q.xlarge", ENIs: 4, IPv4PerENI: 31, Nitro: true}, NetworkMode{}); !errors.Is(err, ErrIncompleteData) {
		t.Errorf("122 pods without a vCPU count: %v, want ErrIncompleteData", err)
	}
	if _, err := Calculate(Info{Name: "c.only", VCPU: 4, MemoryMiB: 8192}, NetworkMode{}); !errors.Is(err, ErrIncompleteData) {
		t.Errorf("no network limits: %v, want ErrIncompleteData", err)
	}
}

func TestMaxPodsWarnings(t *testing.T) {
	pd := NetworkMode{PrefixDelegation: true}
	got := MaxPodsWarnings([]string{"m5.large", "m4.large", "nope.xl", "t2.nano"}, pd)
	if len(got) != 2 || !strings.HasPrefix(got[0], "m4.large ") || !strings.HasPrefix(got[1], "t2.nano ") {
		t.Errorf("MaxPodsWarnings = %q; want one each for m4.large and t2.nano", got)
	}
	if got := MaxPodsWarnings([]string{"m5.large", "m4.large"}, NetworkMode{}); len(got) != 0 {
		t.Errorf("default mode: %q, want none", got)
	}
	if got := MaxPodsWarnings([]string{"hpc6id.32xlarge"}, NetworkMode{CustomNetworking: true}); len(got) != 1 || !strings.Contains(got[0], "no ENI for pods") {
		t.Errorf("custom networking on a one-ENI type: %q", got)
	}
}

func TestGPUResource(t *testing.T) {
	tests := map[string]string{
		"p4d.24xlarge": "nvidia.com/gpu",
		"g6.xlarge":    "nvidia.com/gpu",
		"g4ad.xlarge":  "amd.com/gpu",
		"m5.large":     "",
		// p3 is only in the Cluster Autoscaler's table, which does not name
		// the manufacturer: no resource rather than a guess.
		"p3.2xlarge": "",
	}
	for typ, want := range tests {
		info, ok := Lookup(typ)
		if !ok {
			t.Fatalf("%s missing", typ)
		}
		if got := info.GPUResource(); got != want {
			t.Errorf("%s (%d GPU, %q).GPUResource() = %q, want %q", typ, info.GPU, info.GPUManufacturer, got, want)
		}
	}
}
