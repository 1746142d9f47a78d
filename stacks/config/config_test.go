package config_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
	"gopkg.in/yaml.v3"
)

// base is a valid configuration every case mutates.
var base = mustRead("testdata/base.yaml")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// values turns a YAML stack config into the map Pulumi hands a program.
func values(t testing.TB, doc string) map[string]string {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("test YAML: %v", err)
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = string(b)
	}
	return out
}

// with returns base with one top-level key replaced (YAML text of the value).
func with(t testing.TB, key, valueYAML string) map[string]string {
	t.Helper()
	v := values(t, base)
	var parsed any
	if err := yaml.Unmarshal([]byte(valueYAML), &parsed); err != nil {
		t.Fatalf("test YAML for %s: %v", key, err)
	}
	if s, ok := parsed.(string); ok {
		v[key] = s
	} else {
		b, _ := json.Marshal(parsed)
		v[key] = string(b)
	}
	return v
}

func TestValidBaseAndDefaults(t *testing.T) {
	cfg, err := config.Parse("eksfleet", "dev", values(t, base))
	if err != nil {
		t.Fatalf("base config must be valid: %v", err)
	}
	if cfg.Cluster.Name != "eksfleet-dev" {
		t.Errorf("default cluster name = %q, want eksfleet-dev", cfg.Cluster.Name)
	}
	if !cfg.Cluster.EndpointPrivateAccess || cfg.Cluster.EndpointPublicAccess {
		t.Errorf("endpoint defaults: private=%v public=%v, want true/false", cfg.Cluster.EndpointPrivateAccess, cfg.Cluster.EndpointPublicAccess)
	}
	if cfg.Cluster.ServiceIPv4CIDR != "172.20.0.0/16" {
		t.Errorf("serviceIpv4Cidr default = %s", cfg.Cluster.ServiceIPv4CIDR)
	}
	if strings.Join(cfg.Cluster.LogTypes, ",") != "api,audit,authenticator" {
		t.Errorf("logTypes default = %v", cfg.Cluster.LogTypes)
	}
	g := cfg.NodeGroups[1]
	if g.AMIFamily != "AL2023" || g.Architecture != "x86_64" || g.CapacityType != "ON_DEMAND" {
		t.Errorf("group defaults = %s/%s/%s", g.AMIFamily, g.Architecture, g.CapacityType)
	}
	if g.RootVolume != (config.RootVolume{SizeGiB: 50, Type: "gp3", Encrypted: true}) {
		t.Errorf("rootVolume default = %+v", g.RootVolume)
	}
	if !g.MaxPods.Auto || !g.Autoscaling || !g.Drain() || g.HopLimit() != 2 || g.Desired() != 0 {
		t.Errorf("group defaults: maxPods=%+v autoscaling=%v drain=%v hop=%d desired=%d", g.MaxPods, g.Autoscaling, g.Drain(), g.HopLimit(), g.Desired())
	}
	if cfg.NodeGroups[0].Drain() {
		t.Error("managed groups never use the termination handler drain")
	}
	if r := g.Refresh(); !r.Enabled || r.MinHealthyPercentage != 90 {
		t.Errorf("instance refresh default = %+v", r)
	}
	a := cfg.Autoscaler
	if !a.Enabled || a.Expander != "least-waste" || !a.BalanceSimilarNodeGroups || a.ScaleDownUnneededTime != "10m" {
		t.Errorf("autoscaler defaults = %+v", a)
	}
	if cfg.Environment != "dev" {
		t.Errorf("environment = %q, want dev from the stack name", cfg.Environment)
	}
}

// Refusal is one case of testdata/refusals.yaml.
type Refusal struct {
	Name    string `yaml:"name"`
	Key     string `yaml:"key"`
	Value   string `yaml:"value"`
	Setup   string `yaml:"setup"`
	Path    string `yaml:"path"`
	Message string `yaml:"message"`
}

func refusals(t *testing.T) []Refusal {
	t.Helper()
	var cases []Refusal
	if err := yaml.Unmarshal([]byte(mustRead("testdata/refusals.yaml")), &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 60 {
		t.Fatalf("refusals.yaml has %d cases; it was not read fully", len(cases))
	}
	return cases
}

// TestRefusals runs every malformed value the contract lists (and the
// project's own rules) and checks each names its key path and says what is
// wrong.
func TestRefusals(t *testing.T) {
	for _, tc := range refusals(t) {
		t.Run(tc.Name, func(t *testing.T) {
			v := with(t, tc.Key, tc.Value)
			stack := "dev"
			switch tc.Setup {
			case "prod":
				stack = "prod"
			case "prefix":
				v["eksfleet:cni"] = `{"prefixDelegation": true}`
			case "priority":
				v["eksfleet:autoscaler"] = `{"expander": "priority"}`
			}
			_, err := config.Parse("eksfleet", stack, v)
			if err == nil {
				t.Fatalf("want an error at %s, got none", tc.Path)
			}
			var cerr *config.Errors
			if !errors.As(err, &cerr) {
				t.Fatalf("error is %T, want *config.Errors", err)
			}
			for _, p := range cerr.Problems {
				if p.Path == tc.Path && strings.Contains(p.String(), tc.Message) {
					return
				}
			}
			t.Fatalf("no problem at %s containing %q; got:\n%v", tc.Path, tc.Message, err)
		})
	}
}

func TestReportsEveryProblemAtOnce(t *testing.T) {
	v := values(t, base)
	v["eksfleet:cluster"] = `{"version": "2.0", "logTypes": ["nope"]}`
	v["eksfleet:nodeGroups"] = `[{"name": "a", "kind": "managed", "instanceTypes": ["m5.large"], "minSize": 5, "maxSize": 2, "spot": {}}]`
	v["eksfleet:proxy"] = `{"httpProxy": "::"}`
	_, err := config.Parse("eksfleet", "dev", v)
	var cerr *config.Errors
	if !errors.As(err, &cerr) {
		t.Fatalf("want *config.Errors, got %v", err)
	}
	want := []string{"eksfleet:cluster.version", "eksfleet:cluster.logTypes[0]", "eksfleet:nodeGroups[0].minSize", "eksfleet:nodeGroups[0].spot", "eksfleet:proxy.httpProxy"}
	got := map[string]bool{}
	for _, p := range cerr.Problems {
		got[p.Path] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing problem at %s; got:\n%v", w, err)
		}
	}
	if !strings.Contains(err.Error(), "invalid stack configuration (") {
		t.Errorf("summary line missing: %v", err)
	}
}

// TestEnvironmentDefaultsToProdForOtherStackNames: contract version 2 makes
// eksfleet:environment optional; a stack named other than dev/staging/prod
// gets prod's rules, and the config says so in its notes.
func TestEnvironmentDefaultsToProdForOtherStackNames(t *testing.T) {
	cfg, err := config.Parse("eksfleet", "sandbox", values(t, base))
	if err != nil {
		t.Fatalf("a stack without eksfleet:environment must parse: %v", err)
	}
	if cfg.Environment != "prod" {
		t.Errorf("environment = %q, want prod", cfg.Environment)
	}
	if len(cfg.Notes) != 1 || !strings.Contains(cfg.Notes[0], "prod's (strictest) rules apply") {
		t.Errorf("notes = %q, want one saying prod's rules apply", cfg.Notes)
	}
	v := values(t, base)
	v["eksfleet:environment"] = "staging"
	cfg, err = config.Parse("eksfleet", "sandbox", v)
	if err != nil || cfg.Environment != "staging" {
		t.Fatalf("explicit environment: cfg=%v err=%v", cfg, err)
	}
}

func TestZonesLookedUpWhenUndeclared(t *testing.T) {
	v := values(t, base)
	v["eksfleet:network"] = `{"vpcId": "vpc-0a1b2c3d4e5f60718", "vpcCidr": "10.20.0.0/16", "privateSubnetIds": ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b01"]}`
	cfg, err := config.Parse("eksfleet", "dev", v)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.SubnetsNeedingZones(); len(got) != 2 {
		t.Fatalf("SubnetsNeedingZones = %v", got)
	}
	err = cfg.ValidateZones(map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1a"})
	if err == nil || !strings.Contains(err.Error(), "all in one availability zone") {
		t.Fatalf("want one-zone error, got %v", err)
	}
	if err := cfg.ValidateZones(map[string]string{"subnet-0a1b2c3d4e5f60a01": "eu-west-1a", "subnet-0a1b2c3d4e5f60b01": "eu-west-1b"}); err != nil {
		t.Fatal(err)
	}
}

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
