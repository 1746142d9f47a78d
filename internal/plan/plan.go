// Package plan evaluates the eksfleet program for one stack offline, against
// the mockcloud fake, and renders what it would create: JSON per the plan
// contract (shared/contracts/plan-json.md) or a table for people.
package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Plan is the offline evaluation of one stack.
type Plan struct {
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Resources []Resource     `json:"resources"`
	Outputs   map[string]any `json:"outputs"`
	// Notes are what the offline evaluation assumed instead of looking up
	// (plan contract v2: may be empty, never absent).
	Notes      []string    `json:"notes"`
	Violations []Violation `json:"violations"`

	// Cloud is the fake the program ran against, for callers (policy checks,
	// tests) that need the raw recorded resources.
	Cloud *mockcloud.Cloud `json:"-"`
	// Config is the validated stack configuration.
	Config *config.Config `json:"-"`
}

// Resource is one registered resource as the contract spells it.
type Resource struct {
	URN           string         `json:"urn"`
	Type          string         `json:"type"`
	Name          string         `json:"name"`
	Custom        bool           `json:"custom"`
	Remote        bool           `json:"remote"`
	Parent        string         `json:"parent"`
	Dependencies  []string       `json:"dependencies"`
	IgnoreChanges []string       `json:"ignoreChanges"`
	Inputs        map[string]any `json:"inputs"`
}

// Violation is one policy violation.
type Violation struct {
	Policy      string `json:"policy"`
	Enforcement string `json:"enforcement"`
	URN         string `json:"urn"`
	Message     string `json:"message"`
}

// ConfigError reports an invalid stack configuration: nothing was registered.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// FakeAccount is the AWS account the offline fake pretends to be.
const FakeAccount = "123456789012"

// Evaluate runs program for the project's stack offline. A config problem
// is returned as *ConfigError before the program runs.
func Evaluate(p *Project, program pulumi.RunFunc) (*Plan, error) {
	cfg, err := config.ParseSecrets(p.Name, p.Stack, p.Config, p.SecretKeys)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	notes := append([]string{}, cfg.Notes...)
	zones, assumed := OfflineZones(cfg)
	if len(assumed) > 0 {
		notes = append(notes, fmt.Sprintf("network.subnetZones does not declare %s: offline, each is assumed to be in its own availability zone, in listed order (%s); a real preview looks them up",
			strings.Join(cfg.SubnetsNeedingZones(), ", "), strings.Join(assumed, ", ")))
	}
	if len(cfg.Cluster.AddonVersions) < len(config.Addons) {
		notes = append(notes, "add-on versions not pinned in cluster.addonVersions are EKS's defaults for Kubernetes "+cfg.Cluster.Version+", looked up at deployment; offline they are stand-ins")
	}
	if cfg.Proxy != nil && cfg.CNI.CustomNetworking {
		notes = append(notes, "the CIDR blocks of cni.podSubnetIds (added to NO_PROXY) are made up offline; a real preview looks them up")
	}
	cloud := mockcloud.New(mockcloud.Options{
		Project:     p.Name,
		Stack:       p.Stack,
		Region:      cfg.Region,
		Account:     FakeAccount,
		SubnetZones: zones,
		VpcID:       cfg.Network.VpcID,
	})
	outputs := map[string]any{}
	err = cloud.Run(func(ctx *pulumi.Context) error {
		if err := program(ctx); err != nil {
			return err
		}
		for name, v := range ctx.GetCurrentExportMap() {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(v))
			if err != nil {
				return fmt.Errorf("stack output %s: %w", name, err)
			}
			outputs[name] = exportValue(r)
		}
		return nil
	}, mockcloud.RunConfig{Config: p.Config, SecretKeys: p.SecretKeys, DryRun: true})
	if err != nil {
		if isConfigError(err) {
			return nil, &ConfigError{Err: err}
		}
		return nil, err
	}
	plan := &Plan{Project: p.Name, Stack: p.Stack, Outputs: outputs, Notes: notes, Violations: []Violation{}, Cloud: cloud, Config: cfg}
	ordered := registrationOrder(cloud.Resources())
	for _, r := range ordered {
		plan.Resources = append(plan.Resources, Resource{
			URN:           r.URN,
			Type:          r.Type,
			Name:          r.Name,
			Custom:        r.Custom,
			Remote:        r.Remote,
			Parent:        r.Parent,
			Dependencies:  nonNil(r.Dependencies),
			IgnoreChanges: nonNil(r.IgnoreChanges),
			Inputs:        Inputs(r.Inputs),
		})
	}
	// The guardrails (policy/guardrails), as the policy pack runs them
	// under the engine; a mandatory violation makes `eksfleet plan` exit 2.
	plan.Violations = append(plan.Violations, checkPolicies(ordered, PolicySettings(cfg))...)
	return plan, nil
}

// OfflineZones returns the zone of every private subnet for an offline
// evaluation: the declared ones (network.subnetZones), and for each
// undeclared one, in listed order, the next zone letter of the region that
// no declared subnet uses. Distinct zones are what a valid config needs;
// inventing a layout (two subnets in one zone) would refuse a config that
// deploys. assumed lists the undeclared subnets as "subnet: zone".
func OfflineZones(cfg *config.Config) (zones map[string]string, assumed []string) {
	zones = make(map[string]string, len(cfg.Network.PrivateSubnetIDs))
	used := map[string]bool{}
	for s, z := range cfg.Network.SubnetZones {
		zones[s] = z
		used[z] = true
	}
	letter := 'a'
	for _, s := range cfg.SubnetsNeedingZones() {
		if _, done := zones[s]; done {
			continue // listed twice; config validation reports it
		}
		z := ""
		for ; letter <= 'z'; letter++ {
			if candidate := cfg.Region + string(letter); !used[candidate] {
				z = candidate
				break
			}
		}
		if z == "" {
			z = cfg.Region + "z" // more than 26 subnets: zones repeat, as they must
		}
		used[z] = true
		zones[s] = z
		assumed = append(assumed, s+": "+z)
	}
	return zones, assumed
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// exportValue renders an awaited stack output: secrets masked, unknowns null.
func exportValue(r internals.UnsafeAwaitOutputResult) any {
	if r.Secret {
		return "[secret]"
	}
	if !r.Known {
		return nil
	}
	// Round-trip through JSON so typed Go values become plain JSON values.
	b, err := json.Marshal(r.Value)
	if err != nil {
		return fmt.Sprintf("%v", r.Value)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	return v
}

// Inputs renders resource inputs as the contract requires: nested values as
// JSON, secrets as "[secret]", values unknown until deployment as null.
func Inputs(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k == "__defaults" {
			continue
		}
		out[string(k)] = Value(v)
	}
	return out
}

// Value renders one property value.
func Value(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsComputed():
		return nil
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return "[secret]"
		}
		if !o.Known {
			return nil
		}
		return Value(o.Element)
	case v.IsSecret():
		return "[secret]"
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		n := v.NumberValue()
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n)
		}
		return n
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = Value(e)
		}
		return out
	case v.IsObject():
		return Inputs(v.ObjectValue())
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset(), v.IsArchive():
		return "[asset]"
	}
	return nil
}

// JSON renders the plan per the contract, indented.
func (p *Plan) JSON() ([]byte, error) {
	return json.MarshalIndent(p, "", "  ")
}

// Count returns how many resources of each kind the plan holds.
func (p *Plan) Count() (components, custom int) {
	for _, r := range p.Resources {
		if r.Custom {
			custom++
		} else {
			components++
		}
	}
	return components, custom
}

// HasMandatoryViolation reports whether a mandatory policy failed.
func (p *Plan) HasMandatoryViolation() bool {
	for _, v := range p.Violations {
		if v.Enforcement == "mandatory" {
			return true
		}
	}
	return false
}

// sortedOutputNames returns output names in order.
func (p *Plan) sortedOutputNames() []string {
	names := make([]string, 0, len(p.Outputs))
	for k := range p.Outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
