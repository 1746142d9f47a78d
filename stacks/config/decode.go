package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// valueDecoder is implemented by config types whose YAML form is not a plain
// struct, list or scalar (for example `maxPods: auto | integer`).
type valueDecoder interface {
	decodeConfigValue(v any) error
}

// decoder walks a generic JSON value (what Pulumi hands a program for a
// structured config key) into a typed struct. Unlike encoding/json it keeps
// going after the first problem, so a user sees every typo and type error at
// once, each with its full key path.
type decoder struct {
	errs *Errors
}

// decodeJSON decodes the raw JSON text of one config key into dst.
func (d decoder) decodeJSON(path, raw string, dst any) {
	var v any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		d.errs.add(path, raw, "is not valid YAML/JSON: %v", err)
		return
	}
	d.decode(path, v, reflect.ValueOf(dst).Elem())
}

// stringHints say what a string key holds when YAML read its value as a
// number or boolean, where the validator's message would not be reached.
var stringHints = map[string]string{
	"cluster.version": `: a Kubernetes minor version like "1.33"; quote it in YAML (unquoted, 1.30 is the number 1.3)`,
}

// decode stores v in dst and reports whether it could: on false, a problem
// at path has been recorded and dst keeps its default, which validation then
// leaves alone (one bad value gives one problem).
func (d decoder) decode(path string, v any, dst reflect.Value) bool {
	if v == nil {
		// An empty YAML value (`key:`) means "not set": keep the default.
		return true
	}
	if dst.CanAddr() {
		if vd, ok := dst.Addr().Interface().(valueDecoder); ok {
			if err := vd.decodeConfigValue(v); err != nil {
				d.errs.undecodable(path, v, "%v", err)
				return false
			}
			return true
		}
	}
	switch dst.Kind() {
	case reflect.Pointer:
		elem := reflect.New(dst.Type().Elem())
		if dst.IsNil() {
			if def, ok := elem.Interface().(interface{ setDefaults() }); ok {
				def.setDefaults()
			}
		} else {
			elem.Elem().Set(dst.Elem())
		}
		if !d.decode(path, v, elem.Elem()) {
			return false
		}
		dst.Set(elem)
	case reflect.Struct:
		return d.decodeStruct(path, v, dst)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.errs.undecodable(path, v, "must be a string%s", stringHints[strings.TrimPrefix(path, Namespace+":")])
			return false
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.errs.undecodable(path, v, "must be true or false")
			return false
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := toInt(v)
		if err != nil {
			d.errs.undecodable(path, v, "%v", err)
			return false
		}
		dst.SetInt(n)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			d.errs.undecodable(path, v, "must be a list")
			return false
		}
		out := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, item := range list {
			elem := out.Index(i)
			if def, ok := elem.Addr().Interface().(interface{ setDefaults() }); ok {
				def.setDefaults()
			}
			ip := fmt.Sprintf("%s[%d]", path, i)
			if item == nil {
				// Unlike a key left empty, a null entry is a hole in the
				// list, not a default.
				d.errs.undecodable(ip, null{}, "is an empty list entry; remove it or give a value")
				continue
			}
			d.decode(ip, item, elem)
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			d.errs.undecodable(path, v, "must be a map of key: value")
			return false
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for _, k := range sortedKeys(m) {
			elem := reflect.New(dst.Type().Elem()).Elem()
			d.decode(path+"."+k, m[k], elem)
			out.SetMapIndex(reflect.ValueOf(k), elem)
		}
		dst.Set(out)
	default:
		// Only reachable if a config type gains a field of an unsupported kind:
		// a programming error, reported rather than panicking.
		d.errs.undecodable(path, v, "cannot be read: eksfleet has no decoder for this key (a bug; please report it)")
		return false
	}
	return true
}

func (d decoder) decodeStruct(path string, v any, dst reflect.Value) bool {
	m, ok := v.(map[string]any)
	if !ok {
		d.errs.undecodable(path, v, "must be a map with keys %s", strings.Join(fieldNames(dst.Type()), ", "))
		return false
	}
	fields := map[string]int{}
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			fields[name] = i
		}
	}
	for _, k := range sortedKeys(m) {
		i, known := fields[k]
		if !known {
			d.errs.add(path+"."+k, m[k], "unknown key%s; valid keys under %s are: %s",
				suggest(k, fieldNames(t)), path, strings.Join(fieldNames(t), ", "))
			continue
		}
		d.decode(path+"."+k, m[k], dst.Field(i))
	}
	return true
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "" || tag == "-" {
		return ""
	}
	return strings.Split(tag, ",")[0]
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toInt accepts JSON numbers and integral floats; YAML integers arrive as
// json.Number after Pulumi turns structured config into JSON.
func toInt(v any) (int64, error) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return inIntRange(float64(i), i)
		}
		var err error
		if f, err = n.Float64(); err != nil && !math.IsInf(f, 0) {
			return 0, errors.New("must be a whole number")
		}
	case float64:
		f = n
	case int:
		return inIntRange(float64(n), int64(n))
	case int64:
		return inIntRange(float64(n), n)
	default:
		return 0, errors.New("must be a whole number")
	}
	if !math.IsInf(f, 0) && f != math.Trunc(f) {
		return 0, errors.New("must be a whole number")
	}
	return inIntRange(f, int64(f))
}

// inIntRange refuses whole numbers no size, count or percentage can hold.
func inIntRange(f float64, i int64) (int64, error) {
	if f > math.MaxInt32 || f < math.MinInt32 {
		return 0, fmt.Errorf("is out of range: use a number between %d and %d", math.MinInt32, math.MaxInt32)
	}
	return i, nil
}

// suggest names the closest valid key for a typo, e.g. "minSzie" → "minSize".
func suggest(key string, valid []string) string {
	best, bestDist := "", 3
	for _, v := range valid {
		if d := editDistance(strings.ToLower(key), strings.ToLower(v)); d < bestDist {
			best, bestDist = v, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
