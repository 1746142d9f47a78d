// Package cluster is the EKS control plane component: a pulumi-eks Cluster
// without a default node group, authenticated through access entries, with
// its core add-ons (VPC CNI, kube-proxy, CoreDNS) managed by EKS through the
// AWS API, an IAM OIDC provider for IRSA and envelope encryption of Secrets.
//
// Nothing it registers talks to the Kubernetes API (no aws-auth ConfigMap, no
// storage classes, no kubectl-applied CNI), so a cluster with a private-only
// endpoint deploys from outside its VPC.
package cluster

import (
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:Cluster"

// Args configures a Cluster.
type Args struct {
	// Name is the EKS cluster name (1-100 characters).
	Name string
	// Version is the Kubernetes minor version, e.g. "1.33".
	Version string
	// Region is the AWS region, used to name ENIConfigs and ARNs.
	Region string
	// VpcID is the VPC the cluster and its nodes live in.
	VpcID pulumi.StringInput
	// PrivateSubnetIDs are the subnets of the control plane ENIs and nodes
	// (at least two availability zones).
	PrivateSubnetIDs pulumi.StringArrayInput
	// PublicSubnetIDs are optional subnets for internet-facing load balancers.
	PublicSubnetIDs pulumi.StringArrayInput
	// EndpointPrivateAccess exposes the API server inside the VPC.
	EndpointPrivateAccess bool
	// EndpointPublicAccess exposes the API server on the internet, limited to
	// PublicAccessCIDRs.
	EndpointPublicAccess bool
	// PublicAccessCIDRs limits the public endpoint; empty means 0.0.0.0/0.
	PublicAccessCIDRs []string
	// ServiceIPv4CIDR is the Kubernetes Service address range.
	ServiceIPv4CIDR string
	// LogTypes are the control plane log types sent to CloudWatch.
	LogTypes []string
	// SecretsKMSKeyARN encrypts Secrets with an existing customer-managed key.
	SecretsKMSKeyARN string
	// CreateSecretsKMSKey creates a dedicated key (with rotation) for Secrets
	// when SecretsKMSKeyARN is empty.
	CreateSecretsKMSKey bool
	// AdminRoleARNs are IAM roles granted cluster-admin through access
	// entries (AmazonEKSClusterAdminPolicy, cluster scope). The creator's
	// role is skipped: EKS gave it an entry of its own.
	AdminRoleARNs []string
	// CreatorARN is the IAM principal that creates (or, on updates, created)
	// the cluster, as EKS records it (see PrincipalOfCaller). EKS gives it
	// cluster-admin through its own access entry, so no entry of ours is
	// created for it; it is recorded in the cluster's CreatorTag so a later
	// update by another identity keeps the same answer. Empty when unknown.
	CreatorARN string
	// CNI configures the VPC CNI add-on.
	CNI CNI
	// AddonVersions pins the versions of the vpc-cni, kube-proxy and
	// coredns add-ons (e.g. "v1.19.2-eksbuild.1"). An add-on without a
	// version keeps whatever EKS installed at creation: EKS never moves an
	// add-on on its own, and the provider sends a version only when it
	// changes, so callers pass EKS's default for the cluster's minor to
	// have add-ons follow upgrades.
	AddonVersions map[string]string
	// Tags are applied to every taggable resource.
	Tags map[string]string
}

// Cluster is a provisioned EKS control plane.
type Cluster struct {
	pulumi.ResourceState

	// Name is the EKS cluster name.
	Name pulumi.StringOutput `pulumi:"name"`
	// Version is the Kubernetes minor version the cluster runs.
	Version pulumi.StringOutput `pulumi:"version"`
	// Endpoint is the API server URL.
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	// CertificateAuthority is the base64 cluster CA bundle.
	CertificateAuthority pulumi.StringOutput `pulumi:"certificateAuthority"`
	// ServiceIPv4CIDR is the Kubernetes Service range (cluster DNS is .10).
	ServiceIPv4CIDR pulumi.StringOutput `pulumi:"serviceIpv4Cidr"`
	// OIDCProviderARN is the IAM OIDC provider for IRSA trust policies.
	OIDCProviderARN pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// OIDCProviderURL is the issuer URL (https://oidc.eks...).
	OIDCProviderURL pulumi.StringOutput `pulumi:"oidcProviderUrl"`
	// ClusterSecurityGroupID guards the API server ENIs.
	ClusterSecurityGroupID pulumi.StringOutput `pulumi:"clusterSecurityGroupId"`
	// NodeSecurityGroupID is the security group node groups attach to their
	// instances; it is allowed to reach the API server and vice versa.
	NodeSecurityGroupID pulumi.StringOutput `pulumi:"nodeSecurityGroupId"`
	// Kubeconfig is a kubeconfig (JSON) for the cluster, kept secret.
	Kubeconfig pulumi.StringOutput `pulumi:"kubeconfig"`
	// CreatorARN is the principal EKS gave cluster-admin at creation.
	CreatorARN pulumi.StringOutput `pulumi:"creatorArn"`

	// EKS is the underlying pulumi-eks component, for advanced use.
	EKS *eks.Cluster
	// Addons are the vpc-cni and kube-proxy add-ons, which own the aws-node
	// and kube-proxy DaemonSets: depend on them, not on the component,
	// whose dependency expansion only covers children registered so far.
	Addons []pulumi.Resource
	// VPCCNI is the vpc-cni add-on: with custom networking or prefix
	// delegation, nodes must launch after it (see nodegroup.Cluster.NetworkReady).
	VPCCNI pulumi.Resource
	// Partition is the AWS partition of Region (aws, aws-cn, aws-us-gov).
	Partition string

	name          string
	tags          pulumi.StringMap
	addonVersions map[string]string
}

// New creates the EKS control plane. CoreDNS is not created here: it needs
// nodes to become healthy, so callers add it with InstallCoreDNS once their
// node groups exist.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		return nil, fmt.Errorf("cluster %s: args are required", name)
	}
	if args.Name == "" || args.Version == "" || args.Region == "" || args.VpcID == nil || args.PrivateSubnetIDs == nil {
		return nil, fmt.Errorf("cluster %s: Name, Version, Region, VpcID and PrivateSubnetIDs are required", name)
	}
	c := &Cluster{Partition: Partition(args.Region)}
	if err := ctx.RegisterComponentResource(TypeToken, name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	tags := pulumi.ToStringMap(args.Tags)

	var secretsKey pulumi.StringPtrInput
	switch {
	case args.SecretsKMSKeyARN != "":
		secretsKey = pulumi.String(args.SecretsKMSKeyARN)
	case args.CreateSecretsKMSKey:
		key, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
			Description:       pulumi.Sprintf("Envelope encryption of Kubernetes Secrets in EKS cluster %s", args.Name),
			EnableKeyRotation: pulumi.Bool(true),
			// 30 days gives time to notice a mistaken delete: a cluster whose
			// key is gone can never read its Secrets again.
			DeletionWindowInDays: pulumi.Int(30),
			Tags:                 tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		secretsKey = key.Arn
	}

	clusterArgs := &eks.ClusterArgs{
		Name:                            pulumi.String(args.Name),
		Version:                         pulumi.String(args.Version),
		VpcId:                           args.VpcID,
		PrivateSubnetIds:                args.PrivateSubnetIDs,
		PublicSubnetIds:                 args.PublicSubnetIDs,
		EndpointPrivateAccess:           pulumi.Bool(args.EndpointPrivateAccess),
		EndpointPublicAccess:            pulumi.Bool(args.EndpointPublicAccess),
		KubernetesServiceIpAddressRange: pulumi.String(args.ServiceIPv4CIDR),
		EnabledClusterLogTypes:          pulumi.ToStringArray(args.LogTypes),
		EncryptionConfigKeyArn:          secretsKey,
		// Access entries instead of the aws-auth ConfigMap: no Kubernetes API
		// call at deploy time, and node roles join through EC2_LINUX entries.
		AuthenticationMode: eksAuthAPI(),
		// Node groups are separate components; an empty instance role list
		// stops pulumi-eks from creating a default role and its access entry.
		SkipDefaultNodeGroup: pulumi.BoolRef(true),
		InstanceRoles:        iam.RoleArray{},
		// The VPC CNI is an EKS add-on below, not pulumi-eks's kubectl apply.
		UseDefaultVpcCni: pulumi.BoolRef(true),
		// The OIDC provider is created below from the issuer URL, without the
		// TLS thumbprint fetch pulumi-eks performs at deploy time.
		CreateOidcProvider:           pulumi.Bool(false),
		NodeAssociatePublicIpAddress: pulumi.BoolRef(false),
		Tags:                         tags,
	}
	if args.CreatorARN != "" {
		clusterTags := pulumi.StringMap{CreatorTag: pulumi.String(args.CreatorARN)}
		for k, v := range tags {
			clusterTags[k] = v
		}
		clusterArgs.ClusterTags = clusterTags
	}
	if len(args.PublicAccessCIDRs) > 0 {
		clusterArgs.PublicAccessCidrs = pulumi.ToStringArray(args.PublicAccessCIDRs)
	}
	var clusterOpts []pulumi.ResourceOption
	if prefix := names.Prefix("aws:iam/role:Role", name+serviceRoleSuffix); prefix != "" {
		// pulumi-eks would autoname its service role <name>-eksRole-role-<7>,
		// past IAM's 64 characters for names over 43 characters: give it
		// one of ours, named within the limit. Only then, so the role (and
		// the cluster, whose roleArn cannot change in place) of existing
		// stacks stays as it is.
		role, ready, err := serviceRole(ctx, name, prefix, c.Partition, tags, parent)
		if err != nil {
			return nil, err
		}
		clusterArgs.ServiceRole = role
		clusterOpts = append(clusterOpts, pulumi.DependsOn([]pulumi.Resource{ready}))
	}
	cl, err := eks.NewCluster(ctx, name, clusterArgs, append(clusterOpts, parent,
		// The kubeconfig is cluster access config: secret in the state, as
		// in this component's own output.
		pulumi.AdditionalSecretOutputs(secretEKSOutputs),
		pulumi.Transforms([]pulumi.ResourceTransform{secretKubeconfig}))...)
	if err != nil {
		return nil, err
	}
	c.EKS = cl

	core := cl.EksCluster
	c.Name = core.Name()
	c.Version = core.Version()
	c.Endpoint = core.Endpoint()
	// Secret in the state (secretKubeconfig); the CA alone grants nothing,
	// and user data and the clusterCertificateAuthority output keep it
	// readable.
	c.CertificateAuthority = pulumi.Unsecret(core.CertificateAuthority().Data().Elem()).(pulumi.StringOutput)
	c.ServiceIPv4CIDR = core.KubernetesNetworkConfig().ServiceIpv4Cidr().Elem()
	c.OIDCProviderURL = core.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	c.ClusterSecurityGroupID = securityGroupID(cl.ClusterSecurityGroup)
	c.NodeSecurityGroupID = securityGroupID(cl.NodeSecurityGroup)
	c.Kubeconfig = pulumi.ToSecret(cl.KubeconfigJson).(pulumi.StringOutput)

	oidc, err := iam.NewOpenIdConnectProvider(ctx, name+"-oidc", &iam.OpenIdConnectProviderArgs{
		Url:           c.OIDCProviderURL,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		Tags:          tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.OIDCProviderARN = oidc.Arn

	c.CreatorARN = pulumi.String(args.CreatorARN).ToStringOutput()
	entries := AdminEntries(args.AdminRoleARNs, args.CreatorARN)
	for i, role := range args.AdminRoleARNs {
		if _, ours := entries[i]; !ours {
			continue
		}
		entry, err := awseks.NewAccessEntry(ctx, fmt.Sprintf("%s-admin-%d", name, i), &awseks.AccessEntryArgs{
			ClusterName:  c.Name,
			PrincipalArn: pulumi.String(role),
			Type:         pulumi.String("STANDARD"),
			Tags:         tags,
		}, parent)
		if err != nil {
			return nil, err
		}
		_, err = awseks.NewAccessPolicyAssociation(ctx, fmt.Sprintf("%s-admin-%d", name, i), &awseks.AccessPolicyAssociationArgs{
			ClusterName:  c.Name,
			PrincipalArn: entry.PrincipalArn,
			PolicyArn:    pulumi.Sprintf("arn:%s:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", c.Partition),
			AccessScope:  &awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
		}, parent)
		if err != nil {
			return nil, err
		}
	}

	cniConfig := c.NodeSecurityGroupID.ApplyT(func(sg string) (string, error) {
		return VPCCNIConfiguration(args.CNI, args.Region, []string{sg})
	}).(pulumi.StringOutput)
	vpcCNI := &awseks.AddonArgs{
		ClusterName:  c.Name,
		AddonName:    pulumi.String("vpc-cni"),
		AddonVersion: addonVersion(args.AddonVersions, "vpc-cni"),
		// OVERWRITE adopts the self-managed aws-node EKS installs at cluster
		// creation and keeps our configuration authoritative on updates.
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     tags,
	}
	if args.CNI.CustomNetworking || args.CNI.PrefixDelegation {
		vpcCNI.ConfigurationValues = cniConfig
	}
	cniAddon, err := awseks.NewAddon(ctx, name+"-vpc-cni", vpcCNI, parent)
	if err != nil {
		return nil, err
	}
	proxyAddon, err := awseks.NewAddon(ctx, name+"-kube-proxy", &awseks.AddonArgs{
		ClusterName:              c.Name,
		AddonName:                pulumi.String("kube-proxy"),
		AddonVersion:             addonVersion(args.AddonVersions, "kube-proxy"),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.Addons = []pulumi.Resource{cniAddon, proxyAddon}
	c.VPCCNI = cniAddon
	c.tags = tags
	c.name = name
	c.addonVersions = args.AddonVersions

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name":                   c.Name,
		"version":                c.Version,
		"endpoint":               c.Endpoint,
		"certificateAuthority":   c.CertificateAuthority,
		"serviceIpv4Cidr":        c.ServiceIPv4CIDR,
		"oidcProviderArn":        c.OIDCProviderARN,
		"oidcProviderUrl":        c.OIDCProviderURL,
		"clusterSecurityGroupId": c.ClusterSecurityGroupID,
		"nodeSecurityGroupId":    c.NodeSecurityGroupID,
		"kubeconfig":             c.Kubeconfig,
		"creatorArn":             c.CreatorARN,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// InstallCoreDNS adds the CoreDNS EKS add-on, parented to the cluster. EKS
// reports CoreDNS healthy only once nodes run its pods, and the provider
// waits for that, so it must come after the node groups: pass them as after.
// (Never pass the cluster itself: a child depending on its parent component
// waits on its own registration.)
func (c *Cluster) InstallCoreDNS(ctx *pulumi.Context, after []pulumi.Resource) (*awseks.Addon, error) {
	return awseks.NewAddon(ctx, c.name+"-coredns", &awseks.AddonArgs{
		ClusterName:              c.Name,
		AddonName:                pulumi.String("coredns"),
		AddonVersion:             addonVersion(c.addonVersions, "coredns"),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     c.tags,
	}, pulumi.Parent(c), pulumi.DependsOn(after))
}

// Partition returns the AWS partition that holds region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// securityGroupID reads the ID of a security group pulumi-eks returns as a
// resource reference.
func securityGroupID(sg ec2.SecurityGroupOutput) pulumi.StringOutput {
	return sg.ApplyT(func(g *ec2.SecurityGroup) pulumi.IDOutput { return g.ID() }).(pulumi.IDOutput).ToStringOutput()
}

func eksAuthAPI() *eks.AuthenticationMode {
	mode := eks.AuthenticationModeApi
	return &mode
}

// addonVersion is the pinned version of an add-on, nil to leave it to EKS.
func addonVersion(versions map[string]string, addon string) pulumi.StringPtrInput {
	if v := versions[addon]; v != "" {
		return pulumi.String(v)
	}
	return nil
}

// serviceRoleSuffix is what pulumi-eks v2.8.1 appends to the cluster's
// resource name for its service role (cluster.js: ServiceRole
// `${name}-eksRole`, servicerole.js: aws.iam.Role `${name}-role`).
const serviceRoleSuffix = "-eksRole-role"

// serviceRole is the EKS service role pulumi-eks would create (trusting
// eks.amazonaws.com, with AmazonEKSClusterPolicy), under a name prefix
// that fits IAM's limit. ready is the policy attachment the cluster waits for.
func serviceRole(ctx *pulumi.Context, name, prefix, partition string, tags pulumi.StringMap, parent pulumi.ResourceOption) (*iam.Role, pulumi.Resource, error) {
	trust, err := iampolicy.ServiceTrust("eks.amazonaws.com").JSON()
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, name+serviceRoleSuffix, &iam.RoleArgs{
		NamePrefix:       pulumi.String(prefix),
		Description:      pulumi.String("Allows EKS to manage clusters on your behalf."),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+serviceRoleSuffix+"-cluster-policy", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/AmazonEKSClusterPolicy", partition),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return role, attachment, nil
}
