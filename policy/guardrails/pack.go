package guardrails

import (
	"context"

	"github.com/blang/semver"
	"github.com/eksfleet/eksfleet/policy/catalog"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// PackName and PackVersion identify the policy pack to the engine.
const (
	PackName    = "eksfleet-guardrails"
	PackVersion = "1.0.0"
)

// CannotVerifyStack is the engine policy that reports what stack rules
// cannot verify. Pulumi policy names are unique per pack and a policy is
// either a resource or a stack policy, so catalog.CannotVerify has two
// engine policies; both take its level from the settings.
const CannotVerifyStack = catalog.CannotVerify + "-stack"

// PackFromContext is the policy pack factory for policyx.Main. The engine
// calls it once per stack with the stack's config, from which the
// environment, level overrides and lists are read (SettingsFromConfig).
func PackFromContext(ctx *pulumi.Context) (policyx.PolicyPack, error) {
	s, err := SettingsFromConfig(func(key string) (string, bool) { return ctx.GetConfig(key) }, ctx.Stack())
	if err != nil {
		return nil, err
	}
	return NewPack(s)
}

// NewPack builds the policy pack for the engine: one policy per rule at its
// level for the settings' environment, plus the cannot-verify policies.
//
// A policy's violations all share its level (the analyzer protocol has no
// per-violation level), so values a rule cannot verify are not reported by
// the rule itself, whose level may be mandatory, but by the cannot-verify
// policies, which run every enabled rule again and report only those.
//
// Under the engine a rule's level and its config properties (see
// ConfigSchema) can also be set with --policy-pack-config; stack rules get
// no policy config from the engine, so they use the settings alone.
func NewPack(s Settings) (policyx.PolicyPack, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var policies []policyx.Policy
	for _, d := range rules() {
		d := d
		rule, _ := catalog.Lookup(d.name)
		level := enforcement(s.Level(d.name))
		if d.resource != nil {
			policies = append(policies, policyx.NewResourceValidationPolicy(d.name, policyx.ResourceValidationPolicyArgs{
				Description:      rule.Description,
				EnforcementLevel: level,
				ConfigSchema:     d.schema,
				ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
					report(args.Manager, d.run(s.options(args.Config), []policyx.AnalyzerResource{args.Resource}, nil), false)
					return nil
				},
			}))
			continue
		}
		policies = append(policies, policyx.NewStackValidationPolicy(d.name, policyx.StackValidationPolicyArgs{
			Description:      rule.Description,
			EnforcementLevel: level,
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				report(args.Manager, d.run(s.options(nil), args.Resources, nil), false)
				return nil
			},
		}))
	}
	cv, _ := catalog.Lookup(catalog.CannotVerify)
	cvLevel := enforcement(s.Level(catalog.CannotVerify))
	policies = append(policies,
		policyx.NewResourceValidationPolicy(catalog.CannotVerify, policyx.ResourceValidationPolicyArgs{
			Description:      cv.Description,
			EnforcementLevel: cvLevel,
			ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
				for _, d := range rules() {
					if d.resource != nil && s.Level(d.name) != catalog.Disabled {
						report(args.Manager, d.run(s.options(nil), []policyx.AnalyzerResource{args.Resource}, nil), true)
					}
				}
				return nil
			},
		}),
		policyx.NewStackValidationPolicy(CannotVerifyStack, policyx.StackValidationPolicyArgs{
			Description:      cv.Description,
			EnforcementLevel: cvLevel,
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				view := newStackView(args.Resources)
				for _, d := range rules() {
					if d.stack != nil && s.Level(d.name) != catalog.Disabled {
						report(args.Manager, d.run(s.options(nil), args.Resources, view), true)
					}
				}
				return nil
			},
		}),
	)
	return policyx.NewPolicyPack(PackName, semver.MustParse(PackVersion), policyx.EnforcementLevelAdvisory, policies)
}

// report passes the violations (or, with unverifiable, the cannot-verify
// findings) of one run to the engine.
func report(m policyx.PolicyManager, findings []Finding, unverifiable bool) {
	for _, f := range findings {
		if f.Unverifiable == unverifiable {
			m.ReportViolation(f.Message, f.URN)
		}
	}
}

func enforcement(l catalog.Level) policyx.EnforcementLevel {
	switch l {
	case catalog.Mandatory:
		return policyx.EnforcementLevelMandatory
	case catalog.Disabled:
		return policyx.EnforcementLevelDisabled
	default:
		return policyx.EnforcementLevelAdvisory
	}
}
