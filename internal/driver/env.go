package driver

import (
	"net/url"
	"sort"
	"strings"
)

// envMap is a process environment by variable name.
type envMap map[string]string

func newEnvMap(env []string) envMap {
	m := envMap{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			// The last value wins, as for exec.Cmd.Env.
			m[k] = v
		}
	}
	return m
}

func (m envMap) get(k string) string { return m[k] }

func (m envMap) has(k string) bool {
	_, ok := m[k]
	return ok
}

// list returns the environment as sorted "KEY=value" entries.
func (m envMap) list() []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// isServiceBackend reports a Pulumi Cloud (or self-hosted Pulumi service)
// backend, which has its own default secrets provider. Every other backend
// (file, s3, gs, azblob, postgres) defaults to the passphrase provider.
func isServiceBackend(backend string) bool {
	return strings.HasPrefix(backend, "https://") || strings.HasPrefix(backend, "http://")
}

// redactURL masks credentials in a backend URL for logs and summaries.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.UserPassword("****", "****")
	return strings.ReplaceAll(u.String(), "%2A", "*")
}
