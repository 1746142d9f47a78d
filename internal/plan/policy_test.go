package plan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/policy/catalog"
	"github.com/eksfleet/eksfleet/policy/guardrails"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// unsafeRules are the guardrails policy/testdata/Pulumi.unsafe.yaml breaks,
// all mandatory there (staging defaults, or overridden in eksfleet:policy).
var unsafeRules = []string{
	"imds-hop-limit", "node-volumes-encrypted", "eks-endpoint-private", "eks-control-plane-logs",
	"eks-secrets-cmk", "allowed-instance-types", "required-tags",
}

// TestBundledStacksPassGuardrails: the bundled stacks break no mandatory
// guardrail, and every rule ran over the resources it is about.
func TestBundledStacksPassGuardrails(t *testing.T) {
	for _, stack := range bundled {
		t.Run(stack, func(t *testing.T) {
			p := evaluate(t, stack)
			for _, v := range p.Violations {
				if _, ok := catalog.Lookup(v.Policy); !ok {
					t.Errorf("violation of unknown policy %q", v.Policy)
				}
				if v.Enforcement == "mandatory" {
					t.Errorf("mandatory violation: %s %s: %s", v.Policy, v.URN, v.Message)
				} else {
					t.Logf("advisory: %s %s: %s", v.Policy, v.URN, v.Message)
				}
			}
			if p.HasMandatoryViolation() {
				t.Errorf("HasMandatoryViolation is true")
			}
			types := map[string]bool{}
			for _, r := range plan.AnalyzerResources(p.Cloud.Resources()) {
				types[r.Type] = true
			}
			wantTypes := []string{"aws:eks/cluster:Cluster", "aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/nodeGroup:NodeGroup", "aws:iam/rolePolicy:RolePolicy"}
			for _, g := range p.Config.NodeGroups {
				if g.Kind == config.KindSelfManaged {
					// Only self-managed groups are Auto Scaling groups of
					// ours (staging's workloads run on Karpenter pools).
					wantTypes = append(wantTypes, "aws:autoscaling/group:Group")
					break
				}
			}
			for _, want := range wantTypes {
				if !types[want] {
					t.Errorf("the guardrails saw no %s", want)
				}
			}
		})
	}
}

// TestEKSClusterChild: the control plane rules read the aws:eks Cluster
// pulumi-eks would register, rebuilt from the component's arguments.
func TestEKSClusterChild(t *testing.T) {
	p := evaluate(t, "prod")
	var found bool
	for _, r := range plan.AnalyzerResources(p.Cloud.Resources()) {
		if r.Type != "aws:eks/cluster:Cluster" {
			continue
		}
		found = true
		if want := "urn:pulumi:prod::eksfleet::eksfleet:index:Cluster$eks:index:Cluster$aws:eks/cluster:Cluster::acme-prod-eksCluster"; r.URN != want {
			t.Errorf("URN %s, want %s (the URN dependencies on it use)", r.URN, want)
		}
		key, _ := r.Properties.Get("encryptionConfig").AsMap().Get("provider").AsMap().GetOk("keyArn")
		if !key.IsString() || !strings.HasPrefix(key.AsString(), "arn:aws:kms:") {
			t.Errorf("encryptionConfig.provider.keyArn = %v", key)
		}
		vpc := r.Properties.Get("vpcConfig").AsMap()
		if vpc.Get("endpointPublicAccess").AsBool() || !vpc.Get("endpointPrivateAccess").AsBool() {
			t.Errorf("vpcConfig = %v", vpc)
		}
		if v := r.Properties.Get("version"); v.AsString() != "1.33" {
			t.Errorf("version = %v", v)
		}
	}
	if !found {
		t.Fatal("no aws:eks/cluster:Cluster among the analyzer resources")
	}
}

// TestUnsafeStackIsRefused: a stack that passes config validation but
// breaks guardrails gets every broken rule named, as mandatory.
func TestUnsafeStackIsRefused(t *testing.T) {
	proj, err := plan.LoadProject("../../policy/testdata", "unsafe")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatalf("the unsafe stack must pass config validation and run: %v", err)
	}
	if !p.HasMandatoryViolation() {
		t.Fatal("no mandatory violation")
	}
	mandatory := map[string]bool{}
	for _, v := range p.Violations {
		if v.Enforcement == "mandatory" {
			mandatory[v.Policy] = true
		}
	}
	for _, rule := range unsafeRules {
		if !mandatory[rule] {
			t.Errorf("no mandatory %s violation", rule)
		}
	}
	for rule := range mandatory {
		if !slices.Contains(unsafeRules, rule) {
			t.Errorf("unexpected mandatory %s violation", rule)
		}
	}
}

// TestGuardrailsJoinRealComponents breaks the prod stack's real component
// output after the fact, to show the stack rules find what they join there:
// an ASG's launch template and user data, a managed group's tag resources.
func TestGuardrailsJoinRealComponents(t *testing.T) {
	p := evaluate(t, "prod")
	rs := plan.AnalyzerResources(p.Cloud.Resources())
	var asg, ng bool
	for i := range rs {
		r := &rs[i]
		switch {
		case r.Type == "aws:autoscaling/group:Group" && !asg:
			asg = true
			var kept []property.Value
			for _, tag := range r.Properties.Get("tags").AsArray().AsSlice() {
				if tag.AsMap().Get("key").AsString() != "k8s.io/cluster-autoscaler/node-template/label/workload" {
					kept = append(kept, tag)
				}
			}
			r.Properties = r.Properties.Set("tags", property.New(kept))
			r.Options.IgnoreChanges = nil
		case r.Type == "aws:eks/nodeGroup:NodeGroup" && !ng:
			ng = true
			r.Properties = r.Properties.Set("labels", property.New(map[string]property.Value{"workload": property.New("batch")}))
		}
	}
	if !asg || !ng {
		t.Fatal("prod has no self-managed or no managed group")
	}
	got := map[string][]string{}
	for _, v := range guardrails.Evaluate(rs, plan.PolicySettings(p.Config)) {
		got[v.Policy] = append(got[v.Policy], v.Message)
	}
	for policy, want := range map[string][]string{
		"ca-template-matches-kubelet": {
			"nodes register label workload=general but no k8s.io/cluster-autoscaler/node-template/label/workload tag",
			`label workload is "batch" on the nodes but "system" in the node-template tag`,
		},
		"desired-capacity-ignored": {"Pulumi manages desiredCapacity"},
	} {
		for _, w := range want {
			if !strings.Contains(strings.Join(got[policy], "\n"), w) {
				t.Errorf("no %s violation containing %q; got %v", policy, w, got)
			}
		}
	}
	if len(got) != 2 {
		t.Errorf("violations of %d policies, want 2: %v", len(got), got)
	}
}
