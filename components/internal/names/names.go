// Package names keeps the physical names of the AWS resources components
// create within the limits of the real provider.
//
// pulumi-aws autonames a resource as <Pulumi name>-<7 random characters>
// and fails when that is longer than the type allows (IAM roles and
// EventBridge rules: 64; EKS node groups: 63 through Terraform's
// validator); see internal/awsfacts, generated from the upstream facts.
// Pulumi names here grow with the cluster and group names config accepts
// (up to 100 and 63 characters), so a component asks this package for the
// name input to set: nothing when the autoname fits, so that stacks with
// short names keep identical inputs; otherwise a name prefix (the provider
// still adds a unique suffix, so replacements do not collide) or, for
// types without one, an explicit name, shortened to a readable start and a
// stable hash of the whole.
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/eksfleet/eksfleet/internal/awsfacts"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// hashLen is how many hex digits of sha256 tell shortened names apart.
const hashLen = 8

// Fit returns base when it has at most max characters. Otherwise it returns
// a max-character name: the start of base, "-", and 8 hex digits of the
// sha256 of base, so distinct bases stay distinct and the same base always
// gives the same name. max must leave room for the hash (at least 10).
func Fit(base string, max int) string {
	if len(base) <= max {
		return base
	}
	if max < hashLen+2 {
		panic(fmt.Sprintf("names.Fit: max %d leaves no room for a readable start and a %d-digit hash", max, hashLen))
	}
	sum := sha256.Sum256([]byte(base))
	start := strings.TrimRight(base[:max-hashLen-1], "-_.")
	return start + "-" + hex.EncodeToString(sum[:])[:hashLen]
}

// Prefix returns the name prefix to set on a resource of type token whose
// Pulumi name is urnName, or "" when the provider's autoname fits and no
// prefix is needed. The prefix ends in "-" and leaves room for the 26
// characters Terraform appends. It panics for a type with no prefix input
// (use Name).
func Prefix(token, urnName string) string {
	if awsfacts.AutoNameFits(token, urnName) {
		return ""
	}
	t := mustFacts(token)
	limit := t.PrefixLimit()
	if limit == 0 {
		panic("names.Prefix: " + token + " has no name prefix input")
	}
	return Fit(urnName, limit-1) + "-"
}

// Name returns the explicit name to set on a resource of type token whose
// Pulumi name is urnName, or "" when the provider's autoname fits. Use it
// for types without a prefix input (e.g. an EventBridge target's
// targetId): the name then has no random part, so two resources must not
// share a Pulumi name.
func Name(token, urnName string) string {
	if awsfacts.AutoNameFits(token, urnName) {
		return ""
	}
	t := mustFacts(token)
	max := t.NameMaxLength()
	if max == 0 {
		panic("names.Name: " + token + " has no name length limit")
	}
	return Fit(urnName, max)
}

// Owns reports whether physical is a name the provider gives a resource of
// type token whose Pulumi name is urnName: the autoname, urnName, the
// separator and the random characters, or, where Prefix applies, the
// prefix and the unique suffix Terraform appends. It finds a component's
// resource among those a list call returns. The exact lengths tell the
// names of two groups apart even when one Pulumi name starts with the
// other (acme-workers-abc1234 is not acme-workers-a-abc1234).
func Owns(token, urnName, physical string) bool {
	t := mustFacts(token)
	if p := Prefix(token, urnName); p != "" {
		return strings.HasPrefix(physical, p) && len(physical) == len(p)+awsfacts.UniqueIDSuffixLength
	}
	start := urnName + t.AutoName.Separator
	return strings.HasPrefix(physical, start) && len(physical) == len(start)+t.AutoName.RandomSuffixLength
}

func mustFacts(token string) *awsfacts.Type {
	t, ok := awsfacts.For(token)
	if !ok || t.AutoName == nil {
		panic("names: " + token + " is not an autonamed type in internal/awsfacts")
	}
	return t
}

// PrefixInput is Prefix as an optional input: nil (the input left unset)
// when the autoname fits.
func PrefixInput(token, urnName string) pulumi.StringPtrInput {
	if p := Prefix(token, urnName); p != "" {
		return pulumi.String(p)
	}
	return nil
}

// NameInput is Name as an optional input: nil when the autoname fits.
func NameInput(token, urnName string) pulumi.StringPtrInput {
	if n := Name(token, urnName); n != "" {
		return pulumi.String(n)
	}
	return nil
}
