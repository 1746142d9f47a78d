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
func AMIParameter(f bootstrap.Family, arch, kubernetesVersion string) (string, error) {
	if err := bootstrap.CheckFamilyVersion(family(f), kubernetesVersion); err != nil {
		return "", err
	}
	if err := checkArch(arch); err != nil {
		return "", err
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
