package instancetypes

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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
		{"m4.large", NetworkMode{PrefixDelegation: true}, nil, []string{`"m4.large"`, "Nitro"}},
		{"t2.nano", NetworkMode{CustomNetworking: true, PrefixDelegation: true}, nil, []string{"Nitro"}},
		// u-12tb1.112xlarge is in CA's table but not the VPC CNI's.
		{"u-12tb1.112xlarge", NetworkMode{}, ErrIncompleteData, []string{"ENI/IPv4", VPCCNISource}},
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
	_, err = MaxPodsFor([]string{"m5.large", "bogus.large", "m4.large", "nope.xl"}, NetworkMode{PrefixDelegation: true})
	if err == nil {
		t.Fatal("no error for unknown types")
	}
	for _, c := range []string{`"bogus.large"`, `"nope.xl"`, `"m4.large"`, "Nitro"} {
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
	if p4d.GPU != 8 || p4d.ENIs != 15 {
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

// TestGeneratedUpToDate re-runs the generator (it needs the Go module proxy)
// and compares with the committed file. Opt in with EKSFLEET_CHECK_GENERATED=1.
func TestGeneratedUpToDate(t *testing.T) {
	if os.Getenv("EKSFLEET_CHECK_GENERATED") != "1" {
		t.Skip("set EKSFLEET_CHECK_GENERATED=1 to re-run the generator against the module proxy")
	}
	out := filepath.Join(t.TempDir(), "zz.go")
	cmd := exec.Command("go", "run", "./gen", "-out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("generator: %v\n%s", err, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("zz_generated_instancetypes.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("zz_generated_instancetypes.go is stale; run go generate ./components/instancetypes")
	}
}
