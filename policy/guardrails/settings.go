package guardrails

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/eksfleet/eksfleet/policy/catalog"
)

// Settings are the stack-wide inputs of the guardrails: which environment's
// default levels apply, per-rule level overrides, and the lists some rules
// check against. `eksfleet plan` builds them from the validated stack
// config; the policy pack from the stack config the engine hands it (see
// SettingsFromConfig).
type Settings struct {
	// Environment is dev, staging or prod. Anything else gets prod levels,
	// so an unrecognised stack fails closed.
	Environment string
	// Enforcement overrides the default level of named rules
	// (catalog.CannotVerify included).
	Enforcement map[string]catalog.Level
	// AllowedInstanceTypes are exact instance types or path.Match globs
	// ("m6i.*"); empty allows any type.
	AllowedInstanceTypes []string
	// RequiredTags are tag keys every taggable AWS resource must carry.
	RequiredTags []string
	// VpcCIDRs are the VPC's CIDR blocks, which NO_PROXY must cover.
	VpcCIDRs []string
}

// Level returns the effective level of a rule: the override, else the
// catalogue default for the environment.
func (s Settings) Level(rule string) catalog.Level {
	if l, ok := s.Enforcement[rule]; ok {
		return l
	}
	r, _ := catalog.Lookup(rule)
	return r.Default(s.Environment)
}

// Validate reports unknown rule names, bad globs and empty tag keys, all at
// once.
func (s Settings) Validate() error {
	var errs []error
	for _, name := range sortedKeys(s.Enforcement) {
		if _, ok := catalog.Lookup(name); !ok {
			errs = append(errs, fmt.Errorf("enforcement: unknown rule %q; rules are %s", name, strings.Join(catalog.Names(), ", ")))
		}
		if _, err := catalog.ParseLevel(string(s.Enforcement[name])); err != nil {
			errs = append(errs, fmt.Errorf("enforcement.%s: %w", name, err))
		}
	}
	for i, p := range s.AllowedInstanceTypes {
		if err := CheckInstanceTypePattern(p); err != nil {
			errs = append(errs, fmt.Errorf("allowedInstanceTypes[%d]: %w", i, err))
		}
	}
	for i, t := range s.RequiredTags {
		if t == "" || len(t) > 128 {
			errs = append(errs, fmt.Errorf("requiredTags[%d]: tag keys must be 1-128 characters", i))
		}
	}
	return errors.Join(errs...)
}

// CheckInstanceTypePattern checks one allowedInstanceTypes entry: an
// instance type or a path.Match glob over instance type names.
func CheckInstanceTypePattern(p string) error {
	if p == "" {
		return errors.New("empty instance type pattern")
	}
	if _, err := path.Match(p, "m6i.large"); err != nil {
		return fmt.Errorf("%q is not a valid glob (path.Match syntax, e.g. m6i.*): %w", p, err)
	}
	return nil
}

// StackPolicy is the `eksfleet:policy` stack config value as the policy pack
// reads it from the engine. It mirrors stacks/config.Policy, which
// validates the same document before the program runs.
type StackPolicy struct {
	Enforcement          map[string]string `json:"enforcement"`
	AllowedInstanceTypes []string          `json:"allowedInstanceTypes"`
	RequiredTags         []string          `json:"requiredTags"`
}

// ConfigNamespace is the eksfleet project's config namespace.
const ConfigNamespace = "eksfleet"

// SettingsFromConfig builds Settings from a stack's config as the engine
// passes it to a policy pack (full keys, structured values as JSON):
//
//   - environment: eksfleet:environment, else the stack name when it is dev,
//     staging or prod, else prod;
//   - eksfleet:policy: enforcement overrides, allowedInstanceTypes,
//     requiredTags;
//   - eksfleet:network.vpcCidr: the VPC CIDR NO_PROXY must cover.
//
// A stack without eksfleet keys (another program) gets the prod levels and
// empty lists. Malformed eksfleet:policy is an error, so a typo never
// silently weakens the guardrails.
func SettingsFromConfig(get func(key string) (string, bool), stack string) (Settings, error) {
	s := Settings{Environment: "prod"}
	if slices.Contains(catalog.Environments, stack) {
		s.Environment = stack
	}
	if env, ok := get(ConfigNamespace + ":environment"); ok && env != "" {
		s.Environment = env
	}
	if raw, ok := get(ConfigNamespace + ":policy"); ok && raw != "" {
		var p StackPolicy
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return Settings{}, fmt.Errorf("%s:policy: %w", ConfigNamespace, err)
		}
		var err error
		if s, err = s.WithPolicy(p); err != nil {
			return Settings{}, err
		}
	}
	if raw, ok := get(ConfigNamespace + ":network"); ok && raw != "" {
		var n struct {
			VpcCIDR string `json:"vpcCidr"`
		}
		if json.Unmarshal([]byte(raw), &n) == nil && n.VpcCIDR != "" {
			s.VpcCIDRs = []string{n.VpcCIDR}
		}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, fmt.Errorf("%s:policy: %w", ConfigNamespace, err)
	}
	return s, nil
}

// WithPolicy returns s with a StackPolicy applied.
func (s Settings) WithPolicy(p StackPolicy) (Settings, error) {
	if len(p.Enforcement) > 0 {
		s.Enforcement = map[string]catalog.Level{}
		for _, k := range sortedKeys(p.Enforcement) {
			l, err := catalog.ParseLevel(p.Enforcement[k])
			if err != nil {
				return Settings{}, fmt.Errorf("%s:policy.enforcement.%s: %w", ConfigNamespace, k, err)
			}
			s.Enforcement[k] = l
		}
	}
	s.AllowedInstanceTypes = p.AllowedInstanceTypes
	s.RequiredTags = p.RequiredTags
	return s, nil
}

// options are the effective inputs of one rule: Settings, overridden by
// the rule's own policy config under the engine (--policy-pack-config).
type options struct {
	env                  string
	allowedInstanceTypes []string
	requiredTags         []string
	vpcCIDRs             []string
	maxHopLimit          int
	requiredLogTypes     []string
	requireCMK           bool
}

// allLogTypes are the five EKS control plane log types (CKV_AWS_37).
var allLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

func (s Settings) options(config map[string]any) options {
	o := options{
		env:                  s.Environment,
		allowedInstanceTypes: s.AllowedInstanceTypes,
		requiredTags:         s.RequiredTags,
		vpcCIDRs:             s.VpcCIDRs,
		maxHopLimit:          2,
		requiredLogTypes:     allLogTypes,
	}
	if s.Environment == "dev" || s.Environment == "staging" {
		// Audit and authenticator logs answer "who did what" (and are in
		// the stack config's default logTypes); the other three are
		// debugging aids only prod must keep, as CKV_AWS_37 asks.
		o.requiredLogTypes = []string{"audit", "authenticator"}
	}
	if v, ok := stringList(config["allowedInstanceTypes"]); ok {
		o.allowedInstanceTypes = v
	}
	if v, ok := stringList(config["requiredTags"]); ok {
		o.requiredTags = v
	}
	if v, ok := stringList(config["vpcCidrs"]); ok {
		o.vpcCIDRs = v
	}
	if v, ok := stringList(config["requiredLogTypes"]); ok {
		o.requiredLogTypes = v
	}
	if n, ok := config["maxHopLimit"].(float64); ok && n >= 1 {
		o.maxHopLimit = int(n)
	}
	if b, ok := config["requireCustomerManagedKey"].(bool); ok {
		o.requireCMK = b
	}
	return o
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
