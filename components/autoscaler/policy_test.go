package autoscaler

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/iampolicy"
)

func TestPolicy(t *testing.T) {
	doc, err := Policy(PolicyInput{Partition: "aws", Region: "eu-west-1", Account: "111122223333", Cluster: "acme-prod"})
	if err != nil {
		t.Fatal(err)
	}
	text, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := iampolicy.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	CheckPolicy(t, got, "aws", "eu-west-1", "111122223333", "acme-prod")
}

// CheckPolicy asserts the autoscaler policy's shape: what it may read, and
// that it may write only to this cluster's tagged ASGs.
func CheckPolicy(t *testing.T, doc iampolicy.Document, partition, region, account, cluster string) {
	t.Helper()
	writes := map[string]bool{"autoscaling:SetDesiredCapacity": true, "autoscaling:TerminateInstanceInAutoScalingGroup": true}
	var sawWrite, sawNodegroup bool
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Principal != nil {
			t.Errorf("statement %s: effect %s, principal %v; want an identity Allow", s.Sid, s.Effect, s.Principal)
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s: wildcard action %s", s.Sid, a)
			}
		}
		switch {
		case writes[s.Action[0]]:
			sawWrite = true
			if !reflect.DeepEqual(s.Action, iampolicy.Values{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}) {
				t.Errorf("write statement actions = %v", s.Action)
			}
			wantRes := "arn:" + partition + ":autoscaling:" + region + ":" + account + ":autoScalingGroup:*:autoScalingGroupName/*"
			if !reflect.DeepEqual(s.Resource, iampolicy.Values{wantRes}) {
				t.Errorf("write statement resource = %v, want %s", s.Resource, wantRes)
			}
			want := map[string]map[string]iampolicy.Values{"StringEquals": {
				"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled":    {"true"},
				"aws:ResourceTag/k8s.io/cluster-autoscaler/" + cluster: {"owned"},
			}}
			if !reflect.DeepEqual(s.Condition, want) {
				t.Errorf("write condition = %v, want %v", s.Condition, want)
			}
		case s.Action[0] == "eks:DescribeNodegroup":
			sawNodegroup = true
			want := "arn:" + partition + ":eks:" + region + ":" + account + ":nodegroup/" + cluster + "/*/*"
			if !reflect.DeepEqual(s.Resource, iampolicy.Values{want}) {
				t.Errorf("nodegroup statement resource = %v, want %s", s.Resource, want)
			}
		default:
			if s.Condition != nil || !reflect.DeepEqual(s.Resource, iampolicy.Values{"*"}) {
				t.Errorf("read statement %s: resource %v condition %v", s.Sid, s.Resource, s.Condition)
			}
			for _, a := range s.Action {
				verb := a[strings.Index(a, ":")+1:]
				if !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "Get") {
					t.Errorf("statement %s: %s is not a read action but is allowed on *", s.Sid, a)
				}
				if writes[a] {
					t.Errorf("write action %s unconditioned", a)
				}
			}
		}
	}
	if !sawWrite || !sawNodegroup {
		t.Errorf("missing statements: write %v, nodegroup %v", sawWrite, sawNodegroup)
	}
	wantActions := []string{
		"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
		"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
		"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup",
		"ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
		"ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
	}
	if got := doc.Actions(); !reflect.DeepEqual(got, wantActions) {
		t.Errorf("actions = %v\nwant      %v", got, wantActions)
	}
}

func TestPolicyRequiresScope(t *testing.T) {
	if _, err := Policy(PolicyInput{Partition: "aws", Region: "eu-west-1", Account: "1"}); err == nil {
		t.Fatal("a policy without a cluster must be refused: its condition would match no tag")
	}
}

// TestDiscoveryMatchesPolicy pins the invariant guardrail B7 checks: the
// tags the autoscaler discovers are exactly the tags its write permission
// requires, key and value.
func TestDiscoveryMatchesPolicy(t *testing.T) {
	const cluster = "acme-dev"
	discovered, err := ParseDiscoveryArg(DiscoveryArg(cluster))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(discovered, DiscoveryTags(cluster)) {
		t.Errorf("discovery flag filters %v, want %v", discovered, DiscoveryTags(cluster))
	}
	doc, _ := Policy(PolicyInput{Partition: "aws", Region: "eu-west-1", Account: "111122223333", Cluster: cluster})
	conditioned := map[string]string{}
	for _, s := range doc.Statement {
		for k, v := range s.Condition["StringEquals"] {
			conditioned[strings.TrimPrefix(k, "aws:ResourceTag/")] = v[0]
		}
	}
	if !reflect.DeepEqual(conditioned, DiscoveryTags(cluster)) {
		t.Errorf("IAM condition tags %v, want %v", conditioned, DiscoveryTags(cluster))
	}
	if DiscoveryArg(cluster) != "asg:tag=k8s.io/cluster-autoscaler/acme-dev=owned,k8s.io/cluster-autoscaler/enabled=true" {
		t.Errorf("DiscoveryArg = %s", DiscoveryArg(cluster))
	}
	for _, bad := range []string{"", "asg:tag=", "mig:tag=x"} {
		if _, err := ParseDiscoveryArg(bad); err == nil {
			t.Errorf("ParseDiscoveryArg(%q) accepted", bad)
		}
	}
}
