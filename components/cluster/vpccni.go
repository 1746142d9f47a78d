package cluster

import (
	"encoding/json"
	"fmt"
	"sort"
)

// CNI configures the Amazon VPC CNI, which EKS manages as an add-on.
type CNI struct {
	// CustomNetworking gives pods addresses from PodSubnetIDs instead of the
	// node's subnet (for example a secondary, non-routable CIDR).
	CustomNetworking bool
	// PodSubnetIDs maps each availability zone nodes run in to its pod
	// subnet. One ENIConfig named after the zone is created per entry.
	PodSubnetIDs map[string]string
	// PrefixDelegation assigns /28 prefixes instead of single addresses to
	// ENIs, raising pod density on Nitro instances.
	PrefixDelegation bool
}

// vpcCNIValues is the add-on's configuration document. Field names follow the
// vpc-cni add-on configuration schema (aws eks describe-addon-configuration
// --addon-name vpc-cni), which rejects unknown keys: in particular it has no
// HTTP_PROXY/NO_PROXY env (aws/containers-roadmap#2480), so the CNI's proxy
// settings cannot travel through the add-on API.
type vpcCNIValues struct {
	Env       map[string]string `json:"env,omitempty"`
	ENIConfig *eniConfigValues  `json:"eniConfig,omitempty"`
}

type eniConfigValues struct {
	Create  bool                 `json:"create"`
	Region  string               `json:"region"`
	Subnets map[string]eniSubnet `json:"subnets"`
}

type eniSubnet struct {
	ID             string   `json:"id"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
}

// VPCCNIConfiguration renders the vpc-cni add-on's configurationValues for
// the CNI settings. It returns "" when the defaults suffice. Custom networking
// creates one ENIConfig per zone, named after the zone, and selects it with
// the node's topology.kubernetes.io/zone label, so nodes need no per-node
// annotation; the ENIConfigs are created by EKS through the AWS API, which is
// what lets a private-only cluster deploy from outside its VPC.
func VPCCNIConfiguration(cni CNI, region string, podSecurityGroupIDs []string) (string, error) {
	v := vpcCNIValues{Env: map[string]string{}}
	if cni.PrefixDelegation {
		v.Env["ENABLE_PREFIX_DELEGATION"] = "true"
		// One spare prefix per node keeps pod start fast without hoarding
		// addresses (the VPC CNI's recommended setting).
		v.Env["WARM_PREFIX_TARGET"] = "1"
	}
	if cni.CustomNetworking {
		if len(cni.PodSubnetIDs) == 0 {
			return "", fmt.Errorf("custom networking needs at least one pod subnet")
		}
		v.Env["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"] = "true"
		v.Env["ENI_CONFIG_LABEL_DEF"] = "topology.kubernetes.io/zone"
		subnets := map[string]eniSubnet{}
		zones := make([]string, 0, len(cni.PodSubnetIDs))
		for z := range cni.PodSubnetIDs {
			zones = append(zones, z)
		}
		sort.Strings(zones)
		for _, z := range zones {
			subnets[z] = eniSubnet{ID: cni.PodSubnetIDs[z], SecurityGroups: podSecurityGroupIDs}
		}
		v.ENIConfig = &eniConfigValues{Create: true, Region: region, Subnets: subnets}
	}
	if len(v.Env) == 0 && v.ENIConfig == nil {
		return "", nil
	}
	b, err := json.Marshal(v) // map keys are sorted: the output is deterministic
	if err != nil {
		return "", err
	}
	return string(b), nil
}
