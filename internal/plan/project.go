package plan

import (
	"encoding/json"
	"fmt"
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
	// SecretKeys are the keys given as `secure:` values. Offline, their
	// ciphertext stands in for the value.
	SecretKeys []string
}

// LoadProject reads dir/Pulumi.yaml and dir/Pulumi.<stack>.yaml.
func LoadProject(dir, stack string) (*Project, error) {
	var proj struct {
		Name    string `yaml:"name"`
		Runtime any    `yaml:"runtime"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &proj); err != nil {
		return nil, err
	}
	if proj.Name == "" {
		return nil, fmt.Errorf("%s: no project name", filepath.Join(dir, "Pulumi.yaml"))
	}
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	var st struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := readYAML(stackFile, &st); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("stack %q has no config file %s; stacks here: %s", stack, stackFile, strings.Join(stacksIn(dir), ", "))
		}
		return nil, err
	}
	p := &Project{Dir: dir, Name: proj.Name, Stack: stack, Config: map[string]string{}}
	keys := make([]string, 0, len(st.Config))
	for k := range st.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		node := st.Config[k]
		full := k
		if !strings.Contains(k, ":") {
			full = proj.Name + ":" + k
		}
		val, secret, err := configValue(&node)
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

func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
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
		if s, ok := t["secure"].(string); ok && len(t) == 1 {
			return s, true, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false, err
	}
	return string(b), false, nil
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
