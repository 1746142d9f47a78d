package awsfacts

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Failure is one input the real provider refuses, as a Pulumi
// CheckFailure: the property path and the reason.
type Failure struct {
	Property, Reason string
}

func (f Failure) String() string { return f.Property + ": " + f.Reason }

// found is one value at a path: unknown when a computed value hides it.
type found struct {
	v       resource.PropertyValue
	unknown bool
}

// unwrap looks through secrets and outputs; ok is false for unknowns.
func unwrap(v resource.PropertyValue) (resource.PropertyValue, bool) {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			if !v.OutputValue().Known {
				return v, false
			}
			v = v.OutputValue().Element
		case v.IsComputed():
			return v, false
		default:
			return v, true
		}
	}
}

// segments splits "a[].b.c" into ["a", "[]", "b", "c"].
func segments(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		if name, ok := strings.CutSuffix(part, "[]"); ok {
			out = append(out, name, "[]")
			continue
		}
		out = append(out, part)
	}
	return out
}

// values returns every non-null value at path ("[]" stands for each list
// element). A computed value on the way is returned as one unknown value.
func values(m resource.PropertyMap, path string) []found {
	cur := []found{{v: resource.NewObjectProperty(m)}}
	for _, seg := range segments(path) {
		var next []found
		for _, f := range cur {
			if f.unknown {
				next = append(next, f)
				continue
			}
			v, known := unwrap(f.v)
			if !known {
				next = append(next, found{v: v, unknown: true})
				continue
			}
			if seg == "[]" {
				if v.IsArray() {
					for _, e := range v.ArrayValue() {
						next = append(next, found{v: e})
					}
				}
				continue
			}
			if !v.IsObject() {
				continue
			}
			e, ok := v.ObjectValue()[resource.PropertyKey(seg)]
			if !ok || e.IsNull() {
				continue
			}
			next = append(next, found{v: e})
		}
		cur = next
	}
	out := cur[:0]
	for _, f := range cur {
		if !f.unknown {
			if v, known := unwrap(f.v); !known {
				f = found{v: v, unknown: true}
			} else if v.IsNull() {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// present reports whether path has a value (unknown counts).
func present(m resource.PropertyMap, path string) bool { return len(values(m, path)) > 0 }

// knownPresent reports whether path has a known value.
func knownPresent(m resource.PropertyMap, path string) bool {
	for _, f := range values(m, path) {
		if !f.unknown {
			return true
		}
	}
	return false
}

// parentOf splits "a[].b" into ("a[]", "b") and "a" into ("", "a").
func parentOf(path string) (parent, field string) {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// Missing returns the required input paths of the type that are absent: a
// top-level one when it is absent or null, a nested one when its parent is
// present but it is not (for lists, in any element). Unknown values count
// as present. Autonamed properties are never listed (facts.json leaves them
// out of "required").
func Missing(token string, inputs resource.PropertyMap) []string {
	t, ok := table[token]
	if !ok {
		return nil
	}
	var out []string
	for _, path := range t.Required {
		parent, field := parentOf(path)
		parents := []found{{v: resource.NewObjectProperty(inputs)}}
		if parent != "" {
			parents = values(inputs, parent)
		}
		for _, p := range parents {
			if p.unknown {
				continue
			}
			v, _ := unwrap(p.v)
			if !v.IsObject() {
				continue
			}
			if !present(v.ObjectValue(), field) {
				out = append(out, path)
				break
			}
		}
	}
	return out
}

// Conflicts returns the pairs of the type's ConflictsWith rules that are
// both set to known values (Terraform skips unknown values, which may yet
// turn out null).
func Conflicts(token string, inputs resource.PropertyMap) [][2]string {
	t, ok := table[token]
	if !ok {
		return nil
	}
	var out [][2]string
	for _, c := range t.Conflicts {
		if knownPresent(inputs, c[0]) && knownPresent(inputs, c[1]) {
			out = append(out, c)
		}
	}
	return out
}

// commonParent returns the parent path shared by all paths ("" when
// top-level or when they differ).
func commonParent(paths []string) string {
	parent, _ := parentOf(paths[0])
	for _, p := range paths[1:] {
		if q, _ := parentOf(p); q != parent {
			return ""
		}
	}
	return parent
}

// Check returns every failure the real provider's Check reports for the
// inputs of a resource of the type: missing required inputs, conflicting
// inputs, exactlyOneOf/atLeastOneOf/requiredWith groups, list sizes, and
// invalid names or name prefixes. Messages follow Terraform's
// (helper/schema validation), with Pulumi property names. Unknown types
// pass: the caller decides whether it models them.
func Check(token string, inputs resource.PropertyMap) []Failure {
	t, ok := table[token]
	if !ok {
		return nil
	}
	var fs []Failure
	for _, path := range Missing(token, inputs) {
		fs = append(fs, Failure{path, fmt.Sprintf("Missing required property '%s'", path)})
	}
	for _, c := range Conflicts(token, inputs) {
		fs = append(fs, Failure{c[0], fmt.Sprintf("%q: conflicts with %s", c[0], c[1])})
	}
	groupApplies := func(g []string) bool {
		parent := commonParent(g)
		return parent == "" || present(inputs, parent)
	}
	for _, g := range t.ExactlyOneOf {
		if !groupApplies(g) {
			continue
		}
		var set []string
		for _, p := range g {
			if present(inputs, p) {
				set = append(set, p)
			}
		}
		switch {
		case len(set) == 0:
			fs = append(fs, Failure{g[0], fmt.Sprintf("%q: one of `%s` must be specified", g[0], strings.Join(g, ","))})
		case len(set) > 1:
			fs = append(fs, Failure{set[0], fmt.Sprintf("%q: only one of `%s` can be specified, but `%s` were specified.", set[0], strings.Join(g, ","), strings.Join(set, ","))})
		}
	}
	for _, g := range t.AtLeastOneOf {
		if !groupApplies(g) {
			continue
		}
		any := false
		for _, p := range g {
			any = any || present(inputs, p)
		}
		if !any {
			fs = append(fs, Failure{g[0], fmt.Sprintf("%q: one of `%s` must be specified", g[0], strings.Join(g, ","))})
		}
	}
	for _, rw := range t.RequiredWith {
		if present(inputs, rw[0]) && !present(inputs, rw[1]) {
			fs = append(fs, Failure{rw[0], fmt.Sprintf("%q: all of `%s` must be specified", rw[0], rw[0]+","+rw[1])})
		}
	}
	sizes := func(bounds map[string]int, tooMany bool) {
		paths := make([]string, 0, len(bounds))
		for p := range bounds {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			for _, f := range values(inputs, p) {
				v, known := unwrap(f.v)
				if !known || !v.IsArray() {
					continue
				}
				n := len(v.ArrayValue())
				if tooMany && n > bounds[p] {
					fs = append(fs, Failure{p, fmt.Sprintf("%s: attribute supports %d item maximum, but config has %d declared", p, bounds[p], n)})
				}
				if !tooMany && n < bounds[p] {
					fs = append(fs, Failure{p, fmt.Sprintf("%s: attribute supports %d item minimum, but config has %d declared", p, bounds[p], n)})
				}
			}
		}
	}
	sizes(t.MaxItems, true)
	sizes(t.MinItems, false)
	if t.NameValidation != nil {
		fifo := isTrue(inputs, "fifoQueue")
		for _, prop := range []string{t.NameValidation.Property, t.PrefixProperty()} {
			if prop == "" {
				continue
			}
			for _, f := range values(inputs, prop) {
				v, known := unwrap(f.v)
				if !known || !v.IsString() {
					continue
				}
				if err := CheckName(token, prop, v.StringValue(), fifo); err != nil {
					fs = append(fs, Failure{prop, err.Error()})
				}
			}
		}
	}
	return fs
}

func isTrue(m resource.PropertyMap, path string) bool {
	for _, f := range values(m, path) {
		if v, known := unwrap(f.v); known && v.IsBool() && v.BoolValue() {
			return true
		}
	}
	return false
}

// NeedsAutoName reports whether the bridge would autoname the inputs: the
// type is autonamed, the property is absent, and no ConflictsWith peer of
// it is set (pulumi-terraform-bridge schema.go applyDefaults does not apply
// a default, hence an autoname, when a conflicting peer is set: giving
// namePrefix means no autoname for name).
func NeedsAutoName(token string, inputs resource.PropertyMap) bool {
	t, ok := table[token]
	if !ok || t.AutoName == nil || present(inputs, t.AutoName.Property) {
		return false
	}
	for _, c := range t.Conflicts {
		if c[0] == t.AutoName.Property && present(inputs, c[1]) || c[1] == t.AutoName.Property && present(inputs, c[0]) {
			return false
		}
	}
	return true
}

// AutoNameInputs is MakeAutoName for a set of inputs (FIFO queues are
// told apart by fifoQueue).
func AutoNameInputs(token string, inputs resource.PropertyMap, urnName, suffix string) (string, error) {
	name, _, err := MakeAutoName(token, urnName, suffix, isTrue(inputs, "fifoQueue"))
	return name, err
}

// Replaces returns the top-level input keys whose change between olds and
// news replaces a resource of the type: a forceNew path whose values
// differ (unknown new values count as changes), except an
// Optional+Computed one the new inputs leave unset (the prior value is
// kept), and the CustomizeDiff conditions of forceNewConditional.
func Replaces(token string, olds, news resource.PropertyMap) []string {
	t, ok := table[token]
	if !ok {
		return nil
	}
	keys := map[string]bool{}
	top := func(path string) string { return segments(path)[0] }
	optComputed := map[string]bool{}
	for _, p := range t.ForceNewOptionalComputed {
		optComputed[p] = true
	}
	conditional := map[string]bool{}
	for _, c := range t.ForceNewConditional {
		conditional[c.Path] = true
		if replacedIf(token, c.Path, olds, news) {
			keys[top(c.Path)] = true
		}
	}
	for _, path := range t.ForceNew {
		if conditional[path] {
			continue
		}
		nv := values(news, path)
		if optComputed[path] && len(nv) == 0 {
			continue
		}
		if changed(values(olds, path), nv) {
			keys[top(path)] = true
		}
	}
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func changed(a, b []found) bool {
	if len(a) != len(b) {
		return true
	}
	for i := range a {
		if b[i].unknown || a[i].unknown {
			return true
		}
		av, _ := unwrap(a[i].v)
		bv, _ := unwrap(b[i].v)
		if !av.DeepEquals(bv) {
			return true
		}
	}
	return false
}

func str(m resource.PropertyMap, path string) (string, bool) {
	for _, f := range values(m, path) {
		if v, known := unwrap(f.v); known && v.IsString() {
			return v.StringValue(), true
		}
	}
	return "", false
}

// replacedIf implements the CustomizeDiff replacements the table lists
// under forceNewConditional (its "when" and "source" texts are the
// specification; TestConditionalsImplemented keeps the two in step).
func replacedIf(token, path string, olds, news resource.PropertyMap) bool {
	switch token + " " + path {
	case "aws:eks/cluster:Cluster encryptionConfig":
		// customdiff.ForceNewIfChange("encryption_config", ...): removing an
		// existing block replaces; adding one is in place.
		return present(olds, path) && !present(news, path)
	case "aws:eks/cluster:Cluster computeConfig.nodeRoleArn":
		// rd.ForceNew("compute_config.0.node_role_arn") when a non-empty
		// value changes to a different one.
		o, ook := str(olds, path)
		nv := values(news, path)
		if !ook || o == "" || len(nv) == 0 {
			return false
		}
		n, nok := str(news, path)
		return !nok || n != o
	case "aws:ec2/vpc:Vpc instanceTenancy":
		// resourceVPCCustomizeDiff: any change except dedicated -> default.
		o, _ := str(olds, path)
		nv := values(news, path)
		if len(nv) == 0 {
			return false
		}
		n, nok := str(news, path)
		if nok && n == o {
			return false
		}
		return !(o == "dedicated" && n == "default")
	case "aws:ec2/vpc:Vpc cidrBlock":
		// ForceNew, except that an IPAM-allocated CIDR (ipv4NetmaskLength
		// set) has its diff cleared.
		if present(news, "ipv4NetmaskLength") {
			return false
		}
		return changed(values(olds, path), values(news, path))
	}
	return false
}

// implementedConditionals lists the token+path pairs replacedIf handles.
var implementedConditionals = []string{
	"aws:eks/cluster:Cluster encryptionConfig",
	"aws:eks/cluster:Cluster computeConfig.nodeRoleArn",
	"aws:ec2/vpc:Vpc instanceTenancy",
	"aws:ec2/vpc:Vpc cidrBlock",
}
