package config

import (
	"fmt"
	"strings"
)

// SystemTolerationKey is the taint key the cluster's system pods tolerate
// (operator Exists, any effect): the Cluster Autoscaler and the termination
// handler as eksfleet installs them, and the CoreDNS add-on by default.
const SystemTolerationKey = "CriticalAddonsOnly"

// SystemPods lists the pods this configuration installs that must be
// running for the cluster to work and grow: CoreDNS always (an EKS add-on),
// and, when the program installs charts (autoscaler.enabled), the Cluster
// Autoscaler and, with a draining group, the termination handler.
func (c *Config) SystemPods() []string {
	var pods []string
	if c.Autoscaler.Enabled {
		if c.Autoscaler.Kind == AutoscalerKarpenter {
			// Karpenter's controller runs on the node groups, never on
			// the nodes it launches itself.
			pods = append(pods, "karpenter")
		} else {
			pods = append(pods, "cluster-autoscaler")
		}
		for _, g := range c.NodeGroups {
			if g.Drain() {
				pods = append(pods, "aws-node-termination-handler")
				break
			}
		}
	}
	return append(pods, "coredns")
}

// HostsSystemPods reports whether a node group starts with a node the system
// pods can run on: its initial size (desiredSize, else minSize) is at least
// one and every taint that keeps pods off is tolerated (key
// CriticalAddonsOnly; PreferNoSchedule taints only steer). The pods select
// no labels, architecture or AMI family.
//
// A group that starts empty does not count even when it may grow: the
// autoscaler that would grow it is one of the pods waiting for a node, and
// CoreDNS and the charts are installed atomically and time out waiting.
func (g NodeGroup) HostsSystemPods() bool {
	return g.Desired() >= 1 && len(g.blockingTaints()) == 0
}

// blockingTaints are the group's taints the system pods do not tolerate.
func (g NodeGroup) blockingTaints() []string {
	var out []string
	for _, t := range g.Taints {
		if t.Key == SystemTolerationKey || t.Effect == "PreferNoSchedule" {
			continue
		}
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		out = append(out, s+":"+t.Effect)
	}
	return out
}

// validateSystemPods refuses a configuration in which the system pods have
// nowhere to run when the cluster is created. It judges only well-formed
// node groups: with a problem already reported under nodeGroups (or none
// given) the groups are not what the user meant, and one bad value gives
// one problem.
func validateSystemPods(errs *Errors, c *Config) {
	if len(c.NodeGroups) == 0 {
		return // reported as a missing key
	}
	for _, p := range errs.Problems {
		if p.Path == key("nodeGroups") || strings.HasPrefix(p.Path, key("nodeGroups")+"[") {
			return
		}
	}
	if c.Autoscaler.Kind == AutoscalerKarpenter && c.Autoscaler.Enabled {
		validateKarpenterHosts(errs, c)
	}
	var why []string
	for _, g := range c.NodeGroups {
		if g.HostsSystemPods() {
			return
		}
		var reasons []string
		if g.Desired() < 1 {
			reasons = append(reasons, fmt.Sprintf("starts with %d nodes", g.Desired()))
		}
		if b := g.blockingTaints(); len(b) > 0 {
			reasons = append(reasons, "is tainted "+strings.Join(b, ", "))
		}
		why = append(why, fmt.Sprintf("%s %s", g.Name, strings.Join(reasons, " and ")))
	}
	errs.add(key("nodeGroups"), nil,
		"no node group starts with a node that the system pods (%s) can run on: %s; give at least one group desiredSize (or minSize) 1 or more and no taints but %s (which they tolerate)",
		strings.Join(c.SystemPods(), ", "), strings.Join(why, "; "), SystemTolerationKey)
}

// validateKarpenterHosts refuses a Karpenter configuration whose node groups
// start with fewer than two nodes the system pods can run on: Karpenter's
// chart runs two controller replicas with a required pod anti-affinity
// (kubernetes.io/hostname), kept as upstream ships it, and never on nodes
// Karpenter launched, so the second replica would stay Pending and the
// atomic release would roll back. A configuration with no such group at
// all gets the general problem below instead.
func validateKarpenterHosts(errs *Errors, c *Config) {
	total := 0
	for _, g := range c.NodeGroups {
		if g.HostsSystemPods() {
			total += g.Desired()
		}
	}
	if total == 1 {
		errs.add(key("nodeGroups"), nil,
			"start with 1 node the system pods can run on; Karpenter runs two controller replicas on different nodes of the node groups (never on nodes it launches), so give the groups that host system pods at least 2 nodes at start (desiredSize or minSize)")
	}
}
