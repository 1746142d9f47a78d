package stacks

import (
	"fmt"

	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// addonVersions returns the version of every managed add-on: the one
// pinned in cluster.addonVersions, else the version EKS marks default for
// the cluster's minor (eks DescribeAddonVersions, read-only). Sending it on
// every run is what makes add-ons follow an upgrade: EKS leaves add-ons at
// their version when the control plane moves, and the provider only sends
// a version that changed.
func addonVersions(ctx *pulumi.Context, cfg *config.Config) (map[string]string, error) {
	out := make(map[string]string, len(config.Addons))
	errs := &config.Errors{}
	for _, addon := range config.Addons {
		if v := cfg.Cluster.AddonVersions[addon]; v != "" {
			out[addon] = v
			continue
		}
		def, err := eks.GetAddonVersion(ctx, &eks.GetAddonVersionArgs{
			AddonName:         addon,
			KubernetesVersion: cfg.Cluster.Version,
			MostRecent:        pulumi.BoolRef(false),
		})
		if err != nil {
			errs.Problems = append(errs.Problems, config.Problem{
				Path:    config.Namespace + ":cluster.addonVersions." + addon,
				Message: fmt.Sprintf("is not set, and EKS's default %s version for Kubernetes %s could not be looked up (%v); pin one", addon, cfg.Cluster.Version, err),
			})
			continue
		}
		out[addon] = def.Version
	}
	if len(errs.Problems) > 0 {
		return nil, errs
	}
	return out, nil
}
