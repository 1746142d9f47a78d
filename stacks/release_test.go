package stacks_test

import (
	"encoding/json"
	"testing"

	"github.com/eksfleet/eksfleet/components/selfmanaged"
	"github.com/eksfleet/eksfleet/internal/inputs"
	"github.com/eksfleet/eksfleet/internal/mockcloud"
	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
)

// devWithReleases is dev with amiReleaseVersion set on the named groups.
func devWithReleases(t *testing.T, releases map[string]string) *plan.Plan {
	t.Helper()
	proj, err := plan.LoadProject("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	var groups []map[string]any
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:nodeGroups"]), &groups); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if r, ok := releases[g["name"].(string)]; ok {
			g["amiReleaseVersion"] = r
		}
	}
	b, _ := json.Marshal(groups)
	proj.Config["eksfleet:nodeGroups"] = string(b)
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func groupOutput(p *plan.Plan, group, key string) any {
	return p.Outputs["nodeGroups"].(map[string]any)[group].(map[string]any)[key]
}

// TestAMIReleases: without a pin, a managed group follows the recommended
// release through releaseVersion (EKS updates a node group's AMI only when
// asked), a self-managed group through the recommended image; a pin
// selects that release for both kinds. The plan says which release each
// group runs.
func TestAMIReleases(t *testing.T) {
	recommended := "1.33.0-" + mockcloud.StandInRelease
	p := devWithReleases(t, nil)
	var ng map[string]any
	for _, r := range p.Resources {
		if r.Type == "aws:eks/nodeGroup:NodeGroup" {
			ng = r.Inputs
		}
	}
	if ng["releaseVersion"] != recommended {
		t.Errorf("managed releaseVersion = %v, want the recommended %s", ng["releaseVersion"], recommended)
	}
	for _, g := range []string{"system", "workers"} {
		if got := groupOutput(p, g, "amiRelease"); got != recommended {
			t.Errorf("%s: amiRelease output = %v, want %s", g, got, recommended)
		}
	}
	imageOf := func(p *plan.Plan) string {
		comp := component(t, p, selfmanaged.TypeToken, p.Config.Cluster.Name+"-workers")
		return inputs.Map(children(p, comp.URN)["aws:ec2/launchTemplate:LaunchTemplate"][0].Inputs).String("imageId")
	}
	before := imageOf(p)

	pinned := devWithReleases(t, map[string]string{"system": "1.33.4-20251201", "workers": "1.33.4-20251201"})
	for _, r := range pinned.Resources {
		if r.Type == "aws:eks/nodeGroup:NodeGroup" && r.Inputs["releaseVersion"] != "1.33.4-20251201" {
			t.Errorf("pinned managed releaseVersion = %v", r.Inputs["releaseVersion"])
		}
	}
	for _, g := range []string{"system", "workers"} {
		if got := groupOutput(pinned, g, "amiRelease"); got != "1.33.4-20251201" {
			t.Errorf("%s: pinned amiRelease output = %v", g, got)
		}
	}
	if after := imageOf(pinned); after == before || after == "" {
		t.Errorf("self-managed image %q with a pinned release, %q without: the pin must select another AMI", after, before)
	}
}
