// Package nodespec is the pure, table-tested logic behind the node group
// components (components/selfmanaged and components/managed): which AMI a
// group boots, which block devices it gets, how its mixed instances policy
// looks, which IAM documents its role carries and, above all, which tags its
// Auto Scaling Group carries for the Cluster Autoscaler.
//
// Nothing here imports Pulumi: plain values in, plain values out, so the
// same functions serve the components, the offline plan and the policy
// checks that compare the tags with the rendered user data.
package nodespec

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/eksfleet/eksfleet/components/bootstrap"
)

// Architectures are the CPU architectures as EC2 (and the config) spell them.
const (
	ArchX86_64 = "x86_64"
	ArchARM64  = "arm64"
)

func checkArch(arch string) error {
	if arch != ArchX86_64 && arch != ArchARM64 {
		return fmt.Errorf("architecture %q is not one of %s, %s", arch, ArchX86_64, ArchARM64)
	}
	return nil
}

func family(f bootstrap.Family) bootstrap.Family {
	if f == "" {
		return bootstrap.AL2023
	}
	return f
}

// AMIParameter returns the public SSM parameter holding the recommended
// EKS-optimized AMI id for a Kubernetes minor version, AMI family and
// architecture (the names in the EKS user guide, retrieve-ami-id*.adoc):
//
//	AL2023        /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/standard/recommended/image_id
//	Bottlerocket  /aws/service/bottlerocket/aws-k8s-<k8s>/<arch>/latest/image_id
//	AL2           /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2[-arm64]/recommended/image_id
//
// Reading the parameter at deployment, rather than pinning an id, is what
// rolls nodes to each new AMI release: a new id is a new launch template
// version, which starts an instance refresh.
//
// A release (ParseRelease) pins one instead: the parameter of that
// release's AMI, which AWS publishes beside "recommended" ("latest" for
// Bottlerocket) under the AMI's name:
//
//	AL2023        …/amazon-linux-2023/<arch>/standard/amazon-eks-node-al2023-<arch>-standard-<k8s>-v<date>/image_id
//	Bottlerocket  /aws/service/bottlerocket/aws-k8s-<k8s>/<arch>/<version>/image_id
//	AL2           …/amazon-linux-2/amazon-eks-node-<k8s>-v<date>/image_id (amazon-eks-arm64-node-… on arm64)
func AMIParameter(f bootstrap.Family, arch, kubernetesVersion string, release Release) (string, error) {
	if err := bootstrap.CheckFamilyVersion(family(f), kubernetesVersion); err != nil {
		return "", err
	}
	if err := checkArch(arch); err != nil {
		return "", err
	}
	if !release.IsZero() {
		return pinnedAMIParameter(family(f), arch, kubernetesVersion, release)
	}
	switch family(f) {
	case bootstrap.Bottlerocket:
		return fmt.Sprintf("/aws/service/bottlerocket/aws-k8s-%s/%s/latest/image_id", kubernetesVersion, arch), nil
	case bootstrap.AL2:
		dir := "amazon-linux-2"
		if arch == ArchARM64 {
			dir = "amazon-linux-2-arm64"
		}
		return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/%s/recommended/image_id", kubernetesVersion, dir), nil
	default:
		return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/standard/recommended/image_id", kubernetesVersion, arch), nil
	}
}

// AMIType returns the EKS managed node group amiType for an AMI family and
// architecture, e.g. AL2023_x86_64_STANDARD or BOTTLEROCKET_ARM_64. With it
// EKS picks, and on updates rolls, the AMI itself.
func AMIType(f bootstrap.Family, arch string) (string, error) {
	if err := checkArch(arch); err != nil {
		return "", err
	}
	suffix := "x86_64"
	if arch == ArchARM64 {
		suffix = "ARM_64"
	}
	switch family(f) {
	case bootstrap.AL2023:
		return "AL2023_" + suffix + "_STANDARD", nil
	case bootstrap.Bottlerocket:
		return "BOTTLEROCKET_" + suffix, nil
	case bootstrap.AL2:
		return "AL2_" + suffix, nil
	}
	return "", fmt.Errorf("AMI family %q is not one of %s", string(f), familyList())
}

func familyList() string {
	names := make([]string, len(bootstrap.Families))
	for i, f := range bootstrap.Families {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Release is a pinned node image release, as EKS names it for managed node
// groups (releaseVersion): "1.33.5-20251120" for AL2023 and AL2 (Kubernetes
// patch and AMI date), "1.50.0" for Bottlerocket.
type Release struct {
	// Raw is the release as written.
	Raw string
	// Date is the AMI release date, YYYYMMDD (AL2023, AL2).
	Date string
	// Version is the Bottlerocket OS version.
	Version string
}

// IsZero reports no pin: the recommended release.
func (r Release) IsZero() bool { return r.Raw == "" }

var (
	eksReleaseRE          = regexp.MustCompile(`^(\d+)\.(\d+)\.\d+-(\d{8})$`)
	bottlerocketReleaseRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// ParseRelease reads an amiReleaseVersion for a family and cluster minor;
// "" is no pin.
func ParseRelease(f bootstrap.Family, kubernetesVersion, raw string) (Release, error) {
	if raw == "" {
		return Release{}, nil
	}
	if family(f) == bootstrap.Bottlerocket {
		if !bottlerocketReleaseRE.MatchString(raw) {
			return Release{}, fmt.Errorf("%q is not a Bottlerocket release like 1.50.0", raw)
		}
		return Release{Raw: raw, Version: raw}, nil
	}
	m := eksReleaseRE.FindStringSubmatch(raw)
	if m == nil {
		return Release{}, fmt.Errorf("%q is not an EKS AMI release like 1.33.5-20251120 (Kubernetes patch version, AMI date)", raw)
	}
	if minor := m[1] + "." + m[2]; minor != kubernetesVersion {
		return Release{}, fmt.Errorf("%q is a release for Kubernetes %s, not the cluster's %s", raw, minor, kubernetesVersion)
	}
	return Release{Raw: raw, Date: m[3]}, nil
}

func pinnedAMIParameter(f bootstrap.Family, arch, k8s string, r Release) (string, error) {
	switch f {
	case bootstrap.Bottlerocket:
		if r.Version == "" {
			return "", fmt.Errorf("release %q is not a Bottlerocket release", r.Raw)
		}
		return fmt.Sprintf("/aws/service/bottlerocket/aws-k8s-%s/%s/%s/image_id", k8s, arch, r.Version), nil
	case bootstrap.AL2:
		if r.Date == "" {
			return "", fmt.Errorf("release %q has no AMI date", r.Raw)
		}
		if arch == ArchARM64 {
			return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2-arm64/amazon-eks-arm64-node-%s-v%s/image_id", k8s, k8s, r.Date), nil
		}
		return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2/amazon-eks-node-%s-v%s/image_id", k8s, k8s, r.Date), nil
	default:
		if r.Date == "" {
			return "", fmt.Errorf("release %q has no AMI date", r.Raw)
		}
		return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/standard/amazon-eks-node-al2023-%s-standard-%s-v%s/image_id", k8s, arch, arch, k8s, r.Date), nil
	}
}

// ReleaseParameter returns the public SSM parameter holding the release
// the recommended AMI belongs to, as managed node groups name it
// (releaseVersion): release_version beside the EKS AMIs' image_id,
// image_version beside Bottlerocket's (as terraform-aws-eks reads them).
func ReleaseParameter(f bootstrap.Family, arch, kubernetesVersion string) (string, error) {
	image, err := AMIParameter(f, arch, kubernetesVersion, Release{})
	if err != nil {
		return "", err
	}
	if family(f) == bootstrap.Bottlerocket {
		return strings.TrimSuffix(image, "image_id") + "image_version", nil
	}
	return strings.TrimSuffix(image, "image_id") + "release_version", nil
}
