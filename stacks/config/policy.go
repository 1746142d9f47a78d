package config

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/eksfleet/eksfleet/policy/catalog"
)

// Policy is `eksfleet:policy`: how the guardrails (policy/catalog) treat
// this stack. Absent, every rule runs at its default level for the stack's
// environment with no instance type allow-list and no required tags.
//
//	eksfleet:policy:
//	  enforcement:                 # rule name → mandatory | advisory | disabled
//	    imds-hop-limit: mandatory
//	  allowedInstanceTypes: [m6i.*, m6a.*, m7g.*]   # exact or glob; empty = any
//	  requiredTags: [team, cost-center]
//
// The same document reaches the policy pack under the Pulumi engine, which
// reads it from the stack config.
type Policy struct {
	// Enforcement overrides rules' levels.
	Enforcement map[string]string `json:"enforcement"`
	// AllowedInstanceTypes lists instance types or path.Match globs.
	AllowedInstanceTypes []string `json:"allowedInstanceTypes"`
	// RequiredTags are tag keys every taggable AWS resource must carry.
	RequiredTags []string `json:"requiredTags"`
}

func validatePolicy(errs *Errors, p Policy) {
	pp := key("policy")
	for _, rule := range sortedStringKeys(p.Enforcement) {
		level := p.Enforcement[rule]
		kp := pp + ".enforcement." + rule
		if _, ok := catalog.Lookup(rule); !ok {
			errs.add(kp, level, "is not a guardrail%s; rules are: %s", suggest(rule, catalog.Names()), strings.Join(catalog.Names(), ", "))
			continue
		}
		if _, err := catalog.ParseLevel(level); err != nil {
			errs.add(kp, level, "must be mandatory, advisory or disabled")
		}
	}
	seen := map[string]bool{}
	for i, pattern := range p.AllowedInstanceTypes {
		ip := fmt.Sprintf("%s.allowedInstanceTypes[%d]", pp, i)
		switch {
		case pattern == "":
			errs.add(ip, pattern, "must be an instance type like m6i.large or a glob like m6i.*")
		case seen[pattern]:
			errs.add(ip, pattern, "is listed twice")
		default:
			if _, err := path.Match(pattern, "m6i.large"); err != nil {
				errs.add(ip, pattern, "is not a valid glob (path.Match syntax: *, ?, [a-z])")
			}
		}
		seen[pattern] = true
	}
	var tags []string
	for i, t := range p.RequiredTags {
		ip := fmt.Sprintf("%s.requiredTags[%d]", pp, i)
		switch {
		case t == "" || len(t) > 128:
			errs.add(ip, t, "tag keys must be 1-128 characters")
		case strings.HasPrefix(strings.ToLower(t), "aws:"):
			errs.add(ip, t, "uses the reserved aws: prefix, which no resource can carry")
		case slices.Contains(tags, t):
			errs.add(ip, t, "is listed twice")
		}
		tags = append(tags, t)
	}
}
