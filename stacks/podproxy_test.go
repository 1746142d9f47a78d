package stacks_test

import (
	"strings"
	"testing"
)

// TestPodProxy: with a proxy (prod), aws-node and kube-proxy get the proxy
// environment from a ConfigMap whose NO_PROXY keeps in-VPC, in-cluster and
// EKS traffic direct; without one (dev) nothing is patched.
func TestPodProxy(t *testing.T) {
	p := evaluate(t, "..", "prod")
	var patched []string
	var noProxy string
	for _, r := range p.Resources {
		switch r.Type {
		case "kubernetes:core/v1:ConfigMap":
			noProxy, _ = r.Inputs["data"].(map[string]any)["NO_PROXY"].(string)
		case "kubernetes:apps/v1:DaemonSetPatch":
			patched = append(patched, r.Inputs["metadata"].(map[string]any)["name"].(string))
		}
	}
	if !sameSet(patched, []string{"aws-node", "kube-proxy"}) {
		t.Errorf("patched DaemonSets = %v", patched)
	}
	endpoint, _ := p.Outputs["clusterEndpoint"].(string)
	host := strings.ToLower(strings.TrimPrefix(endpoint, "https://")) // hostnames are case-insensitive; NoProxy lowers them
	entries := strings.Split(noProxy, ",")
	for _, want := range []string{"10.40.0.0/16", "172.20.0.0/16", "localhost", "127.0.0.1", "169.254.169.254", ".internal", ".eks.amazonaws.com", host, ".corp.example", ".svc", ".cluster.local"} {
		if !containsString(entries, want) {
			t.Errorf("pod NO_PROXY lacks %s: %s", want, noProxy)
		}
	}

	for _, r := range evaluate(t, "..", "dev").Resources {
		if r.Type == "kubernetes:apps/v1:DaemonSetPatch" || r.Type == "kubernetes:core/v1:ConfigMap" {
			t.Errorf("dev has no proxy but plans %s", r.URN)
		}
	}
}
