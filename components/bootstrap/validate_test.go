package bootstrap

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// checkErrors wants exactly one error per entry of want, in order, each
// containing that entry.
func checkErrors(t *testing.T, errs []error, want []string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(want))
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
		}
	}
}

func TestValidateLabels(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   []string // substrings, one per expected error
	}{
		{"plain", map[string]string{"workload": "system", "example.com/team": "a"}, nil},
		{"kubelet allowed key", map[string]string{"kubernetes.io/arch": "arm64", "topology.kubernetes.io/zone": "eu-west-1a"}, nil},
		{"node namespace", map[string]string{"node.kubernetes.io/pool": "x", "foo.node.kubernetes.io/bar": "y"}, nil},
		{"kubelet namespace", map[string]string{"kubelet.kubernetes.io/x": "y"}, nil},
		{"eks and cni namespaces", map[string]string{"eks.amazonaws.com/nodegroup": "a", "k8s.amazonaws.com/eniConfig": "eu-west-1a"}, nil},
		{"empty value", map[string]string{"flag": ""}, nil},
		{"node-role", map[string]string{"node-role.kubernetes.io/worker": ""},
			[]string{`label "node-role.kubernetes.io/worker": the kubelet refuses self-set labels in kubernetes.io/k8s.io except kubernetes.io/hostname`}},
		{"app.kubernetes.io", map[string]string{"app.kubernetes.io/name": "x"}, []string{`"app.kubernetes.io/name"`}},
		{"k8s.io", map[string]string{"k8s.io/thing": "x"}, []string{`"k8s.io/thing"`}},
		{"node-restriction", map[string]string{"node-restriction.kubernetes.io/x": "y"}, []string{"node-restriction.kubernetes.io/x"}},
		{"bad value", map[string]string{"a": "has space"}, []string{`label "a": value "has space" must be empty or alphanumeric`}},
		{"value too long", map[string]string{"a": strings.Repeat("x", 64)}, []string{"longer than 63"}},
		{"uppercase prefix", map[string]string{"Example.com/a": "b"}, []string{"lowercase DNS subdomain"}},
		{"two slashes", map[string]string{"a/b/c": "d"}, []string{"at most one '/'"}},
		{"empty name", map[string]string{"example.com/": "d"}, []string{"name part is empty"}},
		{"empty prefix", map[string]string{"/a": "d"}, []string{"prefix before '/' is empty"}},
		{"quote", map[string]string{"a'b": "c"}, []string{`label "a'b": invalid key`}},
		{"comma value", map[string]string{"a": "b,c"}, []string{`value "b,c"`}},
		{"several, sorted", map[string]string{"z": "bad value", "a": "-x"}, []string{`label "a"`, `label "z"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, ValidateLabels(tt.labels), tt.want)
		})
	}
}

func TestValidateTaints(t *testing.T) {
	tests := []struct {
		name   string
		taints []Taint
		want   []string
	}{
		{"ok", []Taint{{"CriticalAddonsOnly", "true", "NoSchedule"}, {"example.com/gpu", "", "NoExecute"}, {"a", "b", "PreferNoSchedule"}}, nil},
		{"same key two effects", []Taint{{"a", "", "NoSchedule"}, {"a", "", "NoExecute"}}, nil},
		{"bad effect", []Taint{{"a", "b", "NoScheduleX"}}, []string{`taint 0 "a": effect "NoScheduleX" is not one of NoSchedule, PreferNoSchedule, NoExecute`}},
		{"lowercase effect", []Taint{{"a", "b", "noschedule"}}, []string{"effect"}},
		{"empty key", []Taint{{"", "b", "NoSchedule"}}, []string{"invalid key"}},
		{"bad value", []Taint{{"a", "b:c", "NoSchedule"}}, []string{`value "b:c"`}},
		{"duplicate", []Taint{{"a", "x", "NoSchedule"}, {"a", "y", "NoSchedule"}}, []string{`taint 1 "a": duplicate key and effect`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, ValidateTaints(tt.taints), tt.want)
		})
	}
}

func TestKubeletFlags(t *testing.T) {
	if got := KubeletLabelsFlag(map[string]string{"b": "2", "a": "1", "c": ""}); got != "--node-labels=a=1,b=2,c=" {
		t.Errorf("labels flag = %q", got)
	}
	if got := KubeletTaintsFlag([]Taint{{"k", "v", "NoSchedule"}, {"e", "", "NoExecute"}}); got != "--register-with-taints=k=v:NoSchedule,e:NoExecute" {
		t.Errorf("taints flag = %q", got)
	}
	if KubeletLabelsFlag(nil) != "" || KubeletTaintsFlag(nil) != "" {
		t.Error("empty input must give no flag")
	}
}

func TestCheckFamilyVersion(t *testing.T) {
	tests := []struct {
		f       Family
		v       string
		wantErr string
	}{
		{AL2, "1.32", ""},
		{AL2, "1.29.3", ""},
		{AL2, "1.33", "AL2 is refused for Kubernetes 1.33"},
		{AL2, "1.34", "use AL2023 or Bottlerocket"},
		{AL2, "2.0", "refused"},
		{AL2023, "1.33", ""},
		{"", "1.35", ""},
		{Bottlerocket, "1.33", ""},
		{AL2023, "v1.33", `"v1.33" is not MAJOR.MINOR`},
		{AL2023, "", "not MAJOR.MINOR"},
		{"Ubuntu", "1.33", `AMI family "Ubuntu" is not one of AL2023 (default), Bottlerocket, AL2`},
	}
	for _, tt := range tests {
		err := CheckFamilyVersion(tt.f, tt.v)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("CheckFamilyVersion(%q, %q) = %v", tt.f, tt.v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CheckFamilyVersion(%q, %q) = %v, want %q", tt.f, tt.v, err, tt.wantErr)
		}
	}
}

func TestNoProxy(t *testing.T) {
	c := baseInput(AL2023).Cluster
	got := NoProxy(c, []string{" .corp.example ", "", "10.20.0.0/16", ".internal", "proxy.bypass"})
	want := []string{"10.20.0.0/16", "172.20.0.0/16", "localhost", "127.0.0.1", "169.254.169.254", ".internal", ".eks.amazonaws.com",
		"0123456789abcdef0123456789abcdef.gr7.eu-west-1.eks.amazonaws.com", ".corp.example", "proxy.bypass"}
	if !slices.Equal(got, want) {
		t.Errorf("NoProxy =\n%q\nwant\n%q", got, want)
	}
	// A public-only endpoint is reached over the internet, so through the
	// proxy: neither its host nor .eks.amazonaws.com is exempted.
	public := c
	public.PublicEndpointOnly = true
	if got := NoProxy(public, nil); slices.Contains(got, ".eks.amazonaws.com") || slices.ContainsFunc(got, func(e string) bool { return strings.HasSuffix(e, ".eks.amazonaws.com") }) {
		t.Errorf("NoProxy with a public-only endpoint exempts the API server: %q", got)
	}
	// Without an endpoint (managed groups) the host is simply absent.
	c.Endpoint = ""
	if got := NoProxy(c, nil); len(got) != 7 {
		t.Errorf("NoProxy without endpoint = %q", got)
	}
}

func TestEndpointHosts(t *testing.T) {
	got := EndpointHosts("eu-west-1", []string{"ecr.api", "ecr.dkr", "s3", "sts", "sqs", "eks-auth", "ssm", "nope"})
	want := []string{"api.ecr.eu-west-1.amazonaws.com", "dkr.ecr.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com",
		"sts.eu-west-1.amazonaws.com", "sqs.eu-west-1.amazonaws.com", "eks-auth.eu-west-1.api.aws", "ssm.eu-west-1.amazonaws.com"}
	if !slices.Equal(got, want) {
		t.Errorf("EndpointHosts =\n%q\nwant\n%q", got, want)
	}
	if got := EndpointHosts("cn-north-1", []string{"ec2"}); !slices.Equal(got, []string{"ec2.cn-north-1.amazonaws.com.cn"}) {
		t.Errorf("China partition: %q", got)
	}
	// Every name a registry host or bucket uses is matched by the regional
	// name in Go's NO_PROXY rules (httpproxy: a bare domain matches its
	// subdomains too), e.g. <account>.dkr.ecr.<region>.amazonaws.com.
	if !slices.Contains(VPCEndpointServices(), "sqs") || !slices.Contains(VPCEndpointServices(), "ssmmessages") {
		t.Errorf("VPCEndpointServices lacks sqs or ssmmessages: %q", VPCEndpointServices())
	}
}

func TestClusterDNSIP(t *testing.T) {
	for cidr, want := range map[string]string{"172.20.0.0/16": "172.20.0.10", "10.100.0.0/16": "10.100.0.10", "10.96.5.0/24": "10.96.5.10", "10.96.5.7/24": "10.96.5.10"} {
		if got, err := ClusterDNSIP(cidr); err != nil || got != want {
			t.Errorf("ClusterDNSIP(%q) = %q, %v; want %q", cidr, got, err, want)
		}
	}
	for _, bad := range []string{"", "172.20.0.0", "fd00::/108", "10.0.0.0/30"} {
		if _, err := ClusterDNSIP(bad); err == nil {
			t.Errorf("ClusterDNSIP(%q): no error", bad)
		}
	}
}

// Each bad input is refused with an error naming the problem; all problems
// of one input are reported together.
func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		family Family
		mutate func(*Input)
		want   []string
	}{
		{"AL2 on 1.33", AL2, func(in *Input) { in.Cluster.KubernetesVersion = "1.33" }, []string{"AL2 is refused for Kubernetes 1.33"}},
		{"bad family", "Windows", func(*Input) {}, []string{`AMI family "Windows"`}},
		{"cluster facts", AL2023, func(in *Input) {
			in.Cluster.Name = "bad name"
			in.Cluster.Endpoint = "http://insecure.example"
			in.Cluster.CertificateAuthority = "not base64!"
			in.Cluster.ServiceCIDR = "172.20.0.0"
		}, []string{`cluster name "bad name"`, `cluster endpoint "http://insecure.example" must be an https URL`, "not base64", `service CIDR "172.20.0.0" is not a CIDR`}},
		{"empty CA", AL2023, func(in *Input) { in.Cluster.CertificateAuthority = "" }, []string{"certificate authority is empty"}},
		{"proxy without VPC CIDR", AL2023, func(in *Input) { withProxy(in); in.Cluster.VPCCIDR = "" }, []string{`VPC CIDR ""`}},
		{"proxy URLs", AL2023, func(in *Input) {
			in.Proxy = &Proxy{HTTPProxy: "proxy:3128", HTTPSProxy: "ftp://x", NoProxy: []string{"a b", "x,y"}}
		}, []string{`httpProxy "proxy:3128"`, `httpsProxy "ftp://x" must be http`, `noProxy[0] "a b"`, `noProxy[1] "x,y"`}},
		{"proxy quote", AL2, func(in *Input) { in.Proxy = &Proxy{HTTPProxy: "http://p:1/'x"} }, []string{"percent-encode"}},
		{"empty proxy", AL2023, func(in *Input) { in.Proxy = &Proxy{} }, []string{"set httpProxy, httpsProxy or both"}},
		{"old AMI with proxy", AL2023, func(in *Input) { withProxy(in); in.AMIReleaseVersion = "1.33.0-20250920" }, []string{`AMI release "1.33.0-20250920" is older than v20251120`}},
		// v20251023-v20251112 read spec.instance.environment but call EC2
		// before applying it (fixed in v20251120, amazon-eks-ami #2489).
		{"AMI that calls EC2 before the proxy", AL2023, func(in *Input) { withProxy(in); in.AMIReleaseVersion = "1.33.5-20251112" }, []string{`AMI release "1.33.5-20251112" is older than v20251120`}},
		{"labels and taints", AL2023, func(in *Input) {
			in.Node.Labels = map[string]string{"node-role.kubernetes.io/worker": ""}
			in.Node.Taints = []Taint{{"a", "b", "Never"}}
		}, []string{"node-role.kubernetes.io/worker", `effect "Never"`}},
		{"capacity label", AL2023, func(in *Input) { in.Node.Labels = map[string]string{CapacityTypeLabel: "SPOT"} }, []string{"set from Input.Spot"}},
		{"custom networking without max pods", AL2023, func(in *Input) { in.CustomNetworking = true }, []string{"max pods must be set with custom networking"}},
		{"prefix delegation without max pods", Bottlerocket, func(in *Input) { in.PrefixDelegation = true }, []string{"max pods must be set"}},
		{"negative max pods", AL2, func(in *Input) { in.Node.MaxPods = -1 }, []string{"max pods -1 is negative"}},
		{"kubelet args", AL2023, func(in *Input) {
			in.Node.KubeletExtraArgs = []string{"v=2", "--node-labels=a=b", "--max-pods=5", "--a=b c"}
		}, []string{`kubeletExtraArgs[0] "v=2" must be a kubelet flag`, "node group's labels field", "maxPods field", "holds whitespace"}},
		{"AL2 quote in arg", AL2, func(in *Input) { in.Node.KubeletExtraArgs = []string{"--x='y'"} }, []string{"single quote"}},
		{"Bottlerocket shell", Bottlerocket, func(in *Input) { withPreBootstrap(in); withKubeletArgs(in) },
			[]string{"kubeletExtraArgs are not supported on Bottlerocket", "preBootstrapCommands are not supported on Bottlerocket"}},
		{"empty command", AL2023, func(in *Input) { in.Node.PreBootstrapCommands = []string{"  "} }, []string{"preBootstrapCommands[0] is empty"}},
		{"managed labels", AL2023, func(in *Input) { withManaged(in); withLabelsTaints(in) }, []string{"managed node groups take labels and taints through the EKS node group API"}},
		{"managed AL2", AL2, func(in *Input) { withManaged(in) }, []string{"managed node groups with AMI family AL2 are not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(tt.family)
			if tt.family == "Windows" {
				in.Family = "Windows"
			}
			tt.mutate(&in)
			_, err := Render(in)
			if err == nil {
				t.Fatal("Render accepted the input")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestManagedNeedsNoClusterFacts(t *testing.T) {
	in := Input{Managed: true, Cluster: Cluster{KubernetesVersion: "1.33"}, Node: Node{MaxPods: 58}}
	out, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("maxPods: 58")) || bytes.Contains(out, []byte("cluster:")) {
		t.Errorf("managed output:\n%s", out)
	}
	in.Node.MaxPods = 0
	if out, err := Render(in); err != nil || len(out) != 0 {
		t.Errorf("nothing to add should render empty, got %q, %v", out, err)
	}
}

func TestNodeLabels(t *testing.T) {
	in := baseInput(AL2023)
	in.Node.Labels = map[string]string{"a": "b"}
	if got := NodeLabels(in); got[CapacityTypeLabel] != "ON_DEMAND" || got["a"] != "b" || len(got) != 2 {
		t.Errorf("NodeLabels = %v", got)
	}
	in.Spot = true
	if got := NodeLabels(in); got[CapacityTypeLabel] != "SPOT" {
		t.Errorf("NodeLabels spot = %v", got)
	}
	if in.Node.Labels[CapacityTypeLabel] != "" {
		t.Error("NodeLabels modified the input map")
	}
	in.MixedCapacity = true
	if got := NodeLabels(in); len(got) != 1 {
		t.Errorf("NodeLabels mixed capacity = %v, want no capacityType label", got)
	}
	in.MixedCapacity = false
	in.Managed = true
	if got := NodeLabels(in); len(got) != 1 {
		t.Errorf("NodeLabels managed = %v, want only the user's", got)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"http://p:3128":  "http://p:3128",
		"":               "''",
		"a b":            "'a b'",
		"it's":           `'it'"'"'s'`,
		"$(reboot)":      "'$(reboot)'",
		"a<b":            "'a<b'",
		"--x=y,z/1.2@%+": "--x=y,z/1.2@%+",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzRender throws arbitrary values at every field: Render must never
// panic, must be deterministic, and whatever it accepts must parse back.
func FuzzRender(f *testing.F) {
	f.Add(uint8(0), "acme", "https://x.eks.amazonaws.com", testCA, "172.20.0.0/16", "10.0.0.0/16", "1.33", "k", "v", "t", "", "NoSchedule", 29, "--v=2", "echo hi", "http://p:3128", ".corp", true, false)
	f.Add(uint8(1), "a_b-c", "https://h", "", "10.100.0.0/24", "", "1.32", "example.com/x", "", "k", "v", "NoExecute", 0, "--x", "", "", "", false, true)
	f.Add(uint8(2), "n", "https://h:443/p", testCA, "10.0.0.0/8", "192.168.0.0/16", "1.29", "a/b/c", "v'", "", "", "Bad", -1, "--max-pods=3", "exit 1", "https://u:p@h:1", "a,b", true, true)
	// Found by the fuzzer in CI: a NO_PROXY entry that is not UTF-8 made
	// Bottlerocket TOML no parser reads.
	f.Add(uint8(1), "0", "https://0", "0000", "0.0.0.0/0", "0.0.0.0/0", "1.33", "0", "0", "0", "", "NoSchedule", 29, "", "", "http://0", "\xe3", true, false)
	f.Fuzz(func(t *testing.T, fam uint8, name, endpoint, ca, svc, vpc, version, lk, lv, tk, tv, te string, maxPods int, arg, cmd, proxy, noProxy string, spot, managed bool) {
		in := Input{
			Family:  Families[int(fam)%len(Families)],
			Cluster: Cluster{Name: name, Endpoint: endpoint, CertificateAuthority: ca, ServiceCIDR: svc, VPCCIDR: vpc, KubernetesVersion: version},
			Node: Node{
				Labels:  map[string]string{lk: lv},
				MaxPods: maxPods,
			},
			Spot:    spot,
			Managed: managed,
		}
		if tk != "" {
			in.Node.Taints = []Taint{{tk, tv, te}}
		}
		if arg != "" {
			in.Node.KubeletExtraArgs = []string{arg}
		}
		if cmd != "" {
			in.Node.PreBootstrapCommands = []string{cmd}
		}
		if proxy != "" {
			in.Proxy = &Proxy{HTTPProxy: proxy, NoProxy: []string{noProxy}}
		}
		out, err := Render(in)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		again, _ := Render(in)
		if !bytes.Equal(out, again) {
			t.Fatal("not deterministic")
		}
		if len(out) == 0 {
			if !managed {
				t.Fatal("empty user data for a self-managed node")
			}
			return
		}
		switch in.Family {
		case Bottlerocket:
			var doc map[string]any
			if err := decodeTOML(out, &doc); err != nil {
				t.Fatalf("TOML does not parse: %v\n%s", err, out)
			}
		default:
			for _, p := range parseMIME(t, out) {
				if p.contentType == ContentTypeNodeConfig {
					var cur currentNodeConfig
					if err := strictDecode(p.body, &cur); err != nil {
						t.Fatalf("NodeConfig does not decode: %v\n%s", err, p.body)
					}
				}
			}
		}
	})
}
