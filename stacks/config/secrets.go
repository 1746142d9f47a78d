package config

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// Redacted stands in for a secret config value in problems: the key is
// still named, the value never shown.
const Redacted = "[secret]"

// minRedacted is the shortest secret text scrubbed from problem messages:
// shorter leaves ("80", "on") would mangle every message that happens to
// hold the same characters, and reveal next to nothing.
const minRedacted = 3

// ParseSecrets is Parse for a config some of whose keys are secret
// (`pulumi config set --secret`, nested ones with --path included: Pulumi
// then marks the whole top-level key secret). secretKeys are full keys
// ("eksfleet:proxy"). A problem at or under a secret key shows its value as
// [secret], and no problem's value or message holds a secret's text; the
// returned Config records the keys (IsSecret) so what is built from them
// is registered as Pulumi secrets.
func ParseSecrets(project, stack string, values map[string]string, secretKeys []string) (*Config, error) {
	cfg, err := parse(project, stack, values)
	if err == nil {
		cfg.Secrets = secretFullKeys(values, secretKeys)
		cfg.secretTexts = collectTexts(values, cfg.Secrets)
		return cfg, nil
	}
	return nil, Redact(err, values, secretKeys)
}

// Redact hides this config's secret values in err, as ParseSecrets does,
// for the problems found after parsing (subnet lookups and the like).
func (c *Config) Redact(err error) error {
	errs, ok := err.(*Errors)
	if !ok || len(c.Secrets) == 0 {
		return err
	}
	return redact(errs, c.Secrets, c.secretTexts)
}

// secretFullKeys returns the secret keys that are set, sorted.
func secretFullKeys(values map[string]string, secretKeys []string) []string {
	var out []string
	for _, k := range secretKeys {
		if _, set := values[k]; set {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// IsSecret reports whether a top-level key of the eksfleet namespace
// ("proxy") was given as a secret.
func (c *Config) IsSecret(key string) bool {
	full := Namespace + ":" + key
	for _, k := range c.Secrets {
		if k == full {
			return true
		}
	}
	return false
}

// Redact returns err with the secret config values hidden, for an *Errors
// (other errors are returned unchanged): a problem at or under a secret key
// has the value [secret], and every secret text (the raw value and each
// string in it, and a URL's password) is replaced by [secret] in every
// problem's value and message, whatever key the problem is at.
func Redact(err error, values map[string]string, secretKeys []string) error {
	errs, ok := err.(*Errors)
	if !ok || len(secretKeys) == 0 {
		return err
	}
	paths := secretFullKeys(values, secretKeys)
	return redact(errs, paths, collectTexts(values, paths))
}

// collectTexts gathers the secret texts of the keys, longest first, so a
// URL is replaced before the password inside it.
func collectTexts(values map[string]string, keys []string) []string {
	var texts []string
	for _, k := range keys {
		texts = append(texts, secretTexts(values[k])...)
	}
	sort.Slice(texts, func(i, j int) bool { return len(texts[i]) > len(texts[j]) })
	return texts
}

// redact hides the values of problems at or under paths and every text in
// every problem.
func redact(errs *Errors, paths, texts []string) *Errors {
	out := &Errors{Problems: make([]Problem, len(errs.Problems)), undecoded: errs.undecoded}
	for i, p := range errs.Problems {
		for _, k := range paths {
			if (p.Path == k || strings.HasPrefix(p.Path, k+".") || strings.HasPrefix(p.Path, k+"[")) && p.Value != "" {
				p.Value = Redacted
			}
		}
		p.Value = scrub(p.Value, texts)
		p.Message = scrub(p.Message, texts)
		out.Problems[i] = p
	}
	return out
}

// secretTexts lists the text of a secret value worth scrubbing: the raw
// string, every string and number in it when it is JSON, as JSON would
// quote it too, and the password of any URL among them.
func secretTexts(raw string) []string {
	var texts []string
	add := func(s string) {
		if len(s) >= minRedacted {
			texts = append(texts, s)
			if q, err := json.Marshal(s); err == nil {
				// Quoted inside a rendered value, " and \ are escaped.
				texts = append(texts, strings.Trim(string(q), `"`))
			}
		}
		if u, err := url.Parse(s); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && len(pw) >= minRedacted {
				texts = append(texts, pw)
			}
		}
	}
	add(raw)
	var v any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		var walk func(any)
		walk = func(v any) {
			switch t := v.(type) {
			case string:
				add(t)
			case json.Number:
				add(t.String())
			case []any:
				for _, e := range t {
					walk(e)
				}
			case map[string]any:
				for _, e := range t {
					walk(e)
				}
			}
		}
		walk(v)
	}
	return texts
}

func scrub(s string, texts []string) string {
	for _, t := range texts {
		s = strings.ReplaceAll(s, t, Redacted)
	}
	return s
}
