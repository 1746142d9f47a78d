package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eksfleet/eksfleet/stacks/config"
	"gopkg.in/yaml.v3"
)

// FuzzParse feeds arbitrary stack documents (YAML, as users write them) and
// arbitrary raw values for single keys to the decoder and validator. It must
// never panic, and a rejection must always be a *config.Errors naming at
// least one problem.
func FuzzParse(f *testing.F) {
	f.Add(base, "eksfleet:nodeGroups", `[{"name":"a","kind":"managed","instanceTypes":["m5.large"],"minSize":1,"maxSize":2}]`)
	f.Add(base, "eksfleet:cluster", `{"version":"1.33","publicAccessCidrs":["0.0.0.0/0"],"endpointPublicAccess":true}`)
	f.Add(base, "eksfleet:network", `{"subnetZones":{"subnet-0a1b2c3d4e5f60a01":"eu-west-1z"}}`)
	f.Add("", "eksfleet:cni", `{"customNetworking":true,"podSubnetIds":{"eu-west-1a":1}}`)
	f.Add(base, "eksfleet:nodeGroups", `[{"maxPods":1e400,"minSize":-9223372036854775808}]`)
	f.Add(base, "eksfleet:nodePools", `[{"name":"a","limits":{"cpu":"1"},"disruption":{"budgets":[{"nodes":"10%","schedule":"@daily"}]}}]`)
	f.Add(base+"eksfleet:autoscaler: {kind: karpenter}\n", "eksfleet:nodePools", `[{"name":"a","minGeneration":-1,"instanceFamilies":["m7g"],"weight":1e99,"maxPods":"auto"}]`)
	f.Add(base+"eksfleet:autoscaler: {kind: karpenter, karpenter: {chartVersion: 0.37.0}}\n", "eksfleet:nodePools", `[null,{"name":"b","architectures":[]}]`)
	for _, stack := range []string{"dev", "staging", "prod"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "Pulumi."+stack+".yaml")); err == nil {
			var doc struct {
				Config map[string]any `yaml:"config"`
			}
			if yaml.Unmarshal(b, &doc) == nil {
				if out, err := yaml.Marshal(doc.Config); err == nil {
					f.Add(string(out), "eksfleet:autoscaler", `{"expander":"priority"}`)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc, key, raw string) {
		var m map[string]any
		if yaml.Unmarshal([]byte(doc), &m) != nil {
			m = nil
		}
		v := map[string]string{}
		for k, val := range m {
			if s, ok := val.(string); ok {
				v[k] = s
			} else if b, err := jsonMarshal(val); err == nil {
				v[k] = b
			}
		}
		v[key] = raw
		cfg, err := config.Parse("eksfleet", "dev", v)
		if err != nil {
			var cerr *config.Errors
			if !errors.As(err, &cerr) || len(cerr.Problems) == 0 {
				t.Fatalf("rejection must be *config.Errors with problems, got %T %v", err, err)
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}
