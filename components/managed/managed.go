// Package managed is the EKS managed node group component: an
// aws.eks.NodeGroup from pulumi-aws with its own launch template (IMDSv2,
// encrypted volumes, no public IP, tags) and node IAM role, and, beyond
// what pulumi-eks, terraform-aws-eks and the EKS API offer, the Cluster
// Autoscaler's tags on the Auto Scaling Group EKS creates for the group.
//
// EKS does not copy node group tags to that ASG (aws/containers-roadmap#608,
// pulumi/pulumi-eks#658, terraform-aws-eks#2597), so a managed group could
// not scale from zero for pods that select its labels or tolerate its
// taints. This component writes one aws.autoscaling.Tag per tag onto the
// ASG, keyed on the ASG name the node group reports, computed by the same
// function (nodespec.ASGTags) from the same labels and taints as the node
// group's own.
package managed

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/internal/names"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TypeToken is the Pulumi type of the component.
const TypeToken = "eksfleet:index:ManagedNodeGroup"

// Args configures a managed node group; see nodegroup.Args. The
// self-managed-only fields (Spot, InstanceRefresh, DrainOnTermination,
// WarmPool, ImageID) are refused: EKS picks the AMI, rolls and drains nodes
// itself, and takes Spot through CapacityType and InstanceTypes.
type Args = nodegroup.Args

// ManagedNodeGroup is a provisioned managed node group.
type ManagedNodeGroup struct {
	pulumi.ResourceState

	// NodeGroupName and NodeGroupARN identify the EKS node group.
	NodeGroupName pulumi.StringOutput `pulumi:"nodeGroupName"`
	NodeGroupARN  pulumi.StringOutput `pulumi:"nodeGroupArn"`
	// ASGName is the Auto Scaling Group EKS created; ASGARN is read back
	// from Auto Scaling once the name is known.
	ASGName pulumi.StringOutput `pulumi:"asgName"`
	ASGARN  pulumi.StringOutput `pulumi:"asgArn"`
	// LaunchTemplateID is the group's launch template.
	LaunchTemplateID pulumi.StringOutput `pulumi:"launchTemplateId"`
	// RoleARN is the node role.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// AMIRelease is the node image release the group runs (EKS
	// releaseVersion): the pinned one or the recommended one.
	AMIRelease pulumi.StringOutput `pulumi:"amiRelease"`

	// Tags are the tags written onto the EKS-created ASG.
	Tags []nodespec.Tag
	// NodeGroup is the EKS node group itself. Depend on it (not on the
	// component) to order work after the nodes: the SDK expands a
	// component dependency to the children registered so far, which is
	// racy while their registrations are still in flight.
	NodeGroup *awseks.NodeGroup
}

// New creates a managed node group. All arguments are checked before
// anything is registered; the error lists every problem.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*ManagedNodeGroup, error) {
	if args == nil {
		return nil, nodegroup.Wrap("managed node group", name, errors.New("args are required"))
	}
	a := *args
	plan, err := prepare(&a)
	if err != nil {
		return nil, nodegroup.Wrap("managed node group", name, err)
	}

	g := &ManagedNodeGroup{Tags: plan.asgTags}
	if err := ctx.RegisterComponentResource(TypeToken, name, g, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(g)
	tags := pulumi.ToStringMap(a.Tags)

	// EKS creates the instance profile and the EC2_LINUX access entry for a
	// managed group's role itself.
	role, err := nodegroup.NewRole(ctx, name, &a, tags, false, g)
	if err != nil {
		return nil, err
	}

	ltArgs, err := nodegroup.LaunchTemplateArgs(&a, nodegroup.LaunchTemplate{
		Description:  fmt.Sprintf("EKS cluster %s, managed node group %s", a.Cluster.Name, a.GroupName),
		UserData:     plan.userData,
		InstanceTags: nodegroup.InstanceTags(&a),
	}, tags)
	if err != nil {
		return nil, err
	}
	ltArgs.NamePrefix = names.PrefixInput("aws:ec2/launchTemplate:LaunchTemplate", name)
	lt, err := ec2.NewLaunchTemplate(ctx, name, ltArgs, parent, pulumi.DependsOn(a.Cluster.NetworkReady))
	if err != nil {
		return nil, err
	}

	// EKS updates a group's AMI only when asked: sending the recommended
	// release (or the pinned one) on every run is what rolls new AMIs.
	release := pulumi.String(a.AMIReleaseVersion).ToStringOutput()
	if a.AMIReleaseVersion == "" {
		release = ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{
			Name:           pulumi.String(plan.releaseParameter),
			WithDecryption: pulumi.Bool(false),
		}, parent).InsecureValue()
	}
	desired, resize := nodegroup.Sizing(&a)
	ignore := []string{}
	if !resize {
		// The Cluster Autoscaler owns the size after creation.
		ignore = append(ignore, "scalingConfig.desiredSize")
	}
	ng, err := awseks.NewNodeGroup(ctx, name, &awseks.NodeGroupArgs{
		ReleaseVersion: release,
		// Only when <name>-<7> would exceed the 63 characters EKS allows; a
		// prefix (not a fixed name) so a replacement does not collide.
		NodeGroupNamePrefix: names.PrefixInput("aws:eks/nodeGroup:NodeGroup", name),
		ClusterName:         a.Cluster.EKSName,
		Version:             pulumi.String(a.Cluster.Version),
		NodeRoleArn:         role.ARN,
		SubnetIds:           pulumi.ToStringArray(a.SubnetIDs),
		AmiType:             pulumi.String(plan.amiType),
		CapacityType:        pulumi.String(plan.capacityType),
		InstanceTypes:       pulumi.ToStringArray(a.InstanceTypes),
		ScalingConfig: &awseks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(a.MinSize),
			MaxSize:     pulumi.Int(a.MaxSize),
			DesiredSize: pulumi.Int(desired),
		},
		UpdateConfig: plan.updateConfig,
		// EKS node auto repair replaces nodes that stay unhealthy.
		NodeRepairConfig: &awseks.NodeGroupNodeRepairConfigArgs{Enabled: pulumi.Bool(a.NodeRepair)},
		Labels:           pulumi.ToStringMap(a.Labels),
		Taints:           plan.taints,
		LaunchTemplate: &awseks.NodeGroupLaunchTemplateArgs{
			Id: lt.ID(),
			// A new template version rolls the group's nodes (EKS drains them).
			Version: lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		Tags: tags,
	}, parent,
		// Nodes cannot join or pull images before the policies are attached,
		// nor get the right pod networking before the VPC CNI is configured.
		pulumi.DependsOn(append(append([]pulumi.Resource{}, role.Ready...), a.Cluster.NetworkReady...)),
		pulumi.IgnoreChanges(ignore))
	if err != nil {
		return nil, err
	}

	asgName := ng.Resources.Index(pulumi.Int(0)).AutoscalingGroups().Index(pulumi.Int(0)).Name().Elem()
	for _, t := range plan.asgTags {
		if _, err := autoscaling.NewTag(ctx, name+"-asg-"+t.Key, &autoscaling.TagArgs{
			AutoscalingGroupName: asgName,
			Tag: &autoscaling.TagTagArgs{
				Key:               pulumi.String(t.Key),
				Value:             pulumi.String(t.Value),
				PropagateAtLaunch: pulumi.Bool(t.PropagateAtLaunch),
			},
		}, parent); err != nil {
			return nil, err
		}
	}

	g.NodeGroupName, g.NodeGroupARN = ng.NodeGroupName, ng.Arn
	g.NodeGroup = ng
	g.ASGName = asgName
	g.ASGARN = autoscaling.LookupGroupOutput(ctx, autoscaling.LookupGroupOutputArgs{Name: asgName}, parent).Arn()
	g.LaunchTemplateID = lt.ID().ToStringOutput()
	g.RoleARN = role.ARN
	g.AMIRelease = release
	if err := ctx.RegisterResourceOutputs(g, nodegroup.WithResize(pulumi.Map{
		"amiRelease":       g.AMIRelease,
		"nodeGroupName":    g.NodeGroupName,
		"nodeGroupArn":     g.NodeGroupARN,
		"asgName":          g.ASGName,
		"asgArn":           g.ASGARN,
		"launchTemplateId": g.LaunchTemplateID,
		"roleArn":          g.RoleARN,
	}, &a, desired, resize)); err != nil {
		return nil, err
	}
	return g, nil
}

// groupPlan is everything decided before registration.
type groupPlan struct {
	amiType, capacityType string
	taints                awseks.NodeGroupTaintArray
	updateConfig          *awseks.NodeGroupUpdateConfigArgs
	userData              pulumi.StringPtrInput
	asgTags               []nodespec.Tag
	releaseParameter      string // SSM parameter of the recommended release
}

func prepare(a *Args) (*groupPlan, error) {
	errs := []error{a.Validate()}
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Spot != nil {
		add("Args.Spot is for self-managed groups; a managed group runs on Spot with Args.CapacityType SPOT and takes its instance types from Args.InstanceTypes")
	}
	if a.InstanceRefresh != nil {
		add("Args.InstanceRefresh is for self-managed groups; EKS rolls a managed group's nodes itself, Args.UpdateConfig limits how many at once")
	}
	if a.DrainOnTermination {
		add("Args.DrainOnTermination is for self-managed groups; EKS drains a managed group's nodes itself")
	}
	if a.WarmPool != nil {
		add("Args.WarmPool is for self-managed groups")
	}
	if a.ImageID != "" {
		add("Args.ImageID %q: a managed group takes its AMI from Args.AMIFamily and Args.Architecture (EKS amiType), so EKS can roll AMI updates", a.ImageID)
	}
	if u := a.UpdateConfig; u != nil {
		switch {
		case u.MaxUnavailable != 0 && u.MaxUnavailablePercentage != 0:
			add("Args.UpdateConfig sets both MaxUnavailable %d and MaxUnavailablePercentage %d; choose one", u.MaxUnavailable, u.MaxUnavailablePercentage)
		case u.MaxUnavailable < 0 || u.MaxUnavailable > 100:
			add("Args.UpdateConfig.MaxUnavailable %d must be 1-100", u.MaxUnavailable)
		case u.MaxUnavailablePercentage < 0 || u.MaxUnavailablePercentage > 100:
			add("Args.UpdateConfig.MaxUnavailablePercentage %d must be 1-100", u.MaxUnavailablePercentage)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	p := &groupPlan{capacityType: nodegroup.OnDemand}
	if a.CapacityType != "" {
		p.capacityType = a.CapacityType
	}
	var err error
	if _, err := nodespec.ParseRelease(a.Family(), a.Cluster.Version, a.AMIReleaseVersion); err != nil {
		return nil, fmt.Errorf("Args.AMIReleaseVersion: %w", err)
	}
	if p.releaseParameter, err = nodespec.ReleaseParameter(a.Family(), a.Arch(), a.Cluster.Version); err != nil {
		return nil, fmt.Errorf("Args.AMIFamily %q: %w", a.AMIFamily, err)
	}
	if p.amiType, err = nodespec.AMIType(a.Family(), a.Arch()); err != nil {
		return nil, fmt.Errorf("Args.AMIFamily %q: %w", a.AMIFamily, err)
	}
	for _, t := range a.Taints {
		effect, err := nodespec.EKSTaintEffect(t.Effect)
		if err != nil {
			return nil, fmt.Errorf("Args.Taints %q: %w", t.Key, err)
		}
		taint := &awseks.NodeGroupTaintArgs{Key: pulumi.String(t.Key), Effect: pulumi.String(effect)}
		if t.Value != "" {
			taint.Value = pulumi.String(t.Value)
		}
		p.taints = append(p.taints, taint)
	}
	p.updateConfig = &awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)}
	if u := a.UpdateConfig; u != nil && u.MaxUnavailablePercentage > 0 {
		p.updateConfig = &awseks.NodeGroupUpdateConfigArgs{MaxUnavailablePercentage: pulumi.Int(u.MaxUnavailablePercentage)}
	} else if u != nil && u.MaxUnavailable > 0 {
		p.updateConfig.MaxUnavailable = pulumi.Int(u.MaxUnavailable)
	}

	if p.userData, err = userData(a); err != nil {
		return nil, err
	}

	// The node template's pods: EKS's own max pods for the group (the same
	// capped formula) unless overridden; left out if it cannot be computed.
	pods, _ := a.MaxPodsValue()
	p.asgTags, err = nodespec.ASGTags(nodespec.TagInput{
		ClusterName: a.Cluster.Name,
		Managed:     true,
		Autoscaling: a.Autoscaling,
		Scheduling:  a.Scheduling(),
		Resources:   nodespec.TemplateResources(a.InstanceTypes, a.Volume.SizeGiB, pods),
	})
	if err != nil {
		return nil, fmt.Errorf("computing the Auto Scaling Group tags: %w", err)
	}
	return p, nil
}

// userData renders what a managed group adds to EKS's own user data, or
// nil when EKS's defaults suffice. Max pods is written when the VPC CNI
// mode needs it (EKS's default ignores custom networking and prefix
// delegation) or Args.MaxPods asks for it, and whenever a part is written
// at all, so the part never carries a zero max pods.
func userData(a *Args) (pulumi.StringPtrInput, error) {
	needMaxPods := a.MaxPods > 0 || a.Cluster.Network.CustomNetworking || a.Cluster.Network.PrefixDelegation
	if !needMaxPods && len(a.KubeletExtraArgs) == 0 && len(a.PreBootstrapCommands) == 0 && a.Cluster.Proxy == nil {
		return nil, nil
	}
	if a.Family() == bootstrap.AL2 {
		return nil, errors.New("Args.AMIFamily AL2: a managed AL2 group cannot take max pods, kubelet flags, pre-bootstrap commands or a proxy (EKS writes its bootstrap.sh call itself); use AL2023 or Bottlerocket")
	}
	maxPods, err := a.MaxPodsValue()
	if err != nil {
		return nil, err
	}
	out, err := nodegroup.UserData(a.Cluster, bootstrap.Input{
		Family:            a.Family(),
		Managed:           true,
		Cluster:           nodegroup.BootstrapCluster(a.Cluster),
		Proxy:             a.Cluster.Proxy,
		AMIReleaseVersion: a.AMIReleaseVersion,
		CustomNetworking:  a.Cluster.Network.CustomNetworking,
		PrefixDelegation:  a.Cluster.Network.PrefixDelegation,
		Node: bootstrap.Node{
			MaxPods:              maxPods,
			KubeletExtraArgs:     a.KubeletExtraArgs,
			PreBootstrapCommands: a.PreBootstrapCommands,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("node settings: %w", err)
	}
	return out, nil
}
