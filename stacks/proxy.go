package stacks

import (
	"sort"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/cluster"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// nodeProxy is the egress proxy every node uses, nil without one. Its
// NO_PROXY extras are the user's entries, the regional names of the
// services with VPC endpoints (network.vpcEndpoints: reached directly, not
// through the proxy) and the custom-networking pod subnets (secondary VPC
// ranges, outside network.vpcCidr); bootstrap.NoProxy adds the rest.
func nodeProxy(cfg *config.Config, live *Live) *bootstrap.Proxy {
	p := cfg.Proxy
	if p == nil {
		return nil
	}
	extras := append([]string{}, p.NoProxy...)
	extras = append(extras, bootstrap.EndpointHosts(cfg.Region, cfg.Network.VpcEndpoints)...)
	extras = append(extras, live.PodSubnetCIDRs...)
	return &bootstrap.Proxy{HTTPProxy: p.HTTPProxy, HTTPSProxy: p.HTTPSProxy, NoProxy: extras, Secret: cfg.IsSecret("proxy")}
}

// proxyCluster is what NO_PROXY needs to know of the cluster, for pods.
func proxyCluster(cfg *config.Config, endpoint string) bootstrap.Cluster {
	return bootstrap.Cluster{
		VPCCIDR:            cfg.Network.VpcCIDR,
		ServiceCIDR:        cfg.Cluster.ServiceIPv4CIDR,
		Endpoint:           endpoint,
		PublicEndpointOnly: publicEndpointOnly(cfg),
	}
}

// publicEndpointOnly reports an API server reachable only through its
// public endpoint, hence only through the proxy.
func publicEndpointOnly(cfg *config.Config) bool {
	return cfg.Cluster.EndpointPublicAccess && !cfg.Cluster.EndpointPrivateAccess
}

// podNoProxy is the NO_PROXY list of pods: the nodes' list plus in-cluster
// names, so pod-to-service traffic never goes to the proxy. Every in-cluster
// component that gets the proxy (aws-node, kube-proxy, the controllers)
// uses it. With eksfleet:proxy secret the list is a Pulumi secret (it holds
// proxy.noProxy), and so is everything built with it: the pods' proxy
// ConfigMap and the controllers' chart values, which hold the proxy URLs.
func podNoProxy(cfg *config.Config, live *Live, cl *cluster.Cluster) pulumi.StringArrayOutput {
	if cfg.Proxy == nil {
		return pulumi.StringArray{}.ToStringArrayOutput()
	}
	extras := append(nodeProxy(cfg, live).NoProxy, ".svc", ".cluster.local")
	out := cl.Endpoint.ApplyT(func(endpoint string) []string {
		return bootstrap.NoProxy(proxyCluster(cfg, endpoint), extras)
	}).(pulumi.StringArrayOutput)
	if cfg.IsSecret("proxy") {
		out = pulumi.ToSecret(out).(pulumi.StringArrayOutput)
	}
	return out
}

// podSubnetCIDRs returns the CIDR blocks of the custom-networking pod
// subnets, in zone order, from the subnets checkSubnetVPCs looked up.
func podSubnetCIDRs(cfg *config.Config, subnets map[string]*ec2.LookupSubnetResult) []string {
	if cfg.Proxy == nil || !cfg.CNI.CustomNetworking {
		return nil
	}
	zones := make([]string, 0, len(cfg.CNI.PodSubnetIDs))
	for zone := range cfg.CNI.PodSubnetIDs {
		zones = append(zones, zone)
	}
	sort.Strings(zones)
	var cidrs []string
	for _, zone := range zones {
		if subnet, ok := subnets[cfg.CNI.PodSubnetIDs[zone]]; ok {
			cidrs = append(cidrs, subnet.CidrBlock)
		}
	}
	return cidrs
}
