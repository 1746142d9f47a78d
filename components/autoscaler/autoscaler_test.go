package autoscaler

import (
	"encoding/json"
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
		ClusterName: "acme-prod", KubernetesVersion: "1.33", Region: "eu-west-1",
		OIDCProviderARN: pulumi.String(testProvider), OIDCIssuerURL: pulumi.String(testIssuer),
		Expander: "least-waste", BalanceSimilarNodeGroups: true, ScaleDownUnneededTime: "15m",
		Tags: map[string]string{"team": "platform"},
	}
}

// run evaluates the component against the recording fake. install adds a
// Kubernetes provider, as the stack does when autoscaler.enabled is true.
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
		_, err := New(ctx, "ca", args)
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

func TestAutoscalerResources(t *testing.T) {
	cloud, err := run(t, testArgs(), true)
	if err != nil {
		t.Fatal(err)
	}
	comp := one(t, cloud, TypeToken)

	role := one(t, cloud, "aws:iam/role:Role")
	trust, err := iampolicy.Parse(str(t, role.Inputs, "assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trust.Statement) != 1 {
		t.Fatalf("trust has %d statements", len(trust.Statement))
	}
	ts := trust.Statement[0]
	if ts.Principal == nil || !reflect.DeepEqual(ts.Principal.Federated, iampolicy.Values{testProvider}) || ts.Principal.AWS != nil || ts.Principal.Service != nil {
		t.Errorf("trust principal = %+v, want only the cluster's OIDC provider", ts.Principal)
	}
	if !reflect.DeepEqual(ts.Action, iampolicy.Values{"sts:AssumeRoleWithWebIdentity"}) {
		t.Errorf("trust action = %v", ts.Action)
	}
	wantCond := map[string]map[string]iampolicy.Values{"StringEquals": {
		testHost + ":sub": {"system:serviceaccount:kube-system:cluster-autoscaler"},
		testHost + ":aud": {"sts.amazonaws.com"},
	}}
	if !reflect.DeepEqual(ts.Condition, wantCond) {
		t.Errorf("trust condition = %v\nwant %v", ts.Condition, wantCond)
	}

	rp := one(t, cloud, "aws:iam/rolePolicy:RolePolicy")
	policy, err := iampolicy.Parse(str(t, rp.Inputs, "policy"))
	if err != nil {
		t.Fatal(err)
	}
	CheckPolicy(t, policy, "aws", "eu-west-1", "111122223333", "acme-prod")
	if str(t, rp.Inputs, "role") != role.Outputs["name"].StringValue() {
		t.Errorf("policy attached to %s, not the IRSA role", str(t, rp.Inputs, "role"))
	}

	rel := one(t, cloud, releaseType)
	for k, want := range map[string]string{
		"chart": "cluster-autoscaler", "version": "9.50.1", "namespace": "kube-system", "name": "cluster-autoscaler",
	} {
		if got := str(t, rel.Inputs, k); got != want {
			t.Errorf("release %s = %q, want %q", k, got, want)
		}
	}
	if repo := rel.Inputs["repositoryOpts"].ObjectValue()["repo"].StringValue(); repo != ChartRepo {
		t.Errorf("repository = %s", repo)
	}
	if f := helmcheck.Findings(rel.Inputs["values"]); len(f) != 0 {
		t.Errorf("chart values hold credentials: %v", f)
	}
	values := recordedValues(t, rel)
	if values.RBAC.ServiceAccount.Annotations[RoleARNAnnotation] != role.Outputs["arn"].StringValue() {
		t.Errorf("service account annotation %v, want the role ARN %v", values.RBAC.ServiceAccount.Annotations, role.Outputs["arn"])
	}
	if values.RBAC.ServiceAccount.Name != ServiceAccountName || !strings.HasSuffix(ts.Condition["StringEquals"][testHost+":sub"][0], ":"+values.RBAC.ServiceAccount.Name) {
		t.Errorf("the chart's service account %q is not the one the trust policy names", values.RBAC.ServiceAccount.Name)
	}
	if got, _ := ImageMinor(values.Image.Tag); got != "1.33" {
		t.Errorf("image %s does not match the cluster minor 1.33", values.Image.Tag)
	}
	if values.AWSRegion != "eu-west-1" || values.AutoDiscovery.ClusterName != "acme-prod" {
		t.Errorf("region %q cluster %q", values.AWSRegion, values.AutoDiscovery.ClusterName)
	}
	flags, _ := ParseDiscoveryArg("asg:tag=" + strings.Join(values.AutoDiscovery.Tags, ","))
	if !reflect.DeepEqual(flags, DiscoveryTags("acme-prod")) {
		t.Errorf("discovery filters %v, want %v", flags, DiscoveryTags("acme-prod"))
	}
	if values.ExtraArgs["scale-down-unneeded-time"] != "15m" || values.ExtraArgs["skip-nodes-with-local-storage"] != "false" {
		t.Errorf("extraArgs = %v", values.ExtraArgs)
	}

	// Parenting, ordering and the provider.
	for _, r := range []mockcloud.Resource{role, rp, rel} {
		if r.Parent != comp.URN {
			t.Errorf("%s is parented to %s, not the component", r.URN, r.Parent)
		}
	}
	if !contains(rel.Dependencies, rp.URN) {
		t.Errorf("release does not wait for the role policy: %v", rel.Dependencies)
	}
	if !strings.Contains(rel.Provider, "pulumi:providers:kubernetes::k8s") {
		t.Errorf("release provider = %s", rel.Provider)
	}
	if role.Inputs["tags"].ObjectValue()["team"].StringValue() != "platform" {
		t.Errorf("role tags = %v", role.Inputs["tags"])
	}
}

func recordedValues(t *testing.T, rel mockcloud.Resource) Values {
	t.Helper()
	m, ok := rel.Inputs["values"].Mappable().(map[string]interface{})
	if !ok {
		t.Fatalf("values = %v", rel.Inputs["values"])
	}
	return decodeValues(t, m)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Without a Kubernetes provider only the AWS side exists, so a stack with
// autoscaler.enabled: false deploys from outside the VPC.
func TestAutoscalerWithoutProvider(t *testing.T) {
	cloud, err := run(t, testArgs(), false)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cloud.OfType(releaseType)); n != 0 {
		t.Errorf("%d Helm releases without a Kubernetes provider", n)
	}
	for _, r := range cloud.Resources() {
		if strings.HasPrefix(r.Type, "kubernetes:") || strings.HasPrefix(r.Type, "pulumi:providers:kubernetes") {
			t.Errorf("Kubernetes resource %s registered", r.URN)
		}
	}
	one(t, cloud, "aws:iam/role:Role")
	one(t, cloud, "aws:iam/rolePolicy:RolePolicy")
	one(t, cloud, TypeToken)
}

func TestAutoscalerPriorityExpander(t *testing.T) {
	args := testArgs()
	args.Expander = "priority"
	args.NodeGroups = []NodeGroup{
		{Name: "system", ASGNames: pulumi.ToStringArray([]string{"eks-system-0a1b"})},
		{Name: "spot", Spot: true, ASGNames: pulumi.ToStringArray([]string{"acme-prod-spot"})},
	}
	cloud, err := run(t, args, true)
	if err != nil {
		t.Fatal(err)
	}
	values := recordedValues(t, one(t, cloud, releaseType))
	want := map[string][]string{"20": {"^acme-prod-spot$"}, "10": {"^eks-system-0a1b$"}, "1": {".*"}}
	if values.ExtraArgs["expander"] != "priority" || !reflect.DeepEqual(values.ExpanderPriorities, want) {
		t.Errorf("expander %q priorities %v, want %v", values.ExtraArgs["expander"], values.ExpanderPriorities, want)
	}
}

func TestAutoscalerChartOverride(t *testing.T) {
	args := testArgs()
	args.ChartVersion = "9.48.0"
	args.KubernetesVersion = "1.32"
	cloud, err := run(t, args, true)
	if err != nil {
		t.Fatal(err)
	}
	rel := one(t, cloud, releaseType)
	if v := str(t, rel.Inputs, "version"); v != "9.48.0" {
		t.Errorf("chart version %s, want the override", v)
	}
	if tag := recordedValues(t, rel).Image.Tag; tag != "v1.32.5" {
		t.Errorf("image %s, want the 1.32 autoscaler whatever the chart", tag)
	}
}

func TestAutoscalerRejectsBeforeRegistering(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Args)
		want   string
	}{
		"version":       {func(a *Args) { a.KubernetesVersion = "1.40" }, `kubernetes version "1.40"`},
		"price":         {func(a *Args) { a.Expander = "price" }, `autoscaler.expander "price"`},
		"duration":      {func(a *Args) { a.ScaleDownUnneededTime = "soon" }, `scaleDownUnneededTime "soon"`},
		"priority none": {func(a *Args) { a.Expander = "priority" }, "needs at least one autoscaled node group"},
		"priority asgs": {func(a *Args) { a.Expander = "priority"; a.NodeGroups = []NodeGroup{{Name: "g"}} }, "NodeGroups[0] (g): ASGNames is required"},
		"oidc":          {func(a *Args) { a.OIDCIssuerURL = nil }, "OIDCIssuerURL are required"},
		"chart":         {func(a *Args) { a.ChartVersion = "latest" }, `autoscaler.chartVersion "latest"`},
	} {
		t.Run(name, func(t *testing.T) {
			args := testArgs()
			tc.mutate(args)
			cloud, err := run(t, args, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if n := len(cloud.Resources()); n != 0 {
				t.Errorf("%d resources registered before the error", n)
			}
		})
	}
}

// The values never embed an unknown or secret: a preview shows them whole.
func TestAutoscalerValuesJSON(t *testing.T) {
	cloud, err := run(t, testArgs(), true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(one(t, cloud, releaseType).Inputs["values"].Mappable())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "awsSecretAccessKey") || strings.Contains(string(b), "awsAccessKeyID") {
		t.Errorf("values mention static AWS keys: %s", b)
	}
}

// TestAutoscalerProxy: the release's values carry the proxy environment with
// the NO_PROXY list given; a proxy URL with credentials keeps them a Pulumi
// secret; a proxy without NO_PROXY is refused.
func TestAutoscalerProxy(t *testing.T) {
	args := testArgs()
	args.HTTPProxy, args.NoProxy = "http://proxy.corp.example:3128", pulumi.ToStringArray([]string{"10.40.0.0/16", ".svc"})
	cloud, err := run(t, args, true)
	if err != nil {
		t.Fatal(err)
	}
	rel := one(t, cloud, releaseType)
	if f := helmcheck.Findings(rel.Inputs["values"]); len(f) != 0 {
		t.Errorf("proxied values hold credentials: %v", f)
	}
	env := recordedValues(t, rel).ExtraEnv
	if env["HTTPS_PROXY"] != "http://proxy.corp.example:3128" || env["NO_PROXY"] != "10.40.0.0/16,.svc" || env["no_proxy"] != env["NO_PROXY"] || len(env) != 6 {
		t.Errorf("extraEnv = %v", env)
	}

	args = testArgs()
	args.HTTPSProxy, args.NoProxy = "http://svc-ca:pa55@proxy.corp.example:3128", pulumi.ToStringArray([]string{".svc"})
	if cloud, err = run(t, args, true); err != nil {
		t.Fatal(err)
	}
	if rel := one(t, cloud, releaseType); !rel.Inputs["values"].ContainsSecrets() {
		t.Error("values with a credentialed proxy URL are not a Pulumi secret")
	}

	args = testArgs()
	args.HTTPProxy = "http://proxy.corp.example:3128"
	if _, err := run(t, args, false); err == nil || !strings.Contains(err.Error(), "NoProxy is required") {
		t.Errorf("proxy without NoProxy: %v", err)
	}
}
