package config

import (
	"slices"
	"sort"
	"testing"
)

// The documented key list (used for errors and Keys) and the decode targets
// must name the same keys, or a key would be documented but refused, or
// decoded but never read by the program.
func TestTopLevelKeysMatchDecodeTargets(t *testing.T) {
	want := []string{"environment"}
	for k := range structuredKeys(&Config{}) {
		want = append(want, k)
	}
	got := slices.Clone(topLevelKeys)
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("topLevelKeys %v, decode targets (+environment) %v", got, want)
	}
}
