// Package selfmanaged is the self-managed node group component: an EC2
// launch template and an Auto Scaling Group built from pulumi-aws parts, a
// node IAM role with its instance profile, and an EKS access entry of type
// EC2_LINUX so nodes join without the aws-auth ConfigMap.
//
// What it adds over pulumi-eks's NodeGroupV2 (see the anchors note): IMDSv2
// with a chosen hop limit, no public IPs, encrypted gp3 volumes on the
// right device per AMI family, a mixed instances policy (Spot and
// multi-type On-Demand) with capacity rebalancing, instance refresh on every
// new launch template version, a termination lifecycle hook for draining,
// an optional warm pool, and the Cluster Autoscaler's discovery and
// scale-from-zero tags computed from the same labels and taints as the
// kubelet settings. Desired capacity is set at creation only, then left to
// the autoscaler.
package selfmanaged

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/eksfleet/eksfleet/components/node"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:SelfManagedNodeGroup"

// Args configures a self-managed node group; see nodegroup.Args for every
// field. UpdateConfig (managed groups only) is refused.
type Args = nodegroup.Args

// Lifecycle hook settings for draining: the termination handler gets the
// default five minutes to drain (and can extend it with heartbeats); if it
// never answers, termination continues rather than leaving the instance
// stuck.
const (
	DrainHookName          = "drain-on-termination"
	drainHookTransition    = "autoscaling:EC2_INSTANCE_TERMINATING"
	drainHookDefaultResult = "CONTINUE"
	drainHookHeartbeat     = 300
)

// defaultWarmupSeconds is the instance warmup without instance refresh
// settings: roughly how long an EKS node takes to boot and become Ready.
const defaultWarmupSeconds = 300

// SelfManagedNodeGroup is a provisioned self-managed node group.
type SelfManagedNodeGroup struct {
	pulumi.ResourceState

	// ASGName and ASGARN identify the Auto Scaling Group.
	ASGName pulumi.StringOutput `pulumi:"asgName"`
	ASGARN  pulumi.StringOutput `pulumi:"asgArn"`
	// LaunchTemplateID and LaunchTemplateLatestVersion identify the launch
	// template and the version the group launches.
	LaunchTemplateID            pulumi.StringOutput `pulumi:"launchTemplateId"`
	LaunchTemplateLatestVersion pulumi.IntOutput    `pulumi:"launchTemplateLatestVersion"`
	// RoleARN is the node role; InstanceProfileARN and InstanceProfileName
	// its instance profile.
	RoleARN             pulumi.StringOutput `pulumi:"roleArn"`
	InstanceProfileARN  pulumi.StringOutput `pulumi:"instanceProfileArn"`
	InstanceProfileName pulumi.StringOutput `pulumi:"instanceProfileName"`

	// AMIRelease is the node image release the group runs: the pinned one,
	// the recommended one, or "custom" for an ImageID.
	AMIRelease pulumi.StringOutput `pulumi:"amiRelease"`

	// Tags are the ASG's tags as computed, for callers that check them.
	Tags []nodespec.Tag
	// Group is the Auto Scaling Group itself. Depend on it (not on the
	// component) to order work after the nodes: the SDK expands a
	// component dependency to the children registered so far, which is
	// racy while their registrations are still in flight.
	Group *autoscaling.Group
}

// New creates a self-managed node group. All arguments are checked before
// anything is registered; the error lists every problem.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*SelfManagedNodeGroup, error) {
	if args == nil {
		return nil, nodegroup.Wrap("self-managed node group", name, errors.New("args are required"))
	}
	a := *args
	plan, err := prepare(&a)
	if err != nil {
		return nil, nodegroup.Wrap("self-managed node group", name, err)
	}

	g := &SelfManagedNodeGroup{Tags: plan.tags}
	if err := ctx.RegisterComponentResource(TypeToken, name, g, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(g)
	tags := pulumi.ToStringMap(a.Tags)

	role, err := nodegroup.NewRole(ctx, name, &a, tags, true, g)
	if err != nil {
		return nil, err
	}
	// Nodes of a self-managed group join through an EC2_LINUX access
	// entry: EKS maps the role to system:nodes itself, no aws-auth needed.
	entry, err := node.NewAccessEntry(ctx, name, a.Cluster.EKSName, role.ARN, tags, g)
	if err != nil {
		return nil, err
	}

	imageID := pulumi.String(a.ImageID).ToStringOutput()
	if a.ImageID == "" {
		imageID = ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
			Name: pulumi.String(plan.amiParameter),
			// AMI ids are public: insecureValue keeps them out of secrets,
			// so the launch template stays readable in previews.
			WithDecryption: pulumi.Bool(false),
		}, pulumi.Parent(g)).InsecureValue()
	}

	ltArgs, err := nodegroup.LaunchTemplateArgs(&a, nodegroup.LaunchTemplate{
		Description:        fmt.Sprintf("EKS cluster %s, self-managed node group %s", a.Cluster.Name, a.GroupName),
		UserData:           plan.userData,
		ImageID:            imageID,
		InstanceType:       a.InstanceTypes[0],
		InstanceProfileARN: role.InstanceProfileARN,
		InstanceTags:       nodegroup.InstanceTags(&a),
	}, tags)
	if err != nil {
		return nil, err
	}
	ltArgs.NamePrefix = names.PrefixInput("aws:ec2/launchTemplate:LaunchTemplate", name)
	lt, err := ec2.NewLaunchTemplate(ctx, name, ltArgs, parent, pulumi.DependsOn(a.Cluster.NetworkReady))
	if err != nil {
		return nil, err
	}

	asgArgs := asgArgs(&a, plan, lt)
	asgArgs.NamePrefix = names.PrefixInput("aws:autoscaling/group:Group", name)
	desired, resize := nodegroup.Sizing(&a)
	asgArgs.DesiredCapacity = pulumi.Int(desired)
	// The Cluster Autoscaler owns the size after creation; without this
	// every `pulumi up` would undo its scaling (unless new bounds move it,
	// see nodegroup.Sizing). Groups created by earlier versions carry the
	// drain hook as an initial lifecycle hook, which the provider can only
	// change by replacing the group (initial_lifecycle_hook is ForceNew in
	// the Terraform AWS provider): it is ignored, and the hook resource
	// below adopts it.
	ignore := []string{"desiredCapacity", "initialLifecycleHooks"}
	if resize {
		ignore = ignore[1:]
	}
	asg, err := autoscaling.NewGroup(ctx, name, asgArgs, parent,
		// The access entry and the policies must exist before the first
		// node boots, or it cannot join or pull images.
		pulumi.DependsOn(append(append([]pulumi.Resource{entry}, role.Ready...), a.Cluster.NetworkReady...)),
		pulumi.IgnoreChanges(ignore))
	if err != nil {
		return nil, err
	}
	if a.DrainOnTermination {
		// A hook of its own, so switching drain on or off updates the
		// group's hooks in place (PutLifecycleHook creates or updates by
		// name, DeleteLifecycleHook removes it). It exists seconds after
		// the group: the first instances are covered before they could
		// ever be scaled in, since the hook applies to every termination
		// from its creation on.
		if _, err := autoscaling.NewLifecycleHook(ctx, name+"-drain", &autoscaling.LifecycleHookArgs{
			AutoscalingGroupName: asg.Name,
			Name:                 pulumi.String(DrainHookName),
			LifecycleTransition:  pulumi.String(drainHookTransition),
			DefaultResult:        pulumi.String(drainHookDefaultResult),
			HeartbeatTimeout:     pulumi.Int(drainHookHeartbeat),
		}, parent); err != nil {
			return nil, err
		}
	}

	g.Group = asg
	g.ASGName, g.ASGARN = asg.Name, asg.Arn
	g.LaunchTemplateID, g.LaunchTemplateLatestVersion = lt.ID().ToStringOutput(), lt.LatestVersion
	g.RoleARN, g.InstanceProfileARN, g.InstanceProfileName = role.ARN, role.InstanceProfileARN, role.InstanceProfileName
	switch {
	case plan.releaseParameter != "":
		g.AMIRelease = ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
			Name:           pulumi.String(plan.releaseParameter),
			WithDecryption: pulumi.Bool(false),
		}, parent).InsecureValue()
	case a.ImageID != "":
		g.AMIRelease = pulumi.String("custom").ToStringOutput()
	default:
		g.AMIRelease = pulumi.String(a.AMIReleaseVersion).ToStringOutput()
	}
	if err := ctx.RegisterResourceOutputs(g, nodegroup.WithResize(pulumi.Map{
		"amiRelease":                  g.AMIRelease,
		"asgName":                     g.ASGName,
		"asgArn":                      g.ASGARN,
		"launchTemplateId":            g.LaunchTemplateID,
		"launchTemplateLatestVersion": g.LaunchTemplateLatestVersion,
		"roleArn":                     g.RoleARN,
		"instanceProfileArn":          g.InstanceProfileARN,
		"instanceProfileName":         g.InstanceProfileName,
	}, &a, desired, resize)); err != nil {
		return nil, err
	}
	return g, nil
}

// groupPlan is everything decided before registration.
type groupPlan struct {
	amiParameter string
	// releaseParameter is the SSM parameter naming the recommended
	// release, when the group follows it.
	releaseParameter string
	userData         pulumi.StringPtrOutput
	mixed            *nodespec.MixedInstances
	tags             []nodespec.Tag
}

// prepare validates the arguments and computes the pure parts of the group.
func prepare(a *Args) (*groupPlan, error) {
	errs := []error{a.Validate()}
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.UpdateConfig != nil {
		add("Args.UpdateConfig is for managed node groups; self-managed groups roll nodes with Args.InstanceRefresh")
	}
	if a.NodeRepair {
		add("Args.NodeRepair is EKS node auto repair, for managed node groups; self-managed nodes are replaced by the Auto Scaling group's health checks")
	}
	if w := a.WarmPool; w != nil {
		// Auto Scaling refuses warm pools on groups with a mixed instances
		// policy or Spot capacity.
		if a.IsSpot() || len(a.InstanceTypes) > 1 {
			add("Args.WarmPool cannot be combined with Spot capacity or several instance types (Auto Scaling refuses warm pools with a mixed instances policy)")
		}
		if w.MinSize < 0 || w.MinSize > a.MaxSize {
			add("Args.WarmPool.MinSize %d must be between 0 and Args.MaxSize %d", w.MinSize, a.MaxSize)
		}
		if !slices.Contains([]string{"Stopped", "Running", "Hibernated"}, w.State) {
			add("Args.WarmPool.State %q must be Stopped, Running or Hibernated", w.State)
		}
	}
	if r := a.InstanceRefresh; r != nil && r.Enabled {
		if r.MinHealthyPercentage < 0 || r.MinHealthyPercentage > 100 {
			add("Args.InstanceRefresh.MinHealthyPercentage %d must be 0-100", r.MinHealthyPercentage)
		}
		if r.MaxHealthyPercentage < 100 || r.MaxHealthyPercentage > 200 || r.MaxHealthyPercentage-r.MinHealthyPercentage > 100 {
			add("Args.InstanceRefresh.MaxHealthyPercentage %d must be 100-200 and at most 100 above MinHealthyPercentage %d", r.MaxHealthyPercentage, r.MinHealthyPercentage)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	p := &groupPlan{}
	release, err := nodespec.ParseRelease(a.Family(), a.Cluster.Version, a.AMIReleaseVersion)
	if err != nil {
		return nil, fmt.Errorf("Args.AMIReleaseVersion: %w", err)
	}
	if a.ImageID == "" {
		if p.amiParameter, err = nodespec.AMIParameter(a.Family(), a.Arch(), a.Cluster.Version, release); err != nil {
			return nil, fmt.Errorf("Args.AMIFamily %q: %w", a.AMIFamily, err)
		}
		if release.IsZero() {
			if p.releaseParameter, err = nodespec.ReleaseParameter(a.Family(), a.Arch(), a.Cluster.Version); err != nil {
				return nil, fmt.Errorf("Args.AMIFamily %q: %w", a.AMIFamily, err)
			}
		}
	}
	var spot *nodespec.Spot
	if a.IsSpot() {
		spot = &nodespec.Spot{}
		if a.Spot != nil {
			spot = a.Spot
		}
	}
	if p.mixed, err = nodespec.MixedInstancesFor(a.InstanceTypes, spot); err != nil {
		return nil, fmt.Errorf("Args.Spot: %w", err)
	}
	maxPods, err := a.MaxPodsValue()
	if err != nil {
		return nil, err
	}
	in := bootstrap.Input{
		Family:            a.Family(),
		Cluster:           nodegroup.BootstrapCluster(a.Cluster),
		Proxy:             a.Cluster.Proxy,
		AMIReleaseVersion: a.AMIReleaseVersion,
		CustomNetworking:  a.Cluster.Network.CustomNetworking,
		PrefixDelegation:  a.Cluster.Network.PrefixDelegation,
		Spot:              a.IsSpot(),
		MixedCapacity:     a.MixedCapacity(),
		Node: bootstrap.Node{
			Labels:               a.Labels,
			Taints:               a.Taints,
			MaxPods:              maxPods,
			InstanceTypes:        a.InstanceTypes,
			KubeletExtraArgs:     a.KubeletExtraArgs,
			PreBootstrapCommands: a.PreBootstrapCommands,
		},
	}
	if p.userData, err = nodegroup.UserData(a.Cluster, in); err != nil {
		return nil, fmt.Errorf("node settings: %w", err)
	}
	p.tags, err = nodespec.ASGTags(nodespec.TagInput{
		ClusterName: a.Cluster.Name,
		Name:        a.Cluster.Name + "-" + a.GroupName,
		Autoscaling: a.Autoscaling,
		Drain:       a.DrainOnTermination,
		Scheduling:  a.Scheduling(),
		Resources:   nodespec.TemplateResources(a.InstanceTypes, a.Volume.SizeGiB, maxPods),
		UserTags:    a.Tags,
	})
	if err != nil {
		return nil, fmt.Errorf("computing the Auto Scaling Group tags: %w", err)
	}
	return p, nil
}

// asgArgs builds the Auto Scaling Group: sizes, subnets, the launch
// template (directly, or through the mixed instances policy), refresh,
// lifecycle hook, warm pool and tags.
func asgArgs(a *Args, p *groupPlan, lt *ec2.LaunchTemplate) *autoscaling.GroupArgs {
	// The group always launches the template's latest version, so every
	// change to the template (AMI, user data) is a change to the group,
	// which starts an instance refresh. "$Latest" would not: a refresh
	// doesn't start while the group points at $Latest.
	version := lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput)
	warmup := defaultWarmupSeconds
	if r := a.InstanceRefresh; r != nil && r.InstanceWarmupSeconds > 0 {
		warmup = r.InstanceWarmupSeconds
	}
	args := &autoscaling.GroupArgs{
		MinSize:               pulumi.Int(a.MinSize),
		MaxSize:               pulumi.Int(a.MaxSize),
		DesiredCapacity:       pulumi.Int(a.DesiredSize),
		VpcZoneIdentifiers:    pulumi.ToStringArray(a.SubnetIDs),
		DefaultInstanceWarmup: pulumi.Int(warmup),
		CapacityRebalance:     pulumi.Bool(a.IsSpot()),
	}
	if m := p.mixed; m != nil {
		overrides := make(autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArray, len(m.InstanceTypes))
		for i, t := range m.InstanceTypes {
			overrides[i] = &autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs{InstanceType: pulumi.String(t)}
		}
		dist := &autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs{
			OnDemandAllocationStrategy:          pulumi.String(m.OnDemandAllocationStrategy),
			OnDemandBaseCapacity:                pulumi.Int(m.OnDemandBaseCapacity),
			OnDemandPercentageAboveBaseCapacity: pulumi.Int(m.OnDemandPercentageAboveBaseCapacity),
		}
		if m.SpotAllocationStrategy != "" {
			dist.SpotAllocationStrategy = pulumi.String(m.SpotAllocationStrategy)
		}
		args.MixedInstancesPolicy = &autoscaling.GroupMixedInstancesPolicyArgs{
			InstancesDistribution: dist,
			LaunchTemplate: &autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs{
				LaunchTemplateSpecification: &autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs{
					LaunchTemplateId: lt.ID(),
					Version:          version,
				},
				Overrides: overrides,
			},
		}
	} else {
		args.LaunchTemplate = &autoscaling.GroupLaunchTemplateArgs{Id: lt.ID(), Version: version}
	}
	if r := a.InstanceRefresh; r != nil && r.Enabled {
		prefs := &autoscaling.GroupInstanceRefreshPreferencesArgs{
			MinHealthyPercentage: pulumi.Int(r.MinHealthyPercentage),
			MaxHealthyPercentage: pulumi.Int(r.MaxHealthyPercentage),
			InstanceWarmup:       pulumi.String(strconv.Itoa(warmup)),
			// A refresh restarted after an interruption leaves nodes
			// already on the new version alone.
			SkipMatching: pulumi.Bool(true),
			AutoRollback: pulumi.Bool(r.AutoRollback),
		}
		if len(r.CheckpointPercentages) > 0 {
			prefs.CheckpointPercentages = pulumi.ToIntArray(r.CheckpointPercentages)
			prefs.CheckpointDelay = pulumi.String(strconv.Itoa(r.CheckpointDelaySeconds))
		}
		args.InstanceRefresh = &autoscaling.GroupInstanceRefreshArgs{Strategy: pulumi.String("Rolling"), Preferences: prefs}
	}
	if w := a.WarmPool; w != nil {
		wp := &autoscaling.GroupWarmPoolArgs{MinSize: pulumi.Int(w.MinSize), PoolState: pulumi.String(w.State)}
		if w.MaxGroupPreparedCapacity != nil {
			wp.MaxGroupPreparedCapacity = pulumi.Int(*w.MaxGroupPreparedCapacity)
		}
		args.WarmPool = wp
	}
	tags := make(autoscaling.GroupTagArray, len(p.tags))
	for i, t := range p.tags {
		tags[i] = &autoscaling.GroupTagArgs{Key: pulumi.String(t.Key), Value: pulumi.String(t.Value), PropagateAtLaunch: pulumi.Bool(t.PropagateAtLaunch)}
	}
	args.Tags = tags
	return args
}
