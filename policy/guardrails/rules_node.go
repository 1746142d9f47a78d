package guardrails

import (
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Node launch settings: launch templates (self-managed and managed node
// groups) and, for stacks that still have them, launch configurations.
// Both spell the metadata options the same way.

func init() {
	define(ruleDef{name: "imdsv2-required", resource: checkIMDSv2})
	define(ruleDef{
		name: "imds-hop-limit",
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"maxHopLimit": {"type": "integer", "minimum": 1, "maximum": 64,
				"description": "Highest allowed httpPutResponseHopLimit (default 2: pods that need the node's metadata, such as the autoscaler on the node role, still reach it)."},
		}},
		resource: checkHopLimit,
	})
	define(ruleDef{
		name: "node-volumes-encrypted",
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"requireCustomerManagedKey": {"type": "boolean",
				"description": "Also require a customer-managed KMS key (kmsKeyId) on every volume."},
		}},
		resource: checkVolumesEncrypted,
	})
	define(ruleDef{name: "nodes-no-public-ip", resource: checkNoPublicIP})
	define(ruleDef{
		name: "allowed-instance-types",
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"allowedInstanceTypes": {"type": "array", "items": map[string]any{"type": "string"},
				"description": "Allowed instance types: exact names or globs such as m6i.* (path.Match syntax). Empty or absent allows any type."},
		}},
		resource: checkInstanceTypes,
	})
}

func isLaunchSpec(t string) bool { return t == launchTemplateType || t == launchConfigurationType }

func checkIMDSv2(c *checker, r *policyx.AnalyzerResource) {
	if r.Type == nodeClassType {
		checkNodeClassIMDS(c, r)
		return
	}
	if !isLaunchSpec(r.Type) {
		return
	}
	p := props(r.Properties)
	md, st := dig(p, "metadataOptions")
	switch st {
	case unknown:
		c.unknownValue(r.URN, describe(r)+" metadataOptions")
		return
	case absent:
		c.fail(r.URN, "%s has no metadataOptions, so its instances accept IMDSv1 requests (unless the AMI opts out); set metadataOptions.httpTokens = \"required\"", describe(r))
		return
	}
	endpoint, est := str(md, "httpEndpoint")
	tokens, tst := str(md, "httpTokens")
	if est == unknown {
		c.unknownValue(r.URN, describe(r)+" metadataOptions.httpEndpoint")
	} else if est == known && endpoint == "disabled" {
		// Checkov passes a disabled endpoint, but nodes need IMDS: the
		// kubelet and nodeadm read their instance identity from it, and the
		// termination handler its Spot and rebalance notices.
		c.fail(r.URN, "%s disables the instance metadata endpoint (httpEndpoint = \"disabled\"); EKS nodes need it, keep it \"enabled\" with httpTokens = \"required\"", describe(r))
	}
	switch {
	case tst == unknown:
		c.unknownValue(r.URN, describe(r)+" metadataOptions.httpTokens")
	case tst == absent:
		c.fail(r.URN, "%s leaves metadataOptions.httpTokens unset, so instances accept IMDSv1 requests; set it to \"required\"", describe(r))
	case tokens != "required":
		c.fail(r.URN, "%s sets metadataOptions.httpTokens = %q, so instances accept IMDSv1 requests; set it to \"required\"", describe(r), tokens)
	}
}

func checkHopLimit(c *checker, r *policyx.AnalyzerResource) {
	if r.Type == nodeClassType {
		checkNodeClassHopLimit(c, r)
		return
	}
	if !isLaunchSpec(r.Type) {
		return
	}
	hops, st := number(props(r.Properties), "metadataOptions", "httpPutResponseHopLimit")
	switch st {
	case unknown:
		c.unknownValue(r.URN, describe(r)+" metadataOptions.httpPutResponseHopLimit")
	case known:
		if int(hops) > c.opt.maxHopLimit {
			c.fail(r.URN, "%s sets metadataOptions.httpPutResponseHopLimit = %d; above %d, containers behind extra network hops can read the node role's credentials from IMDS; use 1 (pods use IRSA) or 2 (pods need IMDS)", describe(r), int(hops), c.opt.maxHopLimit)
		}
	}
}

func checkVolumesEncrypted(c *checker, r *policyx.AnalyzerResource) {
	p := props(r.Properties)
	switch r.Type {
	case nodeClassType:
		checkNodeClassVolumes(c, r)
	case launchTemplateType:
		mappings, st := list(p, "blockDeviceMappings")
		switch st {
		case unknown:
			c.unknownValue(r.URN, describe(r)+" blockDeviceMappings")
			return
		case absent:
			c.fail(r.URN, "%s maps no block devices, so whether node volumes are encrypted is left to the AMI's snapshot and the account's EBS encryption default; map the root volume with ebs.encrypted = \"true\"", describe(r))
			return
		}
		for i, m := range mappings {
			ebs, est := dig(m, "ebs")
			if est == absent {
				continue // instance store or noDevice: not an EBS volume
			}
			dev, _ := str(m, "deviceName")
			where := fmt.Sprintf("%s blockDeviceMappings[%d] (%s)", describe(r), i, dev)
			if est == unknown {
				c.unknownValue(r.URN, where+".ebs")
				continue
			}
			c.checkEncrypted(r.URN, where, ebs, "encrypted", "kmsKeyId")
		}
	case launchConfigurationType:
		if root, st := dig(p, "rootBlockDevice"); st == unknown {
			c.unknownValue(r.URN, describe(r)+" rootBlockDevice")
		} else {
			// An unset root block device is the AMI's, unencrypted unless
			// its snapshot is: require it explicitly, as CKV_AWS_8 does.
			c.checkEncrypted(r.URN, describe(r)+" rootBlockDevice", root, "encrypted", "")
		}
		devices, st := list(p, "ebsBlockDevices")
		if st == unknown {
			c.unknownValue(r.URN, describe(r)+" ebsBlockDevices")
		}
		for i, d := range devices {
			c.checkEncrypted(r.URN, fmt.Sprintf("%s ebsBlockDevices[%d]", describe(r), i), d, "encrypted", "")
		}
	}
}

// checkEncrypted checks one EBS block: encrypted true, and with
// requireCustomerManagedKey a KMS key.
func (c *checker) checkEncrypted(urn, where string, ebs property.Value, encKey, kmsKey string) {
	enc, st := boolean(ebs, encKey)
	switch {
	case st == unknown:
		c.unknownValue(urn, where+"."+encKey)
		return
	case st == absent || !enc:
		c.fail(urn, "%s is not encrypted (%s is not true); set %s = true so node volumes, including container images and emptyDir data, are encrypted at rest", where, encKey, encKey)
		return
	}
	if c.opt.requireCMK && kmsKey != "" {
		switch _, kst := str(ebs, kmsKey); kst {
		case unknown:
			c.unknownValue(urn, where+"."+kmsKey)
		case absent:
			c.fail(urn, "%s is encrypted with the AWS-managed key; set %s to a customer-managed KMS key", where, kmsKey)
		}
	}
}

func checkNoPublicIP(c *checker, r *policyx.AnalyzerResource) {
	p := props(r.Properties)
	switch r.Type {
	case launchTemplateType:
		nics, st := list(p, "networkInterfaces")
		if st == unknown {
			c.unknownValue(r.URN, describe(r)+" networkInterfaces")
		}
		for i, nic := range nics {
			public, st := boolean(nic, "associatePublicIpAddress")
			where := fmt.Sprintf("%s networkInterfaces[%d].associatePublicIpAddress", describe(r), i)
			switch {
			case st == unknown:
				c.unknownValue(r.URN, where)
			case st == known && public:
				// All interfaces, not only index 0 as CKV_AWS_88 looks at.
				c.fail(r.URN, "%s is true: nodes get a public IP address; set it to false and run nodes in private subnets", where)
			}
		}
	case launchConfigurationType:
		public, st := boolean(p, "associatePublicIpAddress")
		switch {
		case st == unknown:
			c.unknownValue(r.URN, describe(r)+" associatePublicIpAddress")
		case st == known && public:
			c.fail(r.URN, "%s sets associatePublicIpAddress = true: nodes get a public IP address; set it to false and run nodes in private subnets", describe(r))
		}
	}
}

// instanceTypesOf returns the instance types a resource launches, the
// property path they came from, and whether some are unknown or chosen by
// attributes (instance requirements) rather than named.
func instanceTypesOf(r *policyx.AnalyzerResource) (types []string, where string, unknownWhat string) {
	p := props(r.Properties)
	switch r.Type {
	case launchTemplateType, launchConfigurationType, instanceType:
		t, st := str(p, "instanceType")
		switch st {
		case known:
			return []string{t}, "instanceType", ""
		case unknown:
			return nil, "", "instanceType"
		}
	case nodeGroupType:
		ts, st := strs(p, "instanceTypes")
		switch st {
		case known:
			return ts, "instanceTypes", ""
		case unknown:
			return nil, "", "instanceTypes"
		}
	case asgType:
		overrides, st := list(p, "mixedInstancesPolicy", "launchTemplate", "overrides")
		if st == unknown {
			return nil, "", "mixedInstancesPolicy.launchTemplate.overrides"
		}
		for i, o := range overrides {
			t, st := str(o, "instanceType")
			switch st {
			case known:
				types = append(types, t)
			case unknown:
				unknownWhat = fmt.Sprintf("mixedInstancesPolicy.launchTemplate.overrides[%d].instanceType", i)
			case absent:
				if _, rst := dig(o, "instanceRequirements"); rst != absent {
					unknownWhat = fmt.Sprintf("mixedInstancesPolicy.launchTemplate.overrides[%d].instanceRequirements (attribute-based selection picks types at launch)", i)
				}
			}
		}
		return types, "mixedInstancesPolicy.launchTemplate.overrides[].instanceType", unknownWhat
	}
	return nil, "", ""
}

func checkInstanceTypes(c *checker, r *policyx.AnalyzerResource) {
	if len(c.opt.allowedInstanceTypes) == 0 {
		return
	}
	types, where, unknownWhat := instanceTypesOf(r)
	if unknownWhat != "" {
		c.cannotVerify(r.URN, "%s %s against the allowed instance types", describe(r), unknownWhat)
	}
	var refused []string
	for _, t := range types {
		if !instanceTypeAllowed(t, c.opt.allowedInstanceTypes) {
			refused = append(refused, t)
		}
	}
	if len(refused) > 0 {
		c.fail(r.URN, "%s %s uses %s, not on the allowed list (%s); pick allowed types or extend allowedInstanceTypes in the policy config",
			describe(r), where, quoteAll(refused), strings.Join(c.opt.allowedInstanceTypes, ", "))
	}
}

func instanceTypeAllowed(t string, allowed []string) bool {
	for _, p := range allowed {
		if ok, err := path.Match(p, t); err == nil && ok {
			return true
		}
	}
	return false
}
