package guardrails

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Auto Scaling Group and Cluster Autoscaler rules.

func init() {
	define(ruleDef{name: "asg-launch-template", resource: checkASGLaunchTemplate})
	define(ruleDef{name: "asg-size-bounds", resource: checkSizeBounds})
	define(ruleDef{name: "ca-discovery-tags", resource: checkDiscoveryTags})
	define(ruleDef{name: "ca-template-matches-kubelet", stack: checkTemplateMatchesKubelet})
	define(ruleDef{name: "desired-capacity-ignored", stack: checkDesiredIgnored})
}

func checkASGLaunchTemplate(c *checker, r *policyx.AnalyzerResource) {
	if r.Type != asgType {
		return
	}
	p := props(r.Properties)
	if valueAt(p, "launchTemplate") != absent || valueAt(p, "mixedInstancesPolicy", "launchTemplate") != absent {
		return
	}
	if valueAt(p, "launchConfiguration") != absent {
		c.fail(r.URN, "%s launches from a launch configuration; AWS no longer adds features to them (no IMDSv2 hop limit per group, no mixed instances): use a launch template", describe(r))
		return
	}
	c.fail(r.URN, "%s names no launch template; set launchTemplate or mixedInstancesPolicy.launchTemplate", describe(r))
}

func checkSizeBounds(c *checker, r *policyx.AnalyzerResource) {
	p := props(r.Properties)
	var minKey, maxKey, desiredKey []string
	switch r.Type {
	case asgType:
		minKey, maxKey, desiredKey = []string{"minSize"}, []string{"maxSize"}, []string{"desiredCapacity"}
	case nodeGroupType:
		minKey = []string{"scalingConfig", "minSize"}
		maxKey = []string{"scalingConfig", "maxSize"}
		desiredKey = []string{"scalingConfig", "desiredSize"}
	default:
		return
	}
	lo, lst := number(p, minKey...)
	hi, hst := number(p, maxKey...)
	want, dst := number(p, desiredKey...)
	for _, u := range []struct {
		st   state
		keys []string
	}{{lst, minKey}, {hst, maxKey}, {dst, desiredKey}} {
		if u.st == unknown {
			c.unknownValue(r.URN, describe(r)+" "+strings.Join(u.keys, "."))
		}
	}
	path := func(keys []string) string { return strings.Join(keys, ".") }
	if lst == known && hst == known && lo > hi {
		c.fail(r.URN, "%s has %s %g greater than %s %g", describe(r), path(minKey), lo, path(maxKey), hi)
	}
	if dst == known && lst == known && want < lo {
		c.fail(r.URN, "%s has %s %g below %s %g; it must lie between the minimum and the maximum", describe(r), path(desiredKey), want, path(minKey), lo)
	}
	if dst == known && hst == known && want > hi {
		c.fail(r.URN, "%s has %s %g above %s %g; it must lie between the minimum and the maximum", describe(r), path(desiredKey), want, path(maxKey), hi)
	}
	if lst == known && lo < 0 {
		c.fail(r.URN, "%s has a negative %s %g", describe(r), path(minKey), lo)
	}
}

func checkDiscoveryTags(c *checker, r *policyx.AnalyzerResource) {
	if r.Type != asgType {
		return
	}
	tags, st := tagList(props(r.Properties), "tags")
	if st == unknown {
		c.unknownValue(r.URN, describe(r)+" tags")
		return
	}
	g := &group{res: r, tags: tags}
	if !g.autoscalerTagged() {
		return
	}
	if _, ok := tags["eks:nodegroup-name"]; ok {
		// The autoscaler takes such a group for a managed node group and
		// calls eks:DescribeNodegroup for it.
		c.fail(r.URN, "%s is a self-managed group tagged eks:nodegroup-name; the Cluster Autoscaler then treats it as an EKS managed node group; remove the tag", describe(r))
	}
	var problems []string
	if v, ok := tags[caEnabledTag]; !ok {
		problems = append(problems, caEnabledTag+"=true is missing")
	} else if v != "true" {
		problems = append(problems, fmt.Sprintf("%s is %q, not \"true\" (the autoscaler's IAM condition matches the value exactly)", caEnabledTag, v))
	}
	cluster := clusterOfTags(tags)
	switch {
	case cluster == "":
		problems = append(problems, "no k8s.io/cluster-autoscaler/<cluster>=owned tag, so an autoscaler of this cluster does not discover it (and one of another cluster may)")
	default:
		if v := tags[caPrefix+cluster]; v != "owned" {
			problems = append(problems, fmt.Sprintf("%s%s is %q, not \"owned\"", caPrefix, cluster, v))
		}
	}
	if len(problems) > 0 {
		c.fail(r.URN, "%s carries Cluster Autoscaler tags but not both discovery tags: %s", describe(r), strings.Join(problems, "; "))
	}
}

// clusterOfTags returns the cluster an ASG belongs to: from its
// kubernetes.io/cluster/<name> tag, else from a
// k8s.io/cluster-autoscaler/<name> discovery tag.
func clusterOfTags(tags map[string]string) string {
	for _, k := range sortedKeys(tags) {
		if name, ok := strings.CutPrefix(k, clusterTagPfx); ok && name != "" {
			if _, has := tags[caPrefix+name]; has {
				return name
			}
		}
	}
	for _, k := range sortedKeys(tags) {
		if name, ok := strings.CutPrefix(k, caPrefix); ok && name != "enabled" && !strings.Contains(name, "/") {
			return name
		}
	}
	for _, k := range sortedKeys(tags) {
		if name, ok := strings.CutPrefix(k, clusterTagPfx); ok && name != "" {
			return name
		}
	}
	return ""
}

// autoscaled reports whether the Cluster Autoscaler scales a group: a
// group with its tags, or, when the stack runs an autoscaler, any managed
// node group (EKS tags their ASGs for discovery itself).
func autoscaled(g *group, withAutoscaler bool) bool {
	return g.autoscalerTagged() || (g.res.Type == nodeGroupType && withAutoscaler)
}

func checkDesiredIgnored(c *checker, s *stackView) {
	withCA := s.hasAutoscaler()
	for _, g := range s.groups() {
		r := g.res
		if g.tagsSt == unknown && !autoscaled(g, withCA) {
			c.unknownValue(r.URN, describe(r)+" tags (whether the Cluster Autoscaler scales it)")
			continue
		}
		if !autoscaled(g, withCA) {
			continue
		}
		p := props(r.Properties)
		ignore := r.Options.IgnoreChanges
		if s.resizedByParent(r) {
			continue
		}
		switch r.Type {
		case asgType:
			// An unset desiredCapacity is not managed by Pulumi at all.
			if valueAt(p, "desiredCapacity") != absent && !ignores(ignore, "desiredCapacity") {
				c.fail(r.URN, "%s is scaled by the Cluster Autoscaler but Pulumi manages desiredCapacity, so every `pulumi up` resets the group's size; add ignoreChanges: [\"desiredCapacity\"]", describe(r))
			}
			name, _ := str(p, "name")
			for _, pol := range s.ofType(scalingPolicyType) {
				target, st := str(props(pol.Properties), "autoscalingGroupName")
				if (st == known && name != "" && target == name) || dependsOn(pol, r.URN) {
					c.fail(pol.URN, "scaling policy %q targets %s, which the Cluster Autoscaler scales; the two fight over its size, remove the policy", pol.Name, describe(r))
				}
			}
		case nodeGroupType:
			if !ignores(ignore, "scalingConfig.desiredSize") {
				c.fail(r.URN, "%s is scaled by the Cluster Autoscaler but Pulumi manages scalingConfig.desiredSize, so every `pulumi up` resets the group's size; add ignoreChanges: [\"scalingConfig.desiredSize\"]", describe(r))
			}
		}
	}
}

// ResizeOutput is the output a node group component registers for the one
// update in which it sets its group's desired size itself: new bounds
// that the size the autoscaler chose lies outside of (EKS refuses a
// minimum above the desired size it is sent). Its "desiredSize" is the
// size the update sets.
const ResizeOutput = "resize"

// resizedByParent reports a group whose desired size is set in this
// update by its component, which says so in its ResizeOutput with the
// same size: a one-off move into new bounds, not Pulumi taking the size
// from the autoscaler on every update.
func (s *stackView) resizedByParent(r *policyx.AnalyzerResource) bool {
	parent, ok := s.byURN[r.Parent]
	if !ok || r.Parent == "" {
		return false
	}
	to, st := number(props(parent.Properties), ResizeOutput, "desiredSize")
	if st != known {
		return false
	}
	key := []string{"desiredCapacity"}
	if r.Type == nodeGroupType {
		key = []string{"scalingConfig", "desiredSize"}
	}
	desired, dst := number(props(r.Properties), key...)
	return dst == known && desired == to
}

// ignores reports whether ignoreChanges paths cover a property path.
func ignores(paths []string, path string) bool {
	for _, p := range paths {
		if p == "*" || p == path || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

// taintTagRE is the autoscaler's test for a node-template taint value
// (extractTaintsFromAsg); a value without ":<Effect>" is ignored.
var taintTagRE = regexp.MustCompile(`^(.*):(NoSchedule|NoExecute|PreferNoSchedule)$`)

// kubeletLabels are labels the kubelet (or the cloud provider) sets on
// every node by itself: a node-template tag may name them without the user
// data doing so.
var kubeletLabels = []string{
	"kubernetes.io/arch", "kubernetes.io/os", "kubernetes.io/hostname",
	"beta.kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/instance-type",
	"node.kubernetes.io/instance-type", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
	"failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
	"topology.ebs.csi.aws.com/zone",
}

// eksTaintEffects maps the EKS API's taint effects to Kubernetes spelling.
var eksTaintEffects = map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}

// registered is what a group's nodes register with Kubernetes.
type registered struct {
	labels map[string]string
	taints []taint
	// eksLabels are labels EKS sets on managed nodes; tags may name them.
	eksLabels map[string]string
}

func checkTemplateMatchesKubelet(c *checker, s *stackView) {
	withCA := s.hasAutoscaler()
	for _, g := range s.groups() {
		r := g.res
		if g.tagsSt == unknown {
			c.unknownValue(r.URN, describe(r)+" tags (the autoscaler's node template)")
			continue
		}
		if !autoscaled(g, withCA) {
			continue
		}
		reg, ok := nodesOf(c, s, g)
		if !ok {
			continue
		}
		compareTemplate(c, g, reg)
	}
}

// nodesOf reads what a group's nodes register; false when it cannot be
// known (reported as cannot verify).
func nodesOf(c *checker, s *stackView, g *group) (registered, bool) {
	r := g.res
	reg := registered{labels: map[string]string{}, eksLabels: map[string]string{}}
	p := props(r.Properties)
	if r.Type == nodeGroupType {
		labels, st := strMap(p, "labels")
		if st == unknown {
			c.unknownValue(r.URN, describe(r)+" labels")
			return reg, false
		}
		for k, v := range labels {
			reg.labels[k] = v
		}
		taints, st := list(p, "taints")
		if st == unknown {
			c.unknownValue(r.URN, describe(r)+" taints")
			return reg, false
		}
		for _, t := range taints {
			k, _ := str(t, "key")
			v, _ := str(t, "value")
			e, _ := str(t, "effect")
			if mapped, ok := eksTaintEffects[e]; ok {
				e = mapped
			}
			reg.taints = append(reg.taints, taint{key: k, value: v, effect: e})
		}
		capacity, st := str(p, "capacityType")
		if st == absent {
			capacity = "ON_DEMAND"
		}
		if st != unknown {
			reg.eksLabels["eks.amazonaws.com/capacityType"] = capacity
		}
	}
	spec := s.launchSpecOf(r)
	if spec == nil {
		if r.Type == asgType {
			c.cannotVerify(r.URN, "the node-template tags of %s: its launch template is not in the stack, so the kubelet's labels and taints are unknown", describe(r))
			return reg, false
		}
		return reg, true // a managed group without a launch template
	}
	d := s.node(spec)
	switch {
	case d.st == unknown:
		c.unknownValue(r.URN, fmt.Sprintf("the node-template tags of %s against the user data of %s", describe(r), describe(spec)))
		return reg, false
	case d.err != nil:
		c.cannotVerify(r.URN, "the node-template tags of %s: the user data of %s cannot be read: %v", describe(r), describe(spec), d.err)
		return reg, false
	case d.settings != nil:
		for k, v := range d.settings.labels {
			reg.labels[k] = v
		}
		reg.taints = append(reg.taints, d.settings.taints...)
	}
	return reg, true
}

func compareTemplate(c *checker, g *group, reg registered) {
	var problems []string
	tagLabels := map[string]string{}
	tagTaints := map[string]taint{}
	for _, k := range sortedKeys(g.tags) {
		v := g.tags[k]
		switch {
		case strings.HasPrefix(k, caTemplateLabel):
			tagLabels[strings.TrimPrefix(k, caTemplateLabel)] = v
		case strings.HasPrefix(k, caTemplateTaint):
			key := strings.TrimPrefix(k, caTemplateTaint)
			m := taintTagRE.FindStringSubmatch(v)
			if m == nil {
				problems = append(problems, fmt.Sprintf("tag %s=%q is ignored by the autoscaler: a taint tag's value must be <value>:<Effect> (\":NoSchedule\" for no value)", k, v))
				continue
			}
			tagTaints[key] = taint{key: key, value: m[1], effect: m[2]}
		}
	}
	// A managed node group's labels and taints also reach the autoscaler
	// through eks:DescribeNodegroup, which it merges with the tags; for
	// those groups only tags that contradict the nodes are wrong.
	managed := g.res.Type == nodeGroupType
	for _, k := range sortedKeys(reg.labels) {
		want := reg.labels[k]
		got, ok := tagLabels[k]
		switch {
		case !ok && managed:
		case !ok:
			problems = append(problems, fmt.Sprintf("nodes register label %s=%s but no %s%s tag says so, so the autoscaler won't scale the group from zero for pods selecting it", k, want, caTemplateLabel, k))
		case got != want:
			problems = append(problems, fmt.Sprintf("label %s is %q on the nodes but %q in the node-template tag", k, want, got))
		}
	}
	for _, k := range sortedKeys(tagLabels) {
		if _, ok := reg.labels[k]; ok || slices.Contains(kubeletLabels, k) {
			continue
		}
		if want, ok := reg.eksLabels[k]; ok {
			if tagLabels[k] != want {
				problems = append(problems, fmt.Sprintf("label %s is %q on the nodes (set by EKS) but %q in the node-template tag", k, want, tagLabels[k]))
			}
			continue
		}
		if managed && strings.HasPrefix(k, "eks.amazonaws.com/") {
			continue // other labels EKS sets on managed nodes
		}
		problems = append(problems, fmt.Sprintf("node-template tag promises label %s=%s that the nodes never register, so the autoscaler scales up a group whose nodes cannot run the pending pods", k, tagLabels[k]))
	}
	byKey := map[string][]taint{}
	for _, t := range reg.taints {
		byKey[t.key] = append(byKey[t.key], t)
	}
	for _, k := range sortedKeys(byKey) {
		ts := byKey[k]
		if len(ts) > 1 {
			problems = append(problems, fmt.Sprintf("nodes register %d taints on key %s; one node-template tag can describe only one", len(ts), k))
			continue
		}
		want := ts[0]
		got, ok := tagTaints[k]
		switch {
		case !ok && managed:
		case !ok:
			problems = append(problems, fmt.Sprintf("nodes register taint %s but no %s%s tag says so, so the autoscaler scales the group up for pods that don't tolerate it", want, caTemplateTaint, k))
		case got.value != want.value || got.effect != want.effect:
			problems = append(problems, fmt.Sprintf("taint %s on the nodes is %s in the node-template tag", want, got))
		}
	}
	for _, k := range sortedKeys(tagTaints) {
		if _, ok := byKey[k]; !ok {
			problems = append(problems, fmt.Sprintf("node-template tag promises taint %s that the nodes never register", tagTaints[k]))
		}
	}
	if len(problems) > 0 {
		c.fail(g.res.URN, "the Cluster Autoscaler's node template of %s disagrees with its nodes: %s", describe(g.res), strings.Join(problems, "; "))
	}
}
