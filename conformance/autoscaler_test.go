package conformance

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/components/autoscaler"
	"sigs.k8s.io/yaml"
)

// readmeValues parses the "key | type | default | description" table of a
// chart README (helm-docs format) into key → type.
func readmeValues(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 5 || cells[0] != "" {
			continue
		}
		key, typ := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		if key == "" || key == "Key" || strings.HasPrefix(key, "-") {
			continue
		}
		out[key] = typ
	}
	if len(out) < 50 {
		t.Fatalf("%s: only %d values documented; the README's table was not found", path, len(out))
	}
	return out
}

// helmDocsType is the type helm-docs writes for a value.
func helmDocsType(v any) string {
	switch t := v.(type) {
	case bool:
		return "bool"
	case float64:
		if t == float64(int64(t)) {
			return "int"
		}
		return "float"
	case int, int64:
		return "int"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// TestAutoscalerValuesKeys checks the Cluster Autoscaler values the program
// produces against every pinned chart's values.yaml and README: each key is
// one the chart documents, with the documented type, or lies under a
// documented free-form map (extraArgs, extraEnv, annotations). The chart's
// templates are not available offline, so they cannot be rendered.
func TestAutoscalerValuesKeys(t *testing.T) {
	chartsDir := sharedUpstream(t, "charts")
	p := evaluate(t, "prod")
	rel := release(t, p, autoscaler.ReleaseName)
	values := valuesOf(t, rel)
	if env, _ := values["extraEnv"].(map[string]any); env["HTTPS_PROXY"] == nil || env["NO_PROXY"] != podProxyEnv(t, p)["NO_PROXY"] {
		t.Errorf("autoscaler extraEnv = %v, want the pods' proxy environment", values["extraEnv"])
	}

	versions := map[string]bool{stringInput(t, rel, "version"): true}
	for _, minor := range autoscaler.SupportedVersions() {
		r, err := autoscaler.ReleaseFor(minor, "")
		if err != nil {
			t.Fatal(err)
		}
		versions[r.ChartVersion] = true
	}
	for version := range versions {
		t.Run(version, func(t *testing.T) {
			dir := filepath.Join(chartsDir, "cluster-autoscaler-"+version)
			documented := readmeValues(t, filepath.Join(dir, "README.md"))
			raw, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var defaults map[string]any
			if err := yaml.Unmarshal(raw, &defaults); err != nil {
				t.Fatal(err)
			}
			for k := range values {
				if _, ok := defaults[k]; !ok {
					t.Errorf("%s is not a key of the chart's values.yaml", k)
				}
			}
			for _, leaf := range Leaves(values) {
				checkDocumented(t, documented, leaf)
			}
			// The spread selects the release's pods by the label the
			// chart's own topologySpreadConstraints example uses.
			for k, v := range autoscaler.PodLabels {
				if !strings.Contains(string(raw), k+": "+v) {
					t.Errorf("values.yaml does not show pods labelled %s: %s; the spread constraints would select nothing", k, v)
				}
			}
		})
	}
}

// checkDocumented reports a leaf that is neither a documented key of the
// documented type nor inside a documented free-form map.
func checkDocumented(t *testing.T, documented map[string]string, leaf Leaf) {
	t.Helper()
	for n := len(leaf.Path); n > 0; n-- {
		key := strings.Join(leaf.Path[:n], ".")
		typ, ok := documented[key]
		if !ok {
			continue
		}
		switch {
		case n == len(leaf.Path) && typ != helmDocsType(leaf.Value):
			t.Errorf("%s is documented as %s, the program sets a %s (%v)", key, typ, helmDocsType(leaf.Value), leaf.Value)
		case n < len(leaf.Path) && typ != "object":
			t.Errorf("%s: %s is documented as %s, not a map the program may add keys to", leaf, key, typ)
		}
		return
	}
	t.Errorf("%s is not a value the chart documents", leaf)
}
