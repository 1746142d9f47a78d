// Package interruption is eksfleet's one interruption queue: an encrypted
// SQS queue that EventBridge rules fill with EC2, Auto Scaling and AWS
// Health events, with a queue policy that lets only those rules send. Two
// consumers build it with their own rule sets: the node termination
// handler (components/nodedrain, self-managed groups) and Karpenter
// (components/karpenter, its node pools). The queue's shape follows
// Karpenter's getting-started CloudFormation template
// (KarpenterInterruptionQueue: 300 s retention, SSE-SQS) and the handler's
// README; the policy is narrower than both (see Policy).
package interruption

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EventPattern is an EventBridge event pattern.
type EventPattern struct {
	Source     []string            `json:"source"`
	DetailType []string            `json:"detail-type"`
	Detail     map[string][]string `json:"detail,omitempty"`
}

// JSON renders the pattern (detail keys sorted by encoding/json).
func (p EventPattern) JSON() (string, error) {
	b, err := json.Marshal(p)
	return string(b), err
}

// Rule is one EventBridge rule feeding the queue.
type Rule struct {
	// Key names the rule's resources (<queue name>-<key>).
	Key         string
	Description string
	Pattern     EventPattern
}

// Policy lets only EventBridge, and only the given rules, send to the
// queue. Karpenter's template and the handler's README also grant
// sqs.amazonaws.com (needed only when lifecycle hooks notify a queue
// directly) with no source condition; eksfleet routes every event through
// its own rules, so the policy names them.
func Policy(queueARN string, ruleARNs []string) (iampolicy.Document, error) {
	if !strings.HasPrefix(queueARN, "arn:") || !strings.Contains(queueARN, ":sqs:") {
		return iampolicy.Document{}, fmt.Errorf("queue policy: %q is not an SQS queue ARN", queueARN)
	}
	if len(ruleARNs) == 0 {
		return iampolicy.Document{}, fmt.Errorf("queue policy for %s: at least one EventBridge rule ARN is required", queueARN)
	}
	for _, a := range ruleARNs {
		if !strings.Contains(a, ":events:") || !strings.Contains(a, ":rule/") {
			return iampolicy.Document{}, fmt.Errorf("queue policy for %s: %q is not an EventBridge rule ARN", queueARN, a)
		}
	}
	rules := append(iampolicy.Values(nil), ruleARNs...)
	sort.Strings(rules)
	return iampolicy.Document{
		Version: iampolicy.Version,
		Statement: []iampolicy.Statement{{
			Sid:       "EventBridgeRulesOfThisHandler",
			Effect:    "Allow",
			Principal: &iampolicy.Principal{Service: iampolicy.Values{"events.amazonaws.com"}},
			Action:    iampolicy.Values{"sqs:SendMessage"},
			Resource:  iampolicy.Values{queueARN},
			Condition: map[string]map[string]iampolicy.Values{"ArnEquals": {"aws:SourceArn": rules}},
		}},
	}, nil
}

// Args configures a queue.
type Args struct {
	// Purpose ends each rule's description ("for the node termination
	// handler of EKS cluster x").
	Purpose string
	// Rules are the consumer's rules; Patterns, when set, gives each
	// rule's pattern once an output (e.g. ASG names) is known, by index.
	Rules    []Rule
	Patterns func(i int) pulumi.StringOutput
	// Tags are added to the queue and rules.
	Tags pulumi.StringMap
}

// Queue is a created queue with its rules and policy.
type Queue struct {
	// URL, ARN and Name identify the queue (Karpenter takes its name).
	URL, ARN, Name pulumi.StringOutput
	// RuleARNs are the rules by key.
	RuleARNs pulumi.StringMapOutput
	// Policy is the queue policy resource.
	Policy *sqs.QueuePolicy
}

// New creates the queue named after name (autonamed), one rule and target
// per Args.Rules entry and the queue policy, all with opts (the caller's
// parent).
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Queue, error) {
	if len(args.Rules) == 0 {
		return nil, fmt.Errorf("interruption queue %s: at least one rule is required", name)
	}
	queue, err := sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		// Only when <name>-<7> would exceed the 80 characters SQS allows.
		NamePrefix: names.PrefixInput("aws:sqs/queue:Queue", name),
		// SSE-SQS: encrypted at rest with no key policy to maintain. An
		// SSE-KMS queue under the AWS managed alias/aws/sqs key cannot
		// receive from EventBridge, whose service principal that key's
		// policy does not allow.
		SqsManagedSseEnabled: pulumi.Bool(true),
		// Interruption events are stale after minutes (a Spot warning gives
		// two); older ones would only drain replaced nodes.
		MessageRetentionSeconds: pulumi.Int(300),
		Tags:                    args.Tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	q := &Queue{URL: queue.Url, ARN: queue.Arn, Name: queue.Name}
	ruleARNs := pulumi.StringMap{}
	var ruleARNInputs []interface{}
	for i, r := range args.Rules {
		var pattern pulumi.StringInput
		if args.Patterns != nil {
			pattern = args.Patterns(i)
		} else {
			text, err := r.Pattern.JSON()
			if err != nil {
				return nil, err
			}
			pattern = pulumi.String(text)
		}
		rule, err := cloudwatch.NewEventRule(ctx, name+"-"+r.Key, &cloudwatch.EventRuleArgs{
			// Rule names and target IDs have 64 characters.
			NamePrefix:   names.PrefixInput("aws:cloudwatch/eventRule:EventRule", name+"-"+r.Key),
			Description:  pulumi.Sprintf("%s %s", r.Description, args.Purpose),
			EventPattern: pattern,
			Tags:         args.Tags,
		}, opts...)
		if err != nil {
			return nil, err
		}
		if _, err := cloudwatch.NewEventTarget(ctx, name+"-"+r.Key, &cloudwatch.EventTargetArgs{
			TargetId: names.NameInput("aws:cloudwatch/eventTarget:EventTarget", name+"-"+r.Key),
			Rule:     rule.Name,
			Arn:      queue.Arn,
		}, opts...); err != nil {
			return nil, err
		}
		ruleARNs[r.Key] = rule.Arn
		ruleARNInputs = append(ruleARNInputs, rule.Arn)
	}
	q.RuleARNs = ruleARNs.ToStringMapOutput()

	doc := pulumi.All(append([]interface{}{queue.Arn}, ruleARNInputs...)...).ApplyT(func(v []interface{}) (string, error) {
		arns := make([]string, len(v)-1)
		for i := range arns {
			arns[i] = v[i+1].(string)
		}
		d, err := Policy(v[0].(string), arns)
		if err != nil {
			return "", err
		}
		return d.JSON()
	}).(pulumi.StringOutput)
	q.Policy, err = sqs.NewQueuePolicy(ctx, name, &sqs.QueuePolicyArgs{QueueUrl: queue.Url, Policy: doc}, opts...)
	if err != nil {
		return nil, err
	}
	return q, nil
}
