// Package userdata reads node user data back the way nodes do, for tests and
// checks that must compare what a node will register (labels, taints, max
// pods, cluster) with what the rest of the stack says: AL2023 nodeadm
// NodeConfig parts merged in order, Bottlerocket TOML settings, and AL2's
// bootstrap.sh command line.
//
// It is the reading half of components/bootstrap, kept out of that package
// so the Pulumi program never links it.
package userdata

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/eksfleet/eksfleet/components/bootstrap"
	"sigs.k8s.io/yaml"
)

// Node is what a node's user data makes it register and join with.
type Node struct {
	// Cluster facts the node joins with (empty for a managed group's part,
	// to which EKS adds them).
	ClusterName, Endpoint, CertificateAuthority string
	// ServiceCIDR (AL2023) or ClusterDNSIP (Bottlerocket, AL2).
	ServiceCIDR, ClusterDNSIP string
	Labels                    map[string]string
	// Taints sorted by key, then effect.
	Taints  []bootstrap.Taint
	MaxPods int
	// KubeReservedMaxPods is the max pods kubeReserved memory is sized on:
	// AL2023 nodeadm's maxPodsExpression when that is a constant, AL2
	// bootstrap.sh's table entries as the user data rewrites them (0 when
	// absent: the AMI's own ENI-based value).
	KubeReservedMaxPods int
	// KubeletFlags are the kubelet flags other than labels and taints.
	KubeletFlags []string
	// Environment is AL2023's spec.instance.environment.default (the proxy).
	Environment map[string]string
	// Shell holds the shell parts (AL2023 pre-bootstrap, AL2 bootstrap).
	Shell []string
}

// DecodeBase64 decodes launch template user data (base64) and reads it.
func DecodeBase64(f bootstrap.Family, b64 string) (*Node, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("user data is not base64: %w", err)
	}
	return Decode(f, raw)
}

// Decode reads raw user data of an AMI family.
func Decode(f bootstrap.Family, data []byte) (*Node, error) {
	n := &Node{Labels: map[string]string{}}
	var err error
	switch f {
	case bootstrap.Bottlerocket:
		err = n.bottlerocket(data)
	case bootstrap.AL2:
		err = n.al2(data)
	case bootstrap.AL2023, "":
		err = n.al2023(data)
	default:
		err = fmt.Errorf("unknown AMI family %q", f)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(n.Taints, func(i, j int) bool {
		a, b := n.Taints[i], n.Taints[j]
		return a.Key < b.Key || a.Key == b.Key && a.Effect < b.Effect
	})
	return n, nil
}

// Part is one MIME part.
type Part struct {
	ContentType string
	Body        []byte
}

// ParseMIME splits a multipart/mixed document into its parts.
func ParseMIME(data []byte) ([]Part, error) {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	hdr, err := r.ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("reading MIME header: %w", err)
	}
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		return nil, fmt.Errorf("content type %q is not multipart/mixed", hdr.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.R, params["boundary"])
	var parts []Part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading part %d: %w", len(parts), err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, Part{ContentType: p.Header.Get("Content-Type"), Body: body})
	}
	if len(parts) == 0 {
		return nil, errors.New("MIME document has no parts")
	}
	return parts, nil
}

// nodeConfig is the part of nodeadm's NodeConfig that is read back.
type nodeConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Cluster *struct {
			Name                 string `json:"name"`
			APIServerEndpoint    string `json:"apiServerEndpoint"`
			CertificateAuthority string `json:"certificateAuthority"`
			CIDR                 string `json:"cidr"`
		} `json:"cluster"`
		Instance *struct {
			Environment map[string]map[string]string `json:"environment"`
		} `json:"instance"`
		Kubelet *struct {
			Config            map[string]any `json:"config"`
			Flags             []string       `json:"flags"`
			MaxPodsExpression string         `json:"maxPodsExpression"`
		} `json:"kubelet"`
	} `json:"spec"`
}

func (n *Node) al2023(data []byte) error {
	parts, err := ParseMIME(data)
	if err != nil {
		return err
	}
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p.ContentType, "text/x-shellscript"):
			n.Shell = append(n.Shell, string(p.Body))
		case p.ContentType == bootstrap.ContentTypeNodeConfig:
			var nc nodeConfig
			if err := yaml.UnmarshalStrict(p.Body, &nc); err != nil {
				return fmt.Errorf("part %d: NodeConfig: %w", i, err)
			}
			if nc.APIVersion != bootstrap.NodeConfigAPIVersion || nc.Kind != bootstrap.NodeConfigKind {
				return fmt.Errorf("part %d: apiVersion %q kind %q is not a NodeConfig", i, nc.APIVersion, nc.Kind)
			}
			// nodeadm merges parts in order, later ones winning.
			if c := nc.Spec.Cluster; c != nil {
				n.ClusterName, n.Endpoint, n.CertificateAuthority, n.ServiceCIDR = c.Name, c.APIServerEndpoint, c.CertificateAuthority, c.CIDR
			}
			if in := nc.Spec.Instance; in != nil && in.Environment != nil {
				n.Environment = in.Environment["default"]
			}
			if k := nc.Spec.Kubelet; k != nil {
				if mp, ok := k.Config["maxPods"].(float64); ok {
					n.MaxPods = int(mp)
				}
				if k.MaxPodsExpression != "" {
					// We write a constant; anything else is not ours.
					v, err := strconv.Atoi(k.MaxPodsExpression)
					if err != nil {
						return fmt.Errorf("part %d: kubelet.maxPodsExpression %q is not a constant", i, k.MaxPodsExpression)
					}
					n.KubeReservedMaxPods = v
				}
				if err := n.kubeletFlags(k.Flags); err != nil {
					return fmt.Errorf("part %d: %w", i, err)
				}
			}
		default:
			return fmt.Errorf("part %d: unexpected content type %q", i, p.ContentType)
		}
	}
	return nil
}

// kubeletFlags takes --node-labels, --register-with-taints and --max-pods
// apart; other flags are kept as they are.
func (n *Node) kubeletFlags(flags []string) error {
	for _, f := range flags {
		name, value, _ := strings.Cut(f, "=")
		switch name {
		case "--node-labels":
			for _, kv := range strings.Split(value, ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return fmt.Errorf("--node-labels entry %q has no '='", kv)
				}
				n.Labels[k] = v
			}
		case "--register-with-taints":
			for _, t := range strings.Split(value, ",") {
				kv, effect, ok := strings.Cut(t, ":")
				if !ok {
					return fmt.Errorf("--register-with-taints entry %q has no effect", t)
				}
				k, v, _ := strings.Cut(kv, "=")
				n.Taints = append(n.Taints, bootstrap.Taint{Key: k, Value: v, Effect: effect})
			}
		case "--max-pods":
			mp, err := strconv.Atoi(value)
			if err != nil {
				return fmt.Errorf("--max-pods %q: %w", value, err)
			}
			n.MaxPods = mp
		default:
			n.KubeletFlags = append(n.KubeletFlags, f)
		}
	}
	return nil
}

type bottlerocketSettings struct {
	Settings struct {
		Kubernetes struct {
			ClusterName        string              `toml:"cluster-name"`
			APIServer          string              `toml:"api-server"`
			ClusterCertificate string              `toml:"cluster-certificate"`
			ClusterDNSIP       string              `toml:"cluster-dns-ip"`
			MaxPods            int                 `toml:"max-pods"`
			NodeLabels         map[string]string   `toml:"node-labels"`
			NodeTaints         map[string][]string `toml:"node-taints"`
		} `toml:"kubernetes"`
		Network *struct {
			HTTPSProxy string   `toml:"https-proxy"`
			NoProxy    []string `toml:"no-proxy"`
		} `toml:"network"`
	} `toml:"settings"`
}

func (n *Node) bottlerocket(data []byte) error {
	var s bottlerocketSettings
	md, err := toml.Decode(string(data), &s)
	if err != nil {
		return fmt.Errorf("decoding Bottlerocket settings: %w", err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return fmt.Errorf("decoding Bottlerocket settings: unexpected keys %v", undecoded)
	}
	k := s.Settings.Kubernetes
	n.ClusterName, n.Endpoint, n.CertificateAuthority, n.ClusterDNSIP, n.MaxPods = k.ClusterName, k.APIServer, k.ClusterCertificate, k.ClusterDNSIP, k.MaxPods
	for key, v := range k.NodeLabels {
		n.Labels[key] = v
	}
	for key, values := range k.NodeTaints {
		for _, v := range values {
			value, effect, ok := strings.Cut(v, ":")
			if !ok {
				return fmt.Errorf("node-taints %q: %q has no effect", key, v)
			}
			n.Taints = append(n.Taints, bootstrap.Taint{Key: key, Value: value, Effect: effect})
		}
	}
	if nw := s.Settings.Network; nw != nil {
		n.Environment = map[string]string{"HTTPS_PROXY": nw.HTTPSProxy, "NO_PROXY": strings.Join(nw.NoProxy, ",")}
	}
	return nil
}

func (n *Node) al2(data []byte) error {
	parts, err := ParseMIME(data)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if !strings.HasPrefix(p.ContentType, "text/x-shellscript") {
			continue
		}
		n.Shell = append(n.Shell, string(p.Body))
		if err := n.maxPodsTable(string(p.Body)); err != nil {
			return err
		}
		args, ok, err := bootstrapArgs(string(p.Body))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if len(args) == 0 || strings.HasPrefix(args[len(args)-1], "--") {
			return errors.New("bootstrap.sh call has no cluster name")
		}
		n.ClusterName = args[len(args)-1]
		for i := 0; i+1 < len(args)-1; i += 2 {
			flag, value := args[i], args[i+1]
			switch flag {
			case "--apiserver-endpoint":
				n.Endpoint = value
			case "--b64-cluster-ca":
				n.CertificateAuthority = value
			case "--dns-cluster-ip":
				n.ClusterDNSIP = value
			case "--kubelet-extra-args":
				if err := n.kubeletFlags(strings.Fields(value)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("no shell part calls %s", bootstrap.BootstrapScript)
}

// bootstrapArgs finds the bootstrap.sh command in a script (continuation
// lines joined) and splits its arguments as a POSIX shell would for the
// quoting the bootstrap package writes: bare words and single quotes.
func bootstrapArgs(script string) ([]string, bool, error) {
	joined := strings.ReplaceAll(script, "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		fields := strings.TrimSpace(line)
		if !strings.HasPrefix(fields, bootstrap.BootstrapScript+" ") {
			continue
		}
		words, err := shellWords(strings.TrimPrefix(fields, bootstrap.BootstrapScript))
		return words, true, err
	}
	return nil, false, nil
}

func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\'' {
				quoted = false
			} else {
				cur.WriteByte(c)
			}
		case c == '\'':
			quoted, inWord = true, true
		case c == '"':
			// The bootstrap package writes a literal quote as '"'"'.
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, errors.New("unterminated double quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated single quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// maxPodsTable reads the AL2 rewrite of bootstrap.sh's max pods table
// (printf '%s\n' '<type> <n>' … >>/etc/eks/eni-max-pods.txt): every entry
// must carry the same value.
func (n *Node) maxPodsTable(script string) error {
	for _, line := range strings.Split(script, "\n") {
		if !strings.HasPrefix(line, "printf ") || !strings.HasSuffix(line, ">>"+bootstrap.MaxPodsTable) {
			continue
		}
		words, err := shellWords(strings.TrimSuffix(line, ">>"+bootstrap.MaxPodsTable))
		if err != nil {
			return err
		}
		for _, entry := range words[2:] {
			fields := strings.Fields(entry)
			if len(fields) != 2 {
				return fmt.Errorf("max pods table entry %q is not \"<type> <max pods>\"", entry)
			}
			v, err := strconv.Atoi(fields[1])
			if err != nil {
				return fmt.Errorf("max pods table entry %q: %w", entry, err)
			}
			if n.KubeReservedMaxPods != 0 && v != n.KubeReservedMaxPods {
				return fmt.Errorf("max pods table entries disagree: %d and %d", n.KubeReservedMaxPods, v)
			}
			n.KubeReservedMaxPods = v
		}
	}
	return nil
}
