package autoscaler

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Chart coordinates of the upstream cluster-autoscaler Helm chart.
const (
	ChartRepo = "https://kubernetes.github.io/autoscaler"
	ChartName = "cluster-autoscaler"
	// ImageRepository is where upstream publishes the autoscaler image; the
	// chart's default, restated so the image a stack runs is explicit.
	ImageRepository = "registry.k8s.io/autoscaling/cluster-autoscaler"
)

// Release is the chart version and image tag eksfleet installs for one
// Kubernetes minor version.
type Release struct {
	// ChartVersion is a cluster-autoscaler chart whose default image
	// (appVersion) is this Kubernetes minor's autoscaler.
	ChartVersion string
	// ImageTag is the newest patch release of the autoscaler for the minor.
	// The autoscaler vendors the scheduler of its own minor and simulates
	// scheduling with it, so its minor must equal the cluster's (upstream
	// does no cross-version testing; guardrail B7 checks it).
	ImageTag string
}

// releases is the one place chart versions and images are pinned. Why these:
//
//   - The chart versions are the ones the autoscaler README's release table
//     lists as the first chart for each minor ("1.33.x | 9.47.0+"), or a
//     later chart of the same line whose appVersion is still that minor:
//     9.38.0 (appVersion 1.31.0), 9.46.6 (1.32.0), 9.50.1 (1.33.0, the last
//     1.33 chart) and 9.59.0 (1.35.0). A chart of the right line keeps the
//     RBAC rules in step with what that autoscaler version watches.
//   - The image tags are the newest patch of each minor promoted to
//     registry.k8s.io when pinned (kubernetes/k8s.io#8815 for 1.32.5, 1.33.3,
//     1.34.2; kops' per-minor table for 1.29.5, 1.30.6, 1.31.4; the 1.35.0
//     release). Patch releases carry AWS fixes the chart's appVersion lacks.
//
// Every minor the config accepts (1.29-1.35) must have an entry; the test
// checks the table's shape.
var releases = map[string]Release{
	"1.29": {ChartVersion: "9.35.0", ImageTag: "v1.29.5"},
	"1.30": {ChartVersion: "9.37.0", ImageTag: "v1.30.6"},
	"1.31": {ChartVersion: "9.38.0", ImageTag: "v1.31.4"},
	"1.32": {ChartVersion: "9.46.6", ImageTag: "v1.32.5"},
	"1.33": {ChartVersion: "9.50.1", ImageTag: "v1.33.3"},
	"1.34": {ChartVersion: "9.51.0", ImageTag: "v1.34.2"},
	"1.35": {ChartVersion: "9.59.0", ImageTag: "v1.35.0"},
}

var (
	minorRe   = regexp.MustCompile(`^1\.\d{1,2}$`)
	semverRe  = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	imageTagR = regexp.MustCompile(`^v(\d+\.\d+)\.\d+$`)
)

// ReleaseFor returns the pinned chart and image for a cluster's Kubernetes
// minor version ("1.33"). chartVersion, when set, replaces the pinned chart
// (autoscaler.chartVersion) but not the image: whatever chart is used, the
// image stays the autoscaler of the cluster's minor.
func ReleaseFor(kubernetesVersion, chartVersion string) (Release, error) {
	if !minorRe.MatchString(kubernetesVersion) {
		return Release{}, fmt.Errorf("kubernetes version %q: must be a minor version like \"1.33\"", kubernetesVersion)
	}
	r, ok := releases[kubernetesVersion]
	if !ok {
		return Release{}, fmt.Errorf("kubernetes version %q: no cluster-autoscaler release is pinned for it; supported: %s", kubernetesVersion, strings.Join(SupportedVersions(), ", "))
	}
	if chartVersion != "" {
		if !semverRe.MatchString(chartVersion) {
			return Release{}, fmt.Errorf("autoscaler.chartVersion %q: must be a chart version like 9.50.1", chartVersion)
		}
		r.ChartVersion = chartVersion
	}
	return r, nil
}

// ImageMinor returns the Kubernetes minor an autoscaler image tag targets
// ("v1.33.3" → "1.33").
func ImageMinor(tag string) (string, bool) {
	m := imageTagR.FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// SupportedVersions lists the Kubernetes minors with a pinned release.
func SupportedVersions() []string {
	out := make([]string, 0, len(releases))
	for v := range releases {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return minorNumber(out[i]) < minorNumber(out[j]) })
	return out
}

func minorNumber(v string) int {
	var major, minor int
	fmt.Sscanf(v, "%d.%d", &major, &minor)
	return minor
}
