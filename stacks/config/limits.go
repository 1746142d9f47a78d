package config

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/eksfleet/eksfleet/components/instancetypes"
)

// AWS limits a config can exceed. Each is refused at config time, at its key
// path, instead of by the AWS API after the cluster exists (or, for a node
// group count in the thousands, instead of exhausting memory while
// registering them). Where the limit is an adjustable service quota, the
// message says so: raise the quota first, then the config.
const (
	// EKS service quotas ("View and manage Amazon EKS and Fargate service
	// quotas", Amazon EKS User Guide): "Managed node groups per cluster" 30
	// and "Nodes per managed node group" 450, both adjustable; "Public
	// endpoint access CIDR ranges per cluster" 40, not adjustable.
	maxManagedNodeGroups    = 30
	maxNodesPerManagedGroup = 450
	maxPublicAccessCIDRs    = 40
	// EC2 Auto Scaling quotas ("Quotas for Amazon EC2 Auto Scaling", EC2
	// Auto Scaling User Guide): "Auto Scaling groups per Region" 500,
	// adjustable. Every node group, managed or not, is one Auto Scaling
	// group.
	maxAutoScalingGroups = 500
	// EC2 Auto Scaling API reference, LaunchTemplate.Overrides: "Array
	// Members: Maximum number of 40 items": a mixed instances policy lists
	// at most 40 instance types.
	maxMixedInstanceTypes = 40
	// Tagging AWS resources (AWS General Reference / Tagging Best Practices,
	// "Tag naming limits and requirements"): at most 50 user tags per
	// resource, keys of 1-128 and values of 0-256 Unicode characters,
	// letters, digits and spaces representable in UTF-8 and + - = . _ : / @,
	// and the aws: prefix reserved for AWS.
	maxTagsPerResource = 50
	maxTagKeyChars     = 128
	maxTagValueChars   = 256
)

// tagCharsRe is the character set every AWS service accepts in tag keys and
// values (some accept more; EC2 Auto Scaling and IAM accept exactly these).
var tagCharsRe = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// ownTags are the tags eksfleet adds to every taggable resource (see
// stacks.mergeTags); they count against the 50.
var ownTags = []string{"eksfleet:stack", "eksfleet:environment"}

// validateTags refuses tag keys and values AWS refuses, and more tags than a
// resource can carry.
func validateTags(errs *Errors, path string, tags map[string]string) {
	if n := len(tags) + len(ownTags); n > maxTagsPerResource {
		errs.add(path, nil, "has %d tags; with eksfleet's own %s that is %d, over AWS's limit of %d per resource", len(tags), strings.Join(ownTags, " and "), n, maxTagsPerResource)
	}
	for _, k := range sortedStringKeys(tags) {
		v := tags[k]
		kp := path + "." + k
		switch {
		case k == "" || utf8.RuneCountInString(k) > maxTagKeyChars:
			errs.add(path, k, "tag keys must be 1-%d characters", maxTagKeyChars)
		case !tagCharsRe.MatchString(k):
			errs.add(path, k, "is not a valid tag key: AWS allows letters, digits, spaces and + - = . _ : / @")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs.add(kp, v, "uses the reserved aws: prefix")
		case strings.HasPrefix(k, "kubernetes.io/cluster/") || strings.HasPrefix(k, "k8s.io/cluster-autoscaler/"):
			errs.add(kp, v, "is managed by eksfleet (cluster ownership and autoscaler tags); remove it")
		case k == ownTags[0] || k == ownTags[1]:
			errs.add(kp, v, "is set by eksfleet for every resource; remove it")
		case utf8.RuneCountInString(v) > maxTagValueChars:
			errs.add(kp, v, "tag values must be at most %d characters", maxTagValueChars)
		case !tagCharsRe.MatchString(v):
			errs.add(kp, v, "is not a valid tag value: AWS allows letters, digits, spaces and + - = . _ : / @")
		}
	}
}

// validateLimits checks the config against the AWS limits above and the
// list rules that no single key's check sees: entries listed twice, KMS
// keys of another region, instance types the table does not know.
func validateLimits(errs *Errors, c *Config) {
	cl := key("cluster")
	if n := len(c.Cluster.PublicAccessCIDRs); n > maxPublicAccessCIDRs {
		errs.add(cl+".publicAccessCidrs", nil, "lists %d CIDR blocks; EKS allows at most %d public access CIDRs per cluster", n, maxPublicAccessCIDRs)
	}
	checkDuplicates(errs, cl+".publicAccessCidrs", c.Cluster.PublicAccessCIDRs)
	checkKMSRegion(errs, cl+".secretsKmsKeyArn", c.Cluster.SecretsKMSKeyARN, c.Region, "EKS envelope encryption needs a key in the cluster's region")
	bySubnet := map[string]string{}
	for _, z := range sortedStringKeys(c.CNI.PodSubnetIDs) {
		s := c.CNI.PodSubnetIDs[z]
		if other, dup := bySubnet[s]; dup {
			errs.add(key("cni.podSubnetIds."+z), s, "is also the pod subnet of %s; a subnet is in one availability zone", other)
		}
		bySubnet[s] = z
	}

	managed := 0
	for _, g := range c.NodeGroups {
		if g.Kind == KindManaged {
			managed++
		}
	}
	if managed > maxManagedNodeGroups {
		errs.add(key("nodeGroups"), nil, "has %d managed node groups; EKS allows %d per cluster (an adjustable service quota: raise it first)", managed, maxManagedNodeGroups)
	}
	if n := len(c.NodeGroups); n > maxAutoScalingGroups {
		errs.add(key("nodeGroups"), nil, "has %d node groups, each an Auto Scaling group; EC2 Auto Scaling allows %d per region (an adjustable service quota: raise it first)", n, maxAutoScalingGroups)
	}
	for i, g := range c.NodeGroups {
		p := key(fmt.Sprintf("nodeGroups[%d]", i))
		if g.Kind == KindManaged && g.MaxSize != nil && *g.MaxSize > maxNodesPerManagedGroup {
			errs.add(p+".maxSize", *g.MaxSize, "is over EKS's %d nodes per managed node group (an adjustable service quota: raise it first)", maxNodesPerManagedGroup)
		}
		if g.Kind == KindSelfManaged && len(g.InstanceTypes) > maxMixedInstanceTypes {
			errs.add(p+".instanceTypes", nil, "lists %d instance types; an Auto Scaling mixed instances policy takes at most %d", len(g.InstanceTypes), maxMixedInstanceTypes)
		}
		if !g.MaxPods.Auto {
			// With maxPods: auto an unknown type is refused for the max pods
			// computation; with a number it must still be known: the
			// autoscaler's scale-from-zero tags (cpu, memory) come from the
			// table, and a misspelt type would silently get none.
			for j, t := range g.InstanceTypes {
				if _, known := instancetypes.Lookup(t); !known {
					errs.add(fmt.Sprintf("%s.instanceTypes[%d]", p, j), t, "is not an instance type the instance table knows; check the spelling (e.g. m5.large)")
				}
			}
		}
		checkDuplicates(errs, p+".subnetIds", g.SubnetIDs)
		checkKubeletFlagsOnce(errs, p+".kubeletExtraArgs", g.KubeletExtraArgs)
		checkKMSRegion(errs, p+".rootVolume.kmsKeyArn", g.RootVolume.KMSKeyARN, c.Region, "EBS encrypts a volume only with a key in the volume's region")
	}
}

// checkDuplicates refuses a list entry given twice (unless already refused).
func checkDuplicates(errs *Errors, path string, list []string) {
	seen := map[string]int{}
	for i, s := range list {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if j, dup := seen[s]; dup && !errs.hasProblemUnder(ip) {
			errs.add(ip, s, "is listed twice (also at [%d])", j)
		}
		if _, dup := seen[s]; !dup {
			seen[s] = i
		}
	}
}

// checkKubeletFlagsOnce refuses one kubelet flag given twice: the kubelet
// keeps the last, so the first is silently ignored.
func checkKubeletFlagsOnce(errs *Errors, path string, args []string) {
	seen := map[string]int{}
	for i, a := range args {
		name, _, _ := strings.Cut(a, "=")
		ip := fmt.Sprintf("%s[%d]", path, i)
		if j, dup := seen[name]; dup && !errs.hasProblemUnder(ip) {
			errs.add(ip, a, "sets %s again (also at [%d]); the kubelet keeps only the last, give it once", name, j)
		}
		if _, dup := seen[name]; !dup {
			seen[name] = i
		}
	}
}

// checkKMSRegion refuses a KMS key ARN of another region than aws:region.
// KMS keys are regional and neither service reaches across regions: the EKS
// User Guide ("Encrypt Kubernetes secrets with KMS on existing clusters")
// requires a symmetric key "created in the same AWS Region as the cluster",
// and the EBS User Guide (Amazon EBS encryption) encrypts a volume only
// with a key in the volume's Region (a multi-Region key is named by the
// ARN of its replica in that Region).
func checkKMSRegion(errs *Errors, path, arn, region, why string) {
	parts := strings.SplitN(arn, ":", 6)
	if arn == "" || region == "" || len(parts) < 6 || errs.hasProblemUnder(path) {
		return
	}
	if parts[3] != region {
		errs.add(path, arn, "is a key in %s, not aws:region %s; %s", parts[3], region, why)
	}
}
