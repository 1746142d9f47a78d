package karpenter

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/iampolicy"
	"github.com/eksfleet/eksfleet/components/instancetypes"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/shared"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

const (
	testIssuer    = "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	testProvider  = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
	nodeClassType = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
	nodePoolType  = "kubernetes:karpenter.sh/v1:NodePool"
)

func testArgs() *Args {
	return &Args{
		ClusterName: "acme", KubernetesVersion: "1.33", Region: "eu-west-1",
		OIDCProviderARN: pulumi.String(testProvider), OIDCIssuerURL: pulumi.String(testIssuer),
		EKSName: pulumi.String("acme"), Endpoint: pulumi.String("https://ABC.gr7.eu-west-1.eks.amazonaws.com"),
		CertificateAuthority: pulumi.String("Y2E="), NodeSecurityGroupID: pulumi.String("sg-0123456789abcdef0"),
		ServiceIPv4CIDR: "172.20.0.0/16", VPCCIDR: "10.20.0.0/16",
		SubnetIDs: []string{"subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"},
		Network:   instancetypes.NetworkMode{PrefixDelegation: true},
		Proxy:     &bootstrap.Proxy{HTTPProxy: "http://proxy.corp.example:3128"},
		HTTPProxy: "http://proxy.corp.example:3128", NoProxy: pulumi.ToStringArray([]string{"10.20.0.0/16", ".svc"}),
		Pools: []Pool{
			{Name: "general", Filter: spec.Filter{Categories: []string{"c", "m"}, MinGeneration: 6}, CapacityTypes: []string{"SPOT", "ON_DEMAND"},
				Limits: map[string]string{"cpu": "256"}, Volume: nodespec.Volume{SizeGiB: 50, Type: "gp3", Encrypted: true},
				Disruption: spec.Disruption{ConsolidationPolicy: "WhenEmptyOrUnderutilized", ConsolidateAfter: "1m", Budgets: []spec.Budget{{Nodes: "10%"}}}, ExpireAfter: "720h"},
			{Name: "arm", Family: bootstrap.Bottlerocket, AMIReleaseVersion: "1.50.0", Filter: spec.Filter{Architectures: []string{"arm64"}, Families: []string{"m7g"}},
				Taints: []bootstrap.Taint{{Key: "arm", Value: "true", Effect: "NoSchedule"}}, Limits: map[string]string{"cpu": "64"}, HopLimit: 1,
				Volume: nodespec.Volume{SizeGiB: 80, Type: "gp3", Encrypted: true}, Weight: 10},
		},
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
		_, err := New(ctx, "acme-karpenter", args)
		return err
	}, mockcloud.RunConfig{})
	return cloud, err
}

func TestKarpenterResources(t *testing.T) {
	cloud, err := run(t, testArgs(), true)
	if err != nil {
		t.Fatal(err)
	}
	comp, _ := inputs.Only(t, cloud, TypeToken)
	for _, r := range cloud.Resources() {
		if r.Type != TypeToken && r.Type != "pulumi:providers:kubernetes" && r.Parent != comp.URN {
			t.Errorf("%s %s is not parented to the component", r.Type, r.Name)
		}
	}
	counts := map[string]int{}
	for _, r := range cloud.Resources() {
		counts[r.Type]++
	}
	for typ, want := range map[string]int{
		"aws:iam/role:Role": 2, "aws:iam/instanceProfile:InstanceProfile": 1, "aws:eks/accessEntry:AccessEntry": 1,
		"aws:sqs/queue:Queue": 1, "aws:sqs/queuePolicy:QueuePolicy": 1, "aws:cloudwatch/eventRule:EventRule": 5,
		"aws:cloudwatch/eventTarget:EventTarget": 5, "kubernetes:helm.sh/v3:Release": 2, nodeClassType: 2, nodePoolType: 2,
	} {
		if counts[typ] != want {
			t.Errorf("%d %s, want %d", counts[typ], typ, want)
		}
	}
	_, entry := inputs.Only(t, cloud, "aws:eks/accessEntry:AccessEntry")
	entry.Expect(t, "type", "EC2_LINUX")

	// Controller role: IRSA trust for kube-system/karpenter, upstream policy.
	_, rp := inputs.Only(t, cloud, "aws:iam/rolePolicy:RolePolicy")
	var doc iampolicy.Document
	if err := json.Unmarshal([]byte(rp.String("policy")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 18 || !strings.Contains(rp.String("policy"), `"aws:ResourceTag/kubernetes.io/cluster/acme":"owned"`) {
		t.Errorf("controller policy: %s", rp.String("policy"))
	}
	var trustFound bool
	for _, r := range cloud.OfType("aws:iam/role:Role") {
		if strings.Contains(inputs.Of(r).String("assumeRolePolicy"), "system:serviceaccount:kube-system:karpenter") {
			trustFound = true
		}
	}
	if !trustFound {
		t.Error("no role trusts system:serviceaccount:kube-system:karpenter")
	}

	// Releases: CRDs, then the controller with our values.
	var controller inputs.Map
	for _, r := range cloud.OfType("kubernetes:helm.sh/v3:Release") {
		in := inputs.Of(r)
		switch in.String("chart") {
		case spec.CRDChart:
			in.Expect(t, "version", "1.14.1")
		case spec.ControllerChart:
			controller = in
			in.Expect(t, "skipCrds", true)
		default:
			t.Errorf("unexpected chart %s", in.String("chart"))
		}
	}
	controller.Expect(t, "values.settings.clusterName", "acme")
	controller.Expect(t, "values.settings.clusterEndpoint", "https://ABC.gr7.eu-west-1.eks.amazonaws.com")
	controller.Expect(t, "values.replicas", int64(2))
	if q := controller.String("values.settings.interruptionQueue"); !strings.HasPrefix(q, "acme-karpenter") {
		t.Errorf("interruptionQueue = %q", q)
	}
	ann, _ := controller.Get("values.serviceAccount.annotations")
	if arn, _ := ann.(map[string]any)[RoleARNAnnotation].(string); !strings.Contains(arn, ":role/acme-karpenter-irsa") {
		t.Errorf("service account IRSA annotation = %q", arn)
	}
	controller.Expect(t, "values.serviceAccount.name", "karpenter")
	env := map[string]string{}
	for _, e := range controller.List("values.controller.env") {
		m := e.(map[string]any)
		env[m["name"].(string)] = m["value"].(string)
	}
	if env["HTTPS_PROXY"] != "http://proxy.corp.example:3128" || env["no_proxy"] != "10.20.0.0/16,.svc" {
		t.Errorf("controller proxy env = %v", env)
	}

	// Node classes: user data from our renderer, max pods from the table.
	for _, r := range cloud.OfType(nodeClassType) {
		in := inputs.Of(r)
		name := in.String("metadata.name")
		in.Expect(t, "spec.metadataOptions.httpTokens", "required")
		if p := in.String("spec.instanceProfile"); !strings.HasPrefix(p, "acme-karpenter-node") {
			t.Errorf("instanceProfile = %s, want the node instance profile", p)
		}
		ud := in.String("spec.userData")
		switch name {
		case "general":
			in.Expect(t, "spec.amiSelectorTerms[0].alias", "al2023@latest")
			// The smallest max pods the table computes for the pool's
			// types (c/m, generation 6+, x86_64) with prefix delegation.
			want, _ := spec.PoolMaxPods(spec.Select(testArgs().Pools[0].Filter), instancetypes.NetworkMode{PrefixDelegation: true})
			in.Expect(t, "spec.kubelet.maxPods", int64(want))
			n, err := userdata.Decode(bootstrap.AL2023, []byte(ud))
			if err != nil {
				t.Fatal(err)
			}
			// Our parts only: Karpenter adds the cluster, labels and taints.
			if n.Environment["HTTPS_PROXY"] != "http://proxy.corp.example:3128" || n.MaxPods != want || n.KubeReservedMaxPods != want || n.Endpoint != "" || len(n.Labels) != 0 {
				t.Errorf("general user data reads as %+v:\n%s", n, ud)
			}
		case "arm":
			in.Expect(t, "spec.amiSelectorTerms[0].alias", "bottlerocket@v1.50.0")
			in.Expect(t, "spec.metadataOptions.httpPutResponseHopLimit", int64(1))
			n, err := userdata.Decode(bootstrap.Bottlerocket, []byte(ud))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(ud, "https-proxy") || n.MaxPods == 0 || n.ClusterName != "" {
				t.Errorf("Bottlerocket user data reads as %+v:\n%s", n, ud)
			}
		default:
			t.Errorf("unexpected node class %s", name)
		}
	}
	// Objects wait for the controller (and so, on destroy, go first while
	// it still clears their finalizers); pools also for their class.
	var controllerURN string
	for _, r := range cloud.OfType("kubernetes:helm.sh/v3:Release") {
		if inputs.Of(r).String("chart") == spec.ControllerChart {
			controllerURN = r.URN
		}
	}
	for _, typ := range []string{nodeClassType, nodePoolType} {
		for _, r := range cloud.OfType(typ) {
			if !slices.Contains(r.Dependencies, controllerURN) {
				t.Errorf("%s %s does not depend on the controller release", typ, r.Name)
			}
		}
	}
	for _, r := range cloud.OfType(nodePoolType) {
		in := inputs.Of(r)
		if in.String("metadata.name") == "arm" {
			in.Expect(t, "spec.weight", int64(10))
			in.Expect(t, "spec.template.spec.taints[0].key", "arm")
			in.Expect(t, "spec.template.spec.nodeClassRef.name", "arm")
		}
	}
}

// TestAWSSideWithoutProvider: no Kubernetes provider, no release or
// object, but the role, queue and values exist.
func TestAWSSideWithoutProvider(t *testing.T) {
	cloud, err := run(t, testArgs(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"kubernetes:helm.sh/v3:Release", nodeClassType, nodePoolType} {
		if n := len(cloud.OfType(typ)); n != 0 {
			t.Errorf("%d %s without a provider", n, typ)
		}
	}
	if len(cloud.OfType("aws:sqs/queue:Queue")) != 1 {
		t.Error("no queue")
	}
}

// TestBadArgsRegisterNothing: every refusal comes before registration.
func TestBadArgsRegisterNothing(t *testing.T) {
	for name, mutate := range map[string]func(*Args){
		"no pools":  func(a *Args) { a.Pools = nil },
		"old chart": func(a *Args) { a.ChartVersion = "1.4.0" },
		"no match": func(a *Args) {
			a.Pools[0].Filter = spec.Filter{Architectures: []string{"arm64"}, Families: []string{"m6i"}}
		},
		"AL2 pool":      func(a *Args) { a.Pools[0].Family = bootstrap.AL2 },
		"bad release":   func(a *Args) { a.Pools[1].AMIReleaseVersion = "v1" },
		"duplicate":     func(a *Args) { a.Pools[1].Name = "general" },
		"no oidc":       func(a *Args) { a.OIDCProviderARN = nil },
		"bad capacity":  func(a *Args) { a.Pools[0].CapacityTypes = []string{"spot"} },
		"label refused": func(a *Args) { a.Pools[0].Labels = map[string]string{"kubernetes.io/role": "x"} },
	} {
		t.Run(name, func(t *testing.T) {
			args := testArgs()
			mutate(args)
			cloud, err := run(t, args, true)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, r := range cloud.Resources() {
				if r.Type != "pulumi:providers:kubernetes" {
					t.Errorf("registered %s %s before refusing: %v", r.Type, r.Name, err)
				}
			}
		})
	}
}

// TestRulesMatchTemplate compares Rules with the template's EventBridge
// rules.
func TestRulesMatchTemplate(t *testing.T) {
	up, err := shared.Upstream()
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(filepath.Join(up, "karpenter", "cloudformation", "cloudformation.yaml"))
	if err != nil {
		t.Skipf("skipping: the shared upstream data is absent (%v); CI always has it", err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				EventPattern map[string][]string `yaml:"EventPattern"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want [][2]string
	for _, r := range doc.Resources {
		if r.Type == "AWS::Events::Rule" {
			want = append(want, [2]string{r.Properties.EventPattern["source"][0], r.Properties.EventPattern["detail-type"][0]})
		}
	}
	var got [][2]string
	for _, r := range Rules() {
		if len(r.Pattern.Detail) > 0 {
			t.Errorf("rule %s narrows the template's pattern with %v", r.Key, r.Pattern.Detail)
		}
		got = append(got, [2]string{r.Pattern.Source[0], r.Pattern.DetailType[0]})
	}
	sortPairs := func(p [][2]string) {
		for i := range p {
			for j := i + 1; j < len(p); j++ {
				if p[j][0]+p[j][1] < p[i][0]+p[i][1] {
					p[i], p[j] = p[j], p[i]
				}
			}
		}
	}
	sortPairs(want)
	sortPairs(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n got %v\nwant %v", got, want)
	}
}

// TestMaxPodsKnobs: which knob carries max pods in each VPC CNI mode (see
// the package doc): none with standard networking, the chart's
// reservedENIs with custom networking, spec.kubelet.maxPods and the user
// data with prefix delegation or an explicit value.
func TestMaxPodsKnobs(t *testing.T) {
	for _, tc := range []struct {
		name             string
		mode             instancetypes.NetworkMode
		explicit         int
		wantReserved     string
		wantKubeletPods  bool
		wantUserDataPods bool
	}{
		{"standard", instancetypes.NetworkMode{}, 0, "0", false, false},
		{"custom networking", instancetypes.NetworkMode{CustomNetworking: true}, 0, "1", false, false},
		{"prefix delegation", instancetypes.NetworkMode{PrefixDelegation: true}, 0, "0", true, true},
		{"both", instancetypes.NetworkMode{CustomNetworking: true, PrefixDelegation: true}, 0, "1", true, true},
		{"explicit", instancetypes.NetworkMode{}, 42, "0", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := testArgs()
			args.Network = tc.mode
			args.Pools = args.Pools[:1]
			args.Pools[0].MaxPods = tc.explicit
			cloud, err := run(t, args, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range cloud.OfType("kubernetes:helm.sh/v3:Release") {
				if in := inputs.Of(r); in.String("chart") == spec.ControllerChart {
					in.Expect(t, "values.settings.reservedENIs", tc.wantReserved)
				}
			}
			_, class := inputs.Only(t, cloud, nodeClassType)
			pods, has := class.Get("spec.kubelet.maxPods")
			if has != tc.wantKubeletPods {
				t.Errorf("spec.kubelet.maxPods = %v (set %v), want set %v", pods, has, tc.wantKubeletPods)
			}
			n, err := userdata.Decode(bootstrap.AL2023, []byte(class.String("spec.userData")))
			if err != nil {
				t.Fatal(err)
			}
			if (n.MaxPods > 0) != tc.wantUserDataPods || (has && int64(n.MaxPods) != pods) {
				t.Errorf("user data max pods %d, kubelet.maxPods %v", n.MaxPods, pods)
			}
			if tc.explicit > 0 && n.MaxPods != tc.explicit {
				t.Errorf("explicit max pods %d, user data %d", tc.explicit, n.MaxPods)
			}
		})
	}
}
