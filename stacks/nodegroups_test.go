package stacks_test

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/managed"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

func evaluate(t testing.TB, dir, stack string) *plan.Plan {
	t.Helper()
	proj, err := plan.LoadProject(dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// children returns a component's children by type.
func children(p *plan.Plan, parent string) map[string][]plan.Resource {
	out := map[string][]plan.Resource{}
	for _, r := range p.Resources {
		if r.Parent == parent {
			out[r.Type] = append(out[r.Type], r)
		}
	}
	return out
}

func component(t *testing.T, p *plan.Plan, typ, name string) plan.Resource {
	t.Helper()
	for _, r := range p.Resources {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s in the plan", typ, name)
	return plan.Resource{}
}

func tagsOf(list []any) []nodespec.Tag {
	var tags []nodespec.Tag
	for _, raw := range list {
		m := raw.(map[string]any)
		tags = append(tags, nodespec.Tag{Key: m["key"].(string), Value: m["value"].(string)})
	}
	return tags
}

// TestBundledStacksNodeGroups evaluates dev, staging and prod offline and
// checks every configured node group is in the plan, its user data decodes
// for its AMI family into what the cluster and the autoscaler tags say, and
// it is exported.
func TestBundledStacksNodeGroups(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			p := evaluate(t, "..", stack)
			cfg := p.Config
			endpoint, _ := p.Outputs["clusterEndpoint"].(string)
			ca, _ := p.Outputs["clusterCertificateAuthority"].(string)
			exported, _ := p.Outputs["nodeGroups"].(map[string]any)
			if len(exported) != len(cfg.NodeGroups) {
				t.Errorf("nodeGroups output has %d groups, config %d", len(exported), len(cfg.NodeGroups))
			}
			for _, g := range cfg.NodeGroups {
				t.Run(g.Name, func(t *testing.T) {
					out, _ := exported[g.Name].(map[string]any)
					if out["kind"] != g.Kind || out["asgName"] == nil || out["asgArn"] == nil || out["roleArn"] == nil {
						t.Errorf("nodeGroups[%s] output = %v", g.Name, out)
					}
					mode := instancetypes.NetworkMode{CustomNetworking: cfg.CNI.CustomNetworking, PrefixDelegation: cfg.CNI.PrefixDelegation}
					wantPods, err := instancetypes.MaxPodsFor(g.InstanceTypes, mode)
					if err != nil {
						t.Fatal(err)
					}
					if g.Kind == config.KindSelfManaged {
						checkSelfManaged(t, p, g, endpoint, ca, wantPods)
					} else {
						checkManaged(t, p, g, wantPods)
					}
				})
			}
		})
	}
}

func checkSelfManaged(t *testing.T, p *plan.Plan, g config.NodeGroup, endpoint, ca string, wantPods int) {
	cfg := p.Config
	comp := component(t, p, selfmanaged.TypeToken, cfg.Cluster.Name+"-"+g.Name)
	kids := children(p, comp.URN)
	if len(kids["aws:ec2/launchTemplate:LaunchTemplate"]) != 1 || len(kids["aws:autoscaling/group:Group"]) != 1 || len(kids["aws:eks/accessEntry:AccessEntry"]) != 1 {
		t.Fatalf("children of %s: %v", comp.Name, kids)
	}
	lt := inputs.Map(kids["aws:ec2/launchTemplate:LaunchTemplate"][0].Inputs)
	asg := inputs.Map(kids["aws:autoscaling/group:Group"][0].Inputs)

	family := bootstrap.Family(g.AMIFamily)
	node, err := userdata.DecodeBase64(family, lt.String("userData"))
	if err != nil {
		t.Fatalf("user data does not decode as %s: %v", family, err)
	}
	if node.ClusterName != cfg.Cluster.Name || node.Endpoint != endpoint || node.CertificateAuthority != ca {
		t.Errorf("user data joins %q at %q (CA %d chars); cluster is %q at %q", node.ClusterName, node.Endpoint, len(node.CertificateAuthority), cfg.Cluster.Name, endpoint)
	}
	switch family {
	case bootstrap.AL2023:
		if node.ServiceCIDR != cfg.Cluster.ServiceIPv4CIDR {
			t.Errorf("NodeConfig cidr %q, want %q", node.ServiceCIDR, cfg.Cluster.ServiceIPv4CIDR)
		}
	case bootstrap.Bottlerocket, bootstrap.AL2:
		if dns, _ := bootstrap.ClusterDNSIP(cfg.Cluster.ServiceIPv4CIDR); node.ClusterDNSIP != dns {
			t.Errorf("cluster DNS %q, want %q", node.ClusterDNSIP, dns)
		}
	}
	if node.MaxPods != wantPods {
		t.Errorf("kubelet max pods %d, want %d", node.MaxPods, wantPods)
	}
	if family == bootstrap.AL2023 && node.KubeReservedMaxPods != wantPods {
		t.Errorf("nodeadm sizes kubeReserved on %d pods (maxPodsExpression), want %d", node.KubeReservedMaxPods, wantPods)
	}
	if cfg.Proxy != nil && node.Environment["HTTPS_PROXY"] != cfg.Proxy.HTTPSProxy {
		t.Errorf("node proxy environment %v, want HTTPS_PROXY %s", node.Environment, cfg.Proxy.HTTPSProxy)
	}
	tags := tagsOf(asg.List("tags"))
	tmpl := nodespec.NodeTemplate(tags)
	if !reflect.DeepEqual(tmpl.Labels, node.Labels) {
		t.Errorf("node-template labels %v\nkubelet labels       %v", tmpl.Labels, node.Labels)
	}
	if !reflect.DeepEqual(tmpl.Taints, node.Taints) {
		t.Errorf("node-template taints %v\nkubelet taints       %v", tmpl.Taints, node.Taints)
	}
	for _, tag := range tags {
		if tag.Key == nodespec.NodeTemplateResourcePrefix+"pods" && tag.Value != strconv.Itoa(wantPods) {
			t.Errorf("pods tag %s, want %d", tag.Value, wantPods)
		}
	}
}

func checkManaged(t *testing.T, p *plan.Plan, g config.NodeGroup, wantPods int) {
	cfg := p.Config
	comp := component(t, p, managed.TypeToken, cfg.Cluster.Name+"-"+g.Name)
	kids := children(p, comp.URN)
	if len(kids["aws:eks/nodeGroup:NodeGroup"]) != 1 || len(kids["aws:ec2/launchTemplate:LaunchTemplate"]) != 1 {
		t.Fatalf("children of %s: %v", comp.Name, kids)
	}
	ng := inputs.Map(kids["aws:eks/nodeGroup:NodeGroup"][0].Inputs)
	var tags []nodespec.Tag
	for _, r := range kids["aws:autoscaling/tag:Tag"] {
		in := inputs.Map(r.Inputs)
		tags = append(tags, nodespec.Tag{Key: in.String("tag.key"), Value: in.String("tag.value")})
	}
	tmpl := nodespec.NodeTemplate(tags)
	if !g.Autoscaling {
		// No autoscaler reads node-template tags of a group it does not
		// scale (under Karpenter groups are not autoscaled).
		if len(tags) != 0 {
			t.Errorf("group %s is not autoscaled but carries node-template tags %v", g.Name, tags)
		}
		for k, v := range g.Labels {
			if ng.String("labels."+k) != v {
				t.Errorf("label %s=%s: node group %q", k, v, ng.String("labels."+k))
			}
		}
		if len(ng.List("taints")) != len(g.Taints) {
			t.Errorf("node group taints %v, config %v", ng.List("taints"), g.Taints)
		}
	}
	for k, v := range g.Labels {
		if g.Autoscaling && (tmpl.Labels[k] != v || ng.String("labels."+k) != v) {
			t.Errorf("label %s=%s: tag %q, node group %q", k, v, tmpl.Labels[k], ng.String("labels."+k))
		}
	}
	var wantTaints []bootstrap.Taint
	for _, tt := range g.Taints {
		wantTaints = append(wantTaints, bootstrap.Taint{Key: tt.Key, Value: tt.Value, Effect: tt.Effect})
	}
	sort.Slice(wantTaints, func(i, j int) bool { return wantTaints[i].Key < wantTaints[j].Key })
	if g.Autoscaling && (!reflect.DeepEqual(tmpl.Taints, wantTaints) || len(ng.List("taints")) != len(g.Taints)) {
		t.Errorf("node-template taints %v, node group taints %v, config %v", tmpl.Taints, ng.List("taints"), wantTaints)
	}
	lt := inputs.Map(kids["aws:ec2/launchTemplate:LaunchTemplate"][0].Inputs)
	if ud, ok := lt.Get("userData"); ok && ud != nil {
		node, err := userdata.DecodeBase64(bootstrap.Family(g.AMIFamily), ud.(string))
		if err != nil {
			t.Fatalf("managed user data does not decode: %v", err)
		}
		if node.MaxPods != wantPods || node.ClusterName != "" {
			t.Errorf("managed user data: max pods %d (want %d), cluster %q (want none)", node.MaxPods, wantPods, node.ClusterName)
		}
	} else if cfg.CNI.CustomNetworking || cfg.CNI.PrefixDelegation {
		t.Errorf("managed group under custom networking or prefix delegation has no user data to set max pods")
	}
}

// TestNodeGroupRefs checks what NodeGroups hands the rest of the program
// (the autoscaler and termination handler wiring) for the dev stack.
func TestNodeGroupRefs(t *testing.T) {
	proj, err := plan.LoadProject("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(proj.Name, proj.Stack, proj.Config)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		name, kind              string
		spot, autoscaled, drain bool
		asgName, asgARN, role   string
	}
	var refs []got
	cloud := mockcloud.New(mockcloud.Options{Project: proj.Name, Stack: proj.Stack, Region: cfg.Region})
	err = cloud.Run(func(ctx *pulumi.Context) error {
		cl, err := cluster.New(ctx, cfg.Cluster.Name, &cluster.Args{
			Name: cfg.Cluster.Name, Version: cfg.Cluster.Version, Region: cfg.Region,
			VpcID: pulumi.String(cfg.Network.VpcID), PrivateSubnetIDs: pulumi.ToStringArray(cfg.Network.PrivateSubnetIDs),
			EndpointPrivateAccess: true, ServiceIPv4CIDR: cfg.Cluster.ServiceIPv4CIDR,
		})
		if err != nil {
			return err
		}
		groups, err := stacks.NodeGroups(ctx, cfg, &stacks.Live{}, cl, map[string]string{"team": "platform"})
		if err != nil {
			return err
		}
		if n := len(stacks.NodeGroupResources(groups)); n != len(groups) {
			return fmt.Errorf("NodeGroupResources gave %d resources for %d groups", n, len(groups))
		}
		for _, g := range groups {
			r := got{name: g.Name, kind: g.Kind, spot: g.Spot, autoscaled: g.Autoscaled, drain: g.Drain}
			for dst, o := range map[*string]pulumi.StringOutput{&r.asgName: g.ASGName, &r.asgARN: g.ASGARN, &r.role: g.RoleARN} {
				v, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
				if err != nil {
					return err
				}
				*dst, _ = v.Value.(string)
			}
			refs = append(refs, r)
		}
		return nil
	}, mockcloud.RunConfig{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 {
		t.Fatalf("refs %+v, want system and workers", refs)
	}
	for _, r := range refs {
		want := map[string]got{
			"system":  {name: "system", kind: config.KindManaged, autoscaled: true},
			"workers": {name: "workers", kind: config.KindSelfManaged, spot: true, autoscaled: true, drain: true},
		}[r.name]
		if r.kind != want.kind || r.spot != want.spot || r.autoscaled != want.autoscaled || r.drain != want.drain {
			t.Errorf("ref %+v, want %+v", r, want)
		}
		if r.asgName == "" || !strings.HasSuffix(r.asgARN, ":autoScalingGroupName/"+r.asgName) || !strings.HasPrefix(r.role, "arn:aws:iam::") {
			t.Errorf("ref %s outputs: ASG %q, ARN %q, role %q", r.name, r.asgName, r.asgARN, r.role)
		}
	}
}
