package guardrails

import (
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/policy/catalog"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Finding is one problem a rule found.
type Finding struct {
	// Rule is the rule's name.
	Rule string
	// URN is the resource at fault.
	URN string
	// Message says what is wrong and how to fix it, ending with the
	// rule's anchor checks.
	Message string
	// Unverifiable marks a value the rule could not check (unknown until
	// deployment, or unreadable); it is reported under catalog.CannotVerify.
	Unverifiable bool
}

// checker collects one rule's findings.
type checker struct {
	rule catalog.Rule
	opt  options
	out  []Finding
}

// fail records a violation.
func (c *checker) fail(urn, format string, args ...any) {
	c.out = append(c.out, Finding{Rule: c.rule.Name, URN: urn, Message: c.withAnchors(fmt.Sprintf(format, args...))})
}

// cannotVerify records a value the rule could not check.
func (c *checker) cannotVerify(urn, format string, args ...any) {
	msg := fmt.Sprintf("%s: cannot verify %s", c.rule.Name, fmt.Sprintf(format, args...))
	c.out = append(c.out, Finding{Rule: c.rule.Name, URN: urn, Message: c.withAnchors(msg), Unverifiable: true})
}

// unknownValue is cannotVerify for a value unknown until deployment.
func (c *checker) unknownValue(urn, what string) {
	c.cannotVerify(urn, "%s: it is unknown until deployment; check it after `pulumi up`", what)
}

func (c *checker) withAnchors(msg string) string {
	if a := c.rule.AnchorText(); a != "" {
		return msg + " " + a
	}
	return msg
}

// ruleDef is the implementation of one catalogue rule: a check of one
// resource, or of the whole stack.
type ruleDef struct {
	name     string
	schema   *policyx.ConfigSchema
	resource func(c *checker, r *policyx.AnalyzerResource)
	stack    func(c *checker, s *stackView)
}

// definitions maps rule names to their implementations; init fills it
// from the rule files.
var definitions = map[string]ruleDef{}

func define(d ruleDef) {
	if _, ok := catalog.Lookup(d.name); !ok {
		panic("guardrails: rule " + d.name + " is not in the catalogue")
	}
	if _, dup := definitions[d.name]; dup {
		panic("guardrails: rule " + d.name + " defined twice")
	}
	definitions[d.name] = d
}

// rules returns the implemented rules in catalogue order.
func rules() []ruleDef {
	var out []ruleDef
	for _, r := range catalog.Rules {
		if d, ok := definitions[r.Name]; ok {
			out = append(out, d)
		}
	}
	return out
}

// run checks one rule against resources: each resource for a resource
// rule, the whole stack once for a stack rule.
func (d ruleDef) run(opt options, resources []policyx.AnalyzerResource, view *stackView) []Finding {
	rule, _ := catalog.Lookup(d.name)
	c := &checker{rule: rule, opt: opt}
	if d.resource != nil {
		for i := range resources {
			d.resource(c, &resources[i])
		}
	}
	if d.stack != nil {
		if view == nil {
			view = newStackView(resources)
		}
		d.stack(c, view)
	}
	return c.out
}

// Violation is a finding with its effective enforcement level, shaped as
// the plan contract's violations.
type Violation struct {
	Policy      string `json:"policy"`
	Enforcement string `json:"enforcement"`
	URN         string `json:"urn"`
	Message     string `json:"message"`
}

// Evaluate runs every rule that is not disabled over a stack's resources,
// in process: what `eksfleet plan` and the tests use. Findings a rule
// cannot verify are reported under catalog.CannotVerify with that
// pseudo-rule's level. The order is deterministic: catalogue order, then
// resource order.
func Evaluate(resources []policyx.AnalyzerResource, s Settings) []Violation {
	view := newStackView(resources)
	unverifiable := s.Level(catalog.CannotVerify)
	var out, cannot []Violation
	for _, d := range rules() {
		level := s.Level(d.name)
		if level == catalog.Disabled {
			continue
		}
		for _, f := range d.run(s.options(nil), resources, view) {
			if f.Unverifiable {
				if unverifiable != catalog.Disabled {
					cannot = append(cannot, Violation{Policy: catalog.CannotVerify, Enforcement: string(unverifiable), URN: f.URN, Message: f.Message})
				}
				continue
			}
			out = append(out, Violation{Policy: f.Rule, Enforcement: string(level), URN: f.URN, Message: f.Message})
		}
	}
	return append(out, cannot...)
}

// HasMandatory reports whether any violation is mandatory.
func HasMandatory(vs []Violation) bool {
	for _, v := range vs {
		if v.Enforcement == string(catalog.Mandatory) {
			return true
		}
	}
	return false
}

// describe renders a resource for messages: `launch template "name"`.
func describe(r *policyx.AnalyzerResource) string {
	return fmt.Sprintf("%s %q", typeName(r.Type), r.Name)
}

// joinAnd renders a list for messages: "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
