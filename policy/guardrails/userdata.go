package guardrails

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/eksfleet/eksfleet/internal/userdata"
	"sigs.k8s.io/yaml"
)

// Node user data as a policy reads it: whatever wrote it (eksfleet's
// renderer, pulumi-eks, eksctl, a hand-written script), the rules need the
// labels and taints the kubelet registers, the cluster it joins and any
// egress proxy. Unlike internal/userdata, which checks eksfleet's own
// rendering strictly, this reader is lenient the way nodes are: unknown
// NodeConfig fields and unrelated MIME parts are skipped.

// AMI families as recognised from user data.
const (
	familyAL2023       = "AL2023"
	familyBottlerocket = "Bottlerocket"
	familyAL2          = "AL2"
)

// nodeSettings is what a node's user data makes it do.
type nodeSettings struct {
	// family is AL2023 (nodeadm NodeConfig), Bottlerocket (TOML settings)
	// or AL2 (bootstrap.sh); empty when the user data says neither.
	family string
	// clusterName, endpoint and serviceCIDR, when the user data names them.
	clusterName, endpoint, serviceCIDR string
	// labels and taints are what the kubelet registers.
	labels map[string]string
	taints []taint
	// proxies are the places the user data configures an egress proxy.
	proxies []proxySetting
}

// taint is a node taint in Kubernetes spelling.
type taint struct{ key, value, effect string }

func (t taint) String() string {
	if t.value == "" {
		return t.key + ":" + t.effect
	}
	return t.key + "=" + t.value + ":" + t.effect
}

// proxySetting is one proxy configuration found in user data.
type proxySetting struct {
	// where names it for messages ("NodeConfig environment default").
	where string
	// proxy is the HTTPS (else HTTP) proxy URL.
	proxy string
	// noProxy holds the NO_PROXY entries.
	noProxy []string
	// bottlerocket marks settings.network, to which Bottlerocket itself
	// adds localhost, 127.0.0.1, the API server host and .cluster.local.
	bottlerocket bool
}

// decodeUserData reads launch template user data (base64) or, with
// b64 false, launch configuration user data (plain text).
func decodeUserData(s string, b64 bool) (*nodeSettings, error) {
	raw := []byte(s)
	if b64 {
		var err error
		if raw, err = base64.StdEncoding.DecodeString(strings.TrimSpace(s)); err != nil {
			return nil, fmt.Errorf("user data is not base64: %w", err)
		}
	}
	// nodeadm and cloud-init both accept gzip-compressed user data.
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gzip user data: %w", err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("gzip user data: %w", err)
		}
	}
	n := &nodeSettings{labels: map[string]string{}}
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	head := strings.ToLower(strings.SplitN(text, "\n\n", 2)[0])
	var err error
	switch {
	case strings.Contains(head, "content-type: multipart/"):
		err = n.mime(raw)
	case strings.Contains(text, "kind: NodeConfig"):
		err = n.nodeConfig([]byte(text), "NodeConfig")
	case strings.HasPrefix(text, "#!") || strings.HasPrefix(text, "#cloud-boothook"):
		err = n.shell(text, "user data script")
	case strings.TrimSpace(text) == "":
	default:
		err = n.bottlerocket(text)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(n.taints, func(i, j int) bool {
		a, b := n.taints[i], n.taints[j]
		return a.key < b.key || a.key == b.key && a.effect < b.effect
	})
	return n, nil
}

func (n *nodeSettings) mime(raw []byte) error {
	parts, err := userdata.ParseMIME(raw)
	if err != nil {
		return err
	}
	for i, p := range parts {
		ct := strings.ToLower(p.ContentType)
		where := fmt.Sprintf("MIME part %d", i)
		switch {
		case strings.HasPrefix(ct, "application/node.eks.aws"):
			err = n.nodeConfig(p.Body, where+" NodeConfig")
		case strings.HasPrefix(ct, "text/x-shellscript"), strings.HasPrefix(ct, "text/cloud-boothook"):
			err = n.shell(string(p.Body), where+" script")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// nodeConfigDoc is the part of nodeadm's NodeConfig the rules read.
type nodeConfigDoc struct {
	Kind string `json:"kind"`
	Spec struct {
		Cluster struct {
			Name              string `json:"name"`
			APIServerEndpoint string `json:"apiServerEndpoint"`
			CIDR              string `json:"cidr"`
		} `json:"cluster"`
		Instance struct {
			Environment map[string]map[string]string `json:"environment"`
		} `json:"instance"`
		Kubelet struct {
			Config struct {
				RegisterWithTaints []struct {
					Key    string `json:"key"`
					Value  string `json:"value"`
					Effect string `json:"effect"`
				} `json:"registerWithTaints"`
			} `json:"config"`
			Flags []string `json:"flags"`
		} `json:"kubelet"`
	} `json:"spec"`
}

func (n *nodeSettings) nodeConfig(body []byte, where string) error {
	var doc nodeConfigDoc
	// Lenient, as nodeadm is: fields the rules don't read are ignored.
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if doc.Kind != "NodeConfig" {
		return nil
	}
	n.family = familyAL2023
	// nodeadm merges NodeConfig parts in order, later values winning.
	c := doc.Spec.Cluster
	n.clusterName = firstNonEmpty(c.Name, n.clusterName)
	n.endpoint = firstNonEmpty(c.APIServerEndpoint, n.endpoint)
	n.serviceCIDR = firstNonEmpty(c.CIDR, n.serviceCIDR)
	units := sortedKeys(doc.Spec.Instance.Environment)
	for _, unit := range units {
		if ps, ok := proxyFromEnv(doc.Spec.Instance.Environment[unit]); ok {
			ps.where = fmt.Sprintf("%s spec.instance.environment.%s", where, unit)
			n.proxies = append(n.proxies, ps)
		}
	}
	for _, t := range doc.Spec.Kubelet.Config.RegisterWithTaints {
		n.taints = append(n.taints, taint{key: t.Key, value: t.Value, effect: t.Effect})
	}
	return n.kubeletFlags(doc.Spec.Kubelet.Flags)
}

// kubeletFlags takes --node-labels and --register-with-taints apart, in
// either "--flag=value" or "--flag value" form. Repeated flags add up, as
// the kubelet's map flags do.
func (n *nodeSettings) kubeletFlags(flags []string) error {
	for i := 0; i < len(flags); i++ {
		name, value, hasValue := strings.Cut(flags[i], "=")
		if name != "--node-labels" && name != "--register-with-taints" {
			continue
		}
		if !hasValue && i+1 < len(flags) {
			i++
			value = flags[i]
		}
		for _, item := range strings.Split(value, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if name == "--node-labels" {
				k, v, ok := strings.Cut(item, "=")
				if !ok {
					return fmt.Errorf("--node-labels entry %q has no '='", item)
				}
				n.labels[k] = v
				continue
			}
			t, err := parseTaint(item)
			if err != nil {
				return fmt.Errorf("--register-with-taints: %w", err)
			}
			n.taints = append(n.taints, t)
		}
	}
	return nil
}

// parseTaint reads "key=value:Effect" or "key:Effect".
func parseTaint(s string) (taint, error) {
	kv, effect, ok := strings.Cut(s, ":")
	if !ok || effect == "" {
		return taint{}, fmt.Errorf("taint %q has no :Effect", s)
	}
	k, v, _ := strings.Cut(kv, "=")
	return taint{key: k, value: v, effect: effect}, nil
}

// proxyAssignRE finds proxy variable assignments in shell scripts and
// /etc/environment heredocs, with or without export.
var proxyAssignRE = regexp.MustCompile(`(?m)^\s*(?:export\s+)?(HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy)=(.*)$`)

func (n *nodeSettings) shell(script, where string) error {
	env := map[string]string{}
	for _, m := range proxyAssignRE.FindAllStringSubmatch(script, -1) {
		env[m[1]] = unquote(strings.TrimSpace(m[2]))
	}
	if ps, ok := proxyFromEnv(env); ok {
		ps.where = where
		n.proxies = append(n.proxies, ps)
	}
	args, found, err := bootstrapArgs(script)
	if err != nil || !found {
		return err
	}
	n.family = familyAL2
	// Every bootstrap.sh option takes a value; the cluster name is the
	// one positional argument.
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			n.clusterName = a
			continue
		}
		flag, value, inline := strings.Cut(a, "=")
		if !inline {
			if i+1 >= len(args) {
				break
			}
			i++
			value = args[i]
		}
		switch flag {
		case "--apiserver-endpoint":
			n.endpoint = value
		case "--service-ipv4-cidr":
			n.serviceCIDR = value
		case "--kubelet-extra-args":
			if err := n.kubeletFlags(strings.Fields(value)); err != nil {
				return fmt.Errorf("%s: bootstrap.sh --kubelet-extra-args: %w", where, err)
			}
		}
	}
	return nil
}

// bootstrapArgs finds the bootstrap.sh command of a script (continuation
// lines joined) and splits its arguments as a POSIX shell would for plain
// words, single and double quotes.
func bootstrapArgs(script string) ([]string, bool, error) {
	joined := strings.ReplaceAll(script, "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		_, rest, ok := strings.Cut(line, "/etc/eks/bootstrap.sh")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		words, err := shellWords(rest)
		return words, true, err
	}
	return nil, false, nil
}

func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				cur.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == ';' || ch == '&' || ch == '|':
			// The command ends here (e.g. `bootstrap.sh ... && reboot`).
			if inWord {
				words = append(words, cur.String())
			}
			return words, nil
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("bootstrap.sh call has an unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func (n *nodeSettings) bottlerocket(text string) error {
	var doc struct {
		Settings struct {
			Kubernetes struct {
				ClusterName string         `toml:"cluster-name"`
				APIServer   string         `toml:"api-server"`
				NodeLabels  map[string]any `toml:"node-labels"`
				NodeTaints  map[string]any `toml:"node-taints"`
			} `toml:"kubernetes"`
			Network struct {
				HTTPSProxy string `toml:"https-proxy"`
				NoProxy    any    `toml:"no-proxy"`
			} `toml:"network"`
		} `toml:"settings"`
	}
	md, err := toml.Decode(text, &doc)
	if err != nil {
		return fmt.Errorf("user data is neither MIME, a NodeConfig, a script nor Bottlerocket TOML: %w", err)
	}
	if !md.IsDefined("settings") {
		return errors.New("user data is neither MIME, a NodeConfig, a script nor Bottlerocket TOML settings")
	}
	n.family = familyBottlerocket
	k := doc.Settings.Kubernetes
	n.clusterName, n.endpoint = k.ClusterName, k.APIServer
	for key, v := range k.NodeLabels {
		n.labels[key] = fmt.Sprint(v)
	}
	for key, v := range k.NodeTaints {
		// Current Bottlerocket takes a list of "value:Effect"; older
		// releases a single string.
		values := []any{v}
		if l, ok := v.([]any); ok {
			values = l
		}
		for _, item := range values {
			value, effect, ok := strings.Cut(fmt.Sprint(item), ":")
			if !ok {
				return fmt.Errorf("bottlerocket node-taints %q: %q has no :Effect", key, item)
			}
			n.taints = append(n.taints, taint{key: key, value: value, effect: effect})
		}
	}
	if nw := doc.Settings.Network; nw.HTTPSProxy != "" {
		ps := proxySetting{where: "Bottlerocket settings.network", proxy: nw.HTTPSProxy, bottlerocket: true}
		switch v := nw.NoProxy.(type) {
		case []any:
			for _, e := range v {
				ps.noProxy = append(ps.noProxy, fmt.Sprint(e))
			}
		case string:
			ps.noProxy = splitNoProxy(v)
		}
		n.proxies = append(n.proxies, ps)
	}
	return nil
}

// proxyFromEnv reads the proxy variables of one environment, either case.
func proxyFromEnv(env map[string]string) (proxySetting, bool) {
	get := func(name string) string {
		if v := env[name]; v != "" {
			return v
		}
		return env[strings.ToLower(name)]
	}
	proxy := firstNonEmpty(get("HTTPS_PROXY"), get("HTTP_PROXY"))
	if proxy == "" {
		return proxySetting{}, false
	}
	return proxySetting{proxy: proxy, noProxy: splitNoProxy(get("NO_PROXY"))}, true
}

func splitNoProxy(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
