package config

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodespec"
)

// The node settings a user writes end up in EC2 user data. The bootstrap
// package renders and validates it; here its validators run on the config,
// before anything is registered, each problem at its key path. Without this
// they ran in the component constructors or, for the MIME boundary and the
// user data size, inside an apply once the cluster existed: a preview
// passed and `up` created the cluster before failing.

// checkProxyValue runs bootstrap's check of a proxy URL (quotes, '$',
// whitespace, a #fragment, the MIME boundary); false when it refused.
func checkProxyValue(errs *Errors, path, raw string) bool {
	if err := bootstrap.ValidateProxyURL(raw); err != nil {
		errs.add(path, raw, "%v", err)
		return false
	}
	return true
}

// checkNoProxyEntries runs bootstrap's check of each extra NO_PROXY entry.
func checkNoProxyEntries(errs *Errors, path string, entries []string) {
	seen := map[string]int{}
	for i, e := range entries {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if err := bootstrap.ValidateNoProxyEntry(e); err != nil {
			errs.add(ip, e, "%v", err)
			continue
		}
		if j, dup := seen[e]; dup {
			errs.add(ip, e, "is listed twice (also at [%d])", j)
		}
		seen[e] = i
	}
}

// checkNodeCommands runs bootstrap's checks of kubeletExtraArgs and
// preBootstrapCommands entries.
func checkNodeCommands(errs *Errors, p string, g NodeGroup) {
	family := bootstrap.Family(g.AMIFamily)
	for i, a := range g.KubeletExtraArgs {
		ip := fmt.Sprintf("%s.kubeletExtraArgs[%d]", p, i)
		if errs.hasProblemUnder(ip) {
			continue // refused by validateKubeletArgs already
		}
		if err := bootstrap.ValidateKubeletArg(family, a); err != nil {
			errs.add(ip, a, "%v", err)
		}
	}
	for i, cmd := range g.PreBootstrapCommands {
		if err := bootstrap.ValidatePreBootstrapCommand(cmd); err != nil {
			errs.add(fmt.Sprintf("%s.preBootstrapCommands[%d]", p, i), cmd, "%v", err)
		}
	}
}

// Stand-ins for the cluster facts user data holds that are known only once
// the cluster exists. Each is at least as long as the real value, so a
// rendering that fits with them fits with the real ones.
var (
	// An EKS endpoint is https://<32 hex>.<shard>.<region>.eks.amazonaws.com.
	standInEndpoint = func(region string) string {
		return "https://" + strings.Repeat("0", 32) + ".gr7." + region + ".eks.amazonaws.com"
	}
	// certificateAuthority.data is the base64 of the PEM of the cluster's
	// RSA-2048 CA, about 1.5 KB; 2 KB errs on the large side.
	standInCA = base64.StdEncoding.EncodeToString(make([]byte, 1536))
)

// validateUserData renders each node group's user data with the stand-ins
// and refuses what bootstrap.Render refuses and user data over EC2's limit.
// A group is rendered only when nothing it depends on has a problem already:
// the rendering would then fail for that known reason, reported twice.
func validateUserData(errs *Errors, c *Config) {
	if len(c.NodeGroups) > maxAutoScalingGroups {
		return // refused as a whole; rendering thousands of groups helps no one
	}
	for _, prefix := range []string{key("cluster"), key("network"), key("proxy"), key("cni"), "aws:region"} {
		if errs.hasProblemUnder(prefix) {
			return
		}
	}
	for i, g := range c.NodeGroups {
		p := key(fmt.Sprintf("nodeGroups[%d]", i))
		if errs.hasProblemUnder(p) {
			continue
		}
		raw, err := bootstrap.Render(userDataInput(c, g))
		if err != nil {
			errs.add(p, nil, "user data cannot be rendered: %v", err)
			continue
		}
		if err := bootstrap.CheckUserDataSize(raw); err != nil {
			errs.add(p, nil, "%v (labels, taints, kubeletExtraArgs, preBootstrapCommands and the proxy settings make it up); shorten them, e.g. move long preBootstrapCommands into a script fetched at boot", err)
		}
		in := userDataInput(c, g)
		if _, err := nodespec.ASGTags(asgTagInput(c, g, in)); err != nil {
			for _, e := range unjoin(err) {
				errs.add(p, nil, "Auto Scaling Group tags: %v", e)
			}
		}
	}
}

// asgTagInput is the tag input the node group components build (see
// components/selfmanaged and components/managed): the autoscaler's
// node-template tags from labels and taints, the user's tags on
// self-managed groups.
func asgTagInput(c *Config, g NodeGroup, in bootstrap.Input) nodespec.TagInput {
	ti := nodespec.TagInput{
		ClusterName: c.Cluster.Name,
		Managed:     g.Kind == KindManaged,
		Autoscaling: g.Autoscaling,
		Drain:       g.Drain(),
		Scheduling:  nodespec.NodeScheduling(g.Labels, taintsOf(g), g.IsSpot(), in.MixedCapacity),
		Resources:   nodespec.TemplateResources(g.InstanceTypes, g.RootVolume.SizeGiB, in.Node.MaxPods),
	}
	if !ti.Managed {
		ti.Name = c.Cluster.Name + "-" + g.Name
		ti.UserTags = map[string]string{"eksfleet:stack": c.Stack, "eksfleet:environment": c.Environment}
		for k, v := range c.Tags {
			ti.UserTags[k] = v
		}
	}
	return ti
}

func taintsOf(g NodeGroup) []bootstrap.Taint {
	out := make([]bootstrap.Taint, len(g.Taints))
	for i, t := range g.Taints {
		out[i] = bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
	}
	return out
}

// unjoin splits an errors.Join into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// userDataInput is the bootstrap input the node group components build
// from this group (components/selfmanaged, components/managed), with the
// stand-in cluster endpoint and CA.
func userDataInput(c *Config, g NodeGroup) bootstrap.Input {
	in := bootstrap.Input{
		Family:  bootstrap.Family(g.AMIFamily),
		Managed: g.Kind == KindManaged,
		Cluster: bootstrap.Cluster{
			Name:                 c.Cluster.Name,
			Endpoint:             standInEndpoint(c.Region),
			CertificateAuthority: standInCA,
			ServiceCIDR:          c.Cluster.ServiceIPv4CIDR,
			VPCCIDR:              c.Network.VpcCIDR,
			KubernetesVersion:    c.Cluster.Version,
		},
		CustomNetworking: c.CNI.CustomNetworking,
		PrefixDelegation: c.CNI.PrefixDelegation,
		Node: bootstrap.Node{
			KubeletExtraArgs:     g.KubeletExtraArgs,
			PreBootstrapCommands: g.PreBootstrapCommands,
		},
	}
	if px := c.Proxy; px != nil {
		in.Proxy = &bootstrap.Proxy{HTTPProxy: px.HTTPProxy, HTTPSProxy: px.HTTPSProxy, NoProxy: px.NoProxy}
	}
	if !in.Managed {
		in.Node.Labels = g.Labels
		in.Node.Taints = taintsOf(g)
		in.Spot = g.IsSpot()
		s := g.SpotSettings()
		in.MixedCapacity = g.Spot != nil && (s.OnDemandBaseCapacity > 0 || s.OnDemandPercentageAboveBaseCapacity > 0)
	}
	in.Node.MaxPods = g.MaxPods.Value
	if g.MaxPods.Auto {
		mode := instancetypes.NetworkMode{CustomNetworking: c.CNI.CustomNetworking, PrefixDelegation: c.CNI.PrefixDelegation}
		if n, err := instancetypes.MaxPodsFor(g.InstanceTypes, mode); err == nil {
			in.Node.MaxPods = n
		} else {
			// Unknown types are refused elsewhere; the widest value keeps the
			// size estimate an upper bound.
			in.Node.MaxPods = 250
		}
	}
	return in
}
