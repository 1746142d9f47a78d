package managed_test

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/managed"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

const (
	typeRole       = "aws:iam/role:Role"
	typeAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeLT         = "aws:ec2/launchTemplate:LaunchTemplate"
	typeNodeGroup  = "aws:eks/nodeGroup:NodeGroup"
	typeTag        = "aws:autoscaling/tag:Tag"
	nodeSG         = "sg-0123456789abcdef0"
)

func baseArgs() *managed.Args {
	return &managed.Args{
		Cluster: nodegroup.Cluster{
			Name: "acme-dev", Version: "1.33", ServiceIPv4CIDR: "172.20.0.0/16", VPCCIDR: "10.20.0.0/16",
			EKSName:              pulumi.String("acme-dev"),
			Endpoint:             pulumi.String("https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"),
			CertificateAuthority: pulumi.String("Y2VydGlmaWNhdGU="),
			NodeSecurityGroupID:  pulumi.String(nodeSG),
		},
		GroupName:     "system",
		InstanceTypes: []string{"m6i.large"},
		MinSize:       1, MaxSize: 3, DesiredSize: 2,
		Labels:      map[string]string{"workload": "system"},
		Taints:      []bootstrap.Taint{{Key: "CriticalAddonsOnly", Value: "true", Effect: "NoSchedule"}, {Key: "example.com/quiet", Effect: "PreferNoSchedule"}},
		Volume:      nodespec.Volume{SizeGiB: 50, Type: "gp3", Encrypted: true},
		SubnetIDs:   []string{"subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"},
		Autoscaling: true,
		Tags:        map[string]string{"team": "platform"},
	}
}

// outputs holds the component's outputs, awaited inside the run.
type outputs struct{ nodeGroupName, asgName, asgARN, roleARN string }

func run(t *testing.T, args *managed.Args) (*mockcloud.Cloud, outputs, error) {
	t.Helper()
	cloud := mockcloud.New(mockcloud.Options{Stack: "dev"})
	var out outputs
	err := cloud.Run(func(ctx *pulumi.Context) error {
		g, err := managed.New(ctx, "acme-dev-system", args)
		if err != nil {
			return err
		}
		for dst, o := range map[*string]pulumi.StringOutput{&out.nodeGroupName: g.NodeGroupName, &out.asgName: g.ASGName, &out.asgARN: g.ASGARN, &out.roleARN: g.RoleARN} {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
			if err != nil {
				return err
			}
			if r.Known {
				*dst = r.Value.(string)
			}
		}
		return nil
	}, mockcloud.RunConfig{DryRun: true})
	return cloud, out, err
}

func mustRun(t *testing.T, args *managed.Args) (*mockcloud.Cloud, outputs) {
	t.Helper()
	cloud, out, err := run(t, args)
	if err != nil {
		t.Fatal(err)
	}
	return cloud, out
}

// asgTags reads the aws.autoscaling.Tag resources back, checking each
// targets asgName.
func asgTags(t *testing.T, cloud *mockcloud.Cloud, asgName string) []nodespec.Tag {
	t.Helper()
	var tags []nodespec.Tag
	for _, r := range cloud.OfType(typeTag) {
		in := inputs.Of(r)
		if got := in.String("autoscalingGroupName"); got != asgName {
			t.Errorf("tag %s targets ASG %q, want %q", r.Name, got, asgName)
		}
		tags = append(tags, nodespec.Tag{Key: in.String("tag.key"), Value: in.String("tag.value"), PropagateAtLaunch: in.String("tag.propagateAtLaunch") == "true"})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags
}

func TestResources(t *testing.T) {
	cloud, out := mustRun(t, baseArgs())
	counts := map[string]int{}
	var component mockcloud.Resource
	for _, r := range cloud.Resources() {
		counts[r.Type]++
		if r.Type == managed.TypeToken {
			component = r
		}
	}
	for typ, n := range map[string]int{managed.TypeToken: 1, typeRole: 1, typeAttachment: 4, typeLT: 1, typeNodeGroup: 1} {
		if counts[typ] != n {
			t.Errorf("%d of %s, want %d (all: %v)", counts[typ], typ, n, counts)
		}
	}
	for _, typ := range []string{"aws:iam/instanceProfile:InstanceProfile", "aws:eks/accessEntry:AccessEntry", "aws:autoscaling/group:Group"} {
		if counts[typ] != 0 {
			t.Errorf("%d of %s; EKS creates these for a managed group", counts[typ], typ)
		}
	}
	for _, r := range cloud.Resources() {
		if r.Type != managed.TypeToken && r.Parent != component.URN {
			t.Errorf("%s is parented to %s, want the component", r.URN, r.Parent)
		}
	}
	if !strings.HasPrefix(out.asgName, "eks-") || !strings.Contains(out.asgARN, ":autoScalingGroupName/"+out.asgName) {
		t.Errorf("ASG name %q, ARN %q", out.asgName, out.asgARN)
	}
	role, _ := inputs.Only(t, cloud, typeRole)
	if out.roleARN != role.Outputs["arn"].StringValue() || out.nodeGroupName == "" {
		t.Errorf("outputs %+v", out)
	}
}

func TestNodeGroup(t *testing.T) {
	cloud, out := mustRun(t, baseArgs())
	ng, in := inputs.Only(t, cloud, typeNodeGroup)
	lt, _ := inputs.Only(t, cloud, typeLT)
	if !reflect.DeepEqual(ng.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("ignoreChanges = %v, want [scalingConfig.desiredSize]", ng.IgnoreChanges)
	}
	in.Expect(t, "clusterName", "acme-dev")
	in.Expect(t, "version", "1.33")
	in.Expect(t, "amiType", "AL2023_x86_64_STANDARD")
	in.Expect(t, "capacityType", "ON_DEMAND")
	in.Expect(t, "instanceTypes", []any{"m6i.large"})
	in.Expect(t, "scalingConfig", map[string]any{"minSize": int64(1), "maxSize": int64(3), "desiredSize": int64(2)})
	in.Expect(t, "labels", map[string]any{"workload": "system"})
	in.Expect(t, "taints", []any{
		map[string]any{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"},
		map[string]any{"key": "example.com/quiet", "effect": "PREFER_NO_SCHEDULE"},
	})
	in.Expect(t, "updateConfig", map[string]any{"maxUnavailable": int64(1)})
	in.Expect(t, "nodeRepairConfig", map[string]any{"enabled": false})
	in.Expect(t, "nodeRoleArn", out.roleARN)
	in.Expect(t, "subnetIds", []any{"subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"})
	in.Expect(t, "launchTemplate.id", lt.ID)
	in.Expect(t, "launchTemplate.version", "1")
	found := false
	for _, d := range ng.Dependencies {
		found = found || strings.Contains(d, typeAttachment)
	}
	if !found {
		t.Error("the node group does not wait for the role's policy attachments")
	}
}

func TestAMITypeAndCapacity(t *testing.T) {
	args := baseArgs()
	args.AMIFamily, args.Architecture, args.InstanceTypes = bootstrap.Bottlerocket, "arm64", []string{"m7g.large", "m6g.large"}
	args.CapacityType = nodegroup.Spot
	args.UpdateConfig = &nodegroup.UpdateConfig{MaxUnavailablePercentage: 25}
	cloud, _ := mustRun(t, args)
	_, in := inputs.Only(t, cloud, typeNodeGroup)
	in.Expect(t, "amiType", "BOTTLEROCKET_ARM_64")
	in.Expect(t, "capacityType", "SPOT")
	in.Expect(t, "instanceTypes", []any{"m7g.large", "m6g.large"})
	in.Expect(t, "updateConfig", map[string]any{"maxUnavailablePercentage": int64(25)})
	_, lt := inputs.Only(t, cloud, typeLT)
	lt.Expect(t, "blockDeviceMappings[1].deviceName", "/dev/xvdb")
}

func TestLaunchTemplate(t *testing.T) {
	cloud, _ := mustRun(t, baseArgs())
	_, lt := inputs.Only(t, cloud, typeLT)
	lt.Expect(t, "metadataOptions.httpTokens", "required")
	lt.Expect(t, "metadataOptions.httpPutResponseHopLimit", int64(2))
	lt.Expect(t, "blockDeviceMappings[0].deviceName", "/dev/xvda")
	lt.Expect(t, "blockDeviceMappings[0].ebs.encrypted", "true")
	lt.Expect(t, "blockDeviceMappings[0].ebs.volumeType", "gp3")
	lt.Expect(t, "networkInterfaces[0].associatePublicIpAddress", "false")
	lt.Expect(t, "networkInterfaces[0].securityGroups", []any{nodeSG})
	lt.Expect(t, "tagSpecifications[0].tags.Name", "acme-dev-system")
	// EKS sets these from the node group; a launch template that set them
	// would pin the AMI and instance type.
	for _, path := range []string{"imageId", "instanceType", "iamInstanceProfile", "userData"} {
		lt.ExpectAbsent(t, path)
	}
}

func TestNodeConfigForCustomNetworking(t *testing.T) {
	args := baseArgs()
	args.Cluster.Network = instancetypes.NetworkMode{CustomNetworking: true}
	args.KubeletExtraArgs = []string{"--image-gc-high-threshold=80"}
	cloud, _ := mustRun(t, args)
	_, lt := inputs.Only(t, cloud, typeLT)
	node, err := userdata.DecodeBase64(bootstrap.AL2023, lt.String("userData"))
	if err != nil {
		t.Fatal(err)
	}
	if node.MaxPods != 20 {
		t.Errorf("max pods %d, want 20 (m6i.large with custom networking)", node.MaxPods)
	}
	if node.ClusterName != "" || node.Endpoint != "" {
		t.Errorf("managed NodeConfig carries a cluster block (%q, %q); EKS adds it", node.ClusterName, node.Endpoint)
	}
	if len(node.Labels) != 0 || len(node.Taints) != 0 {
		t.Errorf("labels %v and taints %v in user data; a managed group sets them through the API", node.Labels, node.Taints)
	}
	if !slices.Equal(node.KubeletFlags, args.KubeletExtraArgs) {
		t.Errorf("kubelet flags %v, want %v", node.KubeletFlags, args.KubeletExtraArgs)
	}
}

func TestBottlerocketPrefixDelegation(t *testing.T) {
	args := baseArgs()
	args.AMIFamily, args.Architecture, args.InstanceTypes = bootstrap.Bottlerocket, "arm64", []string{"m7g.large"}
	args.Cluster.Network = instancetypes.NetworkMode{PrefixDelegation: true}
	cloud, _ := mustRun(t, args)
	_, lt := inputs.Only(t, cloud, typeLT)
	node, err := userdata.DecodeBase64(bootstrap.Bottlerocket, lt.String("userData"))
	if err != nil {
		t.Fatal(err)
	}
	if node.MaxPods != 110 || node.ClusterName != "" {
		t.Errorf("Bottlerocket settings: max pods %d, cluster %q; want 110 and no cluster keys", node.MaxPods, node.ClusterName)
	}
}

// TestASGTags: the tags on the EKS-created ASG agree with the labels and
// taints the node group API applies (plus the capacity type EKS adds).
func TestASGTags(t *testing.T) {
	for _, capacity := range []string{nodegroup.OnDemand, nodegroup.Spot} {
		t.Run(capacity, func(t *testing.T) {
			args := baseArgs()
			args.CapacityType = capacity
			cloud, out := mustRun(t, args)
			tags := asgTags(t, cloud, out.asgName)
			_, ng := inputs.Only(t, cloud, typeNodeGroup)

			wantLabels := map[string]string{"eks.amazonaws.com/capacityType": capacity}
			apiLabels, _ := ng.Get("labels")
			for k, v := range apiLabels.(map[string]any) {
				wantLabels[k] = v.(string)
			}
			var wantTaints []bootstrap.Taint
			for _, raw := range ng.List("taints") {
				m := raw.(map[string]any)
				value, _ := m["value"].(string)
				wantTaints = append(wantTaints, bootstrap.Taint{Key: m["key"].(string), Value: value, Effect: kubernetesEffect(m["effect"].(string))})
			}
			sort.Slice(wantTaints, func(i, j int) bool { return wantTaints[i].Key < wantTaints[j].Key })

			tmpl := nodespec.NodeTemplate(tags)
			if !reflect.DeepEqual(tmpl.Labels, wantLabels) {
				t.Errorf("node-template labels %v\nnode group labels    %v", tmpl.Labels, wantLabels)
			}
			if !reflect.DeepEqual(tmpl.Taints, wantTaints) {
				t.Errorf("node-template taints %v\nnode group taints    %v", tmpl.Taints, wantTaints)
			}
			byKey := map[string]string{}
			for _, tag := range tags {
				byKey[tag.Key] = tag.Value
				if tag.PropagateAtLaunch {
					t.Errorf("tag %s propagates; the autoscaler reads the ASG's own tags", tag.Key)
				}
			}
			for k, v := range map[string]string{
				"k8s.io/cluster-autoscaler/enabled":                                   "true",
				"k8s.io/cluster-autoscaler/acme-dev":                                  "owned",
				"k8s.io/cluster-autoscaler/node-template/resources/cpu":               "2",
				"k8s.io/cluster-autoscaler/node-template/resources/memory":            "8192Mi",
				"k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage": "50Gi",
				"k8s.io/cluster-autoscaler/node-template/resources/pods":              "29",
			} {
				if byKey[k] != v {
					t.Errorf("tag %s = %q, want %q", k, byKey[k], v)
				}
			}
			if len(tags) != len(byKey) {
				t.Errorf("%d tag resources for %d keys", len(tags), len(byKey))
			}
		})
	}
}

func kubernetesEffect(eks string) string {
	return map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}[eks]
}

func TestNoAutoscalingNoTags(t *testing.T) {
	args := baseArgs()
	args.Autoscaling = false
	cloud, _ := mustRun(t, args)
	if n := len(cloud.OfType(typeTag)); n != 0 {
		t.Errorf("%d ASG tags for a group without autoscaling", n)
	}
}

func TestExistingRole(t *testing.T) {
	args := baseArgs()
	args.Role.ExistingRoleARN = "arn:aws:iam::111122223333:role/eks-node"
	cloud, _ := mustRun(t, args)
	if n := len(cloud.OfType(typeRole)) + len(cloud.OfType(typeAttachment)); n != 0 {
		t.Errorf("%d role resources for an existing role", n)
	}
	_, in := inputs.Only(t, cloud, typeNodeGroup)
	in.Expect(t, "nodeRoleArn", args.Role.ExistingRoleARN)
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*managed.Args)
		want   string
	}{
		{"spot distribution", func(a *managed.Args) { a.Spot = &nodespec.Spot{} }, "Args.Spot is for self-managed groups"},
		{"instance refresh", func(a *managed.Args) { a.InstanceRefresh = &nodegroup.InstanceRefresh{Enabled: true} }, "Args.InstanceRefresh is for self-managed groups"},
		{"drain", func(a *managed.Args) { a.DrainOnTermination = true }, "Args.DrainOnTermination is for self-managed groups"},
		{"warm pool", func(a *managed.Args) { a.WarmPool = &nodegroup.WarmPool{State: "Stopped"} }, "Args.WarmPool is for self-managed groups"},
		{"pinned AMI", func(a *managed.Args) { a.ImageID = "ami-0123456789abcdef0" }, `Args.ImageID "ami-0123456789abcdef0"`},
		{"both update limits", func(a *managed.Args) {
			a.UpdateConfig = &nodegroup.UpdateConfig{MaxUnavailable: 1, MaxUnavailablePercentage: 10}
		}, "choose one"},
		{"AL2 needing user data", func(a *managed.Args) {
			a.AMIFamily, a.Cluster.Version = bootstrap.AL2, "1.32"
			a.Cluster.Network.CustomNetworking = true
		}, "a managed AL2 group cannot take max pods"},
		{"bad taint effect", func(a *managed.Args) { a.Taints = []bootstrap.Taint{{Key: "k", Effect: "NO_SCHEDULE"}} }, `effect "NO_SCHEDULE" is not one of`},
		{"several problems at once", func(a *managed.Args) { a.DrainOnTermination = true; a.MinSize = 9 }, "Args.MinSize 9 is greater than Args.MaxSize 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			cloud, _, err := run(t, args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), `managed node group "acme-dev-system"`) {
				t.Errorf("error %q does not name the group", err)
			}
			if n := len(cloud.Resources()); n != 0 {
				t.Errorf("%d resources registered before the error, want none", n)
			}
		})
	}
}

func TestAL2WithoutUserDataIsFine(t *testing.T) {
	args := baseArgs()
	args.AMIFamily, args.Cluster.Version = bootstrap.AL2, "1.32"
	cloud, _ := mustRun(t, args)
	_, in := inputs.Only(t, cloud, typeNodeGroup)
	in.Expect(t, "amiType", "AL2_x86_64")
}

// TestNodeRepair: EKS node auto repair is switched on through the node
// group API (nodeRepairConfig), in place.
func TestNodeRepair(t *testing.T) {
	args := baseArgs()
	args.NodeRepair = true
	cloud, _ := mustRun(t, args)
	_, in := inputs.Only(t, cloud, typeNodeGroup)
	in.Expect(t, "nodeRepairConfig", map[string]any{"enabled": true})
}
