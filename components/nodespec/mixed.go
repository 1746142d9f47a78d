package nodespec

import (
	"errors"
	"fmt"
	"slices"
)

// SpotAllocationStrategies are the Auto Scaling spot allocation strategies.
var SpotAllocationStrategies = []string{"price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized", "lowest-price"}

// Spot is how a self-managed group mixes Spot and On-Demand capacity.
type Spot struct {
	OnDemandBaseCapacity                int
	OnDemandPercentageAboveBaseCapacity int
	// AllocationStrategy defaults to price-capacity-optimized, which AWS
	// recommends: the deepest pools at a low price, so fewer interruptions.
	AllocationStrategy string
}

// MixedInstances is an Auto Scaling Group's mixed instances policy: the
// instance type overrides, in the order given (the first is the one the
// Cluster Autoscaler simulates and the On-Demand priority), and the
// instances distribution.
type MixedInstances struct {
	InstanceTypes                       []string
	OnDemandBaseCapacity                int
	OnDemandPercentageAboveBaseCapacity int
	// OnDemandAllocationStrategy is "prioritized": On-Demand capacity
	// follows the order of InstanceTypes.
	OnDemandAllocationStrategy string
	// SpotAllocationStrategy is empty for an On-Demand-only group.
	SpotAllocationStrategy string
}

// MixedInstancesFor returns the mixed instances policy of a self-managed
// group, or nil when a plain launch template is enough (one On-Demand
// instance type). A Spot group always gets one, even with one type, because
// Spot capacity in an ASG is requested through the instances distribution;
// an On-Demand group with several types gets one that is 100% On-Demand, so
// EC2 can fall back to the next type when one runs out of capacity.
func MixedInstancesFor(instanceTypes []string, spot *Spot) (*MixedInstances, error) {
	if len(instanceTypes) == 0 {
		return nil, errors.New("no instance types given")
	}
	if spot == nil && len(instanceTypes) == 1 {
		return nil, nil
	}
	m := &MixedInstances{
		InstanceTypes:                       slices.Clone(instanceTypes),
		OnDemandPercentageAboveBaseCapacity: 100,
		OnDemandAllocationStrategy:          "prioritized",
	}
	if spot == nil {
		return m, nil
	}
	s := *spot
	if s.AllocationStrategy == "" {
		s.AllocationStrategy = SpotAllocationStrategies[0]
	}
	switch {
	case !slices.Contains(SpotAllocationStrategies, s.AllocationStrategy):
		return nil, fmt.Errorf("spot allocation strategy %q is not one of %v", s.AllocationStrategy, SpotAllocationStrategies)
	case s.OnDemandBaseCapacity < 0:
		return nil, fmt.Errorf("spot on-demand base capacity %d must be 0 or more", s.OnDemandBaseCapacity)
	case s.OnDemandPercentageAboveBaseCapacity < 0 || s.OnDemandPercentageAboveBaseCapacity > 100:
		return nil, fmt.Errorf("spot on-demand percentage above base capacity %d must be 0-100", s.OnDemandPercentageAboveBaseCapacity)
	}
	m.OnDemandBaseCapacity = s.OnDemandBaseCapacity
	m.OnDemandPercentageAboveBaseCapacity = s.OnDemandPercentageAboveBaseCapacity
	m.SpotAllocationStrategy = s.AllocationStrategy
	return m, nil
}
