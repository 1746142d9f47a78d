package nodespec_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/internal/userdata"
)

var (
	labels = map[string]string{"workload": "general", "example.com/team": "platform", "node.kubernetes.io/pool": "a"}
	taints = []bootstrap.Taint{
		{Key: "dedicated", Value: "batch", Effect: "NoSchedule"},
		{Key: "example.com/gpu", Effect: "NoExecute"},
	}
)

func TestASGTagsSelfManaged(t *testing.T) {
	got, err := nodespec.ASGTags(nodespec.TagInput{
		ClusterName: "acme-dev",
		Name:        "acme-dev-workers",
		Autoscaling: true,
		Drain:       true,
		Scheduling:  nodespec.NodeScheduling(labels, taints, true, false),
		Resources:   nodespec.Resources{CPU: 2, MemoryMiB: 8192, EphemeralStorageGiB: 50, Pods: 29},
		UserTags:    map[string]string{"team": "platform", "Name": "stack-wide"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []nodespec.Tag{
		{"Name", "acme-dev-workers", true},
		{"aws-node-termination-handler/managed", "true", true},
		{"k8s.io/cluster-autoscaler/acme-dev", "owned", false},
		{"k8s.io/cluster-autoscaler/enabled", "true", false},
		{"k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType", "SPOT", false},
		{"k8s.io/cluster-autoscaler/node-template/label/example.com/team", "platform", false},
		{"k8s.io/cluster-autoscaler/node-template/label/node.kubernetes.io/pool", "a", false},
		{"k8s.io/cluster-autoscaler/node-template/label/workload", "general", false},
		{"k8s.io/cluster-autoscaler/node-template/resources/cpu", "2", false},
		{"k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage", "50Gi", false},
		{"k8s.io/cluster-autoscaler/node-template/resources/memory", "8192Mi", false},
		{"k8s.io/cluster-autoscaler/node-template/resources/pods", "29", false},
		{"k8s.io/cluster-autoscaler/node-template/taint/dedicated", "batch:NoSchedule", false},
		{"k8s.io/cluster-autoscaler/node-template/taint/example.com/gpu", ":NoExecute", false},
		{"kubernetes.io/cluster/acme-dev", "owned", true},
		{"team", "platform", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ASGTags =\n%s\nwant\n%s", fmtTags(got), fmtTags(want))
	}
}

func TestASGTagsGPU(t *testing.T) {
	for _, managed := range []bool{false, true} {
		got, err := nodespec.ASGTags(nodespec.TagInput{
			ClusterName: "acme", Name: "acme-gpu", Managed: managed, Autoscaling: true,
			Resources: nodespec.TemplateResources([]string{"g6.xlarge"}, 80, 58),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"k8s.io/cluster-autoscaler/node-template/resources/cpu":               "4",
			"k8s.io/cluster-autoscaler/node-template/resources/memory":            "16384Mi",
			"k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage": "80Gi",
			"k8s.io/cluster-autoscaler/node-template/resources/pods":              "58",
			"k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu":    "1",
		}
		byKey := map[string]nodespec.Tag{}
		for _, tag := range got {
			byKey[tag.Key] = tag
		}
		for k, v := range want {
			if tag, ok := byKey[k]; !ok || tag.Value != v || tag.PropagateAtLaunch {
				t.Errorf("managed=%t: tag %s = %+v, want %q, not propagated", managed, k, tag, v)
			}
		}
	}
	got, err := nodespec.ASGTags(nodespec.TagInput{ClusterName: "acme", Autoscaling: true, Resources: nodespec.Resources{GPU: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range got {
		if strings.Contains(tag.Key, "gpu") {
			t.Errorf("GPU count without a resource name tagged as %s", tag.Key)
		}
	}
}

func TestASGTagsVariants(t *testing.T) {
	base := func() nodespec.TagInput {
		return nodespec.TagInput{
			ClusterName: "acme", Name: "acme-g", Autoscaling: true,
			Scheduling: nodespec.NodeScheduling(map[string]string{"a": "1"}, nil, false, false),
			Resources:  nodespec.Resources{Pods: 17},
		}
	}
	tests := []struct {
		name    string
		mutate  func(*nodespec.TagInput)
		has     []string // keys that must be present
		hasNot  []string // key prefixes that must be absent
		wantErr string
	}{
		{"autoscaling off: no autoscaler tags at all", func(in *nodespec.TagInput) { in.Autoscaling = false },
			[]string{"Name", "kubernetes.io/cluster/acme"}, []string{"k8s.io/cluster-autoscaler/"}, ""},
		{"no drain: no termination handler tag", func(in *nodespec.TagInput) {},
			[]string{"k8s.io/cluster-autoscaler/enabled"}, []string{"aws-node-termination-handler/"}, ""},
		{"managed: only autoscaler tags, EKS owns the rest", func(in *nodespec.TagInput) { in.Managed = true; in.UserTags = map[string]string{"team": "x"} },
			[]string{"k8s.io/cluster-autoscaler/enabled", "k8s.io/cluster-autoscaler/acme", "k8s.io/cluster-autoscaler/node-template/label/a"},
			[]string{"Name", "kubernetes.io/", "team"}, ""},
		{"managed without autoscaling: nothing", func(in *nodespec.TagInput) { in.Managed = true; in.Autoscaling = false },
			nil, []string{""}, ""},
		{"eks: key refused on self-managed", func(in *nodespec.TagInput) { in.UserTags = map[string]string{"eks:nodegroup-name": "x"} },
			nil, nil, `tag key "eks:nodegroup-name" contains "eks:"`},
		{"aws: key refused", func(in *nodespec.TagInput) { in.UserTags = map[string]string{"aws:cost": "x"} },
			nil, nil, "reserved aws: prefix"},
		{"managed keys refused in user tags", func(in *nodespec.TagInput) {
			in.UserTags = map[string]string{"k8s.io/cluster-autoscaler/enabled": "false"}
		}, nil, nil, "is managed by the node group"},
		{"two effects on one taint key", func(in *nodespec.TagInput) {
			in.Scheduling.Taints = []bootstrap.Taint{{Key: "k", Effect: "NoSchedule"}, {Key: "k", Effect: "NoExecute"}}
		}, nil, nil, `taint "k" appears with two effects`},
		{"drain on managed refused", func(in *nodespec.TagInput) { in.Managed = true; in.Drain = true }, nil, nil, "EKS drains managed nodes itself"},
		{"long label key", func(in *nodespec.TagInput) {
			in.Scheduling.Labels = map[string]string{strings.Repeat("a", 60) + ".example.com/" + strings.Repeat("b", 40): "x"}
		},
			nil, nil, "Auto Scaling allows 128"},
		{"no cluster", func(in *nodespec.TagInput) { in.ClusterName = "" }, nil, nil, "cluster name is empty"},
		{"over 50 tags", func(in *nodespec.TagInput) {
			in.Scheduling.Labels = map[string]string{}
			for i := 0; i < 46; i++ { // + Name, cluster, 2 discovery, pods = 51
				in.Scheduling.Labels[fmt.Sprintf("l%02d", i)] = "v"
			}
		}, nil, nil, "would carry 51 tags, over the limit of 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.mutate(&in)
			got, err := nodespec.ASGTags(in)
			checkErr(t, err, tt.wantErr)
			keys := map[string]bool{}
			for _, tag := range got {
				keys[tag.Key] = true
			}
			for _, k := range tt.has {
				if !keys[k] {
					t.Errorf("tag %q missing from\n%s", k, fmtTags(got))
				}
			}
			for _, prefix := range tt.hasNot {
				for k := range keys {
					if strings.HasPrefix(k, prefix) {
						t.Errorf("tag %q present, want no %q tags", k, prefix)
					}
				}
			}
		})
	}
}

// TestManagedTagLimitCountsEKSTags: EKS's own five tags on a managed group's
// ASG leave 45 for ours.
func TestManagedTagLimitCountsEKSTags(t *testing.T) {
	in := nodespec.TagInput{ClusterName: "c", Managed: true, Autoscaling: true, Scheduling: nodespec.Scheduling{Labels: map[string]string{}}}
	for i := 0; i < 43; i++ { // + enabled + cluster tag = 45 of ours, 3 EKS-only tags
		in.Scheduling.Labels[fmt.Sprintf("l%02d", i)] = "v"
	}
	if _, err := nodespec.ASGTags(in); err != nil {
		t.Fatalf("48 tags in all: %v", err)
	}
	in.Scheduling.Labels["one-more"] = "v"
	in.Scheduling.Labels["and-another"] = "v"
	in.Scheduling.Labels["and-a-third"] = "v"
	_, err := nodespec.ASGTags(in)
	checkErr(t, err, "would carry 51 tags")
}

// TestNodeTemplateReadsLikeTheAutoscaler: a taint value without the
// ":<Effect>" suffix is ignored by the autoscaler, so it must be by the
// reader too; what ASGTags writes reads back unchanged.
func TestNodeTemplateReadsLikeTheAutoscaler(t *testing.T) {
	got := nodespec.NodeTemplate([]nodespec.Tag{
		{Key: "k8s.io/cluster-autoscaler/node-template/label/a", Value: "1"},
		{Key: "k8s.io/cluster-autoscaler/node-template/taint/bare", Value: "NoSchedule"},
		{Key: "k8s.io/cluster-autoscaler/node-template/taint/ok", Value: ":NoSchedule"},
		{Key: "k8s.io/cluster-autoscaler/node-template/taint/kv", Value: "v:PreferNoSchedule"},
		{Key: "unrelated", Value: "x"},
	})
	want := nodespec.Scheduling{
		Labels: map[string]string{"a": "1"},
		Taints: []bootstrap.Taint{{Key: "kv", Value: "v", Effect: "PreferNoSchedule"}, {Key: "ok", Effect: "NoSchedule"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NodeTemplate = %+v, want %+v", got, want)
	}
}

// TestTagsEqualKubeletSettings renders the user data of every family from
// the same labels and taints the tags are computed from, reads it back as
// the node would, and checks the autoscaler's node template is exactly what
// the kubelet registers.
func TestTagsEqualKubeletSettings(t *testing.T) {
	cluster := bootstrap.Cluster{
		Name: "acme-dev", Endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
		CertificateAuthority: "Y2VydGlmaWNhdGU=", ServiceCIDR: "172.20.0.0/16", VPCCIDR: "10.20.0.0/16", KubernetesVersion: "1.32",
	}
	for _, family := range bootstrap.Families {
		for _, spot := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/spot=%v", family, spot), func(t *testing.T) {
				in := bootstrap.Input{
					Family: family, Cluster: cluster, Spot: spot,
					Node: bootstrap.Node{Labels: labels, Taints: taints, MaxPods: 29, InstanceTypes: []string{"m5.large"}},
				}
				data, err := bootstrap.Render(in)
				if err != nil {
					t.Fatal(err)
				}
				node, err := userdata.Decode(family, data)
				if err != nil {
					t.Fatal(err)
				}
				tags, err := nodespec.ASGTags(nodespec.TagInput{
					ClusterName: cluster.Name, Name: "acme-dev-g", Autoscaling: true,
					Scheduling: nodespec.NodeScheduling(in.Node.Labels, in.Node.Taints, in.Spot, in.MixedCapacity),
				})
				if err != nil {
					t.Fatal(err)
				}
				tmpl := nodespec.NodeTemplate(tags)
				if !reflect.DeepEqual(tmpl.Labels, node.Labels) {
					t.Errorf("node-template labels %v\nkubelet labels       %v", tmpl.Labels, node.Labels)
				}
				if !reflect.DeepEqual(tmpl.Taints, node.Taints) {
					t.Errorf("node-template taints %v\nkubelet taints       %v", tmpl.Taints, node.Taints)
				}
				if node.MaxPods != 29 {
					t.Errorf("max pods read back %d, want 29", node.MaxPods)
				}
			})
		}
	}
}

func fmtTags(tags []nodespec.Tag) string {
	lines := make([]string, len(tags))
	for i, t := range tags {
		lines[i] = fmt.Sprintf("  %s=%s (propagate %v)", t.Key, t.Value, t.PropagateAtLaunch)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
