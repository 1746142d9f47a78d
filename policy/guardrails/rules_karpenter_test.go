package guardrails_test

import (
	"encoding/json"
	"testing"

	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const (
	nodeClassType = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
	nodePoolType  = "kubernetes:karpenter.sh/v1:NodePool"
)

// nodeClass is an EC2NodeClass as the program registers it, mutated.
func nodeClass(mutate func(spec m)) policyx.AnalyzerResource {
	s := m{
		"amiSelectorTerms":    []any{m{"alias": "al2023@latest"}},
		"metadataOptions":     m{"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2},
		"blockDeviceMappings": []any{m{"deviceName": "/dev/xvda", "ebs": m{"encrypted": true, "volumeSize": "50Gi", "volumeType": "gp3"}}},
	}
	if mutate != nil {
		mutate(s)
	}
	return res(nodeClassType, "general", m{"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": m{"name": "general"}, "spec": s})
}

func TestNodeClassLaunchRules(t *testing.T) {
	runCases(t, "imdsv2-required", []ruleCase{
		{name: "node class required", resources: []policyx.AnalyzerResource{nodeClass(nil)}},
		{name: "node class default", resources: []policyx.AnalyzerResource{nodeClass(func(s m) { delete(s, "metadataOptions") })}},
		{name: "node class optional", resources: []policyx.AnalyzerResource{nodeClass(func(s m) { s["metadataOptions"] = m{"httpTokens": "optional"} })},
			want: []string{`EC2NodeClass "general" sets spec.metadataOptions.httpTokens = "optional"`}},
		{name: "node class unknown", resources: []policyx.AnalyzerResource{nodeClass(func(s m) { s["metadataOptions"] = m{"httpTokens": unknown} })}, cannot: "httpTokens"},
	})
	runCases(t, "imds-hop-limit", []ruleCase{
		{name: "node class 2", resources: []policyx.AnalyzerResource{nodeClass(nil)}},
		{name: "node class 3", resources: []policyx.AnalyzerResource{nodeClass(func(s m) { s["metadataOptions"] = m{"httpTokens": "required", "httpPutResponseHopLimit": 3} })},
			want: []string{"httpPutResponseHopLimit = 3"}},
	})
	runCases(t, "node-volumes-encrypted", []ruleCase{
		{name: "node class encrypted", resources: []policyx.AnalyzerResource{nodeClass(nil)}},
		{name: "node class defaults", resources: []policyx.AnalyzerResource{nodeClass(func(s m) { delete(s, "blockDeviceMappings") })}},
		{name: "node class unencrypted", resources: []policyx.AnalyzerResource{nodeClass(func(s m) {
			s["blockDeviceMappings"] = []any{m{"deviceName": "/dev/xvda", "ebs": m{"encrypted": false, "volumeSize": "50Gi"}}}
		})}, want: []string{"spec.blockDeviceMappings[0] (/dev/xvda) is not encrypted"}},
	})
}

func TestKarpenterPoolLimits(t *testing.T) {
	pool := func(limits any) policyx.AnalyzerResource {
		s := m{"template": m{"spec": m{"requirements": []any{}}}}
		if limits != nil {
			s["limits"] = limits
		}
		return res(nodePoolType, "general", m{"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": m{"name": "general"}, "spec": s})
	}
	runCases(t, "karpenter-pool-limits", []ruleCase{
		{name: "limited", resources: []policyx.AnalyzerResource{pool(m{"cpu": "64"})}},
		{name: "no limits", resources: []policyx.AnalyzerResource{pool(nil)}, want: []string{`NodePool "general" sets no spec.limits`}},
		{name: "empty limits", resources: []policyx.AnalyzerResource{pool(m{})}, want: []string{"sets no spec.limits"}},
		{name: "advisory in dev", env: "dev", resources: []policyx.AnalyzerResource{pool(nil)}, want: []string{"sets no spec.limits"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{pool(unknown)}, cannot: "spec.limits"},
	})
}

func TestKarpenterControllerScoped(t *testing.T) {
	doc, err := spec.ControllerPolicy(spec.PolicyInput{Partition: "aws", Region: "eu-west-1", Account: "111122223333", Cluster: "acme",
		NodeRoleARN: "arn:aws:iam::111122223333:role/acme-node", QueueARN: "arn:aws:sqs:eu-west-1:111122223333:acme"})
	if err != nil {
		t.Fatal(err)
	}
	upstream, _ := doc.JSON()
	rp := func(text any) policyx.AnalyzerResource {
		return res("aws:iam/rolePolicy:RolePolicy", "karpenter", m{"role": "karpenter", "policy": text})
	}
	// Upstream's statements without their cluster conditions, or with a
	// wildcard cluster, or passing any role.
	mutated := func(f func(stmts []map[string]any)) string {
		var d map[string]any
		_ = json.Unmarshal([]byte(upstream), &d)
		var stmts []map[string]any
		b, _ := json.Marshal(d["Statement"])
		_ = json.Unmarshal(b, &stmts)
		f(stmts)
		d["Statement"] = stmts
		out, _ := json.Marshal(d)
		return string(out)
	}
	bySid := func(stmts []map[string]any, sid string) map[string]any {
		for _, s := range stmts {
			if s["Sid"] == sid {
				return s
			}
		}
		t.Fatalf("no statement %s", sid)
		return nil
	}
	runCases(t, "karpenter-controller-scoped", []ruleCase{
		{name: "upstream template", resources: []policyx.AnalyzerResource{rp(upstream)}},
		{name: "deletion unscoped", resources: []policyx.AnalyzerResource{rp(mutated(func(s []map[string]any) {
			delete(bySid(s, "AllowScopedDeletion"), "Condition")
		}))}, want: []string{"AllowScopedDeletion allows ec2:TerminateInstances, ec2:DeleteLaunchTemplate"}},
		{name: "wildcard cluster", resources: []policyx.AnalyzerResource{rp(mutated(func(s []map[string]any) {
			bySid(s, "AllowScopedEC2InstanceActionsWithTags")["Condition"] = m{"StringLike": m{"aws:RequestTag/kubernetes.io/cluster/*": "owned"}}
		}))}, want: []string{"AllowScopedEC2InstanceActionsWithTags allows"}},
		{name: "pass any role", resources: []policyx.AnalyzerResource{rp(mutated(func(s []map[string]any) {
			bySid(s, "AllowPassingInstanceRole")["Resource"] = "*"
		}))}, want: []string{"pass any role"}},
		{name: "not karpenter", resources: []policyx.AnalyzerResource{rp(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}]}`)}},
		// Unknown until deployment: not recognisable as the controller's;
		// iam-resource-scoped reports it (once for the stack, not per rule).
		{name: "unknown", resources: []policyx.AnalyzerResource{rp(unknown)}},
	})
}
