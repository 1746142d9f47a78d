package names

import (
	"regexp"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/awsfacts"
)

func TestFit(t *testing.T) {
	long := strings.Repeat("a", 30) + "-" + strings.Repeat("b", 40)
	for _, tc := range []struct {
		base string
		max  int
		want string // a regexp
	}{
		{"short", 10, `^short$`},
		{"exactly-10", 10, `^exactly-10$`},
		{long, 40, `^a{30}-[0-9a-f]{8}$`},
		{long, 50, `^a{30}-b{10}-[0-9a-f]{8}$`},
		// A start ending in "-" is trimmed rather than doubled.
		{strings.Repeat("a", 30) + "--" + strings.Repeat("b", 40), 41, `^a{30}-[0-9a-f]{8}$`},
	} {
		got := Fit(tc.base, tc.max)
		if len(got) > tc.max || !regexp.MustCompile(tc.want).MatchString(got) {
			t.Errorf("Fit(%q, %d) = %q (%d characters), want %s", tc.base, tc.max, got, len(got), tc.want)
		}
	}
	if a, b := Fit(long, 40), Fit(long, 40); a != b || a == Fit(long+"x", 40) {
		t.Error("Fit is not stable, or maps distinct names together")
	}
}

func TestPrefixAndName(t *testing.T) {
	const (
		role   = "aws:iam/role:Role"
		ng     = "aws:eks/nodeGroup:NodeGroup"
		rule   = "aws:cloudwatch/eventRule:EventRule"
		target = "aws:cloudwatch/eventTarget:EventTarget"
		queue  = "aws:sqs/queue:Queue"
	)
	for _, tc := range []struct {
		token string
		n     int
		set   bool
	}{
		{role, 56, false}, {role, 57, true}, {role, 169, true},
		{ng, 55, false}, {ng, 56, true}, {ng, 164, true},
		{rule, 56, false}, {rule, 120, true},
		{queue, 72, false}, {queue, 112, true},
	} {
		urn := strings.Repeat("x", tc.n)
		p := Prefix(tc.token, urn)
		if (p != "") != tc.set {
			t.Errorf("Prefix(%s, %d chars) = %q", tc.token, tc.n, p)
			continue
		}
		if p == "" {
			continue
		}
		ty, _ := awsfacts.For(tc.token)
		final := p + strings.Repeat("0", awsfacts.UniqueIDSuffixLength)
		if err := awsfacts.CheckName(tc.token, ty.PrefixProperty(), p, false); err != nil {
			t.Errorf("Prefix(%s, %d chars) = %q: %v", tc.token, tc.n, p, err)
		}
		if err := awsfacts.CheckName(tc.token, ty.NameValidation.Property, final, false); err != nil {
			t.Errorf("Prefix(%s, %d chars): the name made from it is refused: %v", tc.token, tc.n, err)
		}
	}
	if got := Name(target, strings.Repeat("t", 56)); got != "" {
		t.Errorf("Name of a 56-character target = %q", got)
	}
	got := Name(target, strings.Repeat("t", 120))
	if err := awsfacts.CheckName(target, "targetId", got, false); err != nil || got == "" {
		t.Errorf("Name of a 120-character target = %q: %v", got, err)
	}
}

// Owns recognises the autoname and the prefixed name of one Pulumi name,
// and not those of a group whose name merely starts with it.
func TestOwns(t *testing.T) {
	const ng = "aws:eks/nodeGroup:NodeGroup"
	long := "c" + strings.Repeat("x", 59) + "-system" // its autoname would pass 63
	prefix := Prefix(ng, long)
	if prefix == "" {
		t.Fatalf("Prefix(%q) is empty; the test needs a name over the autoname limit", long)
	}
	for _, tc := range []struct {
		urn, physical string
		want          bool
	}{
		{"acme-workers", "acme-workers-0a1b2c3", true},
		{"acme-workers", "acme-workers-a-0a1b2c3", false},
		{"acme-workers-a", "acme-workers-0a1b2c3", false},
		{"acme-workers", "acme-workers-0a1b2c", false},
		{"acme-workers", "acme-workers", false},
		{long, prefix + "20261130012345678900000001", true},
		{long, prefix + "0a1b2c3", false},
	} {
		if got := Owns(ng, tc.urn, tc.physical); got != tc.want {
			t.Errorf("Owns(%q, %q) = %v, want %v", tc.urn, tc.physical, got, tc.want)
		}
	}
}
