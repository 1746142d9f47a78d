// Package chart installs the in-cluster Helm charts of eksfleet's components
// one way: pinned, atomic, after the IAM permissions their pods need.
package chart

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

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
	// SkipCRDs leaves the chart's crds/ directory alone (a chart whose
	// CRDs another release owns and upgrades).
	SkipCRDs bool
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
	if s.SkipCRDs {
		args.SkipCrds = pulumi.Bool(true)
	}
	if s.Repo != "" {
		args.RepositoryOpts = &helmv3.RepositoryOptsArgs{Repo: pulumi.String(s.Repo)}
	}
	return helmv3.NewRelease(ctx, name, args, append(opts, pulumi.Provider(s.Provider), pulumi.DependsOn(s.After))...)
}

// ProxyEnvironment returns the egress proxy variables for a controller's
// pods in both cases (Go programs read the upper-case ones, many other tools
// only the lower-case ones). With a single proxy URL it serves both schemes.
// noProxy is the complete NO_PROXY list (bootstrap.NoProxy plus in-cluster
// names), the one the nodes and the networking daemons get.
func ProxyEnvironment(httpProxy, httpsProxy string, noProxy []string) (map[string]string, error) {
	if httpProxy == "" && httpsProxy == "" {
		return nil, fmt.Errorf("proxy environment: an HTTP or HTTPS proxy URL is required")
	}
	if httpProxy == "" {
		httpProxy = httpsProxy
	}
	if httpsProxy == "" {
		httpsProxy = httpProxy
	}
	env := map[string]string{}
	for k, v := range map[string]string{
		"HTTP_PROXY":  httpProxy,
		"HTTPS_PROXY": httpsProxy,
		"NO_PROXY":    strings.Join(noProxy, ","),
	} {
		env[k] = v
		env[strings.ToLower(k)] = v
	}
	return env, nil
}

// ProxyHasCredentials reports whether a proxy URL carries a user name or
// password. Values holding such a URL must stay Pulumi secrets.
func ProxyHasCredentials(urls ...string) bool {
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			return true
		}
	}
	return false
}

// CriticalAddonsToleration is the toleration of eksfleet's controllers:
// system node groups are tainted CriticalAddonsOnly (any value, any
// effect), and the controllers are such add-ons. CoreDNS, the EKS add-on,
// carries the same toleration.
var CriticalAddonsToleration = Toleration{Key: "CriticalAddonsOnly", Operator: "Exists"}

// Toleration is a pod toleration as chart values take it.
type Toleration struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Effect   string `json:"effect,omitempty"`
}

// SpreadConstraint is a pod topology spread constraint as chart values take
// it.
type SpreadConstraint struct {
	MaxSkew           int           `json:"maxSkew"`
	TopologyKey       string        `json:"topologyKey"`
	WhenUnsatisfiable string        `json:"whenUnsatisfiable"`
	LabelSelector     LabelSelector `json:"labelSelector"`
}

// LabelSelector selects the pods a spread constraint counts.
type LabelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// Spread returns the spread of a controller's replicas, selected by the
// given pod labels: across zones first, then across nodes. Both are
// preferences (ScheduleAnyway): a hard constraint would leave a replica
// Pending on a cluster that starts with one eligible node, and the atomic
// release, which waits for every replica, would roll back.
func Spread(podLabels map[string]string) []SpreadConstraint {
	out := make([]SpreadConstraint, 0, 2)
	for _, key := range []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"} {
		labels := make(map[string]string, len(podLabels))
		for k, v := range podLabels {
			labels[k] = v
		}
		out = append(out, SpreadConstraint{MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: "ScheduleAnyway", LabelSelector: LabelSelector{MatchLabels: labels}})
	}
	return out
}
