package bootstrap

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// NodeConfig API identifiers (nodeadm api/v1alpha1).
const (
	NodeConfigAPIVersion = "node.eks.aws/v1alpha1"
	NodeConfigKind       = "NodeConfig"
)

// nodeConfig mirrors the subset of nodeadm's v1alpha1 NodeConfig we write.
// Our own types, rather than importing nodeadm's, keep apimachinery out of
// the Pulumi program and let us use spec.instance.environment, which the
// only nodeadm module version on the proxy (Feb 2024) predates. Tests
// strict-decode every part into nodeadm's types (and the newer field into a
// mirror of the current API reference).
type nodeConfig struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Spec       nodeConfigSpec `json:"spec"`
}

type nodeConfigSpec struct {
	Cluster  *clusterDetails  `json:"cluster,omitempty"`
	Instance *instanceOptions `json:"instance,omitempty"`
	Kubelet  *kubeletOptions  `json:"kubelet,omitempty"`
}

type clusterDetails struct {
	Name                 string `json:"name"`
	APIServerEndpoint    string `json:"apiServerEndpoint"`
	CertificateAuthority string `json:"certificateAuthority"` // base64, as nodeadm's []byte decodes it
	CIDR                 string `json:"cidr"`                 // the service CIDR
}

type instanceOptions struct {
	// Environment maps "default" (every systemd service, nodeadm included)
	// or a unit name to environment variables. Read from AMI v20251007;
	// applied before nodeadm's own AWS calls from v20251120.
	Environment map[string]map[string]string `json:"environment"`
}

type kubeletOptions struct {
	Config *kubeletConfig `json:"config,omitempty"`
	Flags  []string       `json:"flags,omitempty"`
	// MaxPodsExpression is a CEL expression nodeadm (AMI ≥ v20251007)
	// evaluates for max pods; kubeReserved memory is then sized on its
	// result (11 MiB per pod + 255 MiB) even when config.maxPods is set too
	// (nodeadm api.md; e2e case custom-max-pods-expression). We write the
	// group's max pods as a constant expression: without it, nodeadm sizes
	// kubeReserved on its own ENI-based max pods, e.g. 893Mi for an
	// m6i.xlarge running 110 pods with prefix delegation, where 1465Mi is
	// needed. Older releases ignore the field.
	MaxPodsExpression string `json:"maxPodsExpression,omitempty"`
}

// kubeletConfig is a KubeletConfiguration fragment nodeadm merges over its
// defaults; maxPods here wins over nodeadm's own ENI-based value, and over
// the value EKS writes for managed groups.
type kubeletConfig struct {
	MaxPods int `json:"maxPods"`
}

func marshalNodeConfig(spec nodeConfigSpec) ([]byte, error) {
	b, err := yaml.Marshal(nodeConfig{APIVersion: NodeConfigAPIVersion, Kind: NodeConfigKind, Spec: spec})
	if err != nil {
		return nil, fmt.Errorf("rendering NodeConfig: %w", err)
	}
	return b, nil
}

// al2023Renderer writes MIME multipart user data for nodeadm:
//
//  1. with a proxy, a NodeConfig holding only spec.instance.environment,
//     so nodeadm (both phases), containerd and kubelet all get it;
//  2. with pre-bootstrap commands, a shell part; cloud-init runs it in
//     cloud-final, and nodeadm-run.service starts after cloud-final;
//  3. the NodeConfig with the cluster and kubelet settings.
type al2023Renderer struct{}

func (al2023Renderer) render(in *Input) ([]byte, error) {
	var parts []part
	var env [][2]string
	if in.Proxy != nil {
		env = proxyEnv(in)
		vars := make(map[string]string, len(env))
		for _, kv := range env {
			vars[kv[0]] = kv[1]
		}
		b, err := marshalNodeConfig(nodeConfigSpec{Instance: &instanceOptions{Environment: map[string]map[string]string{"default": vars}}})
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{ContentTypeNodeConfig, b})
	}
	if len(in.Node.PreBootstrapCommands) > 0 {
		parts = append(parts, part{ContentTypeShell, preBootstrapScript(in, env)})
	}

	spec := nodeConfigSpec{}
	if !in.Managed {
		spec.Cluster = &clusterDetails{
			Name:                 in.Cluster.Name,
			APIServerEndpoint:    in.Cluster.Endpoint,
			CertificateAuthority: in.Cluster.CertificateAuthority,
			CIDR:                 in.Cluster.ServiceCIDR,
		}
	}
	kubelet := kubeletOptions{Flags: kubeletFlags(in)}
	if in.Node.MaxPods > 0 {
		kubelet.Config = &kubeletConfig{MaxPods: in.Node.MaxPods}
		kubelet.MaxPodsExpression = strconv.Itoa(in.Node.MaxPods)
	}
	if kubelet.Config != nil || len(kubelet.Flags) > 0 {
		spec.Kubelet = &kubelet
	}
	if spec.Cluster != nil || spec.Kubelet != nil {
		b, err := marshalNodeConfig(spec)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part{ContentTypeNodeConfig, b})
	}
	if len(parts) == 0 {
		return []byte{}, nil
	}
	return writeMIME(parts)
}

// kubeletFlags returns labels, taints, then the extra args in their order.
// Labels come from NodeLabels, so they match the autoscaler tags.
func kubeletFlags(in *Input) []string {
	var flags []string
	if f := KubeletLabelsFlag(NodeLabels(*in)); f != "" {
		flags = append(flags, f)
	}
	if f := KubeletTaintsFlag(in.Node.Taints); f != "" {
		flags = append(flags, f)
	}
	return append(flags, in.Node.KubeletExtraArgs...)
}

// preBootstrapScript is the AL2023 shell part. With a proxy (env not
// empty) it exports the proxy variables first: cloud-init's own
// environment has none, and the commands (dnf, curl) usually need them.
func preBootstrapScript(in *Input, env [][2]string) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString("# Pre-bootstrap commands: cloud-init runs this part before nodeadm-run.service starts the kubelet.\n")
	b.WriteString("set -o errexit -o pipefail\n")
	for _, kv := range env {
		b.WriteString("export " + kv[0] + "=" + shellQuote(kv[1]) + "\n")
	}
	for _, cmd := range in.Node.PreBootstrapCommands {
		b.WriteString(strings.TrimRight(cmd, "\n") + "\n")
	}
	return []byte(b.String())
}
