package config

import (
	"encoding/json"
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

func (d decoder) decode(path string, v any, dst reflect.Value) {
	if v == nil {
		// An empty YAML value (`key:`) means "not set": keep the default.
		return
	}
	if dst.CanAddr() {
		if vd, ok := dst.Addr().Interface().(valueDecoder); ok {
			if err := vd.decodeConfigValue(v); err != nil {
				d.errs.add(path, v, "%v", err)
			}
			return
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
		d.decode(path, v, elem.Elem())
		dst.Set(elem)
	case reflect.Struct:
		d.decodeStruct(path, v, dst)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.errs.add(path, v, "must be a string")
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.errs.add(path, v, "must be true or false")
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := toInt(v)
		if err != nil {
			d.errs.add(path, v, "%v", err)
			return
		}
		dst.SetInt(n)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			d.errs.add(path, v, "must be a list")
			return
		}
		out := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, item := range list {
			elem := out.Index(i)
			if def, ok := elem.Addr().Interface().(interface{ setDefaults() }); ok {
				def.setDefaults()
			}
			d.decode(fmt.Sprintf("%s[%d]", path, i), item, elem)
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			d.errs.add(path, v, "must be a map of key: value")
			return
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
		d.errs.add(path, v, "cannot be decoded into Go kind %s", dst.Kind())
	}
}

func (d decoder) decodeStruct(path string, v any, dst reflect.Value) {
	m, ok := v.(map[string]any)
	if !ok {
		d.errs.add(path, v, "must be a map with keys %s", strings.Join(fieldNames(dst.Type()), ", "))
		return
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
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
			return 0, fmt.Errorf("must be a whole number")
		}
		return int64(f), nil
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
			return 0, fmt.Errorf("must be a whole number")
		}
		return int64(n), nil
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	default:
		return 0, fmt.Errorf("must be a whole number")
	}
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
