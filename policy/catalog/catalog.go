// Package catalog lists the eksfleet guardrails: each rule's name, what it
// requires, the Checkov / Trivy / AWS checks it matches and its default
// enforcement level per environment. It is plain data with no
// dependencies, so the stack config can validate `eksfleet:policy` rule
// names and levels without linking the policy pack.
//
// The rules themselves live in policy/guardrails; the mapping to anchor
// checks follows shared/notes/guardrails.md.
package catalog

import (
	"fmt"
	"strings"
)

// Level is an enforcement level, spelled as Pulumi spells it.
type Level string

// Enforcement levels. Mandatory fails `pulumi preview`/`up` and makes
// `eksfleet plan` exit 2; advisory is reported only; disabled does not run.
const (
	Mandatory Level = "mandatory"
	Advisory  Level = "advisory"
	Disabled  Level = "disabled"
)

// Levels are the valid levels, strictest first.
var Levels = []Level{Mandatory, Advisory, Disabled}

// ParseLevel accepts a level name.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("enforcement level %q must be mandatory, advisory or disabled", s)
}

// Environments are the deployment environments levels differ by.
var Environments = []string{"dev", "staging", "prod"}

// Scope says what a rule reads.
type Scope string

// Rule scopes: one resource's inputs, or the whole stack (rules that join
// resources, such as an Auto Scaling Group with its launch template).
const (
	ResourceScope Scope = "resource"
	StackScope    Scope = "stack"
)

// Rule is one guardrail.
type Rule struct {
	// Name is the policy name users see, configure and look up.
	Name string
	// Description says what the rule requires, in one sentence.
	Description string
	// Anchors are the matching Checkov, Trivy, AWS Security Hub, Pulumi
	// compliance-pack and best-practice checks, or eksfleet's own catalogue
	// number (B1-B10 in guardrails.md) when no scanner has one. They are
	// quoted in every violation message.
	Anchors []string
	// Dev, Staging and Prod are the default levels per environment.
	Dev, Staging, Prod Level
	// Scope is what the rule reads.
	Scope Scope
}

// Default returns the rule's level in an environment; an environment other
// than dev or staging gets the prod level, so an unknown stack fails closed.
func (r Rule) Default(env string) Level {
	switch env {
	case "dev":
		return r.Dev
	case "staging":
		return r.Staging
	default:
		return r.Prod
	}
}

// AnchorText renders the anchors as they appear in messages:
// "[CKV_AWS_79 / AWS-0130]".
func (r Rule) AnchorText() string {
	if len(r.Anchors) == 0 {
		return ""
	}
	return "[" + strings.Join(r.Anchors, " / ") + "]"
}

// CannotVerify is the pseudo-rule under which every rule reports a value it
// cannot check at preview (unknown until deployment) or cannot read (user
// data it cannot decode). It is advisory by default; make it mandatory to
// refuse previews that cannot be fully checked.
const CannotVerify = "cannot-verify"

// Rules is the catalogue, in the order violations are reported.
var Rules = []Rule{
	{
		Name:        "imdsv2-required",
		Description: "Node launch templates require IMDSv2 session tokens (metadataOptions.httpTokens = required) with the metadata endpoint enabled.",
		Anchors:     []string{"CKV_AWS_79", "AWS-0130", "AWS Config ec2-launch-template-imdsv2-check"},
		Dev:         Mandatory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "imds-hop-limit",
		Description: "The IMDSv2 response hop limit of node launch templates is at most 2, so metadata credentials stay on the node and its direct pods.",
		Anchors:     []string{"CKV_AWS_341", "Control Tower CT.EC2.PR.2", "EKS BPG hosts"},
		Dev:         Advisory, Staging: Advisory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "node-volumes-encrypted",
		Description: "Every EBS volume a node launch template (or launch configuration) maps is encrypted.",
		Anchors:     []string{"CKV_AWS_8", "AWS-0008", "CRP aws-ec2-launchtemplate-disallow-unencrypted-block-device"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "nodes-no-public-ip",
		Description: "No network interface of a node launch template (or launch configuration) gets a public IP address.",
		Anchors:     []string{"CKV_AWS_88", "CKV_AWS_389", "AWS-0009", "CRP aws-ec2-launchtemplate-disallow-public-ip"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "eks-endpoint-private",
		Description: "The EKS API endpoint is private, or public only to listed CIDRs (never 0.0.0.0/0 or ::/0) with private access on.",
		Anchors:     []string{"CKV_AWS_38", "CKV_AWS_39", "AWS-0040", "AWS-0041", "CRP aws-eks-cluster-disallow-api-endpoint-public-access", "Security Hub EKS.1"},
		Dev:         Advisory, Staging: Advisory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "eks-control-plane-logs",
		Description: "EKS control plane logging is on: audit and authenticator logs everywhere, all five log types in prod.",
		Anchors:     []string{"CKV_AWS_37", "AWS-0038", "CIS eks-cluster-audit-logging-enabled"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "eks-secrets-cmk",
		Description: "Kubernetes Secrets are envelope-encrypted with a customer-managed KMS key (encryptionConfig resources [secrets] with a key ARN).",
		Anchors:     []string{"CKV_AWS_58", "AWS-0039", "CRP aws-eks-cluster-enable-cluster-encryption-config"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "asg-launch-template",
		Description: "Auto Scaling Groups launch from a launch template, directly or through a mixed instances policy, never a launch configuration.",
		Anchors:     []string{"CKV_AWS_315", "Security Hub AutoScaling.9"},
		Dev:         Mandatory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "asg-size-bounds",
		Description: "Node group sizes satisfy min <= desired <= max (Auto Scaling Groups and EKS managed node groups).",
		Anchors:     []string{"eksfleet", "EKS BPG autoscaling"},
		Dev:         Mandatory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "ca-discovery-tags",
		Description: "An Auto Scaling Group with Cluster Autoscaler tags carries both discovery tags (k8s.io/cluster-autoscaler/enabled=true and k8s.io/cluster-autoscaler/<cluster>=owned) and no eks:nodegroup-name tag.",
		Anchors:     []string{"eksfleet B7", "CA cloudprovider/aws auto-discovery"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "ca-template-matches-kubelet",
		Description: "The Cluster Autoscaler's node-template label and taint tags of each autoscaled group equal, both ways, the labels and taints its nodes register (user data or managed node group settings).",
		Anchors:     []string{"eksfleet B1"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: StackScope,
	},
	{
		Name:        "desired-capacity-ignored",
		Description: "Groups the Cluster Autoscaler scales leave their desired size to it: Pulumi ignores changes to it and no scaling policy targets them.",
		Anchors:     []string{"eksfleet B4"},
		Dev:         Mandatory, Staging: Mandatory, Prod: Mandatory,
		Scope: StackScope,
	},
	{
		Name:        "iam-resource-scoped",
		Description: "IAM policies allow write actions only on named resources or under a resource-scoping condition, never on \"*\" alone.",
		Anchors:     []string{"CKV_AWS_355", "CKV_AWS_290", "CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "AWS-0342"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "no-al2-on-1.33",
		Description: "Amazon Linux 2 nodes are not used with Kubernetes 1.33 or later, for which EKS publishes no AL2 AMI.",
		Anchors:     []string{"eksfleet", "amazon-eks-ami AL2 end of support"},
		Dev:         Mandatory, Staging: Mandatory, Prod: Mandatory,
		Scope: StackScope,
	},
	{
		Name:        "no-proxy-complete",
		Description: "When node user data sets an HTTP(S) proxy, NO_PROXY covers the VPC CIDR, the service CIDR, localhost, 169.254.169.254, .internal and the EKS endpoint.",
		Anchors:     []string{"eksfleet B3", "AWS KB eks-http-proxy-containerd-automation"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: StackScope,
	},
	{
		Name:        "allowed-instance-types",
		Description: "Node instance types are on the allowed list from the policy config (exact names or globs such as m6i.*); no list allows any type.",
		Anchors:     []string{"eksfleet"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "required-tags",
		Description: "Taggable AWS resources carry every tag key the policy config requires.",
		Anchors:     []string{"AWS Config required-tags", "CKV_AWS_153 (ASG tags)"},
		Dev:         Advisory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "karpenter-pool-limits",
		Description: "Every Karpenter NodePool sets spec.limits, so it cannot launch instances without bound.",
		Anchors:     []string{"eksfleet (ours)", "Karpenter docs NodePool limits"},
		Dev:         Advisory, Staging: Advisory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        "karpenter-controller-scoped",
		Description: "The Karpenter controller's policy creates, tags and deletes instances, launch templates, fleets, volumes, network interfaces and instance profiles only under a kubernetes.io/cluster/<cluster> tag condition naming one cluster, and passes only a named node role, as Karpenter's CloudFormation template scopes it.",
		Anchors:     []string{"eksfleet (ours)", "Karpenter getting-started CloudFormation template", "CKV_AWS_355", "AWS-0342"},
		Dev:         Mandatory, Staging: Mandatory, Prod: Mandatory,
		Scope: ResourceScope,
	},
	{
		Name:        CannotVerify,
		Description: "A guardrail could not check a value: it is unknown until deployment, or unreadable. Re-run after `pulumi up` or check it by hand.",
		Dev:         Advisory, Staging: Advisory, Prod: Advisory,
	},
}

// Lookup returns the rule of a name.
func Lookup(name string) (Rule, bool) {
	for _, r := range Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// Names returns every rule name, in catalogue order.
func Names() []string {
	out := make([]string, len(Rules))
	for i, r := range Rules {
		out[i] = r.Name
	}
	return out
}
