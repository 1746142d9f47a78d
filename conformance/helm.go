// Package conformance checks what eksfleet hands to other systems with those
// systems' own code, offline: the chart values of the in-cluster controllers
// are rendered with the Helm Go library against the real termination handler
// chart (from its Go module, served by the module proxy), and checked
// against the cluster-autoscaler charts' values.yaml and README (from
// ../shared/upstream; their templates cannot be had offline).
//
// It is a Go module of its own so that Helm and the Kubernetes libraries are
// compiled only here, not by every package of the main module.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// ModuleDir returns the directory of a module this module requires, as the
// go command resolves it (downloading it from the module proxy if needed).
// dir is any directory inside this module.
func ModuleDir(dir, module string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %v\n%s%s", module, err, out, stderr.Bytes())
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: %v", module, err)
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory (%s)", module, m.Error)
	}
	return m.Dir, nil
}

// LoadChart loads a chart directory inside a module directory.
func LoadChart(moduleDir, chartPath string) (*chart.Chart, error) {
	return loader.Load(filepath.Join(moduleDir, filepath.FromSlash(chartPath)))
}

// Render renders a chart as `helm install` would for a release of that
// name in that namespace, and returns its manifests by template name.
// Values are coalesced with the chart's defaults and checked against its
// schema, if it has one.
func Render(c *chart.Chart, release, namespace, kubeVersion string, values map[string]any) (map[string]string, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	if kubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(kubeVersion)
		if err != nil {
			return nil, err
		}
		caps.KubeVersion = *kv
	}
	opts := chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValues(c, deepCopy(values), opts, caps)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(c, vals)
	if err != nil {
		return nil, err
	}
	for name, text := range out {
		if strings.TrimSpace(text) == "" || strings.HasSuffix(name, "NOTES.txt") {
			delete(out, name)
		}
	}
	return out, nil
}

// Leaf is one value a caller sets: its path (dotted map keys) and value.
// Lists are leaves: a chart takes them whole.
type Leaf struct {
	Path  []string
	Value any
}

func (l Leaf) String() string { return strings.Join(l.Path, ".") }

// Leaves lists every leaf of values, sorted by path.
func Leaves(values map[string]any) []Leaf {
	var out []Leaf
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			for k, child := range m {
				walk(append(append([]string{}, path...), k), child)
			}
			return
		}
		out = append(out, Leaf{Path: path, Value: v})
	}
	for k, v := range values {
		walk([]string{k}, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// DeadKeys returns the leaves of values whose change leaves the rendered
// manifests as they are: keys the chart does not read (in this mode), which
// say something the release does not do. Each leaf is changed to a
// different value of its kind; a change that fails to render counts as
// read.
func DeadKeys(render func(map[string]any) (map[string]string, error), values map[string]any) ([]string, error) {
	base, err := render(values)
	if err != nil {
		return nil, fmt.Errorf("rendering the values as given: %w", err)
	}
	var dead []string
	for _, leaf := range Leaves(values) {
		changed := deepCopy(values)
		set(changed, leaf.Path, perturb(leaf.Value))
		got, err := render(changed)
		if err != nil {
			continue
		}
		if reflect.DeepEqual(got, base) {
			dead = append(dead, leaf.String())
		}
	}
	return dead, nil
}

// perturb returns a different value of the same kind.
func perturb(v any) any {
	switch t := v.(type) {
	case bool:
		return !t
	case float64:
		return t + 1
	case int:
		return t + 1
	case int64:
		return t + 1
	case string:
		return t + "-changed"
	case []any:
		if len(t) > 0 {
			return t[:len(t)-1]
		}
		return []any{"changed"}
	case map[string]any:
		return map[string]any{"changed": "changed"}
	case nil:
		return "changed"
	}
	return fmt.Sprintf("%v-changed", v)
}

func set(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		m = m[k].(map[string]any)
	}
	m[path[len(path)-1]] = v
}

// deepCopy copies JSON-shaped values (maps, lists, scalars).
func deepCopy(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
