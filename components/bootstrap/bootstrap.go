package bootstrap

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Family is an AMI family. Each has its own renderer.
type Family string

// The supported AMI families.
const (
	AL2023       Family = "AL2023" // default: nodeadm NodeConfig in MIME multipart
	Bottlerocket Family = "Bottlerocket"
	AL2          Family = "AL2" // legacy bootstrap.sh; Kubernetes ≤ 1.32 only
)

// Families lists the valid Family values, default first.
var Families = []Family{AL2023, Bottlerocket, AL2}

func (f Family) orDefault() Family {
	if f == "" {
		return AL2023
	}
	return f
}

func (f Family) valid() error {
	switch f.orDefault() {
	case AL2023, Bottlerocket, AL2:
		return nil
	}
	return fmt.Errorf("AMI family %q is not one of AL2023 (default), Bottlerocket, AL2", string(f))
}

// Taint is a node taint registered by the kubelet.
type Taint struct {
	Key, Value, Effect string
}

// Cluster holds the facts about the EKS cluster that the node needs to join
// without calling DescribeCluster.
type Cluster struct {
	Name                 string // EKS cluster name
	Endpoint             string // API server URL, https://…
	CertificateAuthority string // base64 certificateAuthority.data, unchanged
	ServiceCIDR          string // Kubernetes service IPv4 CIDR; the cluster DNS is its .10
	VPCCIDR              string // VPC CIDR; required with a proxy (NO_PROXY). Put secondary CIDRs in Proxy.NoProxy
	KubernetesVersion    string // "1.33"
	// PublicEndpointOnly marks an API server with no private endpoint: the
	// node reaches it over the internet, through the proxy, so neither its
	// host nor .eks.amazonaws.com goes into NO_PROXY.
	PublicEndpointOnly bool
}

// Proxy is the node's egress HTTP(S) proxy. If only one URL is given it is
// used for both HTTP and HTTPS traffic, since the same forward proxy almost
// always serves both and image pulls are HTTPS.
type Proxy struct {
	HTTPProxy  string
	HTTPSProxy string
	NoProxy    []string // extra entries; the required ones come from NoProxy()
	// Secret marks proxy settings given as secret config: the user data
	// holding them is registered as a Pulumi secret (nodegroup.UserData).
	Secret bool
}

func (p *Proxy) httpURL() string {
	if p.HTTPProxy != "" {
		return p.HTTPProxy
	}
	return p.HTTPSProxy
}

func (p *Proxy) httpsURL() string {
	if p.HTTPSProxy != "" {
		return p.HTTPSProxy
	}
	return p.HTTPProxy
}

// Node holds the node group's kubelet settings.
type Node struct {
	Labels  map[string]string
	Taints  []Taint
	MaxPods int // 0 leaves the AMI default (refused with custom networking or prefix delegation)
	// InstanceTypes are the group's instance types. AL2 needs them with
	// MaxPods: bootstrap.sh sizes kubeReserved memory on the max pods its
	// table (/etc/eks/eni-max-pods.txt) gives the instance type, not on
	// --max-pods, so the table's entries are rewritten to MaxPods.
	InstanceTypes    []string
	KubeletExtraArgs []string // "--flag=value" each; not on Bottlerocket
	// PreBootstrapCommands are shell lines run, in order and under
	// errexit, before the node joins; not on Bottlerocket.
	PreBootstrapCommands []string
}

// Input is everything Render needs. It is read, never modified.
type Input struct {
	Family  Family // "" means AL2023
	Cluster Cluster
	Node    Node
	Proxy   *Proxy // nil: no proxy

	// VPC CNI modes. The AMIs' own max pods defaults ignore both, so either
	// one requires Node.MaxPods.
	CustomNetworking, PrefixDelegation bool

	// Spot adds the label eks.amazonaws.com/capacityType=SPOT (ON_DEMAND
	// otherwise), the label EKS puts on managed nodes, so one selector works
	// for both kinds of group. Managed groups get it from EKS, not from us.
	Spot bool
	// MixedCapacity marks a Spot group that also launches On-Demand
	// instances (an On-Demand base or share). Which one a node is gets
	// decided at launch, after the user data is rendered, so no
	// capacityType label is written rather than a wrong one.
	MixedCapacity bool

	// Managed renders only the node group's own parts for an EKS managed
	// node group; EKS merges its cluster settings in at launch:
	//   - AL2023: the proxy NodeConfig, the pre-bootstrap shell part and a
	//     kubelet-only NodeConfig (maxPods, extra flags), no spec.cluster;
	//   - Bottlerocket: settings without cluster-name, api-server,
	//     cluster-certificate and cluster-dns-ip.
	// Labels and taints are refused: managed groups set them through the
	// EKS node group API. AL2 is refused. The result is empty when there is
	// nothing to add.
	Managed bool

	// AMIReleaseVersion, if known (e.g. "v20251007" or SSM's
	// "1.33.5-20251007"), lets Render refuse an AL2023 AMI too old for the
	// proxy mechanism; see the package documentation.
	AMIReleaseVersion string
}

// CapacityTypeLabel is the label Spot sets (the same key EKS managed node
// groups carry).
const CapacityTypeLabel = "eks.amazonaws.com/capacityType"

// NodeLabels returns the labels the node registers: the input's labels plus
// the capacity type label for self-managed groups. Node groups write their
// Cluster Autoscaler node-template tags from this, so the tags match what
// the kubelet really applies.
func NodeLabels(in Input) map[string]string {
	out := make(map[string]string, len(in.Node.Labels)+1)
	for k, v := range in.Node.Labels {
		out[k] = v
	}
	if !in.Managed && !in.MixedCapacity {
		out[CapacityTypeLabel] = "ON_DEMAND"
		if in.Spot {
			out[CapacityTypeLabel] = "SPOT"
		}
	}
	return out
}

// NoProxy returns the NO_PROXY list for nodes: the VPC CIDR, the service
// CIDR, localhost, 127.0.0.1, IMDS (169.254.169.254), .internal (EC2 private
// DNS), .eks.amazonaws.com and the API server host (both only when the
// endpoint is private: a public-only endpoint is reached through the proxy),
// then the extras, with blanks and duplicates dropped and first occurrences
// kept in that order.
func NoProxy(c Cluster, extras []string) []string {
	entries := []string{c.VPCCIDR, c.ServiceCIDR, "localhost", "127.0.0.1", "169.254.169.254", ".internal"}
	if !c.PublicEndpointOnly {
		entries = append(entries, ".eks.amazonaws.com")
		if u, err := url.Parse(c.Endpoint); err == nil && u.Hostname() != "" {
			entries = append(entries, strings.ToLower(u.Hostname()))
		}
	}
	entries = append(entries, extras...)
	out := make([]string, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" || seen[e] {
			continue
		}
		seen[e] = true
		out = append(out, e)
	}
	return out
}

// proxyEnv returns the proxy variables in both cases: Go programs
// (containerd, kubelet, nodeadm) read either, curl and yum only lowercase.
func proxyEnv(in *Input) [][2]string {
	noProxy := strings.Join(NoProxy(in.Cluster, in.Proxy.NoProxy), ",")
	var env [][2]string
	for _, kv := range [][2]string{{"HTTP_PROXY", in.Proxy.httpURL()}, {"HTTPS_PROXY", in.Proxy.httpsURL()}, {"NO_PROXY", noProxy}} {
		env = append(env, kv, [2]string{strings.ToLower(kv[0]), kv[1]})
	}
	return env
}

// renderer writes the user data of one AMI family from a validated Input.
// Like Karpenter's amifamily bootstrappers, it is stateless and pure.
type renderer interface {
	render(in *Input) ([]byte, error)
}

func rendererFor(f Family) renderer {
	switch f.orDefault() {
	case Bottlerocket:
		return bottlerocketRenderer{}
	case AL2:
		return al2Renderer{}
	default:
		return al2023Renderer{}
	}
}

// Render validates the input and returns the raw user data (the caller
// base64-encodes it for the launch template). The same input always gives
// the same bytes, so a preview shows no spurious launch template change.
func Render(in Input) ([]byte, error) {
	if err := Validate(in); err != nil {
		return nil, err
	}
	raw, err := rendererFor(in.Family).render(&in)
	if err != nil {
		return nil, err
	}
	if err := CheckUserDataSize(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// Validate reports every problem with the input at once, each naming the
// offending field and value and what would be valid.
func Validate(in Input) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	f := in.Family.orDefault()
	if err := in.Family.valid(); err != nil {
		return err
	}
	add(CheckFamilyVersion(f, in.Cluster.KubernetesVersion))

	c := in.Cluster
	if !in.Managed {
		if !clusterNameRE.MatchString(c.Name) {
			add(fmt.Errorf("cluster name %q must be 1-100 characters of A-Z, a-z, 0-9, '-' and '_', starting with a letter or digit", c.Name))
		}
		add(validateEndpoint(c.Endpoint))
		add(validateCA(c.CertificateAuthority))
	} else if f == AL2 {
		add(errors.New("managed node groups with AMI family AL2 are not supported: EKS writes the bootstrap.sh call itself; use AL2023 or Bottlerocket"))
	}
	if c.ServiceCIDR != "" || !in.Managed || in.Proxy != nil {
		if err := validateCIDR("service CIDR", c.ServiceCIDR); err != nil {
			add(err)
		} else if _, err := ClusterDNSIP(c.ServiceCIDR); err != nil {
			add(err)
		}
	}
	if c.VPCCIDR != "" || in.Proxy != nil {
		add(validateCIDR("VPC CIDR", c.VPCCIDR))
	}
	if in.Managed && c.Endpoint != "" {
		add(validateEndpoint(c.Endpoint))
	}

	if p := in.Proxy; p != nil {
		if p.HTTPProxy == "" && p.HTTPSProxy == "" {
			add(errors.New("proxy: set httpProxy, httpsProxy or both"))
		}
		if p.HTTPProxy != "" {
			if err := ValidateProxyURL(p.HTTPProxy); err != nil {
				add(fmt.Errorf("proxy httpProxy %q %w", p.HTTPProxy, err))
			}
		}
		if p.HTTPSProxy != "" {
			if err := ValidateProxyURL(p.HTTPSProxy); err != nil {
				add(fmt.Errorf("proxy httpsProxy %q %w", p.HTTPSProxy, err))
			}
		}
		for i, e := range p.NoProxy {
			if err := ValidateNoProxyEntry(e); err != nil {
				add(fmt.Errorf("proxy noProxy[%d] %q %w", i, e, err))
			}
		}
		if f == AL2023 && in.AMIReleaseVersion != "" {
			add(CheckAMIRelease(in.AMIReleaseVersion))
		}
	}

	n := in.Node
	errs = append(errs, ValidateLabels(n.Labels)...)
	errs = append(errs, ValidateTaints(n.Taints)...)
	if in.Managed && (len(n.Labels) > 0 || len(n.Taints) > 0) {
		add(errors.New("managed node groups take labels and taints through the EKS node group API, not user data; leave Node.Labels and Node.Taints empty"))
	}
	if _, ok := n.Labels[CapacityTypeLabel]; ok && !in.Managed {
		add(fmt.Errorf("label %q is set from Input.Spot; remove it from the labels", CapacityTypeLabel))
	}
	switch {
	case n.MaxPods < 0:
		add(fmt.Errorf("max pods %d is negative; use 0 for the AMI default or a positive number", n.MaxPods))
	case n.MaxPods == 0 && (in.CustomNetworking || in.PrefixDelegation):
		add(errors.New("max pods must be set with custom networking or prefix delegation: the AMI's default ignores both (see instancetypes.MaxPods)"))
	case n.MaxPods > 0 && f == AL2 && len(n.InstanceTypes) == 0:
		add(errors.New("AL2 with max pods needs the group's instance types: bootstrap.sh sizes kubeReserved memory on its own table's max pods, which the user data rewrites for them"))
	}
	for i, t := range n.InstanceTypes {
		if !instanceTypeRE.MatchString(t) {
			add(fmt.Errorf("instance type [%d] %q is not an EC2 instance type name (family.size)", i, t))
		}
	}

	if f == Bottlerocket {
		if len(n.KubeletExtraArgs) > 0 {
			add(errors.New("kubeletExtraArgs are not supported on Bottlerocket: it has no kubelet command line; use Bottlerocket settings"))
		}
		if len(n.PreBootstrapCommands) > 0 {
			add(errors.New("preBootstrapCommands are not supported on Bottlerocket: it runs no shell user data; use a bootstrap container"))
		}
	}
	for i, a := range n.KubeletExtraArgs {
		if err := ValidateKubeletArg(f, a); err != nil {
			add(fmt.Errorf("kubeletExtraArgs[%d] %q %w", i, a, err))
		}
	}
	for i, cmd := range n.PreBootstrapCommands {
		if err := ValidatePreBootstrapCommand(cmd); err != nil {
			add(fmt.Errorf("preBootstrapCommands[%d] %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// ownedFlags are set from dedicated fields; passing them again as extra args
// would silently fight those fields.
var ownedFlags = map[string]string{
	"--node-labels":          "labels",
	"--register-with-taints": "taints",
	"--max-pods":             "maxPods",
}
