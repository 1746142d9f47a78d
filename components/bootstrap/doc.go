// Package bootstrap renders EC2 user data that joins a node to an EKS
// cluster, for the self-managed and managed node group components. It is
// pure: plain Go values in, bytes out, no Pulumi types, no I/O. Resolve
// Pulumi outputs first (ApplyT) and call Render with plain values.
//
// One renderer per AMI family sits behind one unexported interface, in the
// manner of Karpenter's amifamily bootstrappers:
//
//   - AL2023 (default): MIME multipart with application/node.eks.aws
//     NodeConfig parts for nodeadm (spec.cluster with all four fields, so
//     nodeadm never calls DescribeCluster; kubelet config maxPods; kubelet
//     flags --node-labels, --register-with-taints and the extra args) and a
//     text/x-shellscript part for pre-bootstrap commands.
//   - Bottlerocket: TOML [settings.kubernetes] (cluster-name, api-server,
//     cluster-certificate, cluster-dns-ip, max-pods, node-labels,
//     node-taints) and [settings.network] (https-proxy, no-proxy).
//   - AL2 (legacy, Kubernetes ≤ 1.32): MIME multipart with a shell part
//     calling /etc/eks/bootstrap.sh with --apiserver-endpoint,
//     --b64-cluster-ca, --dns-cluster-ip, --use-max-pods false and
//     --kubelet-extra-args '--max-pods=N …'.
//
// # Egress proxy on AL2023: AMI release v20251120 or later is required
//
// nodeadm's config phase (nodeadm-config.service) runs Before=cloud-init,
// and it already calls the EC2 API. No user-data script, not even a
// cloud-boothook, runs early enough to give it a proxy through systemd
// drop-ins; such drop-ins would reach containerd, kubelet and nodeadm's run
// phase only. We therefore use nodeadm's own mechanism:
// spec.instance.environment.default, which nodeadm applies to itself in both
// phases and installs as systemd DefaultEnvironment for every service,
// containerd and kubelet included (amazon-eks-ami #2384, e2e case
// http-proxy). It is read by the EKS-optimized AL2023 AMIs from release
// v20251007 (October 2025) on, but releases v20251023 to v20251112 call the
// EC2 API while enriching the config, before the environment is applied, so
// in a proxy-only VPC the node never joins; v20251120 applies it first
// (amazon-eks-ami #2489). Releases before v20251007 decode NodeConfig
// leniently and silently ignore the field, booting a node that cannot pull
// images. Set Input.AMIReleaseVersion (e.g. SSM's release_version) to have
// Render refuse every release before v20251120. The recommended SSM AMI parameters always point at a
// newer release.
//
// The environment carries HTTP_PROXY, HTTPS_PROXY and NO_PROXY in upper and
// lower case. The pre-bootstrap shell part exports the same variables, as
// cloud-init's own environment has none.
//
// On AL2 the proxy follows the AWS knowledge center article
// (eks-http-proxy-containerd-automation): a cloud-boothook appends the
// variables to /etc/environment and adds EnvironmentFile drop-ins for
// containerd, sandbox-image and kubelet; the shell part sources the file
// before running bootstrap.sh. On Bottlerocket, settings.network.https-proxy
// and no-proxy cover containerd, host-containerd and kubelet; Bottlerocket
// has no HTTP proxy setting.
//
// NO_PROXY is computed (NoProxy), never typed by users: VPC CIDR, service
// CIDR, localhost, 127.0.0.1, 169.254.169.254, .internal,
// .eks.amazonaws.com, the API server host, then the user's extras.
//
// # Managed node groups
//
// With Input.Managed, Render emits only what a managed node group adds to
// EKS's own user data: for AL2023 the proxy NodeConfig, the shell part and a
// kubelet-only NodeConfig (maxPods, extra flags) with no spec.cluster, as
// EKS merges its cluster part in; for Bottlerocket the settings without the
// cluster keys. Labels and taints go through the node group API instead.
//
// # Determinism
//
// The same Input gives byte-identical output: a fixed MIME boundary, label
// keys sorted, taints and arguments in input order, YAML and TOML map keys
// sorted by their encoders, no time or random values. A changed byte is a
// new launch template version and a rolling replacement of every node.
package bootstrap
