package plan_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
)

// FuzzPlan drives the whole config → plan path: one key of a bundled
// stack's config replaced by arbitrary text, evaluated by the real program
// against the offline fake. It must never panic, and a config the
// validator accepts must plan: anything the fakes (which refuse what AWS
// refuses) or the program reject after validation is a check that runs too
// late, i.e. a deployment that would fail half way.
func FuzzPlan(f *testing.F) {
	base := map[string]*plan.Project{}
	for _, stack := range bundled {
		proj, err := plan.LoadProject(projectDir, stack)
		if err != nil {
			f.Fatal(err)
		}
		base[stack] = proj
		for _, k := range slices.Sorted(maps.Keys(proj.Config)) {
			f.Add(stack, k, proj.Config[k])
		}
	}
	f.Add("dev", "eksfleet:proxy", `{"httpsProxy":"http://proxy.corp.example:3128"}`)
	f.Add("prod", "eksfleet:nodeGroups", `[{"name":"a","kind":"managed","instanceTypes":["m6i.large"],"minSize":1,"maxSize":2,"amiReleaseVersion":"1.33.5-20251120"}]`)
	f.Fuzz(func(t *testing.T, stack, key, value string) {
		proj, ok := base[stack]
		if !ok || !strings.HasPrefix(key, "eksfleet:") {
			return
		}
		p := *proj
		p.Config = maps.Clone(proj.Config)
		p.Config[key] = value
		_, err := plan.Evaluate(&p, stacks.Run)
		var cerr *plan.ConfigError
		if err != nil && !errors.As(err, &cerr) {
			t.Fatalf("%s: %s = %q passed validation but the program failed: %v", stack, key, value, err)
		}
	})
}
