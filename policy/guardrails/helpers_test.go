package guardrails_test

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/bootstrap"
	"github.com/eksfleet/eksfleet/components/nodespec"
	"github.com/eksfleet/eksfleet/policy/guardrails"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// unknownT marks a value unknown until deployment in test resources.
type unknownT struct{}

var unknown = unknownT{}

// pv turns plain Go test values into property values.
func pv(v any) property.Value {
	switch t := v.(type) {
	case nil:
		return property.Value{}
	case unknownT:
		return property.New(property.Computed)
	case property.Value:
		return t
	case string:
		return property.New(t)
	case bool:
		return property.New(t)
	case int:
		return property.New(float64(t))
	case float64:
		return property.New(t)
	case []string:
		out := make([]property.Value, len(t))
		for i, e := range t {
			out[i] = property.New(e)
		}
		return property.New(out)
	case []any:
		out := make([]property.Value, len(t))
		for i, e := range t {
			out[i] = pv(e)
		}
		return property.New(out)
	case map[string]string:
		out := map[string]property.Value{}
		for k, e := range t {
			out[k] = property.New(e)
		}
		return property.New(out)
	case map[string]any:
		out := map[string]property.Value{}
		for k, e := range t {
			out[k] = pv(e)
		}
		return property.New(out)
	}
	panic(fmt.Sprintf("pv: unsupported %T", v))
}

type m = map[string]any

// res builds an analyzer resource the way the engine presents it.
func res(typ, name string, props m, opts ...func(*policyx.AnalyzerResource)) policyx.AnalyzerResource {
	r := policyx.AnalyzerResource{
		Type:       typ,
		Name:       name,
		URN:        "urn:pulumi:test::proj::" + typ + "::" + name,
		Properties: pv(props).AsMap(),
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func ignoring(paths ...string) func(*policyx.AnalyzerResource) {
	return func(r *policyx.AnalyzerResource) { r.Options.IgnoreChanges = paths }
}

func dependingOn(urns ...string) func(*policyx.AnalyzerResource) {
	return func(r *policyx.AnalyzerResource) { r.Dependencies = append(r.Dependencies, urns...) }
}

const (
	ltType      = "aws:ec2/launchTemplate:LaunchTemplate"
	lcType      = "aws:ec2/launchConfiguration:LaunchConfiguration"
	asgType     = "aws:autoscaling/group:Group"
	asgTagType  = "aws:autoscaling/tag:Tag"
	ngType      = "aws:eks/nodeGroup:NodeGroup"
	clusterType = "aws:eks/cluster:Cluster"
	endpoint    = "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
)

// testCluster is the cluster the rendered user data joins.
var testCluster = bootstrap.Cluster{
	Name:                 "acme",
	Endpoint:             endpoint,
	CertificateAuthority: base64.StdEncoding.EncodeToString([]byte("ca")),
	ServiceCIDR:          "172.20.0.0/16",
	VPCCIDR:              "10.20.0.0/16",
	KubernetesVersion:    "1.33",
}

// userData renders base64 user data with eksfleet's renderer.
func userData(t testing.TB, in bootstrap.Input) string {
	t.Helper()
	if in.Cluster.Name == "" {
		in.Cluster = testCluster
	}
	raw, err := bootstrap.Render(in)
	if err != nil {
		t.Fatalf("render user data: %v", err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// eksCluster is an aws:eks/cluster:Cluster at version with overrides.
func eksCluster(version string, over m) policyx.AnalyzerResource {
	p := m{
		"name":    "acme",
		"version": version,
		"vpcConfig": m{
			"endpointPrivateAccess": true,
			"endpointPublicAccess":  false,
		},
		"enabledClusterLogTypes":  []string{"api", "audit", "authenticator", "controllerManager", "scheduler"},
		"encryptionConfig":        m{"resources": []string{"secrets"}, "provider": m{"keyArn": "arn:aws:kms:eu-west-1:111122223333:key/abc"}},
		"kubernetesNetworkConfig": m{"serviceIpv4Cidr": "172.20.0.0/16"},
	}
	for k, v := range over {
		p[k] = v
	}
	return res(clusterType, "acme-eksCluster", p)
}

// launchTemplate is a compliant node launch template with overrides.
func launchTemplate(name, ud string, over m) policyx.AnalyzerResource {
	p := m{
		"id":           "lt-" + name,
		"instanceType": "m6i.large",
		"metadataOptions": m{
			"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2,
		},
		"blockDeviceMappings": []any{m{"deviceName": "/dev/xvda", "ebs": m{"encrypted": "true", "volumeType": "gp3", "volumeSize": 50}}},
		"networkInterfaces":   []any{m{"deviceIndex": 0, "associatePublicIpAddress": "false"}},
		"tags":                m{"team": "platform"},
	}
	if ud != "" {
		p["userData"] = ud
	}
	for k, v := range over {
		if v == nil {
			delete(p, k)
			continue
		}
		p[k] = v
	}
	return res(ltType, name, p)
}

// asgTags renders tags as an Auto Scaling Group's tags property.
func asgTags(tags []nodespec.Tag) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = m{"key": t.Key, "value": t.Value, "propagateAtLaunch": t.PropagateAtLaunch}
	}
	return out
}

// caTags computes the autoscaler tags of a group with nodespec, the way
// the node group components do.
func caTags(t testing.TB, labels map[string]string, taints []bootstrap.Taint, spot, managed bool) []nodespec.Tag {
	t.Helper()
	tags, err := nodespec.ASGTags(nodespec.TagInput{
		ClusterName: "acme", Name: "acme-workers", Managed: managed, Autoscaling: true,
		Scheduling: nodespec.NodeScheduling(labels, taints, spot, false),
		UserTags:   map[string]string{"team": "platform"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

// selfManaged is a launch template and the Auto Scaling Group launching
// it, joined by ID and dependency as the engine would show them.
func selfManaged(name, ud string, tags []any, asgOver m, opts ...func(*policyx.AnalyzerResource)) []policyx.AnalyzerResource {
	lt := launchTemplate(name, ud, nil)
	p := m{
		"minSize": 0, "maxSize": 10, "desiredCapacity": 1,
		"launchTemplate": m{"id": "lt-" + name, "version": "1"},
		"tags":           tags,
	}
	for k, v := range asgOver {
		if v == nil {
			delete(p, k)
			continue
		}
		p[k] = v
	}
	opts = append([]func(*policyx.AnalyzerResource){dependingOn(lt.URN)}, opts...)
	return []policyx.AnalyzerResource{lt, res(asgType, name, p, opts...)}
}

// evaluate runs every rule at the settings' levels and returns the
// violations of one rule and the cannot-verify findings about it.
func evaluate(s guardrails.Settings, rule string, rs ...policyx.AnalyzerResource) (violations, cannot []guardrails.Violation) {
	for _, v := range guardrails.Evaluate(rs, s) {
		switch {
		case v.Policy == rule:
			violations = append(violations, v)
		case v.Policy == "cannot-verify" && strings.HasPrefix(v.Message, rule+":"):
			cannot = append(cannot, v)
		}
	}
	return violations, cannot
}

func messages(vs []guardrails.Violation) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Message)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// bootstrapInput is an AL2023 self-managed node with labels.
func bootstrapInput(labels map[string]string) bootstrap.Input {
	return bootstrap.Input{Node: bootstrap.Node{Labels: labels, MaxPods: 29}}
}
