package plan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/awsfacts"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// longNamesProject copies the bundled prod stack (managed and self-managed
// groups, a Spot group with node drain, the Cluster Autoscaler) into a
// temporary project with a clusterLen-character cluster name and
// groupLen-character group names.
func longNamesProject(t *testing.T, clusterLen, groupLen int) *plan.Project {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.prod.yaml"} {
		b, err := os.ReadFile(filepath.Join(projectDir, f))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if f == "Pulumi.prod.yaml" {
			pad := func(name string, n int) string {
				return name + "-" + strings.Repeat("x", n-len(name)-1)
			}
			clusterRe := regexp.MustCompile(`(?m)^(    name: )(acme-prod)$`)
			if !clusterRe.MatchString(text) {
				t.Fatal("Pulumi.prod.yaml: cluster name acme-prod not found")
			}
			text = clusterRe.ReplaceAllStringFunc(text, func(m string) string {
				return "    name: " + pad("acme-prod", clusterLen)
			})
			groupRe := regexp.MustCompile(`(?m)^(    - name: )([a-z0-9-]+)$`)
			text = groupRe.ReplaceAllStringFunc(text, func(m string) string {
				sub := groupRe.FindStringSubmatch(m)
				return sub[1] + pad(sub[2], groupLen)
			})
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	proj, err := plan.LoadProject(dir, "prod")
	if err != nil {
		t.Fatal(err)
	}
	return proj
}

// TestLongNamesFitProviderLimits plans the prod stack with a 40-character
// cluster name and 30-character group names through the mock, which
// autonames and checks names as pulumi-aws does (internal/awsfacts): every
// physical name must fit its type's limit (issue 11 item 2).
func TestLongNamesFitProviderLimits(t *testing.T) {
	// Up to the longest names config accepts: past 43 characters pulumi-eks
	// could not autoname its service role <cluster>-eksRole-role within
	// IAM's 64 (the mock checks it), so components/cluster passes its own.
	for _, tc := range []struct{ cluster, group int }{{40, 30}, {43, 63}, {44, 30}, {100, 63}} {
		t.Run(fmt.Sprintf("cluster%d-group%d", tc.cluster, tc.group), func(t *testing.T) {
			proj := longNamesProject(t, tc.cluster, tc.group)
			p, err := plan.Evaluate(proj, stacks.Run)
			if err != nil {
				t.Fatalf("plan with a %d-character cluster name and %d-character group names: %v", tc.cluster, tc.group, err)
			}
			checked := 0
			for _, r := range p.Cloud.Resources() {
				ty, ok := awsfacts.For(r.Type)
				if !ok || ty.NameValidation == nil || r.Outputs == nil {
					continue
				}
				prop := resource.PropertyKey(ty.NameValidation.Property)
				v, ok := r.Outputs[prop]
				if !ok || !v.IsString() {
					continue
				}
				checked++
				if err := awsfacts.CheckName(r.Type, string(prop), v.StringValue(), false); err != nil {
					t.Errorf("%s %s: %v", r.Type, r.Name, err)
				}
			}
			t.Logf("%d physical names checked", checked)
			if checked < 20 {
				t.Errorf("checked %d physical names; the prod stack has more", checked)
			}
		})
	}
}
