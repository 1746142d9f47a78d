package interruption

import (
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestPolicyRefusals(t *testing.T) {
	queue := "arn:aws:sqs:eu-west-1:111122223333:q"
	rule := "arn:aws:events:eu-west-1:111122223333:rule/r"
	for name, tc := range map[string]struct {
		queue string
		rules []string
	}{
		"not a queue": {"arn:aws:sns:eu-west-1:111122223333:t", []string{rule}},
		"no rules":    {queue, nil},
		"not a rule":  {queue, []string{"arn:aws:iam::111122223333:role/x"}},
		"not an ARN":  {"q", []string{rule}},
	} {
		if _, err := Policy(tc.queue, tc.rules); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	doc, err := Policy(queue, []string{rule})
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Statement[0]
	if len(doc.Statement) != 1 || s.Principal.Service[0] != "events.amazonaws.com" || s.Condition["ArnEquals"]["aws:SourceArn"][0] != rule {
		t.Errorf("policy %+v", doc)
	}
}

// TestNew: one queue (SSE-SQS, 300 s retention), one rule and target per
// rule, and a policy naming exactly those rules; no rules is refused
// before anything is registered.
func TestNew(t *testing.T) {
	rules := []Rule{
		{Key: "a", Description: "A", Pattern: EventPattern{Source: []string{"aws.ec2"}, DetailType: []string{"x"}}},
		{Key: "b", Description: "B", Pattern: EventPattern{Source: []string{"aws.health"}, DetailType: []string{"y"}}},
	}
	cloud := mockcloud.New(mockcloud.Options{Stack: "dev"})
	err := cloud.Run(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "q", Args{Purpose: "for tests", Rules: rules})
		return err
	}, mockcloud.RunConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, q := inputs.Only(t, cloud, "aws:sqs/queue:Queue")
	q.Expect(t, "sqsManagedSseEnabled", true)
	q.Expect(t, "messageRetentionSeconds", int64(300))
	if n := len(cloud.OfType("aws:cloudwatch/eventRule:EventRule")); n != 2 {
		t.Errorf("%d rules", n)
	}
	if n := len(cloud.OfType("aws:cloudwatch/eventTarget:EventTarget")); n != 2 {
		t.Errorf("%d targets", n)
	}
	var ruleARNs []string
	for _, r := range cloud.OfType("aws:cloudwatch/eventRule:EventRule") {
		ruleARNs = append(ruleARNs, r.Outputs["arn"].StringValue())
		if d := inputs.Of(r).String("description"); !strings.HasSuffix(d, " for tests") {
			t.Errorf("description %q", d)
		}
	}
	_, qp := inputs.Only(t, cloud, "aws:sqs/queuePolicy:QueuePolicy")
	for _, arn := range ruleARNs {
		if !strings.Contains(qp.String("policy"), arn) {
			t.Errorf("queue policy does not name rule %s: %s", arn, qp.String("policy"))
		}
	}

	empty := mockcloud.New(mockcloud.Options{Stack: "dev"})
	if err := empty.Run(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "q", Args{})
		return err
	}, mockcloud.RunConfig{}); err == nil || len(empty.Resources()) != 0 {
		t.Errorf("no rules: err %v, %d resources registered", err, len(empty.Resources()))
	}
}
