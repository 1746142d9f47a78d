package stacks_test

import (
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/managed"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/eksfleet/eksfleet/stacks"
)

// nodeNoProxy decodes the NO_PROXY a self-managed group's nodes get.
func nodeNoProxy(t *testing.T, p *plan.Plan, group string) []string {
	t.Helper()
	comp := component(t, p, selfmanaged.TypeToken, p.Config.Cluster.Name+"-"+group)
	lt := inputs.Map(children(p, comp.URN)["aws:ec2/launchTemplate:LaunchTemplate"][0].Inputs)
	node, err := userdata.DecodeBase64(bootstrap.AL2023, lt.String("userData"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(node.Environment["NO_PROXY"], ",")
}

// podNoProxyOf returns the pods' NO_PROXY (the proxy ConfigMap).
func podNoProxyOf(t *testing.T, p *plan.Plan) []string {
	t.Helper()
	for _, r := range p.Resources {
		if r.Type == "kubernetes:core/v1:ConfigMap" {
			return strings.Split(r.Inputs["data"].(map[string]any)["NO_PROXY"].(string), ",")
		}
	}
	t.Fatal("no proxy ConfigMap")
	return nil
}

// TestNoProxyMatchesTheNetwork: behind the proxy (prod), nodes and pods
// reach the services with VPC endpoints and the custom-networking pod
// subnets directly.
func TestNoProxyMatchesTheNetwork(t *testing.T) {
	p := evaluate(t, "..", "prod")
	lists := map[string][]string{"nodes": nodeNoProxy(t, p, "workers-a"), "pods": podNoProxyOf(t, p)}
	for who, list := range lists {
		for _, want := range []string{"sts.eu-west-1.amazonaws.com", "dkr.ecr.eu-west-1.amazonaws.com", "api.ecr.eu-west-1.amazonaws.com",
			"s3.eu-west-1.amazonaws.com", "sqs.eu-west-1.amazonaws.com", "eks-auth.eu-west-1.api.aws", "ssm.eu-west-1.amazonaws.com"} {
			if !containsString(list, want) {
				t.Errorf("%s NO_PROXY lacks %s: %v", who, want, list)
			}
		}
		pods := 0
		for _, e := range list {
			if strings.HasPrefix(e, "100.") && strings.HasSuffix(e, "/24") {
				pods++ // the offline fake's pod subnet CIDRs
			}
		}
		if pods != len(p.Config.CNI.PodSubnetIDs) {
			t.Errorf("%s NO_PROXY holds %d pod subnet CIDRs, want %d: %v", who, pods, len(p.Config.CNI.PodSubnetIDs), list)
		}
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "cni.podSubnetIds") {
		t.Errorf("the plan does not say the pod subnet CIDRs are made up offline: %q", p.Notes)
	}
}

// TestPublicOnlyEndpointGoesThroughTheProxy: with no private endpoint the
// API server is on the internet, reachable from a proxy-only VPC only
// through the proxy; exempting it (or .eks.amazonaws.com) would cut nodes
// and controllers off.
func TestPublicOnlyEndpointGoesThroughTheProxy(t *testing.T) {
	proj, err := plan.LoadProject("..", "prod")
	if err != nil {
		t.Fatal(err)
	}
	proj.Config["eksfleet:environment"] = "staging" // prod refuses a public endpoint without private access
	proj.Config["eksfleet:cluster"] = `{"name":"acme-prod","version":"1.33","endpointPrivateAccess":false,"endpointPublicAccess":true,"publicAccessCidrs":["198.51.100.0/24"]}`
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.ToLower(strings.TrimPrefix(p.Outputs["clusterEndpoint"].(string), "https://"))
	for who, list := range map[string][]string{"nodes": nodeNoProxy(t, p, "workers-a"), "pods": podNoProxyOf(t, p)} {
		for _, e := range list {
			if e == ".eks.amazonaws.com" || e == host {
				t.Errorf("%s NO_PROXY exempts the public-only API endpoint (%s): %v", who, e, list)
			}
		}
	}
}

// TestNodesWaitForTheVPCCNI: every launch template, Auto Scaling Group and
// managed node group depends on the vpc-cni add-on: with custom networking
// (prod) nodes launched before it is configured keep the old networking,
// and on an upgrade (any stack) the add-ons move before the nodes roll.
func TestNodesWaitForTheVPCCNI(t *testing.T) {
	for stack, want := range map[string]bool{"prod": true, "dev": true} {
		p := evaluate(t, "..", stack)
		cl := component(t, p, cluster.TypeToken, p.Config.Cluster.Name)
		cni := ""
		for _, r := range children(p, cl.URN)["aws:eks/addon:Addon"] {
			if r.Inputs["addonName"] == "vpc-cni" {
				cni = r.URN
			}
		}
		if cni == "" {
			t.Fatalf("%s: no vpc-cni add-on", stack)
		}
		checked := 0
		for _, typ := range []string{selfmanaged.TypeToken, managed.TypeToken} {
			for _, r := range p.Resources {
				if r.Type != typ {
					continue
				}
				for _, kind := range []string{"aws:ec2/launchTemplate:LaunchTemplate", "aws:autoscaling/group:Group", "aws:eks/nodeGroup:NodeGroup"} {
					for _, k := range children(p, r.URN)[kind] {
						checked++
						if got := containsString(k.Dependencies, cni); got != want {
							t.Errorf("%s: %s depends on vpc-cni = %v, want %v", stack, k.URN, got, want)
						}
					}
				}
			}
		}
		if checked == 0 {
			t.Fatalf("%s: no node resources found", stack)
		}
	}
}

// TestNodeRepairByDefault: managed groups get EKS node auto repair unless
// nodeRepair: false (contract version 2).
func TestNodeRepairByDefault(t *testing.T) {
	p := evaluate(t, "..", "dev")
	n := 0
	for _, r := range p.Resources {
		if r.Type != "aws:eks/nodeGroup:NodeGroup" {
			continue
		}
		n++
		if got, _ := inputs.Map(r.Inputs).Get("nodeRepairConfig.enabled"); got != true {
			t.Errorf("%s: nodeRepairConfig.enabled = %v, want true", r.URN, got)
		}
	}
	if n == 0 {
		t.Fatal("dev has no managed node group")
	}
}

// TestAddonsFollowTheCluster: every add-on gets a version (EKS's default
// for the cluster's minor unless pinned), so an upgrade of cluster.version
// moves the add-ons too; a pinned version wins.
func TestAddonsFollowTheCluster(t *testing.T) {
	versions := func(p *plan.Plan) map[string]any {
		out := map[string]any{}
		for _, r := range p.Resources {
			if r.Type == "aws:eks/addon:Addon" {
				out[r.Inputs["addonName"].(string)] = r.Inputs["addonVersion"]
			}
		}
		return out
	}
	for _, minor := range []string{"1.33", "1.34"} {
		proj, err := plan.LoadProject("..", "dev")
		if err != nil {
			t.Fatal(err)
		}
		proj.Config["eksfleet:cluster"] = strings.Replace(proj.Config["eksfleet:cluster"], `"1.33"`, `"`+minor+`"`, 1)
		p, err := plan.Evaluate(proj, stacks.Run)
		if err != nil {
			t.Fatal(err)
		}
		got := versions(p)
		for _, addon := range []string{"vpc-cni", "kube-proxy", "coredns"} {
			want, _ := mockcloud.AddonDefault(addon, minor)
			if got[addon] != want {
				t.Errorf("%s on %s: version %v, want EKS's default %s", addon, minor, got[addon], want)
			}
		}
	}
	proj, err := plan.LoadProject("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	proj.Config["eksfleet:cluster"] = strings.Replace(proj.Config["eksfleet:cluster"], `"version":"1.33"`, `"version":"1.33","addonVersions":{"vpc-cni":"v1.19.2-eksbuild.1"}`, 1)
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(p)["vpc-cni"]; got != "v1.19.2-eksbuild.1" {
		t.Errorf("pinned vpc-cni version = %v, want v1.19.2-eksbuild.1", got)
	}
}
