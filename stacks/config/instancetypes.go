package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodespec"
)

// validateInstanceTypes checks a group's instance types against the
// instance table: listed once, of the group's architecture, and known when
// maxPods is auto and computable. What the table cannot settle but does
// not make the group wrong becomes a note (Config.Notes), which `plan`
// lists and the program logs:
//
//   - prefix delegation on a type that is not Nitro: the VPC CNI falls back
//     to secondary IPs there, and maxPods: auto counts them, as
//     max-pods-calculator.sh does (instancetypes.MaxPodsWarnings);
//   - an autoscaled group with a type the table has no vCPU or memory for:
//     its node template carries no cpu, memory or GPU tags, and the Cluster
//     Autoscaler takes them from EC2 itself (nodespec.WithoutCompute).
func validateInstanceTypes(errs *Errors, c *Config, p string, g NodeGroup) {
	if len(g.InstanceTypes) == 0 {
		errs.addMissing(p+".instanceTypes", "must list at least one instance type, e.g. [m6i.large]")
	}
	seen := map[string]bool{}
	for i, t := range g.InstanceTypes {
		ip := fmt.Sprintf("%s.instanceTypes[%d]", p, i)
		if seen[t] {
			errs.add(ip, t, "is listed twice")
			continue
		}
		seen[t] = true
		info, known := instancetypes.Lookup(t)
		if !known {
			if g.MaxPods.Auto {
				errs.add(ip, t, "is unknown to the max-pods table (VPC CNI instance limits); check the name or set maxPods to a number")
			}
			continue
		}
		if info.Architecture != "" && slices.Contains(validArchitectures, g.Architecture) && info.Architecture != g.Architecture {
			errs.add(ip, t, "is an %s instance type but architecture is %s", info.Architecture, g.Architecture)
		}
	}
	mode := instancetypes.NetworkMode{CustomNetworking: c.CNI.CustomNetworking, PrefixDelegation: c.CNI.PrefixDelegation}
	if g.MaxPods.Auto && len(g.InstanceTypes) > 0 {
		if _, err := instancetypes.MaxPodsFor(g.InstanceTypes, mode); err != nil && allKnown(g.InstanceTypes) {
			errs.add(p+".maxPods", "auto", "cannot be computed: %v", err)
		}
	}
	for _, n := range instanceTypeNotes(p, g, mode) {
		c.Note("%s", n)
	}
}

// instanceTypeNotes returns the notes validateInstanceTypes records for
// group g at path p (see there). A type listed twice is an error already,
// so it is not deduplicated here.
func instanceTypeNotes(p string, g NodeGroup, mode instancetypes.NetworkMode) []string {
	var notes []string
	if g.MaxPods.Auto {
		for _, w := range instancetypes.MaxPodsWarnings(g.InstanceTypes, mode) {
			notes = append(notes, fmt.Sprintf("%s (%s): %s", p, g.Name, w))
		}
	} else if mode.PrefixDelegation {
		for _, t := range g.InstanceTypes {
			if info, ok := instancetypes.Lookup(t); ok && !info.Nitro && !info.BareMetal {
				notes = append(notes, fmt.Sprintf("%s (%s): %s is not a Nitro instance type: the VPC CNI does not use prefix delegation on it and falls back to secondary IPs; maxPods %d must fit them",
					p, g.Name, t, g.MaxPods.Value))
			}
		}
	}
	if missing := nodespec.WithoutCompute(g.InstanceTypes); g.Autoscaling && len(missing) > 0 {
		notes = append(notes, fmt.Sprintf("%s (%s): the instance table has no vCPU or memory for %s (in none of %s, %s): the group's scale-from-zero node template carries no cpu or memory tags, and the Cluster Autoscaler takes them from EC2 (DescribeInstanceTypes) itself",
			p, g.Name, strings.Join(missing, ", "), instancetypes.KarpenterSource, instancetypes.ClusterAutoscalerSource))
	}
	return notes
}

func allKnown(types []string) bool {
	for _, t := range types {
		if _, ok := instancetypes.Lookup(t); !ok {
			return false
		}
	}
	return true
}
