package driver_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/eksfleet/eksfleet/internal/enginetest"
	"gopkg.in/yaml.v3"
)

var updateMatrix = flag.Bool("update-matrix", false, "rewrite the change matrix in README.md from the engine's plans")

// matrixRow is one config change of the change matrix: edits applied to
// testdata/Pulumi.matrix.yaml, previewed on the real engine against the
// deployed starting point.
type matrixRow struct {
	edits []edit
	// replaces says why AWS gives no other way than replacing or deleting
	// a critical resource (cluster, node group, Auto Scaling group, KMS key,
	// interruption queue); empty for a change that must not. The test fails
	// when the plan and this disagree.
	replaces string
}

// edit sets the config key at path (eksfleet:nodeGroups[1].maxSize) to a
// YAML value; an empty value removes the key.
type edit struct{ path, value string }

func set(path, value string) edit { return edit{path, value} }
func remove(path string) edit     { return edit{path, ""} }

// matrixRows are the changes of a Cluster Autoscaler stack
// (testdata/Pulumi.matrix.yaml): every key of the stack config contract
// that can change, one at a time. nodeGroups[0] is the managed group, [1] a
// self-managed one, [2] a self-managed one with a warm pool.
var matrixRows = []matrixRow{
	{edits: []edit{set("eksfleet:tags.owner", "sre")}},
	{edits: []edit{set("eksfleet:environment", "prod")}},
	{edits: []edit{set("eksfleet:network.vpcEndpoints", "[s3, sts, logs]")}},
	{edits: []edit{set("eksfleet:network.privateSubnetIds", "[subnet-0c3d4e5f607182a01, subnet-0c3d4e5f607182b01, subnet-0c3d4e5f607182c01]"),
		set("eksfleet:network.subnetZones.subnet-0c3d4e5f607182c01", "eu-west-1c")},
		replaces: "a managed group without `subnetIds` runs in every private subnet, and EKS cannot move a group to other subnets (`subnetIds` is ForceNew): pin `subnetIds` on managed groups before adding subnets to keep them"},
	{edits: []edit{set("eksfleet:network.publicSubnetIds", "[subnet-0c3d4e5f607182a11, subnet-0c3d4e5f607182b11]")}},
	{edits: []edit{set("eksfleet:cluster.name", "acme-matrix-2")},
		replaces: "EKS cannot rename a cluster (`name` is ForceNew): another name is another cluster"},
	{edits: []edit{set("eksfleet:cluster.version", `"1.34"`)}},
	{edits: []edit{set("eksfleet:cluster.endpointPublicAccess", "true"), set("eksfleet:cluster.publicAccessCidrs", "[203.0.113.0/24]")}},
	{edits: []edit{set("eksfleet:cluster.logTypes", "[api, audit, authenticator, controllerManager]")}},
	{edits: []edit{set("eksfleet:cluster.adminRoleArns", "[arn:aws:iam::333344445555:role/platform-admin, arn:aws:iam::333344445555:role/break-glass]")}},
	{edits: []edit{set("eksfleet:cluster.addonVersions", "{vpc-cni: v1.19.2-eksbuild.1}")}},
	{edits: []edit{set("eksfleet:cluster.secretsKmsKeyArn", "arn:aws:kms:eu-west-1:333344445555:key/6f1c1b7e-2f8a-4a59-9a53-0c1f7a8e2d41")},
		replaces: "EKS cannot move a cluster's Secrets encryption to another key: `up` stops at the cluster update, which EKS refuses (as the fakes do), before the dedicated key would be deleted; name a key when creating the cluster"},
	{edits: []edit{set("eksfleet:cluster.serviceIpv4Cidr", "172.21.0.0/16")},
		replaces: "EKS cannot change a cluster's service range (`kubernetesNetworkConfig.serviceIpv4Cidr` is ForceNew): only a new cluster has another"},
	{edits: []edit{set("eksfleet:proxy.httpsProxy", "http://proxy2.corp.example:3128")}},
	{edits: []edit{set("eksfleet:proxy.noProxy", "[.corp.example, .example.org]")}},
	{edits: []edit{remove("eksfleet:proxy")}},
	{edits: []edit{set("eksfleet:cni", "{prefixDelegation: true}")}},
	{edits: []edit{set("eksfleet:cni", "{customNetworking: true, podSubnetIds: {eu-west-1a: subnet-0c3d4e5f607182a51, eu-west-1b: subnet-0c3d4e5f607182b51}}")}},

	{edits: []edit{set("eksfleet:nodeGroups[0].minSize", "3"), set("eksfleet:nodeGroups[0].desiredSize", "3")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].maxSize", "6")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].desiredSize", "3")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].instanceTypes", "[m6i.xlarge]")},
		replaces: "EKS cannot change a managed group's instance types (`instanceTypes` is ForceNew; UpdateNodegroupConfig has none): a new group is created first, then EKS drains and deletes the old one"},
	{edits: []edit{set("eksfleet:nodeGroups[0].labels", "{workload: system, tier: core}")}},
	{edits: []edit{remove("eksfleet:nodeGroups[0].taints")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].capacityType", "SPOT")},
		replaces: "EKS cannot change a managed group's capacity type (`capacityType` is ForceNew): a new group, then the old one drained and deleted"},
	{edits: []edit{set("eksfleet:nodeGroups[0].amiFamily", "Bottlerocket")},
		replaces: "EKS cannot change a managed group's AMI type (`amiType` is ForceNew): a new group, then the old one drained and deleted"},
	{edits: []edit{set("eksfleet:nodeGroups[0].architecture", "arm64"), set("eksfleet:nodeGroups[0].instanceTypes", "[m7g.large]")},
		replaces: "EKS cannot change a managed group's AMI type (`amiType` is ForceNew), which the architecture selects: a new group, then the old one drained and deleted"},
	{edits: []edit{set("eksfleet:nodeGroups[0].amiReleaseVersion", "1.33.5-20251201")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].nodeRepair", "false")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].updateConfig", "{maxUnavailable: 2}")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].rootVolume", "{sizeGiB: 80}")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].maxPods", "20")}},
	{edits: []edit{set("eksfleet:nodeGroups[0].subnetIds", "[subnet-0c3d4e5f607182a01]")},
		replaces: "EKS cannot move a managed group to other subnets (`subnetIds` is ForceNew): a new group, then the old one drained and deleted"},
	{edits: []edit{set("eksfleet:nodeGroups[0].autoscaling", "false")}},

	{edits: []edit{set("eksfleet:nodeGroups[1].minSize", "2")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].maxSize", "12")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].instanceTypes", "[m6i.xlarge, m5.xlarge]")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].labels", "{workload: general, tier: web}")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].taints", "[{key: dedicated, value: web, effect: NoSchedule}]")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].spot", "{onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 0, allocationStrategy: price-capacity-optimized}")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].kubeletExtraArgs", "[--image-gc-high-threshold=80]")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].preBootstrapCommands", "[sysctl -w net.ipv4.tcp_keepalive_time=300]")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].maxPods", "30")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].drainOnTermination", "false")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].instanceRefresh", "{minHealthyPercentage: 100, maxHealthyPercentage: 200}")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].instanceRefresh", "{checkpointPercentages: [50, 100], checkpointDelaySeconds: 600, autoRollback: true}")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].imdsHopLimit", "1")}},
	{edits: []edit{set("eksfleet:nodeGroups[2].warmPool", "{minSize: 2, state: Stopped}")}},
	{edits: []edit{remove("eksfleet:nodeGroups[2].warmPool")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].amiReleaseVersion", "1.33.5-20251201")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].amiFamily", "Bottlerocket")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].architecture", "arm64"), set("eksfleet:nodeGroups[1].instanceTypes", "[m7g.xlarge, m6g.xlarge]")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].rootVolume", "{sizeGiB: 100}")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].subnetIds", "[subnet-0c3d4e5f607182a01]")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].autoscaling", "false")}},
	{edits: []edit{set("eksfleet:nodeGroups[3]", "{name: batch, kind: self-managed, instanceTypes: [c6i.xlarge], minSize: 0, maxSize: 5}")}},
	{edits: []edit{set("eksfleet:nodeGroups[1].name", "general")},
		replaces: "a group's name is its identity (resource names and the ASG name derive from it): renaming creates the new group, then deletes the old one"},
	{edits: []edit{remove("eksfleet:nodeGroups[1]")},
		replaces: "removing a group from the config deletes it"},

	{edits: []edit{set("eksfleet:autoscaler.expander", "priority")}},
	{edits: []edit{set("eksfleet:autoscaler.balanceSimilarNodeGroups", "false")}},
	{edits: []edit{set("eksfleet:autoscaler.scaleDownUnneededTime", "20m")}},
	{edits: []edit{set("eksfleet:autoscaler.chartVersion", "9.50.0")}},
	{edits: []edit{set("eksfleet:autoscaler.enabled", "false")}},
	{edits: []edit{set("eksfleet:policy", "{requiredTags: [team]}")}},
	{edits: []edit{set("eksfleet:autoscaler", "{kind: karpenter}"), set("eksfleet:nodePools", "[{name: general, limits: {cpu: \"64\"}}]"),
		remove("eksfleet:nodeGroups[1]"), remove("eksfleet:nodeGroups[1]")},
		replaces: "moving workload capacity to Karpenter: the self-managed groups it replaces are removed from the config, so they are deleted"},
}

// karpenterRows are the changes of a Karpenter stack
// (testdata/Pulumi.matrix-karpenter.yaml): the node pool keys, and the
// settings whose effect differs there. nodePools[0] is an AL2023 pool,
// [1] a Bottlerocket one.
var karpenterRows = []matrixRow{
	{edits: []edit{set("eksfleet:nodePools[0].limits", "{cpu: \"200\", memory: 800Gi}")}},
	{edits: []edit{set("eksfleet:nodePools[0].labels", "{workload: general, tier: web}")}},
	{edits: []edit{set("eksfleet:nodePools[0].taints", "[{key: dedicated, value: web, effect: NoSchedule}]")}},
	{edits: []edit{set("eksfleet:nodePools[0].capacityTypes", "[ON_DEMAND]")}},
	{edits: []edit{set("eksfleet:nodePools[0].instanceCategories", "[c, m]")}},
	{edits: []edit{set("eksfleet:nodePools[0].disruption", "{consolidationPolicy: WhenEmpty, consolidateAfter: 10m, expireAfter: 336h}")}},
	{edits: []edit{set("eksfleet:nodePools[0].weight", "10")}},
	{edits: []edit{set("eksfleet:nodePools[0].amiReleaseVersion", "1.33.5-20251201")}},
	{edits: []edit{set("eksfleet:nodePools[1].amiFamily", "AL2023")}},
	{edits: []edit{set("eksfleet:nodePools[2]", "{name: gpu, instanceFamilies: [g6], capacityTypes: [ON_DEMAND], limits: {cpu: \"32\"}}")}},
	{edits: []edit{remove("eksfleet:nodePools[1]")},
		replaces: "removing a pool from the config deletes its NodePool, and Karpenter drains and terminates the pool's nodes"},
	{edits: []edit{set("eksfleet:proxy.httpsProxy", "http://proxy2.corp.example:3128")}},
	{edits: []edit{set("eksfleet:cni", "{prefixDelegation: true}")}},
	{edits: []edit{set("eksfleet:cluster.version", `"1.34"`)}},
}

// matrixStacks are the starting points and their rows.
var matrixStacks = []struct {
	stack, label string
	rows         []matrixRow
}{
	{"matrix", "", matrixRows},
	{"matrix-karpenter", "Karpenter stack: ", karpenterRows},
}

// TestEngineChangeMatrix: from the deployed starting point, each row's
// change is previewed on the real engine; the operations it plans make one
// line of the table in README.md ("What a change does"), which must match.
// No row may replace or delete a critical resource unless the row says why
// AWS gives no other way (issue 12 item 2). Run with -update-matrix to
// rewrite the table after a deliberate change.
func TestEngineChangeMatrix(t *testing.T) {
	start := time.Now()
	rows := 0
	var lines []string
	for _, ms := range matrixStacks {
		lines = append(lines, matrixLines(t, ms.stack, ms.label, ms.rows)...)
		rows += len(ms.rows)
	}
	elapsed := time.Since(start)
	t.Logf("change matrix: %d rows previewed in %.1fs with the two ups (%.1fs a row)", rows, elapsed.Seconds(), elapsed.Seconds()/float64(rows))
	writeMatrixTable(t, lines)
}

// matrixLines deploys the starting point testdata/Pulumi.STACK.yaml in a
// project (and fake cloud) of its own, previews each row's change from it
// and returns the table lines.
func matrixLines(t *testing.T, stack, label string, rows []matrixRow) []string {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	base, err := os.ReadFile(filepath.Join("testdata", "Pulumi."+stack+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f.Write("Pulumi."+stack+".yaml", string(base))
	f.run(ctx, "up", stack).must(t, driver.ExitOK)
	if again := f.run(ctx, "preview", stack).must(t, driver.ExitOK); len(again.summary.Resources) != 0 {
		t.Fatalf("%s: the starting point is not up to date: %+v", stack, again.summary.Resources)
	}
	var lines []string
	for _, row := range rows {
		changed, err := applyEdits(base, row.edits)
		if err != nil {
			t.Fatalf("%s: %v", describe(row.edits), err)
		}
		f.Write("Pulumi."+stack+".yaml", changed)
		f.AWS.Reset()
		r := f.run(ctx, "preview", stack)
		refusal := ""
		switch r.code {
		case driver.ExitOK:
		case driver.ExitPolicy:
			// A change the guardrails refuse is a row too: what the change
			// does is stop at the preview.
			refusal = refusedBy(r.summary.PolicyViolations)
		default:
			t.Errorf("%s: preview exit %d: %q", describe(row.edits), r.code, r.summary.Errors)
			continue
		}
		if n := len(applied(f.AWS.FakeProvider, "Create", "Update", "Delete")); n != 0 {
			t.Errorf("%s: the preview changed %d resources", describe(row.edits), n)
		}
		critical := criticalOps(r.summary.Resources)
		switch {
		case len(critical) > 0 && row.replaces == "":
			t.Errorf("%s replaces or deletes critical resources %v, and nothing says why AWS needs it", describe(row.edits), critical)
		case len(critical) == 0 && row.replaces != "":
			t.Errorf("%s: the row says it replaces (%s), but the plan replaces no critical resource", describe(row.edits), row.replaces)
		}
		lines = append(lines, tableLine(label, row, r.summary.Resources, refusal))
	}
	f.Write("Pulumi."+stack+".yaml", string(base))
	return lines
}

// writeMatrixTable compares the table with README's, or with
// -update-matrix writes it there.
func writeMatrixTable(t *testing.T, lines []string) {
	t.Helper()
	table := "| Change | Planned operations | Critical replacement: why AWS needs it |\n|---|---|---|\n" + strings.Join(lines, "\n") + "\n"
	readme := filepath.Join(enginetest.RepoRoot, "README.md")
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- change-matrix:begin -->\n", "<!-- change-matrix:end -->"
	i, j := strings.Index(string(b), begin), strings.Index(string(b), end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section for the change matrix", begin, end)
	}
	got := string(b[i+len(begin) : j])
	if *updateMatrix {
		if err := os.WriteFile(readme, []byte(string(b[:i+len(begin)])+table+string(b[j:])), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != table {
		t.Errorf("README.md's change matrix is not what the engine plans (rerun with -update-matrix after a deliberate change):\n--- README\n%s\n--- engine\n%s", got, table)
	}
}

// criticalOps lists the critical replacements and deletions of a plan.
func criticalOps(changes []driver.Change) []string {
	var out []string
	for _, c := range changes {
		if c.Critical {
			out = append(out, c.Op+" "+c.Type)
		}
	}
	return out
}

// tableLine renders one row: the change, the operations planned by
// resource type (with the properties that differ), and the reason for a
// critical replacement.
func tableLine(label string, row matrixRow, changes []driver.Change, refusal string) string {
	type key struct{ op, typ string }
	counts := map[key]int{}
	diffs := map[key][]string{}
	critical := map[key]bool{}
	for _, c := range changes {
		k := key{c.Op, shortType(c.Type)}
		counts[k]++
		critical[k] = critical[k] || c.Critical
		for _, d := range c.Diffs {
			if !slices.Contains(diffs[k], d) {
				diffs[k] = append(diffs[k], d)
			}
		}
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return opRank(keys[i].op) < opRank(keys[j].op)
		}
		return keys[i].typ < keys[j].typ
	})
	ops := make([]string, 0, len(keys))
	for _, k := range keys {
		s := fmt.Sprintf("%s %s", k.op, k.typ)
		if counts[k] > 1 {
			s += fmt.Sprintf(" ×%d", counts[k])
		}
		if d := diffs[k]; len(d) > 0 && k.op != "create" && k.op != "delete" {
			sort.Strings(d)
			s += " (" + strings.Join(d, ", ") + ")"
		}
		if critical[k] {
			s = "**" + s + "**"
		}
		ops = append(ops, s)
	}
	planned := strings.Join(ops, "; ")
	switch {
	case refusal != "":
		planned = refusal
	case planned == "":
		planned = "no change"
	}
	return fmt.Sprintf("| %s%s | %s | %s |", label, describe(row.edits), planned, row.replaces)
}

// refusedBy names the mandatory guardrails that stopped a preview.
func refusedBy(violations []driver.Violation) string {
	var names []string
	for _, v := range violations {
		if v.Enforcement == "mandatory" && !slices.Contains(names, "`"+v.Policy+"`") {
			names = append(names, "`"+v.Policy+"`")
		}
	}
	sort.Strings(names)
	return "refused at preview by the mandatory guardrail " + strings.Join(names, ", ")
}

// opRank orders the destructive operations first.
func opRank(op string) int {
	switch op {
	case "replace":
		return 0
	case "delete":
		return 1
	case "create":
		return 2
	case "update":
		return 3
	}
	return 4
}

// shortType is a resource type without its version noise, the AWS
// provider's without its package: aws:autoscaling/group:Group ->
// autoscaling.Group, kubernetes:core/v1:ConfigMap ->
// kubernetes:core.ConfigMap, eks:index:Cluster -> eks:Cluster.
func shortType(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 {
		return typ
	}
	module, _, _ := strings.Cut(parts[1], "/")
	name := module + "." + parts[2]
	if module == "index" {
		name = parts[2]
	}
	if parts[0] == "aws" {
		return name
	}
	return parts[0] + ":" + name
}

// describe renders the edits of a row as the Change column.
func describe(edits []edit) string {
	parts := make([]string, len(edits))
	for i, e := range edits {
		key := strings.TrimPrefix(e.path, "eksfleet:")
		if e.value == "" {
			parts[i] = fmt.Sprintf("`%s` removed", key)
		} else {
			parts[i] = fmt.Sprintf("`%s: %s`", key, strings.ReplaceAll(e.value, "|", `\|`))
		}
	}
	return strings.Join(parts, ", ")
}

// applyEdits returns the stack file with edits applied.
func applyEdits(file []byte, edits []edit) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(file, &doc); err != nil {
		return "", err
	}
	cfg := mapValue(doc.Content[0], "config")
	if cfg == nil {
		return "", fmt.Errorf("no config: in the stack file")
	}
	for _, e := range edits {
		if err := setPath(cfg, e.path, e.value); err != nil {
			return "", fmt.Errorf("%s: %w", e.path, err)
		}
	}
	out, err := yaml.Marshal(&doc)
	return string(out), err
}

// setPath sets (or with an empty value removes) the node at path below m:
// keys separated by '.', list indexes as [i] (one past the end appends).
func setPath(m *yaml.Node, path, value string) error {
	var steps []string
	for _, part := range strings.Split(path, ".") {
		name, idx, ok := strings.Cut(part, "[")
		steps = append(steps, name)
		if ok {
			steps = append(steps, "["+idx)
		}
	}
	var val *yaml.Node
	if value != "" {
		var v yaml.Node
		if err := yaml.Unmarshal([]byte(value), &v); err != nil {
			return err
		}
		val = v.Content[0]
	}
	node := m
	for i, step := range steps {
		last := i == len(steps)-1
		if strings.HasPrefix(step, "[") {
			var n int
			if _, err := fmt.Sscanf(step, "[%d]", &n); err != nil || node.Kind != yaml.SequenceNode || n > len(node.Content) {
				return fmt.Errorf("no list entry %s", step)
			}
			switch {
			case last && val == nil:
				node.Content = slices.Delete(node.Content, n, n+1)
			case last && n == len(node.Content):
				node.Content = append(node.Content, val)
			case last:
				node.Content[n] = val
			default:
				node = node.Content[n]
			}
			continue
		}
		if node.Kind != yaml.MappingNode {
			return fmt.Errorf("%s is not in a map", step)
		}
		j := -1
		for k := 0; k+1 < len(node.Content); k += 2 {
			if node.Content[k].Value == step {
				j = k
			}
		}
		switch {
		case last && val == nil:
			if j < 0 {
				return fmt.Errorf("no key %s to remove", step)
			}
			node.Content = slices.Delete(node.Content, j, j+2)
		case last && j >= 0:
			node.Content[j+1] = val
		case last:
			node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: step}, val)
		case j < 0:
			child := &yaml.Node{Kind: yaml.MappingNode}
			node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: step}, child)
			node = child
		default:
			node = node.Content[j+1]
		}
	}
	return nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
