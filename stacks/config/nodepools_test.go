package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
)

// karpenterBase is base with Karpenter as the autoscaler and two pools.
func karpenterBase(t *testing.T, pools string) map[string]string {
	t.Helper()
	v := with(t, "eksfleet:autoscaler", `{kind: karpenter}`)
	w := with(t, "eksfleet:nodePools", pools)
	v["eksfleet:nodePools"] = w["eksfleet:nodePools"]
	// Karpenter's two replicas need two host nodes at start.
	v["eksfleet:nodeGroups"] = with(t, "eksfleet:nodeGroups", `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 2, maxSize: 3}]`)["eksfleet:nodeGroups"]
	return v
}

const twoPools = `
- name: general
  instanceCategories: [c, m, r]
  minGeneration: 6
  capacityTypes: [SPOT, ON_DEMAND]
  limits: {cpu: "256", memory: 1024Gi}
- name: arm
  amiFamily: Bottlerocket
  architectures: [arm64]
  instanceFamilies: [m7g, c7g]
  taints: [{key: arm, value: "true", effect: NoSchedule}]
  limits: {cpu: "64"}
  weight: 10
  disruption: {consolidationPolicy: WhenEmpty, budgets: [{nodes: "1"}, {nodes: "0", schedule: "0 9 * * mon-fri", duration: 8h}]}
`

func TestNodePoolsValidAndDefaults(t *testing.T) {
	cfg, err := config.Parse("eksfleet", "prod", karpenterBase(t, twoPools))
	if err != nil {
		t.Fatalf("two valid pools refused: %v", err)
	}
	if cfg.Autoscaler.Kind != config.AutoscalerKarpenter || len(cfg.NodePools) != 2 {
		t.Fatalf("kind %q, %d pools", cfg.Autoscaler.Kind, len(cfg.NodePools))
	}
	g := cfg.NodePools[0]
	if g.AMIFamily != "AL2023" || strings.Join(g.Architectures, ",") != "x86_64" || !g.MaxPods.Auto || g.HopLimit() != 2 ||
		!g.RootVolume.Encrypted || g.RootVolume.Type != "gp3" || g.Disruption.ConsolidationPolicy != "WhenEmptyOrUnderutilized" ||
		g.Disruption.ExpireAfter != "720h" || len(g.Disruption.Budgets) != 1 || g.Disruption.Budgets[0].Nodes != "10%" {
		t.Errorf("pool defaults: %+v", g)
	}
	for _, ng := range cfg.NodeGroups {
		if ng.Autoscaling {
			t.Errorf("node group %s autoscaled under Karpenter; want autoscaling to default to false", ng.Name)
		}
	}
	// The Cluster Autoscaler default keeps groups autoscaled.
	ca, err := config.Parse("eksfleet", "dev", values(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if !ca.NodeGroups[0].Autoscaling || ca.Autoscaler.Kind != config.AutoscalerClusterAutoscaler {
		t.Errorf("cluster-autoscaler default: kind %q, autoscaling %v", ca.Autoscaler.Kind, ca.NodeGroups[0].Autoscaling)
	}
	if got := strings.Join(cfg.SystemPods(), ","); !strings.Contains(got, "karpenter") || strings.Contains(got, "cluster-autoscaler") {
		t.Errorf("system pods under Karpenter = %s", got)
	}
}

// TestNodePoolRefusals: each bad value is refused at its key, naming the
// value and what is valid.
func TestNodePoolRefusals(t *testing.T) {
	cases := []struct {
		name, stack, autoscaler, pools, path, message string
	}{
		{"pools without karpenter", "dev", `{kind: cluster-autoscaler}`, `[{name: a, limits: {cpu: "1"}}]`, "eksfleet:nodePools", "set autoscaler.kind: karpenter"},
		{"unknown kind", "dev", `{kind: karpentr}`, `[]`, "eksfleet:autoscaler.kind", `did you mean "karpenter"`},
		{"chart below matrix", "dev", `{kind: karpenter, karpenter: {chartVersion: 1.4.0}}`, `[{name: a}]`, "eksfleet:autoscaler.karpenter.chartVersion", "needs 1.5.0 or later"},
		{"chart not semver", "dev", `{kind: karpenter, karpenter: {chartVersion: latest}}`, `[{name: a}]`, "eksfleet:autoscaler.karpenter.chartVersion", "not a Karpenter chart version"},
		{"chart without karpenter", "dev", `{karpenter: {chartVersion: 1.14.1}}`, `[]`, "eksfleet:autoscaler.karpenter.chartVersion", "autoscaler.kind is cluster-autoscaler"},
		{"duplicate names", "dev", `{kind: karpenter}`, `[{name: a}, {name: a}]`, "eksfleet:nodePools[1].name", "unique"},
		{"bad name", "dev", `{kind: karpenter}`, `[{name: A_b}]`, "eksfleet:nodePools[0].name", "a-z, 0-9"},
		{"missing name", "dev", `{kind: karpenter}`, `[{}]`, "eksfleet:nodePools[0].name", "is required"},
		{"AL2 family", "dev", `{kind: karpenter}`, `[{name: a, amiFamily: AL2}]`, "eksfleet:nodePools[0].amiFamily", "AL2023, Bottlerocket"},
		{"arch typo", "dev", `{kind: karpenter}`, `[{name: a, architectures: [amd64]}]`, "eksfleet:nodePools[0].architectures[0]", "x86_64, arm64"},
		{"capacity typo", "dev", `{kind: karpenter}`, `[{name: a, capacityTypes: [spot]}]`, "eksfleet:nodePools[0].capacityTypes[0]", "ON_DEMAND, SPOT"},
		{"filters match nothing", "dev", `{kind: karpenter}`, `[{name: a, architectures: [arm64], instanceFamilies: [m6i]}]`, "eksfleet:nodePools[0]", "match no instance type"},
		{"unknown type", "dev", `{kind: karpenter}`, `[{name: a, instanceTypes: [m6i.hyuge]}]`, "eksfleet:nodePools[0].instanceTypes[0]", "unknown to the instance table"},
		{"limits missing in prod", "prod", `{kind: karpenter}`, `[{name: a}]`, "eksfleet:nodePools[0].limits", "required in prod"},
		{"bad quantity", "dev", `{kind: karpenter}`, `[{name: a, limits: {memory: lots}}]`, "eksfleet:nodePools[0].limits.memory", "Kubernetes quantity"},
		{"bad consolidateAfter", "dev", `{kind: karpenter}`, `[{name: a, disruption: {consolidateAfter: 1.5m}}]`, "eksfleet:nodePools[0].disruption.consolidateAfter", "Never"},
		{"bad policy", "dev", `{kind: karpenter}`, `[{name: a, disruption: {consolidationPolicy: Always}}]`, "eksfleet:nodePools[0].disruption.consolidationPolicy", "WhenEmptyOrUnderutilized, WhenEmpty"},
		{"budget nodes", "dev", `{kind: karpenter}`, `[{name: a, disruption: {budgets: [{nodes: "110%"}]}}]`, "eksfleet:nodePools[0].disruption.budgets[0].nodes", "percentage"},
		{"budget schedule alone", "dev", `{kind: karpenter}`, `[{name: a, disruption: {budgets: [{nodes: "1", schedule: "@daily"}]}}]`, "eksfleet:nodePools[0].disruption.budgets[0]", "set together"},
		{"budget reason", "dev", `{kind: karpenter}`, `[{name: a, disruption: {budgets: [{nodes: "1", reasons: [Expired]}]}}]`, "eksfleet:nodePools[0].disruption.budgets[0].reasons[0]", "Underutilized, Empty, Drifted"},
		{"unencrypted", "dev", `{kind: karpenter}`, `[{name: a, rootVolume: {encrypted: false}}]`, "eksfleet:nodePools[0].rootVolume.encrypted", "must be true"},
		{"hop limit", "dev", `{kind: karpenter}`, `[{name: a, imdsHopLimit: 0}]`, "eksfleet:nodePools[0].imdsHopLimit", "1-64"},
		{"weight", "dev", `{kind: karpenter}`, `[{name: a, weight: 101}]`, "eksfleet:nodePools[0].weight", "0-100"},
		{"max pods", "dev", `{kind: karpenter}`, `[{name: a, maxPods: 300}]`, "eksfleet:nodePools[0].maxPods", "1-250"},
		{"karpenter label", "dev", `{kind: karpenter}`, `[{name: a, labels: {karpenter.sh/nodepool: x}}]`, "eksfleet:nodePools[0].labels.karpenter.sh/nodepool", "Karpenter sets itself"},
		{"kubelet label", "dev", `{kind: karpenter}`, `[{name: a, labels: {kubernetes.io/role: x}}]`, "eksfleet:nodePools[0].labels", "kubernetes.io"},
		{"taint effect", "dev", `{kind: karpenter}`, `[{name: a, taints: [{key: x, effect: Never}]}]`, "eksfleet:nodePools[0].taints", "NoSchedule"},
		{"subnet not private", "dev", `{kind: karpenter}`, `[{name: a, subnetIds: [subnet-0a1b2c3d4e5f60c01]}]`, "eksfleet:nodePools[0].subnetIds[0]", "privateSubnetIds"},
		{"zone region", "dev", `{kind: karpenter}`, `[{name: a, zones: [us-east-1a]}]`, "eksfleet:nodePools[0].zones[0]", "not in aws:region"},
		{"release form", "dev", `{kind: karpenter}`, `[{name: a, amiReleaseVersion: v20251120}]`, "eksfleet:nodePools[0].amiReleaseVersion", "1.33.5-20251120"},
		{"type of other architecture", "dev", `{kind: karpenter}`, `[{name: a, instanceTypes: [m7g.large, m6i.large]}]`, "eksfleet:nodePools[0].instanceTypes[0]", "arm64 instance type"},
		{"zone without subnet", "dev", `{kind: karpenter}`, `[{name: a, zones: [eu-west-1c]}]`, "eksfleet:nodePools[0].zones[0]", "none of the pool's subnets"},
		{"unknown pool key", "dev", `{kind: karpenter}`, `[{name: a, limit: {cpu: "1"}}]`, "eksfleet:nodePools[0].limit", `did you mean "limits"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := with(t, "eksfleet:autoscaler", tc.autoscaler)
			v["eksfleet:nodePools"] = with(t, "eksfleet:nodePools", tc.pools)["eksfleet:nodePools"]
			_, err := config.Parse("eksfleet", tc.stack, v)
			var cerr *config.Errors
			if !errors.As(err, &cerr) {
				t.Fatalf("accepted (or not *config.Errors): %v", err)
			}
			for _, p := range cerr.Problems {
				if p.Path == tc.path && strings.Contains(p.String(), tc.message) {
					return
				}
			}
			t.Errorf("no problem at %s containing %q in:\n%v", tc.path, tc.message, err)
		})
	}
}

func TestAutoscalingTrueRefusedUnderKarpenter(t *testing.T) {
	v := karpenterBase(t, twoPools)
	v["eksfleet:nodeGroups"] = with(t, "eksfleet:nodeGroups", `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 2, maxSize: 3, autoscaling: true}]`)["eksfleet:nodeGroups"]
	_, err := config.Parse("eksfleet", "dev", v)
	if err == nil || !strings.Contains(err.Error(), "eksfleet:nodeGroups[0].autoscaling: true cannot be true with autoscaler.kind: karpenter") {
		t.Fatalf("explicit autoscaling: true under Karpenter: %v", err)
	}
	// Explicit false is fine, and explicit true stays allowed with the
	// Cluster Autoscaler.
	v["eksfleet:nodeGroups"] = with(t, "eksfleet:nodeGroups", `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 2, maxSize: 3, autoscaling: false}]`)["eksfleet:nodeGroups"]
	if _, err := config.Parse("eksfleet", "dev", v); err != nil {
		t.Fatal(err)
	}
	ca := with(t, "eksfleet:nodeGroups", `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 1, maxSize: 3, autoscaling: false}]`)
	cfg, err := config.Parse("eksfleet", "dev", ca)
	if err != nil || cfg.NodeGroups[0].Autoscaling {
		t.Fatalf("explicit autoscaling: false with the Cluster Autoscaler: %v, %+v", err, cfg)
	}
}

func TestKarpenterNeedsTwoHostNodes(t *testing.T) {
	v := karpenterBase(t, twoPools)
	v["eksfleet:nodeGroups"] = with(t, "eksfleet:nodeGroups", `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 1, maxSize: 3}]`)["eksfleet:nodeGroups"]
	_, err := config.Parse("eksfleet", "dev", v)
	if err == nil || !strings.Contains(err.Error(), "two controller replicas on different nodes") {
		t.Fatalf("one host node under Karpenter: %v", err)
	}
	v["eksfleet:nodeGroups"] = with(t, "eksfleet:nodeGroups", `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 2, maxSize: 3}]`)["eksfleet:nodeGroups"]
	if _, err := config.Parse("eksfleet", "dev", v); err != nil {
		t.Fatal(err)
	}
}
