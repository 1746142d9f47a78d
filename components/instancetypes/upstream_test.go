package instancetypes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/shared"
)

// These tests check MaxPods against data the table is not generated from,
// read from ../shared/upstream/instance-types (see its SOURCES.md):
//
//   - the VPC CNI's misc/eni-max-pods.txt: default-mode max pods, uncapped;
//   - amazon-eks-ami's nodeadm instance-info.jsonl: ENIs and IPv4 per ENI;
//   - Karpenter's instance-type page, read here with a regular expression
//     of its own: vCPUs (for the cap) and hypervisor (the calculator counts
//     prefixes only where it is "nitro").
//
// The expected values are max-pods-calculator.sh's formula, written out
// again below (calculatorMaxPods) rather than by calling Calculate.

// upstreamDir returns ../shared/upstream/instance-types beside the module
// root, or skips the test when it is absent.
func upstreamDir(t *testing.T) string {
	t.Helper()
	root, err := shared.Upstream()
	if err != nil {
		t.Fatal(err)
	}
	up := filepath.Join(root, "instance-types")
	if _, err := os.Stat(up); err != nil {
		t.Skipf("skipping: the shared upstream data (%s) is absent; CI always has it (%v)", up, err)
	}
	return up
}

// eniMaxPodsTxt reads "type maxpods" lines of eni-max-pods.txt.
func eniMaxPodsTxt(t *testing.T, dir string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "vpc-cni-v1.23.2-eni-max-pods.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("eni-max-pods.txt: unexpected line %q", line)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("eni-max-pods.txt: %q: %v", line, err)
		}
		out[f[0]] = n
	}
	return out
}

type nodeadmInfo struct {
	InstanceType              string `json:"instanceType"`
	DefaultMaxENIs            int    `json:"defaultMaxENIs"`
	IPv4AddressesPerInterface int    `json:"ipv4AddressesPerInterface"`
}

func nodeadmInstanceInfo(t *testing.T, dir string) map[string]nodeadmInfo {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "amazon-eks-ami-81fec2e8-instance-info.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]nodeadmInfo{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var i nodeadmInfo
		if err := json.Unmarshal([]byte(line), &i); err != nil {
			t.Fatalf("instance-info.jsonl: %q: %v", line, err)
		}
		out[i.InstanceType] = i
	}
	return out
}

type karpenterLabels struct {
	VCPU       int
	Hypervisor string
}

var (
	karpTypeRE  = regexp.MustCompile("(?m)^### `([^`]+)`$")
	karpCPURE   = regexp.MustCompile(`\|karpenter\.k8s\.aws/instance-cpu\|(\d+)\|`)
	karpHyperRE = regexp.MustCompile(`\|karpenter\.k8s\.aws/instance-hypervisor\|([a-z]*)\|`)
)

func karpenterPage(t *testing.T, dir string) map[string]karpenterLabels {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "karpenter-provider-aws", "instance-types.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]karpenterLabels{}
	locs := karpTypeRE.FindAllSubmatchIndex(b, -1)
	for i, l := range locs {
		end := len(b)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		section := b[l[1]:end]
		name := string(b[l[2]:l[3]])
		cpu := karpCPURE.FindSubmatch(section)
		hyper := karpHyperRE.FindSubmatch(section)
		if cpu == nil || hyper == nil {
			t.Fatalf("Karpenter page: %s lacks instance-cpu or instance-hypervisor", name)
		}
		n, _ := strconv.Atoi(string(cpu[1]))
		out[name] = karpenterLabels{VCPU: n, Hypervisor: string(hyper[1])}
	}
	if len(out) < 1000 {
		t.Fatalf("Karpenter page: %d types parsed", len(out))
	}
	return out
}

// calculatorMaxPods is max-pods-calculator.sh with the instance's EC2
// figures: vcpu 0 means unknown (and returns ok=false when the cap needs it).
func calculatorMaxPods(enis, ipv4 int, nitro bool, vcpu int, mode NetworkMode) (pods int, ok bool) {
	if mode.CustomNetworking {
		enis--
	}
	if nitro && mode.PrefixDelegation {
		pods = enis*((ipv4-1)*16) + 2
	} else {
		pods = enis*(ipv4-1) + 2
	}
	return capPods(pods, vcpu)
}

func capPods(pods, vcpu int) (int, bool) {
	switch {
	case pods <= 110:
		return pods, true
	case vcpu == 0:
		return 0, false
	case vcpu > 30:
		return min(pods, 250), true
	}
	return 110, true
}

// noVCPUAnywhere are the eni-max-pods.txt types above 110 pods (so the cap
// needs a vCPU count) that no source the generator can read gives a vCPU
// count for. The first 13 are on neither Karpenter's page nor any Cluster
// Autoscaler list; mac-m4.metal and mac-m4pro.metal are only on Cluster
// Autoscaler's master branch (list 2026-01-22), which the Go module proxy
// does not serve (403) and ../shared does not keep (source code).
var noVCPUAnywhere = []string{
	"bmn-sf1.metal", "c5a.metal", "c5ad.metal", "c7i.32xlarge", "cr1.8xlarge", "hs1.8xlarge",
	"mac-m3ultra.metal", "mac-m4max.metal", "u-12tb1.metal", "u-18tb1.metal", "u-24tb1.metal",
	"u-6tb1.metal", "u-9tb1.metal",
	"mac-m4.metal", "mac-m4pro.metal",
}

// Every type of eni-max-pods.txt, default mode: the calculator's cap of the
// file's uncapped value, with vCPUs from Karpenter's page; the types no
// compute source covers fail with ErrIncompleteData, and only those.
func TestMaxPodsDefaultModeMatchesENIMaxPods(t *testing.T) {
	dir := upstreamDir(t)
	eniMaxPods := eniMaxPodsTxt(t, dir)
	karp := karpenterPage(t, dir)
	if len(eniMaxPods) != 1391 {
		t.Errorf("eni-max-pods.txt lists %d types; v1.23.2 has 1391", len(eniMaxPods))
	}
	planned, refused, fromCA := 0, []string{}, 0
	for typ, uncapped := range eniMaxPods {
		vcpu := karp[typ].VCPU
		if vcpu == 0 {
			// Not on Karpenter's page: the table's vCPU comes from the
			// Cluster Autoscaler (checked against it in the generator).
			info, _ := Lookup(typ)
			vcpu = info.VCPU
			if vcpu > 0 {
				fromCA++
			}
		}
		want, computable := capPods(uncapped, vcpu)
		got, err := MaxPods(typ, NetworkMode{})
		switch {
		case !computable:
			refused = append(refused, typ)
			if !errors.Is(err, ErrIncompleteData) || !strings.Contains(err.Error(), "vCPU") {
				t.Errorf("MaxPods(%s) = %d, %v; want an incomplete-data error naming the vCPU count", typ, got, err)
			}
		case err != nil:
			t.Errorf("MaxPods(%s): %v; want %d", typ, err, want)
		case got != want:
			t.Errorf("MaxPods(%s) = %d; eni-max-pods.txt says %d uncapped, %d vCPU: want %d", typ, got, uncapped, vcpu, want)
		default:
			planned++
		}
	}
	sort.Strings(refused)
	t.Logf("%d of %d eni-max-pods.txt types plan (%d with vCPUs from the Cluster Autoscaler table only); refused: %v", planned, len(eniMaxPods), fromCA, refused)
	want := slices.Sorted(slices.Values(noVCPUAnywhere))
	if !slices.Equal(refused, want) {
		t.Errorf("refused %v\nwant only the types no readable source gives a vCPU count for: %v", refused, want)
	}
}

// Custom networking and prefix delegation, for every type nodeadm's
// instance-info.jsonl and Karpenter's page both list, against ENI and IPv4
// figures from the former and vCPU and hypervisor from the latter. Where
// nodeadm's ENIs disagree with the VPC CNI's (eni-max-pods.txt), the
// sources differ, not the formula; those types are skipped and counted.
func TestMaxPodsOtherModesMatchCalculator(t *testing.T) {
	dir := upstreamDir(t)
	eniMaxPods := eniMaxPodsTxt(t, dir)
	nodeadm := nodeadmInstanceInfo(t, dir)
	karp := karpenterPage(t, dir)
	modes := []NetworkMode{
		{CustomNetworking: true},
		{PrefixDelegation: true},
		{CustomNetworking: true, PrefixDelegation: true},
	}
	checked := 0
	var disagree []string
	nonNitro := 0
	for typ, n := range nodeadm {
		k, ok := karp[typ]
		if !ok {
			continue
		}
		if eniMaxPods[typ] != n.DefaultMaxENIs*(n.IPv4AddressesPerInterface-1)+2 {
			disagree = append(disagree, typ)
			continue
		}
		nitro := k.Hypervisor == "nitro"
		if !nitro {
			nonNitro++
		}
		for _, mode := range modes {
			want, _ := calculatorMaxPods(n.DefaultMaxENIs, n.IPv4AddressesPerInterface, nitro, k.VCPU, mode)
			got, err := MaxPods(typ, mode)
			if err != nil || got != want {
				t.Errorf("MaxPods(%s, %+v) = %d, %v; the calculator gives %d (%d ENIs x %d IPv4, %d vCPU, hypervisor %q)",
					typ, mode, got, err, want, n.DefaultMaxENIs, n.IPv4AddressesPerInterface, k.VCPU, k.Hypervisor)
			}
		}
		checked++
	}
	t.Logf("%d types checked in 3 modes (%d not nitro); %d skipped where nodeadm's ENIs differ from the VPC CNI's: %v", checked, nonNitro, len(disagree), disagree)
	if checked < 1200 {
		t.Errorf("only %d types checked; the sources share well over 1200", checked)
	}
	if len(disagree) > 10 {
		t.Errorf("nodeadm and the VPC CNI disagree on %d types; expected a handful (i7ie/i8ge network cards)", len(disagree))
	}
}

// The table's Nitro flag (VPC CNI) and Karpenter's hypervisor label are both
// EC2's hypervisor. Bare metal is left out: EC2 reports no hypervisor for
// most metal types, but the VPC CNI's table says "nitro" for some (c7g.metal);
// on metal the 250 cap hides the difference, which
// TestMaxPodsOtherModesMatchCalculator checks with Karpenter's value.
func TestNitroAgreesWithKarpenter(t *testing.T) {
	dir := upstreamDir(t)
	karp := karpenterPage(t, dir)
	for typ, k := range karp {
		info, ok := Lookup(typ)
		if !ok || !info.HasNetworkLimits() || info.BareMetal {
			continue
		}
		if info.Nitro != (k.Hypervisor == "nitro") {
			t.Errorf("%s: table Nitro=%t (bare metal %t), Karpenter hypervisor %q", typ, info.Nitro, info.BareMetal, k.Hypervisor)
		}
	}
}
