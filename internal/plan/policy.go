package plan

import (
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/policy/guardrails"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// PolicySettings are the guardrail settings of a validated stack config:
// its environment, eksfleet:policy and the VPC CIDR.
func PolicySettings(cfg *config.Config) guardrails.Settings {
	s := guardrails.Settings{
		Environment:          cfg.Environment,
		AllowedInstanceTypes: cfg.Policy.AllowedInstanceTypes,
		RequiredTags:         cfg.Policy.RequiredTags,
	}
	if cfg.Network.VpcCIDR != "" {
		s.VpcCIDRs = []string{cfg.Network.VpcCIDR}
	}
	// Config validation has checked rule names and levels already.
	s, _ = s.WithPolicy(guardrails.StackPolicy{
		Enforcement:          cfg.Policy.Enforcement,
		AllowedInstanceTypes: cfg.Policy.AllowedInstanceTypes,
		RequiredTags:         cfg.Policy.RequiredTags,
	})
	return s
}

// checkPolicies runs the guardrails over what the program registered, the
// way the policy pack runs them under the engine.
func checkPolicies(resources []mockcloud.Resource, s guardrails.Settings) []Violation {
	found := guardrails.Evaluate(AnalyzerResources(resources), s)
	out := make([]Violation, len(found))
	for i, v := range found {
		out[i] = Violation(v)
	}
	return out
}

// AnalyzerResources turns recorded resources into the analyzer's view of
// them: inputs as properties, plus the ID the fake assigned (which the
// engine's stack analysis sees among the outputs), ignoreChanges,
// parent and dependencies.
//
// Remote components have no children under mocks, so for each pulumi-eks
// Cluster it adds the aws:eks/cluster:Cluster child the real provider
// registers, with the inputs pulumi-eks derives from the component's
// arguments; that is the resource the control plane rules read.
func AnalyzerResources(resources []mockcloud.Resource) []policyx.AnalyzerResource {
	out := make([]policyx.AnalyzerResource, 0, len(resources)+1)
	for _, r := range resources {
		props := resource.FromResourcePropertyMap(r.Inputs)
		if r.Custom && r.ID != "" {
			if _, has := props.GetOk("id"); !has {
				props = props.Set("id", property.New(r.ID))
			}
		}
		out = append(out, policyx.AnalyzerResource{
			Type:         r.Type,
			Properties:   props,
			URN:          r.URN,
			Name:         r.Name,
			Options:      pulumi.ResourceOptions{IgnoreChanges: r.IgnoreChanges},
			Parent:       r.Parent,
			Dependencies: r.Dependencies,
		})
		if r.Type == "eks:index:Cluster" && r.Remote {
			out = append(out, eksClusterChild(r))
		}
	}
	return out
}

// eksClusterChild is the aws:eks/cluster:Cluster pulumi-eks (v2.8,
// nodejs/eks/cluster.ts createCore) registers for a Cluster component:
// vpcConfig from the endpoint arguments, version, log types, the
// encryption config built from encryptionConfigKeyArn, the service CIDR,
// and the tags with pulumi-eks's Name tag.
func eksClusterChild(c mockcloud.Resource) policyx.AnalyzerResource {
	in := c.Inputs
	out := resource.PropertyMap{}
	copyKey := func(dst resource.PropertyMap, to, from resource.PropertyKey) {
		if v, ok := in[from]; ok && !v.IsNull() {
			dst[to] = v
		}
	}
	copyKey(out, "name", "name")
	copyKey(out, "version", "version")
	copyKey(out, "enabledClusterLogTypes", "enabledClusterLogTypes")
	vpc := resource.PropertyMap{}
	copyKey(vpc, "endpointPrivateAccess", "endpointPrivateAccess")
	copyKey(vpc, "endpointPublicAccess", "endpointPublicAccess")
	copyKey(vpc, "publicAccessCidrs", "publicAccessCidrs")
	out["vpcConfig"] = resource.NewObjectProperty(vpc)
	if key, ok := in["encryptionConfigKeyArn"]; ok && !key.IsNull() {
		out["encryptionConfig"] = resource.NewObjectProperty(resource.PropertyMap{
			"provider":  resource.NewObjectProperty(resource.PropertyMap{"keyArn": key}),
			"resources": resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("secrets")}),
		})
	}
	if svc, ok := in["kubernetesServiceIpAddressRange"]; ok && !svc.IsNull() {
		out["kubernetesNetworkConfig"] = resource.NewObjectProperty(resource.PropertyMap{"serviceIpv4Cidr": svc, "ipFamily": resource.NewStringProperty("ipv4")})
	}
	tags := resource.PropertyMap{"Name": resource.NewStringProperty(c.Name + "-eksCluster")}
	if t, ok := in["tags"]; ok && t.IsObject() {
		for k, v := range t.ObjectValue() {
			tags[k] = v
		}
	}
	out["tags"] = resource.NewObjectProperty(tags)
	urn := resource.NewURN(resource.URN(c.URN).Stack(), resource.URN(c.URN).Project(), resource.URN(c.URN).QualifiedType(),
		tokens.Type("aws:eks/cluster:Cluster"), c.Name+"-eksCluster")
	return policyx.AnalyzerResource{
		Type:       "aws:eks/cluster:Cluster",
		Properties: resource.FromResourcePropertyMap(out),
		URN:        string(urn),
		Name:       c.Name + "-eksCluster",
		Parent:     c.URN,
	}
}
