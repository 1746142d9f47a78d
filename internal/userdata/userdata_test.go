package userdata_test

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/internal/userdata"
)

func input(f bootstrap.Family) bootstrap.Input {
	in := bootstrap.Input{
		Family: f,
		Cluster: bootstrap.Cluster{
			Name: "acme", Endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", CertificateAuthority: "Y2E=",
			ServiceCIDR: "10.100.0.0/16", VPCCIDR: "10.20.0.0/16", KubernetesVersion: "1.32",
		},
		Proxy: &bootstrap.Proxy{HTTPSProxy: "http://proxy.example:3128"},
		Node: bootstrap.Node{
			Labels:        map[string]string{"a": "1", "example.com/b": "2"},
			Taints:        []bootstrap.Taint{{Key: "z", Value: "v", Effect: "NoSchedule"}, {Key: "y", Effect: "NoExecute"}},
			MaxPods:       17,
			InstanceTypes: []string{"m5.large", "m5a.large"},
		},
	}
	if f != bootstrap.Bottlerocket {
		in.Node.KubeletExtraArgs = []string{"--v=2"}
		in.Node.PreBootstrapCommands = []string{"echo hi"}
	}
	return in
}

func TestDecodeEveryFamily(t *testing.T) {
	for _, f := range bootstrap.Families {
		t.Run(string(f), func(t *testing.T) {
			in := input(f)
			raw, err := bootstrap.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			n, err := userdata.DecodeBase64(f, base64.StdEncoding.EncodeToString(raw))
			if err != nil {
				t.Fatal(err)
			}
			wantLabels := map[string]string{"a": "1", "example.com/b": "2", "eks.amazonaws.com/capacityType": "ON_DEMAND"}
			wantTaints := []bootstrap.Taint{{Key: "y", Effect: "NoExecute"}, {Key: "z", Value: "v", Effect: "NoSchedule"}}
			if !reflect.DeepEqual(n.Labels, wantLabels) || !reflect.DeepEqual(n.Taints, wantTaints) || n.MaxPods != 17 {
				t.Errorf("labels %v, taints %v, max pods %d", n.Labels, n.Taints, n.MaxPods)
			}
			// What kubeReserved memory is sized on (AL2023: nodeadm's
			// maxPodsExpression; AL2: bootstrap.sh's max pods table).
			if f != bootstrap.Bottlerocket && n.KubeReservedMaxPods != 17 {
				t.Errorf("kubeReserved sized on %d pods, want 17", n.KubeReservedMaxPods)
			}
			if n.ClusterName != "acme" || n.Endpoint != in.Cluster.Endpoint || n.CertificateAuthority != "Y2E=" {
				t.Errorf("cluster %q %q %q", n.ClusterName, n.Endpoint, n.CertificateAuthority)
			}
			if f != bootstrap.AL2 && n.Environment["HTTPS_PROXY"] != "http://proxy.example:3128" {
				t.Errorf("proxy environment %v", n.Environment)
			}
			if f != bootstrap.Bottlerocket {
				if !reflect.DeepEqual(n.KubeletFlags, []string{"--v=2"}) {
					t.Errorf("other kubelet flags %v", n.KubeletFlags)
				}
				if len(n.Shell) == 0 || !strings.Contains(strings.Join(n.Shell, "\n"), "echo hi") {
					t.Errorf("shell parts %q lack the pre-bootstrap command", n.Shell)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		family bootstrap.Family
		data   string
		want   string
	}{
		{"not MIME", bootstrap.AL2023, "apiVersion: x\n", "reading MIME header"},
		{"not TOML", bootstrap.Bottlerocket, "[settings\n", "Bottlerocket settings"},
		{"unknown Bottlerocket key", bootstrap.Bottlerocket, "[settings.kubernetes]\nmax-podz = 3\n", "unexpected keys"},
		{"unknown family", "Windows", "", `unknown AMI family "Windows"`},
		{"AL2 without bootstrap.sh", bootstrap.AL2, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/x-shellscript\r\n\r\necho\r\n--B--\r\n", "no shell part calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := userdata.Decode(tt.family, []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := userdata.DecodeBase64(bootstrap.AL2023, "not base64!"); err == nil {
		t.Error("bad base64 accepted")
	}
}
