package stacks

import (
	"fmt"
	"sort"

	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// subnetRef is one place the config names a subnet.
type subnetRef struct {
	path, id string
}

// configSubnets returns every subnet the config names, with its key path,
// in config order: private, public, node group and custom networking pod
// subnets. A subnet named in several places is listed once, at its first.
func configSubnets(cfg *config.Config) []subnetRef {
	ns := config.Namespace + ":"
	var refs []subnetRef
	seen := map[string]bool{}
	add := func(path, id string) {
		if !seen[id] {
			seen[id] = true
			refs = append(refs, subnetRef{path, id})
		}
	}
	for i, s := range cfg.Network.PrivateSubnetIDs {
		add(fmt.Sprintf("%snetwork.privateSubnetIds[%d]", ns, i), s)
	}
	for i, s := range cfg.Network.PublicSubnetIDs {
		add(fmt.Sprintf("%snetwork.publicSubnetIds[%d]", ns, i), s)
	}
	for gi, g := range cfg.NodeGroups {
		for i, s := range g.SubnetIDs {
			add(fmt.Sprintf("%snodeGroups[%d].subnetIds[%d]", ns, gi, i), s)
		}
	}
	if cfg.CNI.CustomNetworking {
		zones := make([]string, 0, len(cfg.CNI.PodSubnetIDs))
		for z := range cfg.CNI.PodSubnetIDs {
			zones = append(zones, z)
		}
		sort.Strings(zones)
		for _, z := range zones {
			add(ns+"cni.podSubnetIds."+z, cfg.CNI.PodSubnetIDs[z])
		}
	}
	return refs
}

// checkSubnetVPCs looks up every subnet the config names (read-only EC2
// calls) and refuses, before anything is registered, those that do not
// exist or are not in network.vpcId. Declaring a subnet's zone in
// network.subnetZones spares only the zone lookup, not this one: EKS,
// Auto Scaling and the VPC CNI would otherwise fail on a foreign subnet
// after the cluster exists. Offline, `plan` answers from its fake AWS,
// whose subnets are all in network.vpcId. It returns what it found, by id,
// for the other facts the program needs from subnets (zones, CIDR blocks),
// so each subnet is looked up once.
func checkSubnetVPCs(ctx *pulumi.Context, cfg *config.Config) (map[string]*ec2.LookupSubnetResult, error) {
	errs := &config.Errors{}
	found := map[string]*ec2.LookupSubnetResult{}
	for _, ref := range configSubnets(cfg) {
		id := ref.id
		got, err := ec2.LookupSubnet(ctx, &ec2.LookupSubnetArgs{Id: &id})
		if err == nil {
			found[id] = got
		}
		switch {
		case err != nil:
			errs.Problems = append(errs.Problems, config.Problem{Path: ref.path, Value: id,
				Message: fmt.Sprintf("could not be looked up (%v); check the id and aws:region", err)})
		case got.VpcId != cfg.Network.VpcID:
			errs.Problems = append(errs.Problems, config.Problem{Path: ref.path, Value: id,
				Message: fmt.Sprintf("is in VPC %s, not network.vpcId %s; every subnet must be in the cluster's VPC", got.VpcId, cfg.Network.VpcID)})
		}
	}
	if len(errs.Problems) > 0 {
		return nil, errs
	}
	return found, nil
}
