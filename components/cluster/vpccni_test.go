package cluster

import (
	"encoding/json"
	"testing"
)

// vpcCNISchemaEnv is the env allow-list of the vpc-cni add-on configuration
// schema (aws eks describe-addon-configuration --addon-name vpc-cni). The
// schema sets additionalProperties=false, so a key outside it makes
// CreateAddon fail; notably there is no HTTP_PROXY (containers-roadmap#2480).
var vpcCNISchemaEnv = map[string]bool{
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

func TestVPCCNIConfiguration(t *testing.T) {
	cases := []struct {
		name    string
		cni     CNI
		want    string
		wantErr bool
	}{
		{name: "defaults", cni: CNI{}, want: ""},
		{name: "prefix delegation", cni: CNI{PrefixDelegation: true},
			want: `{"env":{"ENABLE_PREFIX_DELEGATION":"true","WARM_PREFIX_TARGET":"1"}}`},
		{name: "custom networking", cni: CNI{CustomNetworking: true, PodSubnetIDs: map[string]string{"eu-west-1b": "subnet-b", "eu-west-1a": "subnet-a"}},
			want: `{"env":{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG":"true","ENI_CONFIG_LABEL_DEF":"topology.kubernetes.io/zone"},"eniConfig":{"create":true,"region":"eu-west-1","subnets":{"eu-west-1a":{"id":"subnet-a","securityGroups":["sg-1"]},"eu-west-1b":{"id":"subnet-b","securityGroups":["sg-1"]}}}}`},
		{name: "custom networking without subnets", cni: CNI{CustomNetworking: true}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VPCCNIConfiguration(tc.cni, "eu-west-1", []string{"sg-1"})
			if tc.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if got == "" {
				return
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(got), &doc); err != nil {
				t.Fatal(err)
			}
			for k := range doc {
				if k != "env" && k != "eniConfig" {
					t.Errorf("top-level key %s is not used by this component's schema subset", k)
				}
			}
			var env map[string]string
			if raw, ok := doc["env"]; ok {
				if err := json.Unmarshal(raw, &env); err != nil {
					t.Fatal(err)
				}
			}
			for k := range env {
				if !vpcCNISchemaEnv[k] {
					t.Errorf("env %s is not in the vpc-cni add-on schema; EKS would reject the add-on", k)
				}
			}
		})
	}
}
