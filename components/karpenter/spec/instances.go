package spec

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/eksfleet/eksfleet/components/instancetypes"
)

// Filter is a node pool's instance filters; every set field narrows the
// selection (they combine with AND, as NodePool requirements do).
type Filter struct {
	// Architectures are EC2 names (x86_64, arm64); empty means x86_64.
	Architectures []string
	// Categories (c, m, r…), Families (m7i…) and Types (m7i.large) select
	// by Karpenter's instance-category, instance-family and
	// node.kubernetes.io/instance-type labels.
	Categories, Families, Types []string
	// MinGeneration keeps types whose generation (the digits after the
	// category) is at least this; 0 means any.
	MinGeneration int
}

// familyRe splits an instance family into Karpenter's category and
// generation labels: m7i → m, 7; inf2 → inf, 2; u-6tb1 → u, 6.
var familyRe = regexp.MustCompile(`^([a-z]+)-?(\d+)`)

// Labels returns the instance-category, instance-family and
// instance-generation of a type as Karpenter labels nodes (its
// instancetype provider: the family is the name before the dot).
func Labels(instanceType string) (category, family string, generation int) {
	family, _, _ = strings.Cut(instanceType, ".")
	if m := familyRe.FindStringSubmatch(family); m != nil {
		category = m[1]
		generation, _ = strconv.Atoi(m[2])
	}
	return category, family, generation
}

// Select returns the instance table's types the filter matches, sorted by
// name.
func Select(f Filter) []instancetypes.Info {
	arch := f.Architectures
	if len(arch) == 0 {
		arch = []string{"x86_64"}
	}
	var out []instancetypes.Info
	for _, name := range instancetypes.Names() {
		info, _ := instancetypes.Lookup(name)
		if info.Architecture == "" || !slices.Contains(arch, info.Architecture) {
			continue
		}
		category, family, generation := Labels(name)
		switch {
		case len(f.Types) > 0 && !slices.Contains(f.Types, name):
			continue
		case len(f.Families) > 0 && !slices.Contains(f.Families, family):
			continue
		case len(f.Categories) > 0 && !slices.Contains(f.Categories, category):
			continue
		case f.MinGeneration > 0 && generation < f.MinGeneration:
			continue
		}
		out = append(out, info)
	}
	return out
}

// PoolMaxPods is the one max pods a pool's node class can carry
// (EC2NodeClass spec.kubelet.maxPods applies to every type the pool
// launches): the smallest value the instance table computes among the
// types the filter selects, so no node is promised more pods than its
// network interfaces hold. Types whose max pods cannot be computed are
// skipped; ok is false when none can.
func PoolMaxPods(types []instancetypes.Info, mode instancetypes.NetworkMode) (n int, ok bool) {
	for _, t := range types {
		v, err := instancetypes.MaxPods(t.Name, mode)
		if err != nil {
			continue
		}
		if !ok || v < n {
			n, ok = v, true
		}
	}
	return n, ok
}
