package config_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
	"gopkg.in/yaml.v3"
)

// base is a valid configuration every case mutates.
const base = `
aws:region: eu-west-1
eksfleet:tags: {team: platform}
eksfleet:network:
  vpcId: vpc-0a1b2c3d4e5f60718
  vpcCidr: 10.20.0.0/16
  privateSubnetIds: [subnet-0a1b2c3d4e5f60a01, subnet-0a1b2c3d4e5f60b01]
  subnetZones:
    subnet-0a1b2c3d4e5f60a01: eu-west-1a
    subnet-0a1b2c3d4e5f60b01: eu-west-1b
eksfleet:cluster:
  version: "1.33"
eksfleet:nodeGroups:
  - name: system
    kind: managed
    instanceTypes: [m6i.large]
    minSize: 1
    maxSize: 3
  - name: workers
    kind: self-managed
    instanceTypes: [m5.large, m5a.large]
    minSize: 0
    maxSize: 10
    labels: {workload: general}
    taints: [{key: dedicated, value: batch, effect: NoSchedule}]
`

// values turns a YAML stack config into the map Pulumi hands a program.
func values(t testing.TB, doc string) map[string]string {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("test YAML: %v", err)
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = string(b)
	}
	return out
}

// with returns base with one top-level key replaced (YAML text of the value).
func with(t testing.TB, key, valueYAML string) map[string]string {
	t.Helper()
	v := values(t, base)
	var parsed any
	if err := yaml.Unmarshal([]byte(valueYAML), &parsed); err != nil {
		t.Fatalf("test YAML for %s: %v", key, err)
	}
	if s, ok := parsed.(string); ok {
		v[key] = s
	} else {
		b, _ := json.Marshal(parsed)
		v[key] = string(b)
	}
	return v
}

func TestValidBaseAndDefaults(t *testing.T) {
	cfg, err := config.Parse("eksfleet", "dev", values(t, base))
	if err != nil {
		t.Fatalf("base config must be valid: %v", err)
	}
	if cfg.Cluster.Name != "eksfleet-dev" {
		t.Errorf("default cluster name = %q, want eksfleet-dev", cfg.Cluster.Name)
	}
	if !cfg.Cluster.EndpointPrivateAccess || cfg.Cluster.EndpointPublicAccess {
		t.Errorf("endpoint defaults: private=%v public=%v, want true/false", cfg.Cluster.EndpointPrivateAccess, cfg.Cluster.EndpointPublicAccess)
	}
	if cfg.Cluster.ServiceIPv4CIDR != "172.20.0.0/16" {
		t.Errorf("serviceIpv4Cidr default = %s", cfg.Cluster.ServiceIPv4CIDR)
	}
	if strings.Join(cfg.Cluster.LogTypes, ",") != "api,audit,authenticator" {
		t.Errorf("logTypes default = %v", cfg.Cluster.LogTypes)
	}
	g := cfg.NodeGroups[1]
	if g.AMIFamily != "AL2023" || g.Architecture != "x86_64" || g.CapacityType != "ON_DEMAND" {
		t.Errorf("group defaults = %s/%s/%s", g.AMIFamily, g.Architecture, g.CapacityType)
	}
	if g.RootVolume != (config.RootVolume{SizeGiB: 50, Type: "gp3", Encrypted: true}) {
		t.Errorf("rootVolume default = %+v", g.RootVolume)
	}
	if !g.MaxPods.Auto || !g.Autoscaling || !g.Drain() || g.HopLimit() != 2 || g.Desired() != 0 {
		t.Errorf("group defaults: maxPods=%+v autoscaling=%v drain=%v hop=%d desired=%d", g.MaxPods, g.Autoscaling, g.Drain(), g.HopLimit(), g.Desired())
	}
	if cfg.NodeGroups[0].Drain() {
		t.Error("managed groups never use the termination handler drain")
	}
	if r := g.Refresh(); !r.Enabled || r.MinHealthyPercentage != 90 {
		t.Errorf("instance refresh default = %+v", r)
	}
	a := cfg.Autoscaler
	if !a.Enabled || a.Expander != "least-waste" || !a.BalanceSimilarNodeGroups || a.ScaleDownUnneededTime != "10m" {
		t.Errorf("autoscaler defaults = %+v", a)
	}
	if cfg.Environment != "dev" {
		t.Errorf("environment = %q, want dev from the stack name", cfg.Environment)
	}
}

// Every malformed value the contract lists, plus the project's own rules.
// Each case names the key path and a fragment of the message it must show.
func TestRefusals(t *testing.T) {
	cases := []struct {
		name, key, value string
		stack            string
		wantPath         string
		wantMsg          string
	}{
		{"unknown top-level key", "eksfleet:netwrok", `{vpcId: vpc-0a1b2c3d4e5f60718}`, "", "eksfleet:netwrok", `did you mean "network"`},
		{"unknown nested key", "eksfleet:cluster", `{version: "1.33", endpointPublicAcess: true}`, "", "eksfleet:cluster.endpointPublicAcess", `did you mean "endpointPublicAccess"`},
		{"unknown node group key", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 1, maxSize: 2, minSzie: 1}]`, "", "eksfleet:nodeGroups[0].minSzie", `did you mean "minSize"`},
		{"wrong type int", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 1, maxSize: four}]`, "", "eksfleet:nodeGroups[0].maxSize", "whole number"},
		{"wrong type bool", "eksfleet:cluster", `{version: "1.33", endpointPublicAccess: "yes"}`, "", "eksfleet:cluster.endpointPublicAccess", "true or false"},
		{"wrong type list", "eksfleet:network", `{vpcId: vpc-0a1b2c3d4e5f60718, vpcCidr: 10.20.0.0/16, privateSubnetIds: subnet-0a1b2c3d4e5f60a01}`, "", "eksfleet:network.privateSubnetIds", "must be a list"},
		{"wrong type map", "eksfleet:network", `just-a-string`, "", "eksfleet:network", "must be a map"},
		{"min greater than desired", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 3, desiredSize: 2, maxSize: 5}]`, "", "eksfleet:nodeGroups[0].desiredSize", "less than minSize 3"},
		{"desired greater than max", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 1, desiredSize: 9, maxSize: 5}]`, "", "eksfleet:nodeGroups[0].desiredSize", "greater than maxSize 5"},
		{"min greater than max", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 6, maxSize: 5}]`, "", "eksfleet:nodeGroups[0].minSize", "greater than maxSize 5"},
		{"negative min", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: -1, maxSize: 5}]`, "", "eksfleet:nodeGroups[0].minSize", "0 or more"},
		{"negative desired", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 0, desiredSize: -2, maxSize: 5}]`, "", "eksfleet:nodeGroups[0].desiredSize", "0 or more"},
		{"missing max", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 0}]`, "", "eksfleet:nodeGroups[0].maxSize", "is required"},
		{"duplicate names", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1}, {name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[1].name", "already used by nodeGroups[0]"},
		{"bad group name", "eksfleet:nodeGroups", `[{name: Workers_1, kind: managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].name", "a-z, 0-9 and -"},
		{"no node groups", "eksfleet:nodeGroups", `[]`, "", "eksfleet:nodeGroups", "at least one"},
		{"vpc cidr unparsable", "eksfleet:network", `{vpcId: vpc-0a1b2c3d4e5f60718, vpcCidr: 10.20.0.0/33, privateSubnetIds: [subnet-0a1b2c3d4e5f60a01, subnet-0a1b2c3d4e5f60b01]}`, "", "eksfleet:network.vpcCidr", "IPv4 CIDR"},
		{"service cidr unparsable", "eksfleet:cluster", `{version: "1.33", serviceIpv4Cidr: 172.20.0/16}`, "", "eksfleet:cluster.serviceIpv4Cidr", "IPv4 CIDR"},
		{"public cidr unparsable", "eksfleet:cluster", `{version: "1.33", endpointPublicAccess: true, publicAccessCidrs: [203.0.113.0/24, not-a-cidr]}`, "", "eksfleet:cluster.publicAccessCidrs[1]", "IPv4 CIDR"},
		{"service cidr overlaps vpc", "eksfleet:cluster", `{version: "1.33", serviceIpv4Cidr: 10.20.0.0/16}`, "", "eksfleet:cluster.serviceIpv4Cidr", "overlaps network.vpcCidr"},
		{"vpc id shape", "eksfleet:network", `{vpcId: vpc-XYZ, vpcCidr: 10.20.0.0/16, privateSubnetIds: [subnet-0a1b2c3d4e5f60a01, subnet-0a1b2c3d4e5f60b01]}`, "", "eksfleet:network.vpcId", "not a VPC id"},
		{"subnet id shape", "eksfleet:network", `{vpcId: vpc-0a1b2c3d4e5f60718, vpcCidr: 10.20.0.0/16, privateSubnetIds: [subnet-0a1b2c3d4e5f60a01, sn-123]}`, "", "eksfleet:network.privateSubnetIds[1]", "not a subnet id"},
		{"one subnet", "eksfleet:network", `{vpcId: vpc-0a1b2c3d4e5f60718, vpcCidr: 10.20.0.0/16, privateSubnetIds: [subnet-0a1b2c3d4e5f60a01]}`, "", "eksfleet:network.privateSubnetIds", "at least 2"},
		{"subnets in one zone", "eksfleet:network", `{vpcId: vpc-0a1b2c3d4e5f60718, vpcCidr: 10.20.0.0/16, privateSubnetIds: [subnet-0a1b2c3d4e5f60a01, subnet-0a1b2c3d4e5f60b01], subnetZones: {subnet-0a1b2c3d4e5f60a01: eu-west-1a, subnet-0a1b2c3d4e5f60b01: eu-west-1a}}`, "", "eksfleet:network.privateSubnetIds", "all in one availability zone"},
		{"custom networking without pod subnets", "eksfleet:cni", `{customNetworking: true}`, "", "eksfleet:cni.podSubnetIds", "is required with customNetworking"},
		{"custom networking missing a zone in use", "eksfleet:cni", `{customNetworking: true, podSubnetIds: {eu-west-1a: subnet-0a1b2c3d4e5f60a51}}`, "", "eksfleet:cni.podSubnetIds", "no pod subnet for eu-west-1b"},
		{"pod subnet zone outside region", "eksfleet:cni", `{customNetworking: true, podSubnetIds: {us-east-1a: subnet-0a1b2c3d4e5f60a51, eu-west-1b: subnet-0a1b2c3d4e5f60b51}}`, "", "eksfleet:cni.podSubnetIds.us-east-1a", "not in aws:region eu-west-1"},
		{"restricted label", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, labels: {node-role.kubernetes.io/worker: "true"}}]`, "", "eksfleet:nodeGroups[0].labels", "node-role.kubernetes.io/worker"},
		{"restricted k8s.io label", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, labels: {example.k8s.io/x: "y"}}]`, "", "eksfleet:nodeGroups[0].labels", "example.k8s.io/x"},
		{"bad label value", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, labels: {team: "a b"}}]`, "", "eksfleet:nodeGroups[0].labels", "team"},
		{"taint effect", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, taints: [{key: gpu, value: "true", effect: NoScheduled}]}]`, "", "eksfleet:nodeGroups[0].taints", "NoScheduled"},
		{"restricted taint key", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, taints: [{key: "bad key", effect: NoSchedule}]}]`, "", "eksfleet:nodeGroups[0].taints", "bad key"},
		{"AL2 on 1.33", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, amiFamily: AL2, instanceTypes: [m5.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].amiFamily", "1.33"},
		{"unknown AMI family", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, amiFamily: Ubuntu, instanceTypes: [m5.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].amiFamily", "one of AL2023, Bottlerocket, AL2"},
		{"arm type on x86 group", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m6g.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].instanceTypes[0]", "arm64 instance type but architecture is x86_64"},
		{"x86 type on arm group", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, architecture: arm64, instanceTypes: [m5.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].instanceTypes[0]", "x86_64 instance type but architecture is arm64"},
		{"unknown instance type with auto max pods", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.hyperlarge], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].instanceTypes[0]", "unknown to the max-pods table"},
		{"spot on managed group", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, spot: {allocationStrategy: price-capacity-optimized}}]`, "", "eksfleet:nodeGroups[0].spot", "capacityType: SPOT"},
		{"instance refresh on managed group", "eksfleet:nodeGroups", `[{name: a, kind: managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, instanceRefresh: {minHealthyPercentage: 90}}]`, "", "eksfleet:nodeGroups[0].instanceRefresh", "updateConfig"},
		{"proxy url unparsable", "eksfleet:proxy", `{httpProxy: "proxy.corp.example:3128"}`, "", "eksfleet:proxy.httpProxy", "must be a URL"},
		{"proxy url with credentials", "eksfleet:proxy", `{httpsProxy: "http://user:pw@proxy.corp.example:3128"}`, "", "eksfleet:proxy.httpsProxy", "carries credentials"},
		{"proxy without url", "eksfleet:proxy", `{noProxy: [.corp.example]}`, "", "eksfleet:proxy", "needs httpProxy or httpsProxy"},
		{"bad version", "eksfleet:cluster", `{version: 1.3}`, "", "eksfleet:cluster.version", "Kubernetes minor version"},
		{"unsupported version", "eksfleet:cluster", `{version: "1.20"}`, "", "eksfleet:cluster.version", "not a supported EKS version"},
		{"no endpoint", "eksfleet:cluster", `{version: "1.33", endpointPrivateAccess: false}`, "", "eksfleet:cluster.endpointPrivateAccess", "both false"},
		{"open endpoint in prod", "eksfleet:cluster", `{version: "1.33", endpointPublicAccess: true, publicAccessCidrs: [0.0.0.0/0]}`, "prod", "eksfleet:cluster.publicAccessCidrs[0]", "refused in prod"},
		{"implicitly open endpoint in prod", "eksfleet:cluster", `{version: "1.33", endpointPublicAccess: true}`, "prod", "eksfleet:cluster.publicAccessCidrs", "refused in prod"},
		{"cidrs without public endpoint", "eksfleet:cluster", `{version: "1.33", publicAccessCidrs: [203.0.113.0/24]}`, "", "eksfleet:cluster.publicAccessCidrs", "only valid with endpointPublicAccess"},
		{"bad log type", "eksfleet:cluster", `{version: "1.33", logTypes: [api, audits]}`, "", "eksfleet:cluster.logTypes[1]", "one of api, audit"},
		{"bad admin role", "eksfleet:cluster", `{version: "1.33", adminRoleArns: ["arn:aws:iam::111122223333:user/alice"]}`, "", "eksfleet:cluster.adminRoleArns[0]", "IAM role ARN"},
		{"bad kms key", "eksfleet:cluster", `{version: "1.33", secretsKmsKeyArn: "alias/eks"}`, "", "eksfleet:cluster.secretsKmsKeyArn", "KMS key ARN"},
		{"bad expander", "eksfleet:autoscaler", `{expander: cheapest}`, "", "eksfleet:autoscaler.expander", "least-waste"},
		{"bad duration", "eksfleet:autoscaler", `{scaleDownUnneededTime: ten minutes}`, "", "eksfleet:autoscaler.scaleDownUnneededTime", "duration"},
		{"reserved tag", "eksfleet:tags", `{aws:createdBy: me}`, "", "eksfleet:tags.aws:createdBy", "reserved aws: prefix"},
		{"bad environment", "eksfleet:environment", `production`, "", "eksfleet:environment", "one of dev, staging, prod"},
		{"kubelet flag owned by a key", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, kubeletExtraArgs: ["--max-pods=50"]}]`, "", "eksfleet:nodeGroups[0].kubeletExtraArgs[0]", "maxPods"},
		{"kubelet flag with quote", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, kubeletExtraArgs: ["--v='2'"]}]`, "", "eksfleet:nodeGroups[0].kubeletExtraArgs[0]", "single quotes"},
		{"max pods out of range", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, maxPods: 500}]`, "", "eksfleet:nodeGroups[0].maxPods", "1-250"},
		{"max pods word", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, maxPods: lots}]`, "", "eksfleet:nodeGroups[0].maxPods", `"auto" or a whole number`},
		{"group subnet not private", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, subnetIds: [subnet-0a1b2c3d4e5f60c01]}]`, "", "eksfleet:nodeGroups[0].subnetIds[0]", "network.privateSubnetIds"},
		{"prefix delegation on non-nitro", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m4.large], minSize: 0, maxSize: 1}]`, "prefix", "eksfleet:nodeGroups[0].instanceTypes[0]", "not a Nitro"},
		{"bottlerocket with shell", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, amiFamily: Bottlerocket, instanceTypes: [m5.large], minSize: 0, maxSize: 1, preBootstrapCommands: [echo hi]}]`, "", "eksfleet:nodeGroups[0].preBootstrapCommands", "Bottlerocket"},
		{"hop limit", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, imdsHopLimit: 0}]`, "", "eksfleet:nodeGroups[0].imdsHopLimit", "1-64"},
		{"spot percentage", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, spot: {onDemandPercentageAboveBaseCapacity: 120}}]`, "", "eksfleet:nodeGroups[0].spot.onDemandPercentageAboveBaseCapacity", "0-100"},
		{"warm pool state", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, warmPool: {state: Frozen}}]`, "", "eksfleet:nodeGroups[0].warmPool.state", "Stopped"},
		{"root volume too small", "eksfleet:nodeGroups", `[{name: a, kind: self-managed, instanceTypes: [m5.large], minSize: 0, maxSize: 1, rootVolume: {sizeGiB: 8}}]`, "", "eksfleet:nodeGroups[0].rootVolume.sizeGiB", "20-16384"},
		{"missing kind", "eksfleet:nodeGroups", `[{name: a, instanceTypes: [m5.large], minSize: 0, maxSize: 1}]`, "", "eksfleet:nodeGroups[0].kind", "is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := with(t, tc.key, tc.value)
			stack := "dev"
			switch tc.stack {
			case "prod":
				stack = "prod"
			case "prefix":
				v["eksfleet:cni"] = `{"prefixDelegation": true}`
			}
			_, err := config.Parse("eksfleet", stack, v)
			if err == nil {
				t.Fatalf("want an error at %s, got none", tc.wantPath)
			}
			var cerr *config.Errors
			if !errors.As(err, &cerr) {
				t.Fatalf("error is %T, want *config.Errors", err)
			}
			for _, p := range cerr.Problems {
				if p.Path == tc.wantPath && strings.Contains(p.String(), tc.wantMsg) {
					return
				}
			}
			t.Fatalf("no problem at %s containing %q; got:\n%v", tc.wantPath, tc.wantMsg, err)
		})
	}
}

func TestReportsEveryProblemAtOnce(t *testing.T) {
	v := values(t, base)
	v["eksfleet:cluster"] = `{"version": "2.0", "logTypes": ["nope"]}`
	v["eksfleet:nodeGroups"] = `[{"name": "a", "kind": "managed", "instanceTypes": ["m5.large"], "minSize": 5, "maxSize": 2, "spot": {}}]`
	v["eksfleet:proxy"] = `{"httpProxy": "::"}`
	_, err := config.Parse("eksfleet", "dev", v)
	var cerr *config.Errors
	if !errors.As(err, &cerr) {
		t.Fatalf("want *config.Errors, got %v", err)
	}
	want := []string{"eksfleet:cluster.version", "eksfleet:cluster.logTypes[0]", "eksfleet:nodeGroups[0].minSize", "eksfleet:nodeGroups[0].spot", "eksfleet:proxy.httpProxy"}
	got := map[string]bool{}
	for _, p := range cerr.Problems {
		got[p.Path] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing problem at %s; got:\n%v", w, err)
		}
	}
	if !strings.Contains(err.Error(), "invalid stack configuration (") {
		t.Errorf("summary line missing: %v", err)
	}
}

func TestEnvironmentRequiredForOtherStackNames(t *testing.T) {
	_, err := config.Parse("eksfleet", "sandbox", values(t, base))
	if err == nil || !strings.Contains(err.Error(), "eksfleet:environment") {
		t.Fatalf("want environment required for stack sandbox, got %v", err)
	}
	v := values(t, base)
	v["eksfleet:environment"] = "staging"
	cfg, err := config.Parse("eksfleet", "sandbox", v)
	if err != nil || cfg.Environment != "staging" {
		t.Fatalf("explicit environment: cfg=%v err=%v", cfg, err)
	}
}

func TestZonesLookedUpWhenUndeclared(t *testing.T) {
	v := values(t, base)
	v["eksfleet:network"] = `{"vpcId": "vpc-0a1b2c3d4e5f60718", "vpcCidr": "10.20.0.0/16", "privateSubnetIds": ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"]}`
	cfg, err := config.Parse("eksfleet", "dev", v)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.SubnetsNeedingZones(); len(got) != 2 {
		t.Fatalf("SubnetsNeedingZones = %v", got)
	}
	err = cfg.ValidateZones(map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1a"})
	if err == nil || !strings.Contains(err.Error(), "all in one availability zone") {
		t.Fatalf("want one-zone error, got %v", err)
	}
	if err := cfg.ValidateZones(map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1b"}); err != nil {
		t.Fatal(err)
	}
}

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
