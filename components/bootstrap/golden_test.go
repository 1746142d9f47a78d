package bootstrap

import (
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// testCA stands in for certificateAuthority.data: base64 of a PEM block.
var testCA = base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nMIIBeksfleetTESTcertificate\n-----END CERTIFICATE-----\n"))

func baseInput(f Family) Input {
	version := "1.33"
	if f == AL2 {
		version = "1.32"
	}
	return Input{
		Family: f,
		Cluster: Cluster{
			Name:                 "acme-dev",
			Endpoint:             "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
			CertificateAuthority: testCA,
			ServiceCIDR:          "172.20.0.0/16",
			VPCCIDR:              "10.20.0.0/16",
			KubernetesVersion:    version,
		},
		Node: Node{InstanceTypes: []string{"m5.large", "m5a.large"}},
	}
}

// Feature mutators, combined into the golden cases below.
func withProxy(in *Input) {
	in.Proxy = &Proxy{
		HTTPProxy:  "http://proxy.corp.example:3128",
		HTTPSProxy: "http://proxy.corp.example:3128",
		NoProxy:    []string{".corp.example", "10.99.0.0/16", "localhost"},
	}
}
func withCustomNetworking(in *Input) { in.CustomNetworking = true; in.Node.MaxPods = 20 }
func withPrefixDelegation(in *Input) { in.PrefixDelegation = true; in.Node.MaxPods = 110 }
func withSpot(in *Input)             { in.Spot = true }
func withLabelsTaints(in *Input) {
	in.Node.Labels = map[string]string{
		"workload":                "system",
		"example.com/team":        "platform",
		"node.kubernetes.io/pool": "general",
	}
	in.Node.Taints = []Taint{
		{Key: "CriticalAddonsOnly", Value: "true", Effect: "NoSchedule"},
		{Key: "example.com/dedicated", Effect: "NoExecute"},
	}
}
func withPreBootstrap(in *Input) {
	in.Node.PreBootstrapCommands = []string{
		"echo hello > /etc/motd",
		`sysctl -w net.core.somaxconn="4096"`,
	}
}
func withKubeletArgs(in *Input) {
	in.Node.KubeletExtraArgs = []string{"--image-gc-high-threshold=80", "--eviction-hard=memory.available<200Mi"}
}
func withMaxPods(in *Input) { in.Node.MaxPods = 29 }
func withManaged(in *Input) { in.Managed = true }

type testCase struct {
	name   string
	family Family
	mutate []func(*Input)
}

func (c testCase) input() Input {
	in := baseInput(c.family)
	for _, m := range c.mutate {
		m(&in)
	}
	return in
}

func (c testCase) golden() string {
	return filepath.Join("testdata", strings.ToLower(string(c.family))+"-"+c.name+".golden")
}

// cases is every family × feature combination that must render.
func cases() []testCase {
	var out []testCase
	for _, f := range Families {
		shell := f != Bottlerocket
		add := func(name string, m ...func(*Input)) { out = append(out, testCase{name, f, m}) }
		add("minimal")
		add("max-pods", withMaxPods)
		add("proxy", withProxy)
		add("custom-networking", withCustomNetworking)
		add("prefix-delegation", withPrefixDelegation)
		add("spot", withSpot)
		add("labels-taints", withLabelsTaints)
		if shell {
			add("pre-bootstrap", withPreBootstrap)
			add("kubelet-extra-args", withKubeletArgs)
			add("all-on", withProxy, withCustomNetworking, withPrefixDelegation, withSpot, withLabelsTaints, withPreBootstrap, withKubeletArgs)
		} else {
			add("all-on", withProxy, withCustomNetworking, withPrefixDelegation, withSpot, withLabelsTaints)
		}
		if f != AL2 {
			add("managed", withManaged, withMaxPods)
			if shell {
				add("managed-all-on", withManaged, withMaxPods, withProxy, withPreBootstrap, withKubeletArgs)
			} else {
				add("managed-all-on", withManaged, withMaxPods, withProxy)
			}
		}
	}
	return out
}

func render(t testing.TB, c testCase) []byte {
	t.Helper()
	out, err := Render(c.input())
	if err != nil {
		t.Fatalf("%s: Render: %v", c.golden(), err)
	}
	return out
}

func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range cases() {
		t.Run(strings.TrimSuffix(filepath.Base(c.golden()), ".golden"), func(t *testing.T) {
			got := render(t, c)
			seen[filepath.Base(c.golden())] = true
			if *update {
				if err := os.WriteFile(c.golden(), got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(c.golden())
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after checking the change):\n%s", c.golden(), got)
			}
		})
	}
	// A golden file no case writes is a leftover that hides a removed case.
	files, _ := filepath.Glob("testdata/*.golden")
	for _, f := range files {
		if !seen[filepath.Base(f)] && !*update {
			t.Errorf("%s belongs to no test case; delete it", f)
		}
	}
}

// Rendering must not depend on map iteration order or on earlier calls.
func TestDeterministic(t *testing.T) {
	for _, c := range cases() {
		first := render(t, c)
		for range 20 {
			in := c.input()
			// Rebuild the label map so its iteration order differs.
			if in.Node.Labels != nil {
				l := map[string]string{}
				for _, k := range sortedKeys(in.Node.Labels) {
					l[k] = in.Node.Labels[k]
				}
				in.Node.Labels = l
			}
			again, err := Render(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, again) {
				t.Fatalf("%s: two renders differ:\n%s\n---\n%s", c.golden(), first, again)
			}
		}
	}
}

// Render must leave the caller's input untouched.
func TestRenderDoesNotModifyInput(t *testing.T) {
	for _, c := range cases() {
		in := c.input()
		labels := len(in.Node.Labels)
		args := append([]string(nil), in.Node.KubeletExtraArgs...)
		if _, err := Render(in); err != nil {
			t.Fatal(err)
		}
		if len(in.Node.Labels) != labels || strings.Join(args, " ") != strings.Join(in.Node.KubeletExtraArgs, " ") {
			t.Errorf("%s: Render changed its input", c.golden())
		}
	}
}

func BenchmarkRender(b *testing.B) {
	for _, f := range Families {
		c := testCase{"all-on", f, []func(*Input){withProxy, withCustomNetworking, withSpot, withLabelsTaints, withMaxPods}}
		if f != Bottlerocket {
			c.mutate = append(c.mutate, withPreBootstrap, withKubeletArgs)
		}
		in := c.input()
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Render(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
