// Package chart installs the in-cluster Helm charts of eksfleet's components
// one way: pinned, atomic, after the IAM permissions their pods need.
package chart

import (
	"encoding/json"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ToMap converts typed chart values (a struct with json tags) to the generic
// map a Helm release takes.
func ToMap(values any) (map[string]any, error) {
	b, err := json.Marshal(values)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// Spec is one chart installation.
type Spec struct {
	// ReleaseName and Namespace name the Helm release.
	ReleaseName, Namespace string
	// Chart is the chart name (with Repo) or an oci:// reference (no Repo).
	Chart, Repo string
	// Version pins the chart.
	Version string
	// Values are the chart values.
	Values pulumi.MapInput
	// Provider is the cluster's Kubernetes provider.
	Provider pulumi.ProviderResource
	// After are the resources the pods need first, above all their IAM
	// role policy: a pod that starts before its policy exists crash-loops
	// on AccessDenied until the next restart back-off.
	After []pulumi.Resource
}

// Install creates the release: atomic, so a failed upgrade rolls back rather
// than leaving a half-applied controller, with bounded history and a
// 10-minute wait for the pods.
func Install(ctx *pulumi.Context, name string, s Spec, opts ...pulumi.ResourceOption) (*helmv3.Release, error) {
	args := &helmv3.ReleaseArgs{
		Name:          pulumi.String(s.ReleaseName),
		Namespace:     pulumi.String(s.Namespace),
		Chart:         pulumi.String(s.Chart),
		Version:       pulumi.String(s.Version),
		Values:        s.Values,
		Atomic:        pulumi.Bool(true),
		CleanupOnFail: pulumi.Bool(true),
		MaxHistory:    pulumi.Int(10),
		Timeout:       pulumi.Int(600),
	}
	if s.Repo != "" {
		args.RepositoryOpts = &helmv3.RepositoryOptsArgs{Repo: pulumi.String(s.Repo)}
	}
	return helmv3.NewRelease(ctx, name, args, append(opts, pulumi.Provider(s.Provider), pulumi.DependsOn(s.After))...)
}
