package bootstrap

import (
	"sort"
	"strings"
)

// endpointHosts maps the VPC endpoint services nodes and our controllers
// call to the host names they call, as format strings of region and DNS
// suffix. A node in a VPC with an interface (or S3 gateway) endpoint for a
// service reaches that name directly, so it belongs in NO_PROXY. The bare
// regional name also matches its subdomains in Go's (containerd, kubelet,
// nodeadm, the controllers) and curl's NO_PROXY rules: ECR registries
// (<account>.dkr.ecr.<region>.amazonaws.com) and S3 buckets, ECR's layer
// bucket included (<bucket>.s3.<region>.amazonaws.com).
//
// Sources: AWS PrivateLink "AWS services that integrate with AWS
// PrivateLink" (service names com.amazonaws.<region>.<service>) and the EKS
// user guide "Deploy private clusters with limited internet access" (the
// endpoints a private cluster needs: ec2, ecr.api, ecr.dkr, s3, sts, eks,
// eks-auth, logs, autoscaling, elasticloadbalancing; ssm, ssmmessages and
// ec2messages for Session Manager; sqs for the termination handler's queue).
var endpointHosts = map[string]string{
	"autoscaling":          "autoscaling.%s.%s",
	"ec2":                  "ec2.%s.%s",
	"ec2messages":          "ec2messages.%s.%s",
	"ecr.api":              "api.ecr.%s.%s",
	"ecr.dkr":              "dkr.ecr.%s.%s",
	"eks":                  "eks.%s.%s",
	"eks-auth":             "eks-auth.%s.api.aws", // a dual-stack name outside the partition's suffix
	"elasticloadbalancing": "elasticloadbalancing.%s.%s",
	"kms":                  "kms.%s.%s",
	"logs":                 "logs.%s.%s",
	"monitoring":           "monitoring.%s.%s",
	"s3":                   "s3.%s.%s",
	"sqs":                  "sqs.%s.%s",
	"ssm":                  "ssm.%s.%s",
	"ssmmessages":          "ssmmessages.%s.%s",
	"sts":                  "sts.%s.%s",
}

// VPCEndpointServices lists the services network.vpcEndpoints accepts.
func VPCEndpointServices() []string {
	out := make([]string, 0, len(endpointHosts))
	for s := range endpointHosts {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// EndpointHosts returns the host names of services with VPC endpoints in
// region, in the order given, for NO_PROXY. Unknown services are skipped
// (config validation refuses them).
func EndpointHosts(region string, services []string) []string {
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	out := make([]string, 0, len(services))
	for _, s := range services {
		format, ok := endpointHosts[s]
		if !ok {
			continue
		}
		host := strings.Replace(format, "%s", region, 1)
		host = strings.Replace(host, "%s", suffix, 1)
		out = append(out, host)
	}
	return out
}
