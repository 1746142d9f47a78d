package nodespec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/nodespec"
)

func TestAMIParameter(t *testing.T) {
	tests := []struct {
		family  bootstrap.Family
		arch    string
		version string
		want    string
		wantErr string
	}{
		{bootstrap.AL2023, "x86_64", "1.33", "/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id", ""},
		{"", "arm64", "1.34", "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/recommended/image_id", ""},
		{bootstrap.Bottlerocket, "x86_64", "1.33", "/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest/image_id", ""},
		{bootstrap.Bottlerocket, "arm64", "1.33", "/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_id", ""},
		{bootstrap.AL2, "x86_64", "1.32", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/image_id", ""},
		{bootstrap.AL2, "arm64", "1.31", "/aws/service/eks/optimized-ami/1.31/amazon-linux-2-arm64/recommended/image_id", ""},
		{bootstrap.AL2, "x86_64", "1.33", "", "no AL2 AMIs for 1.33"},
		{bootstrap.AL2023, "amd64", "1.33", "", `architecture "amd64" is not one of x86_64, arm64`},
		{"Ubuntu", "x86_64", "1.33", "", `AMI family "Ubuntu"`},
		{bootstrap.AL2023, "x86_64", "133", "", "not MAJOR.MINOR"},
	}
	for _, tt := range tests {
		t.Run(string(tt.family)+"/"+tt.arch+"/"+tt.version, func(t *testing.T) {
			got, err := nodespec.AMIParameter(tt.family, tt.arch, tt.version, nodespec.Release{})
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("AMIParameter = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPinnedRelease: a pinned amiReleaseVersion selects that release's
// AMI through the parameter AWS publishes under the AMI's name, and the
// recommended release is read beside the recommended image.
func TestPinnedRelease(t *testing.T) {
	for _, tt := range []struct {
		family            bootstrap.Family
		arch, k8s, raw    string
		want, wantRelease string
		wantErr           string
	}{
		{bootstrap.AL2023, "x86_64", "1.33", "1.33.5-20251120", "/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.33-v20251120/image_id", "/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/release_version", ""},
		{bootstrap.AL2023, "arm64", "1.34", "1.34.1-20251201", "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/amazon-eks-node-al2023-arm64-standard-1.34-v20251201/image_id", "/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/recommended/release_version", ""},
		{bootstrap.Bottlerocket, "arm64", "1.33", "1.50.0", "/aws/service/bottlerocket/aws-k8s-1.33/arm64/1.50.0/image_id", "/aws/service/bottlerocket/aws-k8s-1.33/arm64/latest/image_version", ""},
		{bootstrap.AL2, "x86_64", "1.32", "1.32.9-20251103", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2/amazon-eks-node-1.32-v20251103/image_id", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2/recommended/release_version", ""},
		{bootstrap.AL2, "arm64", "1.32", "1.32.9-20251103", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2-arm64/amazon-eks-arm64-node-1.32-v20251103/image_id", "/aws/service/eks/optimized-ami/1.32/amazon-linux-2-arm64/recommended/release_version", ""},
		{bootstrap.AL2023, "x86_64", "1.33", "1.34.1-20251201", "", "", "a release for Kubernetes 1.34, not the cluster's 1.33"},
		{bootstrap.AL2023, "x86_64", "1.33", "v20251120", "", "", "not an EKS AMI release like 1.33.5-20251120"},
		{bootstrap.Bottlerocket, "x86_64", "1.33", "1.33.5-20251120", "", "", "not a Bottlerocket release like 1.50.0"},
	} {
		t.Run(string(tt.family)+"/"+tt.raw, func(t *testing.T) {
			r, err := nodespec.ParseRelease(tt.family, tt.k8s, tt.raw)
			checkErr(t, err, tt.wantErr)
			if err != nil {
				return
			}
			got, err := nodespec.AMIParameter(tt.family, tt.arch, tt.k8s, r)
			if err != nil || got != tt.want {
				t.Errorf("AMIParameter = %q, %v; want %q", got, err, tt.want)
			}
			rel, err := nodespec.ReleaseParameter(tt.family, tt.arch, tt.k8s)
			if err != nil || rel != tt.wantRelease {
				t.Errorf("ReleaseParameter = %q, %v; want %q", rel, err, tt.wantRelease)
			}
		})
	}
}

func TestAMIType(t *testing.T) {
	tests := []struct {
		family  bootstrap.Family
		arch    string
		want    string
		wantErr string
	}{
		{bootstrap.AL2023, "x86_64", "AL2023_x86_64_STANDARD", ""},
		{bootstrap.AL2023, "arm64", "AL2023_ARM_64_STANDARD", ""},
		{"", "x86_64", "AL2023_x86_64_STANDARD", ""},
		{bootstrap.Bottlerocket, "x86_64", "BOTTLEROCKET_x86_64", ""},
		{bootstrap.Bottlerocket, "arm64", "BOTTLEROCKET_ARM_64", ""},
		{bootstrap.AL2, "x86_64", "AL2_x86_64", ""},
		{bootstrap.AL2, "arm64", "AL2_ARM_64", ""},
		{"Windows", "x86_64", "", `AMI family "Windows" is not one of AL2023, Bottlerocket, AL2`},
		{bootstrap.AL2023, "aarch64", "", `architecture "aarch64"`},
	}
	for _, tt := range tests {
		got, err := nodespec.AMIType(tt.family, tt.arch)
		checkErr(t, err, tt.wantErr)
		if got != tt.want {
			t.Errorf("AMIType(%q, %q) = %q, want %q", tt.family, tt.arch, got, tt.want)
		}
	}
}

func TestBlockDevices(t *testing.T) {
	kms := "arn:aws:kms:eu-west-1:111122223333:key/abcd"
	tests := []struct {
		name    string
		family  bootstrap.Family
		volume  nodespec.Volume
		want    []nodespec.BlockDevice
		wantErr string
	}{
		{"AL2023 root", bootstrap.AL2023, nodespec.Volume{SizeGiB: 50, Type: "gp3", Encrypted: true},
			[]nodespec.BlockDevice{{DeviceName: "/dev/xvda", SizeGiB: 50, Type: "gp3", Encrypted: true}}, ""},
		{"AL2 root with key, default type", bootstrap.AL2, nodespec.Volume{SizeGiB: 80, Encrypted: true, KMSKeyARN: kms},
			[]nodespec.BlockDevice{{DeviceName: "/dev/xvda", SizeGiB: 80, Type: "gp3", Encrypted: true, KMSKeyARN: kms}}, ""},
		{"Bottlerocket OS and data volumes", bootstrap.Bottlerocket, nodespec.Volume{SizeGiB: 100, Type: "gp3", Encrypted: true, KMSKeyARN: kms},
			[]nodespec.BlockDevice{
				{DeviceName: "/dev/xvda", Type: "gp3", Encrypted: true, KMSKeyARN: kms},
				{DeviceName: "/dev/xvdb", SizeGiB: 100, Type: "gp3", Encrypted: true, KMSKeyARN: kms},
			}, ""},
		{"io2 gets provisioned IOPS", bootstrap.AL2023, nodespec.Volume{SizeGiB: 200, Type: "io2", Encrypted: true},
			[]nodespec.BlockDevice{{DeviceName: "/dev/xvda", SizeGiB: 200, Type: "io2", Iops: 3000, Encrypted: true}}, ""},
		{"small io1 stays within 50 IOPS/GiB", bootstrap.AL2023, nodespec.Volume{SizeGiB: 20, Type: "io1", Encrypted: true},
			[]nodespec.BlockDevice{{DeviceName: "/dev/xvda", SizeGiB: 20, Type: "io1", Iops: 1000, Encrypted: true}}, ""},
		{"unknown type", bootstrap.AL2023, nodespec.Volume{SizeGiB: 50, Type: "st1"}, nil, `volume type "st1"`},
		{"zero size", bootstrap.AL2023, nodespec.Volume{Type: "gp3"}, nil, "volume size 0 GiB"},
		{"key without encryption", bootstrap.AL2023, nodespec.Volume{SizeGiB: 50, KMSKeyARN: kms}, nil, "encryption is off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nodespec.BlockDevices(tt.family, tt.volume)
			checkErr(t, err, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("BlockDevices =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestMixedInstancesFor(t *testing.T) {
	tests := []struct {
		name    string
		types   []string
		spot    *nodespec.Spot
		want    *nodespec.MixedInstances
		wantErr string
	}{
		{"one on-demand type: plain launch template", []string{"m5.large"}, nil, nil, ""},
		{"several on-demand types: prioritized, all on-demand", []string{"m5.large", "m5a.large"}, nil,
			&nodespec.MixedInstances{InstanceTypes: []string{"m5.large", "m5a.large"}, OnDemandPercentageAboveBaseCapacity: 100, OnDemandAllocationStrategy: "prioritized"}, ""},
		{"spot with one type still needs a policy", []string{"m5.large"}, &nodespec.Spot{},
			&nodespec.MixedInstances{InstanceTypes: []string{"m5.large"}, OnDemandAllocationStrategy: "prioritized", SpotAllocationStrategy: "price-capacity-optimized"}, ""},
		{"spot settings carried over", []string{"m6i.xlarge", "m6a.xlarge"}, &nodespec.Spot{OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 20, AllocationStrategy: "capacity-optimized"},
			&nodespec.MixedInstances{InstanceTypes: []string{"m6i.xlarge", "m6a.xlarge"}, OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 20, OnDemandAllocationStrategy: "prioritized", SpotAllocationStrategy: "capacity-optimized"}, ""},
		{"no types", nil, nil, nil, "no instance types"},
		{"bad strategy", []string{"m5.large"}, &nodespec.Spot{AllocationStrategy: "cheapest"}, nil, `spot allocation strategy "cheapest"`},
		{"bad percentage", []string{"m5.large"}, &nodespec.Spot{OnDemandPercentageAboveBaseCapacity: 101}, nil, "percentage above base capacity 101"},
		{"negative base", []string{"m5.large"}, &nodespec.Spot{OnDemandBaseCapacity: -1}, nil, "base capacity -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nodespec.MixedInstancesFor(tt.types, tt.spot)
			checkErr(t, err, tt.wantErr)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MixedInstancesFor =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestTemplateResources(t *testing.T) {
	tests := []struct {
		name  string
		types []string
		want  nodespec.Resources
	}{
		{"one type", []string{"m5.large"}, nodespec.Resources{CPU: 2, MemoryMiB: 8192, EphemeralStorageGiB: 50, Pods: 29}},
		{"smallest of several, whatever the order", []string{"m5.xlarge", "c5.large"}, nodespec.Resources{CPU: 2, MemoryMiB: 4096, EphemeralStorageGiB: 50, Pods: 29}},
		{"unknown type: cpu and memory left to the autoscaler", []string{"m5.large", "zz9.huge"}, nodespec.Resources{EphemeralStorageGiB: 50, Pods: 29}},
		{"type without vCPU data: cpu and memory left to the autoscaler", []string{"trn2.3xlarge"}, nodespec.Resources{EphemeralStorageGiB: 50, Pods: 29}},
		// 8th generation: vCPU and memory from Karpenter's page (left to
		// the autoscaler before it was a source).
		{"c8i.xlarge", []string{"c8i.xlarge"}, nodespec.Resources{CPU: 4, MemoryMiB: 8192, EphemeralStorageGiB: 50, Pods: 29}},
		{"m8i.large and c8gn.xlarge", []string{"m8i.large", "c8gn.xlarge"}, nodespec.Resources{CPU: 2, MemoryMiB: 8192, EphemeralStorageGiB: 50, Pods: 29}},
		{"NVIDIA GPUs", []string{"g6.xlarge"}, nodespec.Resources{CPU: 4, MemoryMiB: 16384, EphemeralStorageGiB: 50, Pods: 29, GPU: 1, GPUResource: "nvidia.com/gpu"}},
		{"smallest GPU count", []string{"g6.12xlarge", "g6.xlarge"}, nodespec.Resources{CPU: 4, MemoryMiB: 16384, EphemeralStorageGiB: 50, Pods: 29, GPU: 1, GPUResource: "nvidia.com/gpu"}},
		{"AMD GPUs", []string{"g4ad.xlarge"}, nodespec.Resources{CPU: 4, MemoryMiB: 16384, EphemeralStorageGiB: 50, Pods: 29, GPU: 1, GPUResource: "amd.com/gpu"}},
		{"NVIDIA and AMD mixed: no GPU tag", []string{"g6.xlarge", "g4ad.xlarge"}, nodespec.Resources{CPU: 4, MemoryMiB: 16384, EphemeralStorageGiB: 50, Pods: 29}},
		{"GPU and CPU-only mixed: no GPU tag", []string{"g6.xlarge", "m5.xlarge"}, nodespec.Resources{CPU: 4, MemoryMiB: 16384, EphemeralStorageGiB: 50, Pods: 29}},
		{"GPU manufacturer unknown (p3, autoscaler table only): no GPU tag", []string{"p3.2xlarge"}, nodespec.Resources{CPU: 8, MemoryMiB: 62464, EphemeralStorageGiB: 50, Pods: 29}},
		{"no types", nil, nodespec.Resources{EphemeralStorageGiB: 50, Pods: 29}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nodespec.TemplateResources(tt.types, 50, 29); got != tt.want {
				t.Errorf("TemplateResources(%v) = %+v, want %+v", tt.types, got, tt.want)
			}
		})
	}
}

func TestWithoutCompute(t *testing.T) {
	got := nodespec.WithoutCompute([]string{"m5.large", "trn2.3xlarge", "c8i.xlarge", "zz9.huge"})
	if !reflect.DeepEqual(got, []string{"trn2.3xlarge", "zz9.huge"}) {
		t.Errorf("WithoutCompute = %q", got)
	}
	if got := nodespec.WithoutCompute([]string{"c8i.xlarge", "m8i.large", "c8gn.xlarge"}); got != nil {
		t.Errorf("WithoutCompute(8th generation) = %q, want none", got)
	}
}

func TestMaxPods(t *testing.T) {
	tests := []struct {
		name     string
		explicit int
		types    []string
		mode     instancetypes.NetworkMode
		want     int
		wantErr  string
	}{
		{"explicit wins", 58, []string{"m5.large"}, instancetypes.NetworkMode{}, 58, ""},
		{"computed", 0, []string{"m5.large"}, instancetypes.NetworkMode{}, 29, ""},
		{"custom networking loses an ENI", 0, []string{"m5.large"}, instancetypes.NetworkMode{CustomNetworking: true}, 20, ""},
		{"prefix delegation capped at 110", 0, []string{"m5.large"}, instancetypes.NetworkMode{PrefixDelegation: true}, 110, ""},
		{"smallest of several", 0, []string{"m5.xlarge", "t3.medium"}, instancetypes.NetworkMode{}, 17, ""},
		{"too many", 300, nil, instancetypes.NetworkMode{}, 0, "over 250"},
		{"negative", -1, nil, instancetypes.NetworkMode{}, 0, "must be positive"},
		{"unknown type", 0, []string{"zz9.huge"}, instancetypes.NetworkMode{}, 0, "unknown instance type"},
		{"8th generation, capped by its 4 vCPUs", 0, []string{"c8i.xlarge"}, instancetypes.NetworkMode{}, 110, ""},
		{"prefix delegation with a Xen type: secondary IPs", 0, []string{"m5.large", "m4.large"}, instancetypes.NetworkMode{PrefixDelegation: true}, 20, ""},
		{"no vCPU anywhere", 0, []string{"c5a.metal"}, instancetypes.NetworkMode{}, 0, "vCPU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nodespec.MaxPods(tt.explicit, tt.types, tt.mode)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("MaxPods = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestEKSTaintEffect(t *testing.T) {
	for in, want := range map[string]string{"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"} {
		if got, err := nodespec.EKSTaintEffect(in); err != nil || got != want {
			t.Errorf("EKSTaintEffect(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := nodespec.EKSTaintEffect("NO_SCHEDULE")
	checkErr(t, err, `taint effect "NO_SCHEDULE" is not one of NoSchedule, NoExecute, PreferNoSchedule`)
}

func TestNodeIAM(t *testing.T) {
	doc, err := nodespec.NodeTrustPolicy("aws").JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Sid":"EKSNodeAssumeRole","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if doc != want {
		t.Errorf("trust policy\n%s\nwant\n%s", doc, want)
	}
	parsed, err := iampolicy.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Actions(); !reflect.DeepEqual(got, []string{"sts:AssumeRole"}) {
		t.Errorf("trust policy allows %v, want only sts:AssumeRole", got)
	}
	if cn, _ := nodespec.NodeTrustPolicy("aws-cn").JSON(); !strings.Contains(cn, `"ec2.amazonaws.com.cn"`) {
		t.Errorf("China trust policy %s lacks ec2.amazonaws.com.cn", cn)
	}

	got := nodespec.NodePolicyARNs("aws", true)
	wantARNs := []string{
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
		"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
	}
	if !reflect.DeepEqual(got, wantARNs) {
		t.Errorf("NodePolicyARNs = %v, want %v", got, wantARNs)
	}
	if got := nodespec.NodePolicyARNs("aws-us-gov", false); len(got) != 3 || !strings.HasPrefix(got[0], "arn:aws-us-gov:") {
		t.Errorf("NodePolicyARNs(aws-us-gov, no CNI) = %v", got)
	}

	for arn, want := range map[string]string{
		"arn:aws:iam::111122223333:role/eks-node":           "eks-node",
		"arn:aws:iam::111122223333:role/platform/nodes/eks": "eks",
	} {
		if got, err := nodespec.RoleNameFromARN(arn); err != nil || got != want {
			t.Errorf("RoleNameFromARN(%q) = %q, %v; want %q", arn, got, err, want)
		}
	}
	_, err = nodespec.RoleNameFromARN("arn:aws:iam::111122223333:user/bob")
	checkErr(t, err, "is not an IAM role ARN")
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
}
