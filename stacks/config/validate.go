package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/nodespec"
)

// Supported Kubernetes minor versions: the EKS standard and extended support
// window the project is tested against (the range Checkov's CKV_AWS_339
// accepts).
const (
	minMinorVersion = 29
	maxMinorVersion = 35
)

var (
	regionRe      = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$`)
	zoneRe        = regexp.MustCompile(`^([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d)[a-z]$`)
	vpcIDRe       = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	subnetIDRe    = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	clusterNameRe = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	groupNameRe   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	versionRe     = regexp.MustCompile(`^1\.(\d{1,2})$`)
	kmsARNRe      = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$`)
	roleARNRe     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	kubeletFlagRe = regexp.MustCompile(`^--[a-z0-9][a-z0-9-]*(=.*)?$`)
	chartVerRe    = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

var (
	validLogTypes        = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}
	validKinds           = []string{KindManaged, KindSelfManaged}
	validFamilies        = []string{"AL2023", "Bottlerocket", "AL2"}
	validArchitectures   = []string{"x86_64", "arm64"}
	validCapacityTypes   = []string{"ON_DEMAND", "SPOT"}
	validVolumeTypes     = []string{"gp3", "gp2", "io1", "io2"}
	validAllocations     = []string{"price-capacity-optimized", "capacity-optimized", "capacity-optimized-prioritized", "lowest-price"}
	validWarmStates      = []string{"Stopped", "Running", "Hibernated"}
	validExpanders       = []string{"least-waste", "priority", "random", "most-pods", "price"}
	validAutoscalerKinds = []string{AutoscalerClusterAutoscaler, AutoscalerKarpenter}
	validEnvironments    = []string{"dev", "staging", "prod"}
	// Kubelet flags that have a dedicated key, so the two can't disagree.
	reservedKubeletFlags = map[string]string{
		"--node-labels":          "labels",
		"--register-with-taints": "taints",
		"--max-pods":             "maxPods",
	}
)

func key(path string) string { return Namespace + ":" + path }

func oneOf(valid []string) string { return "one of " + strings.Join(valid, ", ") }

func validate(c *Config, errs *Errors) {
	if c.Region == "" {
		errs.addMissing("aws:region", "is required, e.g. eu-west-1")
	} else if !regionRe.MatchString(c.Region) {
		errs.add("aws:region", c.Region, "is not an AWS region name like eu-west-1")
	}
	switch {
	case c.Environment == "":
		// Contract v2: never required. The strictest rules are the safe
		// default for a stack whose name says nothing.
		c.Environment = "prod"
		c.Note("%s:environment is not set and the stack name %q is not dev, staging or prod: prod's (strictest) rules apply; set %s:environment to choose", Namespace, c.Stack, Namespace)
	case !slices.Contains(validEnvironments, c.Environment):
		errs.add(key("environment"), c.Environment, "must be %s", oneOf(validEnvironments))
	}
	validateTags(errs, key("tags"), c.Tags)
	validateNetwork(errs, c)
	validateCluster(errs, c)
	validateProxy(errs, c.Proxy)
	validateCNI(errs, c)
	resolveAutoscaling(c)
	validateNodeGroups(errs, c)
	validateAutoscaler(errs, c)
	validateNodePools(errs, c)
	validateSystemPods(errs, c)
	validatePolicy(errs, c.Policy)
	if zones, complete := c.declaredZones(); complete {
		validateZones(errs, c, zones)
	}
	validateLimits(errs, c)
	validateUserData(errs, c)
}

func validateNetwork(errs *Errors, c *Config) {
	n := c.Network
	p := key("network")
	if n.VpcID == "" {
		errs.addMissing(p+".vpcId", "is required, e.g. vpc-0a1b2c3d4e5f60718")
	} else if !vpcIDRe.MatchString(n.VpcID) {
		errs.add(p+".vpcId", n.VpcID, "is not a VPC id (vpc- followed by 8 or 17 hex digits)")
	}
	if n.VpcCIDR == "" {
		errs.addMissing(p+".vpcCidr", "is required (used for NO_PROXY and security rules), e.g. 10.20.0.0/16")
	} else {
		checkIPv4CIDR(errs, p+".vpcCidr", n.VpcCIDR)
	}
	if len(n.PrivateSubnetIDs) < 2 {
		errs.add(p+".privateSubnetIds", n.PrivateSubnetIDs, "must list at least 2 subnets in distinct availability zones (EKS requires two AZs)")
	}
	checkSubnetList(errs, p+".privateSubnetIds", n.PrivateSubnetIDs)
	checkSubnetList(errs, p+".publicSubnetIds", n.PublicSubnetIDs)
	for i, s := range n.PublicSubnetIDs {
		if slices.Contains(n.PrivateSubnetIDs, s) {
			errs.add(fmt.Sprintf("%s.publicSubnetIds[%d]", p, i), s, "is also listed in privateSubnetIds; a subnet is either public or private")
		}
	}
	services := bootstrap.VPCEndpointServices()
	seen := map[string]bool{}
	for i, s := range n.VpcEndpoints {
		path := fmt.Sprintf("%s.vpcEndpoints[%d]", p, i)
		switch {
		case !slices.Contains(services, s):
			errs.add(path, s, "is not a VPC endpoint service eksfleet knows; %s%s", oneOf(services), suggest(s, services))
		case seen[s]:
			errs.add(path, s, "is listed twice")
		}
		seen[s] = true
	}
	for _, s := range sortedStringKeys(n.SubnetZones) {
		z := n.SubnetZones[s]
		if !subnetIDRe.MatchString(s) {
			errs.add(p+".subnetZones", s, "is not a subnet id (subnet- followed by 8 or 17 hex digits)")
		}
		checkZone(errs, p+".subnetZones."+s, z, c.Region)
	}
}

func checkSubnetList(errs *Errors, path string, ids []string) {
	seen := map[string]bool{}
	for i, s := range ids {
		ip := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !subnetIDRe.MatchString(s):
			errs.add(ip, s, "is not a subnet id (subnet- followed by 8 or 17 hex digits)")
		case seen[s]:
			errs.add(ip, s, "is listed twice")
		}
		seen[s] = true
	}
}

func checkZone(errs *Errors, path, zone, region string) {
	m := zoneRe.FindStringSubmatch(zone)
	switch {
	case m == nil:
		errs.add(path, zone, "is not an availability zone name like eu-west-1a")
	case region != "" && m[1] != region:
		errs.add(path, zone, "is not in aws:region %s", region)
	}
}

func checkIPv4CIDR(errs *Errors, path, cidr string) *net.IPNet {
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil || ip.To4() == nil {
		errs.add(path, cidr, "is not an IPv4 CIDR block like 10.20.0.0/16")
		return nil
	}
	if !ip.Equal(ipnet.IP) {
		errs.add(path, cidr, "has host bits set; the network address is %s", ipnet.String())
		return nil
	}
	return ipnet
}

// Addons are the EKS add-ons eksfleet manages, whose versions
// cluster.addonVersions may pin.
var Addons = []string{"vpc-cni", "kube-proxy", "coredns"}

// addonVersionRe is an EKS add-on version as DescribeAddonVersions lists
// them, e.g. v1.19.2-eksbuild.1.
var addonVersionRe = regexp.MustCompile(`^v\d+\.\d+\.\d+-eksbuild\.\d+$`)

func validateCluster(errs *Errors, c *Config) {
	cl := c.Cluster
	p := key("cluster")
	for _, addon := range sortedStringKeys(cl.AddonVersions) {
		v := cl.AddonVersions[addon]
		switch {
		case !slices.Contains(Addons, addon):
			errs.add(p+".addonVersions."+addon, v, "is not an add-on eksfleet manages; %s%s", oneOf(Addons), suggest(addon, Addons))
		case !addonVersionRe.MatchString(v):
			errs.add(p+".addonVersions."+addon, v, "is not an EKS add-on version like v1.19.2-eksbuild.1 (aws eks describe-addon-versions --addon-name %s)", addon)
		}
	}
	if !clusterNameRe.MatchString(cl.Name) {
		errs.add(p+".name", cl.Name, "must be 1-100 characters of letters, digits, - and _, starting with a letter or digit")
	}
	if cl.Version == "" {
		errs.addMissing(p+".version", "is required: the Kubernetes minor version, 1.%d to 1.%d (quote it in YAML: \"1.33\")", minMinorVersion, maxMinorVersion)
	} else if m := versionRe.FindStringSubmatch(cl.Version); m == nil {
		errs.add(p+".version", cl.Version, "must be a Kubernetes minor version like \"1.33\" (quote it in YAML)")
	} else if minor, _ := strconv.Atoi(m[1]); minor < minMinorVersion || minor > maxMinorVersion {
		errs.add(p+".version", cl.Version, "is not a supported EKS version; use 1.%d to 1.%d", minMinorVersion, maxMinorVersion)
	}
	if !cl.EndpointPrivateAccess && !cl.EndpointPublicAccess {
		errs.add(p+".endpointPrivateAccess", false, "and endpointPublicAccess are both false; nodes and kubectl need at least one endpoint")
	}
	if len(cl.PublicAccessCIDRs) > 0 && !cl.EndpointPublicAccess {
		errs.add(p+".publicAccessCidrs", cl.PublicAccessCIDRs, "is only valid with endpointPublicAccess: true")
	}
	for i, cidr := range cl.PublicAccessCIDRs {
		ip := fmt.Sprintf("%s.publicAccessCidrs[%d]", p, i)
		ipnet := checkIPv4CIDR(errs, ip, cidr)
		if ipnet != nil && c.Environment == "prod" {
			if ones, _ := ipnet.Mask.Size(); ones == 0 {
				errs.add(ip, cidr, "opens the Kubernetes API to the whole internet, which is refused in prod; list your office/VPN CIDRs or use endpointPrivateAccess only")
			}
		}
	}
	if cl.EndpointPublicAccess && len(cl.PublicAccessCIDRs) == 0 && c.Environment == "prod" {
		errs.add(p+".publicAccessCidrs", []string{}, "is empty, which EKS treats as 0.0.0.0/0; refused in prod: list allowed CIDRs or turn endpointPublicAccess off")
	}
	if svc := checkIPv4CIDR(errs, p+".serviceIpv4Cidr", cl.ServiceIPv4CIDR); svc != nil {
		ones, _ := svc.Mask.Size()
		if ones < 12 || ones > 24 || !privateIPv4(svc.IP) {
			errs.add(p+".serviceIpv4Cidr", cl.ServiceIPv4CIDR, "must be a /12 to /24 block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (EKS rule)")
		} else if _, vpc, err := net.ParseCIDR(c.Network.VpcCIDR); err == nil && (vpc.Contains(svc.IP) || svc.Contains(vpc.IP)) {
			errs.add(p+".serviceIpv4Cidr", cl.ServiceIPv4CIDR, "overlaps network.vpcCidr %s; Service IPs must not collide with VPC addresses", c.Network.VpcCIDR)
		}
	}
	seen := map[string]bool{}
	for i, lt := range cl.LogTypes {
		ip := fmt.Sprintf("%s.logTypes[%d]", p, i)
		switch {
		case !slices.Contains(validLogTypes, lt):
			errs.add(ip, lt, "must be %s", oneOf(validLogTypes))
		case seen[lt]:
			errs.add(ip, lt, "is listed twice")
		}
		seen[lt] = true
	}
	if cl.SecretsKMSKeyARN != "" && !kmsARNRe.MatchString(cl.SecretsKMSKeyARN) {
		errs.add(p+".secretsKmsKeyArn", cl.SecretsKMSKeyARN, "is not a KMS key ARN like arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...")
	}
	if cl.SecretsKMSKeyARN != "" && !cl.SecretsEncryption {
		errs.add(p+".secretsKmsKeyArn", cl.SecretsKMSKeyARN, "is set but secretsEncryption is false; remove one of them")
	}
	seenRoles := map[string]bool{}
	for i, arn := range cl.AdminRoleARNs {
		ip := fmt.Sprintf("%s.adminRoleArns[%d]", p, i)
		switch {
		case !roleARNRe.MatchString(arn):
			errs.add(ip, arn, "is not an IAM role ARN like arn:aws:iam::111122223333:role/platform-admin")
		case seenRoles[arn]:
			errs.add(ip, arn, "is listed twice")
		}
		seenRoles[arn] = true
	}
}

func privateIPv4(ip net.IP) bool {
	for _, block := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
		_, n, _ := net.ParseCIDR(block)
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func validateProxy(errs *Errors, px *Proxy) {
	if px == nil {
		return
	}
	p := key("proxy")
	if px.HTTPProxy == "" && px.HTTPSProxy == "" {
		errs.addMissing(p, "needs httpProxy or httpsProxy (or both); remove the proxy key to disable the proxy")
	}
	checkProxyURL(errs, p+".httpProxy", px.HTTPProxy)
	checkProxyURL(errs, p+".httpsProxy", px.HTTPSProxy)
	checkNoProxyEntries(errs, p+".noProxy", px.NoProxy)
}

func checkProxyURL(errs *Errors, path, raw string) {
	if raw == "" {
		return
	}
	before := len(errs.Problems)
	defer func() {
		if len(errs.Problems) == before {
			checkProxyValue(errs, path, raw)
		}
	}()
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		errs.add(path, raw, "must be a URL like http://proxy.corp.example:3128 (scheme http or https, with a host)")
	case u.User != nil:
		errs.add(path, raw, "carries credentials; user data is readable through the EC2 API, so use an unauthenticated proxy endpoint for nodes")
	case u.Path != "" && u.Path != "/" || u.RawQuery != "":
		errs.add(path, raw, "must not have a path or query; give scheme, host and port only")
	}
	if u != nil && u.Port() != "" {
		if port, err := strconv.Atoi(u.Port()); err != nil || port < 1 || port > 65535 {
			errs.add(path, raw, "has an invalid port; use 1-65535")
		}
	}
}

func validateCNI(errs *Errors, c *Config) {
	p := key("cni")
	if c.CNI.CustomNetworking && len(c.CNI.PodSubnetIDs) == 0 {
		errs.addMissing(p+".podSubnetIds", "is required with customNetworking: true: one pod subnet per availability zone used by nodes, e.g. {eu-west-1a: subnet-0ddd...}")
	}
	if !c.CNI.CustomNetworking && len(c.CNI.PodSubnetIDs) > 0 {
		errs.add(p+".podSubnetIds", c.CNI.PodSubnetIDs, "is only used with customNetworking: true")
	}
	for _, z := range sortedStringKeys(c.CNI.PodSubnetIDs) {
		s := c.CNI.PodSubnetIDs[z]
		checkZone(errs, p+".podSubnetIds."+z, z, c.Region)
		if !subnetIDRe.MatchString(s) {
			errs.add(p+".podSubnetIds."+z, s, "is not a subnet id (subnet- followed by 8 or 17 hex digits)")
		}
	}
}

func validateNodeGroups(errs *Errors, c *Config) {
	if len(c.NodeGroups) == 0 {
		errs.addMissing(key("nodeGroups"), "must list at least one node group")
	}
	seen := map[string]int{}
	for i, g := range c.NodeGroups {
		p := key(fmt.Sprintf("nodeGroups[%d]", i))
		if g.Name == "" {
			errs.addMissing(p+".name", "is required: [a-z0-9-], at most 63 characters")
		} else if !groupNameRe.MatchString(g.Name) {
			errs.add(p+".name", g.Name, "must be at most 63 characters of a-z, 0-9 and -, starting and ending with a letter or digit")
		} else if j, dup := seen[g.Name]; dup {
			errs.add(p+".name", g.Name, "is already used by nodeGroups[%d]; names must be unique", j)
		} else {
			seen[g.Name] = i
		}
		validateNodeGroup(errs, c, p, g)
	}
}

func validateNodeGroup(errs *Errors, c *Config, p string, g NodeGroup) {
	switch {
	case g.Kind == "":
		errs.addMissing(p+".kind", "is required: %s", oneOf(validKinds))
	case !slices.Contains(validKinds, g.Kind):
		errs.add(p+".kind", g.Kind, "must be %s", oneOf(validKinds))
	}
	if !slices.Contains(validFamilies, g.AMIFamily) {
		errs.add(p+".amiFamily", g.AMIFamily, "must be %s", oneOf(validFamilies))
	} else if err := bootstrap.CheckFamilyVersion(bootstrap.Family(g.AMIFamily), c.Cluster.Version); err != nil && versionRe.MatchString(c.Cluster.Version) {
		errs.add(p+".amiFamily", g.AMIFamily, "%v", err)
	}
	if !slices.Contains(validArchitectures, g.Architecture) {
		errs.add(p+".architecture", g.Architecture, "must be %s", oneOf(validArchitectures))
	}
	if !slices.Contains(validCapacityTypes, g.CapacityType) {
		errs.add(p+".capacityType", g.CapacityType, "must be %s", oneOf(validCapacityTypes))
	}
	validateInstanceTypes(errs, c, p, g)
	validateSizes(errs, p, g)
	for _, err := range bootstrap.ValidateLabels(g.Labels) {
		errs.add(p+".labels", nil, "%v", err)
	}
	taints := make([]bootstrap.Taint, len(g.Taints))
	for i, t := range g.Taints {
		taints[i] = bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
	}
	for _, err := range bootstrap.ValidateTaints(taints) {
		errs.add(p+".taints", nil, "%v", err)
	}
	validateRootVolume(errs, p+".rootVolume", g.RootVolume)
	for i, s := range g.SubnetIDs {
		if !slices.Contains(c.Network.PrivateSubnetIDs, s) {
			errs.add(fmt.Sprintf("%s.subnetIds[%d]", p, i), s, "must be one of network.privateSubnetIds (nodes run in private subnets)")
		}
	}
	if !g.MaxPods.Auto && (g.MaxPods.Value < 1 || g.MaxPods.Value > 250) {
		errs.add(p+".maxPods", g.MaxPods.Value, "must be \"auto\" or 1-250 (EKS supports at most 250 pods per node)")
	}
	validateKubeletArgs(errs, p, g)
	if g.AMIFamily == "Bottlerocket" && len(g.PreBootstrapCommands) > 0 {
		errs.add(p+".preBootstrapCommands", g.PreBootstrapCommands, "is not supported on Bottlerocket, which runs no shell user data (use bootstrap containers)")
	} else if g.AMIFamily != "Bottlerocket" {
		checkNodeCommands(errs, p, g)
	}
	if g.ImdsHopLimit != nil && (*g.ImdsHopLimit < 1 || *g.ImdsHopLimit > 64) {
		errs.add(p+".imdsHopLimit", *g.ImdsHopLimit, "must be 1-64 (2 lets pods reach instance metadata, 1 blocks them)")
	}
	if g.Kind == KindManaged {
		refuseForManaged(errs, p, g)
	}
	if g.Kind == KindSelfManaged && g.UpdateConfig != nil {
		errs.add(p+".updateConfig", nil, "is for managed groups; self-managed groups roll nodes with instanceRefresh")
	}
	if g.AMIReleaseVersion != "" {
		validateRelease(errs, c, p+".amiReleaseVersion", g)
	}
	if g.Kind == KindSelfManaged && g.NodeRepair != nil && *g.NodeRepair {
		errs.add(p+".nodeRepair", true, "is for managed groups (EKS node auto repair); self-managed nodes are replaced by their Auto Scaling group's health checks")
	}
	if s := g.Spot; s != nil {
		if s.OnDemandBaseCapacity < 0 {
			errs.add(p+".spot.onDemandBaseCapacity", s.OnDemandBaseCapacity, "must be 0 or more")
		}
		if s.OnDemandPercentageAboveBaseCapacity < 0 || s.OnDemandPercentageAboveBaseCapacity > 100 {
			errs.add(p+".spot.onDemandPercentageAboveBaseCapacity", s.OnDemandPercentageAboveBaseCapacity, "must be 0-100")
		}
		if !slices.Contains(validAllocations, s.AllocationStrategy) {
			errs.add(p+".spot.allocationStrategy", s.AllocationStrategy, "must be %s", oneOf(validAllocations))
		}
	}
	if r := g.InstanceRefresh; r != nil {
		if r.MinHealthyPercentage < 0 || r.MinHealthyPercentage > 100 {
			errs.add(p+".instanceRefresh.minHealthyPercentage", r.MinHealthyPercentage, "must be 0-100")
		}
		if r.MaxHealthyPercentage < 100 || r.MaxHealthyPercentage > 200 {
			errs.add(p+".instanceRefresh.maxHealthyPercentage", r.MaxHealthyPercentage, "must be 100-200")
		} else if r.MaxHealthyPercentage-r.MinHealthyPercentage > 100 {
			errs.add(p+".instanceRefresh.maxHealthyPercentage", r.MaxHealthyPercentage, "may exceed minHealthyPercentage by at most 100 (AWS rule)")
		}
		if r.InstanceWarmupSeconds < 0 {
			errs.add(p+".instanceRefresh.instanceWarmupSeconds", r.InstanceWarmupSeconds, "must be 0 or more")
		}
		validateCheckpoints(errs, p+".instanceRefresh", *r)
	}
	if w := g.WarmPool; w != nil {
		if g.IsSpot() || len(g.InstanceTypes) > 1 {
			errs.add(p+".warmPool", nil, "cannot be combined with Spot capacity or several instance types: Auto Scaling refuses warm pools on groups with a mixed instances policy")
		}
		if w.MinSize < 0 || (g.MaxSize != nil && w.MinSize > *g.MaxSize) {
			errs.add(p+".warmPool.minSize", w.MinSize, "must be between 0 and maxSize")
		}
		if !slices.Contains(validWarmStates, w.State) {
			errs.add(p+".warmPool.state", w.State, "must be %s", oneOf(validWarmStates))
		}
		if w.MaxGroupPreparedCapacity != nil && *w.MaxGroupPreparedCapacity < -1 {
			errs.add(p+".warmPool.maxGroupPreparedCapacity", *w.MaxGroupPreparedCapacity, "must be -1 (no limit) or more")
		}
	}
	if u := g.UpdateConfig; u != nil {
		switch {
		case u.MaxUnavailable != 0 && u.MaxUnavailablePercentage != 0:
			errs.add(p+".updateConfig", nil, "sets both maxUnavailable and maxUnavailablePercentage; choose one")
		case u.MaxUnavailable < 0 || u.MaxUnavailable > 100:
			errs.add(p+".updateConfig.maxUnavailable", u.MaxUnavailable, "must be 1-100")
		case u.MaxUnavailablePercentage < 0 || u.MaxUnavailablePercentage > 100:
			errs.add(p+".updateConfig.maxUnavailablePercentage", u.MaxUnavailablePercentage, "must be 1-100")
		}
	}
}

func validateSizes(errs *Errors, p string, g NodeGroup) {
	if g.MinSize == nil {
		errs.addMissing(p+".minSize", "is required: the smallest number of nodes (0 lets the autoscaler scale to zero)")
	} else if *g.MinSize < 0 {
		errs.add(p+".minSize", *g.MinSize, "must be 0 or more")
	}
	if g.MaxSize == nil {
		errs.addMissing(p+".maxSize", "is required: the largest number of nodes the autoscaler may run")
	} else if *g.MaxSize < 1 {
		errs.add(p+".maxSize", *g.MaxSize, "must be 1 or more")
	}
	if g.DesiredSize != nil && *g.DesiredSize < 0 {
		errs.add(p+".desiredSize", *g.DesiredSize, "must be 0 or more")
	}
	if g.MinSize != nil && g.MaxSize != nil && *g.MinSize > *g.MaxSize {
		errs.add(p+".minSize", *g.MinSize, "is greater than maxSize %d", *g.MaxSize)
	}
	if g.DesiredSize != nil && *g.DesiredSize >= 0 {
		if g.MinSize != nil && *g.MinSize > *g.DesiredSize {
			errs.add(p+".desiredSize", *g.DesiredSize, "is less than minSize %d; it must be between minSize and maxSize", *g.MinSize)
		}
		if g.MaxSize != nil && *g.DesiredSize > *g.MaxSize {
			errs.add(p+".desiredSize", *g.DesiredSize, "is greater than maxSize %d; it must be between minSize and maxSize", *g.MaxSize)
		}
	}
}

func validateRootVolume(errs *Errors, p string, v RootVolume) {
	if v.SizeGiB < 20 || v.SizeGiB > 16384 {
		errs.add(p+".sizeGiB", v.SizeGiB, "must be 20-16384 GiB (the EKS AMIs need at least 20)")
	}
	if !slices.Contains(validVolumeTypes, v.Type) {
		errs.add(p+".type", v.Type, "must be %s", oneOf(validVolumeTypes))
	}
	if v.KMSKeyARN != "" && !kmsARNRe.MatchString(v.KMSKeyARN) {
		errs.add(p+".kmsKeyArn", v.KMSKeyARN, "is not a KMS key ARN")
	}
	if v.KMSKeyARN != "" && !v.Encrypted {
		errs.add(p+".kmsKeyArn", v.KMSKeyARN, "is set but encrypted is false")
	}
}

func validateKubeletArgs(errs *Errors, p string, g NodeGroup) {
	if g.AMIFamily == "Bottlerocket" && len(g.KubeletExtraArgs) > 0 {
		errs.add(p+".kubeletExtraArgs", g.KubeletExtraArgs, "is not supported on Bottlerocket, whose kubelet is configured through settings, not flags")
		return
	}
	for i, a := range g.KubeletExtraArgs {
		ip := fmt.Sprintf("%s.kubeletExtraArgs[%d]", p, i)
		name, _, _ := strings.Cut(a, "=")
		switch {
		case !kubeletFlagRe.MatchString(a):
			errs.add(ip, a, "must be one kubelet flag like --image-gc-high-threshold=80")
		case strings.ContainsAny(a, "'\n"):
			errs.add(ip, a, "must not contain single quotes or newlines (they break the node's kubelet environment file)")
		case reservedKubeletFlags[name] != "":
			errs.add(ip, a, "is set from the group's %s key; use that instead", reservedKubeletFlags[name])
		}
	}
}

func refuseForManaged(errs *Errors, p string, g NodeGroup) {
	if g.Spot != nil {
		errs.add(p+".spot", nil, "is for self-managed groups; managed groups take capacityType: SPOT and instanceTypes instead of a mixed instances policy")
	}
	if g.InstanceRefresh != nil {
		errs.add(p+".instanceRefresh", nil, "is for self-managed groups; managed groups roll nodes with updateConfig")
	}
	if g.DrainOnTermination != nil {
		errs.add(p+".drainOnTermination", *g.DrainOnTermination, "is for self-managed groups; EKS drains managed nodes itself")
	}
	if g.WarmPool != nil {
		errs.add(p+".warmPool", nil, "is for self-managed groups")
	}
}

func validateAutoscaler(errs *Errors, c *Config) {
	a := c.Autoscaler
	p := key("autoscaler")
	if !slices.Contains(validAutoscalerKinds, a.Kind) {
		errs.add(p+".kind", a.Kind, "must be %s%s", oneOf(validAutoscalerKinds), suggest(a.Kind, validAutoscalerKinds))
	}
	validateKarpenterSettings(errs, c)
	switch {
	case !slices.Contains(validExpanders, a.Expander):
		errs.add(p+".expander", a.Expander, "must be %s", oneOf(validExpanders))
	case a.Expander == "price":
		// A contract value the Cluster Autoscaler cannot honour on AWS: its
		// AWS cloud provider has no pricing model, so the expander fails at
		// run time. Refused here, with the reason, rather than deployed.
		errs.add(p+".expander", a.Expander, "is implemented by the Cluster Autoscaler only on GCE, not on AWS; use least-waste, priority, random or most-pods")
	case a.Expander == "priority" && a.Kind == AutoscalerClusterAutoscaler && !anyAutoscaled(c.NodeGroups):
		errs.add(p+".expander", a.Expander, "ranks autoscaled node groups, but no node group has autoscaling: true")
	}
	if d, err := time.ParseDuration(a.ScaleDownUnneededTime); err != nil || d <= 0 {
		errs.add(p+".scaleDownUnneededTime", a.ScaleDownUnneededTime, "must be a positive duration like 10m or 1h30m")
	}
	if a.ChartVersion != "" && !chartVerRe.MatchString(a.ChartVersion) {
		errs.add(p+".chartVersion", a.ChartVersion, "must be a chart version like 9.46.6, or empty for the pinned default")
	}
}

func anyAutoscaled(groups []NodeGroup) bool {
	for _, g := range groups {
		if g.Autoscaling {
			return true
		}
	}
	return false
}

// declaredZones returns network.subnetZones and whether it covers every
// subnet the zone rules need.
func (c *Config) declaredZones() (map[string]string, bool) {
	for _, s := range c.Network.PrivateSubnetIDs {
		if _, ok := c.Network.SubnetZones[s]; !ok {
			return c.Network.SubnetZones, false
		}
	}
	return c.Network.SubnetZones, true
}

// SubnetsNeedingZones lists the private subnets whose availability zone is
// not declared in network.subnetZones and must be looked up.
func (c *Config) SubnetsNeedingZones() []string {
	var out []string
	for _, s := range c.Network.PrivateSubnetIDs {
		if _, ok := c.Network.SubnetZones[s]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// ValidateZones checks the rules that depend on where subnets are: private
// subnets span at least two availability zones, and with custom networking
// every zone a node group runs in has a pod subnet. zones maps every private
// subnet id to its availability zone.
func (c *Config) ValidateZones(zones map[string]string) error {
	errs := &Errors{}
	validateZones(errs, c, zones)
	return errs.errOrNil()
}

func validateZones(errs *Errors, c *Config, zones map[string]string) {
	distinct := map[string]bool{}
	for i, s := range c.Network.PrivateSubnetIDs {
		z, ok := zones[s]
		if !ok {
			errs.add(fmt.Sprintf("%s[%d]", key("network.privateSubnetIds"), i), s, "has no known availability zone; add it to network.subnetZones")
			continue
		}
		distinct[z] = true
	}
	if len(c.Network.PrivateSubnetIDs) >= 2 && len(distinct) == 1 {
		errs.add(key("network.privateSubnetIds"), c.Network.PrivateSubnetIDs, "are all in one availability zone (%s); EKS needs subnets in at least two", firstKey(distinct))
	}
	for i, np := range c.NodePools {
		subnets := np.SubnetIDs
		if len(subnets) == 0 {
			subnets = c.Network.PrivateSubnetIDs
		}
		for j, z := range np.Zones {
			inZone := false
			for _, s := range subnets {
				inZone = inZone || zones[s] == z
			}
			if !inZone {
				errs.add(fmt.Sprintf("%s[%d].zones[%d]", key("nodePools"), i, j), z, "has none of the pool's subnets (%s); Karpenter could never launch a node there", strings.Join(subnets, ", "))
			}
		}
	}
	if !c.CNI.CustomNetworking || len(c.CNI.PodSubnetIDs) == 0 {
		return
	}
	missing := map[string][]string{}
	for _, g := range c.NodeGroups {
		for _, s := range c.GroupSubnets(g) {
			if z, ok := zones[s]; ok {
				if _, covered := c.CNI.PodSubnetIDs[z]; !covered {
					missing[z] = appendUnique(missing[z], g.Name)
				}
			}
		}
	}
	for _, np := range c.NodePools {
		subnets := np.SubnetIDs
		if len(subnets) == 0 {
			subnets = c.Network.PrivateSubnetIDs
		}
		for _, s := range subnets {
			if z, ok := zones[s]; ok && (len(np.Zones) == 0 || slices.Contains(np.Zones, z)) {
				if _, covered := c.CNI.PodSubnetIDs[z]; !covered {
					missing[z] = appendUnique(missing[z], "pool "+np.Name)
				}
			}
		}
	}
	for _, z := range sortedKeysOf(missing) {
		errs.add(key("cni.podSubnetIds"), c.CNI.PodSubnetIDs, "has no pod subnet for %s, where node groups %s run nodes (customNetworking needs one per zone in use)", z, strings.Join(missing[z], ", "))
	}
}

// GroupSubnets returns the subnets a node group's nodes run in: its own
// subnetIds, else every private subnet.
func (c *Config) GroupSubnets(g NodeGroup) []string {
	if len(g.SubnetIDs) > 0 {
		return g.SubnetIDs
	}
	return c.Network.PrivateSubnetIDs
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validateCheckpoints applies the Auto Scaling API's rules for instance
// refresh checkpoints (RefreshPreferences in the StartInstanceRefresh API
// reference): percentages 1-100 in ascending order, the last one 100;
// a checkpoint delay of 0-172800 seconds, only with checkpoints.
func validateCheckpoints(errs *Errors, p string, r InstanceRefresh) {
	for i, pct := range r.CheckpointPercentages {
		path := fmt.Sprintf("%s.checkpointPercentages[%d]", p, i)
		switch {
		case pct < 1 || pct > 100:
			errs.add(path, pct, "must be 1-100")
		case i > 0 && pct <= r.CheckpointPercentages[i-1]:
			errs.add(path, pct, "must be greater than the one before (%d): checkpoints ascend", r.CheckpointPercentages[i-1])
		}
	}
	if n := len(r.CheckpointPercentages); n > 0 && r.CheckpointPercentages[n-1] != 100 {
		errs.add(p+".checkpointPercentages", r.CheckpointPercentages, "must end with 100 (Auto Scaling requires the last checkpoint at 100%%)")
	}
	switch {
	case r.CheckpointDelaySeconds < 0 || r.CheckpointDelaySeconds > 172800:
		errs.add(p+".checkpointDelaySeconds", r.CheckpointDelaySeconds, "must be 0-172800 (two days)")
	case r.CheckpointDelaySeconds > 0 && len(r.CheckpointPercentages) == 0:
		errs.add(p+".checkpointDelaySeconds", r.CheckpointDelaySeconds, "needs checkpointPercentages")
	}
}

// validateRelease checks a pinned node image release: its form for the
// group's AMI family and the cluster's minor, and (AL2023 behind a proxy)
// that it is new enough for nodeadm to use the proxy.
func validateRelease(errs *Errors, c *Config, path string, g NodeGroup) {
	family := bootstrap.Family(g.AMIFamily)
	release, err := nodespec.ParseRelease(family, c.Cluster.Version, g.AMIReleaseVersion)
	if err != nil {
		errs.add(path, g.AMIReleaseVersion, "%v", err)
		return
	}
	if c.Proxy != nil && (family == "" || family == bootstrap.AL2023) {
		if err := bootstrap.CheckAMIRelease(release.Raw); err != nil {
			errs.add(path, g.AMIReleaseVersion, "%v", err)
		}
	}
}

// MinorStep returns how many minors `to` is above `from` (negative below),
// both Kubernetes versions like "1.33"; a patch ("1.33.5") is ignored.
func MinorStep(from, to string) (int, error) {
	minor := func(v string) (int, error) {
		parts := strings.Split(v, ".")
		if len(parts) < 2 || parts[0] != "1" {
			return 0, fmt.Errorf("%q is not a Kubernetes 1.x version", v)
		}
		return strconv.Atoi(parts[1])
	}
	f, err := minor(from)
	if err != nil {
		return 0, err
	}
	t, err := minor(to)
	if err != nil {
		return 0, err
	}
	return t - f, nil
}
