package enginetest

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// KubernetesVersion is the version the fake kubernetes provider reports. It
// equals @pulumi/kubernetes in tools/eks/package-lock.json, whose version the
// npm eks provider requests for its kubernetes:index:Provider resources; the
// engine warns when a plugin reports less than requested, and Go programs
// pinning an older pulumi-kubernetes SDK are satisfied by a newer one.
const KubernetesVersion = "4.34.2"

// StartFakeKubernetes starts the fake kubernetes provider; it stops when the
// test ends. Provider resources (kubernetes:index:Provider) only exercise
// CheckConfig/DiffConfig/Configure, which record the kubeconfig; see
// [ModelKubernetes] for the modelled resource types.
func StartFakeKubernetes(t testing.TB) *FakeProvider {
	t.Helper()
	p := NewFakeProvider("kubernetes", KubernetesVersion)
	ModelKubernetes(p)
	p.Start(t)
	return p
}

func k8sID(r *Resource) string {
	name := getString(r.Inputs, "metadata.name", "")
	if ns := getString(r.Inputs, "metadata.namespace", ""); ns != "" {
		return ns + "/" + name
	}
	return name
}

func k8sNamespacedID(r *Resource) string {
	name := getString(r.Inputs, "metadata.name", "")
	return getString(r.Inputs, "metadata.namespace", "default") + "/" + name
}

// k8sOutputs adds the server-populated metadata fields.
func k8sOutputs(r *Resource) resource.PropertyMap {
	meta := resource.PropertyMap{}
	if v, ok := r.Inputs["metadata"]; ok && v.IsObject() {
		meta = v.ObjectValue().Copy()
	}
	meta["uid"] = str(r.Hex(8) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(12))
	meta["resourceVersion"] = str("1")
	meta["creationTimestamp"] = str("2024-01-01T00:00:00Z")
	return resource.PropertyMap{"metadata": resource.NewObjectProperty(meta)}
}

// ModelKubernetes models on p a few kubernetes resource types. metadata.name
// is auto-named like the real provider does ("<name>-<suffix>"); names and
// namespaces are immutable (replace). Check requires what the API server
// would reject without.
func ModelKubernetes(p *FakeProvider) {
	namespaced := func(required ...string) ResourceSpec {
		return ResourceSpec{
			Required:    required,
			ForceNew:    []string{"metadata.name", "metadata.namespace"},
			AutoName:    "metadata.name",
			AutoNameLen: 8,
			ID:          k8sNamespacedID,
			Outputs:     k8sOutputs,
		}
	}
	cluster := func(required ...string) ResourceSpec {
		return ResourceSpec{
			Required:    required,
			ForceNew:    []string{"metadata.name"},
			AutoName:    "metadata.name",
			AutoNameLen: 8,
			ID:          k8sID,
			Outputs:     k8sOutputs,
		}
	}
	p.Model("kubernetes:core/v1:ConfigMap", namespaced())
	p.Model("kubernetes:core/v1:Secret", namespaced())
	p.Model("kubernetes:core/v1:ServiceAccount", namespaced())
	p.Model("kubernetes:core/v1:Service", namespaced("spec"))
	p.Model("kubernetes:apps/v1:Deployment", namespaced("spec", "spec.selector", "spec.template"))
	p.Model("kubernetes:apps/v1:DaemonSet", namespaced("spec", "spec.selector", "spec.template"))
	// A patch (podproxy's envFrom on aws-node and kube-proxy) names the
	// object it patches: never autonamed.
	patch := namespaced("metadata.name")
	patch.AutoName, patch.AutoNameLen = "", 0
	p.Model("kubernetes:apps/v1:DaemonSetPatch", patch)
	p.Model("kubernetes:core/v1:Namespace", cluster())
	p.Model("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", cluster())
	p.Model("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", cluster("roleRef"))
	sc := cluster("provisioner")
	sc.ForceNew = append(sc.ForceNew, "provisioner", "parameters", "reclaimPolicy", "volumeBindingMode")
	p.Model("kubernetes:storage.k8s.io/v1:StorageClass", sc)
	// Karpenter's objects (CRDs of karpenter-provider-aws v1.14.1,
	// pkg/apis/crds): cluster-scoped, named by the program (never
	// autonamed: a NodePool refers to its EC2NodeClass by name), names
	// immutable; required fields as the CRDs' openAPIV3Schema lists them.
	karpenter := func(required ...string) ResourceSpec {
		s := cluster(required...)
		s.AutoName, s.AutoNameLen = "", 0
		s.Required = append(s.Required, "metadata.name")
		return s
	}
	p.Model("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", karpenter("spec", "spec.amiSelectorTerms", "spec.securityGroupSelectorTerms", "spec.subnetSelectorTerms"))
	p.Model("kubernetes:karpenter.sh/v1:NodePool", karpenter("spec", "spec.template", "spec.template.spec.nodeClassRef", "spec.template.spec.requirements"))
	p.Model("kubernetes:helm.sh/v3:Release", ResourceSpec{
		Required: []string{"chart"},
		ForceNew: []string{"name", "namespace"},
		AutoName: "name",
		ID: func(r *Resource) string {
			return getString(r.Inputs, "namespace", "default") + "/" + getString(r.Inputs, "name", "")
		},
		Outputs: func(r *Resource) resource.PropertyMap {
			return resource.PropertyMap{"status": resource.NewObjectProperty(resource.PropertyMap{
				"status":   str("deployed"),
				"revision": resource.NewNumberProperty(1),
			})}
		},
	})

}
