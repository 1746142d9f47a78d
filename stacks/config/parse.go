package config

import (
	"encoding/json"
	"sort"
	"strings"
)

// Top-level keys of the eksfleet namespace, in documentation order.
var topLevelKeys = []string{"environment", "tags", "network", "cluster", "proxy", "cni", "nodeGroups", "autoscaler", "nodePools", "policy"}

// structuredKeys maps every top-level key but environment to the field its
// YAML/JSON value decodes into.
func structuredKeys(cfg *Config) map[string]any {
	return map[string]any{
		"tags":       &cfg.Tags,
		"network":    &cfg.Network,
		"cluster":    &cfg.Cluster,
		"proxy":      &cfg.Proxy,
		"cni":        &cfg.CNI,
		"nodeGroups": &cfg.NodeGroups,
		"autoscaler": &cfg.Autoscaler,
		"nodePools":  &cfg.NodePools,
		"policy":     &cfg.Policy,
	}
}

// Parse decodes, defaults and validates a stack's configuration.
//
// values holds the stack's config as Pulumi hands it to a program: full keys
// ("eksfleet:network", "aws:region") mapped to their string form, structured
// values as JSON text. Every key of the eksfleet namespace is checked, so a
// typo in a top-level key is reported too. The returned error, when not nil,
// is an *Errors listing every problem. A config with secret keys is parsed
// with ParseSecrets.
func Parse(project, stack string, values map[string]string) (*Config, error) {
	return ParseSecrets(project, stack, values, nil)
}

func parse(project, stack string, values map[string]string) (*Config, error) {
	errs := &Errors{}
	cfg := Defaults(project, stack)
	d := decoder{errs: errs}
	targets := structuredKeys(cfg)

	for _, full := range sortedStringKeys(values) {
		ns, key, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		raw := values[full]
		if key == "environment" {
			cfg.Environment = raw // a plain word, not structured config
			continue
		}
		dst, known := targets[key]
		if !known {
			errs.add(full, nil, "unknown key%s; valid keys are %s:%s and aws:region",
				suggest(key, topLevelKeys), Namespace, strings.Join(topLevelKeys, ", "+Namespace+":"))
			continue
		}
		d.decodeJSON(full, jsonText(raw), dst)
	}
	cfg.Region = values["aws:region"]

	validate(cfg, errs)
	if err := errs.errOrNil(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Defaults returns the configuration a stack gets for every absent key.
func Defaults(project, stack string) *Config {
	cfg := &Config{
		Project: project,
		Stack:   stack,
		Cluster: Cluster{
			Name:                  project + "-" + stack,
			EndpointPrivateAccess: true,
			ServiceIPv4CIDR:       "172.20.0.0/16",
			LogTypes:              []string{"api", "audit", "authenticator"},
			SecretsEncryption:     true,
		},
		Autoscaler: Autoscaler{
			Kind:                     AutoscalerClusterAutoscaler,
			Enabled:                  true,
			Expander:                 "least-waste",
			BalanceSimilarNodeGroups: true,
			ScaleDownUnneededTime:    "10m",
		},
	}
	switch stack {
	case "dev", "staging", "prod":
		cfg.Environment = stack
	}
	return cfg
}

// jsonText returns raw unchanged when it is JSON, and a JSON string holding
// raw otherwise, so that a scalar given where a map is expected is reported
// as a type error rather than a syntax error.
func jsonText(raw string) string {
	if json.Valid([]byte(raw)) {
		return raw
	}
	b, _ := json.Marshal(raw)
	return string(b)
}

func sortedStringKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Keys returns the full config keys of the eksfleet namespace.
func Keys() []string {
	out := make([]string, len(topLevelKeys))
	for i, k := range topLevelKeys {
		out[i] = Namespace + ":" + k
	}
	return out
}
