package bootstrap

import (
	"bytes"
	"fmt"

	"github.com/BurntSushi/toml"
)

// bottlerocketSettings is Bottlerocket's user data: TOML under [settings].
// Field names follow the settings reference (bottlerocket.dev, api/settings).
type bottlerocketSettings struct {
	Settings brSettings `toml:"settings"`
}

type brSettings struct {
	Kubernetes brKubernetes `toml:"kubernetes"`
	Network    *brNetwork   `toml:"network,omitempty"`
}

type brKubernetes struct {
	ClusterName        string `toml:"cluster-name,omitempty"`
	APIServer          string `toml:"api-server,omitempty"`
	ClusterCertificate string `toml:"cluster-certificate,omitempty"`
	// Set explicitly: Bottlerocket otherwise asks DescribeCluster, and
	// guesses 10.100.0.10/172.20.0.10 when the API is unreachable.
	ClusterDNSIP string            `toml:"cluster-dns-ip,omitempty"`
	MaxPods      int               `toml:"max-pods,omitzero"`
	NodeLabels   map[string]string `toml:"node-labels,omitempty"`
	// key = ["value:Effect", ...]; a taint without value is ":Effect".
	NodeTaints map[string][]string `toml:"node-taints,omitempty"`
}

// brNetwork: Bottlerocket applies https-proxy/no-proxy to containerd,
// host-containerd and kubelet. It has no HTTP_PROXY setting.
type brNetwork struct {
	HTTPSProxy string   `toml:"https-proxy"`
	NoProxy    []string `toml:"no-proxy,omitempty"`
}

type bottlerocketRenderer struct{}

func (bottlerocketRenderer) render(in *Input) ([]byte, error) {
	k := brKubernetes{MaxPods: in.Node.MaxPods}
	if !in.Managed {
		dns, err := ClusterDNSIP(in.Cluster.ServiceCIDR)
		if err != nil {
			return nil, err
		}
		k.ClusterName = in.Cluster.Name
		k.APIServer = in.Cluster.Endpoint
		k.ClusterCertificate = in.Cluster.CertificateAuthority
		k.ClusterDNSIP = dns
		k.NodeLabels = NodeLabels(*in)
	}
	if len(in.Node.Taints) > 0 {
		k.NodeTaints = map[string][]string{}
		for _, t := range in.Node.Taints {
			k.NodeTaints[t.Key] = append(k.NodeTaints[t.Key], t.Value+":"+t.Effect)
		}
	}
	s := bottlerocketSettings{Settings: brSettings{Kubernetes: k}}
	if in.Proxy != nil {
		s.Settings.Network = &brNetwork{HTTPSProxy: in.Proxy.httpsURL(), NoProxy: NoProxy(in.Cluster, in.Proxy.NoProxy)}
	}
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("rendering Bottlerocket settings: %w", err)
	}
	return b.Bytes(), nil
}
