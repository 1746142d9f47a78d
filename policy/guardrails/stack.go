package guardrails

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// stackView indexes a stack's resources for the rules that join them: an
// Auto Scaling Group with its launch template and tag resources, a launch
// template with the cluster its nodes join.
//
// References are followed the way they can be at preview time, when IDs
// are still unknown: by ID when it is known, else by the engine's property
// dependencies, else by the resource's dependencies. All three reach the
// analyzer under the engine (AnalyzeStack); in process the adapter passes
// the recorded IDs and dependencies.
type stackView struct {
	all    []*policyx.AnalyzerResource
	byURN  map[string]*policyx.AnalyzerResource
	byType map[string][]*policyx.AnalyzerResource
	nodes  map[string]decodedNode
}

type decodedNode struct {
	settings *nodeSettings
	st       state
	err      error
}

func newStackView(rs []policyx.AnalyzerResource) *stackView {
	s := &stackView{
		byURN:  map[string]*policyx.AnalyzerResource{},
		byType: map[string][]*policyx.AnalyzerResource{},
		nodes:  map[string]decodedNode{},
	}
	for i := range rs {
		r := &rs[i]
		s.all = append(s.all, r)
		s.byURN[r.URN] = r
		s.byType[r.Type] = append(s.byType[r.Type], r)
	}
	return s
}

func (s *stackView) ofType(t string) []*policyx.AnalyzerResource { return s.byType[t] }

// ref finds the resource of type typ that r refers to through the
// property path keys (e.g. launchTemplate.id). The first key is the
// top-level property whose dependencies the engine records.
func (s *stackView) ref(r *policyx.AnalyzerResource, typ string, keys ...string) *policyx.AnalyzerResource {
	if id, st := str(props(r.Properties), keys...); st == known && id != "" {
		for _, c := range s.ofType(typ) {
			if cid, cst := str(props(c.Properties), "id"); cst == known && cid == id {
				return c
			}
		}
	}
	if len(keys) > 0 {
		if c := s.single(r.PropertyDependencies[keys[0]], typ); c != nil {
			return c
		}
	}
	return s.single(r.Dependencies, typ)
}

// single returns the one resource of type typ among urns, if exactly one.
func (s *stackView) single(urns []string, typ string) *policyx.AnalyzerResource {
	var found *policyx.AnalyzerResource
	for _, u := range urns {
		if c, ok := s.byURN[u]; ok && c.Type == typ {
			if found != nil && found != c {
				return nil
			}
			found = c
		}
	}
	return found
}

// dependsOn reports whether r depends on the resource with URN urn.
func dependsOn(r *policyx.AnalyzerResource, urn string) bool {
	if slices.Contains(r.Dependencies, urn) {
		return true
	}
	for _, deps := range r.PropertyDependencies {
		if slices.Contains(deps, urn) {
			return true
		}
	}
	return false
}

// launchSpecOf returns the launch template (or launch configuration) an
// Auto Scaling Group or managed node group launches from, nil when it has
// none or it is not in the stack.
func (s *stackView) launchSpecOf(r *policyx.AnalyzerResource) *policyx.AnalyzerResource {
	p := props(r.Properties)
	switch r.Type {
	case asgType:
		if _, st := dig(p, "launchTemplate"); st != absent {
			return s.ref(r, launchTemplateType, "launchTemplate", "id")
		}
		if _, st := dig(p, "mixedInstancesPolicy", "launchTemplate"); st != absent {
			return s.ref(r, launchTemplateType, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification", "launchTemplateId")
		}
		if _, st := dig(p, "launchConfiguration"); st != absent {
			return s.ref(r, launchConfigurationType, "launchConfiguration")
		}
	case nodeGroupType:
		if _, st := dig(p, "launchTemplate"); st != absent {
			return s.ref(r, launchTemplateType, "launchTemplate", "id")
		}
	}
	return nil
}

// node decodes the user data of a launch template or launch
// configuration, once per resource.
func (s *stackView) node(r *policyx.AnalyzerResource) decodedNode {
	if d, ok := s.nodes[r.URN]; ok {
		return d
	}
	var d decodedNode
	p := props(r.Properties)
	ud, st := str(p, "userData")
	b64 := r.Type == launchTemplateType
	if st == absent && r.Type == launchConfigurationType {
		ud, st = str(p, "userDataBase64")
		b64 = true
	}
	d.st = st
	if st == known {
		d.settings, d.err = decodeUserData(ud, b64)
	}
	s.nodes[r.URN] = d
	return d
}

// clusterInfo is an EKS cluster of the stack as the node rules need it.
type clusterInfo struct {
	res                        *policyx.AnalyzerResource
	name, version, serviceCIDR string
	versionSt, serviceSt       state
	endpoint                   string
}

func (s *stackView) clusters() []clusterInfo {
	var out []clusterInfo
	for _, r := range s.ofType(eksClusterType) {
		p := props(r.Properties)
		c := clusterInfo{res: r}
		c.name, _ = str(p, "name")
		c.version, c.versionSt = str(p, "version")
		c.serviceCIDR, c.serviceSt = str(p, "kubernetesNetworkConfig", "serviceIpv4Cidr")
		c.endpoint, _ = str(p, "endpoint")
		out = append(out, c)
	}
	return out
}

// clusterNamed returns the stack's cluster of a name or, when name is
// empty or no cluster name is known, the only cluster of the stack.
func (s *stackView) clusterNamed(name string) (clusterInfo, bool) {
	cs := s.clusters()
	for _, c := range cs {
		if name != "" && c.name == name {
			return c, true
		}
	}
	if len(cs) == 1 && (name == "" || cs[0].name == "") {
		return cs[0], true
	}
	return clusterInfo{}, false
}

// Cluster Autoscaler tag keys (kubernetes/autoscaler cloudprovider/aws).
const (
	caPrefix        = "k8s.io/cluster-autoscaler/"
	caEnabledTag    = caPrefix + "enabled"
	caTemplateLabel = caPrefix + "node-template/label/"
	caTemplateTaint = caPrefix + "node-template/taint/"
	clusterTagPfx   = "kubernetes.io/cluster/"
)

// group is a node group as the autoscaler sees it: a self-managed Auto
// Scaling Group, or an EKS managed node group whose ASG (created by EKS)
// gets its tags from aws:autoscaling/tag:Tag resources.
type group struct {
	res *policyx.AnalyzerResource
	// tags are the group's ASG tags (own tags plus tag resources).
	tags   map[string]string
	tagsSt state
	// tagURNs are the tag resources that target the group.
	tagURNs []string
}

func (g *group) autoscalerTagged() bool {
	for k := range g.tags {
		if strings.HasPrefix(k, caPrefix) {
			return true
		}
	}
	return false
}

// groups returns every Auto Scaling Group and managed node group with
// their effective ASG tags.
func (s *stackView) groups() []*group {
	var out []*group
	byASGName := map[string]*group{}
	byURN := map[string]*group{}
	for _, r := range s.ofType(asgType) {
		g := &group{res: r}
		g.tags, g.tagsSt = tagList(props(r.Properties), "tags")
		if g.tags == nil {
			g.tags = map[string]string{}
		}
		if name, st := str(props(r.Properties), "name"); st == known {
			byASGName[name] = g
		}
		byURN[r.URN] = g
		out = append(out, g)
	}
	for _, r := range s.ofType(nodeGroupType) {
		g := &group{res: r, tags: map[string]string{}, tagsSt: known}
		// The ASG EKS created, known once the node group exists.
		if rs, st := list(props(r.Properties), "resources"); st == known {
			for _, res := range rs {
				asgs, _ := list(res, "autoscalingGroups")
				for _, a := range asgs {
					if name, st := str(a, "name"); st == known {
						byASGName[name] = g
					}
				}
			}
		}
		byURN[r.URN] = g
		out = append(out, g)
	}
	for _, t := range s.ofType(asgTagType) {
		p := props(t.Properties)
		var g *group
		if name, st := str(p, "autoscalingGroupName"); st == known {
			g = byASGName[name]
		}
		if g == nil {
			for _, d := range t.Dependencies {
				if dg, ok := byURN[d]; ok {
					g = dg
					break
				}
			}
		}
		if g == nil {
			continue // a tag on an ASG outside the stack
		}
		g.tagURNs = append(g.tagURNs, t.URN)
		k, kst := str(p, "tag", "key")
		v, vst := str(p, "tag", "value")
		if kst == unknown || vst == unknown {
			g.tagsSt = unknown
			continue
		}
		if kst == known {
			g.tags[k] = v
		}
	}
	return out
}

// hasAutoscaler reports whether the stack deploys a Cluster Autoscaler
// (its Helm chart, or an IAM policy granting it SetDesiredCapacity): EKS
// puts the discovery tags on every managed node group's ASG itself, so
// with an autoscaler present every managed group is autoscaled.
func (s *stackView) hasAutoscaler() bool {
	for _, r := range s.ofType(helmReleaseType) {
		if chart, _ := str(props(r.Properties), "chart"); strings.Contains(chart, "cluster-autoscaler") {
			return true
		}
	}
	for _, r := range s.all {
		for _, doc := range policyTexts(r) {
			if strings.Contains(doc.text, "autoscaling:SetDesiredCapacity") {
				return true
			}
		}
	}
	return false
}

// minorVersion parses "1.33" (or "1.33.2") into 33.
func minorVersion(v string) (int, bool) {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) < 2 || parts[0] != "1" {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	return n, err == nil
}

// valueAt is dig for callers that only need presence.
func valueAt(v property.Value, keys ...string) state {
	_, st := dig(v, keys...)
	return st
}
