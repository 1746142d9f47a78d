// Package stacks is the eksfleet Pulumi program: it reads a stack's config
// (Pulumi.<stack>.yaml), validates all of it, then composes the components
// (cluster, node groups, autoscaler) and exports what a user needs.
//
// Nothing is registered until the whole configuration, including the
// availability zones of its subnets, has been checked, so bad input never
// leaves a half-registered stack.
package stacks

import (
	"encoding/json"
	"os"
	"sort"

	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Run is the Pulumi program body.
func Run(ctx *pulumi.Context) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	// What the config left to defaults shows in `preview` and `up` output.
	for _, n := range cfg.Notes {
		if err := ctx.Log.Warn(n, nil); err != nil {
			return err
		}
	}
	// Problems found by lookups keep secret config values hidden too.
	subnets, err := checkSubnetVPCs(ctx, cfg)
	if err != nil {
		return cfg.Redact(err)
	}
	if err := resolveZones(cfg, subnets); err != nil {
		return cfg.Redact(err)
	}
	live, err := lookUp(ctx, cfg, subnets)
	if err != nil {
		return cfg.Redact(err)
	}
	return Compose(ctx, cfg, live)
}

// Live is what read-only AWS lookups told the program before it registered
// anything: facts the configuration cannot hold.
type Live struct {
	// CreatorARN is the IAM principal EKS gave cluster-admin when it created
	// the cluster (see resolveCreator).
	CreatorARN string
	// PodSubnetCIDRs are the CIDR blocks of the custom-networking pod
	// subnets (cni.podSubnetIds), in zone order: pods there talk to nodes
	// and services directly, so they go into NO_PROXY.
	PodSubnetCIDRs []string
	// AddonVersions are the vpc-cni, kube-proxy and coredns versions to run:
	// pinned in cluster.addonVersions or EKS's default for the minor.
	AddonVersions map[string]string
	// Sizes are the running groups' scaling, by config name (none for a
	// new cluster or group), see liveSizes.
	Sizes map[string]*nodegroup.LiveSize
}

// lookUp makes the read-only calls Compose needs.
func lookUp(ctx *pulumi.Context, cfg *config.Config, subnets map[string]*ec2.LookupSubnetResult) (*Live, error) {
	existing, err := existingCluster(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := checkUpgrade(cfg, existing); err != nil {
		return nil, err
	}
	creator, err := resolveCreator(ctx, existing)
	if err != nil {
		return nil, err
	}
	cidrs := podSubnetCIDRs(cfg, subnets)
	addons, err := addonVersions(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sizes, err := liveSizes(ctx, cfg, existing)
	if err != nil {
		return nil, err
	}
	return &Live{CreatorARN: creator, PodSubnetCIDRs: cidrs, AddonVersions: addons, Sizes: sizes}, nil
}

// LoadConfig reads and validates the stack's configuration from the Pulumi
// context, secret keys included. When the engine passes the whole config in PULUMI_CONFIG (as the
// CLI does), unknown top-level keys are reported too.
func LoadConfig(ctx *pulumi.Context) (*config.Config, error) {
	values := map[string]string{}
	if raw := os.Getenv("PULUMI_CONFIG"); raw != "" {
		var all map[string]string
		if err := json.Unmarshal([]byte(raw), &all); err == nil {
			for k, v := range all {
				values[k] = v
			}
		}
	}
	for _, k := range append(config.Keys(), "aws:region") {
		if v, ok := ctx.GetConfig(k); ok {
			values[k] = v
		}
	}
	// Keys set with --secret (a nested --path secret makes its whole
	// top-level key secret) stay secret: redacted in problems, Pulumi
	// secrets in what is built from them.
	var secrets []string
	for k := range values {
		if ctx.IsConfigSecret(k) {
			secrets = append(secrets, k)
		}
	}
	return config.ParseSecrets(ctx.Project(), ctx.Stack(), values, secrets)
}

// resolveZones applies the zone rules with every private subnet's zone:
// declared in network.subnetZones, else as the lookup found it.
func resolveZones(cfg *config.Config, subnets map[string]*ec2.LookupSubnetResult) error {
	zones := map[string]string{}
	for s, z := range cfg.Network.SubnetZones {
		zones[s] = z
	}
	for _, id := range cfg.SubnetsNeedingZones() {
		if got, ok := subnets[id]; ok {
			zones[id] = got.AvailabilityZone
		}
	}
	return cfg.ValidateZones(zones)
}

// Compose registers the components for a validated configuration and what
// the lookups found.
func Compose(ctx *pulumi.Context, cfg *config.Config, live *Live) error {
	tags := mergeTags(cfg)
	cl, err := cluster.New(ctx, cfg.Cluster.Name, &cluster.Args{
		Name:                  cfg.Cluster.Name,
		Version:               cfg.Cluster.Version,
		Region:                cfg.Region,
		VpcID:                 pulumi.String(cfg.Network.VpcID),
		PrivateSubnetIDs:      pulumi.ToStringArray(cfg.Network.PrivateSubnetIDs),
		PublicSubnetIDs:       optionalStrings(cfg.Network.PublicSubnetIDs),
		EndpointPrivateAccess: cfg.Cluster.EndpointPrivateAccess,
		EndpointPublicAccess:  cfg.Cluster.EndpointPublicAccess,
		PublicAccessCIDRs:     cfg.Cluster.PublicAccessCIDRs,
		ServiceIPv4CIDR:       cfg.Cluster.ServiceIPv4CIDR,
		LogTypes:              cfg.Cluster.LogTypes,
		SecretsKMSKeyARN:      cfg.Cluster.SecretsKMSKeyARN,
		CreateSecretsKMSKey:   cfg.Cluster.SecretsEncryption,
		AdminRoleARNs:         cfg.Cluster.AdminRoleARNs,
		CreatorARN:            live.CreatorARN,
		AddonVersions:         live.AddonVersions,
		CNI: cluster.CNI{
			CustomNetworking: cfg.CNI.CustomNetworking,
			PodSubnetIDs:     cfg.CNI.PodSubnetIDs,
			PrefixDelegation: cfg.CNI.PrefixDelegation,
		},
		Tags: tags,
	})
	if err != nil {
		return err
	}

	nodeGroups, err := NodeGroups(ctx, cfg, live, cl, tags)
	if err != nil {
		return err
	}
	if _, err := cl.InstallCoreDNS(ctx, NodeGroupResources(nodeGroups)); err != nil {
		return err
	}
	if err := Autoscaling(ctx, cfg, live, cl, nodeGroups, tags); err != nil {
		return err
	}

	ctx.Export("clusterName", cl.Name)
	ctx.Export("clusterEndpoint", cl.Endpoint)
	ctx.Export("clusterCertificateAuthority", cl.CertificateAuthority)
	ctx.Export("clusterSecurityGroupId", cl.ClusterSecurityGroupID)
	ctx.Export("nodeSecurityGroupId", cl.NodeSecurityGroupID)
	ctx.Export("oidcProviderArn", cl.OIDCProviderARN)
	ctx.Export("oidcProviderUrl", cl.OIDCProviderURL)
	ctx.Export("kubeconfig", cl.Kubeconfig)
	ctx.Export("clusterCreatorArn", cl.CreatorARN)
	return nil
}

// mergeTags returns the user's tags plus the environment, so every resource
// says which stack owns it.
func mergeTags(cfg *config.Config) map[string]string {
	tags := map[string]string{"eksfleet:stack": cfg.Stack, "eksfleet:environment": cfg.Environment}
	keys := make([]string, 0, len(cfg.Tags))
	for k := range cfg.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tags[k] = cfg.Tags[k]
	}
	return tags
}

func optionalStrings(s []string) pulumi.StringArrayInput {
	if len(s) == 0 {
		return nil
	}
	return pulumi.ToStringArray(s)
}
