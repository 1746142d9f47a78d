package bootstrap

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/http/httpproxy"
)

// TestNoProxyAsGoReadsIt runs the NO_PROXY we render through the parser Go
// programs use (containerd, the kubelet, nodeadm and our controllers all
// read the variables through net/http, i.e. golang.org/x/net/http/httpproxy):
// registry and bucket hosts behind VPC endpoints bypass the proxy, the
// private API endpoint bypasses it, a public-only one does not.
func TestNoProxyAsGoReadsIt(t *testing.T) {
	cluster := baseInput(AL2023).Cluster
	endpointHost := "0123456789abcdef0123456789abcdef.gr7.eu-west-1.eks.amazonaws.com"
	extras := EndpointHosts("eu-west-1", []string{"ecr.api", "ecr.dkr", "s3", "sts", "sqs"})
	extras = append(extras, "100.64.0.0/19")

	proxied := func(c Cluster, rawURL string) bool {
		t.Helper()
		cfg := httpproxy.Config{HTTPSProxy: "http://proxy.corp.example:3128", NoProxy: strings.Join(NoProxy(c, extras), ",")}
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		p, err := cfg.ProxyFunc()(u)
		if err != nil {
			t.Fatal(err)
		}
		return p != nil
	}
	for _, direct := range []string{
		"https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/v2/",
		"https://api.ecr.eu-west-1.amazonaws.com/",
		"https://prod-eu-west-1-starport-layer-bucket.s3.eu-west-1.amazonaws.com/x",
		"https://sts.eu-west-1.amazonaws.com/",
		"https://sqs.eu-west-1.amazonaws.com/",
		"https://" + endpointHost + "/version",
		"https://100.64.3.7:443/", // a pod in a custom-networking subnet
		"https://10.20.1.2:10250/",
	} {
		if proxied(cluster, direct) {
			t.Errorf("%s goes through the proxy; it must be reached directly", direct)
		}
	}
	for _, viaProxy := range []string{
		"https://ec2.eu-west-1.amazonaws.com/", // no VPC endpoint listed
		"https://registry-1.docker.io/v2/",
	} {
		if !proxied(cluster, viaProxy) {
			t.Errorf("%s bypasses the proxy; without a VPC endpoint it must use it", viaProxy)
		}
	}
	publicOnly := cluster
	publicOnly.PublicEndpointOnly = true
	if !proxied(publicOnly, "https://"+endpointHost+"/version") {
		t.Error("a public-only API endpoint bypasses the proxy; in a proxy-only VPC nodes could not reach it")
	}
}
