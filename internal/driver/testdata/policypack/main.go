// Command policypack is the driver tests' policy pack: one mandatory rule
// that an EKS cluster's public endpoint is never open to the whole internet.
// The engine tests build it as pulumi-analyzer-policy-go.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func main() {
	if err := policyx.Main(pack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func pack(*pulumi.Context) (policyx.PolicyPack, error) {
	open := policyx.NewResourceValidationPolicy("eks-endpoint-not-open", policyx.ResourceValidationPolicyArgs{
		Description:      "An EKS API endpoint must not be public to 0.0.0.0/0.",
		EnforcementLevel: policyx.EnforcementLevelMandatory,
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			r := args.Resource
			if r.Type != "aws:eks/cluster:Cluster" {
				return nil
			}
			vpc := r.Properties.Get("vpcConfig")
			if !vpc.IsMap() {
				return nil
			}
			public := vpc.AsMap().Get("endpointPublicAccess")
			cidrs := vpc.AsMap().Get("publicAccessCidrs")
			if !public.IsBool() || !public.AsBool() || !cidrs.IsArray() {
				return nil
			}
			for _, c := range cidrs.AsArray().All {
				if c.IsString() && c.AsString() == "0.0.0.0/0" {
					args.Manager.ReportViolation("the public endpoint is open to 0.0.0.0/0", r.URN)
				}
			}
			return nil
		},
	})
	return policyx.NewPolicyPack("eksfleet-driver-test", semver.MustParse("1.0.0"), policyx.EnforcementLevelMandatory,
		[]policyx.Policy{open})
}
