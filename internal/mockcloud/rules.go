package mockcloud

import (
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/internal/awsfacts"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// DeployerRole is the IAM role name the fake caller's session assumed: the
// caller is arn:<partition>:sts::<account>:assumed-role/eksfleet-deployer/session
// and iam GetSessionContext resolves it to this role.
const DeployerRole = "eksfleet-deployer"

// CallerARN is the ARN sts GetCallerIdentity returns for the fake caller.
func (c *Cloud) CallerARN() string {
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/session", partition(c.opts.Region), c.opts.Account, DeployerRole)
}

// DeployerRoleARN is the role behind CallerARN: the issuerArn of iam
// GetSessionContext, and the principal of the access entry EKS creates for
// a cluster's creator.
func (c *Cloud) DeployerRoleARN() string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(c.opts.Region), c.opts.Account, DeployerRole)
}

// physicalName applies the real provider's naming to a custom aws resource
// registration, as its Check and Create would (internal/awsfacts, generated
// from facts.json): the autoname <name>-<7 characters> (an error when it
// is longer than the bridge allows), or the name Terraform makes from a
// name prefix (prefix + 26 characters), then every awsfacts.Check rule on
// the inputs with that name. It returns the name property and value (""
// when the type has none) or the error the provider would give.
func (c *Cloud) physicalName(r *Resource) (prop, name string, err error) {
	t, ok := awsfacts.For(r.Type)
	if !ok {
		return "", "", nil
	}
	checked := r.Inputs.Copy()
	if t.AutoName != nil {
		prop = t.AutoName.Property
	} else if t.NameValidation != nil {
		prop = t.NameValidation.Property
	}
	switch {
	case awsfacts.NeedsAutoName(r.Type, checked):
		name, err = awsfacts.AutoNameInputs(r.Type, checked, r.Name, hash("autoname", r.URN)[:7])
		if err != nil {
			return "", "", err
		}
		checked[resource.PropertyKey(prop)] = resource.NewStringProperty(name)
	case prop != "":
		name, _ = str(checked, prop)
	}
	var fails []string
	for _, f := range awsfacts.Check(r.Type, checked) {
		fails = append(fails, f.String())
	}
	if len(fails) > 0 {
		return "", "", fmt.Errorf("%s %s: the aws provider would refuse its inputs: %s", r.Type, r.Name, strings.Join(fails, "; "))
	}
	if pp := t.PrefixProperty(); pp != "" && name == "" {
		if prefix, ok := str(checked, pp); ok && prefix != "" {
			// create.Name: prefix + 18-digit timestamp + 8 hex digits; the
			// API checks the result.
			name = prefix + digits(hash("prefix-time", r.URN), 18) + hash("prefix-counter", r.URN)[:8]
			fifo := false
			if v, ok := checked["fifoQueue"]; ok && v.IsBool() {
				fifo = v.BoolValue()
			}
			if r.Type == "aws:sqs/queue:Queue" && fifo {
				name += ".fifo"
			}
			if err := awsfacts.CheckName(r.Type, t.NameValidation.Property, name, fifo); err != nil {
				return "", "", fmt.Errorf("%s %s: %v", r.Type, r.Name, err)
			}
		}
	}
	return prop, name, nil
}

// digits turns hex digits into n decimal digits.
func digits(h string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte('0' + h[i%len(h)]%10)
	}
	return b.String()
}

// uniqueKey returns the key under which AWS refuses a second resource of
// the type ("" when it keys nothing by name here) and the error it gives,
// from the resource's inputs and physical name. The texts are the APIs'
// (see internal/enginetest/aws_rules.go, which the engine fake shares them
// with in substance).
func (c *Cloud) uniqueKey(r *Resource, name string) (string, func() error) {
	in := r.Inputs
	switch r.Type {
	case "aws:iam/role:Role":
		return "role\x00" + name, func() error {
			return apiError(fmt.Sprintf("operation error IAM: CreateRole, https response error StatusCode: 409, EntityAlreadyExists: Role with name %s already exists.", name))
		}
	case "aws:iam/instanceProfile:InstanceProfile":
		return "profile\x00" + name, func() error {
			return apiError(fmt.Sprintf("operation error IAM: CreateInstanceProfile, https response error StatusCode: 409, EntityAlreadyExists: Instance Profile %s already exists.", name))
		}
	case "aws:autoscaling/group:Group":
		return "asg\x00" + name, func() error {
			return fmt.Errorf("AlreadyExists: AutoScalingGroup by this name already exists - A group with the name %s already exists", name)
		}
	case "aws:ec2/launchTemplate:LaunchTemplate":
		return "lt\x00" + name, func() error {
			return fmt.Errorf("InvalidLaunchTemplateName.AlreadyExistsException: Launch template name already in use (%s)", name)
		}
	case "aws:eks/nodeGroup:NodeGroup":
		cluster := strOr(in, "clusterName", "")
		return "ng\x00" + cluster + "\x00" + name, func() error {
			return fmt.Errorf("operation error EKS: CreateNodegroup, https response error StatusCode: 409, ResourceInUseException: NodeGroup already exists with name %s and cluster name %s", name, cluster)
		}
	case "aws:cloudwatch/eventRule:EventRule":
		// PutRule creates or updates: AWS would let the second rule take
		// the first over; refused here as the bug it always is.
		bus := strOr(in, "eventBusName", "default")
		return "rule\x00" + bus + "\x00" + name, func() error {
			return fmt.Errorf("mockcloud: EventBridge rule %s already exists on event bus %s; PutRule (create or update) would take it over from its owner", name, bus)
		}
	case "aws:sqs/queue:Queue":
		return "queue\x00" + name, func() error {
			return fmt.Errorf("QueueAlreadyExists: A queue named %s already exists in this account and region", name)
		}
	case "aws:eks/accessEntry:AccessEntry":
		cluster, principal := strOr(in, "clusterName", ""), strOr(in, "principalArn", "")
		return accessEntryKey(cluster, principal), func() error {
			return apiError(fmt.Sprintf("creating EKS Access Entry (%s:%s): operation error EKS: CreateAccessEntry, https response error StatusCode: 409, ResourceInUseException: The specified access entry resource is already in use on this cluster.", cluster, principal))
		}
	}
	return "", nil
}

func accessEntryKey(cluster, principal string) string {
	return "entry\x00" + cluster + "\x00" + principal
}

// claim records the AWS key of a new resource, failing when it is taken.
// Keys with unknown parts (an empty name or cluster during a preview) are
// not claimed.
func (c *Cloud) claim(r *Resource, name string) error {
	key, taken := c.uniqueKey(r, name)
	if key == "" || strings.Contains(key, "\x00\x00") || strings.HasSuffix(key, "\x00") {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if owner, ok := c.names[key]; ok {
		return fmt.Errorf("%s %s: %v (taken by %s)", r.Type, r.Name, taken(), owner)
	}
	c.names[key] = r.URN
	return nil
}

// clusterNotFound is the error pulumi-aws v6 gives for aws:eks/getCluster
// when no cluster has the name: the aws_eks_cluster data source's
// "reading EKS Cluster (<name>): couldn't find resource" (quoted in
// terraform-aws-modules/terraform-aws-eks#2045), wrapped by the bridge.
func clusterNotFound(name string) error {
	return fmt.Errorf("invoking aws:eks/getCluster:getCluster: 1 error occurred:\n\t* reading EKS Cluster (%s): couldn't find resource", name)
}

// apiError is an error text as an AWS API words it, final period included.
type apiError string

func (e apiError) Error() string { return string(e) }

// addonVersion answers aws:eks/getAddonVersion as EKS's
// DescribeAddonVersions does for the add-ons eksfleet manages: the default
// version for a Kubernetes minor. The versions are stand-ins (the plan's
// notes say add-on versions are looked up at deployment), shaped like
// EKS's, and differ per minor so upgrades show as add-on updates.
func addonVersion(args resource.PropertyMap) (resource.PropertyMap, error) {
	addon, _ := str(args, "addonName")
	k8s, _ := str(args, "kubernetesVersion")
	if addon == "" || k8s == "" {
		return nil, fmt.Errorf("reading EKS Add-On version info (%s, %s): addonName and kubernetesVersion are required", addon, k8s)
	}
	version, ok := AddonDefault(addon, k8s)
	if !ok {
		return nil, fmt.Errorf("reading EKS Add-On version info (%s, %s): couldn't find resource", addon, k8s)
	}
	return resource.NewPropertyMapFromMap(map[string]any{
		"id": addon, "addonName": addon, "kubernetesVersion": k8s, "version": version,
	}), nil
}

// AddonDefault is the fake EKS's default version of an add-on for a
// Kubernetes minor ("1.33"): kube-proxy follows the minor as EKS's does.
func AddonDefault(addon, minor string) (string, bool) {
	switch addon {
	case "kube-proxy":
		return "v" + minor + ".0-eksbuild.1", true
	case "vpc-cni":
		return "v1.20.0-eksbuild.1", true
	case "coredns":
		return "v1.12.1-eksbuild.1", true
	}
	return "", false
}

// StandInRelease is the AMI release date the fakes' recommended releases
// carry (the first AL2023 release whose nodeadm applies the proxy first).
const StandInRelease = "20251120"

// SSMParameterValue is what the fakes answer for a public AMI parameter:
// a release for release_version (AL2023, AL2: "<minor>.0-<date>") and
// image_version (Bottlerocket: "1.50.0"), else amiID.
func SSMParameterValue(name, amiID string) string {
	switch {
	case strings.HasSuffix(name, "/release_version"):
		minor := "1.33"
		if parts := strings.Split(name, "/"); len(parts) > 5 {
			minor = parts[5] // /aws/service/eks/optimized-ami/<minor>/…
		}
		return minor + ".0-" + StandInRelease
	case strings.HasSuffix(name, "/image_version"):
		return "1.50.0"
	}
	return amiID
}
