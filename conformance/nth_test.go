package conformance

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/nodedrain"
	"helm.sh/helm/v3/pkg/chart"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"
)

// The termination handler's module, whose directory holds the chart eksfleet
// installs from public.ecr.aws (the same chart, version 0.27.6).
const (
	nthModule    = "github.com/aws/aws-node-termination-handler"
	nthChartPath = "config/helm/aws-node-termination-handler"
)

// nthChart loads the handler chart from its module directory.
func nthChart(t *testing.T) *chart.Chart {
	t.Helper()
	dir, err := ModuleDir(".", nthModule)
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadChart(dir, nthChartPath)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// renderNTH renders the handler chart as the program's release would.
func renderNTH(c *chart.Chart, kubeVersion string) func(map[string]any) (map[string]string, error) {
	return func(values map[string]any) (map[string]string, error) {
		return Render(c, nodedrain.ReleaseName, nodedrain.Namespace, kubeVersion, values)
	}
}

// decodeStrict decodes one rendered manifest into its Kubernetes type,
// refusing fields the type does not have.
func decodeStrict(t *testing.T, manifests map[string]string, template string, into any) {
	t.Helper()
	text, ok := manifests["aws-node-termination-handler/templates/"+template]
	if !ok {
		t.Fatalf("the chart rendered no %s; rendered: %v", template, keys(manifests))
	}
	if err := yaml.UnmarshalStrict([]byte(text), into); err != nil {
		t.Fatalf("%s does not decode strictly: %v\n%s", template, err, text)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestTerminationHandlerChart renders the real handler chart from the
// release inputs the program produces for the prod stack (proxy, draining
// groups, charts installed) and checks the objects Kubernetes would get.
func TestTerminationHandlerChart(t *testing.T) {
	p := evaluate(t, "prod")
	rel := release(t, p, nodedrain.ReleaseName)
	c := nthChart(t)
	if got := stringInput(t, rel, "version"); got != c.Metadata.Version {
		t.Fatalf("the program installs chart %s but the module holds %s; pin the module whose chart is the one installed", got, c.Metadata.Version)
	}
	if got := stringInput(t, rel, "chart"); got != nodedrain.Chart {
		t.Errorf("chart = %s, want %s", got, nodedrain.Chart)
	}
	values := valuesOf(t, rel)
	manifests, err := renderNTH(c, "v"+p.Config.Cluster.Version+".0")(values)
	if err != nil {
		t.Fatalf("the chart does not render the program's values: %v", err)
	}
	for _, name := range keys(manifests) {
		if strings.Contains(name, "daemonset") {
			t.Errorf("queue-processor mode rendered %s", name)
		}
	}

	var d appsv1.Deployment
	decodeStrict(t, manifests, "deployment.yaml", &d)
	if d.Namespace != "kube-system" || d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("deployment %s/%s replicas %v", d.Namespace, d.Name, d.Spec.Replicas)
	}
	pod := d.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	env := map[string]string{}
	for _, e := range pod.Spec.Containers[0].Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("env %s is set twice", e.Name)
		}
		env[e.Name] = e.Value
	}

	// The queue, the region and the managed-tag filter.
	for name, want := range map[string]string{
		"ENABLE_SQS_TERMINATION_DRAINING":  "true",
		"QUEUE_URL":                        output(t, p, "nodeTerminationHandler", "queueUrl"),
		"AWS_REGION":                       p.Config.Region,
		"CHECK_TAG_BEFORE_DRAINING":        "true",
		"MANAGED_TAG":                      nodedrain.ManagedTagKey,
		"DELETE_SQS_MSG_IF_NODE_NOT_FOUND": "true",
		"NODE_TERMINATION_GRACE_PERIOD":    "240",
		"CORDON_ONLY":                      "false",
	} {
		if env[name] != want {
			t.Errorf("env %s = %q, want %q", name, env[name], want)
		}
	}
	// The proxy: exactly what aws-node and kube-proxy get, NO_PROXY included.
	proxy := podProxyEnv(t, p)
	if len(proxy) != 6 {
		t.Fatalf("pod proxy environment = %v, want HTTP(S)_PROXY and NO_PROXY in both cases", proxy)
	}
	for name, want := range proxy {
		if env[name] != want {
			t.Errorf("env %s = %q, want the pods' %q", name, env[name], want)
		}
	}
	if !strings.Contains(env["NO_PROXY"], p.Config.Network.VpcCIDR) || !strings.Contains(env["NO_PROXY"], ".svc") {
		t.Errorf("NO_PROXY %q lacks the VPC CIDR or in-cluster names", env["NO_PROXY"])
	}

	// System nodes: the CriticalAddonsOnly taint of the system groups is
	// tolerated (whatever its value and effect).
	systemTaint := corev1.Taint{Key: "CriticalAddonsOnly", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	tolerated := false
	for _, tol := range pod.Spec.Tolerations {
		tolerated = tolerated || tol.ToleratesTaint(klog.Background(), &systemTaint, false)
	}
	if !tolerated {
		t.Errorf("tolerations %v do not tolerate %v", pod.Spec.Tolerations, systemTaint)
	}

	// Spread: across zones and nodes, counting this Deployment's pods.
	podLabels := labels.Set(pod.Labels)
	var topologies []string
	for _, sc := range pod.Spec.TopologySpreadConstraints {
		topologies = append(topologies, sc.TopologyKey)
		sel, err := metav1.LabelSelectorAsSelector(sc.LabelSelector)
		if err != nil || sel.Empty() || !sel.Matches(podLabels) {
			t.Errorf("spread on %s selects %v, not the handler's pods %v (%v)", sc.TopologyKey, sc.LabelSelector, pod.Labels, err)
		}
		if sc.MaxSkew != 1 || sc.WhenUnsatisfiable != corev1.ScheduleAnyway {
			t.Errorf("spread on %s: maxSkew %d, %s", sc.TopologyKey, sc.MaxSkew, sc.WhenUnsatisfiable)
		}
	}
	if !reflect.DeepEqual(topologies, []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"}) {
		t.Errorf("spread topologies = %v", topologies)
	}
	if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		t.Errorf("deployment selector %v does not select its pods %v", d.Spec.Selector, pod.Labels)
	}

	// IRSA: the service account the pods run as carries the handler role.
	var sa corev1.ServiceAccount
	decodeStrict(t, manifests, "serviceaccount.yaml", &sa)
	if pod.Spec.ServiceAccountName != sa.Name || sa.Name != nodedrain.ServiceAccountName || sa.Namespace != "kube-system" {
		t.Errorf("pods run as %q, the chart creates %s/%s, the IRSA trust names kube-system/%s", pod.Spec.ServiceAccountName, sa.Namespace, sa.Name, nodedrain.ServiceAccountName)
	}
	if got, want := sa.Annotations[nodedrain.RoleARNAnnotation], output(t, p, "nodeTerminationHandler", "roleArn"); got != want {
		t.Errorf("service account role annotation = %q, want %q", got, want)
	}

	var pdb policyv1.PodDisruptionBudget
	decodeStrict(t, manifests, "pdb.yaml", &pdb)
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PDB maxUnavailable = %v", pdb.Spec.MaxUnavailable)
	}
	if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err != nil || !sel.Matches(podLabels) {
		t.Errorf("PDB selector %v does not select the handler's pods", pdb.Spec.Selector)
	}
}

// TestTerminationHandlerNoDeadKeys: every value the program sets changes
// what the chart renders. A key the chart ignores (in queue-processor mode)
// claims behaviour the release does not have.
func TestTerminationHandlerNoDeadKeys(t *testing.T) {
	p := evaluate(t, "prod")
	values := valuesOf(t, release(t, p, nodedrain.ReleaseName))
	render := renderNTH(nthChart(t), "v"+p.Config.Cluster.Version+".0")
	dead, err := DeadKeys(render, values)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 0 {
		t.Errorf("values keys that change nothing the chart renders: %v", dead)
	}
}

// TestDeadKeysFindsIMDSOnlyKeys: the dead-key check reports the IMDS-mode
// switches in queue-processor mode (the keys eksfleet used to set) and
// nothing else.
func TestDeadKeysFindsIMDSOnlyKeys(t *testing.T) {
	v, err := nodedrain.BuildValues(nodedrain.ValuesInput{
		QueueURL: "https://sqs.eu-west-1.amazonaws.com/111122223333/q", Region: "eu-west-1",
		RoleARN: "arn:aws:iam::111122223333:role/nth",
	})
	if err != nil {
		t.Fatal(err)
	}
	values, err := v.Map()
	if err != nil {
		t.Fatal(err)
	}
	imdsOnly := []string{"enableRebalanceDraining", "enableRebalanceMonitoring", "enableScheduledEventDraining", "enableSpotInterruptionDraining"}
	for _, k := range imdsOnly {
		values[k] = true
	}
	dead, err := DeadKeys(renderNTH(nthChart(t), "v1.33.0"), values)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dead, imdsOnly) {
		t.Errorf("dead keys = %v, want %v", dead, imdsOnly)
	}
}
