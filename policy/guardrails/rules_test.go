package guardrails_test

import (
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/nodegroup"
	"github.com/eksfleet/eksfleet/policy/catalog"
	"github.com/eksfleet/eksfleet/policy/guardrails"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// ruleCase is one table case of a rule: resources, and the violations
// (substrings) and cannot-verify finding it must produce. A case without
// want and cannot must produce neither.
type ruleCase struct {
	name      string
	env       string // default prod
	settings  func(*guardrails.Settings)
	resources []policyx.AnalyzerResource
	want      []string
	cannot    string
}

func runCases(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	r, ok := catalog.Lookup(rule)
	if !ok {
		t.Fatalf("rule %s is not in the catalogue", rule)
	}
	var pass, fail bool
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := guardrails.Settings{Environment: "prod", VpcCIDRs: []string{"10.20.0.0/16"}}
			if tc.env != "" {
				s.Environment = tc.env
			}
			if tc.settings != nil {
				tc.settings(&s)
			}
			got, cannot := evaluate(s, rule, tc.resources...)
			for _, w := range tc.want {
				if !strings.Contains(messages(got), w) {
					t.Errorf("want a %s violation containing %q, got:\n%s", rule, w, messages(got))
				}
			}
			if len(tc.want) == 0 && len(got) > 0 {
				t.Errorf("want no %s violation, got:\n%s", rule, messages(got))
			}
			for _, v := range got {
				if !strings.HasSuffix(v.Message, r.AnchorText()) {
					t.Errorf("message does not end with the anchors %s: %s", r.AnchorText(), v.Message)
				}
				if v.Enforcement != string(s.Level(rule)) {
					t.Errorf("enforcement %s, want %s", v.Enforcement, s.Level(rule))
				}
			}
			switch {
			case tc.cannot != "" && !strings.Contains(messages(cannot), tc.cannot):
				t.Errorf("want a cannot-verify finding containing %q, got:\n%s", tc.cannot, messages(cannot))
			case tc.cannot == "" && len(cannot) > 0:
				t.Errorf("want no cannot-verify finding, got:\n%s", messages(cannot))
			}
			for _, v := range cannot {
				if v.Enforcement != "advisory" || !strings.Contains(v.Message, "cannot verify") {
					t.Errorf("cannot-verify finding %+v: want advisory and the words cannot verify", v)
				}
			}
		})
		pass = pass || (len(tc.want) == 0 && tc.cannot == "")
		fail = fail || len(tc.want) > 0
	}
	if !pass || !fail {
		t.Errorf("rule %s needs at least one passing and one failing case", rule)
	}
}

func TestIMDSv2Required(t *testing.T) {
	runCases(t, "imdsv2-required", []ruleCase{
		{name: "required", resources: []policyx.AnalyzerResource{launchTemplate("ok", "", nil)}},
		{name: "optional tokens", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"metadataOptions": m{"httpTokens": "optional"}})},
			want: []string{`httpTokens = "optional"`}},
		{name: "no metadata options", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"metadataOptions": nil})},
			want: []string{"has no metadataOptions"}},
		{name: "tokens unset", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"metadataOptions": m{"httpEndpoint": "enabled"}})},
			want: []string{"leaves metadataOptions.httpTokens unset"}},
		{name: "endpoint disabled", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"metadataOptions": m{"httpEndpoint": "disabled", "httpTokens": "required"}})},
			want: []string{`httpEndpoint = "disabled"`}},
		{name: "launch configuration", resources: []policyx.AnalyzerResource{res(lcType, "lc", m{"metadataOptions": m{"httpTokens": "optional"}})},
			want: []string{`launch configuration "lc" sets metadataOptions.httpTokens = "optional"`}},
		{name: "unknown at preview", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"metadataOptions": m{"httpEndpoint": "enabled", "httpTokens": unknown}})},
			cannot: "metadataOptions.httpTokens: it is unknown until deployment"},
		{name: "other types ignored", resources: []policyx.AnalyzerResource{res("aws:ec2/instance:Instance", "vm", m{})}},
	})
}

func TestIMDSHopLimit(t *testing.T) {
	hop := func(n any) policyx.AnalyzerResource {
		return launchTemplate("lt", "", m{"metadataOptions": m{"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": n}})
	}
	runCases(t, "imds-hop-limit", []ruleCase{
		{name: "two", resources: []policyx.AnalyzerResource{hop(2)}},
		{name: "one", resources: []policyx.AnalyzerResource{hop(1)}},
		{name: "unset (EC2 default 1)", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"metadataOptions": m{"httpTokens": "required"}})}},
		{name: "three", resources: []policyx.AnalyzerResource{hop(3)}, want: []string{"httpPutResponseHopLimit = 3"}},
		{name: "advisory in dev", env: "dev", resources: []policyx.AnalyzerResource{hop(5)}, want: []string{"httpPutResponseHopLimit = 5"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{hop(unknown)}, cannot: "httpPutResponseHopLimit"},
	})
}

func TestNodeVolumesEncrypted(t *testing.T) {
	ebs := func(enc any) []any {
		return []any{m{"deviceName": "/dev/xvda", "ebs": m{"encrypted": enc, "volumeType": "gp3"}}}
	}
	runCases(t, "node-volumes-encrypted", []ruleCase{
		{name: "encrypted", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", nil)}},
		{name: "encrypted as bool", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"blockDeviceMappings": ebs(true)})}},
		{name: "instance store mapping skipped", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{
			"blockDeviceMappings": append(ebs("true"), m{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"})})}},
		{name: "unencrypted", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"blockDeviceMappings": ebs("false")})},
			want: []string{"blockDeviceMappings[0] (/dev/xvda) is not encrypted"}},
		{name: "encrypted unset", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"blockDeviceMappings": []any{m{"deviceName": "/dev/xvda", "ebs": m{"volumeSize": 50}}}})},
			want: []string{"is not encrypted"}},
		{name: "no mappings", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"blockDeviceMappings": nil})},
			want: []string{"maps no block devices"}},
		{name: "launch configuration root", resources: []policyx.AnalyzerResource{res(lcType, "lc", m{"rootBlockDevice": m{"encrypted": false}})},
			want: []string{`launch configuration "lc" rootBlockDevice is not encrypted`}},
		{name: "launch configuration encrypted", resources: []policyx.AnalyzerResource{res(lcType, "lc", m{
			"rootBlockDevice": m{"encrypted": true}, "ebsBlockDevices": []any{m{"encrypted": true}}})}},
		{name: "unknown", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"blockDeviceMappings": ebs(unknown)})},
			cannot: "blockDeviceMappings[0] (/dev/xvda).encrypted"},
	})
}

func TestNodesNoPublicIP(t *testing.T) {
	nics := func(second any) []any {
		return []any{m{"deviceIndex": 0, "associatePublicIpAddress": "false"}, m{"deviceIndex": 1, "associatePublicIpAddress": second}}
	}
	runCases(t, "nodes-no-public-ip", []ruleCase{
		{name: "private", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"networkInterfaces": nics("false")})}},
		{name: "no interfaces block", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"networkInterfaces": nil})}},
		{name: "public second interface", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"networkInterfaces": nics("true")})},
			want: []string{"networkInterfaces[1].associatePublicIpAddress is true"}},
		{name: "launch configuration", resources: []policyx.AnalyzerResource{res(lcType, "lc", m{"associatePublicIpAddress": true})},
			want: []string{"associatePublicIpAddress = true"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"networkInterfaces": nics(unknown)})},
			cannot: "networkInterfaces[1].associatePublicIpAddress"},
	})
}

func TestEKSEndpointPrivate(t *testing.T) {
	vpc := func(v m) policyx.AnalyzerResource { return eksCluster("1.33", m{"vpcConfig": v}) }
	runCases(t, "eks-endpoint-private", []ruleCase{
		{name: "private only", resources: []policyx.AnalyzerResource{vpc(m{"endpointPrivateAccess": true, "endpointPublicAccess": false})}},
		{name: "public to listed CIDRs with private on", resources: []policyx.AnalyzerResource{vpc(m{
			"endpointPrivateAccess": true, "endpointPublicAccess": true, "publicAccessCidrs": []string{"203.0.113.0/24"}})}},
		{name: "open to the world", resources: []policyx.AnalyzerResource{vpc(m{
			"endpointPrivateAccess": true, "endpointPublicAccess": true, "publicAccessCidrs": []string{"203.0.113.0/24", "0.0.0.0/0"}})},
			want: []string{"to the whole internet (publicAccessCidrs 0.0.0.0/0)"}},
		{name: "open to the IPv6 world", resources: []policyx.AnalyzerResource{vpc(m{
			"endpointPrivateAccess": true, "endpointPublicAccess": true, "publicAccessCidrs": []string{"::/0"}})},
			want: []string{"publicAccessCidrs ::/0"}},
		{name: "EKS defaults: public, no CIDRs, private off", resources: []policyx.AnalyzerResource{vpc(m{})},
			want: []string{"no publicAccessCidrs, which EKS opens to 0.0.0.0/0", "endpointPrivateAccess off"}},
		{name: "advisory in staging", env: "staging", resources: []policyx.AnalyzerResource{vpc(m{
			"endpointPrivateAccess": true, "endpointPublicAccess": true, "publicAccessCidrs": []string{"0.0.0.0/0"}})},
			want: []string{"whole internet"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{vpc(m{"endpointPrivateAccess": true, "endpointPublicAccess": unknown})},
			cannot: "vpcConfig.endpointPublicAccess"},
	})
	if l := (guardrails.Settings{Environment: "staging"}).Level("eks-endpoint-private"); l != catalog.Advisory {
		t.Errorf("eks-endpoint-private in staging: %s, want advisory (mandatory in prod only)", l)
	}
}

func TestEKSControlPlaneLogs(t *testing.T) {
	logs := func(types ...string) policyx.AnalyzerResource {
		return eksCluster("1.33", m{"enabledClusterLogTypes": types})
	}
	runCases(t, "eks-control-plane-logs", []ruleCase{
		{name: "all five in prod", resources: []policyx.AnalyzerResource{logs("api", "audit", "authenticator", "controllerManager", "scheduler")}},
		{name: "audit and authenticator in dev", env: "dev", resources: []policyx.AnalyzerResource{logs("audit", "authenticator")}},
		{name: "three in prod", resources: []policyx.AnalyzerResource{logs("api", "audit", "authenticator")},
			want: []string{"controllerManager and scheduler control plane logs"}},
		{name: "no audit in dev", env: "dev", resources: []policyx.AnalyzerResource{logs("api")},
			want: []string{"audit and authenticator control plane logs"}},
		{name: "stack config defaults in staging", env: "staging", resources: []policyx.AnalyzerResource{logs("api", "audit", "authenticator")}},
		{name: "no authenticator in staging", env: "staging", resources: []policyx.AnalyzerResource{logs("api", "audit")},
			want: []string{"the authenticator control plane logs"}},
		{name: "none", resources: []policyx.AnalyzerResource{eksCluster("1.33", m{"enabledClusterLogTypes": nil})},
			want: []string{"api, audit, authenticator, controllerManager and scheduler"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{eksCluster("1.33", m{"enabledClusterLogTypes": unknown})},
			cannot: "enabledClusterLogTypes"},
	})
}

func TestEKSSecretsCMK(t *testing.T) {
	runCases(t, "eks-secrets-cmk", []ruleCase{
		{name: "customer key", resources: []policyx.AnalyzerResource{eksCluster("1.33", nil)}},
		{name: "no encryption config", resources: []policyx.AnalyzerResource{eksCluster("1.33", m{"encryptionConfig": nil})},
			want: []string{"has no encryptionConfig"}},
		{name: "no key", resources: []policyx.AnalyzerResource{eksCluster("1.33", m{"encryptionConfig": m{"resources": []string{"secrets"}}})},
			want: []string{"has no provider.keyArn"}},
		{name: "not secrets", resources: []policyx.AnalyzerResource{eksCluster("1.33", m{"encryptionConfig": m{
			"resources": []string{}, "provider": m{"keyArn": "arn:aws:kms:eu-west-1:111122223333:key/abc"}}})},
			want: []string{`does not include "secrets"`}},
		{name: "key created in the same stack", resources: []policyx.AnalyzerResource{eksCluster("1.33", m{"encryptionConfig": m{
			"resources": []string{"secrets"}, "provider": m{"keyArn": unknown}}})},
			cannot: "encryptionConfig.provider.keyArn: it is unknown until deployment"},
	})
}

func TestASGLaunchTemplate(t *testing.T) {
	runCases(t, "asg-launch-template", []ruleCase{
		{name: "launch template", resources: selfManaged("g", "", nil, nil)},
		{name: "mixed instances", resources: []policyx.AnalyzerResource{res(asgType, "g", m{"minSize": 0, "maxSize": 1,
			"mixedInstancesPolicy": m{"launchTemplate": m{"launchTemplateSpecification": m{"launchTemplateId": "lt-1"}}}})}},
		{name: "launch configuration", resources: []policyx.AnalyzerResource{res(asgType, "g", m{"minSize": 0, "maxSize": 1, "launchConfiguration": "lc-1"})},
			want: []string{"launches from a launch configuration"}},
		{name: "nothing", resources: []policyx.AnalyzerResource{res(asgType, "g", m{"minSize": 0, "maxSize": 1})},
			want: []string{"names no launch template"}},
	})
}

func TestASGSizeBounds(t *testing.T) {
	asg := func(min, max, desired any) policyx.AnalyzerResource {
		p := m{"minSize": min, "maxSize": max, "launchTemplate": m{"id": "lt-1"}}
		if desired != nil {
			p["desiredCapacity"] = desired
		}
		return res(asgType, "g", p)
	}
	ng := func(min, max, desired any) policyx.AnalyzerResource {
		return res(ngType, "ng", m{"scalingConfig": m{"minSize": min, "maxSize": max, "desiredSize": desired}})
	}
	runCases(t, "asg-size-bounds", []ruleCase{
		{name: "within bounds", resources: []policyx.AnalyzerResource{asg(1, 5, 3), ng(1, 3, 1)}},
		{name: "desired unset", resources: []policyx.AnalyzerResource{asg(0, 5, nil)}},
		{name: "desired above max", resources: []policyx.AnalyzerResource{asg(1, 5, 6)}, want: []string{"desiredCapacity 6 above maxSize 5"}},
		{name: "min above max", resources: []policyx.AnalyzerResource{asg(4, 2, nil)}, want: []string{"minSize 4 greater than maxSize 2"}},
		{name: "managed desired below min", resources: []policyx.AnalyzerResource{ng(2, 4, 1)},
			want: []string{"scalingConfig.desiredSize 1 below scalingConfig.minSize 2"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{asg(1, unknown, 2)}, cannot: "maxSize"},
	})
}

func TestCADiscoveryTags(t *testing.T) {
	tags := func(kv ...string) []any {
		var out []any
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, m{"key": kv[i], "value": kv[i+1], "propagateAtLaunch": false})
		}
		return out
	}
	asg := func(t []any) policyx.AnalyzerResource {
		return res(asgType, "g", m{"minSize": 0, "maxSize": 1, "launchTemplate": m{"id": "lt-1"}, "tags": t})
	}
	runCases(t, "ca-discovery-tags", []ruleCase{
		{name: "both", resources: []policyx.AnalyzerResource{asg(tags("kubernetes.io/cluster/acme", "owned",
			"k8s.io/cluster-autoscaler/enabled", "true", "k8s.io/cluster-autoscaler/acme", "owned"))}},
		{name: "not autoscaled", resources: []policyx.AnalyzerResource{asg(tags("kubernetes.io/cluster/acme", "owned"))}},
		{name: "cluster tag missing", resources: []policyx.AnalyzerResource{asg(tags("k8s.io/cluster-autoscaler/enabled", "true",
			"k8s.io/cluster-autoscaler/node-template/label/workload", "general"))},
			want: []string{"no k8s.io/cluster-autoscaler/<cluster>=owned tag"}},
		{name: "enabled missing", resources: []policyx.AnalyzerResource{asg(tags("k8s.io/cluster-autoscaler/acme", "owned"))},
			want: []string{"k8s.io/cluster-autoscaler/enabled=true is missing"}},
		{name: "wrong values", resources: []policyx.AnalyzerResource{asg(tags("kubernetes.io/cluster/acme", "owned",
			"k8s.io/cluster-autoscaler/enabled", "yes", "k8s.io/cluster-autoscaler/acme", "shared"))},
			want: []string{`k8s.io/cluster-autoscaler/enabled is "yes"`, `k8s.io/cluster-autoscaler/acme is "shared"`}},
		{name: "self-managed group posing as managed", resources: []policyx.AnalyzerResource{asg(tags("eks:nodegroup-name", "x",
			"k8s.io/cluster-autoscaler/enabled", "true", "k8s.io/cluster-autoscaler/acme", "owned"))},
			want: []string{"tagged eks:nodegroup-name"}},
		{name: "unknown", resources: []policyx.AnalyzerResource{asg([]any{m{"key": "k8s.io/cluster-autoscaler/enabled", "value": unknown}})}, cannot: "tags"},
	})
}

func TestCATemplateMatchesKubelet(t *testing.T) {
	labels := map[string]string{"workload": "general"}
	taints := []bootstrap.Taint{{Key: "dedicated", Value: "batch", Effect: "NoSchedule"}, {Key: "quiet", Effect: "PreferNoSchedule"}}
	render := func(f bootstrap.Family, l map[string]string, ts []bootstrap.Taint, spot bool) string {
		return userData(t, bootstrap.Input{Family: f, Cluster: al2Cluster(f), Node: bootstrap.Node{Labels: l, Taints: ts, MaxPods: 29, InstanceTypes: []string{"m5.large"}}, Spot: spot})
	}
	good := asgTags(caTags(t, labels, taints, false, false))
	without := func(key string) []any {
		var out []any
		for _, tg := range good {
			if tg.(m)["key"] != key {
				out = append(out, tg)
			}
		}
		return out
	}
	with := func(key, value string) []any {
		return append(without(key), m{"key": key, "value": value, "propagateAtLaunch": false})
	}
	ignore := ignoring("desiredCapacity")
	managed := func(ngLabels map[string]string, tagKV ...string) []policyx.AnalyzerResource {
		ng := res(ngType, "ng", m{
			"clusterName": "acme", "capacityType": "SPOT", "labels": ngLabels,
			"taints":        []any{m{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}},
			"scalingConfig": m{"minSize": 0, "maxSize": 3, "desiredSize": 0},
		}, ignoring("scalingConfig.desiredSize"))
		out := []policyx.AnalyzerResource{ng}
		for i := 0; i+1 < len(tagKV); i += 2 {
			out = append(out, res(asgTagType, "tag-"+tagKV[i], m{"autoscalingGroupName": unknown,
				"tag": m{"key": tagKV[i], "value": tagKV[i+1], "propagateAtLaunch": false}}, dependingOn(ng.URN)))
		}
		return out
	}
	runCases(t, "ca-template-matches-kubelet", []ruleCase{
		{name: "AL2023 tags from the same source", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false), good, nil, ignore)},
		{name: "Bottlerocket", resources: selfManaged("g", render(bootstrap.Bottlerocket, labels, taints, true),
			asgTags(caTags(t, labels, taints, true, false)), nil, ignore)},
		{name: "AL2", resources: selfManaged("g", render(bootstrap.AL2, labels, taints, false), good, nil, ignore)},
		{name: "not autoscaled", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false), []any{}, nil)},
		{name: "label without tag", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false),
			without("k8s.io/cluster-autoscaler/node-template/label/workload"), nil, ignore),
			want: []string{"nodes register label workload=general but no k8s.io/cluster-autoscaler/node-template/label/workload tag"}},
		{name: "tag promises a label", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false),
			with("k8s.io/cluster-autoscaler/node-template/label/gpu", "true"), nil, ignore),
			want: []string{"promises label gpu=true that the nodes never register"}},
		{name: "label value differs", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false),
			with("k8s.io/cluster-autoscaler/node-template/label/workload", "batch"), nil, ignore),
			want: []string{`label workload is "general" on the nodes but "batch" in the node-template tag`}},
		{name: "taint tag without colon", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false),
			with("k8s.io/cluster-autoscaler/node-template/taint/quiet", "PreferNoSchedule"), nil, ignore),
			want: []string{"is ignored by the autoscaler", "nodes register taint quiet:PreferNoSchedule but no"}},
		{name: "taint effect differs", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false),
			with("k8s.io/cluster-autoscaler/node-template/taint/dedicated", "batch:NoExecute"), nil, ignore),
			want: []string{"taint dedicated=batch:NoSchedule on the nodes is dedicated=batch:NoExecute in the node-template tag"}},
		{name: "tag promises a taint", resources: selfManaged("g", render(bootstrap.AL2023, labels, nil, false), good, nil, ignore),
			want: []string{"promises taint dedicated=batch:NoSchedule"}},
		{name: "kubelet well-known label in tags", resources: selfManaged("g", render(bootstrap.AL2023, labels, taints, false),
			with("k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone", "eu-west-1a"), nil, ignore)},
		{name: "managed group tags agree", resources: managed(map[string]string{"workload": "system"},
			"k8s.io/cluster-autoscaler/node-template/label/workload", "system",
			"k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType", "SPOT",
			"k8s.io/cluster-autoscaler/node-template/taint/dedicated", "batch:NoSchedule")},
		{name: "managed group tag contradicts", resources: managed(map[string]string{"workload": "system"},
			"k8s.io/cluster-autoscaler/node-template/label/workload", "general",
			"k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType", "ON_DEMAND"),
			want: []string{`label workload is "system" on the nodes but "general"`, `label eks.amazonaws.com/capacityType is "SPOT" on the nodes (set by EKS) but "ON_DEMAND"`}},
		{name: "launch template outside the stack", resources: selfManaged("g", "", good, nil, ignore)[1:], cannot: "its launch template is not in the stack"},
		{name: "user data computed", resources: []policyx.AnalyzerResource{
			launchTemplate("g", "", m{"userData": unknown}),
			selfManaged("g", "", good, nil, ignore, dependingOn("urn:pulumi:test::proj::"+ltType+"::g"))[1],
		}, cannot: "against the user data of launch template"},
	})
}

// al2Cluster is the test cluster, at 1.32 for AL2 (which the renderer
// refuses at 1.33).
func al2Cluster(f bootstrap.Family) bootstrap.Cluster {
	c := testCluster
	if f == bootstrap.AL2 {
		c.KubernetesVersion = "1.32"
	}
	return c
}

func TestDesiredCapacityIgnored(t *testing.T) {
	tags := asgTags(caTags(t, nil, nil, false, false))
	ud := userData(t, bootstrap.Input{Node: bootstrap.Node{MaxPods: 29}})
	caRelease := res("kubernetes:helm.sh/v3:Release", "ca", m{"chart": "cluster-autoscaler", "version": "9.50.1"})
	ng := func(opts ...func(*policyx.AnalyzerResource)) policyx.AnalyzerResource {
		return res(ngType, "ng", m{"scalingConfig": m{"minSize": 1, "maxSize": 3, "desiredSize": 1}}, opts...)
	}
	policy := func(asg string, opts ...func(*policyx.AnalyzerResource)) policyx.AnalyzerResource {
		return res("aws:autoscaling/policy:Policy", "scale-out", m{"autoscalingGroupName": asg, "policyType": "TargetTrackingScaling"}, opts...)
	}
	// The group's component says this update moves the desired size into
	// new bounds (nodegroup.Sizing): a one-off, accepted for that size only.
	component := res("eksfleet:index:ManagedNodeGroup", "acme-system", m{nodegroup.ResizeOutput: m{"liveDesiredSize": 1, "desiredSize": 2}})
	child := func(r *policyx.AnalyzerResource) { r.Parent = component.URN }
	resized := res(ngType, "ng", m{"scalingConfig": m{"minSize": 2, "maxSize": 3, "desiredSize": 2}}, child)
	otherSize := res(ngType, "ng", m{"scalingConfig": m{"minSize": 1, "maxSize": 3, "desiredSize": 3}}, child)
	runCases(t, "desired-capacity-ignored", []ruleCase{
		{name: "ignored", resources: selfManaged("g", ud, tags, nil, ignoring("desiredCapacity"))},
		{name: "ignore all", resources: selfManaged("g", ud, tags, nil, ignoring("*"))},
		{name: "desired unset", resources: selfManaged("g", ud, tags, m{"desiredCapacity": nil})},
		{name: "not autoscaled", resources: selfManaged("g", ud, []any{}, nil)},
		{name: "managed without autoscaler in stack", resources: []policyx.AnalyzerResource{ng()}},
		{name: "managed ignored", resources: []policyx.AnalyzerResource{caRelease, ng(ignoring("scalingConfig.desiredSize"))}},
		{name: "not ignored", resources: selfManaged("g", ud, tags, nil),
			want: []string{`Pulumi manages desiredCapacity`}},
		{name: "scaling policy by name", resources: append(selfManaged("g", ud, tags, m{"name": "acme-g"}, ignoring("desiredCapacity")), policy("acme-g")),
			want: []string{`scaling policy "scale-out" targets Auto Scaling Group "g"`}},
		{name: "scaling policy by dependency", resources: append(selfManaged("g", ud, tags, nil, ignoring("desiredCapacity")),
			policy("", dependingOn("urn:pulumi:test::proj::"+asgType+"::g"))),
			want: []string{`scaling policy "scale-out"`}},
		{name: "managed with autoscaler, not ignored", resources: []policyx.AnalyzerResource{caRelease, ng()},
			want: []string{"Pulumi manages scalingConfig.desiredSize"}},
		{name: "resized into new bounds by its component", resources: []policyx.AnalyzerResource{caRelease, component, resized}},
		{name: "component resized to another size", resources: []policyx.AnalyzerResource{caRelease, component, otherSize},
			want: []string{"Pulumi manages scalingConfig.desiredSize"}},
		{name: "tags unknown", resources: selfManaged("g", ud, []any{m{"key": "k8s.io/cluster-autoscaler/enabled", "value": unknown}}, nil),
			cannot: "whether the Cluster Autoscaler scales it"},
	})
}

// The rule reads the output the node group components write.
func TestResizeOutputMatchesComponents(t *testing.T) {
	if guardrails.ResizeOutput != nodegroup.ResizeOutput {
		t.Errorf("guardrails.ResizeOutput %q, nodegroup.ResizeOutput %q", guardrails.ResizeOutput, nodegroup.ResizeOutput)
	}
}

func TestIAMResourceScoped(t *testing.T) {
	doc := func(stmts string) string { return `{"Version":"2012-10-17","Statement":` + stmts + `}` }
	rp := func(policy any) policyx.AnalyzerResource {
		return res("aws:iam/rolePolicy:RolePolicy", "ca", m{"role": "ca", "policy": policy})
	}
	runCases(t, "iam-resource-scoped", []ruleCase{
		{name: "autoscaler policy", resources: []policyx.AnalyzerResource{rp(doc(`[
			{"Effect":"Allow","Action":["autoscaling:DescribeAutoScalingGroups","ec2:DescribeInstanceTypes","ec2:GetInstanceTypesFromInstanceRequirements"],"Resource":"*"},
			{"Effect":"Allow","Action":"eks:DescribeNodegroup","Resource":"arn:aws:eks:eu-west-1:111122223333:nodegroup/acme/*/*"},
			{"Effect":"Allow","Action":["autoscaling:SetDesiredCapacity","autoscaling:TerminateInstanceInAutoScalingGroup"],"Resource":"*",
			 "Condition":{"StringEquals":{"aws:ResourceTag/k8s.io/cluster-autoscaler/acme":"owned"}}}]`))}},
		{name: "write on a named ARN", resources: []policyx.AnalyzerResource{rp(doc(`{"Effect":"Allow","Action":"sqs:DeleteMessage","Resource":"arn:aws:sqs:eu-west-1:111122223333:q"}`))}},
		{name: "deny ignored", resources: []policyx.AnalyzerResource{rp(doc(`{"Effect":"Deny","Action":"*","Resource":"*"}`))}},
		{name: "policy given as an object", resources: []policyx.AnalyzerResource{rp(m{"Version": "2012-10-17",
			"Statement": []any{m{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}}})}},
		{name: "unscoped write", resources: []policyx.AnalyzerResource{rp(doc(`[{"Sid":"Scale","Effect":"Allow","Action":["autoscaling:DescribeAutoScalingGroups","autoscaling:SetDesiredCapacity"],"Resource":"*"}]`))},
			want: []string{`Statement[0] (Scale) allows write actions autoscaling:SetDesiredCapacity on "*"`}},
		{name: "service wildcard", resources: []policyx.AnalyzerResource{rp(doc(`{"Effect":"Allow","Action":"autoscaling:*","Resource":"*"}`))},
			want: []string{"autoscaling:*"}},
		{name: "account-wide ARN", resources: []policyx.AnalyzerResource{rp(doc(`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:*"}`))},
			want: []string{"iam:PassRole"}},
		{name: "transport condition does not scope", resources: []policyx.AnalyzerResource{rp(doc(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`))},
			want: []string{"ec2:TerminateInstances"}},
		{name: "NotResource", resources: []policyx.AnalyzerResource{rp(doc(`{"Effect":"Allow","Action":"s3:PutObject","NotResource":"arn:aws:s3:::secret/*"}`))},
			want: []string{"every resource except arn:aws:s3:::secret/* (NotResource)"}},
		{name: "role inline policy", resources: []policyx.AnalyzerResource{res("aws:iam/role:Role", "r", m{"inlinePolicies": []any{
			m{"name": "inline", "policy": doc(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}}})},
			want: []string{"inlinePolicies[0] (inline)", "every action except iam:* (NotAction)"}},
		{name: "unknown document", resources: []policyx.AnalyzerResource{rp(unknown)}, cannot: `RolePolicy "ca" policy: it is unknown`},
		{name: "malformed document", resources: []policyx.AnalyzerResource{rp("{not json")}, cannot: "not a JSON policy document"},
	})
}

func TestNoAL2On133(t *testing.T) {
	al2 := userData(t, bootstrap.Input{Family: bootstrap.AL2, Cluster: al2Cluster(bootstrap.AL2), Node: bootstrap.Node{MaxPods: 29, InstanceTypes: []string{"m5.large"}}})
	al2023 := userData(t, bootstrap.Input{Node: bootstrap.Node{MaxPods: 29}})
	ng := func(ami, version any) policyx.AnalyzerResource {
		p := m{"clusterName": "acme", "amiType": ami, "scalingConfig": m{"minSize": 1, "maxSize": 1, "desiredSize": 1}}
		if version != nil {
			p["version"] = version
		}
		return res(ngType, "ng", p)
	}
	runCases(t, "no-al2-on-1.33", []ruleCase{
		{name: "AL2 on 1.32", resources: []policyx.AnalyzerResource{eksCluster("1.32", nil), launchTemplate("lt", al2, nil)}},
		{name: "AL2023 on 1.33", resources: []policyx.AnalyzerResource{eksCluster("1.33", nil), launchTemplate("lt", al2023, nil)}},
		{name: "managed AL2023", resources: []policyx.AnalyzerResource{eksCluster("1.33", nil), ng("AL2023_x86_64_STANDARD", nil)}},
		{name: "AL2 on 1.33", resources: []policyx.AnalyzerResource{eksCluster("1.33", nil), launchTemplate("lt", al2, nil)},
			want: []string{`launch template "lt" bootstraps Amazon Linux 2 nodes (bootstrap.sh) on Kubernetes 1.33`}},
		{name: "AL2 on a cluster without version", resources: []policyx.AnalyzerResource{eksCluster("", m{"version": nil}), launchTemplate("lt", al2, nil)},
			want: []string{"sets no version"}},
		{name: "managed AL2 on 1.34", resources: []policyx.AnalyzerResource{eksCluster("1.32", nil), ng("AL2_x86_64", "1.34")},
			want: []string{"runs amiType AL2_x86_64 on Kubernetes 1.34"}},
		{name: "managed AL2 taking the cluster version", resources: []policyx.AnalyzerResource{eksCluster("1.33", nil), ng("AL2_ARM_64", nil)},
			want: []string{"runs amiType AL2_ARM_64 on Kubernetes 1.33"}},
		{name: "cluster outside the stack", resources: []policyx.AnalyzerResource{launchTemplate("lt", al2, nil)},
			cannot: `cluster "acme", which is not in this stack`},
		{name: "version unknown", resources: []policyx.AnalyzerResource{eksCluster("", m{"version": unknown}), launchTemplate("lt", al2, nil)},
			cannot: "version (whether Amazon Linux 2 is still available)"},
	})
}

func TestNoProxyComplete(t *testing.T) {
	proxy := &bootstrap.Proxy{HTTPProxy: "http://proxy.corp.example:3128", NoProxy: []string{".corp.example"}}
	rendered := func(f bootstrap.Family) string {
		return userData(t, bootstrap.Input{Family: f, Cluster: al2Cluster(f), Proxy: proxy, Node: bootstrap.Node{MaxPods: 29, InstanceTypes: []string{"m5.large"}}})
	}
	nodeConfig := func(noProxy string) string {
		return b64(`apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  cluster:
    name: acme
    apiServerEndpoint: ` + endpoint + `
    certificateAuthority: Y2E=
    cidr: 172.20.0.0/16
  instance:
    environment:
      default:
        HTTPS_PROXY: http://proxy.corp.example:3128
        NO_PROXY: ` + noProxy + `
`)
	}
	script := b64("#!/bin/bash\nexport HTTPS_PROXY=http://proxy:3128\nexport NO_PROXY='10.0.0.0/8,localhost,127.0.0.1,169.254.169.254,.eks.amazonaws.com'\n/etc/eks/bootstrap.sh acme\n")
	cluster := eksCluster("1.33", nil)
	lt := func(ud string) []policyx.AnalyzerResource {
		return []policyx.AnalyzerResource{cluster, launchTemplate("lt", ud, nil)}
	}
	runCases(t, "no-proxy-complete", []ruleCase{
		{name: "AL2023 rendered", resources: lt(rendered(bootstrap.AL2023))},
		{name: "Bottlerocket rendered", resources: lt(rendered(bootstrap.Bottlerocket))},
		{name: "AL2 rendered", resources: []policyx.AnalyzerResource{eksCluster("1.32", nil), launchTemplate("lt", rendered(bootstrap.AL2), nil)}},
		{name: "no proxy", resources: lt(userData(t, bootstrap.Input{Node: bootstrap.Node{MaxPods: 29}}))},
		{name: "wide entries cover", resources: lt(nodeConfig("10.0.0.0/8,172.16.0.0/12,localhost,127.0.0.0/8,169.254.169.254,internal,amazonaws.com"))},
		{name: "IMDS and VPC missing", resources: lt(nodeConfig("172.20.0.0/16,localhost,127.0.0.1,.internal,.eks.amazonaws.com")),
			want: []string{"does not cover the VPC CIDR 10.20.0.0/16 and instance metadata (169.254.169.254)"}},
		{name: "endpoint and service CIDR missing", resources: lt(nodeConfig("10.20.0.0/16,localhost,127.0.0.1,169.254.169.254,.internal")),
			want: []string{"the service CIDR 172.20.0.0/16 and the EKS API endpoint"}},
		{name: "AL2 script missing .internal", resources: lt(script),
			want: []string{"does not cover the service CIDR 172.20.0.0/16 and EC2 private DNS names (.internal)"}},
		{name: "VPC CIDR not configured", settings: func(s *guardrails.Settings) { s.VpcCIDRs = nil },
			resources: lt(rendered(bootstrap.AL2023)), cannot: "no VPC CIDR is configured"},
		{name: "no user data", resources: lt("")},
		{name: "user data computed", resources: []policyx.AnalyzerResource{cluster, launchTemplate("lt", "", m{"userData": unknown})},
			cannot: "userData (its proxy settings)"},
		{name: "unreadable user data", resources: lt("not base64!"), cannot: "user data is not base64"},
	})
}

func TestAllowedInstanceTypes(t *testing.T) {
	allow := func(s *guardrails.Settings) { s.AllowedInstanceTypes = []string{"m6i.*", "m7g.large"} }
	mixed := func(types ...any) policyx.AnalyzerResource {
		var overrides []any
		for _, t := range types {
			overrides = append(overrides, m{"instanceType": t})
		}
		return res(asgType, "g", m{"minSize": 0, "maxSize": 1, "mixedInstancesPolicy": m{"launchTemplate": m{"overrides": overrides}}})
	}
	runCases(t, "allowed-instance-types", []ruleCase{
		{name: "allowed", settings: allow, resources: []policyx.AnalyzerResource{launchTemplate("lt", "", nil), mixed("m6i.xlarge", "m7g.large"),
			res(ngType, "ng", m{"instanceTypes": []string{"m6i.large"}})}},
		{name: "no list allows anything", resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"instanceType": "x2iedn.32xlarge"})}},
		{name: "launch template", settings: allow, resources: []policyx.AnalyzerResource{launchTemplate("lt", "", m{"instanceType": "m5.large"})},
			want: []string{`instanceType uses "m5.large", not on the allowed list (m6i.*, m7g.large)`}},
		{name: "mixed instances override", settings: allow, resources: []policyx.AnalyzerResource{mixed("m6i.xlarge", "c5.xlarge")},
			want: []string{`overrides[].instanceType uses "c5.xlarge"`}},
		{name: "managed group", settings: allow, resources: []policyx.AnalyzerResource{res(ngType, "ng", m{"instanceTypes": []string{"m7g.xlarge"}})},
			want: []string{`managed node group "ng" instanceTypes uses "m7g.xlarge"`}},
		{name: "attribute-based selection", settings: allow, resources: []policyx.AnalyzerResource{res(asgType, "g", m{"minSize": 0, "maxSize": 1,
			"mixedInstancesPolicy": m{"launchTemplate": m{"overrides": []any{m{"instanceRequirements": m{"vcpuCount": m{"min": 2}}}}}}})},
			cannot: "instanceRequirements"},
	})
}

func TestRequiredTags(t *testing.T) {
	require := func(s *guardrails.Settings) { s.RequiredTags = []string{"team", "cost-center"} }
	withDefaults := func(r policyx.AnalyzerResource) policyx.AnalyzerResource {
		r.Provider = policyx.AnalyzerProviderResource{Type: "pulumi:providers:aws", Properties: pv(m{
			"defaultTags": `{"tags":{"cost-center":"4410"}}`}).AsMap()}
		return r
	}
	runCases(t, "required-tags", []ruleCase{
		{name: "tagged", settings: require, resources: []policyx.AnalyzerResource{
			res("aws:kms/key:Key", "k", m{"tags": m{"team": "a", "cost-center": "1"}}),
			res(asgType, "g", m{"minSize": 0, "maxSize": 1, "launchTemplate": m{"id": "lt"}, "tags": []any{
				m{"key": "team", "value": "a"}, m{"key": "cost-center", "value": "1"}}}),
			res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", m{"role": "r"}), // not taggable
			res("kubernetes:core/v1:ConfigMap", "cm", m{}),                                // not AWS
		}},
		{name: "provider default tags count", settings: require, resources: []policyx.AnalyzerResource{
			withDefaults(res("aws:kms/key:Key", "k", m{"tags": m{"team": "a"}}))}},
		{name: "no requirement", resources: []policyx.AnalyzerResource{res("aws:kms/key:Key", "k", m{})}},
		{name: "missing", settings: require, resources: []policyx.AnalyzerResource{res("aws:kms/key:Key", "k", m{"tags": m{"team": "a"}})},
			want: []string{`Key "k" lacks required tag "cost-center"`}},
		{name: "taggable type without tags", settings: require, resources: []policyx.AnalyzerResource{res("aws:sqs/queue:Queue", "q", m{})},
			want: []string{`Queue "q" lacks required tags "team", "cost-center"`}},
		{name: "ASG tag list", settings: require, resources: []policyx.AnalyzerResource{res(asgType, "g", m{"minSize": 0, "maxSize": 1,
			"launchTemplate": m{"id": "lt"}, "tags": []any{m{"key": "team", "value": "a"}}})},
			want: []string{`Auto Scaling Group "g" lacks required tag "cost-center"`}},
		{name: "unknown", settings: require, resources: []policyx.AnalyzerResource{res("aws:kms/key:Key", "k", m{"tags": unknown})}, cannot: "tags"},
	})
}

// TestEveryRuleHasTests keeps the table above complete as rules are added.
func TestEveryRuleHasTests(t *testing.T) {
	tested := map[string]bool{
		"imdsv2-required": true, "imds-hop-limit": true, "node-volumes-encrypted": true, "nodes-no-public-ip": true,
		"eks-endpoint-private": true, "eks-control-plane-logs": true, "eks-secrets-cmk": true, "asg-launch-template": true,
		"asg-size-bounds": true, "ca-discovery-tags": true, "ca-template-matches-kubelet": true, "desired-capacity-ignored": true,
		"iam-resource-scoped": true, "no-al2-on-1.33": true, "no-proxy-complete": true, "allowed-instance-types": true,
		"required-tags": true, "karpenter-pool-limits": true, "karpenter-controller-scoped": true, catalog.CannotVerify: true,
	}
	for _, r := range catalog.Rules {
		if !tested[r.Name] {
			t.Errorf("rule %s has no table test", r.Name)
		}
	}
}
