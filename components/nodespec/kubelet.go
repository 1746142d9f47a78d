package nodespec

import (
	"fmt"

	"github.com/eksfleet/eksfleet/components/instancetypes"
)

// MaxPods returns a group's kubelet max pods: explicit when positive, else
// computed from its instance types and the VPC CNI mode (the smallest over
// the types, capped at 110 or 250). The AMIs' own defaults ignore custom
// networking and prefix delegation and are uncapped, which is why
// self-managed groups always set the computed value.
func MaxPods(explicit int, instanceTypes []string, mode instancetypes.NetworkMode) (int, error) {
	switch {
	case explicit < 0:
		return 0, fmt.Errorf("max pods %d must be positive, or 0 to compute it from the instance types", explicit)
	case explicit > instancetypes.MaxPodsLargeCap:
		return 0, fmt.Errorf("max pods %d is over %d, the most EKS supports per node", explicit, instancetypes.MaxPodsLargeCap)
	case explicit > 0:
		return explicit, nil
	}
	n, err := instancetypes.MaxPodsFor(instanceTypes, mode)
	if err != nil {
		return 0, fmt.Errorf("computing max pods: %w", err)
	}
	return n, nil
}

// eksTaintEffects maps Kubernetes taint effects to the EKS node group API's.
var eksTaintEffects = map[string]string{
	"NoSchedule":       "NO_SCHEDULE",
	"NoExecute":        "NO_EXECUTE",
	"PreferNoSchedule": "PREFER_NO_SCHEDULE",
}

// EKSTaintEffect returns the EKS node group API spelling of a Kubernetes
// taint effect (NoSchedule → NO_SCHEDULE). Config, kubelet and autoscaler
// tags all use the Kubernetes spelling; only the managed node group API
// differs.
func EKSTaintEffect(effect string) (string, error) {
	e, ok := eksTaintEffects[effect]
	if !ok {
		return "", fmt.Errorf("taint effect %q is not one of NoSchedule, NoExecute, PreferNoSchedule", effect)
	}
	return e, nil
}
