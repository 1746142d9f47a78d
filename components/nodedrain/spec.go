package nodedrain

import (
	"fmt"
	"sort"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/interruption"
)

// Contract with the node groups. A draining self-managed group carries the
// managed tag (propagated to its instances, where the handler looks for it)
// and a terminating lifecycle hook that passes CheckHook, so the ASG waits
// for the handler to drain a node before terminating it.
const (
	// ManagedTagKey marks ASGs (and, propagated, instances) whose nodes the
	// handler drains. The handler checks only that the key is present.
	ManagedTagKey = "aws-node-termination-handler/managed"
	// ManagedTagValue is the value eksfleet writes; any value works.
	ManagedTagValue = "true"
)

// Drain timing. A draining ASG's terminating hook holds the instance for
// its heartbeat timeout, waiting for the handler to complete the lifecycle
// action. The handler's drain deadline has to end inside that window, with
// time left for the event to travel (EventBridge, SQS, the handler's 20 s
// long poll) and for the CompleteLifecycleAction call; otherwise the ASG
// terminates the instance mid-drain.
const (
	// DrainTimeoutSeconds bounds how long the handler drains one node (its
	// nodeTerminationGracePeriod): four minutes, enough for pods with the
	// default 30 s grace period and PodDisruptionBudgets that let one pod go
	// at a time.
	DrainTimeoutSeconds = 240
	// DeliveryMarginSeconds is the time reserved for event delivery and the
	// API calls around the drain.
	DeliveryMarginSeconds = 60
	// MinHookHeartbeatSeconds is the shortest heartbeat timeout a draining
	// ASG's terminating hook may have: Auto Scaling's own default, 300 s.
	MinHookHeartbeatSeconds = DrainTimeoutSeconds + DeliveryMarginSeconds
	// TerminatingTransition is the lifecycle transition a draining ASG hooks.
	TerminatingTransition = "autoscaling:EC2_INSTANCE_TERMINATING"
)

// CheckHook reports whether a lifecycle hook lets the handler drain: it must
// hook instance termination and wait at least MinHookHeartbeatSeconds. The
// default result may be CONTINUE or ABANDON (both terminate the instance;
// CONTINUE also lets other hooks run), but must be set explicitly.
func CheckHook(transition, defaultResult string, heartbeatSeconds int) error {
	switch {
	case transition != TerminatingTransition:
		return fmt.Errorf("lifecycle hook transition %q: the handler drains on %s", transition, TerminatingTransition)
	case defaultResult != "CONTINUE" && defaultResult != "ABANDON":
		return fmt.Errorf("lifecycle hook default result %q: must be CONTINUE or ABANDON", defaultResult)
	case heartbeatSeconds < MinHookHeartbeatSeconds:
		return fmt.Errorf("lifecycle hook heartbeat %ds: the handler drains for up to %ds and needs %ds more for delivery, so at least %ds",
			heartbeatSeconds, DrainTimeoutSeconds, DeliveryMarginSeconds, MinHookHeartbeatSeconds)
	}
	return nil
}

// EventPattern and Rule are the shared interruption queue's (one queue
// machinery for the handler and Karpenter).
type (
	EventPattern = interruption.EventPattern
	Rule         = interruption.Rule
)

// Rules returns the EventBridge rules of queue-processor mode (the
// handler's README, "Create Amazon EventBridge Rules"). When asgNames is
// non-empty the lifecycle rule only forwards those ASGs' hooks; the EC2 and
// Health events carry no ASG, so the handler's managed-tag check filters them.
//
// The rebalance recommendation rule is there only when rebalance is true,
// i.e. some draining group runs Spot in an ASG without capacity rebalance.
// In queue mode the handler cordons and drains on every recommendation it
// receives (enableRebalanceDraining is an IMDS-mode setting), while an ASG
// with capacity rebalance answers a recommendation itself: it launches a
// replacement and then terminates the instance through the terminating
// lifecycle hook, which the lifecycle rule forwards. The README says such
// ASGs need no rebalance rule; with one, every recommendation would drain a
// node before its replacement exists, and for nothing when the instance is
// not reclaimed after all. Recommendations come only for Spot instances.
//
// The Spot interruption rule stays although the README calls it optional
// with capacity rebalance too: Auto Scaling's hook for a reclaimed instance
// cannot hold it past the two-minute warning, and the warning starts the
// drain as soon as it is sent.
func Rules(asgNames []string, rebalance bool) []Rule {
	lifecycle := EventPattern{Source: []string{"aws.autoscaling"}, DetailType: []string{"EC2 Instance-terminate Lifecycle Action"}}
	if len(asgNames) > 0 {
		names := append([]string(nil), asgNames...)
		sort.Strings(names)
		lifecycle.Detail = map[string][]string{"AutoScalingGroupName": names}
	}
	rules := []Rule{
		{Key: "asg-termination", Description: "ASG terminating lifecycle hooks, drained before the instance goes", Pattern: lifecycle},
		{Key: "spot-interruption", Description: "Spot two-minute interruption warnings", Pattern: EventPattern{
			Source: []string{"aws.ec2"}, DetailType: []string{"EC2 Spot Instance Interruption Warning"}}},
	}
	if rebalance {
		rules = append(rules, Rule{Key: "rebalance", Description: "Spot rebalance recommendations for groups without capacity rebalance (the node is drained)", Pattern: EventPattern{
			Source: []string{"aws.ec2"}, DetailType: []string{"EC2 Instance Rebalance Recommendation"}}})
	}
	return append(rules,
		// Only the states the handler acts on; running/pending events would
		// fill the queue with messages it drops.
		Rule{Key: "state-change", Description: "Instances stopping or terminating outside the ASG's lifecycle", Pattern: EventPattern{
			Source: []string{"aws.ec2"}, DetailType: []string{"EC2 Instance State-change Notification"},
			Detail: map[string][]string{"state": {"stopping", "stopped", "shutting-down", "terminated"}}}},
		Rule{Key: "scheduled-change", Description: "AWS Health scheduled EC2 maintenance (retirements, reboots)", Pattern: EventPattern{
			Source: []string{"aws.health"}, DetailType: []string{"AWS Health Event"},
			Detail: map[string][]string{"service": {"EC2"}, "eventTypeCategory": {"scheduledChange"}}}},
	)
}

// QueuePolicy lets only EventBridge, and only the given rules, send to the
// queue (interruption.Policy).
func QueuePolicy(queueARN string, ruleARNs []string) (iampolicy.Document, error) {
	return interruption.Policy(queueARN, ruleARNs)
}

// HandlerPolicyInput identifies the handler's queue and cluster.
type HandlerPolicyInput struct {
	Partition, Region, Account string
	// Cluster is the EKS cluster name; the handler may complete lifecycle
	// actions only of ASGs tagged kubernetes.io/cluster/<Cluster>=owned.
	Cluster  string
	QueueARN string
}

// ClusterOwnedTagKey is the ownership tag every node ASG of a cluster carries.
func ClusterOwnedTagKey(cluster string) string { return "kubernetes.io/cluster/" + cluster }

// HandlerPolicy returns the handler's permissions (README "IAM Policy for
// aws-node-termination-handler Deployment", narrowed):
//
//   - CompleteLifecycleAction only on ASGs of this account and region that
//     belong to this cluster and carry the managed tag. In an account with
//     several clusters every handler sees every lifecycle event; without
//     this condition one cluster's handler could release another cluster's
//     hook before that cluster had drained the node;
//   - the Describe calls it uses to map instances to nodes and ASGs, on "*"
//     because they have no resource-level permissions;
//   - receive and delete on its own queue only.
func HandlerPolicy(in HandlerPolicyInput) (iampolicy.Document, error) {
	if in.Partition == "" || in.Region == "" || in.Account == "" || in.Cluster == "" || in.QueueARN == "" {
		return iampolicy.Document{}, fmt.Errorf("handler policy needs partition, region, account, cluster and queue ARN, got %+v", in)
	}
	return iampolicy.Document{
		Version: iampolicy.Version,
		Statement: []iampolicy.Statement{
			{
				Sid:      "CompleteHooksOfThisClustersManagedGroups",
				Effect:   "Allow",
				Action:   iampolicy.Values{"autoscaling:CompleteLifecycleAction"},
				Resource: iampolicy.Values{fmt.Sprintf("arn:%s:autoscaling:%s:%s:autoScalingGroup:*:autoScalingGroupName/*", in.Partition, in.Region, in.Account)},
				Condition: map[string]map[string]iampolicy.Values{
					"StringEquals": {"aws:ResourceTag/" + ClusterOwnedTagKey(in.Cluster): {"owned"}},
					"Null":         {"aws:ResourceTag/" + ManagedTagKey: {"false"}},
				},
			},
			{
				Sid:      "MapInstancesToNodesAndGroups",
				Effect:   "Allow",
				Action:   iampolicy.Values{"autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeTags", "ec2:DescribeInstances"},
				Resource: iampolicy.Values{"*"},
			},
			{
				Sid:      "ConsumeOwnQueue",
				Effect:   "Allow",
				Action:   iampolicy.Values{"sqs:DeleteMessage", "sqs:ReceiveMessage"},
				Resource: iampolicy.Values{in.QueueARN},
			},
		},
	}, nil
}
