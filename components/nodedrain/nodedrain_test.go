package nodedrain

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/internal/helmcheck"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	testIssuer   = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testProvider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testHost     = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	releaseType  = "kubernetes:helm.sh/v3:Release"
)

func testArgs() *Args {
	return &Args{
		ClusterName: "acme-prod", Region: "eu-west-1",
		OIDCProviderARN: pulumi.String(testProvider), OIDCIssuerURL: pulumi.String(testIssuer),
		Tags: map[string]string{"team": "platform"},
	}
}

func run(t *testing.T, args *Args, install bool) (*mockcloud.Cloud, error) {
	t.Helper()
	cloud := mockcloud.New(mockcloud.Options{Stack: "prod"})
	err := cloud.Run(func(ctx *pulumi.Context) error {
		if install {
			p, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{
				Kubeconfig: pulumi.ToSecret(pulumi.String(`{"apiVersion":"v1","kind":"Config"}`)).(pulumi.StringOutput),
			})
			if err != nil {
				return err
			}
			args.Provider = p
		}
		_, err := New(ctx, "drain", args)
		return err
	}, mockcloud.RunConfig{})
	return cloud, err
}

// one is the single recorded resource of a type (inputs.Only, resource only).
func one(t *testing.T, cloud *mockcloud.Cloud, typ string) mockcloud.Resource {
	t.Helper()
	r, _ := inputs.Only(t, cloud, typ)
	return r
}

func str(t *testing.T, m resource.PropertyMap, key string) string {
	t.Helper()
	v, ok := m[resource.PropertyKey(key)]
	if !ok || !v.IsString() {
		t.Fatalf("input %s = %v, want a known string", key, v)
	}
	return v.StringValue()
}

func TestNodeDrainResources(t *testing.T) {
	args := testArgs()
	args.ASGNames = pulumi.ToStringArray([]string{"acme-prod-workers-a", "acme-prod-spot"})
	cloud, err := run(t, args, true)
	if err != nil {
		t.Fatal(err)
	}
	comp := one(t, cloud, TypeToken)

	queue := one(t, cloud, "aws:sqs/queue:Queue")
	if v := queue.Inputs["sqsManagedSseEnabled"]; !v.IsBool() || !v.BoolValue() {
		t.Errorf("queue sqsManagedSseEnabled = %v, want true", v)
	}
	if _, ok := queue.Inputs["kmsMasterKeyId"]; ok {
		t.Error("queue sets a KMS key: SSE-SQS is the one EventBridge can always write to")
	}
	queueARN, queueURL := queue.Outputs["arn"].StringValue(), queue.Outputs["url"].StringValue()

	rules := cloud.OfType("aws:cloudwatch/eventRule:EventRule")
	var patterns, ruleARNs []string
	ruleByName := map[string]string{}
	for _, r := range rules {
		patterns = append(patterns, str(t, r.Inputs, "eventPattern"))
		ruleARNs = append(ruleARNs, r.Outputs["arn"].StringValue())
		ruleByName[r.Outputs["name"].StringValue()] = r.Outputs["arn"].StringValue()
	}
	byType := CheckPatterns(t, patterns, false)
	if got := byType["EC2 Instance-terminate Lifecycle Action"].Detail["AutoScalingGroupName"]; !reflect.DeepEqual(got, []string{"acme-prod-spot", "acme-prod-workers-a"}) {
		t.Errorf("lifecycle rule ASGs = %v", got)
	}
	targets := cloud.OfType("aws:cloudwatch/eventTarget:EventTarget")
	targeted := map[string]bool{}
	for _, tg := range targets {
		if str(t, tg.Inputs, "arn") != queueARN {
			t.Errorf("target %s sends to %s, not the queue", tg.Name, str(t, tg.Inputs, "arn"))
		}
		targeted[str(t, tg.Inputs, "rule")] = true
	}
	for name := range ruleByName {
		if !targeted[name] {
			t.Errorf("rule %s has no target on the queue", name)
		}
	}

	qp := one(t, cloud, "aws:sqs/queuePolicy:QueuePolicy")
	if str(t, qp.Inputs, "queueUrl") != queueURL {
		t.Errorf("queue policy on %s", str(t, qp.Inputs, "queueUrl"))
	}
	qdoc, err := iampolicy.Parse(str(t, qp.Inputs, "policy"))
	if err != nil {
		t.Fatal(err)
	}
	CheckQueuePolicy(t, qdoc, queueARN, ruleARNs)

	role := one(t, cloud, "aws:iam/role:Role")
	trust, err := iampolicy.Parse(str(t, role.Inputs, "assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	ts := trust.Statement[0]
	if len(trust.Statement) != 1 || ts.Principal == nil || !reflect.DeepEqual(ts.Principal.Federated, iampolicy.Values{testProvider}) ||
		!reflect.DeepEqual(ts.Action, iampolicy.Values{"sts:AssumeRoleWithWebIdentity"}) {
		t.Errorf("trust = %+v", trust)
	}
	wantCond := map[string]map[string]iampolicy.Values{"StringEquals": {
		testHost + ":sub": {"system:serviceaccount:kube-system:aws-node-termination-handler"},
		testHost + ":aud": {"sts.amazonaws.com"},
	}}
	if !reflect.DeepEqual(ts.Condition, wantCond) {
		t.Errorf("trust condition = %v", ts.Condition)
	}
	rp := one(t, cloud, "aws:iam/rolePolicy:RolePolicy")
	hdoc, err := iampolicy.Parse(str(t, rp.Inputs, "policy"))
	if err != nil {
		t.Fatal(err)
	}
	CheckHandlerPolicy(t, hdoc, "111122223333", "acme-prod", queueARN)

	rel := one(t, cloud, releaseType)
	for k, want := range map[string]string{"chart": Chart, "version": "0.27.6", "namespace": "kube-system", "name": ReleaseName} {
		if got := str(t, rel.Inputs, k); got != want {
			t.Errorf("release %s = %q, want %q", k, got, want)
		}
	}
	if f := helmcheck.Findings(rel.Inputs["values"]); len(f) != 0 {
		t.Errorf("handler values hold credentials: %v", f)
	}
	values := decodeValues(t, rel.Inputs["values"].Mappable().(map[string]interface{}))
	CheckValues(t, values, queueURL, role.Outputs["arn"].StringValue())
	if !contains(rel.Dependencies, rp.URN) {
		t.Errorf("release does not wait for the role policy")
	}

	for _, r := range cloud.Resources() {
		if r.URN == comp.URN || r.Type == "pulumi:providers:kubernetes" {
			continue
		}
		if r.Parent != comp.URN {
			t.Errorf("%s is parented to %s, not the component", r.URN, r.Parent)
		}
		if tags, ok := r.Inputs["tags"]; ok && tags.ObjectValue()["team"].StringValue() != "platform" {
			t.Errorf("%s tags = %v", r.URN, tags)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestNodeDrainWithoutProvider(t *testing.T) {
	cloud, err := run(t, testArgs(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cloud.Resources() {
		if strings.HasPrefix(r.Type, "kubernetes:") || strings.HasPrefix(r.Type, "pulumi:providers:kubernetes") {
			t.Errorf("Kubernetes resource %s registered without a provider", r.URN)
		}
	}
	one(t, cloud, "aws:sqs/queue:Queue")
	one(t, cloud, "aws:sqs/queuePolicy:QueuePolicy")
	if n := len(cloud.OfType("aws:cloudwatch/eventRule:EventRule")); n != 4 {
		t.Errorf("%d rules, want 4 (no rebalance rule: no group lacks capacity rebalance)", n)
	}
	// Unscoped: the lifecycle rule forwards every ASG's hooks.
	for _, r := range cloud.OfType("aws:cloudwatch/eventRule:EventRule") {
		if strings.Contains(str(t, r.Inputs, "eventPattern"), "AutoScalingGroupName") {
			t.Errorf("rule %s filters ASGs though none were given", r.Name)
		}
	}
}

// TestNodeDrainRebalanceRule: rebalance recommendations reach the queue only
// for Spot groups without capacity rebalance, since the handler drains on
// each one it receives.
func TestNodeDrainRebalanceRule(t *testing.T) {
	args := testArgs()
	args.SpotWithoutCapacityRebalance = true
	cloud, err := run(t, args, false)
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, r := range cloud.OfType("aws:cloudwatch/eventRule:EventRule") {
		patterns = append(patterns, str(t, r.Inputs, "eventPattern"))
	}
	CheckPatterns(t, patterns, true)
	if n := len(cloud.OfType("aws:cloudwatch/eventTarget:EventTarget")); n != 5 {
		t.Errorf("%d targets, want one per rule (5)", n)
	}
}

// TestNodeDrainProxy: behind a proxy the handler's pods get HTTP_PROXY,
// HTTPS_PROXY and NO_PROXY (both cases) with the NO_PROXY list given; a proxy
// URL with credentials keeps the values a Pulumi secret.
func TestNodeDrainProxy(t *testing.T) {
	noProxy := []string{"10.40.0.0/16", "172.20.0.0/16", ".svc"}
	args := testArgs()
	args.HTTPProxy, args.NoProxy = "http://proxy.corp.example:3128", pulumi.ToStringArray(noProxy)
	cloud, err := run(t, args, true)
	if err != nil {
		t.Fatal(err)
	}
	rel := one(t, cloud, releaseType)
	if f := helmcheck.Findings(rel.Inputs["values"]); len(f) != 0 {
		t.Errorf("proxied values hold credentials: %v", f)
	}
	v := decodeValues(t, rel.Inputs["values"].Mappable().(map[string]interface{}))
	env := map[string]string{}
	for _, e := range v.ExtraEnv {
		env[e.Name] = e.Value
	}
	want := map[string]string{
		"HTTP_PROXY": "http://proxy.corp.example:3128", "HTTPS_PROXY": "http://proxy.corp.example:3128", "NO_PROXY": "10.40.0.0/16,172.20.0.0/16,.svc",
		"http_proxy": "http://proxy.corp.example:3128", "https_proxy": "http://proxy.corp.example:3128", "no_proxy": "10.40.0.0/16,172.20.0.0/16,.svc",
	}
	if !reflect.DeepEqual(env, want) || len(v.ExtraEnv) != len(want) {
		t.Errorf("extraEnv = %v, want %v", v.ExtraEnv, want)
	}

	args = testArgs()
	args.HTTPSProxy, args.NoProxy = "http://svc-nth:pa55@proxy.corp.example:3128", pulumi.ToStringArray(noProxy)
	cloud, err = run(t, args, true)
	if err != nil {
		t.Fatal(err)
	}
	rel = one(t, cloud, releaseType)
	if !rel.Inputs["values"].ContainsSecrets() {
		t.Error("values with a credentialed proxy URL are not a Pulumi secret")
	}
}

func TestNodeDrainRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Args)
		want   string
	}{
		"cluster": {func(a *Args) { a.ClusterName = "" }, "ClusterName and Region are required"},
		"oidc":    {func(a *Args) { a.OIDCProviderARN = nil }, "OIDCProviderARN and OIDCIssuerURL are required"},
		"chart":   {func(a *Args) { a.ChartVersion = "v0.27" }, `chart version "v0.27"`},
		"proxy":   {func(a *Args) { a.HTTPProxy = "http://proxy:3128" }, "NoProxy is required"},
	} {
		t.Run(name, func(t *testing.T) {
			args := testArgs()
			tc.mutate(args)
			cloud, err := run(t, args, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if n := len(cloud.Resources()); n != 0 {
				t.Errorf("%d resources registered", n)
			}
		})
	}
}
