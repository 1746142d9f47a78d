package guardrails

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Karpenter's objects, as pulumi-kubernetes registers them
// (apiextensions.CustomResource: kubernetes:<apiVersion>:<kind>). The node
// launch rules (imdsv2-required, imds-hop-limit, node-volumes-encrypted)
// read EC2NodeClass objects too, since Karpenter builds its launch
// templates from them.
const (
	nodeClassType = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
	nodePoolType  = "kubernetes:karpenter.sh/v1:NodePool"
)

func init() {
	define(ruleDef{name: "karpenter-pool-limits", resource: checkPoolLimits})
	define(ruleDef{name: "karpenter-controller-scoped", resource: checkKarpenterScoped})
}

// checkNodeClassIMDS: an absent metadataOptions or httpTokens takes the
// CRD's default (karpenter.k8s.aws_ec2nodeclasses.yaml v1.14.1:
// httpTokens required, endpoint enabled), so only an explicit weaker
// value fails.
func checkNodeClassIMDS(c *checker, r *policyx.AnalyzerResource) {
	p := props(r.Properties)
	tokens, st := str(p, "spec", "metadataOptions", "httpTokens")
	switch {
	case st == unknown:
		c.unknownValue(r.URN, describe(r)+" spec.metadataOptions.httpTokens")
	case st == known && tokens != "required":
		c.fail(r.URN, "%s sets spec.metadataOptions.httpTokens = %q, so Karpenter's nodes accept IMDSv1 requests; set it to \"required\"", describe(r), tokens)
	}
	endpoint, est := str(p, "spec", "metadataOptions", "httpEndpoint")
	switch {
	case est == unknown:
		c.unknownValue(r.URN, describe(r)+" spec.metadataOptions.httpEndpoint")
	case est == known && endpoint == "disabled":
		c.fail(r.URN, "%s disables the instance metadata endpoint; EKS nodes need it, keep it \"enabled\" with httpTokens = \"required\"", describe(r))
	}
}

// checkNodeClassHopLimit: absent means the CRD's default, 1.
func checkNodeClassHopLimit(c *checker, r *policyx.AnalyzerResource) {
	hops, st := number(props(r.Properties), "spec", "metadataOptions", "httpPutResponseHopLimit")
	switch st {
	case unknown:
		c.unknownValue(r.URN, describe(r)+" spec.metadataOptions.httpPutResponseHopLimit")
	case known:
		if int(hops) > c.opt.maxHopLimit {
			c.fail(r.URN, "%s sets spec.metadataOptions.httpPutResponseHopLimit = %d; above %d, containers behind extra network hops can read the node role's credentials from IMDS", describe(r), int(hops), c.opt.maxHopLimit)
		}
	}
}

// checkNodeClassVolumes: every mapped EBS volume is encrypted. Without
// mappings Karpenter uses its family defaults, which are encrypted
// (Karpenter docs, "Default Block Device Mappings"), so absent passes.
func checkNodeClassVolumes(c *checker, r *policyx.AnalyzerResource) {
	mappings, st := list(props(r.Properties), "spec", "blockDeviceMappings")
	if st == unknown {
		c.unknownValue(r.URN, describe(r)+" spec.blockDeviceMappings")
		return
	}
	for i, m := range mappings {
		ebs, est := dig(m, "ebs")
		if est == absent {
			continue
		}
		dev, _ := str(m, "deviceName")
		where := fmt.Sprintf("%s spec.blockDeviceMappings[%d] (%s)", describe(r), i, dev)
		if est == unknown {
			c.unknownValue(r.URN, where+".ebs")
			continue
		}
		c.checkEncrypted(r.URN, where, ebs, "encrypted", "kmsKeyID")
	}
}

func checkPoolLimits(c *checker, r *policyx.AnalyzerResource) {
	if r.Type != nodePoolType {
		return
	}
	limits, st := dig(props(r.Properties), "spec", "limits")
	switch {
	case st == unknown:
		c.unknownValue(r.URN, describe(r)+" spec.limits")
	case st == absent || !limits.IsMap() || limits.AsMap().Len() == 0:
		c.fail(r.URN, "%s sets no spec.limits, so it may launch instances without bound (a runaway Deployment, a pod requesting a GPU type); set limits such as cpu and memory", describe(r))
	}
}

// Karpenter's write actions on resources it creates, and the resource
// types they must be confined to this cluster's tags on.
var (
	karpenterWrites = []string{
		"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate", "ec2:CreateTags", "ec2:TerminateInstances", "ec2:DeleteLaunchTemplate",
		"iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile",
	}
	// Created per node: the template's tag-conditioned statements. Images,
	// snapshots, subnets, security groups, capacity reservations and
	// placement groups are only used, and upstream leaves them
	// unconditioned.
	karpenterOwned = []string{":instance/", ":fleet/", ":volume/", ":network-interface/", ":launch-template/", ":spot-instances-request/", ":instance-profile/"}
)

// checkKarpenterScoped reads identity policies that grant ec2:CreateFleet
// (the Karpenter controller's).
func checkKarpenterScoped(c *checker, r *policyx.AnalyzerResource) {
	for _, pt := range policyTexts(r) {
		// A document unknown until deployment cannot be recognised as the
		// controller's (by ec2:CreateFleet); iam-resource-scoped already
		// reports it as unverifiable, once.
		if pt.st != known || !strings.Contains(pt.text, "ec2:CreateFleet") {
			continue
		}
		stmts, err := parsePolicy(pt.text)
		if err != nil {
			continue // iam-resource-scoped reports unreadable documents
		}
		for i, s := range stmts {
			if s.effect != "Allow" {
				continue
			}
			name := s.sid
			if name == "" {
				name = fmt.Sprintf("Statement[%d]", i)
			}
			if slices.Contains(s.actions, "iam:PassRole") || slices.Contains(s.actions, "*") || slices.Contains(s.actions, "iam:*") {
				for _, res := range s.resources {
					if strings.Contains(res, "*") {
						c.fail(r.URN, "%s %s lets the Karpenter controller pass any role (%s); name the node role's ARN", pt.where, name, res)
					}
				}
			}
			if !touches(s.actions, karpenterWrites) || !ownedResource(s.resources) {
				continue
			}
			if !clusterScoped(s.conditionKeys) {
				c.fail(r.URN, "%s %s allows %s on %s with no kubernetes.io/cluster/<cluster> tag condition naming this cluster, so the controller could launch, tag or terminate other clusters' instances; scope it as Karpenter's CloudFormation template does",
					pt.where, name, strings.Join(s.actions, ", "), strings.Join(s.resources, ", "))
			}
		}
	}
}

func touches(actions, writes []string) bool {
	for _, a := range actions {
		if slices.Contains(writes, a) || a == "*" || a == "ec2:*" || a == "iam:*" {
			return true
		}
	}
	return false
}

func ownedResource(resources []string) bool {
	for _, r := range resources {
		if r == "*" {
			return true
		}
		for _, o := range karpenterOwned {
			if strings.Contains(r, o) {
				return true
			}
		}
	}
	return false
}

// clusterScoped: a condition on the cluster ownership tag of one named
// cluster (aws:ResourceTag/… or aws:RequestTag/kubernetes.io/cluster/<n>).
func clusterScoped(keys []string) bool {
	for _, k := range keys {
		for _, prefix := range []string{"aws:ResourceTag/kubernetes.io/cluster/", "aws:RequestTag/kubernetes.io/cluster/"} {
			if name, ok := strings.CutPrefix(k, prefix); ok && name != "" && !strings.ContainsAny(name, "*?$") {
				return true
			}
		}
	}
	return false
}
