package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	awsv1 "github.com/aws/karpenter-provider-aws/pkg/apis/v1"
	nodeadm "github.com/awslabs/amazon-eks-ami/nodeadm/api/v1alpha1"
	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/karpenter/spec"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"github.com/eksfleet/eksfleet/stacks"
	"helm.sh/helm/v3/pkg/chart"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	k8sjson "sigs.k8s.io/json"
	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/yaml"
)

// Karpenter's Go module (the module proxy serves it): the charts, the CRDs
// and the EC2NodeClass API types. The NodePool types come from
// sigs.k8s.io/karpenter v1.14.1 (go.mod replaces the unpublished
// pseudo-version karpenter-provider-aws v1.14.1 requires with that tag).
const karpenterModule = "github.com/aws/karpenter-provider-aws"

func karpenterDir(t *testing.T) string {
	t.Helper()
	dir, err := ModuleDir(".", karpenterModule)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// karpenterStack is staging (Karpenter pools, prefix delegation) with a
// proxy and a third pool using the keys staging leaves at their defaults,
// so every kind of object the program can write is checked.
func karpenterStack(t *testing.T) *plan.Plan {
	t.Helper()
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans["karpenter"]; ok {
		return p
	}
	proj, err := plan.LoadProject(repoRoot(t), "staging")
	if err != nil {
		t.Fatal(err)
	}
	proj.Config["eksfleet:proxy"] = `{"httpProxy":"http://proxy.corp.example:3128","noProxy":[".corp.example"]}`
	var pools []map[string]any
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:nodePools"]), &pools); err != nil {
		t.Fatalf("staging nodePools: %v", err)
	}
	pools = append(pools, map[string]any{
		"name": "pinned", "amiReleaseVersion": "1.33.5-20251120", "instanceTypes": []string{"m7i.large", "m7i.xlarge"},
		"zones": []string{"eu-west-1a", "eu-west-1b"}, "subnetIds": []string{"subnet-0b2c3d4e5f6071a01", "subnet-0b2c3d4e5f6071b01"},
		"maxPods": 58, "weight": 50, "imdsHopLimit": 1, "rootVolume": map[string]any{"sizeGiB": 100, "type": "gp3", "encrypted": true},
		"limits": map[string]any{"cpu": "32", "memory": "128Gi"},
		"disruption": map[string]any{"consolidationPolicy": "WhenEmpty", "consolidateAfter": "30s", "expireAfter": "Never",
			"budgets": []map[string]any{{"nodes": "0", "schedule": "0 9 * * mon-fri", "duration": "8h", "reasons": []string{"Drifted"}}, {"nodes": "2"}}},
	})
	b, _ := json.Marshal(pools)
	proj.Config["eksfleet:nodePools"] = string(b)
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	plans["karpenter"] = p
	return p
}

// crdSchema is what the API server checks a custom object with: the
// structural schema (pruning, defaulting), the OpenAPI validator and the
// CEL rules (x-kubernetes-validations).
type crdSchema struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
	cel        *cel.Validator
}

// loadCRDs reads the CRDs from the module's pkg/apis/crds, keyed by
// apiVersion/kind of their served v1 version.
func loadCRDs(t *testing.T) map[string]crdSchema {
	t.Helper()
	dir := filepath.Join(karpenterDir(t), "pkg", "apis", "crds")
	out := map[string]crdSchema{}
	for _, name := range []string{"karpenter.sh_nodepools.yaml", "karpenter.k8s.aws_ec2nodeclasses.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var v1crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(b, &v1crd); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var crd apiextensions.CustomResourceDefinition
		if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&v1crd, &crd, nil); err != nil {
			t.Fatal(err)
		}
		for _, v := range crd.Spec.Versions {
			if v.Name != "v1" || !v.Served {
				continue
			}
			// The conversion moves a schema shared by all versions to
			// spec.validation.
			props := crd.Spec.Validation
			if v.Schema != nil {
				props = v.Schema
			}
			if props == nil || props.OpenAPIV3Schema == nil {
				t.Fatalf("%s: no schema for v1", name)
			}
			s, err := structuralschema.NewStructural(props.OpenAPIV3Schema)
			if err != nil {
				t.Fatalf("%s: structural schema: %v", name, err)
			}
			validator, _, err := validation.NewSchemaValidator(props.OpenAPIV3Schema)
			if err != nil {
				t.Fatal(err)
			}
			out[crd.Spec.Group+"/v1/"+crd.Spec.Names.Kind] = crdSchema{structural: s, validator: validator, cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
		}
	}
	if len(out) != 2 {
		t.Fatalf("loaded %d CRD schemas, want NodePool and EC2NodeClass v1", len(out))
	}
	return out
}

// admit applies what the API server does on create: unknown fields are an
// error (kubectl --validate=strict, server-side field validation),
// defaults are applied, then the OpenAPI schema and the CEL rules must
// hold. It returns every problem.
func admit(schemas map[string]crdSchema, obj map[string]any) []string {
	key := fmt.Sprintf("%v/%v", obj["apiVersion"], obj["kind"])
	s, ok := schemas[key]
	if !ok {
		return []string{"no CRD serves " + key}
	}
	var problems []string
	if unknown := pruning.PruneWithOptions(obj, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}); len(unknown) > 0 {
		problems = append(problems, "unknown fields: "+strings.Join(unknown, ", "))
	}
	defaulting.Default(obj, s.structural)
	for _, e := range validation.ValidateCustomResource(nil, obj, s.validator) {
		problems = append(problems, e.Error())
	}
	errs, _ := s.cel.Validate(context.Background(), nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
	for _, e := range errs {
		problems = append(problems, e.Error())
	}
	return problems
}

// karpenterObjects are the NodePool and EC2NodeClass objects a plan
// creates, as the provider would send them.
func karpenterObjects(t *testing.T, p *plan.Plan) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range p.Resources {
		if !strings.HasPrefix(r.Type, "kubernetes:karpenter.") {
			continue
		}
		b, err := json.Marshal(map[string]any{"apiVersion": r.Inputs["apiVersion"], "kind": r.Inputs["kind"], "metadata": r.Inputs["metadata"], "spec": r.Inputs["spec"]})
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
	return out
}

func objJSON(t *testing.T, obj map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKarpenterObjectsAgainstCRDs validates every NodePool and EC2NodeClass
// of the Karpenter stacks against the upstream CRDs (schema, defaults, CEL)
// and strict-decodes each into Karpenter's own Go types.
func TestKarpenterObjectsAgainstCRDs(t *testing.T) {
	schemas := loadCRDs(t)
	// The check bites: objects the CRDs refuse are refused here.
	for name, bad := range map[string]map[string]any{
		"unknown field": {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": map[string]any{"name": "x"},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"requirements": []any{}, "nodeClassRef": map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "x"}}}, "limit": map[string]any{}}},
		"restricted label (CEL)": {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": map[string]any{"name": "x"},
			"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"karpenter.sh/nodepool": "y"}},
				"spec": map[string]any{"requirements": []any{}, "nodeClassRef": map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "x"}}}}},
		"weight 0": {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": map[string]any{"name": "x"},
			"spec": map[string]any{"weight": 0, "template": map[string]any{"spec": map[string]any{"requirements": []any{}, "nodeClassRef": map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "x"}}}}},
		"alias with other terms (CEL)": {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": map[string]any{"name": "x"},
			"spec": map[string]any{"amiSelectorTerms": []any{map[string]any{"alias": "al2023@latest"}, map[string]any{"id": "ami-0123456789abcdef0"}},
				"subnetSelectorTerms": []any{map[string]any{"id": "subnet-1"}}, "securityGroupSelectorTerms": []any{map[string]any{"id": "sg-1"}}, "role": "r"}},
	} {
		if len(admit(schemas, bad)) == 0 {
			t.Errorf("%s: the CRD check accepted %v", name, bad)
		}
	}

	checked := 0
	for _, p := range []*plan.Plan{evaluate(t, "staging"), karpenterStack(t)} {
		for _, obj := range karpenterObjects(t, p) {
			raw := objJSON(t, obj)
			name := fmt.Sprintf("%s %v/%v", p.Stack, obj["kind"], obj["metadata"].(map[string]any)["name"])
			for _, problem := range admit(schemas, obj) {
				t.Errorf("%s: the API server would refuse it: %s\n%s", name, problem, raw)
			}
			switch obj["kind"] {
			case "NodePool":
				var np karpv1.NodePool
				strictDecodeJSON(t, name, raw, &np)
				if err := np.RuntimeValidate(context.Background()); err != nil {
					t.Errorf("%s: Karpenter's runtime validation: %v", name, err)
				}
				if np.Spec.Template.Spec.NodeClassRef == nil || np.Spec.Template.Spec.NodeClassRef.Name != np.Name {
					t.Errorf("%s: node class ref %+v", name, np.Spec.Template.Spec.NodeClassRef)
				}
			case "EC2NodeClass":
				var nc awsv1.EC2NodeClass
				strictDecodeJSON(t, name, raw, &nc)
				checkNodeClass(t, p, name, &nc)
			}
			checked++
		}
	}
	// staging: 2 pools; the variant: 3 pools; two objects each.
	if checked != 10 {
		t.Errorf("checked %d objects, want 10", checked)
	}
	t.Logf("%d NodePool/EC2NodeClass objects admitted by the v1.14.1 CRDs (schema, defaults, CEL) and decoded into Karpenter's types", checked)
}

func strictDecodeJSON(t *testing.T, name string, raw []byte, into any) {
	t.Helper()
	strict, err := k8sjson.UnmarshalStrict(raw, into)
	if err != nil {
		t.Fatalf("%s does not decode into %T: %v", name, into, err)
	}
	if len(strict) > 0 {
		t.Errorf("%s: fields %T does not have: %v", name, into, errors.Join(strict...))
	}
}

// checkNodeClass checks a node class with Karpenter's types: IMDSv2,
// encryption, the alias, and the user data read by nodeadm's types
// (AL2023) or as Bottlerocket TOML settings.
func checkNodeClass(t *testing.T, p *plan.Plan, name string, nc *awsv1.EC2NodeClass) {
	t.Helper()
	m := nc.Spec.MetadataOptions
	if m == nil || m.HTTPTokens == nil || *m.HTTPTokens != "required" || m.HTTPPutResponseHopLimit == nil || *m.HTTPPutResponseHopLimit > 2 {
		t.Errorf("%s: metadata options %+v", name, m)
	}
	for _, bd := range nc.Spec.BlockDeviceMappings {
		if bd.EBS == nil || bd.EBS.Encrypted == nil || !*bd.EBS.Encrypted {
			t.Errorf("%s: volume %v is not encrypted", name, bd.DeviceName)
		}
	}
	if nc.Spec.AssociatePublicIPAddress == nil || *nc.Spec.AssociatePublicIPAddress {
		t.Errorf("%s: public IPs not refused", name)
	}
	if len(nc.Spec.AMISelectorTerms) != 1 || nc.Spec.AMISelectorTerms[0].Alias == "" {
		t.Fatalf("%s: AMI terms %+v", name, nc.Spec.AMISelectorTerms)
	}
	family := nc.AMIFamily()
	if nc.Spec.UserData == nil {
		if p.Config.Proxy != nil {
			t.Errorf("%s: no user data behind a proxy", name)
		}
		return
	}
	data := []byte(*nc.Spec.UserData)
	switch family {
	case awsv1.AMIFamilyAL2023:
		checkNodeadmParts(t, name, data, p)
	case awsv1.AMIFamilyBottlerocket:
		checkBottlerocketSettings(t, name, data)
	default:
		t.Errorf("%s: family %s", name, family)
	}
	if nc.Spec.Kubelet != nil && nc.Spec.Kubelet.MaxPods != nil {
		fam := "AL2023"
		if family == awsv1.AMIFamilyBottlerocket {
			fam = "Bottlerocket"
		}
		n, err := userdata.Decode(bootstrap.Family(fam), data)
		if err != nil {
			t.Fatal(err)
		}
		if int32(n.MaxPods) != *nc.Spec.Kubelet.MaxPods {
			t.Errorf("%s: kubelet.maxPods %d, user data %d: Karpenter schedules with one, the kubelet runs with its own, they must agree", name, *nc.Spec.Kubelet.MaxPods, n.MaxPods)
		}
	}
}

var maxPodsExpressionLine = regexp.MustCompile(`(?m)^\s*maxPodsExpression: .*\n`)

// checkNodeadmParts strict-decodes every NodeConfig part with nodeadm's
// types. spec.instance.environment and kubelet.maxPodsExpression are newer
// than the nodeadm module the proxy serves (see components/bootstrap's
// consumer tests); they are checked by shape and removed first.
func checkNodeadmParts(t *testing.T, name string, data []byte, p *plan.Plan) {
	t.Helper()
	parts, err := userdata.ParseMIME(data)
	if err != nil {
		t.Fatalf("%s: user data is not MIME multipart: %v", name, err)
	}
	sawProxy := false
	for i, part := range parts {
		if part.ContentType != "application/node.eks.aws" {
			t.Errorf("%s: part %d is %s", name, i, part.ContentType)
			continue
		}
		var generic struct {
			Spec struct {
				Instance *struct {
					Environment map[string]map[string]string `json:"environment"`
				} `json:"instance"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(part.Body, &generic); err != nil {
			t.Fatal(err)
		}
		body := part.Body
		if generic.Spec.Instance != nil {
			env := generic.Spec.Instance.Environment["default"]
			if env["HTTPS_PROXY"] == "" || !strings.Contains(env["NO_PROXY"], ".corp.example") {
				t.Errorf("%s: part %d environment %v", name, i, env)
			}
			sawProxy = true
			continue // the part holds only spec.instance
		}
		body = maxPodsExpressionLine.ReplaceAll(body, nil)
		var nc nodeadm.NodeConfig
		if err := strictDecodeYAML(body, &nc); err != nil {
			t.Errorf("%s: part %d does not strict-decode into nodeadm's NodeConfig: %v\n%s", name, i, err, part.Body)
		}
		if nc.Spec.Cluster.Name != "" || nc.Spec.Cluster.APIServerEndpoint != "" {
			t.Errorf("%s: part %d sets the cluster, which Karpenter writes (its values win)", name, i)
		}
	}
	if (p.Config.Proxy != nil) != sawProxy {
		t.Errorf("%s: proxy part present %v, proxy configured %v", name, sawProxy, p.Config.Proxy != nil)
	}
}

func strictDecodeYAML(doc []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := k8sjson.UnmarshalStrict(j, v)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// checkBottlerocketSettings parses the TOML and checks every setting is on
// the allow-list the node group tests use (components/bootstrap/testdata/
// bottlerocket-settings.txt) and that no cluster setting is written, as
// Karpenter writes those.
func checkBottlerocketSettings(t *testing.T, name string, data []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "components", "bootstrap", "testdata", "bottlerocket-settings.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			allowed = append(allowed, line)
		}
	}
	var doc map[string]any
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		t.Fatalf("%s: Bottlerocket settings do not parse: %v\n%s", name, err, data)
	}
	for _, k := range md.Keys() {
		if md.Type(k...) == "Hash" {
			continue
		}
		key := strings.Join(k, ".")
		ok := false
		for _, a := range allowed {
			if key == a || (strings.HasSuffix(a, ".*") && strings.HasPrefix(key, strings.TrimSuffix(a, "*"))) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: setting %s is not a Bottlerocket setting we allow", name, key)
		}
		for _, cluster := range []string{"cluster-name", "api-server", "cluster-certificate", "node-labels", "node-taints"} {
			if strings.HasSuffix(key, "kubernetes."+cluster) {
				t.Errorf("%s: sets %s, which Karpenter writes", name, key)
			}
		}
	}
}

// karpenterChart loads one of the module's charts. At the tag the charts'
// Chart.yaml still says 1.13.0 (Karpenter's release script rewrites the
// version and image when it publishes; ../shared/upstream/karpenter/
// SOURCES.md), so the version the program pins is checked against the
// module's tag instead.
func karpenterChart(t *testing.T, path string) *chart.Chart {
	t.Helper()
	c, err := LoadChart(karpenterDir(t), path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKarpenterChart renders the real controller and CRD charts from the
// program's release inputs and checks the controller Deployment.
func TestKarpenterChart(t *testing.T) {
	p := karpenterStack(t)
	moduleVersion := strings.TrimPrefix(filepath.Base(karpenterDir(t)), "karpenter-provider-aws@v")
	var controller, crds plan.Resource
	for _, r := range p.Resources {
		if r.Type != "kubernetes:helm.sh/v3:Release" {
			continue
		}
		switch r.Inputs["chart"] {
		case spec.ControllerChart:
			controller = r
		case spec.CRDChart:
			crds = r
		}
	}
	if controller.URN == "" || crds.URN == "" {
		t.Fatal("the stack plans no Karpenter releases")
	}
	for _, r := range []plan.Resource{controller, crds} {
		if got := stringInput(t, r, "version"); got != moduleVersion {
			t.Errorf("%s: the program installs %s, the module checked is %s", r.Inputs["chart"], got, moduleVersion)
		}
	}
	if controller.Inputs["skipCrds"] != true {
		t.Error("the controller release installs the chart's crds/ too; the CRD chart owns them")
	}

	// The CRD chart renders the same five CRDs the module's pkg/apis/crds
	// holds, so what TestKarpenterObjectsAgainstCRDs validates against is
	// what the release installs.
	crdChart := karpenterChart(t, "charts/karpenter-crd")
	crdOut, err := Render(crdChart, spec.CRDReleaseName, spec.Namespace, "v"+p.Config.Cluster.Version+".0", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"karpenter.sh_nodepools.yaml", "karpenter.k8s.aws_ec2nodeclasses.yaml"} {
		text := crdOut["karpenter-crd/templates/"+kind]
		var rendered, source apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal([]byte(text), &rendered); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		b, _ := os.ReadFile(filepath.Join(karpenterDir(t), "pkg", "apis", "crds", kind))
		if err := yaml.Unmarshal(b, &source); err != nil {
			t.Fatal(err)
		}
		rj, _ := json.Marshal(rendered.Spec)
		sj, _ := json.Marshal(source.Spec)
		if string(rj) != string(sj) {
			t.Errorf("the CRD chart's %s differs from pkg/apis/crds", kind)
		}
	}

	c := karpenterChart(t, "charts/karpenter")
	kube := "v" + p.Config.Cluster.Version + ".0"
	render := func(values map[string]any) (map[string]string, error) {
		return Render(c, spec.ReleaseName, spec.Namespace, kube, values)
	}
	values := valuesOf(t, controller)
	manifests, err := render(values)
	if err != nil {
		t.Fatalf("the chart does not render the program's values: %v", err)
	}
	var d appsv1.Deployment
	text := manifests["karpenter/templates/deployment.yaml"]
	if err := yaml.UnmarshalStrict([]byte(text), &d); err != nil {
		t.Fatalf("deployment does not decode strictly: %v\n%s", err, text)
	}
	if d.Namespace != spec.Namespace || d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("deployment %s/%s replicas %v", d.Namespace, d.Name, d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	env := map[string]string{}
	for _, e := range pod.Containers[0].Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("env %s is set twice", e.Name)
		}
		env[e.Name] = e.Value
	}
	k := p.Outputs["karpenter"].(map[string]any)
	for name, want := range map[string]string{
		"CLUSTER_NAME":       p.Config.Cluster.Name,
		"CLUSTER_ENDPOINT":   p.Outputs["clusterEndpoint"].(string),
		"INTERRUPTION_QUEUE": k["queueName"].(string),
		"RESERVED_ENIS":      "0",
		"HTTPS_PROXY":        "http://proxy.corp.example:3128",
		"https_proxy":        "http://proxy.corp.example:3128",
	} {
		if env[name] != want {
			t.Errorf("env %s = %q, want %q", name, env[name], want)
		}
	}
	if np := env["NO_PROXY"]; !strings.Contains(np, ".corp.example") || !strings.Contains(np, ".svc") || !strings.Contains(np, p.Config.Network.VpcCIDR) {
		t.Errorf("NO_PROXY = %q", np)
	}
	if pod.ServiceAccountName != spec.ServiceAccount {
		t.Errorf("service account %s, the IRSA trust names %s", pod.ServiceAccountName, spec.ServiceAccount)
	}
	var sa corev1.ServiceAccount
	if err := yaml.UnmarshalStrict([]byte(manifests["karpenter/templates/serviceaccount.yaml"]), &sa); err != nil {
		t.Fatal(err)
	}
	if sa.Name != spec.ServiceAccount || sa.Annotations["eks.amazonaws.com/role-arn"] != k["roleArn"] {
		t.Errorf("service account %s annotations %v, want the IRSA role %v", sa.Name, sa.Annotations, k["roleArn"])
	}
	tolerated := false
	for _, tol := range pod.Tolerations {
		tolerated = tolerated || (tol.Key == "CriticalAddonsOnly" && tol.Operator == corev1.TolerationOpExists)
	}
	if !tolerated {
		t.Errorf("tolerations %v: the system group is tainted CriticalAddonsOnly", pod.Tolerations)
	}
	offKarpenterNodes := false
	if a := pod.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			for _, e := range term.MatchExpressions {
				offKarpenterNodes = offKarpenterNodes || (e.Key == "karpenter.sh/nodepool" && e.Operator == corev1.NodeSelectorOpDoesNotExist)
			}
		}
	}
	if !offKarpenterNodes {
		t.Errorf("affinity %+v: the controller must stay off the nodes Karpenter launches", pod.Affinity)
	}
	// One replica per node (the chart's default, which config validation
	// relies on when it asks for two host nodes).
	if a := pod.Affinity; a == nil || a.PodAntiAffinity == nil || len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 ||
		a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey != "kubernetes.io/hostname" {
		t.Errorf("pod anti-affinity %+v, want one replica per node", pod.Affinity)
	}

	dead, err := DeadKeys(render, values)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) > 0 {
		sort.Strings(dead)
		t.Errorf("values the chart does not read: %v", dead)
	}
}
