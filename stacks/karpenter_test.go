package stacks_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/karpenter"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/eksfleet/eksfleet/internal/helmcheck"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/eksfleet/eksfleet/stacks"
)

const (
	nodeClassType = "kubernetes:" + spec.NodeClassAPIVersion + ":" + spec.NodeClassKind
	nodePoolType  = "kubernetes:" + spec.NodePoolAPIVersion + ":" + spec.NodePoolKind
)

// checkKarpenter checks a stack with autoscaler.kind: karpenter against its
// config: the controller's IRSA role and upstream's policy scoped to this
// cluster, the charts and values, and one EC2NodeClass and NodePool per
// pool whose user data reads back as the proxy and max pods the nodes need.
func checkKarpenter(t *testing.T, p *plan.Plan) {
	t.Helper()
	cfg := p.Config
	cluster := cfg.Cluster.Name
	comp := component(t, p, karpenter.TypeToken, cluster+"-karpenter")
	kids := children(p, comp.URN)

	var irsa plan.Resource
	for _, r := range kids["aws:iam/role:Role"] {
		if strings.HasSuffix(r.Name, "-irsa") {
			irsa = r
		}
	}
	checkIRSA(t, p, irsa, spec.Namespace, spec.ServiceAccount)
	got := parsePolicy(t, onlyChild(t, p, comp, "aws:iam/rolePolicy:RolePolicy"), "policy")
	arn, err := iampolicy.ParseARN(p.Outputs["oidcProviderArn"].(string))
	if err != nil {
		t.Fatal(err)
	}
	exported := p.Outputs["karpenter"].(map[string]any)
	want, err := spec.ControllerPolicy(spec.PolicyInput{Partition: arn.Partition, Region: cfg.Region, Account: arn.Account, Cluster: cluster,
		NodeRoleARN: exported["nodeRoleArn"].(string), QueueARN: queueARN(t, p, comp)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, roundTrip(t, want)) {
		t.Errorf("controller policy differs from spec.ControllerPolicy for this cluster")
	}
	entry := inputs.Map(onlyChild(t, p, comp, "aws:eks/accessEntry:AccessEntry").Inputs)
	if entry.String("type") != "EC2_LINUX" || entry.String("principalArn") != exported["nodeRoleArn"] {
		t.Errorf("node access entry %v", entry)
	}

	releases := kids["kubernetes:helm.sh/v3:Release"]
	if len(releases) != 2 {
		t.Fatalf("%d Helm releases, want the CRD and controller charts", len(releases))
	}
	version, _ := spec.ChartVersion(cfg.Cluster.Version, cfg.Autoscaler.Karpenter.ChartVersion)
	for _, rel := range releases {
		in := inputs.Map(rel.Inputs)
		if in.String("version") != version {
			t.Errorf("%s version %s, want %s", in.String("chart"), in.String("version"), version)
		}
		if in.String("chart") != spec.ControllerChart {
			continue
		}
		if f := helmcheck.Findings(raw(t, p, rel).Inputs["values"]); len(f) != 0 {
			t.Errorf("karpenter values: %v", f)
		}
		if in.String("values.settings.clusterName") != cluster || in.String("values.settings.clusterEndpoint") != p.Outputs["clusterEndpoint"] ||
			in.String("values.settings.interruptionQueue") != exported["queueName"] {
			t.Errorf("settings %v", in["values"].(map[string]any)["settings"])
		}
		for _, g := range cfg.NodeGroups {
			if g.HostsSystemPods() && !dependsOnGroup(p, rel, cluster+"-"+g.Name) {
				t.Errorf("the controller release does not wait for group %s, which hosts it", g.Name)
			}
		}
	}

	mode := instancetypes.NetworkMode{CustomNetworking: cfg.CNI.CustomNetworking, PrefixDelegation: cfg.CNI.PrefixDelegation}
	classes, pools := kids[nodeClassType], kids[nodePoolType]
	if len(classes) != len(cfg.NodePools) || len(pools) != len(cfg.NodePools) {
		t.Fatalf("%d node classes and %d pools for %d nodePools", len(classes), len(pools), len(cfg.NodePools))
	}
	byName := func(list []plan.Resource) map[string]inputs.Map {
		out := map[string]inputs.Map{}
		for _, r := range list {
			in := inputs.Map(r.Inputs)
			out[in.String("metadata.name")] = in
		}
		return out
	}
	classByName, poolByName := byName(classes), byName(pools)
	for _, np := range cfg.NodePools {
		class, pool := classByName[np.Name], poolByName[np.Name]
		if class == nil || pool == nil || pool.String("spec.template.spec.nodeClassRef.name") != np.Name {
			t.Fatalf("pool %s: no node class or pool of that name, or the pool refers to another class", np.Name)
		}
		if class.String("spec.metadataOptions.httpTokens") != "required" || class.String("spec.instanceProfile") != exported["instanceProfileName"] {
			t.Errorf("pool %s: class %v", np.Name, class["spec"])
		}
		for _, bd := range class.List("spec.blockDeviceMappings") {
			if bd.(map[string]any)["ebs"].(map[string]any)["encrypted"] != true {
				t.Errorf("pool %s: unencrypted volume %v", np.Name, bd)
			}
		}
		wantPods := 0
		if mode.PrefixDelegation && np.MaxPods.Auto {
			wantPods, _ = spec.PoolMaxPods(spec.Select(np.Filter()), mode)
		}
		if got, _ := class.Get("spec.kubelet.maxPods"); wantPods > 0 && got != int64(wantPods) {
			t.Errorf("pool %s: kubelet.maxPods %v, want %d", np.Name, got, wantPods)
		}
		if ud := class.String("spec.userData"); ud != "<absent>" {
			n, err := userdata.Decode(bootstrap.Family(np.AMIFamily), []byte(ud))
			if err != nil {
				t.Fatalf("pool %s: user data does not decode: %v", np.Name, err)
			}
			if n.MaxPods != wantPods || n.ClusterName != "" {
				t.Errorf("pool %s: user data max pods %d (want %d), cluster %q (Karpenter adds it)", np.Name, n.MaxPods, wantPods, n.ClusterName)
			}
		} else if cfg.Proxy != nil || wantPods > 0 {
			t.Errorf("pool %s has no user data to carry the proxy or max pods", np.Name)
		}
		for k, v := range np.Labels {
			if pool.String("spec.template.metadata.labels."+k) != v {
				t.Errorf("pool %s: label %s", np.Name, k)
			}
		}
		if len(pool.List("spec.template.spec.taints")) != len(np.Taints) {
			t.Errorf("pool %s: taints %v", np.Name, pool.List("spec.template.spec.taints"))
		}
	}
}

func queueARN(t *testing.T, p *plan.Plan, comp plan.Resource) string {
	t.Helper()
	q := onlyChild(t, p, comp, "aws:sqs/queue:Queue")
	return raw(t, p, q).Outputs["arn"].StringValue()
}

func roundTrip(t *testing.T, d iampolicy.Document) iampolicy.Document {
	t.Helper()
	text, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	out, err := iampolicy.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKarpenterGuardrailsSeePools: the policy pack reads the program's
// NodePools and EC2NodeClasses; a staging pool without limits is reported
// (advisory in staging; prod refuses it at config time already).
func TestKarpenterGuardrailsSeePools(t *testing.T) {
	proj, err := plan.LoadProject("..", "staging")
	if err != nil {
		t.Fatal(err)
	}
	var pools []map[string]any
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:nodePools"]), &pools); err != nil {
		t.Fatal(err)
	}
	delete(pools[0], "limits")
	b, _ := json.Marshal(pools)
	proj.Config["eksfleet:nodePools"] = string(b)
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, v := range p.Violations {
		if v.Policy == "karpenter-pool-limits" {
			found = strings.HasSuffix(v.URN, "::"+p.Config.Cluster.Name+"-karpenter-"+pools[0]["name"].(string)) && v.Enforcement == "advisory"
		}
		if v.Enforcement == "mandatory" {
			t.Errorf("mandatory violation: %s %s", v.Policy, v.Message)
		}
	}
	if !found {
		t.Errorf("no advisory karpenter-pool-limits violation for the pool without limits: %+v", p.Violations)
	}
}
