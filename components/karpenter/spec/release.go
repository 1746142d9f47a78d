// Package spec is the pure half of the Karpenter component: which Karpenter
// release runs on which Kubernetes minor, the controller's IAM policy as
// upstream's getting-started CloudFormation template writes it, the
// interruption queue's EventBridge rules, which instance types a node pool's
// filters select, and the NodePool and EC2NodeClass documents as typed
// structs that mirror Karpenter's v1 API. No Pulumi types, no I/O: the
// config validator imports it, and conformance tests decode what it builds
// with Karpenter's own Go types and CRD schemas.
package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Chart locations (Karpenter's installation guide: the charts are OCI
// artifacts in the public ECR registry).
const (
	ChartRepo       = "oci://public.ecr.aws/karpenter"
	CRDChart        = ChartRepo + "/karpenter-crd"
	ControllerChart = ChartRepo + "/karpenter"
	// Namespace and ServiceAccount are where the controller runs and the
	// identity its IRSA role trusts (the chart's serviceAccount.name default
	// is the release's full name, karpenter).
	Namespace      = "kube-system"
	ServiceAccount = "karpenter"
	ReleaseName    = "karpenter"
	CRDReleaseName = "karpenter-crd"
)

// Release is the Karpenter chart for one Kubernetes minor.
type Release struct {
	// Pinned is the tested chart (and controller) version installed by
	// default.
	Pinned string
	// Minimum is the oldest Karpenter release upstream's compatibility
	// matrix lists for the minor (never below 1.0.0: eksfleet writes the v1
	// API, which older releases do not serve).
	Minimum string
}

// Releases maps each Kubernetes minor eksfleet accepts to its Karpenter
// chart. Derived from Karpenter v1.14.1 hack/docs/compatibilitymatrix_gen/
// compatibility.yaml (../shared/upstream/karpenter/docs/compatibility.yaml;
// TestReleasesMatchCompatibilityMatrix re-derives it): Minimum is the first
// appVersion whose maxK8sVersion reaches the minor, raised to 1.0.0; every
// minor runs v1.14.1, whose range is 1.26-1.36.
var Releases = map[string]Release{
	"1.29": {Pinned: "1.14.1", Minimum: "1.0.0"},
	"1.30": {Pinned: "1.14.1", Minimum: "1.0.0"},
	"1.31": {Pinned: "1.14.1", Minimum: "1.0.5"},
	"1.32": {Pinned: "1.14.1", Minimum: "1.2.0"},
	"1.33": {Pinned: "1.14.1", Minimum: "1.5.0"},
	"1.34": {Pinned: "1.14.1", Minimum: "1.6.0"},
	"1.35": {Pinned: "1.14.1", Minimum: "1.9.0"},
}

var semverRe = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)

// ChartVersion returns the chart for a Kubernetes minor: override when set
// (refused below the matrix's minimum), else the pinned one.
func ChartVersion(kubernetesVersion, override string) (string, error) {
	r, ok := Releases[kubernetesVersion]
	if !ok {
		return "", fmt.Errorf("no Karpenter release is pinned for Kubernetes %q (known: 1.29-1.35)", kubernetesVersion)
	}
	if override == "" {
		return r.Pinned, nil
	}
	if !semverRe.MatchString(override) {
		return "", fmt.Errorf("%q is not a Karpenter chart version like %s", override, r.Pinned)
	}
	if CompareVersions(override, r.Minimum) < 0 {
		return "", fmt.Errorf("chart %s does not support Kubernetes %s: upstream's compatibility matrix needs %s or later", override, kubernetesVersion, r.Minimum)
	}
	return override, nil
}

// CompareVersions compares two x.y.z versions (-1, 0, 1); malformed parts
// count as 0.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}
