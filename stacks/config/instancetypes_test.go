package config

import (
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/instancetypes"
)

func TestInstanceTypeNotes(t *testing.T) {
	auto := MaxPods{Auto: true}
	def := instancetypes.NetworkMode{}
	pd := instancetypes.NetworkMode{PrefixDelegation: true}
	cn := instancetypes.NetworkMode{CustomNetworking: true}
	tests := []struct {
		name  string
		g     NodeGroup
		mode  instancetypes.NetworkMode
		count int      // notes expected
		notes []string // substrings the notes must contain
	}{
		{"complete data: no note", NodeGroup{Name: "a", InstanceTypes: []string{"c8i.xlarge", "m8i.large", "c8gn.xlarge"}, MaxPods: auto, Autoscaling: true}, def, 0, nil},
		{"complete data under prefix delegation: no note", NodeGroup{Name: "a", InstanceTypes: []string{"c8i.xlarge", "m5.metal"}, MaxPods: auto, Autoscaling: true}, pd, 0, nil},
		{"prefix delegation on Xen, auto", NodeGroup{Name: "x", InstanceTypes: []string{"m5.large", "m4.large"}, MaxPods: auto}, pd,
			1, []string{"nodeGroups[3] (x): m4.large is not a Nitro instance type: the VPC CNI does not use prefix delegation on it and falls back to secondary IPs, so max pods is 20"}},
		{"prefix delegation on Xen, explicit", NodeGroup{Name: "x", InstanceTypes: []string{"m4.large"}, MaxPods: MaxPods{Value: 17}}, pd,
			1, []string{"m4.large is not a Nitro instance type", "maxPods 17 must fit"}},
		{"custom networking, one ENI", NodeGroup{Name: "h", InstanceTypes: []string{"hpc6id.32xlarge"}, MaxPods: auto}, cn,
			1, []string{"no ENI for pods"}},
		{"autoscaled, no vCPU data", NodeGroup{Name: "t", InstanceTypes: []string{"m5.large", "trn2.3xlarge"}, MaxPods: auto, Autoscaling: true}, def,
			1, []string{"nodeGroups[3] (t): the instance table has no vCPU or memory for trn2.3xlarge", "no cpu or memory tags", "DescribeInstanceTypes"}},
		{"autoscaled, unknown type with explicit max pods", NodeGroup{Name: "u", InstanceTypes: []string{"zz9.huge"}, MaxPods: MaxPods{Value: 30}, Autoscaling: true}, def,
			1, []string{"no vCPU or memory for zz9.huge"}},
		{"not autoscaled: no node template, no note", NodeGroup{Name: "t", InstanceTypes: []string{"trn2.3xlarge"}, MaxPods: auto}, def, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := instanceTypeNotes("nodeGroups[3]", tt.g, tt.mode)
			if len(got) != tt.count {
				t.Fatalf("notes %q, want %d", got, tt.count)
			}
			all := strings.Join(got, "\n")
			for _, want := range tt.notes {
				if !strings.Contains(all, want) {
					t.Errorf("notes %q lack %q", got, want)
				}
			}
		})
	}
}
