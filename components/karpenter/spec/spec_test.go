package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/internal/shared"
	"gopkg.in/yaml.v3"
)

// upstreamKarpenter returns ../shared/upstream/karpenter or skips.
func upstreamKarpenter(t *testing.T) string {
	t.Helper()
	up, err := shared.Upstream()
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	dir := filepath.Join(up, "karpenter")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("skipping: the shared upstream data (%s) is absent; CI always has it", dir)
	}
	return dir
}

// TestReleasesMatchCompatibilityMatrix re-derives Releases from upstream's
// compatibility.yaml: for each minor, the first appVersion whose range
// includes it (at least 1.0.0), and the pinned release's range covers it.
func TestReleasesMatchCompatibilityMatrix(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(upstreamKarpenter(t), "docs", "compatibility.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Compatibility []struct {
			AppVersion    string `yaml:"appVersion"`
			MinK8sVersion string `yaml:"minK8sVersion"`
			MaxK8sVersion string `yaml:"maxK8sVersion"`
		} `yaml:"compatibility"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	norm := func(v string) string { return strings.ReplaceAll(v, ".x", ".0") }
	minorOf := func(v string) string { p := strings.Split(v, "."); return p[0] + "." + p[1] }
	for minor, r := range Releases {
		first := ""
		pinnedCovers := false
		for _, c := range doc.Compatibility {
			in := CompareVersions(c.MinK8sVersion+".0", minor+".0") <= 0 && CompareVersions(minor+".0", c.MaxK8sVersion+".0") <= 0
			if !in {
				continue
			}
			if first == "" {
				first = norm(c.AppVersion)
			}
			if minorOf(c.AppVersion) == minorOf(r.Pinned) {
				pinnedCovers = true
			}
		}
		if CompareVersions(first, "1.0.0") < 0 {
			first = "1.0.0"
		}
		if r.Minimum != first {
			t.Errorf("Kubernetes %s: Minimum %s, the matrix says %s", minor, r.Minimum, first)
		}
		if !pinnedCovers {
			t.Errorf("Kubernetes %s: pinned %s is outside its appVersion's range in the matrix", minor, r.Pinned)
		}
	}
	if len(Releases) != 7 {
		t.Errorf("%d minors pinned, want 1.29-1.35", len(Releases))
	}
}

func TestChartVersion(t *testing.T) {
	if v, err := ChartVersion("1.33", ""); err != nil || v != "1.14.1" {
		t.Errorf("default = %q, %v", v, err)
	}
	if v, err := ChartVersion("1.33", "1.5.0"); err != nil || v != "1.5.0" {
		t.Errorf("override = %q, %v", v, err)
	}
	for _, bad := range []string{"1.4.9", "v1.6.0", "1.6"} {
		if _, err := ChartVersion("1.33", bad); err == nil {
			t.Errorf("%s accepted for 1.33", bad)
		}
	}
	if _, err := ChartVersion("1.28", ""); err == nil {
		t.Error("1.28 accepted")
	}
}

// cfnSubstitutions fill the template's parameters and pseudo parameters.
var cfnSubstitutions = map[string]string{
	"${AWS::Partition}":                 "aws",
	"${AWS::Region}":                    "eu-west-1",
	"${AWS::AccountId}":                 "111122223333",
	"${ClusterName}":                    "acme",
	"${KarpenterNodeRole.Arn}":          "arn:aws:iam::111122223333:role/acme-node",
	"${KarpenterInterruptionQueue.Arn}": "arn:aws:sqs:eu-west-1:111122223333:acme",
}

// TestControllerPolicyMatchesTemplate compares ControllerPolicy with every
// controller policy of upstream's CloudFormation template: same Sids, and
// per Sid the same effect, actions, resources and conditions.
func TestControllerPolicyMatchesTemplate(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(upstreamKarpenter(t), "cloudformation", "cloudformation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	want := map[string]iampolicy.Statement{}
	resources := mapping(t, mapping(t, root.Content[0], "Resources"), "")
	for i := 0; i < len(resources.Content); i += 2 {
		res := resources.Content[i+1]
		if scalar(mapping(t, res, "Type")) != "AWS::IAM::ManagedPolicy" {
			continue
		}
		text := scalar(mapping(t, mapping(t, mapping(t, res, "Properties"), "PolicyDocument"), ""))
		for k, v := range cfnSubstitutions {
			text = strings.ReplaceAll(text, k, v)
		}
		if strings.Contains(text, "${") {
			t.Fatalf("%s: unsubstituted parameter in %s", resources.Content[i].Value, text)
		}
		var doc iampolicy.Document
		if err := json.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatalf("%s: %v", resources.Content[i].Value, err)
		}
		for _, s := range doc.Statement {
			want[s.Sid] = s
		}
	}
	if len(want) != 18 {
		t.Fatalf("template has %d controller statements, want 18 (a new upstream policy to review?)", len(want))
	}
	got, err := ControllerPolicy(PolicyInput{Partition: "aws", Region: "eu-west-1", Account: "111122223333", Cluster: "acme",
		NodeRoleARN: cfnSubstitutions["${KarpenterNodeRole.Arn}"], QueueARN: cfnSubstitutions["${KarpenterInterruptionQueue.Arn}"]})
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through JSON, as IAM reads it.
	text, err := got.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var parsed iampolicy.Document
	if err := json.Unmarshal([]byte(text), &parsed); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range parsed.Statement {
		seen[s.Sid] = true
		w, ok := want[s.Sid]
		if !ok {
			t.Errorf("statement %s is not in the template", s.Sid)
			continue
		}
		if !reflect.DeepEqual(canonical(s), canonical(w)) {
			t.Errorf("statement %s differs from the template:\n got %+v\nwant %+v", s.Sid, canonical(s), canonical(w))
		}
	}
	for sid := range want {
		if !seen[sid] {
			t.Errorf("template statement %s is missing", sid)
		}
	}
}

func canonical(s iampolicy.Statement) iampolicy.Statement {
	sortV := func(v iampolicy.Values) iampolicy.Values {
		out := append(iampolicy.Values(nil), v...)
		sort.Strings(out)
		return out
	}
	out := iampolicy.Statement{Sid: s.Sid, Effect: s.Effect, Action: sortV(s.Action), Resource: sortV(s.Resource)}
	if len(s.Condition) > 0 {
		out.Condition = map[string]map[string]iampolicy.Values{}
		for op, m := range s.Condition {
			out.Condition[op] = map[string]iampolicy.Values{}
			for k, v := range m {
				out.Condition[op][k] = sortV(v)
			}
		}
	}
	return out
}

// mapping returns the value of key in a mapping node ("" returns the node).
func mapping(t *testing.T, n *yaml.Node, key string) *yaml.Node {
	t.Helper()
	if key == "" {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	t.Fatalf("no key %s", key)
	return nil
}

func scalar(n *yaml.Node) string { return n.Value }

func TestControllerPolicyRefusesMissingScope(t *testing.T) {
	if _, err := ControllerPolicy(PolicyInput{Partition: "aws", Region: "eu-west-1", Account: "1", NodeRoleARN: "r", QueueARN: "q"}); err == nil {
		t.Error("a policy without a cluster to scope to was built")
	}
}

func TestSelect(t *testing.T) {
	got := Select(Filter{Families: []string{"m7g"}, Architectures: []string{"arm64"}})
	if len(got) == 0 {
		t.Fatal("m7g selects nothing")
	}
	for _, i := range got {
		if !strings.HasPrefix(i.Name, "m7g.") || i.Architecture != "arm64" {
			t.Errorf("m7g filter selected %s (%s)", i.Name, i.Architecture)
		}
	}
	for _, i := range Select(Filter{Categories: []string{"c", "m"}, MinGeneration: 7}) {
		c, _, g := Labels(i.Name)
		if (c != "c" && c != "m") || g < 7 || i.Architecture != "x86_64" {
			t.Errorf("c/m gen>=7 x86 selected %s", i.Name)
		}
	}
	if n := len(Select(Filter{Architectures: []string{"arm64"}, Families: []string{"m6i"}})); n != 0 {
		t.Errorf("arm64 m6i selected %d types", n)
	}
	for _, tc := range []struct {
		typ, cat, fam string
		gen           int
	}{{"m7i.large", "m", "m7i", 7}, {"inf2.xlarge", "inf", "inf2", 2}, {"u-6tb1.metal", "u", "u-6tb1", 6}, {"c5a.2xlarge", "c", "c5a", 5}} {
		c, f, g := Labels(tc.typ)
		if c != tc.cat || f != tc.fam || g != tc.gen {
			t.Errorf("Labels(%s) = %s %s %d", tc.typ, c, f, g)
		}
	}
}

func TestPoolMaxPodsIsTheSmallest(t *testing.T) {
	types := Select(Filter{Types: []string{"m6i.large", "m6i.4xlarge", "m6i.24xlarge"}})
	mode := instancetypes.NetworkMode{PrefixDelegation: true}
	n, ok := PoolMaxPods(types, mode)
	if !ok {
		t.Fatal("no max pods")
	}
	for _, ty := range types {
		v, err := instancetypes.MaxPods(ty.Name, mode)
		if err != nil || v < n {
			t.Errorf("%s: %d < pool value %d (%v)", ty.Name, v, n, err)
		}
	}
	if n != 110 {
		t.Errorf("prefix delegation m6i large..24xlarge = %d, want 110 (the small cap)", n)
	}
}

func TestNodeClass(t *testing.T) {
	in := NodeClassInput{Name: "general", SubnetIDs: []string{"subnet-a", "subnet-b"}, SecurityGroupIDs: []string{"sg-1"},
		InstanceProfile: "acme-node", UserData: "data", Tags: map[string]string{"team": "x"}, HopLimit: 1,
		Volume: nodespec.Volume{SizeGiB: 80, Type: "gp3", Encrypted: true}, MaxPods: 110,
		Release: nodespec.Release{Raw: "1.33.5-20251120", Date: "20251120"}}
	nc, err := NodeClass(in)
	if err != nil {
		t.Fatal(err)
	}
	s := nc.Spec
	if s.AMISelectorTerms[0].Alias != "al2023@v20251120" || s.MetadataOptions.HTTPTokens != "required" || s.MetadataOptions.HTTPPutResponseHopLimit != 1 ||
		len(s.SubnetSelectorTerms) != 2 || s.SecurityGroupSelectorTerms[0].ID != "sg-1" || *s.Kubelet.MaxPods != 110 || *s.UserData != "data" ||
		*s.AssociatePublicIPAddress || s.InstanceProfile != "acme-node" {
		t.Errorf("node class: %+v", s)
	}
	if len(s.BlockDeviceMappings) != 1 || !s.BlockDeviceMappings[0].EBS.Encrypted || s.BlockDeviceMappings[0].EBS.VolumeSize != "80Gi" || !s.BlockDeviceMappings[0].RootVolume {
		t.Errorf("AL2023 volumes: %+v", s.BlockDeviceMappings)
	}
	in.Family, in.Release = bootstrap.Bottlerocket, nodespec.Release{Raw: "1.50.0", Version: "1.50.0"}
	nc, err = NodeClass(in)
	if err != nil {
		t.Fatal(err)
	}
	bd := nc.Spec.BlockDeviceMappings
	if nc.Spec.AMISelectorTerms[0].Alias != "bottlerocket@v1.50.0" || len(bd) != 2 || !bd[0].EBS.Encrypted || bd[0].RootVolume || !bd[1].RootVolume ||
		bd[1].DeviceName != nodespec.BottlerocketDataDevice || bd[0].EBS.VolumeSize != "4Gi" || bd[1].EBS.VolumeSize != "80Gi" {
		t.Errorf("Bottlerocket: alias %s, volumes %+v", nc.Spec.AMISelectorTerms[0].Alias, bd)
	}
	for _, mutate := range []func(*NodeClassInput){
		func(i *NodeClassInput) { i.HopLimit = 0 },
		func(i *NodeClassInput) { i.InstanceProfile = "" },
		func(i *NodeClassInput) { i.SubnetIDs = nil },
		func(i *NodeClassInput) { i.Family = bootstrap.AL2 },
	} {
		bad := in
		mutate(&bad)
		if _, err := NodeClass(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestPool(t *testing.T) {
	p, err := Pool(PoolInput{Name: "general",
		Filter:        Filter{Architectures: []string{"arm64", "x86_64"}, Categories: []string{"r", "c"}, Families: []string{"m7g"}, Types: []string{"m7g.large"}, MinGeneration: 6},
		CapacityTypes: []string{"SPOT", "ON_DEMAND"}, Zones: []string{"eu-west-1b"},
		Labels: map[string]string{"workload": "general"}, Taints: []bootstrap.Taint{{Key: "k", Value: "v", Effect: "NoSchedule"}},
		Limits: map[string]string{"cpu": "256"}, Weight: 10, ExpireAfter: "720h",
		Disruption: Disruption{ConsolidationPolicy: "WhenEmpty", ConsolidateAfter: "5m", Budgets: []Budget{{Nodes: "10%"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		LabelOS: {"In", "linux"}, LabelArch: {"In", "amd64", "arm64"}, LabelCapacityType: {"In", "on-demand", "spot"},
		LabelInstanceCategory: {"In", "c", "r"}, LabelInstanceFamily: {"In", "m7g"}, LabelInstanceType: {"In", "m7g.large"},
		LabelInstanceGen: {"Gt", "5"}, LabelZone: {"In", "eu-west-1b"},
	}
	got := map[string][]string{}
	for _, r := range p.Spec.Template.Spec.Requirements {
		got[r.Key] = append([]string{r.Operator}, r.Values...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requirements:\n got %v\nwant %v", got, want)
	}
	if *p.Spec.Weight != 10 || p.Spec.Limits["cpu"] != "256" || p.Spec.Template.Spec.NodeClassRef.Name != "general" ||
		p.Spec.Template.Metadata.Labels["workload"] != "general" || p.Spec.Template.Spec.Taints[0].Effect != "NoSchedule" ||
		p.Spec.Disruption.ConsolidateAfter != "5m" || p.Spec.Template.Spec.ExpireAfter != "720h" {
		t.Errorf("pool: %+v", p.Spec)
	}
	if _, err := Pool(PoolInput{Name: "x", CapacityTypes: []string{"spot"}}); err == nil {
		t.Error("lower-case capacity type accepted")
	}
	if !slices.Contains([]string{"WhenEmptyOrUnderutilized"}, mustPool(t, PoolInput{Name: "d"}).Spec.Disruption.ConsolidationPolicy) {
		t.Error("default consolidation policy")
	}
}

func mustPool(t *testing.T, in PoolInput) NodePool {
	t.Helper()
	p, err := Pool(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
