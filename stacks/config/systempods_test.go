package config_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
	"gopkg.in/yaml.v3"
)

// systemPodsProblem is the text of the refusal when the system pods have
// no node to start on.
const systemPodsProblem = "no node group starts with a node that the system pods"

func parseGroups(t *testing.T, groups, autoscaler string) (*config.Config, error) {
	t.Helper()
	v := with(t, "eksfleet:nodeGroups", groups)
	if autoscaler != "" {
		v["eksfleet:autoscaler"] = autoscaler
	}
	return config.Parse("eksfleet", "dev", v)
}

// TestSystemPodsNeedAStartingNode: the system pods (CoreDNS, and with
// autoscaler.enabled the autoscaler and the termination handler) tolerate
// CriticalAddonsOnly only, so some group must start with a node whose
// taints are all that (or PreferNoSchedule).
func TestSystemPodsNeedAStartingNode(t *testing.T) {
	for name, groups := range map[string]string{
		"tolerated system taint": `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 1, maxSize: 3, taints: [{key: CriticalAddonsOnly, value: "true", effect: NoSchedule}]},
			{name: workers, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 3}]`,
		"desired above min":  `[{name: workers, kind: self-managed, instanceTypes: [m5.large], minSize: 0, desiredSize: 1, maxSize: 3}]`,
		"prefer no schedule": `[{name: workers, kind: managed, instanceTypes: [m5.large], minSize: 2, maxSize: 3, taints: [{key: spot, value: "true", effect: PreferNoSchedule}]}]`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseGroups(t, groups, ""); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}

	for name, tc := range map[string]struct {
		groups, autoscaler string
		want               []string
	}{
		"all start empty": {
			groups: `[{name: system, kind: managed, instanceTypes: [m6i.large], minSize: 0, maxSize: 3}]`,
			want:   []string{"(cluster-autoscaler, coredns)", "system starts with 0 nodes", "desiredSize (or minSize) 1 or more"},
		},
		"taint not tolerated": {
			groups: `[{name: gpu, kind: self-managed, instanceTypes: [m5.large], minSize: 2, maxSize: 3, taints: [{key: nvidia.com/gpu, effect: NoSchedule}]}]`,
			want:   []string{"(cluster-autoscaler, aws-node-termination-handler, coredns)", "gpu is tainted nvidia.com/gpu:NoSchedule"},
		},
		"both reasons": {
			groups: `[{name: batch, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 3, drainOnTermination: false, taints: [{key: batch, value: "yes", effect: NoExecute}, {key: CriticalAddonsOnly, effect: NoSchedule}]}]`,
			want:   []string{"(cluster-autoscaler, coredns)", "batch starts with 0 nodes and is tainted batch=yes:NoExecute;"},
		},
		"coredns alone without charts": {
			groups:     `[{name: system, kind: self-managed, instanceTypes: [m6i.large], minSize: 0, maxSize: 3}]`,
			autoscaler: `{"enabled": false}`,
			want:       []string{"the system pods (coredns) can run on"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseGroups(t, tc.groups, tc.autoscaler)
			var cerr *config.Errors
			if !errors.As(err, &cerr) {
				t.Fatalf("want *config.Errors, got %v", err)
			}
			for _, p := range cerr.Problems {
				if p.Path == "eksfleet:nodeGroups" && strings.Contains(p.Message, systemPodsProblem) {
					for _, w := range tc.want {
						if !strings.Contains(p.Message, w) {
							t.Errorf("message lacks %q: %s", w, p.Message)
						}
					}
					return
				}
			}
			t.Fatalf("no system pods problem at eksfleet:nodeGroups; got:\n%v", err)
		})
	}
}

// TestBundledStacksHostSystemPods: the stacks shipped in the repository
// start with a node the system pods can use.
func TestBundledStacksHostSystemPods(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			raw, err := os.ReadFile("../../Pulumi." + stack + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Config map[string]any `yaml:"config"`
			}
			if err := yaml.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			text, err := yaml.Marshal(doc.Config)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse("eksfleet", stack, values(t, string(text)))
			if err != nil {
				t.Fatalf("Pulumi.%s.yaml is refused: %v", stack, err)
			}
			hosts := false
			for _, g := range cfg.NodeGroups {
				hosts = hosts || g.HostsSystemPods()
			}
			if !hosts {
				t.Errorf("no group of Pulumi.%s.yaml hosts the system pods", stack)
			}
		})
	}
}

// TestSystemPodsJudgeOnlyWellFormedGroups: a malformed group gets its own
// problem and no second one about the system pods.
func TestSystemPodsJudgeOnlyWellFormedGroups(t *testing.T) {
	_, err := parseGroups(t, `[{name: a, kind: managed, instanceTypes: [m6i.large], minSize: 0, maxSize: two}]`, "")
	var cerr *config.Errors
	if !errors.As(err, &cerr) {
		t.Fatalf("want *config.Errors, got %v", err)
	}
	for _, p := range cerr.Problems {
		if strings.Contains(p.Message, systemPodsProblem) {
			t.Errorf("system pods judged on a malformed group: %v", err)
		}
	}
}
