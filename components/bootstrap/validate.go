package bootstrap

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Label and taint syntax, as k8s.io/apimachinery/pkg/util/validation checks
// it (IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain).
var (
	qualifiedNameRE = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	dns1123LabelRE  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	clusterNameRE   = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	versionRE       = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?$`)
	// instanceTypeRE is an EC2 instance type name: safe to write into the
	// AL2 max pods table rewrite (a sed pattern and a printf argument).
	instanceTypeRE = regexp.MustCompile(`^[a-z0-9-]+\.[a-z0-9-]+$`)
)

const (
	qualifiedNameMaxLen = 63
	labelValueMaxLen    = 63
	dns1123SubdomainMax = 253
)

// kubeletLabels are the kubernetes.io/k8s.io labels the kubelet may set on
// its own node (k8s.io/kubelet/pkg/apis well_known_labels.go).
var kubeletLabels = []string{
	"kubernetes.io/hostname",
	"kubernetes.io/os",
	"kubernetes.io/arch",
	"topology.kubernetes.io/zone",
	"topology.kubernetes.io/region",
	"failure-domain.beta.kubernetes.io/zone",
	"failure-domain.beta.kubernetes.io/region",
	"beta.kubernetes.io/instance-type",
	"node.kubernetes.io/instance-type",
	"beta.kubernetes.io/os",
	"beta.kubernetes.io/arch",
}

// kubeletLabelNamespaces are namespaces (and their subdomains) the kubelet may
// set labels in.
var kubeletLabelNamespaces = []string{"kubelet.kubernetes.io", "node.kubernetes.io"}

// TaintEffects are the taint effects the kubelet accepts.
var TaintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

// validateQualifiedName checks a label or taint key: an optional DNS-1123
// subdomain prefix and "/", then a name of at most 63 characters.
func validateQualifiedName(key string) error {
	prefix, name, hasPrefix := strings.Cut(key, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	} else if prefix == "" {
		return errors.New("the prefix before '/' is empty")
	}
	if strings.Contains(name, "/") {
		return errors.New("a key holds at most one '/'")
	}
	if hasPrefix {
		if len(prefix) > dns1123SubdomainMax {
			return fmt.Errorf("the prefix is longer than %d characters", dns1123SubdomainMax)
		}
		for _, part := range strings.Split(prefix, ".") {
			if !dns1123LabelRE.MatchString(part) {
				return fmt.Errorf("the prefix %q is not a lowercase DNS subdomain (e.g. example.com)", prefix)
			}
		}
	}
	if name == "" {
		return errors.New("the name part is empty")
	}
	if len(name) > qualifiedNameMaxLen {
		return fmt.Errorf("the name part is longer than %d characters", qualifiedNameMaxLen)
	}
	if !qualifiedNameRE.MatchString(name) {
		return errors.New("the name part must be alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character")
	}
	return nil
}

// validateLabelValue checks a label (or taint) value: empty, or at most 63
// alphanumeric, '-', '_' or '.' characters, alphanumeric at both ends.
func validateLabelValue(v string) error {
	if v == "" {
		return nil
	}
	if len(v) > labelValueMaxLen {
		return fmt.Errorf("longer than %d characters", labelValueMaxLen)
	}
	if !qualifiedNameRE.MatchString(v) {
		return errors.New("must be empty or alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character")
	}
	return nil
}

// isKubeletRestricted reports whether the kubelet refuses to set this label
// on its own node (kubelet ValidateKubeletFlags): a key in kubernetes.io or
// k8s.io, or a subdomain of either, unless it is one of kubeletLabels or in
// kubeletLabelNamespaces.
func isKubeletRestricted(key string) bool {
	ns, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	restricted := ns == "kubernetes.io" || ns == "k8s.io" ||
		strings.HasSuffix(ns, ".kubernetes.io") || strings.HasSuffix(ns, ".k8s.io")
	if !restricted || slices.Contains(kubeletLabels, key) {
		return false
	}
	for _, allowed := range kubeletLabelNamespaces {
		if ns == allowed || strings.HasSuffix(ns, "."+allowed) {
			return false
		}
	}
	return true
}

// ValidateLabels checks node labels by the kubelet's rules and returns one
// error per bad label, in key order. Each error names the label and what
// would be valid.
func ValidateLabels(labels map[string]string) []error {
	var errs []error
	for _, k := range sortedKeys(labels) {
		v := labels[k]
		if err := validateQualifiedName(k); err != nil {
			errs = append(errs, fmt.Errorf("label %q: invalid key: %v", k, err))
			continue
		}
		if err := validateLabelValue(v); err != nil {
			errs = append(errs, fmt.Errorf("label %q: value %q %v", k, v, err))
		}
		if isKubeletRestricted(k) {
			errs = append(errs, fmt.Errorf("label %q: the kubelet refuses self-set labels in kubernetes.io/k8s.io except %s and the %s namespaces; use your own prefix (e.g. example.com/role) instead",
				k, strings.Join(kubeletLabels, ", "), strings.Join(kubeletLabelNamespaces, " and ")))
		}
	}
	return errs
}

// ValidateTaints checks node taints by the kubelet's rules (--register-with-taints)
// and returns one error per problem, in input order.
func ValidateTaints(taints []Taint) []error {
	var errs []error
	seen := map[[2]string]bool{}
	for i, t := range taints {
		if err := validateQualifiedName(t.Key); err != nil {
			errs = append(errs, fmt.Errorf("taint %d %q: invalid key: %v", i, t.Key, err))
		}
		if err := validateLabelValue(t.Value); err != nil {
			errs = append(errs, fmt.Errorf("taint %d %q: value %q %v", i, t.Key, t.Value, err))
		}
		if !slices.Contains(TaintEffects, t.Effect) {
			errs = append(errs, fmt.Errorf("taint %d %q: effect %q is not one of %s", i, t.Key, t.Effect, strings.Join(TaintEffects, ", ")))
		}
		k := [2]string{t.Key, t.Effect}
		if seen[k] {
			errs = append(errs, fmt.Errorf("taint %d %q: duplicate key and effect %q; the kubelet allows one taint per key and effect", i, t.Key, t.Effect))
		}
		seen[k] = true
	}
	return errs
}

// KubeletLabelsFlag returns --node-labels for the kubelet, keys sorted so the
// user data is byte-stable across runs; "" for no labels.
func KubeletLabelsFlag(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	pairs := make([]string, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		pairs = append(pairs, k+"="+labels[k])
	}
	return "--node-labels=" + strings.Join(pairs, ",")
}

// KubeletTaintsFlag returns --register-with-taints for the kubelet, in input
// order; a taint without value is written key:Effect. "" for no taints.
func KubeletTaintsFlag(taints []Taint) string {
	if len(taints) == 0 {
		return ""
	}
	parts := make([]string, 0, len(taints))
	for _, t := range taints {
		parts = append(parts, taintString(t))
	}
	return "--register-with-taints=" + strings.Join(parts, ",")
}

// taintString is the kubelet's key[=value]:Effect form.
func taintString(t Taint) string {
	if t.Value == "" {
		return t.Key + ":" + t.Effect
	}
	return t.Key + "=" + t.Value + ":" + t.Effect
}

// parseVersion reads "1.33" (a patch level is tolerated and ignored).
func parseVersion(v string) (major, minor int, err error) {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, fmt.Errorf("kubernetes version %q is not MAJOR.MINOR (e.g. \"1.33\")", v)
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, nil
}

// CheckFamilyVersion refuses an AMI family for a Kubernetes version it has
// no EKS-optimized AMI for: AL2 stops at 1.32 (no AL2 AMIs for 1.33+).
func CheckFamilyVersion(f Family, kubernetesVersion string) error {
	if err := f.valid(); err != nil {
		return err
	}
	major, minor, err := parseVersion(kubernetesVersion)
	if err != nil {
		return err
	}
	if f.orDefault() == AL2 && (major > 1 || minor >= 33) {
		return fmt.Errorf("AMI family AL2 is refused for Kubernetes %s: EKS publishes no AL2 AMIs for 1.33 and later; use AL2023 or Bottlerocket", kubernetesVersion)
	}
	return nil
}

// ClusterDNSIP returns the cluster DNS address EKS uses for a service CIDR:
// the tenth address (e.g. 172.20.0.10 for 172.20.0.0/16).
func ClusterDNSIP(serviceCIDR string) (string, error) {
	p, err := netip.ParsePrefix(serviceCIDR)
	if err != nil {
		return "", fmt.Errorf("service CIDR %q does not parse: %v", serviceCIDR, err)
	}
	if !p.Addr().Is4() {
		return "", fmt.Errorf("service CIDR %q: only IPv4 service CIDRs are supported", serviceCIDR)
	}
	if p.Bits() > 28 {
		return "", fmt.Errorf("service CIDR %q is too small to hold the cluster DNS address .10", serviceCIDR)
	}
	a := p.Masked().Addr().As4()
	a[3] += 10
	return netip.AddrFrom4(a).String(), nil
}

// validateCIDR checks an IPv4 CIDR such as 10.20.0.0/16.
func validateCIDR(what, cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("%s %q is not a CIDR (e.g. 10.20.0.0/16): %v", what, cidr, err)
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%s %q: only IPv4 is supported", what, cidr)
	}
	return nil
}

// unsafeChars may not appear in any value we write into scripts, systemd
// files or comma-separated lists, whatever the quoting.
const unsafeChars = "\x00\r\n"

// validateProxyURL checks an HTTP(S) proxy URL such as http://proxy:3128.
func validateProxyURL(raw string) error {
	if strings.ContainsAny(raw, unsafeChars+" \t'\"\\`$,") {
		return errors.New("contains whitespace, a quote, a backslash, '$' or ','; percent-encode them")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("does not parse: %v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return errors.New("must be http://host[:port] or https://host[:port]")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("has a #fragment, which a proxy URL cannot use; give http://host[:port]")
	}
	return nil
}

// validateEndpoint checks the API server endpoint, an https URL.
func validateEndpoint(raw string) error {
	if strings.ContainsAny(raw, unsafeChars+" \t'\"\\`$") {
		return fmt.Errorf("cluster endpoint %q contains whitespace, a quote, a backslash or '$'", raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" || !utf8.ValidString(raw) {
		return fmt.Errorf("cluster endpoint %q must be an https URL such as https://ABC.gr7.eu-west-1.eks.amazonaws.com", raw)
	}
	return nil
}

func validateCA(ca string) error {
	if ca == "" {
		return errors.New("cluster certificate authority is empty; pass the base64 certificateAuthority.data of the cluster")
	}
	if _, err := base64.StdEncoding.DecodeString(ca); err != nil {
		return fmt.Errorf("cluster certificate authority is not base64 (pass certificateAuthority.data unchanged): %v", err)
	}
	return nil
}

// amiProxyRelease is the first AL2023 EKS AMI release whose nodeadm applies
// spec.instance.environment before its own first AWS call. The field is read
// from v20251007 (amazon-eks-ami #2384), but releases v20251023 to v20251112
// call the EC2 API while enriching the config, before the environment is
// applied, and hang in a proxy-only VPC; v20251120 fixed the order
// ("fix(al2023): configure proxy before enriching config", #2489; see the
// CHANGELOG excerpts in shared/upstream/nodeadm).
const amiProxyRelease = "20251120"

var releaseDateRE = regexp.MustCompile(`(\d{8})$`)

// CheckAMIRelease refuses an AL2023 release older than amiProxyRelease when
// a proxy is configured: older nodeadm silently ignores the environment.
func CheckAMIRelease(release string) error {
	m := releaseDateRE.FindStringSubmatch(release)
	if m == nil {
		return fmt.Errorf("AMI release version %q has no release date (expected e.g. v20251007 or 1.33.5-20251007)", release)
	}
	if m[1] < amiProxyRelease {
		return fmt.Errorf("AMI release %q is older than v%s: its nodeadm ignores spec.instance.environment or calls the EC2 API before applying it, so the node cannot join through the proxy; use AMI release v%s or later", release, amiProxyRelease, amiProxyRelease)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
