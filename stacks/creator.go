package stacks

import (
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// existingCluster looks the EKS cluster up (read-only): nil when it does
// not exist yet.
func existingCluster(ctx *pulumi.Context, cfg *config.Config) (*eks.LookupClusterResult, error) {
	existing, err := eks.LookupCluster(ctx, &eks.LookupClusterArgs{Name: cfg.Cluster.Name})
	switch {
	case err == nil:
		return existing, nil
	case isNotFound(err):
		return nil, nil
	default:
		return nil, fmt.Errorf("looking up EKS cluster %s (to learn its version and which identity created it): %w", cfg.Cluster.Name, err)
	}
}

// resolveCreator returns the IAM principal that has cluster-admin through
// the access entry EKS created with the cluster (read-only AWS calls, made
// before anything is registered):
//   - the cluster exists: the principal recorded in its cluster.CreatorTag
//     at creation ("" when the cluster carries none, e.g. not created by
//     eksfleet), whoever runs this update;
//   - it does not exist yet: the caller, which is about to create it (an
//     assumed-role session resolved to its role with iam GetSessionContext,
//     as EKS records it).
func resolveCreator(ctx *pulumi.Context, existing *eks.LookupClusterResult) (string, error) {
	if existing != nil {
		return existing.Tags[cluster.CreatorTag], nil
	}
	caller, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("resolving the deploying identity (sts GetCallerIdentity): %w", err)
	}
	issuer := ""
	if cluster.IsAssumedRole(caller.Arn) {
		session, err := iam.GetSessionContext(ctx, &iam.GetSessionContextArgs{Arn: caller.Arn})
		if err != nil {
			return "", fmt.Errorf("resolving the role behind session %s (iam GetSessionContext): %w", caller.Arn, err)
		}
		issuer = session.IssuerArn
	}
	return cluster.PrincipalOfCaller(caller.Arn, issuer), nil
}

// checkUpgrade refuses a cluster.version EKS would refuse for the running
// cluster: EKS upgrades one minor at a time and never downgrades
// (UpdateClusterVersion). Checked before anything is registered, so a
// two-minor jump fails in preview instead of mid-deploy.
func checkUpgrade(cfg *config.Config, existing *eks.LookupClusterResult) error {
	if existing == nil || existing.Version == "" {
		return nil
	}
	step, err := config.MinorStep(existing.Version, cfg.Cluster.Version)
	if err != nil {
		return nil // config validation owns the format of cluster.version
	}
	path := config.Namespace + ":cluster.version"
	switch {
	case step > 1:
		return &config.Errors{Problems: []config.Problem{{Path: path, Value: cfg.Cluster.Version,
			Message: fmt.Sprintf("is more than one minor above the running cluster's %s; EKS upgrades one minor at a time: deploy each minor in turn (see README, Upgrading Kubernetes)", existing.Version)}}}
	case step < 0:
		return &config.Errors{Problems: []config.Problem{{Path: path, Value: cfg.Cluster.Version,
			Message: fmt.Sprintf("is below the running cluster's %s; EKS cannot downgrade a cluster", existing.Version)}}}
	}
	return nil
}

// isNotFound reports the error the aws_eks_cluster data source gives for a
// cluster that does not exist: the Terraform AWS provider wraps EKS's
// ResourceNotFoundException as "couldn't find resource"
// (internal/tfresource NotFound, internal/service/eks/cluster_data_source.go).
func isNotFound(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "couldn't find resource") || strings.Contains(msg, "ResourceNotFoundException")
}
