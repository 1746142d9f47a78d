package cluster_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

func baseArgs() *cluster.Args {
	return &cluster.Args{
		Name:                  "acme-dev",
		Version:               "1.33",
		Region:                "eu-west-1",
		VpcID:                 pulumi.String("vpc-0a1b2c3d4e5f60718"),
		PrivateSubnetIDs:      pulumi.ToStringArray([]string{"subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"}),
		EndpointPrivateAccess: true,
		ServiceIPv4CIDR:       "172.20.0.0/16",
		LogTypes:              []string{"api", "audit", "authenticator"},
		Tags:                  map[string]string{"team": "platform"},
	}
}

type result struct {
	cloud   *mockcloud.Cloud
	outputs map[string]internals.UnsafeAwaitOutputResult
}

// run creates a cluster (and CoreDNS after it) under the fake and awaits its
// outputs.
func run(t *testing.T, args *cluster.Args) result {
	t.Helper()
	cloud := mockcloud.New(mockcloud.Options{Stack: "dev"})
	res := result{cloud: cloud, outputs: map[string]internals.UnsafeAwaitOutputResult{}}
	err := cloud.Run(func(ctx *pulumi.Context) error {
		c, err := cluster.New(ctx, "acme", args)
		if err != nil {
			return err
		}
		if _, err := c.InstallCoreDNS(ctx, []pulumi.Resource{c.EKS}); err != nil {
			return err
		}
		for name, o := range map[string]pulumi.StringOutput{
			"name": c.Name, "endpoint": c.Endpoint, "ca": c.CertificateAuthority, "oidcArn": c.OIDCProviderARN,
			"oidcUrl": c.OIDCProviderURL, "nodeSG": c.NodeSecurityGroupID, "clusterSG": c.ClusterSecurityGroupID,
			"kubeconfig": c.Kubeconfig, "serviceCidr": c.ServiceIPv4CIDR,
		} {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
			if err != nil {
				return err
			}
			res.outputs[name] = r
		}
		return nil
	}, mockcloud.RunConfig{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func get(t *testing.T, c *mockcloud.Cloud, typ, name string) mockcloud.Resource {
	t.Helper()
	r, ok := c.Get(typ, name)
	if !ok {
		t.Fatalf("no %s named %s was registered", typ, name)
	}
	return r
}

func input(r mockcloud.Resource, key string) resource.PropertyValue {
	return r.Inputs[resource.PropertyKey(key)]
}

func TestClusterIsHeadlessAndPrivateSafe(t *testing.T) {
	res := run(t, baseArgs())
	eks := get(t, res.cloud, "eks:index:Cluster", "acme")
	if !eks.Remote {
		t.Error("eks:index:Cluster must be registered as a remote component")
	}
	want := map[string]any{
		"skipDefaultNodeGroup":            true,
		"useDefaultVpcCni":                true,
		"authenticationMode":              "API",
		"createOidcProvider":              false,
		"nodeAssociatePublicIpAddress":    false,
		"endpointPrivateAccess":           true,
		"endpointPublicAccess":            false,
		"name":                            "acme-dev",
		"version":                         "1.33",
		"kubernetesServiceIpAddressRange": "172.20.0.0/16",
		"vpcId":                           "vpc-0a1b2c3d4e5f60718",
	}
	for k, v := range want {
		if got := input(eks, k).Mappable(); got != v {
			t.Errorf("eks.Cluster %s = %v, want %v", k, got, v)
		}
	}
	if roles := input(eks, "instanceRoles"); !roles.IsArray() || len(roles.ArrayValue()) != 0 {
		t.Errorf("instanceRoles = %v, want an empty list (no default node role)", roles)
	}
	if sc, ok := eks.Inputs["storageClasses"]; ok && !sc.IsNull() {
		t.Errorf("storageClasses = %v, want none (would call the Kubernetes API)", sc)
	}
	for _, r := range res.cloud.Resources() {
		if strings.HasPrefix(r.Type, "kubernetes:") {
			t.Errorf("%s %s would call the Kubernetes API at deploy time", r.Type, r.Name)
		}
	}
	if got := input(eks, "enabledClusterLogTypes").Mappable(); !equalStrings(got, "api", "audit", "authenticator") {
		t.Errorf("enabledClusterLogTypes = %v", got)
	}
	if _, ok := eks.Inputs["publicAccessCidrs"]; ok {
		t.Error("publicAccessCidrs must be absent without a public endpoint")
	}
}

func TestPublicEndpointCIDRs(t *testing.T) {
	args := baseArgs()
	args.EndpointPublicAccess = true
	args.PublicAccessCIDRs = []string{"203.0.113.0/24"}
	res := run(t, args)
	eks := get(t, res.cloud, "eks:index:Cluster", "acme")
	if got := input(eks, "endpointPublicAccess").Mappable(); got != true {
		t.Errorf("endpointPublicAccess = %v", got)
	}
	if got := input(eks, "publicAccessCidrs").Mappable(); !equalStrings(got, "203.0.113.0/24") {
		t.Errorf("publicAccessCidrs = %v", got)
	}
}

func TestSecretsEncryption(t *testing.T) {
	t.Run("existing key", func(t *testing.T) {
		args := baseArgs()
		args.SecretsKMSKeyARN = "arn:aws:kms:eu-west-1:111122223333:key/abc"
		res := run(t, args)
		if keys := res.cloud.OfType("aws:kms/key:Key"); len(keys) != 0 {
			t.Errorf("created %d KMS keys, want none with an existing key", len(keys))
		}
		eks := get(t, res.cloud, "eks:index:Cluster", "acme")
		if got := input(eks, "encryptionConfigKeyArn").Mappable(); got != args.SecretsKMSKeyARN {
			t.Errorf("encryptionConfigKeyArn = %v", got)
		}
	})
	t.Run("created key", func(t *testing.T) {
		args := baseArgs()
		args.CreateSecretsKMSKey = true
		res := run(t, args)
		key := get(t, res.cloud, "aws:kms/key:Key", "acme-secrets")
		if input(key, "enableKeyRotation").Mappable() != true {
			t.Error("the Secrets key must rotate")
		}
		eks := get(t, res.cloud, "eks:index:Cluster", "acme")
		arn, _ := input(eks, "encryptionConfigKeyArn").Mappable().(string)
		if !strings.HasPrefix(arn, "arn:aws:kms:eu-west-1:") {
			t.Errorf("encryptionConfigKeyArn = %q, want the created key's ARN", arn)
		}
		if !contains(eks.Dependencies, key.URN) {
			t.Error("the cluster must depend on its key")
		}
	})
	t.Run("off", func(t *testing.T) {
		res := run(t, baseArgs())
		eks := get(t, res.cloud, "eks:index:Cluster", "acme")
		if v, ok := eks.Inputs["encryptionConfigKeyArn"]; ok && !v.IsNull() {
			t.Errorf("encryptionConfigKeyArn = %v, want unset", v)
		}
	})
}

func TestOIDCProviderForIRSA(t *testing.T) {
	res := run(t, baseArgs())
	oidc := get(t, res.cloud, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "acme-oidc")
	url, _ := input(oidc, "url").Mappable().(string)
	if !strings.HasPrefix(url, "https://oidc.eks.eu-west-1.amazonaws.com/id/") {
		t.Errorf("OIDC url = %q, want the cluster's issuer", url)
	}
	if got := input(oidc, "clientIdLists").Mappable(); !equalStrings(got, "sts.amazonaws.com") {
		t.Errorf("clientIdLists = %v", got)
	}
	if got := res.outputs["oidcUrl"].Value; got != url {
		t.Errorf("OIDCProviderURL = %v, want %s", got, url)
	}
	if arn, _ := res.outputs["oidcArn"].Value.(string); !strings.Contains(arn, ":oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/") {
		t.Errorf("OIDCProviderARN = %q", arn)
	}
}

func TestAdminAccessEntries(t *testing.T) {
	args := baseArgs()
	args.AdminRoleARNs = []string{"arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:role/break-glass"}
	res := run(t, args)
	entries := res.cloud.OfType("aws:eks/accessEntry:AccessEntry")
	assocs := res.cloud.OfType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
	if len(entries) != 2 || len(assocs) != 2 {
		t.Fatalf("got %d access entries and %d policy associations, want 2 and 2", len(entries), len(assocs))
	}
	principals := map[string]bool{}
	for _, e := range entries {
		if input(e, "type").Mappable() != "STANDARD" || input(e, "clusterName").Mappable() != "acme-dev" {
			t.Errorf("access entry %s inputs = %v", e.Name, e.Inputs)
		}
		principals[input(e, "principalArn").StringValue()] = true
	}
	for _, a := range assocs {
		if input(a, "policyArn").Mappable() != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" {
			t.Errorf("policy = %v", input(a, "policyArn"))
		}
		scope := input(a, "accessScope").ObjectValue()
		if scope["type"].StringValue() != "cluster" {
			t.Errorf("access scope = %v", scope)
		}
		if !principals[input(a, "principalArn").StringValue()] {
			t.Errorf("association for unknown principal %v", input(a, "principalArn"))
		}
	}
}

// TestCreatorKeepsItsOwnEntry: the role that creates the cluster already
// has an access entry (EKS made it, bootstrapClusterCreatorAdminPermissions
// in pulumi-eks v2.8.1); registering another for it fails with
// ResourceInUseException. The creator is recorded on the EKS cluster.
func TestCreatorKeepsItsOwnEntry(t *testing.T) {
	args := baseArgs()
	args.AdminRoleARNs = []string{"arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:role/deployer"}
	args.CreatorARN = "arn:aws:iam::111122223333:role/deployer"
	res := run(t, args)
	entries := res.cloud.OfType("aws:eks/accessEntry:AccessEntry")
	if len(entries) != 1 || input(entries[0], "principalArn").StringValue() != args.AdminRoleARNs[0] {
		t.Fatalf("access entries = %v, want only the non-creator admin", entries)
	}
	if entries[0].Name != "acme-admin-0" {
		t.Errorf("entry name %q; names follow the adminRoleArns index", entries[0].Name)
	}
	if n := len(res.cloud.OfType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")); n != 1 {
		t.Errorf("%d policy associations, want 1", n)
	}
	eksCluster := res.cloud.OfType("eks:index:Cluster")
	if len(eksCluster) != 1 {
		t.Fatalf("%d pulumi-eks clusters", len(eksCluster))
	}
	tags := input(eksCluster[0], "clusterTags")
	if !tags.IsObject() || tags.ObjectValue()[cluster.CreatorTag].StringValue() != args.CreatorARN {
		t.Errorf("clusterTags = %v, want %s = %s", tags, cluster.CreatorTag, args.CreatorARN)
	}
}

func TestAddons(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		res := run(t, baseArgs())
		cni := get(t, res.cloud, "aws:eks/addon:Addon", "acme-vpc-cni")
		if v, ok := cni.Inputs["configurationValues"]; ok && !v.IsNull() {
			t.Errorf("default VPC CNI must use EKS defaults, got configurationValues %v", v)
		}
		for _, name := range []string{"acme-vpc-cni", "acme-kube-proxy", "acme-coredns"} {
			a := get(t, res.cloud, "aws:eks/addon:Addon", name)
			if input(a, "resolveConflictsOnCreate").Mappable() != "OVERWRITE" || input(a, "clusterName").Mappable() != "acme-dev" {
				t.Errorf("%s inputs = %v", name, a.Inputs)
			}
		}
		coredns := get(t, res.cloud, "aws:eks/addon:Addon", "acme-coredns")
		if !contains(coredns.Dependencies, "urn:pulumi:dev::eksfleet::eksfleet:index:Cluster$eks:index:Cluster::acme") {
			t.Errorf("CoreDNS must depend on what InstallCoreDNS was given; deps = %v", coredns.Dependencies)
		}
	})
	t.Run("custom networking and prefix delegation", func(t *testing.T) {
		args := baseArgs()
		args.CNI = cluster.CNI{
			CustomNetworking: true, PrefixDelegation: true,
			PodSubnetIDs: map[string]string{"eu-west-1b": "subnet-0a1b2c3d4e5f60b51", "eu-west-1a": "subnet-0a1b2c3d4e5f60a51"},
		}
		res := run(t, args)
		cni := get(t, res.cloud, "aws:eks/addon:Addon", "acme-vpc-cni")
		var doc struct {
			Env       map[string]string `json:"env"`
			ENIConfig struct {
				Create  bool   `json:"create"`
				Region  string `json:"region"`
				Subnets map[string]struct {
					ID             string   `json:"id"`
					SecurityGroups []string `json:"securityGroups"`
				} `json:"subnets"`
			} `json:"eniConfig"`
		}
		if err := json.Unmarshal([]byte(input(cni, "configurationValues").StringValue()), &doc); err != nil {
			t.Fatal(err)
		}
		wantEnv := map[string]string{
			"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true", "ENI_CONFIG_LABEL_DEF": "topology.kubernetes.io/zone",
			"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1",
		}
		for k, v := range wantEnv {
			if doc.Env[k] != v {
				t.Errorf("env %s = %q, want %q", k, doc.Env[k], v)
			}
		}
		nodeSG := res.outputs["nodeSG"].Value.(string)
		if !doc.ENIConfig.Create || doc.ENIConfig.Region != "eu-west-1" || len(doc.ENIConfig.Subnets) != 2 {
			t.Fatalf("eniConfig = %+v", doc.ENIConfig)
		}
		for zone, want := range args.CNI.PodSubnetIDs {
			got := doc.ENIConfig.Subnets[zone]
			if got.ID != want || len(got.SecurityGroups) != 1 || got.SecurityGroups[0] != nodeSG {
				t.Errorf("ENIConfig %s = %+v, want subnet %s with the node security group %s", zone, got, want, nodeSG)
			}
		}
	})
}

func TestOutputs(t *testing.T) {
	res := run(t, baseArgs())
	for _, name := range []string{"name", "endpoint", "ca", "oidcArn", "oidcUrl", "nodeSG", "clusterSG", "serviceCidr"} {
		if r := res.outputs[name]; !r.Known || r.Value == "" {
			t.Errorf("output %s is not known: %+v", name, r)
		}
	}
	if res.outputs["name"].Value != "acme-dev" {
		t.Errorf("name = %v", res.outputs["name"].Value)
	}
	if !strings.HasPrefix(res.outputs["endpoint"].Value.(string), "https://") {
		t.Errorf("endpoint = %v", res.outputs["endpoint"].Value)
	}
	if res.outputs["nodeSG"].Value == res.outputs["clusterSG"].Value {
		t.Error("node and cluster security groups must differ")
	}
	kc := res.outputs["kubeconfig"]
	if !kc.Secret {
		t.Error("kubeconfig must be secret")
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(kc.Value.(string)), &doc); err != nil || doc["kind"] != "Config" {
		t.Errorf("kubeconfig is not a kubeconfig JSON document: %v", err)
	}
}

func TestTagsAndParenting(t *testing.T) {
	res := run(t, baseArgs())
	comp := get(t, res.cloud, cluster.TypeToken, "acme")
	for _, r := range res.cloud.Resources() {
		if r.URN == comp.URN {
			continue
		}
		if r.Parent != comp.URN {
			t.Errorf("%s %s is not parented to the component", r.Type, r.Name)
		}
		if tags, ok := r.Inputs["tags"]; ok {
			if tags.ObjectValue()["team"].StringValue() != "platform" {
				t.Errorf("%s %s tags = %v", r.Type, r.Name, tags)
			}
		}
	}
	if _, err := func() (*cluster.Cluster, error) {
		var c *cluster.Cluster
		err := mockcloud.New(mockcloud.Options{}).Run(func(ctx *pulumi.Context) error {
			var err error
			c, err = cluster.New(ctx, "x", &cluster.Args{Name: "x"})
			return err
		}, mockcloud.RunConfig{})
		return c, err
	}(); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("missing args must be a clear error, got %v", err)
	}
}

func TestPartition(t *testing.T) {
	for region, want := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		if got := cluster.Partition(region); got != want {
			t.Errorf("Partition(%s) = %s, want %s", region, got, want)
		}
	}
}

func equalStrings(v any, want ...string) bool {
	list, ok := v.([]any)
	if !ok || len(list) != len(want) {
		return false
	}
	for i := range want {
		if list[i] != want[i] {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestServiceRoleOnlyForLongNames: pulumi-eks autonames its service role
// <name>-eksRole-role-<7>, past IAM's 64 characters for names over 43; the
// component then passes a role of its own, named within the limit, and
// otherwise leaves pulumi-eks's role (and existing clusters) alone.
func TestServiceRoleOnlyForLongNames(t *testing.T) {
	short := run(t, baseArgs())
	if eksc := short.cloud.OfType("eks:index:Cluster"); len(eksc) != 1 || !input(eksc[0], "serviceRole").IsNull() {
		t.Errorf("short name: serviceRole = %v, want pulumi-eks's own", input(eksc[0], "serviceRole"))
	}

	cloud := mockcloud.New(mockcloud.Options{Stack: "dev"})
	long := strings.Repeat("x", 60)
	err := cloud.Run(func(ctx *pulumi.Context) error {
		args := baseArgs()
		args.Name = long
		_, err := cluster.New(ctx, long, args)
		return err
	}, mockcloud.RunConfig{DryRun: true})
	if err != nil {
		t.Fatalf("a 60-character cluster name must plan: %v", err)
	}
	eksc := cloud.OfType("eks:index:Cluster")
	if len(eksc) != 1 || input(eksc[0], "serviceRole").IsNull() {
		t.Fatalf("long name: no serviceRole passed to pulumi-eks")
	}
	var role mockcloud.Resource
	for _, r := range cloud.OfType("aws:iam/role:Role") {
		if strings.HasSuffix(r.Name, "-eksRole-role") {
			role = r
		}
	}
	prefix := input(role, "namePrefix")
	if !prefix.IsString() || len(prefix.StringValue())+26 > 64 {
		t.Errorf("service role namePrefix = %v: with Terraform's 26 characters it must fit 64", prefix)
	}
	if !strings.Contains(input(role, "assumeRolePolicy").StringValue(), "eks.amazonaws.com") {
		t.Errorf("service role trust = %v", input(role, "assumeRolePolicy"))
	}
	found := false
	for _, a := range cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		found = found || strings.HasSuffix(input(a, "policyArn").StringValue(), "policy/AmazonEKSClusterPolicy")
	}
	if !found {
		t.Error("service role lacks AmazonEKSClusterPolicy")
	}
}
