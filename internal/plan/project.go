package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Project is a Pulumi project directory and one of its stacks' config, read
// the way the Pulumi CLI reads them.
type Project struct {
	// Dir holds Pulumi.yaml.
	Dir string
	// Name is the project name from Pulumi.yaml.
	Name string
	// Stack is the stack name.
	Stack string
	// Config maps full keys ("eksfleet:network") to the string form Pulumi
	// hands a program: scalars as text, maps and lists as JSON.
	Config map[string]string
	// SecretKeys are the keys given as `secure:` values, or holding one at
	// any depth (`pulumi config set --secret --path`). Offline, the
	// ciphertext stands in for each secure value.
	SecretKeys []string
}

// LoadProject reads dir/Pulumi.yaml and dir/Pulumi.<stack>.yaml.
func LoadProject(dir, stack string) (*Project, error) {
	if err := CheckStackName(stack); err != nil {
		return nil, err
	}
	projectFile := filepath.Join(dir, "Pulumi.yaml")
	doc, err := readYAML(projectFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noProject(dir)
	}
	if err != nil {
		return nil, err
	}
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: must be a map with a name: key (the project name)", projectFile)
	}
	var name string
	if n := mapValue(doc, "name"); n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return nil, fmt.Errorf("%s: name: must be a string, the project name", projectFile)
	} else {
		name = n.Value
	}
	if name == "" {
		return nil, fmt.Errorf("%s: no project name", projectFile)
	}
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	st, err := readYAML(stackFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("stack %q has no config file %s; stacks here: %s", stack, stackFile, strings.Join(stacksIn(dir), ", "))
	}
	if err != nil {
		return nil, err
	}
	var config *yaml.Node
	switch {
	case st.Kind == 0:
		// An empty file: no config.
	case st.Kind != yaml.MappingNode:
		return nil, fmt.Errorf("%s: must be a map with a config: key", stackFile)
	default:
		config = mapValue(st, "config")
	}
	if config != nil && config.Tag != "!!null" && config.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: line %d: config: must be a map of key: value, e.g. aws:region: eu-west-1", stackFile, config.Line)
	}
	p := &Project{Dir: dir, Name: name, Stack: stack, Config: map[string]string{}}
	entries := map[string]*yaml.Node{}
	var keys []string
	if config != nil && config.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(config.Content); i += 2 {
			k := config.Content[i].Value
			if _, dup := entries[k]; !dup {
				keys = append(keys, k)
			}
			entries[k] = config.Content[i+1]
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		node := entries[k]
		full := k
		if !strings.Contains(k, ":") {
			full = name + ":" + k
		}
		val, secret, err := configValue(node)
		if err != nil {
			return nil, fmt.Errorf("%s: config key %s: %w", stackFile, full, err)
		}
		p.Config[full] = val
		if secret {
			p.SecretKeys = append(p.SecretKeys, full)
		}
	}
	return p, nil
}

// CheckStackName accepts the names Pulumi accepts for a stack in a project:
// 1-100 letters, digits, '-', '_' and '.', not only dots. A name is never a
// path, so Pulumi.<stack>.yaml stays inside the project directory.
func CheckStackName(stack string) error {
	ok := len(stack) > 0 && len(stack) <= 100 && strings.Trim(stack, ".") != ""
	for _, c := range stack {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("stack name %q: use 1-100 letters, digits, '-', '_' and '.' (a name, not a path)", stack)
	}
	return nil
}

// noProject says where Pulumi.yaml was looked for and, when a directory
// above holds one, to point --dir at it.
func noProject(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	msg := fmt.Sprintf("no Pulumi.yaml in %s (looked for %s)", abs, filepath.Join(abs, "Pulumi.yaml"))
	for up := filepath.Dir(abs); ; up = filepath.Dir(up) {
		if st, err := os.Stat(filepath.Join(up, "Pulumi.yaml")); err == nil && st.Mode().IsRegular() {
			return fmt.Errorf("%s; the project is in %s: run from there or pass --dir %s", msg, up, up)
		}
		if up == filepath.Dir(up) {
			break
		}
	}
	return fmt.Errorf("%s; run from the project directory or pass --dir DIR", msg)
}

// readYAML reads one YAML document from a regular file. Anything else (a
// FIFO, a device, a directory) is refused before it is opened: reading a
// FIFO would wait for a writer forever.
func readYAML(path string) (*yaml.Node, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); give a YAML file", path, fileKind(st.Mode()))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &yaml.Node{}, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "mode " + m.String()
	}
}

// mapValue returns the value of key in a YAML map, nil when absent.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// configValue renders one config value as Pulumi passes it to programs.
func configValue(node *yaml.Node) (string, bool, error) {
	var v any
	if err := node.Decode(&v); err != nil {
		return "", false, err
	}
	switch t := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return t, false, nil
	case bool:
		return strconv.FormatBool(t), false, nil
	case int:
		return strconv.Itoa(t), false, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), false, nil
	case map[string]any:
		if s, ok := secureText(t); ok {
			return s, true, nil
		}
	}
	v, secret := unwrapSecure(stringKeys(v))
	b, err := json.Marshal(v)
	if err != nil {
		return "", false, fmt.Errorf("cannot be passed to the program as JSON: %v", err)
	}
	return string(b), secret, nil
}

// secureText returns the ciphertext of a `secure:` value.
func secureText(m map[string]any) (string, bool) {
	s, ok := m["secure"].(string)
	return s, ok && len(m) == 1
}

// unwrapSecure replaces each `secure:` value nested in a map or list (what
// `pulumi config set --secret --path` writes) with its ciphertext, as the
// top-level secure value stands in offline, and reports whether there was
// one: Pulumi then treats the whole top-level key as secret.
func unwrapSecure(v any) (any, bool) {
	secret := false
	switch t := v.(type) {
	case map[string]any:
		if s, ok := secureText(t); ok {
			return s, true
		}
		for k, e := range t {
			var inner bool
			t[k], inner = unwrapSecure(e)
			secret = secret || inner
		}
	case []any:
		for i, e := range t {
			var inner bool
			t[i], inner = unwrapSecure(e)
			secret = secret || inner
		}
	}
	return v, secret
}

// stringKeys turns the maps YAML gives for non-string keys (`1: x`) into
// maps with string keys, as Pulumi passes them to programs.
func stringKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = stringKeys(e)
		}
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = stringKeys(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = stringKeys(e)
		}
	}
	return v
}

func stacksIn(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	return out
}
