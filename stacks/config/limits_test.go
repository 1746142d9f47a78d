package config_test

import (
	"fmt"
	"strings"
	"testing"
)

// Ten thousand node groups (which exhausted memory while being registered)
// are refused at config time as one problem about the count, not one per
// group.
func TestThousandsOfNodeGroupsRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 10000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name": "g%d", "kind": "self-managed", "instanceTypes": ["m5.large"], "minSize": 1, "maxSize": 2}`, i)
	}
	b.WriteString("]")
	v := values(t, base)
	v["eksfleet:nodeGroups"] = b.String()
	ps := problems(t, v)
	if len(ps) != 1 || ps[0].Path != "eksfleet:nodeGroups" || !strings.Contains(ps[0].Message, "10000 node groups") || !strings.Contains(ps[0].Message, "500 per region") {
		t.Fatalf("want one problem about the group count, got %d: %v", len(ps), ps[:min(len(ps), 5)])
	}
}

// A resource carries at most 50 user tags; eksfleet adds two of its own.
// (A self-managed group's Auto Scaling group, which also carries its
// autoscaler tags, is refused on its own, at the group's path.)
func TestTooManyTags(t *testing.T) {
	tags := map[string]string{}
	for i := 0; i < 49; i++ {
		tags[fmt.Sprintf("k%d", i)] = "v"
	}
	v := values(t, base)
	v["eksfleet:tags"] = mustJSON(t, tags)
	found := false
	for _, p := range problems(t, v) {
		found = found || p.Path == "eksfleet:tags" && strings.Contains(p.Message, "limit of 50")
	}
	if !found {
		t.Fatalf("want a problem at eksfleet:tags about the limit of 50 tags")
	}
	delete(tags, "k0")
	v["eksfleet:tags"] = mustJSON(t, tags)
	for _, p := range problems(t, v) {
		if p.Path == "eksfleet:tags" {
			t.Errorf("48 tags refused: %v", p)
		}
	}
}

// Lengths count characters as AWS does, not bytes.
func TestTagLengthsInCharacters(t *testing.T) {
	v := values(t, base)
	v["eksfleet:tags"] = mustJSON(t, map[string]string{"team": strings.Repeat("é", 200)})
	for _, p := range problems(t, v) {
		if strings.HasPrefix(p.Path, "eksfleet:tags") {
			t.Errorf("a 200-character value (400 bytes) refused: %v", p)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	s, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
