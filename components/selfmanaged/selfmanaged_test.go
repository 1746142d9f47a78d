package selfmanaged_test

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	nodeSG   = "sg-0123456789abcdef0"
	endpoint = "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
	ca       = "Y2VydGlmaWNhdGU="
)

const (
	typeRole       = "aws:iam/role:Role"
	typeAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeProfile    = "aws:iam/instanceProfile:InstanceProfile"
	typeEntry      = "aws:eks/accessEntry:AccessEntry"
	typeLT         = "aws:ec2/launchTemplate:LaunchTemplate"
	typeASG        = "aws:autoscaling/group:Group"
)

func cluster() nodegroup.Cluster {
	return nodegroup.Cluster{
		Name: "acme-dev", Version: "1.33", ServiceIPv4CIDR: "172.20.0.0/16", VPCCIDR: "10.20.0.0/16",
		EKSName:              pulumi.String("acme-dev"),
		Endpoint:             pulumi.String(endpoint),
		CertificateAuthority: pulumi.String(ca),
		NodeSecurityGroupID:  pulumi.String(nodeSG),
	}
}

func baseArgs() *selfmanaged.Args {
	return &selfmanaged.Args{
		Cluster:       cluster(),
		GroupName:     "workers",
		InstanceTypes: []string{"m5.large"},
		MinSize:       1, MaxSize: 5, DesiredSize: 2,
		Labels:      map[string]string{"workload": "general"},
		Taints:      []bootstrap.Taint{{Key: "dedicated", Value: "general", Effect: "NoSchedule"}},
		Volume:      nodespec.Volume{SizeGiB: 50, Type: "gp3", Encrypted: true},
		SubnetIDs:   []string{"subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"},
		Autoscaling: true,
		Tags:        map[string]string{"team": "platform"},
	}
}

// run creates one group under the fake and returns the fake and the error.
func run(t *testing.T, args *selfmanaged.Args) (*mockcloud.Cloud, error) {
	t.Helper()
	cloud := mockcloud.New(mockcloud.Options{Stack: "dev"})
	err := cloud.Run(func(ctx *pulumi.Context) error {
		_, err := selfmanaged.New(ctx, "acme-dev-workers", args)
		return err
	}, mockcloud.RunConfig{DryRun: true})
	return cloud, err
}

func mustRun(t *testing.T, args *selfmanaged.Args) *mockcloud.Cloud {
	t.Helper()
	cloud, err := run(t, args)
	if err != nil {
		t.Fatal(err)
	}
	return cloud
}

// asgTags reads the tags from the recorded ASG inputs.
func asgTags(t *testing.T, in inputs.Map) []nodespec.Tag {
	t.Helper()
	var tags []nodespec.Tag
	for _, raw := range in.List("tags") {
		m := raw.(map[string]any)
		tags = append(tags, nodespec.Tag{Key: m["key"].(string), Value: m["value"].(string), PropagateAtLaunch: m["propagateAtLaunch"].(bool)})
	}
	return tags
}

func tagMap(tags []nodespec.Tag) map[string]nodespec.Tag {
	out := map[string]nodespec.Tag{}
	for _, t := range tags {
		out[t.Key] = t
	}
	return out
}

func TestResourcesAndParenting(t *testing.T) {
	cloud := mustRun(t, baseArgs())
	var component mockcloud.Resource
	counts := map[string]int{}
	for _, r := range cloud.Resources() {
		counts[r.Type]++
		if r.Type == selfmanaged.TypeToken {
			component = r
		}
	}
	wantCounts := map[string]int{selfmanaged.TypeToken: 1, typeRole: 1, typeAttachment: 4, typeProfile: 1, typeEntry: 1, typeLT: 1, typeASG: 1}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("registered %v, want %v", counts, wantCounts)
	}
	for _, r := range cloud.Resources() {
		if r.Type != selfmanaged.TypeToken && r.Parent != component.URN {
			t.Errorf("%s is parented to %s, want the component", r.URN, r.Parent)
		}
	}
}

func TestIAMAndAccessEntry(t *testing.T) {
	cloud := mustRun(t, baseArgs())
	role, roleIn := inputs.Only(t, cloud, typeRole)
	trust, err := iampolicy.Parse(roleIn.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, &iampolicy.Principal{Service: iampolicy.Values{"ec2.amazonaws.com"}}) ||
		!reflect.DeepEqual(trust.Actions(), []string{"sts:AssumeRole"}) {
		t.Errorf("trust policy %+v does not let EC2, and only EC2, assume the role", trust)
	}
	var policies []string
	for _, att := range cloud.OfType(typeAttachment) {
		policies = append(policies, inputs.Of(att).String("policyArn"))
	}
	slices.Sort(policies)
	wantPolicies := []string{
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
	}
	if !reflect.DeepEqual(policies, wantPolicies) {
		t.Errorf("policies %v, want %v", policies, wantPolicies)
	}
	roleARN := role.Outputs["arn"].StringValue()
	_, entry := inputs.Only(t, cloud, typeEntry)
	entry.Expect(t, "type", "EC2_LINUX")
	entry.Expect(t, "principalArn", roleARN)
	entry.Expect(t, "clusterName", "acme-dev")
	_, profile := inputs.Only(t, cloud, typeProfile)
	profile.Expect(t, "role", role.Outputs["name"].StringValue())
}

func TestExistingRole(t *testing.T) {
	args := baseArgs()
	args.Role.ExistingRoleARN = "arn:aws:iam::111122223333:role/platform/eks-node"
	cloud := mustRun(t, args)
	if n := len(cloud.OfType(typeRole)) + len(cloud.OfType(typeAttachment)); n != 0 {
		t.Errorf("%d role resources created, want none for an existing role", n)
	}
	_, profile := inputs.Only(t, cloud, typeProfile)
	profile.Expect(t, "role", "eks-node")
	_, entry := inputs.Only(t, cloud, typeEntry)
	entry.Expect(t, "principalArn", args.Role.ExistingRoleARN)
}

func TestLaunchTemplate(t *testing.T) {
	cloud := mustRun(t, baseArgs())
	_, lt := inputs.Only(t, cloud, typeLT)
	lt.Expect(t, "metadataOptions.httpTokens", "required")
	lt.Expect(t, "metadataOptions.httpEndpoint", "enabled")
	lt.Expect(t, "metadataOptions.httpPutResponseHopLimit", int64(2))
	lt.Expect(t, "monitoring.enabled", true)
	lt.Expect(t, "networkInterfaces[0].associatePublicIpAddress", "false")
	lt.Expect(t, "networkInterfaces[0].securityGroups", []any{nodeSG})
	if n := len(lt.List("networkInterfaces")); n != 1 {
		t.Errorf("%d network interfaces, want 1", n)
	}
	lt.Expect(t, "blockDeviceMappings", []any{map[string]any{"deviceName": "/dev/xvda", "ebs": map[string]any{
		"volumeSize": int64(50), "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}}})
	lt.Expect(t, "instanceType", "m5.large")
	profile, _ := inputs.Only(t, cloud, typeProfile)
	lt.Expect(t, "iamInstanceProfile.arn", profile.Outputs["arn"].StringValue())

	param := "/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id"
	if !slices.Contains(cloud.Invokes(), "aws:ssm/getParameter:getParameter") {
		t.Fatalf("no SSM parameter lookup among invokes %v", cloud.Invokes())
	}
	if ami := lt.String("imageId"); !strings.HasPrefix(ami, "ami-") {
		t.Errorf("imageId %q is not the AMI from %s", ami, param)
	}
	specs := map[string]any{}
	for _, s := range lt.List("tagSpecifications") {
		m := s.(map[string]any)
		specs[m["resourceType"].(string)] = m["tags"]
	}
	for _, rt := range []string{"instance", "volume", "network-interface"} {
		tags, _ := specs[rt].(map[string]any)
		if tags["Name"] != "acme-dev-workers" || tags["kubernetes.io/cluster/acme-dev"] != "owned" || tags["team"] != "platform" {
			t.Errorf("tag specification for %s = %v", rt, specs[rt])
		}
	}
}

func TestHopLimitConfigurable(t *testing.T) {
	args := baseArgs()
	args.ImdsHopLimit = 1
	_, lt := inputs.Only(t, mustRun(t, args), typeLT)
	lt.Expect(t, "metadataOptions.httpPutResponseHopLimit", int64(1))
	lt.Expect(t, "metadataOptions.httpTokens", "required")
}

func TestExplicitAMI(t *testing.T) {
	args := baseArgs()
	args.ImageID = "ami-0123456789abcdef0"
	cloud := mustRun(t, args)
	_, lt := inputs.Only(t, cloud, typeLT)
	lt.Expect(t, "imageId", "ami-0123456789abcdef0")
	if slices.Contains(cloud.Invokes(), "aws:ssm/getParameter:getParameter") {
		t.Error("looked up the SSM parameter although the AMI is pinned")
	}
}

func TestAutoScalingGroup(t *testing.T) {
	cloud := mustRun(t, baseArgs())
	asg, in := inputs.Only(t, cloud, typeASG)
	lt, _ := inputs.Only(t, cloud, typeLT)
	if !reflect.DeepEqual(asg.IgnoreChanges, []string{"desiredCapacity", "initialLifecycleHooks"}) {
		t.Errorf("ignoreChanges = %v, want [desiredCapacity initialLifecycleHooks]", asg.IgnoreChanges)
	}
	in.Expect(t, "minSize", int64(1))
	in.Expect(t, "maxSize", int64(5))
	in.Expect(t, "desiredCapacity", int64(2))
	in.Expect(t, "vpcZoneIdentifiers", []any{"subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"})
	in.Expect(t, "launchTemplate.id", lt.ID)
	// latestVersion (1 in the fake), stringified: a new version changes the
	// group and starts a refresh, which "$Latest" would not.
	in.Expect(t, "launchTemplate.version", "1")
	in.Expect(t, "capacityRebalance", false)
	in.Expect(t, "defaultInstanceWarmup", int64(300))
	in.ExpectAbsent(t, "mixedInstancesPolicy")
	in.ExpectAbsent(t, "instanceRefresh")
	in.ExpectAbsent(t, "initialLifecycleHooks")
	in.ExpectAbsent(t, "warmPool")
	for _, dep := range []string{typeEntry, typeAttachment} {
		found := false
		for _, d := range asg.Dependencies {
			found = found || strings.Contains(d, dep)
		}
		if !found {
			t.Errorf("the ASG does not depend on the %s; nodes could boot before they may join", dep)
		}
	}
}

func TestSpotMixedInstances(t *testing.T) {
	args := baseArgs()
	args.InstanceTypes = []string{"m5.large", "m5a.large"}
	args.Spot = &nodespec.Spot{OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 10, AllocationStrategy: "capacity-optimized"}
	cloud := mustRun(t, args)
	lt, ltIn := inputs.Only(t, cloud, typeLT)
	_, in := inputs.Only(t, cloud, typeASG)
	in.Expect(t, "capacityRebalance", true)
	in.ExpectAbsent(t, "launchTemplate")
	in.Expect(t, "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId", lt.ID)
	in.Expect(t, "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version", "1")
	in.Expect(t, "mixedInstancesPolicy.launchTemplate.overrides", []any{
		map[string]any{"instanceType": "m5.large"}, map[string]any{"instanceType": "m5a.large"}})
	in.Expect(t, "mixedInstancesPolicy.instancesDistribution", map[string]any{
		"onDemandAllocationStrategy": "prioritized", "onDemandBaseCapacity": int64(1),
		"onDemandPercentageAboveBaseCapacity": int64(10), "spotAllocationStrategy": "capacity-optimized"})
	// With an On-Demand base and share, a node's capacity type is decided at
	// launch: neither the kubelet nor the autoscaler tags may claim one.
	if tag, ok := tagMap(asgTags(t, in))["k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType"]; ok {
		t.Errorf("mixed Spot/On-Demand group tagged capacityType %q", tag.Value)
	}
	node, err := userdata.DecodeBase64(bootstrap.AL2023, ltIn.String("userData"))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := node.Labels["eks.amazonaws.com/capacityType"]; ok {
		t.Errorf("mixed Spot/On-Demand group's kubelet labels set capacityType %q", v)
	}
}

func TestSpotByCapacityTypeUsesDefaults(t *testing.T) {
	args := baseArgs()
	args.CapacityType = nodegroup.Spot
	_, in := inputs.Only(t, mustRun(t, args), typeASG)
	in.Expect(t, "capacityRebalance", true)
	in.Expect(t, "mixedInstancesPolicy.instancesDistribution.spotAllocationStrategy", "price-capacity-optimized")
	in.Expect(t, "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity", int64(0))
	if tags := tagMap(asgTags(t, in)); tags["k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType"].Value != "SPOT" {
		t.Errorf("an all-Spot group lacks the SPOT capacity type label tag")
	}
}

func TestOnDemandMultiType(t *testing.T) {
	args := baseArgs()
	args.InstanceTypes = []string{"m6i.xlarge", "m6a.xlarge"}
	_, in := inputs.Only(t, mustRun(t, args), typeASG)
	in.Expect(t, "capacityRebalance", false)
	in.Expect(t, "mixedInstancesPolicy.instancesDistribution.onDemandPercentageAboveBaseCapacity", int64(100))
	in.ExpectAbsent(t, "mixedInstancesPolicy.instancesDistribution.spotAllocationStrategy")
	in.Expect(t, "mixedInstancesPolicy.launchTemplate.overrides[1].instanceType", "m6a.xlarge")
}

func TestInstanceRefresh(t *testing.T) {
	args := baseArgs()
	args.InstanceRefresh = &nodegroup.InstanceRefresh{Enabled: true, MinHealthyPercentage: 90, MaxHealthyPercentage: 120, InstanceWarmupSeconds: 240}
	_, in := inputs.Only(t, mustRun(t, args), typeASG)
	in.Expect(t, "instanceRefresh.strategy", "Rolling")
	in.Expect(t, "instanceRefresh.preferences.minHealthyPercentage", int64(90))
	in.Expect(t, "instanceRefresh.preferences.maxHealthyPercentage", int64(120))
	in.Expect(t, "instanceRefresh.preferences.instanceWarmup", "240")
	in.Expect(t, "defaultInstanceWarmup", int64(240))
	in.Expect(t, "launchTemplate.version", "1")
	in.Expect(t, "instanceRefresh.preferences.autoRollback", false)
	in.ExpectAbsent(t, "instanceRefresh.preferences.checkpointPercentages")

	// Checkpoints and auto rollback, as the Auto Scaling API takes them.
	args.InstanceRefresh.CheckpointPercentages = []int{25, 50, 100}
	args.InstanceRefresh.CheckpointDelaySeconds = 600
	args.InstanceRefresh.AutoRollback = true
	_, in = inputs.Only(t, mustRun(t, args), typeASG)
	in.Expect(t, "instanceRefresh.preferences.checkpointPercentages", []any{int64(25), int64(50), int64(100)})
	in.Expect(t, "instanceRefresh.preferences.checkpointDelay", "600")
	in.Expect(t, "instanceRefresh.preferences.autoRollback", true)

	args.InstanceRefresh.Enabled = false
	_, in = inputs.Only(t, mustRun(t, args), typeASG)
	in.ExpectAbsent(t, "instanceRefresh")
}

func TestDrainOnTermination(t *testing.T) {
	args := baseArgs()
	args.DrainOnTermination = true
	cloud := mustRun(t, args)
	asg, in := inputs.Only(t, cloud, typeASG)
	// The hook is a resource of its own: toggling drain updates the group
	// in place (an initial lifecycle hook is ForceNew: a new group).
	in.ExpectAbsent(t, "initialLifecycleHooks")
	if !slices.Contains(asg.IgnoreChanges, "initialLifecycleHooks") {
		t.Errorf("ignoreChanges = %v: groups made with an initial hook would be replaced", asg.IgnoreChanges)
	}
	_, hook := inputs.Only(t, cloud, "aws:autoscaling/lifecycleHook:LifecycleHook")
	hook.Expect(t, "name", "drain-on-termination")
	hook.Expect(t, "lifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING")
	hook.Expect(t, "defaultResult", "CONTINUE")
	hook.Expect(t, "heartbeatTimeout", int64(300))
	tag, ok := tagMap(asgTags(t, in))["aws-node-termination-handler/managed"]
	if !ok || !tag.PropagateAtLaunch {
		t.Errorf("termination handler tag = %+v (present %v), want it propagated", tag, ok)
	}
}

func TestWarmPool(t *testing.T) {
	args := baseArgs()
	limit := 4
	args.WarmPool = &nodegroup.WarmPool{MinSize: 1, State: "Stopped", MaxGroupPreparedCapacity: &limit}
	_, in := inputs.Only(t, mustRun(t, args), typeASG)
	in.Expect(t, "warmPool", map[string]any{"minSize": int64(1), "poolState": "Stopped", "maxGroupPreparedCapacity": int64(4)})
}

func TestTags(t *testing.T) {
	args := baseArgs()
	_, in := inputs.Only(t, mustRun(t, args), typeASG)
	tags := tagMap(asgTags(t, in))
	for key, wantTag := range map[string]nodespec.Tag{
		"Name":                               {Value: "acme-dev-workers", PropagateAtLaunch: true},
		"kubernetes.io/cluster/acme-dev":     {Value: "owned", PropagateAtLaunch: true},
		"team":                               {Value: "platform", PropagateAtLaunch: true},
		"k8s.io/cluster-autoscaler/enabled":  {Value: "true"},
		"k8s.io/cluster-autoscaler/acme-dev": {Value: "owned"},
		"k8s.io/cluster-autoscaler/node-template/resources/cpu":               {Value: "2"},
		"k8s.io/cluster-autoscaler/node-template/resources/memory":            {Value: "8192Mi"},
		"k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage": {Value: "50Gi"},
		"k8s.io/cluster-autoscaler/node-template/resources/pods":              {Value: "29"},
		"k8s.io/cluster-autoscaler/node-template/taint/dedicated":             {Value: "general:NoSchedule"},
	} {
		wantTag.Key = key
		if got := tags[key]; got != wantTag {
			t.Errorf("tag %s = %+v, want %+v", key, got, wantTag)
		}
	}
	for key := range tags {
		if strings.Contains(key, "eks:") {
			t.Errorf("tag %q contains eks:, which makes the autoscaler call EKS for a self-managed group", key)
		}
	}

	args.Autoscaling = false
	_, in = inputs.Only(t, mustRun(t, args), typeASG)
	for key := range tagMap(asgTags(t, in)) {
		if strings.HasPrefix(key, "k8s.io/cluster-autoscaler/") {
			t.Errorf("autoscaling off, but tag %q is set", key)
		}
	}
}

// TestTagsEqualKubeletSettings decodes the user data the launch template
// really carries and checks the ASG's node template against it, per family.
func TestTagsEqualKubeletSettings(t *testing.T) {
	for _, tc := range []struct {
		family bootstrap.Family
		arch   string
		types  []string
	}{
		{bootstrap.AL2023, "x86_64", []string{"m5.large", "m5a.large"}},
		{bootstrap.Bottlerocket, "arm64", []string{"m7g.large"}},
		{bootstrap.AL2, "x86_64", []string{"m5.large"}},
	} {
		t.Run(string(tc.family), func(t *testing.T) {
			args := baseArgs()
			args.AMIFamily, args.Architecture, args.InstanceTypes = tc.family, tc.arch, tc.types
			args.CapacityType = nodegroup.Spot
			args.Labels = map[string]string{"workload": "batch", "example.com/team": "data"}
			args.Taints = []bootstrap.Taint{{Key: "batch", Value: "true", Effect: "NoSchedule"}, {Key: "example.com/gpu", Effect: "NoExecute"}}
			if tc.family == bootstrap.AL2 {
				args.Cluster.Version = "1.32"
			}
			cloud := mustRun(t, args)
			_, lt := inputs.Only(t, cloud, typeLT)
			_, asg := inputs.Only(t, cloud, typeASG)
			node, err := userdata.DecodeBase64(tc.family, lt.String("userData"))
			if err != nil {
				t.Fatal(err)
			}
			tmpl := nodespec.NodeTemplate(asgTags(t, asg))
			if !reflect.DeepEqual(tmpl.Labels, node.Labels) {
				t.Errorf("node-template labels %v\nkubelet labels       %v", tmpl.Labels, node.Labels)
			}
			if !reflect.DeepEqual(tmpl.Taints, node.Taints) {
				t.Errorf("node-template taints %v\nkubelet taints       %v", tmpl.Taints, node.Taints)
			}
			wantPods, _ := instancetypes.MaxPodsFor(tc.types, instancetypes.NetworkMode{})
			if node.MaxPods != wantPods || tagMap(asgTags(t, asg))["k8s.io/cluster-autoscaler/node-template/resources/pods"].Value != strconv.Itoa(wantPods) {
				t.Errorf("max pods: kubelet %d, tag %q, want %d", node.MaxPods, tagMap(asgTags(t, asg))["k8s.io/cluster-autoscaler/node-template/resources/pods"].Value, wantPods)
			}
			if node.ClusterName != "acme-dev" || node.Endpoint != endpoint || node.CertificateAuthority != ca {
				t.Errorf("user data joins %q at %q with CA %q", node.ClusterName, node.Endpoint, node.CertificateAuthority)
			}
		})
	}
}

func TestBottlerocketDataVolume(t *testing.T) {
	args := baseArgs()
	args.AMIFamily, args.Architecture, args.InstanceTypes = bootstrap.Bottlerocket, "arm64", []string{"m7g.large"}
	args.Volume = nodespec.Volume{SizeGiB: 100, Type: "gp3", Encrypted: true}
	cloud := mustRun(t, args)
	_, lt := inputs.Only(t, cloud, typeLT)
	lt.Expect(t, "blockDeviceMappings", []any{
		map[string]any{"deviceName": "/dev/xvda", "ebs": map[string]any{"volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}},
		map[string]any{"deviceName": "/dev/xvdb", "ebs": map[string]any{"volumeSize": int64(100), "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}},
	})
	node, err := userdata.DecodeBase64(bootstrap.Bottlerocket, lt.String("userData"))
	if err != nil {
		t.Fatal(err)
	}
	if node.ClusterDNSIP != "172.20.0.10" {
		t.Errorf("cluster DNS %q, want 172.20.0.10", node.ClusterDNSIP)
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*selfmanaged.Args)
		want   string
	}{
		{"update config is managed-only", func(a *selfmanaged.Args) { a.UpdateConfig = &nodegroup.UpdateConfig{MaxUnavailable: 1} }, "Args.UpdateConfig is for managed node groups"},
		{"warm pool with spot", func(a *selfmanaged.Args) {
			a.CapacityType = nodegroup.Spot
			a.WarmPool = &nodegroup.WarmPool{State: "Stopped"}
		}, "Args.WarmPool cannot be combined with Spot"},
		{"warm pool state", func(a *selfmanaged.Args) { a.WarmPool = &nodegroup.WarmPool{State: "Frozen"} }, `Args.WarmPool.State "Frozen"`},
		{"restricted label", func(a *selfmanaged.Args) { a.Labels = map[string]string{"node-role.kubernetes.io/worker": ""} }, "kubelet refuses self-set labels"},
		{"desired above max", func(a *selfmanaged.Args) { a.DesiredSize = 9 }, "Args.DesiredSize 9 must be between Args.MinSize 1 and Args.MaxSize 5"},
		{"arch mismatch", func(a *selfmanaged.Args) { a.InstanceTypes = []string{"m7g.large"} }, `Args.InstanceTypes[0] "m7g.large" is arm64`},
		{"AL2 on 1.33", func(a *selfmanaged.Args) { a.AMIFamily = bootstrap.AL2 }, "no AL2 AMIs for 1.33"},
		{"bad existing role", func(a *selfmanaged.Args) { a.Role.ExistingRoleARN = "eks-node" }, "Args.Role.ExistingRoleARN"},
		{"kubelet flag on Bottlerocket", func(a *selfmanaged.Args) {
			a.AMIFamily, a.Architecture, a.InstanceTypes = bootstrap.Bottlerocket, "arm64", []string{"m7g.large"}
			a.KubeletExtraArgs = []string{"--v=2"}
		}, "kubeletExtraArgs are not supported on Bottlerocket"},
		{"eks: tag", func(a *selfmanaged.Args) { a.Tags = map[string]string{"eks:nodegroup-name": "x"} }, `contains "eks:"`},
		{"no subnets", func(a *selfmanaged.Args) { a.SubnetIDs = nil }, "Args.SubnetIDs is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			cloud, err := run(t, args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), `self-managed node group "acme-dev-workers"`) {
				t.Errorf("error %q does not name the group", err)
			}
			if n := len(cloud.Resources()); n != 0 {
				t.Errorf("%d resources registered before the error, want none", n)
			}
		})
	}
}
