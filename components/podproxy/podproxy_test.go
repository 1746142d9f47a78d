package podproxy_test

import (
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/podproxy"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestEnvironment(t *testing.T) {
	env, err := podproxy.Environment("", "http://proxy:3128", []string{"10.0.0.0/16", ".internal"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"HTTP_PROXY": "http://proxy:3128", "http_proxy": "http://proxy:3128",
		"HTTPS_PROXY": "http://proxy:3128", "https_proxy": "http://proxy:3128",
		"NO_PROXY": "10.0.0.0/16,.internal", "no_proxy": "10.0.0.0/16,.internal",
	}
	if len(env) != len(want) {
		t.Errorf("env = %v", env)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, err := podproxy.Environment("", "", nil); err == nil {
		t.Error("no proxy URL must be an error")
	}
}

func TestPatchesDaemonSetsThroughProvider(t *testing.T) {
	cloud := mockcloud.New(mockcloud.Options{Stack: "prod"})
	err := cloud.Run(func(ctx *pulumi.Context) error {
		provider, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = podproxy.New(ctx, "pp", &podproxy.Args{
			HTTPProxy: "http://proxy.corp.example:3128",
			NoProxy:   pulumi.ToStringArray([]string{"10.40.0.0/16", ".svc"}),
			Provider:  provider,
		})
		return err
	}, mockcloud.RunConfig{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	comp, ok := cloud.Get(podproxy.TypeToken, "pp")
	if !ok {
		t.Fatal("component not registered")
	}
	cm, ok := cloud.Get("kubernetes:core/v1:ConfigMap", "pp-env")
	if !ok {
		t.Fatal("ConfigMap not registered")
	}
	meta := cm.Inputs["metadata"].ObjectValue()
	if meta["name"].StringValue() != podproxy.ConfigMapName || meta["namespace"].StringValue() != "kube-system" {
		t.Errorf("ConfigMap metadata = %v", meta)
	}
	data := cm.Inputs["data"].ObjectValue()
	if data["HTTPS_PROXY"].StringValue() != "http://proxy.corp.example:3128" || data["no_proxy"].StringValue() != "10.40.0.0/16,.svc" {
		t.Errorf("ConfigMap data = %v", data)
	}
	for ds, container := range podproxy.DaemonSets {
		p, ok := cloud.Get("kubernetes:apps/v1:DaemonSetPatch", "pp-"+ds)
		if !ok {
			t.Fatalf("no patch for %s", ds)
		}
		if p.Parent != comp.URN || !strings.Contains(p.Provider, "pulumi:providers:kubernetes::k8s") {
			t.Errorf("%s: parent %s provider %s", ds, p.Parent, p.Provider)
		}
		md := p.Inputs["metadata"].ObjectValue()
		if md["name"].StringValue() != ds || md["namespace"].StringValue() != "kube-system" {
			t.Errorf("%s metadata = %v", ds, md)
		}
		c := p.Inputs["spec"].ObjectValue()["template"].ObjectValue()["spec"].ObjectValue()["containers"].ArrayValue()
		if len(c) != 1 || c[0].ObjectValue()["name"].StringValue() != container {
			t.Fatalf("%s containers = %v", ds, c)
		}
		ref := c[0].ObjectValue()["envFrom"].ArrayValue()[0].ObjectValue()["configMapRef"].ObjectValue()["name"].StringValue()
		if ref != podproxy.ConfigMapName {
			t.Errorf("%s envFrom = %s", ds, ref)
		}
		if !contains(p.Dependencies, cm.URN) {
			t.Errorf("%s must wait for the ConfigMap", ds)
		}
		if len(p.Inputs["spec"].ObjectValue()["template"].ObjectValue()["spec"].ObjectValue()) != 1 {
			t.Errorf("%s patch must set only containers", ds)
		}
	}
}

func TestRefusals(t *testing.T) {
	for name, args := range map[string]*podproxy.Args{
		"nil":         nil,
		"no provider": {HTTPProxy: "http://p:1", NoProxy: pulumi.StringArray{}},
		"no url":      {NoProxy: pulumi.StringArray{}, Provider: &kubernetes.Provider{}},
	} {
		cloud := mockcloud.New(mockcloud.Options{})
		err := cloud.Run(func(ctx *pulumi.Context) error {
			_, err := podproxy.New(ctx, "pp", args)
			return err
		}, mockcloud.RunConfig{})
		if err == nil {
			t.Errorf("%s: want an error", name)
		}
		if n := len(cloud.Resources()); n != 0 {
			t.Errorf("%s: registered %d resources", name, n)
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
