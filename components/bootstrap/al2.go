package bootstrap

import (
	"strconv"
	"strings"
)

// BootstrapScript is bootstrap.sh's path on EKS-optimized AL2 AMIs.
const BootstrapScript = "/etc/eks/bootstrap.sh"

// al2Renderer writes MIME multipart user data for the legacy AL2 AMI:
//
//  1. with a proxy, a cloud-boothook part (AWS knowledge center article
//     eks-http-proxy-containerd-automation): it appends the proxy
//     variables to /etc/environment and points containerd, sandbox-image
//     and kubelet at that file through systemd drop-ins, before any of them
//     starts;
//  2. a shell part: it sources /etc/environment (with a proxy), runs the
//     pre-bootstrap commands, then bootstrap.sh with explicit endpoint, CA
//     and DNS IP, so the node never needs DescribeCluster.
type al2Renderer struct{}

func (al2Renderer) render(in *Input) ([]byte, error) {
	var parts []part
	if in.Proxy != nil {
		parts = append(parts, part{ContentTypeBoothook, al2Boothook(in)})
	}
	script, err := al2Script(in)
	if err != nil {
		return nil, err
	}
	parts = append(parts, part{ContentTypeShell, script})
	return writeMIME(parts)
}

// al2ProxyUnits are the units the AWS article gives the proxy environment.
var al2ProxyUnits = []string{"containerd", "sandbox-image", "kubelet"}

func al2Boothook(in *Input) []byte {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString("# Boothooks run early on every boot; cloud-init-per makes each step run once per instance.\n")
	b.WriteString("set -o errexit -o pipefail\n")
	b.WriteString("cloud-init-per instance eksfleet_proxy_environment tee -a /etc/environment >/dev/null <<'EOF'\n")
	for _, kv := range proxyEnv(in) {
		b.WriteString(kv[0] + "=" + shellQuote(kv[1]) + "\n")
	}
	b.WriteString("EOF\n")
	for _, unit := range al2ProxyUnits {
		dir := "/etc/systemd/system/" + unit + ".service.d"
		b.WriteString("mkdir -p " + dir + "\n")
		b.WriteString("cloud-init-per instance eksfleet_proxy_" + strings.ReplaceAll(unit, "-", "_") + " tee " + dir + "/http-proxy.conf >/dev/null <<'EOF'\n")
		b.WriteString("[Service]\nEnvironmentFile=/etc/environment\nEOF\n")
	}
	b.WriteString("cloud-init-per instance eksfleet_proxy_daemon_reload systemctl daemon-reload\n")
	return []byte(b.String())
}

func al2Script(in *Input) ([]byte, error) {
	dns, err := ClusterDNSIP(in.Cluster.ServiceCIDR)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString("set -o errexit -o pipefail\n")
	if in.Proxy != nil {
		b.WriteString("# Export the proxy written by the boothook to the commands and bootstrap.sh.\n")
		b.WriteString("set -a\n# shellcheck disable=SC1091\nsource /etc/environment\nset +a\n")
	}
	for _, cmd := range in.Node.PreBootstrapCommands {
		b.WriteString(strings.TrimRight(cmd, "\n") + "\n")
	}
	args := [][2]string{
		{"--apiserver-endpoint", in.Cluster.Endpoint},
		{"--b64-cluster-ca", in.Cluster.CertificateAuthority},
		{"--dns-cluster-ip", dns},
	}
	kubeletArgs := kubeletFlags(in)
	if in.Node.MaxPods > 0 {
		// bootstrap.sh would otherwise add its table's uncapped value.
		args = append(args, [2]string{"--use-max-pods", "false"})
		kubeletArgs = append([]string{"--max-pods=" + strconv.Itoa(in.Node.MaxPods)}, kubeletArgs...)
	}
	if len(kubeletArgs) > 0 {
		// bootstrap.sh copies this verbatim into Environment='KUBELET_EXTRA_ARGS=…',
		// which is why Validate refuses single quotes.
		args = append(args, [2]string{"--kubelet-extra-args", strings.Join(kubeletArgs, " ")})
	}
	if in.Node.MaxPods > 0 {
		writeMaxPodsTable(&b, in.Node.InstanceTypes, in.Node.MaxPods)
	}
	b.WriteString(BootstrapScript)
	for _, a := range args {
		b.WriteString(" \\\n  " + a[0] + " " + shellQuote(a[1]))
	}
	b.WriteString(" \\\n  " + shellQuote(in.Cluster.Name) + "\n")
	return []byte(b.String()), nil
}

// MaxPodsTable is the file bootstrap.sh reads an instance type's max pods
// from ("<type> <max pods>" lines).
const MaxPodsTable = "/etc/eks/eni-max-pods.txt"

// writeMaxPodsTable rewrites the table entries of the group's instance
// types to maxPods. bootstrap.sh sizes kubeReserved memory on the table's
// value (11 MiB a pod + 255 MiB, get_memory_mebibytes_to_reserve) even with
// --use-max-pods false, so without this a prefix delegation node running
// 110 pods reserves memory for its ENI-based 29. The CPU reservation stays
// bootstrap.sh's own (from the instance's vCPUs).
func writeMaxPodsTable(b *strings.Builder, types []string, maxPods int) {
	escaped := make([]string, len(types))
	lines := make([]string, len(types))
	for i, t := range types {
		escaped[i] = strings.ReplaceAll(t, ".", `\.`)
		lines[i] = shellQuote(t + " " + strconv.Itoa(maxPods))
	}
	b.WriteString("# bootstrap.sh sizes kubeReserved memory on this table's max pods, not on --max-pods: give it the group's.\n")
	b.WriteString("sed -i -E " + shellQuote("/^("+strings.Join(escaped, "|")+") /d") + " " + MaxPodsTable + "\n")
	b.WriteString("printf '%s\\n' " + strings.Join(lines, " ") + " >>" + MaxPodsTable + "\n")
}
