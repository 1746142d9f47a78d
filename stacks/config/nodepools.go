package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/eksfleet/eksfleet/components/nodespec"
)

// Karpenter is `autoscaler.karpenter`: Karpenter's settings.
type Karpenter struct {
	// ChartVersion overrides the chart pinned for the cluster's minor; it
	// must be at least the version upstream's compatibility matrix lists.
	ChartVersion string `json:"chartVersion"`
}

// NodePool is one entry of `eksfleet:nodePools`: a Karpenter NodePool and
// its EC2NodeClass.
type NodePool struct {
	Name      string `json:"name"`
	AMIFamily string `json:"amiFamily"`
	// AMIReleaseVersion pins the node image release, as for node groups
	// (1.33.5-20251120 for AL2023, 1.50.0 for Bottlerocket).
	AMIReleaseVersion  string            `json:"amiReleaseVersion"`
	Architectures      []string          `json:"architectures"`
	CapacityTypes      []string          `json:"capacityTypes"`
	InstanceCategories []string          `json:"instanceCategories"`
	InstanceFamilies   []string          `json:"instanceFamilies"`
	InstanceTypes      []string          `json:"instanceTypes"`
	MinGeneration      int               `json:"minGeneration"`
	Zones              []string          `json:"zones"`
	SubnetIDs          []string          `json:"subnetIds"`
	Labels             map[string]string `json:"labels"`
	Taints             []Taint           `json:"taints"`
	// Limits bound the pool's total resources (cpu, memory, or an
	// extended resource such as nvidia.com/gpu) as Kubernetes quantities.
	Limits       map[string]string `json:"limits"`
	Disruption   Disruption        `json:"disruption"`
	RootVolume   RootVolume        `json:"rootVolume"`
	ImdsHopLimit *int              `json:"imdsHopLimit"`
	MaxPods      MaxPods           `json:"maxPods"`
	Weight       int               `json:"weight"`
}

func (p *NodePool) setDefaults() {
	p.AMIFamily = "AL2023"
	p.Architectures = []string{"x86_64"}
	p.CapacityTypes = []string{"ON_DEMAND"}
	p.RootVolume = RootVolume{SizeGiB: 50, Type: "gp3", Encrypted: true}
	p.MaxPods = MaxPods{Auto: true}
	p.Disruption.setDefaults()
}

// HopLimit returns the IMDSv2 hop limit (default 2, as for node groups).
func (p NodePool) HopLimit() int { return deref(p.ImdsHopLimit, 2) }

// Filter returns the pool's instance filters.
func (p NodePool) Filter() spec.Filter {
	return spec.Filter{Architectures: p.Architectures, Categories: p.InstanceCategories, Families: p.InstanceFamilies, Types: p.InstanceTypes, MinGeneration: p.MinGeneration}
}

// Disruption is a pool's `disruption`: how Karpenter may replace its nodes.
type Disruption struct {
	ConsolidationPolicy string   `json:"consolidationPolicy"`
	ConsolidateAfter    string   `json:"consolidateAfter"`
	ExpireAfter         string   `json:"expireAfter"`
	Budgets             []Budget `json:"budgets"`
}

// Karpenter's own defaults (NodePool CRD v1.14.1: consolidationPolicy
// WhenEmptyOrUnderutilized, expireAfter 720h, budgets [{nodes: 10%}]);
// consolidateAfter, whose CRD default 0s consolidates at once, waits a
// minute as the contract's example does.
func (d *Disruption) setDefaults() {
	d.ConsolidationPolicy = "WhenEmptyOrUnderutilized"
	d.ConsolidateAfter = "1m"
	d.ExpireAfter = "720h"
	d.Budgets = []Budget{{Nodes: "10%"}}
}

// Budget is one disruption budget.
type Budget struct {
	Nodes    string   `json:"nodes"`
	Schedule string   `json:"schedule"`
	Duration string   `json:"duration"`
	Reasons  []string `json:"reasons"`
}

// Patterns of the NodePool CRD (karpenter.sh_nodepools.yaml, v1.14.1), so
// a value Kubernetes would refuse is refused here, at its key.
var (
	karpenterDurationRe = regexp.MustCompile(`^(([0-9]+(s|m|h))+|Never)$`)
	budgetNodesRe       = regexp.MustCompile(`^((100|[0-9]{1,2})%|[0-9]+)$`)
	budgetDurationRe    = regexp.MustCompile(`^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$`)
	quantityRe          = regexp.MustCompile(`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`)
	resourceNameRe      = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$`)
	instanceCategoryRe  = regexp.MustCompile(`^[a-z]+$`)
	instanceFamilyRe    = regexp.MustCompile(`^[a-z]+-?[0-9]+[a-z0-9-]*$`)
)

var (
	validPoolFamilies  = []string{"AL2023", "Bottlerocket"}
	validConsolidation = []string{"WhenEmptyOrUnderutilized", "WhenEmpty"}
	validBudgetReasons = []string{"Underutilized", "Empty", "Drifted"}
)

// resolveAutoscaling settles each node group's `autoscaling`: as written,
// else on with the Cluster Autoscaler and off with Karpenter.
func resolveAutoscaling(c *Config) {
	for i := range c.NodeGroups {
		g := &c.NodeGroups[i]
		switch {
		case g.AutoscalingSet != nil:
			g.Autoscaling = *g.AutoscalingSet
		case c.Autoscaler.Kind == AutoscalerKarpenter:
			g.Autoscaling = false
		}
	}
}

func validateKarpenterSettings(errs *Errors, c *Config) {
	p := key("autoscaler")
	k := c.Autoscaler.Karpenter
	if c.Autoscaler.Kind != AutoscalerKarpenter {
		if k.ChartVersion != "" {
			errs.add(p+".karpenter.chartVersion", k.ChartVersion, "is set but autoscaler.kind is %s; set autoscaler.kind: karpenter to use Karpenter", c.Autoscaler.Kind)
		}
		return
	}
	if _, ok := spec.Releases[c.Cluster.Version]; ok {
		if _, err := spec.ChartVersion(c.Cluster.Version, k.ChartVersion); err != nil {
			errs.add(p+".karpenter.chartVersion", k.ChartVersion, "%v", err)
		}
	}
	for i, g := range c.NodeGroups {
		if g.AutoscalingSet != nil && *g.AutoscalingSet {
			errs.add(fmt.Sprintf("%s[%d].autoscaling", key("nodeGroups"), i), true,
				"cannot be true with autoscaler.kind: karpenter: one autoscaler at a time, and Karpenter scales nodePools, not node groups (remove the key; it defaults to false)")
		}
	}
}

func validateNodePools(errs *Errors, c *Config) {
	p := key("nodePools")
	if c.Autoscaler.Kind != AutoscalerKarpenter {
		if len(c.NodePools) > 0 {
			errs.add(p, nil, "lists %d node pools but autoscaler.kind is %s; node pools are Karpenter's: set autoscaler.kind: karpenter", len(c.NodePools), c.Autoscaler.Kind)
		}
		return
	}
	if len(c.NodePools) == 0 {
		// The Karpenter component refuses it too, but only once registering
		// has begun: refused here, before anything exists.
		errs.addMissing(p, "must list at least one node pool with autoscaler.kind: karpenter: Karpenter launches nodes only for NodePools (or use autoscaler.kind: cluster-autoscaler)")
		return
	}
	seen := map[string]int{}
	for i, np := range c.NodePools {
		pp := fmt.Sprintf("%s[%d]", p, i)
		if j, dup := seen[np.Name]; dup && np.Name != "" {
			errs.add(pp+".name", np.Name, "duplicates nodePools[%d].name; node pool names must be unique", j)
		} else {
			seen[np.Name] = i
		}
		validateNodePool(errs, c, pp, np)
	}
}

func validateNodePool(errs *Errors, c *Config, p string, np NodePool) {
	switch {
	case np.Name == "":
		errs.addMissing(p+".name", "is required: [a-z0-9-], at most 63 characters")
	case !groupNameRe.MatchString(np.Name):
		errs.add(p+".name", np.Name, "must be 1-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit (it names the NodePool and EC2NodeClass)")
	}
	if !slices.Contains(validPoolFamilies, np.AMIFamily) {
		errs.add(p+".amiFamily", np.AMIFamily, "must be %s (the Karpenter aliases eksfleet renders user data for)", oneOf(validPoolFamilies))
	} else if np.AMIReleaseVersion != "" && versionRe.MatchString(c.Cluster.Version) {
		family := bootstrap.Family(np.AMIFamily)
		release, err := nodespec.ParseRelease(family, c.Cluster.Version, np.AMIReleaseVersion)
		if err != nil {
			errs.add(p+".amiReleaseVersion", np.AMIReleaseVersion, "%v", err)
		} else if c.Proxy != nil && family == bootstrap.AL2023 {
			if err := bootstrap.CheckAMIRelease(release.Raw); err != nil {
				errs.add(p+".amiReleaseVersion", np.AMIReleaseVersion, "%v", err)
			}
		}
	}
	checkEach(errs, p+".architectures", np.Architectures, validArchitectures)
	checkEach(errs, p+".capacityTypes", np.CapacityTypes, validCapacityTypes)
	for i, s := range np.InstanceCategories {
		if !instanceCategoryRe.MatchString(s) {
			errs.add(fmt.Sprintf("%s.instanceCategories[%d]", p, i), s, "is not an instance category like c, m or r")
		}
	}
	for i, s := range np.InstanceFamilies {
		if !instanceFamilyRe.MatchString(s) {
			errs.add(fmt.Sprintf("%s.instanceFamilies[%d]", p, i), s, "is not an instance family like m7i or c7g")
		}
	}
	for i, s := range np.InstanceTypes {
		info, known := instancetypes.Lookup(s)
		switch {
		case !known:
			errs.add(fmt.Sprintf("%s.instanceTypes[%d]", p, i), s, "is unknown to the instance table (VPC CNI instance limits); check the name")
		case info.Architecture != "" && len(np.Architectures) > 0 && !slices.Contains(np.Architectures, info.Architecture):
			errs.add(fmt.Sprintf("%s.instanceTypes[%d]", p, i), s, "is an %s instance type but architectures is %v; the pool would never launch it", info.Architecture, np.Architectures)
		}
	}
	if np.MinGeneration < 0 {
		errs.add(p+".minGeneration", np.MinGeneration, "must be 1 or more (0 or absent: any generation)")
	}
	if len(np.Architectures) > 0 && len(spec.Select(np.Filter())) == 0 {
		errs.add(p, nil, "filters (architectures %v, instanceCategories %v, instanceFamilies %v, instanceTypes %v, minGeneration %d) match no instance type known to the instance table; widen them",
			np.Architectures, np.InstanceCategories, np.InstanceFamilies, np.InstanceTypes, np.MinGeneration)
	}
	for i, z := range np.Zones {
		checkZone(errs, fmt.Sprintf("%s.zones[%d]", p, i), z, c.Region)
	}
	for i, s := range np.SubnetIDs {
		if !slices.Contains(c.Network.PrivateSubnetIDs, s) {
			errs.add(fmt.Sprintf("%s.subnetIds[%d]", p, i), s, "must be one of network.privateSubnetIds (nodes run in private subnets)")
		}
	}
	for _, err := range bootstrap.ValidateLabels(np.Labels) {
		errs.add(p+".labels", nil, "%v", err)
	}
	for k := range np.Labels {
		if strings.HasPrefix(k, "karpenter.sh/") || strings.HasPrefix(k, "karpenter.k8s.aws/") {
			errs.add(p+".labels."+k, np.Labels[k], "is in a domain Karpenter sets itself (karpenter.sh, karpenter.k8s.aws); use your own prefix")
		}
	}
	taints := make([]bootstrap.Taint, len(np.Taints))
	for i, t := range np.Taints {
		taints[i] = bootstrap.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
	}
	for _, err := range bootstrap.ValidateTaints(taints) {
		errs.add(p+".taints", nil, "%v", err)
	}
	for _, r := range sortedStringKeys(np.Limits) {
		v := np.Limits[r]
		switch {
		case !resourceNameRe.MatchString(r):
			errs.add(p+".limits."+r, v, "is not a Kubernetes resource name like cpu, memory or nvidia.com/gpu")
		case !quantityRe.MatchString(v) || strings.HasPrefix(v, "-"):
			errs.add(p+".limits."+r, v, "is not a Kubernetes quantity like \"256\" or 1024Gi")
		}
	}
	if len(np.Limits) == 0 && c.Environment == "prod" {
		errs.add(p+".limits", nil, "is required in prod: a pool without limits can launch instances without bound; set e.g. {cpu: \"256\", memory: 1024Gi}")
	}
	validateDisruption(errs, p+".disruption", np.Disruption)
	validateRootVolume(errs, p+".rootVolume", np.RootVolume)
	if !np.RootVolume.Encrypted {
		errs.add(p+".rootVolume.encrypted", false, "must be true: node pool volumes are always encrypted (EBS encryption has no cost in performance)")
	}
	if np.ImdsHopLimit != nil && (*np.ImdsHopLimit < 1 || *np.ImdsHopLimit > 64) {
		errs.add(p+".imdsHopLimit", *np.ImdsHopLimit, "must be 1-64 (2 lets pods reach instance metadata, 1 blocks them)")
	}
	if !np.MaxPods.Auto && (np.MaxPods.Value < 1 || np.MaxPods.Value > 250) {
		errs.add(p+".maxPods", np.MaxPods.Value, "must be \"auto\" or 1-250 (EKS supports at most 250 pods per node)")
	}
	if np.Weight < 0 || np.Weight > 100 {
		errs.add(p+".weight", np.Weight, "must be 0-100 (Karpenter's NodePool weight; 0 leaves it unset)")
	}
}

func checkEach(errs *Errors, path string, values, valid []string) {
	if len(values) == 0 {
		errs.add(path, values, "must list at least one of %s", strings.Join(valid, ", "))
	}
	seen := map[string]bool{}
	for i, v := range values {
		ip := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !slices.Contains(valid, v):
			errs.add(ip, v, "must be %s%s", oneOf(valid), suggest(v, valid))
		case seen[v]:
			errs.add(ip, v, "is listed twice")
		}
		seen[v] = true
	}
}

func validateDisruption(errs *Errors, p string, d Disruption) {
	if !slices.Contains(validConsolidation, d.ConsolidationPolicy) {
		errs.add(p+".consolidationPolicy", d.ConsolidationPolicy, "must be %s", oneOf(validConsolidation))
	}
	if !karpenterDurationRe.MatchString(d.ConsolidateAfter) {
		errs.add(p+".consolidateAfter", d.ConsolidateAfter, "must be a duration of whole s, m or h units like 30s or 1m, or Never")
	}
	if !karpenterDurationRe.MatchString(d.ExpireAfter) {
		errs.add(p+".expireAfter", d.ExpireAfter, "must be a duration of whole s, m or h units like 720h, or Never")
	}
	if len(d.Budgets) > 50 {
		errs.add(p+".budgets", nil, "has %d budgets; Karpenter accepts at most 50", len(d.Budgets))
	}
	for i, b := range d.Budgets {
		bp := fmt.Sprintf("%s.budgets[%d]", p, i)
		if !budgetNodesRe.MatchString(b.Nodes) {
			errs.add(bp+".nodes", b.Nodes, "must be a node count like \"5\" or a percentage like \"10%%\" (0-100%%)")
		}
		if (b.Schedule == "") != (b.Duration == "") {
			errs.add(bp, nil, "schedule and duration must be set together")
		}
		if b.Duration != "" && !budgetDurationRe.MatchString(b.Duration) {
			errs.add(bp+".duration", b.Duration, "must be hours and/or minutes like 8h or 1h30m")
		}
		if b.Schedule != "" && len(strings.Fields(b.Schedule)) != 5 && !strings.HasPrefix(b.Schedule, "@") {
			errs.add(bp+".schedule", b.Schedule, "must be a cron schedule of five fields like \"0 9 * * mon-fri\" or a macro like @daily")
		}
		for j, r := range b.Reasons {
			if !slices.Contains(validBudgetReasons, r) {
				errs.add(fmt.Sprintf("%s.reasons[%d]", bp, j), r, "must be %s", oneOf(validBudgetReasons))
			}
		}
	}
}
