package guardrails

import (
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// state says whether a property is set, and whether its value is known.
// Before deployment many values (IDs, ARNs, anything derived from them)
// are unknown; rules report those as "cannot verify", never as passing.
type state int

const (
	absent  state = iota // not set (or null)
	known                // set, value known
	unknown              // set, value unknown until deployment
)

// dig walks nested maps by key. A computed value on the way makes the
// result unknown.
func dig(v property.Value, keys ...string) (property.Value, state) {
	for _, k := range keys {
		if v.IsComputed() {
			return v, unknown
		}
		if !v.IsMap() {
			return property.Value{}, absent
		}
		next, ok := v.AsMap().GetOk(k)
		if !ok || next.IsNull() {
			return property.Value{}, absent
		}
		v = next
	}
	if v.IsComputed() {
		return v, unknown
	}
	if v.IsNull() {
		return v, absent
	}
	return v, known
}

// props returns a resource's properties as one value to dig in.
func props(m property.Map) property.Value { return property.New(m) }

// str reads a string. Numbers and bools are rendered, because the AWS
// provider types several boolean launch template fields as strings.
func str(v property.Value, keys ...string) (string, state) {
	v, st := dig(v, keys...)
	if st != known {
		return "", st
	}
	switch {
	case v.IsString():
		return v.AsString(), known
	case v.IsBool():
		return strconv.FormatBool(v.AsBool()), known
	case v.IsNumber():
		return strconv.FormatFloat(v.AsNumber(), 'f', -1, 64), known
	case v.IsResourceReference():
		if id, ok := v.AsResourceReference().IDString(); ok {
			return id, known
		}
		return "", unknown
	}
	return "", absent
}

// boolean reads a bool given as a bool or as "true"/"false".
func boolean(v property.Value, keys ...string) (bool, state) {
	s, st := str(v, keys...)
	if st != known {
		return false, st
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, absent
	}
	return b, known
}

// number reads a number given as a number or a numeric string.
func number(v property.Value, keys ...string) (float64, state) {
	s, st := str(v, keys...)
	if st != known {
		return 0, st
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, absent
	}
	return n, known
}

// list reads an array; unknown when the array itself is computed.
func list(v property.Value, keys ...string) ([]property.Value, state) {
	v, st := dig(v, keys...)
	if st != known {
		return nil, st
	}
	if !v.IsArray() {
		return nil, absent
	}
	return v.AsArray().AsSlice(), known
}

// strs reads an array of strings; unknown when it or any element is
// computed.
func strs(v property.Value, keys ...string) ([]string, state) {
	items, st := list(v, keys...)
	if st != known {
		return nil, st
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, est := str(it)
		switch est {
		case unknown:
			return nil, unknown
		case known:
			out = append(out, s)
		}
	}
	return out, known
}

// strMap reads a map of strings (tags, labels); unknown when it or any
// value is computed.
func strMap(v property.Value, keys ...string) (map[string]string, state) {
	v, st := dig(v, keys...)
	if st != known {
		return nil, st
	}
	if !v.IsMap() {
		return nil, absent
	}
	out := map[string]string{}
	for k, e := range v.AsMap().All {
		s, est := str(e)
		switch est {
		case unknown:
			return nil, unknown
		case known:
			out[k] = s
		}
	}
	return out, known
}

// tagList reads an Auto Scaling Group's tags ([{key, value,
// propagateAtLaunch}]) as key → value.
func tagList(v property.Value, keys ...string) (map[string]string, state) {
	items, st := list(v, keys...)
	if st != known {
		return nil, st
	}
	out := map[string]string{}
	for _, it := range items {
		k, kst := str(it, "key")
		val, vst := str(it, "value")
		if kst == unknown || vst == unknown {
			return nil, unknown
		}
		if kst == known {
			out[k] = val
		}
	}
	return out, known
}

// typeName is the short resource kind used in messages: "aws:ec2/launchTemplate:LaunchTemplate" → "launch template".
func typeName(token string) string {
	switch token {
	case launchTemplateType:
		return "launch template"
	case launchConfigurationType:
		return "launch configuration"
	case asgType:
		return "Auto Scaling Group"
	case nodeGroupType:
		return "managed node group"
	case eksClusterType:
		return "EKS cluster"
	case nodeClassType:
		return "EC2NodeClass"
	case nodePoolType:
		return "NodePool"
	}
	if i := strings.LastIndex(token, ":"); i >= 0 {
		return token[i+1:]
	}
	return token
}

// Resource types the rules read, as the pulumi-aws schema spells them.
const (
	launchTemplateType      = "aws:ec2/launchTemplate:LaunchTemplate"
	launchConfigurationType = "aws:ec2/launchConfiguration:LaunchConfiguration"
	instanceType            = "aws:ec2/instance:Instance"
	asgType                 = "aws:autoscaling/group:Group"
	asgTagType              = "aws:autoscaling/tag:Tag"
	scalingPolicyType       = "aws:autoscaling/policy:Policy"
	nodeGroupType           = "aws:eks/nodeGroup:NodeGroup"
	eksClusterType          = "aws:eks/cluster:Cluster"
	helmReleaseType         = "kubernetes:helm.sh/v3:Release"
)

func quoteAll(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
