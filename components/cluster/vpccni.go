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
// --addon-name vpc-cni), which rejects unknown keys.
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

// vpcCNIEnvAllowed is the env allow-list of the vpc-cni add-on schema. The
// schema sets additionalProperties=false, so anything else (notably
// HTTP_PROXY, aws/containers-roadmap#2480) makes CreateAddon fail.
var vpcCNIEnvAllowed = map[string]bool{
	"ADDITIONAL_ENI_TAGS": true, "ANNOTATE_POD_IP": true, "AWS_EC2_ENDPOINT": true,
	"AWS_EXTERNAL_SERVICE_CIDRS": true, "AWS_MANAGE_ENIS_NON_SCHEDULABLE": true,
	"AWS_VPC_CNI_NODE_PORT_SUPPORT": true, "AWS_VPC_ENI_MTU": true, "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": true,
	"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS": true, "AWS_VPC_K8S_CNI_EXTERNALSNAT": true,
	"AWS_VPC_K8S_CNI_LOGLEVEL": true, "AWS_VPC_K8S_CNI_LOG_FILE": true, "AWS_VPC_K8S_CNI_RANDOMIZESNAT": true,
	"AWS_VPC_K8S_CNI_VETHPREFIX": true, "AWS_VPC_K8S_PLUGIN_LOG_FILE": true, "AWS_VPC_K8S_PLUGIN_LOG_LEVEL": true,
	"CLUSTER_ENDPOINT": true, "DISABLE_INTROSPECTION": true, "DISABLE_LEAKED_ENI_CLEANUP": true,
	"DISABLE_METRICS": true, "DISABLE_NETWORK_RESOURCE_PROVISIONING": true, "DISABLE_POD_V6": true,
	"ENABLE_BANDWIDTH_PLUGIN": true, "ENABLE_POD_ENI": true, "ENABLE_PREFIX_DELEGATION": true,
	"ENABLE_V4_EGRESS": true, "ENABLE_V6_EGRESS": true, "ENI_CONFIG_ANNOTATION_DEF": true,
	"ENI_CONFIG_LABEL_DEF": true, "INTROSPECTION_BIND_ADDRESS": true, "IP_COOLDOWN_PERIOD": true,
	"MAX_ENI": true, "MINIMUM_IP_TARGET": true, "POD_SECURITY_GROUP_ENFORCING_MODE": true,
	"WARM_ENI_TARGET": true, "WARM_IP_TARGET": true, "WARM_PREFIX_TARGET": true,
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
	for k := range v.Env {
		if !vpcCNIEnvAllowed[k] {
			return "", fmt.Errorf("vpc-cni add-on env %s is not in the add-on configuration schema", k)
		}
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
