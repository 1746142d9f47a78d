package guardrails

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Rules that read node user data together with the cluster it joins.

func init() {
	define(ruleDef{name: "no-al2-on-1.33", stack: checkNoAL2})
	define(ruleDef{name: "no-proxy-complete", stack: checkNoProxy})
}

// firstMinorWithoutAL2 is the first Kubernetes minor EKS publishes no
// Amazon Linux 2 AMI for (amazon-eks-ami doc/usage/al2.md).
const firstMinorWithoutAL2 = 33

// launchSpecs returns the stack's launch templates and configurations.
func (s *stackView) launchSpecs() []*policyx.AnalyzerResource {
	return append(append([]*policyx.AnalyzerResource(nil), s.ofType(launchTemplateType)...), s.ofType(launchConfigurationType)...)
}

func checkNoAL2(c *checker, s *stackView) {
	for _, spec := range s.launchSpecs() {
		d := s.node(spec)
		switch {
		case d.st == unknown:
			c.unknownValue(spec.URN, describe(spec)+" userData (which AMI family its nodes bootstrap)")
			continue
		case d.err != nil:
			c.cannotVerify(spec.URN, "the AMI family of %s: its user data cannot be read: %v", describe(spec), d.err)
			continue
		case d.settings == nil || d.settings.family != familyAL2:
			continue
		}
		cl, ok := s.clusterNamed(d.settings.clusterName)
		if !ok {
			c.cannotVerify(spec.URN, "%s: its user data runs AL2's bootstrap.sh for cluster %q, which is not in this stack, so its Kubernetes version is unknown", describe(spec), d.settings.clusterName)
			continue
		}
		c.checkAL2Version(spec.URN, describe(spec)+" bootstraps Amazon Linux 2 nodes (bootstrap.sh)", cl.version, cl.versionSt, describe(cl.res))
	}
	for _, ng := range s.ofType(nodeGroupType) {
		p := props(ng.Properties)
		ami, st := str(p, "amiType")
		switch {
		case st == unknown:
			c.unknownValue(ng.URN, describe(ng)+" amiType")
			continue
		case !strings.HasPrefix(ami, "AL2_"):
			continue
		}
		where := fmt.Sprintf("%s runs amiType %s", describe(ng), ami)
		if v, vst := str(p, "version"); vst != absent {
			c.checkAL2Version(ng.URN, where, v, vst, describe(ng))
			continue
		}
		name, _ := str(p, "clusterName")
		cl, ok := s.clusterNamed(name)
		if !ok {
			c.cannotVerify(ng.URN, "%s: its cluster is not in this stack, so its Kubernetes version is unknown", where)
			continue
		}
		c.checkAL2Version(ng.URN, where, cl.version, cl.versionSt, describe(cl.res))
	}
}

func (c *checker) checkAL2Version(urn, what, version string, st state, source string) {
	switch st {
	case unknown:
		c.unknownValue(urn, source+" version (whether Amazon Linux 2 is still available)")
		return
	case absent:
		// EKS creates new clusters at its default, current version.
		c.fail(urn, "%s, but %s sets no version, so EKS picks its current default (1.%d or later), for which no AL2 AMI exists; use AL2023 or Bottlerocket", what, source, firstMinorWithoutAL2)
		return
	}
	minor, ok := minorVersion(version)
	if !ok {
		c.cannotVerify(urn, "%s: version %q is not a Kubernetes minor version like 1.33", what, version)
		return
	}
	if minor >= firstMinorWithoutAL2 {
		c.fail(urn, "%s on Kubernetes %s; EKS publishes no AL2 AMI for 1.%d or later (and AL2 support ends 2026-06-30): use AL2023 or Bottlerocket", what, version, firstMinorWithoutAL2)
	}
}

func checkNoProxy(c *checker, s *stackView) {
	for _, spec := range s.launchSpecs() {
		d := s.node(spec)
		switch {
		case d.st == unknown:
			c.unknownValue(spec.URN, describe(spec)+" userData (its proxy settings)")
			continue
		case d.err != nil:
			c.cannotVerify(spec.URN, "the proxy settings of %s: its user data cannot be read: %v", describe(spec), d.err)
			continue
		case d.settings == nil:
			continue
		}
		n := d.settings
		for _, ps := range n.proxies {
			c.checkNoProxyEntries(s, spec, n, ps)
		}
	}
}

// required is one NO_PROXY requirement: any of the alternatives covers it.
type required struct {
	what         string
	alternatives []string
}

func (c *checker) checkNoProxyEntries(s *stackView, spec *policyx.AnalyzerResource, n *nodeSettings, ps proxySetting) {
	cl, haveCluster := s.clusterNamed(n.clusterName)
	var reqs []required
	for _, cidr := range c.opt.vpcCIDRs {
		reqs = append(reqs, required{"the VPC CIDR " + cidr, []string{cidr}})
	}
	if len(c.opt.vpcCIDRs) == 0 {
		c.cannotVerify(spec.URN, "that NO_PROXY in %s %s covers the VPC CIDR: no VPC CIDR is configured (eksfleet:network.vpcCidr, or vpcCidrs in the rule's policy config)", describe(spec), ps.where)
	}
	service := n.serviceCIDR
	if service == "" && haveCluster {
		switch cl.serviceSt {
		case known:
			service = cl.serviceCIDR
		case unknown:
			c.unknownValue(spec.URN, describe(cl.res)+" kubernetesNetworkConfig.serviceIpv4Cidr (which NO_PROXY must cover)")
		}
	}
	if service != "" {
		reqs = append(reqs, required{"the service CIDR " + service, []string{service}})
	} else if !haveCluster || cl.serviceSt == absent {
		c.cannotVerify(spec.URN, "that NO_PROXY in %s %s covers the Kubernetes service CIDR: neither the user data nor a cluster in this stack names it", describe(spec), ps.where)
	}
	reqs = append(reqs,
		required{"instance metadata (169.254.169.254)", []string{"169.254.169.254"}},
		required{"EC2 private DNS names (.internal)", []string{".internal"}},
	)
	if !ps.bottlerocket {
		// Bottlerocket adds these itself; nodeadm and bootstrap.sh do not.
		endpoint := firstNonEmpty(n.endpoint, cl.endpoint)
		alts := []string{".eks.amazonaws.com"}
		if u, err := url.Parse(endpoint); err == nil && u.Hostname() != "" {
			alts = append(alts, strings.ToLower(u.Hostname()))
		}
		reqs = append(reqs,
			required{"localhost", []string{"localhost"}},
			required{"127.0.0.1", []string{"127.0.0.1"}},
			required{"the EKS API endpoint (.eks.amazonaws.com or its host)", alts},
		)
	}
	var missing []string
	for _, req := range reqs {
		covered := false
		for _, alt := range req.alternatives {
			if noProxyCovers(ps.noProxy, alt) {
				covered = true
				break
			}
		}
		if !covered {
			missing = append(missing, req.what)
		}
	}
	if len(missing) > 0 {
		c.fail(spec.URN, "%s sends node traffic through proxy %s (%s) but NO_PROXY [%s] does not cover %s; nodes then reach the API server, IMDS or VPC endpoints through the proxy, or not at all",
			describe(spec), ps.proxy, ps.where, strings.Join(ps.noProxy, ","), joinAnd(missing))
	}
}

// noProxyCovers reports whether NO_PROXY entries exempt want (an IP,
// CIDR, host name or ".domain" suffix), following Go's httpproxy rules
// (which kubelet, containerd and nodeadm use): "*" matches everything, a
// CIDR matches the addresses in it, a domain matches itself and its
// subdomains with or without a leading dot.
func noProxyCovers(entries []string, want string) bool {
	wantNet := parseNet(want)
	wantHost := strings.TrimPrefix(strings.ToLower(want), ".")
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "*" {
			return true
		}
		if wantNet != nil {
			if en := parseNet(e); en != nil {
				wOnes, _ := wantNet.Mask.Size()
				eOnes, _ := en.Mask.Size()
				if en.Contains(wantNet.IP) && eOnes <= wOnes {
					return true
				}
			}
			continue
		}
		d := strings.TrimPrefix(e, ".")
		if d != "" && (wantHost == d || strings.HasSuffix(wantHost, "."+d)) {
			return true
		}
	}
	return false
}

// parseNet parses an IP (as a host network) or a CIDR, nil for names.
func parseNet(s string) *net.IPNet {
	if _, n, err := net.ParseCIDR(s); err == nil {
		return n
	}
	if ip := net.ParseIP(s); ip != nil {
		bits := 32
		if ip.To4() == nil {
			bits = 128
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
	}
	return nil
}
