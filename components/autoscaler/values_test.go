package autoscaler

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/internal/chart"
)

const testRole = "arn:aws:iam::111122223333:role/acme-ca-irsa-1234567"

func baseInput() ValuesInput {
	return ValuesInput{
		Cluster: "acme-dev", Region: "eu-west-1", ImageTag: "v1.33.3", RoleARN: testRole,
		Expander: "least-waste", BalanceSimilarNodeGroups: true, ScaleDownUnneededTime: "10m",
	}
}

// decodeValues round-trips values through their generic map form and
// strict-decodes them, as the mock tests do with recorded inputs.
func decodeValues(t *testing.T, m map[string]any) Values {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v Values
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("values do not decode strictly: %v\n%s", err, b)
	}
	return v
}

func TestBuildValues(t *testing.T) {
	v, err := BuildValues(baseInput())
	if err != nil {
		t.Fatal(err)
	}
	m, err := v.Map()
	if err != nil {
		t.Fatal(err)
	}
	got := decodeValues(t, m)
	if got.CloudProvider != "aws" || got.AWSRegion != "eu-west-1" || got.AutoDiscovery.ClusterName != "acme-dev" {
		t.Errorf("provider/region/cluster = %q %q %q", got.CloudProvider, got.AWSRegion, got.AutoDiscovery.ClusterName)
	}
	if "asg:tag="+strings.Join(got.AutoDiscovery.Tags, ",") != DiscoveryArg("acme-dev") {
		t.Errorf("autoDiscovery.tags %v render a different flag than %s", got.AutoDiscovery.Tags, DiscoveryArg("acme-dev"))
	}
	if got.Image != (Image{Repository: "registry.k8s.io/autoscaling/cluster-autoscaler", Tag: "v1.33.3"}) {
		t.Errorf("image = %+v", got.Image)
	}
	sa := got.RBAC.ServiceAccount
	if !sa.Create || sa.Name != ServiceAccountName || !reflect.DeepEqual(sa.Annotations, map[string]string{"eks.amazonaws.com/role-arn": testRole}) {
		t.Errorf("service account = %+v", sa)
	}
	wantArgs := map[string]string{
		"expander": "least-waste", "balance-similar-node-groups": "true",
		"scale-down-unneeded-time": "10m", "skip-nodes-with-local-storage": "false",
	}
	if !reflect.DeepEqual(got.ExtraArgs, wantArgs) {
		t.Errorf("extraArgs = %v, want %v", got.ExtraArgs, wantArgs)
	}
	if got.ExpanderPriorities != nil {
		t.Errorf("expanderPriorities set without the priority expander: %v", got.ExpanderPriorities)
	}
	if _, ok := m["awsAccessKeyID"]; ok {
		t.Error("static AWS keys must never be set: IRSA provides credentials")
	}
	CheckPlacement(t, got)
	if _, ok := m["extraEnv"]; ok {
		t.Errorf("extraEnv set without a proxy: %v", m["extraEnv"])
	}

	in := baseInput()
	in.BalanceSimilarNodeGroups = false
	v, _ = BuildValues(in)
	if v.ExtraArgs["balance-similar-node-groups"] != "false" {
		t.Errorf("balance-similar-node-groups = %q, want an explicit false", v.ExtraArgs["balance-similar-node-groups"])
	}
}

func TestBuildValuesPriority(t *testing.T) {
	in := baseInput()
	in.Expander = "priority"
	if _, err := BuildValues(in); err == nil || !strings.Contains(err.Error(), "needs at least one autoscaled node group") {
		t.Fatalf("priority without groups: %v", err)
	}
	p, err := Priorities([]PriorityGroup{{Name: "od", ASGNames: []string{"acme-od"}}, {Name: "spot", Spot: true, ASGNames: []string{"acme-spot"}}})
	if err != nil {
		t.Fatal(err)
	}
	in.Priorities = p
	v, err := BuildValues(in)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.Map()
	got := decodeValues(t, m)
	if got.ExtraArgs["expander"] != "priority" || !reflect.DeepEqual(got.ExpanderPriorities, p) {
		t.Errorf("expander %q priorities %v", got.ExtraArgs["expander"], got.ExpanderPriorities)
	}
}

func TestBuildValuesRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*ValuesInput)
		want   string
	}{
		"price expander":  {func(in *ValuesInput) { in.Expander = "price" }, `autoscaler.expander "price"`},
		"grpc expander":   {func(in *ValuesInput) { in.Expander = "grpc" }, "must be one of least-waste, priority, random, most-pods"},
		"bad duration":    {func(in *ValuesInput) { in.ScaleDownUnneededTime = "ten minutes" }, "scaleDownUnneededTime"},
		"zero duration":   {func(in *ValuesInput) { in.ScaleDownUnneededTime = "0s" }, "positive duration"},
		"no region":       {func(in *ValuesInput) { in.Region = "" }, "region is required"},
		"no cluster":      {func(in *ValuesInput) { in.Cluster = "" }, "cluster name is required"},
		"not a role":      {func(in *ValuesInput) { in.RoleARN = "arn:aws:iam::1:user/x" }, "must be an IAM role ARN"},
		"bad image":       {func(in *ValuesInput) { in.ImageTag = "latest" }, "must look like v1.33.3"},
		"unknown role":    {func(in *ValuesInput) { in.RoleARN = "" }, "must be an IAM role ARN"},
		"wrong image tag": {func(in *ValuesInput) { in.ImageTag = "1.33.3" }, "image tag"},
	} {
		t.Run(name, func(t *testing.T) {
			in := baseInput()
			tc.mutate(&in)
			if _, err := BuildValues(in); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPriorities(t *testing.T) {
	got, err := Priorities([]PriorityGroup{
		{Name: "system", ASGNames: []string{"eks-acme-system-1a2b"}},
		{Name: "spot", Spot: true, ASGNames: []string{"acme-prod-spot"}},
		{Name: "workers-a", ASGNames: []string{"acme-prod-workers-a"}},
		{Name: "workers-b", ASGNames: []string{"acme-prod-workers-b", "acme-prod-workers-b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"20": {`^acme-prod-spot$`},
		"10": {`^acme-prod-workers-a$`, `^acme-prod-workers-b$`, `^eks-acme-system-1a2b$`},
		"1":  {`.*`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Priorities = %v\nwant %v", got, want)
	}
	// Names are matched literally: a dot in a name must not match any rune.
	got, _ = Priorities([]PriorityGroup{{Name: "x", ASGNames: []string{"a.b"}}})
	if got["10"][0] != `^a\.b$` {
		t.Errorf("pattern = %s, want the name quoted", got["10"][0])
	}
	for name, groups := range map[string][]PriorityGroup{
		"none":       nil,
		"no asgs":    {{Name: "g"}},
		"empty name": {{Name: "g", ASGNames: []string{""}}},
	} {
		if _, err := Priorities(groups); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// CheckPlacement asserts the autoscaler runs two replicas that tolerate
// CriticalAddonsOnly system nodes and spread softly by the release's pods.
func CheckPlacement(t *testing.T, v Values) {
	t.Helper()
	if v.ReplicaCount != 2 {
		t.Errorf("replicaCount = %d, want 2 (active and standby)", v.ReplicaCount)
	}
	if !reflect.DeepEqual(v.Tolerations, []chart.Toleration{{Key: "CriticalAddonsOnly", Operator: "Exists"}}) {
		t.Errorf("tolerations = %+v", v.Tolerations)
	}
	var keys []string
	for _, c := range v.TopologySpreadConstraints {
		keys = append(keys, c.TopologyKey)
		if c.MaxSkew != 1 || c.WhenUnsatisfiable != "ScheduleAnyway" || !reflect.DeepEqual(c.LabelSelector.MatchLabels, map[string]string{"app.kubernetes.io/instance": "cluster-autoscaler"}) {
			t.Errorf("spread constraint = %+v", c)
		}
	}
	if !reflect.DeepEqual(keys, []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"}) {
		t.Errorf("spread topology keys = %v", keys)
	}
}

func TestBuildValuesProxy(t *testing.T) {
	in := baseInput()
	env, err := chart.ProxyEnvironment("http://proxy.corp.example:3128", "", []string{"10.40.0.0/16", ".svc"})
	if err != nil {
		t.Fatal(err)
	}
	in.ProxyEnv = env
	v, err := BuildValues(in)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.Map()
	got := decodeValues(t, m).ExtraEnv
	want := map[string]string{
		"HTTP_PROXY": "http://proxy.corp.example:3128", "HTTPS_PROXY": "http://proxy.corp.example:3128", "NO_PROXY": "10.40.0.0/16,.svc",
		"http_proxy": "http://proxy.corp.example:3128", "https_proxy": "http://proxy.corp.example:3128", "no_proxy": "10.40.0.0/16,.svc",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("extraEnv = %v, want %v", got, want)
	}
}
