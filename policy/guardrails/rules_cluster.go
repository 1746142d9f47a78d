package guardrails

import (
	"net"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// EKS control plane rules read aws:eks/cluster:Cluster, the resource
// pulumi-eks's Cluster component registers as its child, so they apply
// however the cluster was declared.

func init() {
	define(ruleDef{name: "eks-endpoint-private", resource: checkEndpoint})
	define(ruleDef{
		name: "eks-control-plane-logs",
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"requiredLogTypes": {"type": "array", "items": map[string]any{"type": "string", "enum": anySlice(allLogTypes)},
				"description": "Log types that must be enabled (default: audit and authenticator in dev and staging, all five in prod)."},
		}},
		resource: checkControlPlaneLogs,
	})
	define(ruleDef{name: "eks-secrets-cmk", resource: checkSecretsCMK})
}

func checkEndpoint(c *checker, r *policyx.AnalyzerResource) {
	if r.Type != eksClusterType {
		return
	}
	p := props(r.Properties)
	// EKS defaults: public on, private off, public CIDRs 0.0.0.0/0.
	public, pst := boolean(p, "vpcConfig", "endpointPublicAccess")
	if pst == absent {
		public, pst = true, known
	}
	private, vst := boolean(p, "vpcConfig", "endpointPrivateAccess")
	if vst == absent {
		private, vst = false, known
	}
	if pst == unknown {
		c.unknownValue(r.URN, describe(r)+" vpcConfig.endpointPublicAccess")
		return
	}
	if !public {
		return
	}
	cidrs, cst := strs(p, "vpcConfig", "publicAccessCidrs")
	switch {
	case cst == unknown:
		c.unknownValue(r.URN, describe(r)+" vpcConfig.publicAccessCidrs")
	case len(cidrs) == 0:
		c.fail(r.URN, "%s has a public API endpoint with no publicAccessCidrs, which EKS opens to 0.0.0.0/0; list your office/VPN CIDRs or turn endpointPublicAccess off", describe(r))
	default:
		var open []string
		for _, cidr := range cidrs {
			if _, n, err := net.ParseCIDR(cidr); err == nil {
				if ones, _ := n.Mask.Size(); ones == 0 {
					open = append(open, cidr)
				}
			}
		}
		if len(open) > 0 {
			c.fail(r.URN, "%s opens its public API endpoint to the whole internet (publicAccessCidrs %s); list your office/VPN CIDRs or turn endpointPublicAccess off", describe(r), strings.Join(open, ", "))
		}
	}
	switch {
	case vst == unknown:
		c.unknownValue(r.URN, describe(r)+" vpcConfig.endpointPrivateAccess")
	case !private:
		c.fail(r.URN, "%s has a public API endpoint with endpointPrivateAccess off, so nodes reach the API server over the internet; set endpointPrivateAccess = true", describe(r))
	}
}

func checkControlPlaneLogs(c *checker, r *policyx.AnalyzerResource) {
	if r.Type != eksClusterType {
		return
	}
	enabled, st := strs(props(r.Properties), "enabledClusterLogTypes")
	if st == unknown {
		c.unknownValue(r.URN, describe(r)+" enabledClusterLogTypes")
		return
	}
	var missing []string
	for _, t := range c.opt.requiredLogTypes {
		if !slices.Contains(enabled, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		c.fail(r.URN, "%s does not send the %s control plane logs to CloudWatch (enabledClusterLogTypes %v); in %s enable %s",
			describe(r), joinAnd(missing), enabled, c.opt.env, strings.Join(c.opt.requiredLogTypes, ", "))
	}
}

func checkSecretsCMK(c *checker, r *policyx.AnalyzerResource) {
	if r.Type != eksClusterType {
		return
	}
	p := props(r.Properties)
	ec, st := dig(p, "encryptionConfig")
	switch st {
	case unknown:
		c.unknownValue(r.URN, describe(r)+" encryptionConfig")
		return
	case absent:
		c.fail(r.URN, "%s has no encryptionConfig: Secrets are encrypted only with an AWS-owned key you cannot audit, rotate or revoke; encrypt them with a customer-managed KMS key (eksfleet: cluster.secretsEncryption or secretsKmsKeyArn)", describe(r))
		return
	}
	resources, rst := strs(ec, "resources")
	switch {
	case rst == unknown:
		c.unknownValue(r.URN, describe(r)+" encryptionConfig.resources")
	case !slices.Contains(resources, "secrets"):
		c.fail(r.URN, "%s encryptionConfig.resources %v does not include \"secrets\"", describe(r), resources)
	}
	key, kst := str(ec, "provider", "keyArn")
	switch {
	case kst == unknown:
		c.unknownValue(r.URN, describe(r)+" encryptionConfig.provider.keyArn")
	case kst == absent || key == "":
		c.fail(r.URN, "%s encryptionConfig has no provider.keyArn; set it to a customer-managed KMS key", describe(r))
	}
}

// anySlice converts for config schemas, which the analyzer server turns
// into protobuf structs: those hold []any, not []string.
func anySlice(items []string) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out
}
