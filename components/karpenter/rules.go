package karpenter

import "github.com/eksfleet/eksfleet/components/interruption"

// Rules are the interruption queue's EventBridge rules as Karpenter's
// getting-started CloudFormation template (v1.14) creates them:
// ScheduledChangeRule, SpotInterruptionRule, RebalanceRule,
// InstanceStateChangeRule and CapacityReservationInterruptionRule, with
// the same patterns (TestRulesMatchTemplate). Karpenter filters the events
// of instances it does not manage itself.
func Rules() []interruption.Rule {
	ec2 := func(key, description, detailType string) interruption.Rule {
		return interruption.Rule{Key: key, Description: description, Pattern: interruption.EventPattern{Source: []string{"aws.ec2"}, DetailType: []string{detailType}}}
	}
	return []interruption.Rule{
		{Key: "scheduled-change", Description: "AWS Health events (scheduled maintenance)", Pattern: interruption.EventPattern{Source: []string{"aws.health"}, DetailType: []string{"AWS Health Event"}}},
		ec2("spot-interruption", "Spot two-minute interruption warnings", "EC2 Spot Instance Interruption Warning"),
		ec2("rebalance", "Spot rebalance recommendations", "EC2 Instance Rebalance Recommendation"),
		ec2("state-change", "Instance state changes", "EC2 Instance State-change Notification"),
		ec2("capacity-reservation", "Capacity reservation interruption warnings", "EC2 Capacity Reservation Instance Interruption Warning"),
	}
}
