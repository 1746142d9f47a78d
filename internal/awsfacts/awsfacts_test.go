package awsfacts

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const (
	role      = "aws:iam/role:Role"
	nodeGroup = "aws:eks/nodeGroup:NodeGroup"
	eventRule = "aws:cloudwatch/eventRule:EventRule"
	target    = "aws:cloudwatch/eventTarget:EventTarget"
	asg       = "aws:autoscaling/group:Group"
	lt        = "aws:ec2/launchTemplate:LaunchTemplate"
	cluster   = "aws:eks/cluster:Cluster"
	vpc       = "aws:ec2/vpc:Vpc"
)

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestTable(t *testing.T) {
	if n := len(Tokens()); n != 26 {
		t.Errorf("table has %d types, facts.json 26", n)
	}
	for _, tok := range Tokens() {
		ty, _ := For(tok)
		if ty.Token != tok || ty.TFType == "" || len(ty.Sources) == 0 {
			t.Errorf("%s: token %q, tfType %q, %d sources", tok, ty.Token, ty.TFType, len(ty.Sources))
		}
		if ty.NameValidation != nil {
			for _, p := range []string{ty.NameValidation.Pattern, ty.NameValidation.NotPattern, ty.NameValidation.FifoPattern} {
				if p != "" {
					compile(p) // panics on a pattern Go cannot compile
				}
			}
		}
	}
}

func TestConditionalsImplemented(t *testing.T) {
	impl := map[string]bool{}
	for _, k := range implementedConditionals {
		impl[k] = true
	}
	for _, tok := range Tokens() {
		ty, _ := For(tok)
		for _, c := range ty.ForceNewConditional {
			if !impl[tok+" "+c.Path] {
				t.Errorf("%s: forceNewConditional %s (%s) has no implementation in replacedIf", tok, c.Path, c.When)
			}
			delete(impl, tok+" "+c.Path)
		}
	}
	for k := range impl {
		t.Errorf("replacedIf implements %s, which the table no longer lists", k)
	}
}

func TestMakeAutoName(t *testing.T) {
	for _, tc := range []struct {
		token, urn string
		fifo       bool
		want, err  string
	}{
		// IAM role: AutoName("name", 64, "-"): 56 + 1 + 7 = 64 fits.
		{role, strings.Repeat("r", 56), false, strings.Repeat("r", 56) + "-abcdefg", ""},
		{role, strings.Repeat("r", 57), false, "", "could not make instance of 'aws:iam/role:Role': name '" + strings.Repeat("r", 57) + "-' plus 7 random chars is longer than maximum length 64"},
		// Node group: the bridge allows 255; TF's 63 is a validation matter.
		{nodeGroup, strings.Repeat("n", 60), false, strings.Repeat("n", 60) + "-abcdefg", ""},
		{eventRule, strings.Repeat("e", 57), false, "", "longer than maximum length 64"},
		{"aws:kms/alias:Alias", "secrets", false, "alias/secrets-abcdefg", ""},
		{"aws:sqs/queue:Queue", "q", true, "q-abcdefg.fifo", ""},
		{"aws:sqs/queue:Queue", "q", false, "q-abcdefg", ""},
	} {
		got, ok, err := MakeAutoName(tc.token, tc.urn, "abcdefg", tc.fifo)
		if !ok {
			t.Errorf("%s: not autonamed", tc.token)
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %q: error %v, want %q", tc.token, tc.urn, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %q: %q, %v; want %q", tc.token, tc.urn, got, err, tc.want)
		}
	}
	if _, ok, _ := MakeAutoName("aws:eks/accessEntry:AccessEntry", "x", "abcdefg", false); ok {
		t.Error("access entries have no autoname")
	}
	if _, _, err := MakeAutoName(role, "x", "abc", false); err == nil {
		t.Error("a 3-character suffix was accepted")
	}
}

func TestAutoNameFits(t *testing.T) {
	for _, tc := range []struct {
		token string
		n     int
		want  bool
	}{
		{role, 56, true}, {role, 57, false},
		{nodeGroup, 55, true}, {nodeGroup, 56, false},
		{target, 56, true}, {target, 57, false},
		{lt, 117, true}, {lt, 118, false},
		{"aws:eks/accessEntry:AccessEntry", 500, true},
	} {
		if got := AutoNameFits(tc.token, strings.Repeat("x", tc.n)); got != tc.want {
			t.Errorf("AutoNameFits(%s, %d chars) = %v", tc.token, tc.n, got)
		}
	}
}

func TestPrefixLimit(t *testing.T) {
	for tok, want := range map[string]int{
		role:                  38, // 64 - 26
		nodeGroup:             37,
		eventRule:             38, // schema allows 64, the final name 64
		lt:                    99,
		"aws:sqs/queue:Queue": 54, // 80 - 26
		"aws:iam/instanceProfile:InstanceProfile": 102,
		target:                            0, // no targetIdPrefix
		"aws:eks/accessEntry:AccessEntry": 0,
	} {
		ty, _ := For(tok)
		if got := ty.PrefixLimit(); got != want {
			t.Errorf("%s PrefixLimit = %d, want %d", tok, got, want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		token, prop, value string
		fifo               bool
		ok                 bool
	}{
		{role, "name", strings.Repeat("r", 64), false, true},
		{role, "name", strings.Repeat("r", 65), false, false},
		{role, "name", "a/b", false, false},
		{role, "namePrefix", strings.Repeat("r", 38), false, true},
		{role, "namePrefix", strings.Repeat("r", 39), false, false},
		{nodeGroup, "nodeGroupName", strings.Repeat("n", 63), false, true},
		{nodeGroup, "nodeGroupName", strings.Repeat("n", 64), false, false},
		{eventRule, "name", "ok_rule.1-x", false, true},
		{eventRule, "name", "bad rule", false, false},
		{target, "targetId", strings.Repeat("t", 65), false, false},
		{lt, "name", "ab", false, false},
		{cluster, "name", "-lead", false, false},
		{cluster, "name", strings.Repeat("c", 100), false, true},
		{"aws:ec2/securityGroup:SecurityGroup", "name", "sg-foo", false, false},
		{"aws:kms/alias:Alias", "name", "alias/aws/ebs", false, false},
		{"aws:kms/alias:Alias", "name", "alias/fleet", false, true},
		{"aws:sqs/queue:Queue", "name", strings.Repeat("q", 80), false, true},
		{"aws:sqs/queue:Queue", "name", strings.Repeat("q", 81), false, false},
		{"aws:sqs/queue:Queue", "name", strings.Repeat("q", 75) + ".fifo", true, true},
		{"aws:sqs/queue:Queue", "name", strings.Repeat("q", 76) + ".fifo", true, false},
		{"aws:sqs/queue:Queue", "namePrefix", strings.Repeat("q", 54), false, true},
		{"aws:sqs/queue:Queue", "namePrefix", strings.Repeat("q", 55), false, false},
		{"aws:autoscaling/lifecycleHook:LifecycleHook", "name", "!!x", false, true}, // unanchored
		{"aws:autoscaling/lifecycleHook:LifecycleHook", "name", "!!!", false, false},
		{role, "description", strings.Repeat("d", 1000), false, true},
	} {
		err := CheckName(tc.token, tc.prop, tc.value, tc.fifo)
		if (err == nil) != tc.ok {
			t.Errorf("CheckName(%s, %s, %q) = %v, want ok=%v", tc.token, tc.prop, tc.value, err, tc.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	for _, tc := range []struct {
		name   string
		token  string
		inputs resource.PropertyMap
		want   []string // failure properties
	}{
		{"role ok", role, props(map[string]any{"assumeRolePolicy": "{}"}), nil},
		{"role missing policy", role, props(map[string]any{}), []string{"assumeRolePolicy"}},
		{"unknown counts as present", role, resource.PropertyMap{"assumeRolePolicy": unknown}, nil},
		{"name and prefix", role, props(map[string]any{"assumeRolePolicy": "{}", "name": "a", "namePrefix": "b"}), []string{"name"}},
		{"unknown peer does not conflict", role, resource.PropertyMap{"assumeRolePolicy": unknown, "name": unknown, "namePrefix": resource.NewStringProperty("b")}, nil},
		{"long name", role, props(map[string]any{"assumeRolePolicy": "{}", "name": strings.Repeat("x", 65)}), []string{"name"}},
		{"nested required only with parent", nodeGroup, props(map[string]any{
			"clusterName": "c", "nodeRoleArn": "r", "subnetIds": []any{"s"},
			"scalingConfig": map[string]any{"desiredSize": 1, "maxSize": 1, "minSize": 1},
		}), nil},
		{"nested required", nodeGroup, props(map[string]any{
			"clusterName": "c", "nodeRoleArn": "r", "subnetIds": []any{"s"},
			"scalingConfig":  map[string]any{"desiredSize": 1, "maxSize": 1, "minSize": 1},
			"launchTemplate": map[string]any{"id": "lt-1"},
			"taints":         []any{map[string]any{"key": "k", "effect": "NO_SCHEDULE"}, map[string]any{"key": "k2"}},
		}), []string{"launchTemplate.version", "taints[].effect"}},
		{"exactly one of, nested", nodeGroup, props(map[string]any{
			"clusterName": "c", "nodeRoleArn": "r", "subnetIds": []any{"s"},
			"scalingConfig": map[string]any{"desiredSize": 1, "maxSize": 1, "minSize": 1},
			"updateConfig":  map[string]any{"maxUnavailable": 1, "maxUnavailablePercentage": 10},
		}), []string{"updateConfig.maxUnavailable"}},
		{"min items", nodeGroup, props(map[string]any{
			"clusterName": "c", "nodeRoleArn": "r", "subnetIds": []any{},
			"scalingConfig": map[string]any{"desiredSize": 1, "maxSize": 1, "minSize": 1},
		}), []string{"subnetIds"}},
		{"asg exactly one of", asg, props(map[string]any{"maxSize": 1, "minSize": 0}), []string{"launchConfiguration"}},
		{"asg ok", asg, props(map[string]any{"maxSize": 1, "minSize": 0, "launchTemplate": map[string]any{"id": "lt-1"}}), nil},
		{"rule at least one of", eventRule, props(map[string]any{}), []string{"eventPattern"}},
		{"unmodelled type", "aws:s3/bucket:Bucket", props(map[string]any{}), nil},
	} {
		var got []string
		for _, f := range Check(tc.token, tc.inputs) {
			got = append(got, f.Property)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: failures on %v, want %v (%v)", tc.name, got, tc.want, Check(tc.token, tc.inputs))
		}
	}
}

func TestNeedsAutoName(t *testing.T) {
	for _, tc := range []struct {
		token  string
		inputs map[string]any
		want   bool
	}{
		{role, map[string]any{}, true},
		{role, map[string]any{"name": "x"}, false},
		{role, map[string]any{"namePrefix": "x"}, false},
		{nodeGroup, map[string]any{"nodeGroupNamePrefix": "x"}, false},
		{target, map[string]any{}, true},
		{"aws:eks/accessEntry:AccessEntry", map[string]any{}, false},
	} {
		if got := NeedsAutoName(tc.token, props(tc.inputs)); got != tc.want {
			t.Errorf("NeedsAutoName(%s, %v) = %v", tc.token, tc.inputs, got)
		}
	}
}

func TestReplaces(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	for _, tc := range []struct {
		name       string
		token      string
		olds, news resource.PropertyMap
		want       []string
	}{
		{"role path", role, props(map[string]any{"path": "/"}), props(map[string]any{"path": "/x/"}), []string{"path"}},
		{"role description in place", role, props(map[string]any{"description": "a"}), props(map[string]any{"description": "b"}), nil},
		{"unknown new value", role, props(map[string]any{"path": "/"}), resource.PropertyMap{"path": unknown}, []string{"path"}},
		{"optional+computed left unset", nodeGroup, props(map[string]any{"amiType": "AL2023_x86_64_STANDARD"}), props(map[string]any{}), nil},
		{"optional+computed changed", nodeGroup, props(map[string]any{"amiType": "AL2023_x86_64_STANDARD"}), props(map[string]any{"amiType": "BOTTLEROCKET_x86_64"}), []string{"amiType"}},
		{"launch template version in place", nodeGroup,
			props(map[string]any{"launchTemplate": map[string]any{"id": "lt-1", "version": "1"}}),
			props(map[string]any{"launchTemplate": map[string]any{"id": "lt-1", "version": "2"}}), nil},
		{"launch template id", nodeGroup,
			props(map[string]any{"launchTemplate": map[string]any{"id": "lt-1", "version": "1"}}),
			props(map[string]any{"launchTemplate": map[string]any{"id": "lt-2", "version": "1"}}), []string{"launchTemplate"}},
		{"list element path", asg,
			props(map[string]any{"initialLifecycleHooks": []any{map[string]any{"name": "a"}}}),
			props(map[string]any{"initialLifecycleHooks": []any{map[string]any{"name": "b"}}}), []string{"initialLifecycleHooks"}},
		{"asg sizes in place", asg, props(map[string]any{"maxSize": 1}), props(map[string]any{"maxSize": 2}), nil},
		{"encryption added in place", cluster, props(map[string]any{}), props(map[string]any{"encryptionConfig": map[string]any{"resources": []any{"secrets"}}}), nil},
		{"encryption removed replaces", cluster, props(map[string]any{"encryptionConfig": map[string]any{"resources": []any{"secrets"}}}), props(map[string]any{}), []string{"encryptionConfig"}},
		{"subnets in place", cluster, props(map[string]any{"vpcConfig": map[string]any{"subnetIds": []any{"a"}}}), props(map[string]any{"vpcConfig": map[string]any{"subnetIds": []any{"b"}}}), nil},
		{"tenancy dedicated->default in place", vpc, props(map[string]any{"instanceTenancy": "dedicated"}), props(map[string]any{"instanceTenancy": "default"}), nil},
		{"tenancy default->dedicated replaces", vpc, props(map[string]any{"instanceTenancy": "default"}), props(map[string]any{"instanceTenancy": "dedicated"}), []string{"instanceTenancy"}},
		{"cidr replaces", vpc, props(map[string]any{"cidrBlock": "10.0.0.0/16"}), props(map[string]any{"cidrBlock": "10.1.0.0/16"}), []string{"cidrBlock"}},
		{"ipam cidr in place", vpc, props(map[string]any{"cidrBlock": "10.0.0.0/16", "ipv4NetmaskLength": 16}), props(map[string]any{"cidrBlock": "10.1.0.0/16", "ipv4NetmaskLength": 16}), nil},
	} {
		got := Replaces(tc.token, tc.olds, tc.news)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: replaces %v, want %v", tc.name, got, tc.want)
		}
	}
}
