package guardrails

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func init() {
	define(ruleDef{name: "iam-resource-scoped", resource: checkIAMScoped})
}

// Identity policy resources and the property holding their document.
var policyDocTypes = map[string]string{
	"aws:iam/policy:Policy":           "policy",
	"aws:iam/rolePolicy:RolePolicy":   "policy",
	"aws:iam/userPolicy:UserPolicy":   "policy",
	"aws:iam/groupPolicy:GroupPolicy": "policy",
}

// policyText is one IAM policy document of a resource.
type policyText struct {
	where string
	text  string
	st    state
}

// policyTexts returns a resource's identity policy documents: the policy
// of a (role/user/group) policy resource, or a role's inline policies.
func policyTexts(r *policyx.AnalyzerResource) []policyText {
	p := props(r.Properties)
	var out []policyText
	if key, ok := policyDocTypes[r.Type]; ok {
		out = append(out, docText(p, key, describe(r)+" "+key))
	}
	if r.Type == "aws:iam/role:Role" {
		inline, st := list(p, "inlinePolicies")
		if st == unknown {
			out = append(out, policyText{where: describe(r) + " inlinePolicies", st: unknown})
		}
		for i, ip := range inline {
			name, _ := str(ip, "name")
			out = append(out, docText(ip, "policy", fmt.Sprintf("%s inlinePolicies[%d] (%s)", describe(r), i, name)))
		}
	}
	return out
}

// docText reads a policy document given as JSON text or, as the Go and
// YAML SDKs allow, as an object.
func docText(v property.Value, key, where string) policyText {
	doc, st := dig(v, key)
	if st != known {
		return policyText{where: where, st: st}
	}
	if doc.HasComputed() {
		return policyText{where: where, st: unknown}
	}
	if doc.IsString() {
		return policyText{where: where, text: doc.AsString(), st: known}
	}
	b, err := json.Marshal(plain(doc))
	if err != nil {
		return policyText{where: where, st: absent}
	}
	return policyText{where: where, text: string(b), st: known}
}

// plain converts a known property value to plain Go values.
func plain(v property.Value) any {
	switch {
	case v.IsString():
		return v.AsString()
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsArray():
		var out []any
		for _, e := range v.AsArray().All {
			out = append(out, plain(e))
		}
		return out
	case v.IsMap():
		out := map[string]any{}
		for k, e := range v.AsMap().All {
			out[k] = plain(e)
		}
		return out
	}
	return nil
}

// statement is one IAM statement, lists normalised.
type statement struct {
	sid                                     string
	effect                                  string
	actions, notActions, resources, notRess []string
	conditionKeys                           []string
}

func parsePolicy(text string) ([]statement, error) {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("not a JSON policy document: %w", err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(doc.Statement, &raw); err != nil {
		var one map[string]any
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return nil, errors.New("the Statement is neither an object nor a list of objects")
		}
		raw = []map[string]any{one}
	}
	out := make([]statement, len(raw))
	for i, s := range raw {
		st := statement{
			actions:    anyStrings(s["Action"]),
			notActions: anyStrings(s["NotAction"]),
			resources:  anyStrings(s["Resource"]),
			notRess:    anyStrings(s["NotResource"]),
		}
		st.sid, _ = s["Sid"].(string)
		st.effect, _ = s["Effect"].(string)
		if cond, ok := s["Condition"].(map[string]any); ok {
			for _, op := range sortedKeys(cond) {
				if keys, ok := cond[op].(map[string]any); ok {
					st.conditionKeys = append(st.conditionKeys, sortedKeys(keys)...)
				}
			}
		}
		out[i] = st
	}
	return out, nil
}

func anyStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// readVerbs start the names of IAM actions at the List, Read or (for
// Describe*) metadata access levels: they change nothing.
var readVerbs = []string{"Describe", "Get", "List", "Head", "Search", "Lookup", "BatchGet", "Query", "Scan", "Select", "View", "ReceiveMessage"}

// isWrite reports whether an action (possibly a wildcard) can change
// something: every action a wildcard may match counts.
func isWrite(action string) bool {
	if action == "*" {
		return true
	}
	_, verb, ok := strings.Cut(action, ":")
	if !ok {
		return true
	}
	literal, _, _ := strings.Cut(verb, "*")
	for _, r := range readVerbs {
		if strings.HasPrefix(literal, r) {
			return false
		}
	}
	return true
}

// unscopedResource reports a resource that names no particular resource:
// "*", or an ARN whose resource part is "*".
func unscopedResource(res string) bool {
	if res == "*" {
		return true
	}
	parts := strings.SplitN(res, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[5] == "*"
}

// nonScopingConditions narrow who calls, from where or when, not which
// resources a statement reaches, so they do not make "*" acceptable.
var nonScopingConditions = []string{
	"aws:securetransport", "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:currenttime",
	"aws:epochtime", "aws:useragent", "aws:requestedregion", "aws:viaawsservice", "aws:calledvia",
	"aws:calledviafirst", "aws:calledvialast", "aws:tokenissuetime", "aws:sourceip", "aws:sourcevpc",
	"aws:sourcevpce", "aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:principaltype",
	"aws:userid", "aws:username",
}

func scopingCondition(keys []string) bool {
	for _, k := range keys {
		k = strings.ToLower(k)
		if strings.HasPrefix(k, "aws:principaltag/") {
			continue
		}
		nonScoping := false
		for _, n := range nonScopingConditions {
			if k == n {
				nonScoping = true
				break
			}
		}
		if !nonScoping {
			return true
		}
	}
	return false
}

func checkIAMScoped(c *checker, r *policyx.AnalyzerResource) {
	for _, doc := range policyTexts(r) {
		switch doc.st {
		case unknown:
			c.unknownValue(r.URN, doc.where)
			continue
		case absent:
			continue
		}
		stmts, err := parsePolicy(doc.text)
		if err != nil {
			c.cannotVerify(r.URN, "%s: %v", doc.where, err)
			continue
		}
		for i, s := range stmts {
			if s.effect != "Allow" {
				continue
			}
			name := fmt.Sprintf("Statement[%d]", i)
			if s.sid != "" {
				name += " (" + s.sid + ")"
			}
			var unscoped bool
			var on string
			switch {
			case len(s.notRess) > 0:
				unscoped, on = true, "every resource except "+strings.Join(s.notRess, ", ")+" (NotResource)"
			default:
				for _, res := range s.resources {
					if unscopedResource(res) {
						unscoped, on = true, fmt.Sprintf("%q", res)
					}
				}
			}
			if !unscoped || scopingCondition(s.conditionKeys) {
				continue
			}
			var writes []string
			for _, a := range s.actions {
				if isWrite(a) {
					writes = append(writes, a)
				}
			}
			if len(s.notActions) > 0 {
				writes = append(writes, "every action except "+strings.Join(s.notActions, ", ")+" (NotAction)")
			}
			if len(writes) > 0 {
				c.fail(r.URN, "%s %s allows write actions %s on %s without a resource-scoping condition; name the resources (ARNs) or add a condition such as aws:ResourceTag/<key>",
					doc.where, name, strings.Join(writes, ", "), on)
			}
		}
	}
}
