package bootstrap

// Tests that hand the rendered user data to the real consumers, or to the
// closest thing available offline: nodeadm's own API types (strict),
// mime/multipart, a TOML decoder against Bottlerocket's setting names,
// shellcheck, bash itself, and bootstrap.sh's flag list.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	nodeadm "github.com/awslabs/amazon-eks-ami/nodeadm/api/v1alpha1"
	"github.com/eksfleet/eksfleet/internal/shared"
	k8sjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

type mimePart struct {
	contentType string
	body        []byte
}

// parseMIME reads user data back with mime/multipart, as nodeadm does.
func parseMIME(t testing.TB, data []byte) []mimePart {
	t.Helper()
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	hdr, err := r.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("reading MIME header: %v", err)
	}
	if v := hdr.Get("MIME-Version"); v != "1.0" {
		t.Fatalf("MIME-Version = %q", v)
	}
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", hdr.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(r.R, params["boundary"])
	var parts []mimePart
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading part %d: %v", len(parts), err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, mimePart{p.Header.Get("Content-Type"), body})
	}
	if len(parts) == 0 {
		t.Fatal("MIME document has no parts")
	}
	return parts
}

// currentNodeConfig mirrors the fields of nodeadm's current v1alpha1 API
// that the Feb 2024 module (the only one the proxy serves) lacks and that
// we write. Source: amazon-eks-ami nodeadm/api/v1alpha1/nodeconfig_types.go
// and nodeadm/doc/api.md, plus spec.instance.environment from #2384
// (map of "default" or unit name to variables, as the nodeadm e2e case
// http-proxy writes it) and spec.kubelet.maxPodsExpression (#2446, a CEL
// string; shared/upstream/nodeadm/doc/api.md). Everything else is checked
// with nodeadm's types.
type currentNodeConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Cluster *nodeadm.ClusterDetails `json:"cluster,omitempty"`
		Kubelet *struct {
			Config            map[string]any `json:"config,omitempty"`
			Flags             []string       `json:"flags,omitempty"`
			MaxPodsExpression string         `json:"maxPodsExpression,omitempty"`
		} `json:"kubelet,omitempty"`
		Instance *struct {
			Environment map[string]map[string]string `json:"environment,omitempty"`
		} `json:"instance,omitempty"`
	} `json:"spec"`
}

// maxPodsExpressionLine matches the kubelet.maxPodsExpression line.
var maxPodsExpressionLine = regexp.MustCompile(`(?m)^\s*maxPodsExpression: .*\n`)

// strictDecode converts YAML to JSON (refusing duplicate keys) and decodes
// it case-sensitively, failing on any unknown field.
func strictDecode(doc []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strictErrs, err := k8sjson.UnmarshalStrict(j, v)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

func TestAL2023NodeConfigStrict(t *testing.T) {
	for _, c := range cases() {
		if c.family != AL2023 {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			in := c.input()
			data := render(t, c)
			if len(data) == 0 {
				t.Fatal("empty user data")
			}
			var merged nodeadm.NodeConfig
			var env map[string]string
			var shellParts int
			for i, p := range parseMIME(t, data) {
				switch p.contentType {
				case ContentTypeShell:
					shellParts++
					continue
				case ContentTypeNodeConfig:
				default:
					t.Fatalf("part %d: unexpected content type %q", i, p.contentType)
				}
				var cur currentNodeConfig
				if err := strictDecode(p.body, &cur); err != nil {
					t.Fatalf("part %d does not match the current NodeConfig API: %v\n%s", i, err, p.body)
				}
				if cur.APIVersion != nodeadm.GroupVersion.String() || cur.Kind != "NodeConfig" {
					t.Fatalf("part %d: apiVersion %q kind %q", i, cur.APIVersion, cur.Kind)
				}
				if cur.Spec.Instance != nil {
					// The newer field, checked through the mirror only;
					// it must stand alone so the rest decodes with nodeadm's types.
					if cur.Spec.Cluster != nil || cur.Spec.Kubelet != nil {
						t.Fatalf("part %d mixes spec.instance.environment with other fields", i)
					}
					if got := keys(cur.Spec.Instance.Environment); !slices.Equal(got, []string{"default"}) {
						t.Fatalf("environment units = %v, want [default]", got)
					}
					env = cur.Spec.Instance.Environment["default"]
					continue
				}
				// kubeReserved memory follows max pods only through the
				// expression (nodeadm sizes it on its own ENI-based value
				// otherwise), so it must say the same number as maxPods.
				var expression string
				if k := cur.Spec.Kubelet; k != nil {
					expression = k.MaxPodsExpression
				}
				if want := strconv.Itoa(in.Node.MaxPods); in.Node.MaxPods > 0 && expression != want {
					t.Errorf("part %d: kubelet.maxPodsExpression = %q, want %q so kubeReserved is sized on max pods", i, expression, want)
				} else if in.Node.MaxPods == 0 && expression != "" {
					t.Errorf("part %d: maxPodsExpression %q without max pods", i, expression)
				}
				// The rest strict-decodes with the Feb 2024 types, which
				// predate the expression.
				body := maxPodsExpressionLine.ReplaceAll(p.body, nil)
				var nc nodeadm.NodeConfig
				if err := strictDecode(body, &nc); err != nil {
					t.Fatalf("part %d does not strict-decode into nodeadm v1alpha1.NodeConfig: %v\n%s", i, err, p.body)
				}
				// nodeadm merges parts in order, later parts winning.
				if nc.Spec.Cluster.Name != "" {
					merged.Spec.Cluster = nc.Spec.Cluster
				}
				if nc.Spec.Kubelet.Config != nil {
					merged.Spec.Kubelet.Config = nc.Spec.Kubelet.Config
				}
				merged.Spec.Kubelet.Flags = append(merged.Spec.Kubelet.Flags, nc.Spec.Kubelet.Flags...)
			}

			cl := merged.Spec.Cluster
			if in.Managed {
				if cl.Name != "" || cl.APIServerEndpoint != "" || len(cl.CertificateAuthority) > 0 || cl.CIDR != "" {
					t.Errorf("managed user data carries spec.cluster %+v; EKS supplies it", cl)
				}
			} else {
				if cl.Name != in.Cluster.Name || cl.APIServerEndpoint != in.Cluster.Endpoint || cl.CIDR != in.Cluster.ServiceCIDR {
					t.Errorf("spec.cluster = %+v, want %+v", cl, in.Cluster)
				}
				// CertificateAuthority is []byte: JSON decoding undid the base64.
				if !strings.Contains(string(cl.CertificateAuthority), "BEGIN CERTIFICATE") {
					t.Errorf("certificateAuthority decoded to %q", cl.CertificateAuthority)
				}
			}

			var maxPods *int
			if raw, ok := merged.Spec.Kubelet.Config["maxPods"]; ok {
				var n int
				if err := json.Unmarshal(raw.Raw, &n); err != nil {
					t.Fatalf("kubelet.config.maxPods = %s: %v", raw.Raw, err)
				}
				maxPods = &n
			}
			for k := range merged.Spec.Kubelet.Config {
				if k != "maxPods" {
					t.Errorf("unexpected kubelet config key %q", k)
				}
			}
			switch {
			case in.Node.MaxPods == 0 && maxPods != nil:
				t.Errorf("maxPods %d set without input", *maxPods)
			case in.Node.MaxPods > 0 && (maxPods == nil || *maxPods != in.Node.MaxPods):
				t.Errorf("maxPods = %v, want %d", maxPods, in.Node.MaxPods)
			}

			flags := merged.Spec.Kubelet.Flags
			if want := KubeletLabelsFlag(NodeLabels(in)); want != "" && !slices.Contains(flags, want) {
				t.Errorf("flags %q lack %q", flags, want)
			}
			if want := KubeletTaintsFlag(in.Node.Taints); want != "" && !slices.Contains(flags, want) {
				t.Errorf("flags %q lack %q", flags, want)
			}
			for _, a := range in.Node.KubeletExtraArgs {
				if !slices.Contains(flags, a) {
					t.Errorf("flags %q lack extra arg %q", flags, a)
				}
			}

			if in.Proxy != nil {
				wantNoProxy := strings.Join(NoProxy(in.Cluster, in.Proxy.NoProxy), ",")
				for k, v := range map[string]string{"HTTP_PROXY": in.Proxy.HTTPProxy, "https_proxy": in.Proxy.HTTPSProxy, "NO_PROXY": wantNoProxy, "no_proxy": wantNoProxy} {
					if env[k] != v {
						t.Errorf("environment %s = %q, want %q", k, env[k], v)
					}
				}
			} else if env != nil {
				t.Errorf("environment %v without a proxy", env)
			}
			if want := len(in.Node.PreBootstrapCommands) > 0; want != (shellParts == 1) {
				t.Errorf("%d shell parts for %d pre-bootstrap commands", shellParts, len(in.Node.PreBootstrapCommands))
			}
		})
	}
}

// The strict decoders must catch what nodeadm itself would silently drop.
func TestStrictDecodeCatchesTypos(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    apiserverEndpoint: https://x\n",
		"apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    flag: [--v=2]\n",
		"apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  instance:\n    environment:\n      default: {A: b}\n",
	} {
		var nc nodeadm.NodeConfig
		if err := strictDecode([]byte(doc), &nc); err == nil {
			t.Errorf("nodeadm types accepted:\n%s", doc)
		}
	}
	var cur currentNodeConfig
	if err := strictDecode([]byte("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  instance:\n    enviroment: {}\n"), &cur); err == nil {
		t.Error("the current-API mirror accepted a misspelt environment")
	}
}

// mimeOutput is one rendered MIME document, parsed back.
type mimeOutput struct {
	c     testCase
	parts []mimePart
}

// mimeOutputs renders every AL2023 and AL2 case and parses the non-empty
// results.
func mimeOutputs(t testing.TB) []mimeOutput {
	var out []mimeOutput
	for _, c := range cases() {
		if c.family == Bottlerocket {
			continue
		}
		if data := render(t, c); len(data) > 0 {
			out = append(out, mimeOutput{c, parseMIME(t, data)})
		}
	}
	return out
}

func TestMIMEPartsParse(t *testing.T) {
	for _, o := range mimeOutputs(t) {
		c, parts, in := o.c, o.parts, o.c.input()
		var types []string
		for _, p := range parts {
			types = append(types, p.contentType)
		}
		var want []string
		switch {
		case c.family == AL2 && in.Proxy != nil:
			want = []string{ContentTypeBoothook, ContentTypeShell}
		case c.family == AL2:
			want = []string{ContentTypeShell}
		default:
			if in.Proxy != nil {
				want = append(want, ContentTypeNodeConfig)
			}
			if len(in.Node.PreBootstrapCommands) > 0 {
				want = append(want, ContentTypeShell)
			}
			want = append(want, ContentTypeNodeConfig)
		}
		if !slices.Equal(types, want) {
			t.Errorf("%s: parts %q, want %q", c.golden(), types, want)
		}
	}
}

func readList(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// unknownSettings decodes Bottlerocket user data and returns the setting
// names (dotted, quotes removed) that the allow-list does not cover.
func unknownSettings(data []byte, allowed []string) ([]string, error) {
	var doc map[string]any
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, k := range md.Keys() {
		if md.Type(k...) == "Hash" {
			continue // a table header such as [settings.kubernetes]
		}
		name := strings.Join(k, ".")
		ok := false
		for _, a := range allowed {
			if name == a || (strings.HasSuffix(a, ".*") && strings.HasPrefix(name, strings.TrimSuffix(a, "*"))) {
				ok = true
			}
		}
		if !ok {
			unknown = append(unknown, name)
		}
	}
	return unknown, nil
}

func TestBottlerocketTOML(t *testing.T) {
	allowed := readList(t, "testdata/bottlerocket-settings.txt")
	// The allow-list check must bite: a misspelt or foreign setting fails.
	if u, err := unknownSettings([]byte("[settings.kubernetes]\ncluster-name = \"a\"\nmaxpods = 3\n[settings.host-containers.admin]\nenabled = true\n"), allowed); err != nil || len(u) != 2 {
		t.Fatalf("unknownSettings = %v, %v; want maxpods and host-containers flagged", u, err)
	}
	for _, c := range cases() {
		if c.family != Bottlerocket {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			in := c.input()
			unknown, err := unknownSettings(render(t, c), allowed)
			if err != nil {
				t.Fatalf("TOML does not parse: %v", err)
			}
			for _, n := range unknown {
				t.Errorf("setting %s is not a Bottlerocket setting we allow", n)
			}
			var typed bottlerocketSettings
			if _, err := toml.Decode(string(render(t, c)), &typed); err != nil {
				t.Fatal(err)
			}
			k := typed.Settings.Kubernetes
			if !in.Managed {
				if k.ClusterName != in.Cluster.Name || k.APIServer != in.Cluster.Endpoint || k.ClusterCertificate != in.Cluster.CertificateAuthority || k.ClusterDNSIP != "172.20.0.10" {
					t.Errorf("cluster settings = %+v", k)
				}
				if got, want := k.NodeLabels, NodeLabels(in); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("node-labels = %v, want %v", got, want)
				}
			} else if k.ClusterName != "" || k.APIServer != "" || k.ClusterCertificate != "" || k.ClusterDNSIP != "" || len(k.NodeLabels) > 0 {
				t.Errorf("managed settings carry cluster keys: %+v", k)
			}
			if k.MaxPods != in.Node.MaxPods {
				t.Errorf("max-pods = %d, want %d", k.MaxPods, in.Node.MaxPods)
			}
			if len(in.Node.Taints) != len(flattenTaints(k.NodeTaints)) {
				t.Errorf("node-taints = %v for %v", k.NodeTaints, in.Node.Taints)
			}
			n := typed.Settings.Network
			if (in.Proxy != nil) != (n != nil) {
				t.Fatalf("network settings %+v for proxy %+v", n, in.Proxy)
			}
			if n != nil && (n.HTTPSProxy != in.Proxy.HTTPSProxy || !slices.Equal(n.NoProxy, NoProxy(in.Cluster, in.Proxy.NoProxy))) {
				t.Errorf("network = %+v", n)
			}
		})
	}
}

func flattenTaints(m map[string][]string) []string {
	var out []string
	for k, vs := range m {
		for _, v := range vs {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// requireShellcheck finds shellcheck. Locally a missing binary skips; in
// CI (CI=true) it fails, so CI can never pass without linting the scripts.
func requireShellcheck(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("shellcheck is not installed (apt-get install shellcheck); CI must lint the user data scripts")
		}
		t.Skip("shellcheck is not installed (apt-get install shellcheck); CI=true makes this a failure")
	}
	return path
}

func TestShellPartsPassShellcheck(t *testing.T) {
	sc := requireShellcheck(t)
	checked := 0
	for _, o := range mimeOutputs(t) {
		for i, p := range o.parts {
			if p.contentType != ContentTypeShell && p.contentType != ContentTypeBoothook {
				continue
			}
			cmd := exec.Command(sc, "--shell=bash", "--external-sources", "-")
			cmd.Stdin = bytes.NewReader(p.body)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s part %d (%s) fails shellcheck: %v\n%s\n--- script ---\n%s", o.c.golden(), i, p.contentType, err, out, p.body)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Fatalf("only %d shell parts checked", checked)
	}
	// shellcheck must really be looking: a broken script has to fail.
	cmd := exec.Command(sc, "-")
	cmd.Stdin = strings.NewReader("#!/bin/bash\necho $1\n")
	if err := cmd.Run(); err == nil {
		t.Fatal("shellcheck accepted an unquoted expansion; the check is not working")
	}
}

// TestAL2BootstrapArgs runs each AL2 shell part with bash, bootstrap.sh
// replaced by a stub that records its arguments, and checks them against
// the input and against bootstrap.sh's own option list. Cases with
// pre-bootstrap commands are only linted (they write to /etc).
func TestAL2BootstrapArgs(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	known := readList(t, "testdata/al2-bootstrap-flags.txt")
	dir := t.TempDir()
	stub := filepath.Join(dir, "bootstrap.sh")
	argsFile := filepath.Join(dir, "args")
	if err := os.WriteFile(stub, []byte("#!/bin/bash\nprintf '%s\\0' \"$@\" > \""+argsFile+"\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range cases() {
		in := c.input()
		if c.family != AL2 || len(in.Node.PreBootstrapCommands) > 0 {
			continue
		}
		parts := parseMIME(t, render(t, c))
		script := parts[len(parts)-1].body
		script = bytes.Replace(script, []byte(BootstrapScript), []byte(stub), 1)
		// The boothook has not run here; keep the source line harmless.
		script = bytes.Replace(script, []byte("source /etc/environment"), []byte("source /dev/null"), 1)
		// The max pods table rewrite works on a scratch copy.
		table := filepath.Join(dir, "eni-max-pods.txt")
		if err := os.WriteFile(table, []byte("m5.large 29\nm5a.large 29\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		script = bytes.ReplaceAll(script, []byte(MaxPodsTable), []byte(table))
		cmd := exec.Command(bash, "-c", string(script))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: script failed: %v\n%s", c.golden(), err, out)
		}
		raw, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatal(err)
		}
		args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
		ran++

		got := map[string]string{}
		for i := 0; i < len(args)-1; i += 2 {
			if !slices.Contains(known, args[i]) {
				t.Errorf("%s: bootstrap.sh has no option %q", c.golden(), args[i])
			}
			got[args[i]] = args[i+1]
		}
		if args[len(args)-1] != in.Cluster.Name {
			t.Errorf("%s: last argument %q, want the cluster name", c.golden(), args[len(args)-1])
		}
		want := map[string]string{
			"--apiserver-endpoint": in.Cluster.Endpoint,
			"--b64-cluster-ca":     in.Cluster.CertificateAuthority,
			"--dns-cluster-ip":     "172.20.0.10",
		}
		kubelet := []string{KubeletLabelsFlag(NodeLabels(in))}
		if in.Node.MaxPods > 0 {
			want["--use-max-pods"] = "false"
			kubelet = append([]string{fmt.Sprintf("--max-pods=%d", in.Node.MaxPods)}, kubelet...)
		}
		if f := KubeletTaintsFlag(in.Node.Taints); f != "" {
			kubelet = append(kubelet, f)
		}
		kubelet = append(kubelet, in.Node.KubeletExtraArgs...)
		want["--kubelet-extra-args"] = strings.Join(kubelet, " ")
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: bootstrap.sh options\n got %v\nwant %v", c.golden(), got, want)
		}
	}
	if ran < 5 {
		t.Fatalf("only %d AL2 scripts executed", ran)
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

func decodeTOML(b []byte, v any) error {
	_, err := toml.Decode(string(b), v)
	return err
}

// TestAL2MaxPodsTableRewrite runs the table rewrite the AL2 user data
// carries with bash and GNU sed against the VPC CNI's eni-max-pods.txt
// (the file the AMI ships as /etc/eks/eni-max-pods.txt), then reads it back
// as bootstrap.sh does (`grep ^<type> ` then the second field): every
// instance type of the group gets the group's max pods, once, so
// bootstrap.sh sizes kubeReserved memory on it.
func TestAL2MaxPodsTableRewrite(t *testing.T) {
	root, err := shared.Upstream()
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile(filepath.Join(root, "instance-types", "vpc-cni-v1.23.2-eni-max-pods.txt"))
	if err != nil {
		t.Skipf("needs ../shared/upstream (the VPC CNI's eni-max-pods.txt): %v", err)
	}
	for _, tool := range []string{"bash", "sed", "grep"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	in := baseInput(AL2)
	withPrefixDelegation(&in) // 110 pods on m5.large, whose ENI table value is 29
	data, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	var script []string
	for _, p := range parseMIME(t, data) {
		for _, line := range strings.Split(string(p.body), "\n") {
			if strings.Contains(line, MaxPodsTable) {
				script = append(script, line)
			}
		}
	}
	if len(script) != 2 {
		t.Fatalf("want a sed and a printf line writing %s, got %q", MaxPodsTable, script)
	}
	copyPath := filepath.Join(t.TempDir(), "eni-max-pods.txt")
	if err := os.WriteFile(copyPath, table, 0o644); err != nil {
		t.Fatal(err)
	}
	run := strings.ReplaceAll(strings.Join(script, "\n"), MaxPodsTable, copyPath)
	if out, err := exec.Command("bash", "-euo", "pipefail", "-c", run).CombinedOutput(); err != nil {
		t.Fatalf("rewrite failed: %v\n%s\n%s", err, run, out)
	}
	for _, typ := range in.Node.InstanceTypes {
		out, err := exec.Command("grep", "^"+typ+" ", copyPath).Output()
		if err != nil {
			t.Fatalf("%s missing from the rewritten table: %v", typ, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 || strings.Fields(lines[0])[1] != "110" {
			t.Errorf("%s: table lines %q, want one with 110", typ, lines)
		}
	}
	// Other types are untouched.
	if out, _ := exec.Command("grep", "-c", "^c5.18xlarge ", copyPath).Output(); strings.TrimSpace(string(out)) != "1" {
		t.Errorf("c5.18xlarge entries after the rewrite: %s", out)
	}
}
