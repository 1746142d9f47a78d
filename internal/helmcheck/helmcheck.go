// Package helmcheck finds credentials in Helm values before they reach a
// release: values are stored in the Helm release Secret in plain text, in
// the Pulumi state and in `plan` output, so a credential there leaks three
// times. eksfleet's charts get AWS access through IRSA only.
//
// Tests of every component that installs a chart run their recorded values
// through Findings; the logic is pure and shared so they all apply the same
// rules.
package helmcheck

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var (
	// Keys whose non-empty value is a credential in common charts (the
	// autoscaler's awsAccessKeyID/awsSecretAccessKey, NTH's
	// awsSecretAccessKey, webhook tokens, passwords).
	credentialKeyRe = regexp.MustCompile(`(?i)(secret|password|passwd|token|accesskey|access_key|privatekey|private_key|credential|apikey|api_key)`)
	// Keys allowed to match credentialKeyRe because they name a reference
	// to a credential stored elsewhere, not the credential itself.
	referenceKeyRe = regexp.MustCompile(`(?i)(secretname|secretref|existingsecret|secretkeyrefnameoverride|automountserviceaccounttoken)$`)
	// Values that look like credentials whatever their key.
	credentialValueRes = map[string]*regexp.Regexp{
		"AWS access key ID":  regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),
		"private key":        regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
		"bearer token":       regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}`),
		"URL with password":  regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`),
		"Slack webhook path": regexp.MustCompile(`hooks\.slack\.com/services/[A-Za-z0-9/]+`),
	}
)

// Findings returns one message per credential-looking entry in Helm values
// as recorded by the engine: secret-marked values, credential keys with a
// value, and values shaped like keys or tokens. Paths use dots and [i].
func Findings(values resource.PropertyValue) []string {
	var out []string
	walk("values", "", values, &out)
	sort.Strings(out)
	return out
}

func walk(path, key string, v resource.PropertyValue, out *[]string) {
	switch {
	case v.IsSecret():
		*out = append(*out, fmt.Sprintf("%s: is a secret; Helm values are stored in plain text", path))
		return
	case v.IsObject():
		for k, child := range v.ObjectValue() {
			walk(path+"."+string(k), string(k), child, out)
		}
	case v.IsArray():
		for i, child := range v.ArrayValue() {
			walk(fmt.Sprintf("%s[%d]", path, i), key, child, out)
		}
	case v.IsString():
		s := v.StringValue()
		if s != "" && credentialKeyRe.MatchString(key) && !referenceKeyRe.MatchString(key) {
			*out = append(*out, fmt.Sprintf("%s: credential-named key has a value; use IRSA or a Secret reference", path))
		}
		for what, re := range credentialValueRes {
			if re.MatchString(s) {
				*out = append(*out, fmt.Sprintf("%s: looks like a %s", path, what))
			}
		}
	case v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known):
		// Unknown until deployment, so it cannot be shown to be clean.
		*out = append(*out, fmt.Sprintf("%s: unknown until deployment; cannot verify", path))
	case v.IsOutput():
		walk(path, key, v.OutputValue().Element, out)
	}
}
