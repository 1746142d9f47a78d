// Package inputs reads recorded resource inputs by path, for component tests
// and checks over mockcloud recordings: Of(r).Get("metadataOptions.httpTokens"),
// Get("tags[0].key"), and asserts on them in tests (Only, Expect).
package inputs

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
)

// Map is a resource's inputs as plan JSON renders them: secrets "[secret]",
// unknowns nil.
type Map map[string]any

// Of returns the inputs of a recorded resource.
func Of(r mockcloud.Resource) Map { return plan.Inputs(r.Inputs) }

// Get returns the value at a dotted path with [i] list indexes, and whether
// it exists.
func (m Map) Get(path string) (any, bool) {
	var cur any = map[string]any(m)
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name != "" {
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = obj[name]; !ok {
				return nil, false
			}
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return nil, false
			}
			i, err := strconv.Atoi(idx)
			list, isList := cur.([]any)
			if err != nil || !isList || i < 0 || i >= len(list) {
				return nil, false
			}
			cur = list[i]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return cur, true
}

// String returns the value at path formatted with %v, or "<absent>".
func (m Map) String(path string) string {
	v, ok := m.Get(path)
	if !ok {
		return "<absent>"
	}
	return fmt.Sprintf("%v", v)
}

// List returns the list at path (nil when absent or not a list).
func (m Map) List(path string) []any {
	v, _ := m.Get(path)
	l, _ := v.([]any)
	return l
}

// Only returns the one recorded resource of a type and its inputs, failing
// the test when there is not exactly one.
func Only(t testing.TB, cloud *mockcloud.Cloud, typ string) (mockcloud.Resource, Map) {
	t.Helper()
	rs := cloud.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	return rs[0], Of(rs[0])
}

// Expect reports an error unless the value at path equals want (numbers
// are int64 or float64, as plan JSON renders them).
func (m Map) Expect(t testing.TB, path string, want any) {
	t.Helper()
	got, ok := m.Get(path)
	if !ok {
		t.Errorf("%s is absent, want %v", path, want)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", path, got, want)
	}
}

// ExpectAbsent reports an error when path holds a value.
func (m Map) ExpectAbsent(t testing.TB, path string) {
	t.Helper()
	if v, ok := m.Get(path); ok && v != nil {
		t.Errorf("%s = %#v, want it absent", path, v)
	}
}
