package driver_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/eksfleet/eksfleet/internal/driver"
)

// TestEngineProdRefusesCriticalReplace: in prod, a config change that
// replaces the EKS cluster (serviceIpv4Cidr is ForceNew in the provider)
// is previewed with the cluster flagged critical, and up refuses it with
// exit 5 before anything changes; --allow-replace naming every flagged URN
// lets it through the guard. Deleting a self-managed group (its ASG) is
// refused the same way (issue 12 item 3).
func TestEngineProdRefusesCriticalReplace(t *testing.T) {
	f := newFixture(t, "prod")
	ctx := context.Background()
	f.run(ctx, "up", "prod").must(t, driver.ExitOK)

	f.Edit("Pulumi.prod.yaml", "    version: \"1.33\"\n", "    version: \"1.33\"\n    serviceIpv4Cidr: 172.21.0.0/16\n")
	prev := f.run(ctx, "preview", "prod").must(t, driver.ExitOK)
	critical := criticalURNs(prev.summary.Resources)
	cluster := prev.changed(clusterType, "replace")
	if len(cluster) != 1 || !cluster[0].Critical || cluster[0].Allowed {
		t.Fatalf("preview: cluster changes %+v, want one replacement flagged critical, not allowed", cluster)
	}
	if !strings.Contains(prev.stderr, "critical resource(s) would be replaced or deleted") ||
		!strings.Contains(prev.stderr, cluster[0].URN) || !strings.Contains(prev.stderr, "--allow-replace") {
		t.Errorf("preview output does not flag the cluster replacement:\n%s", prev.stderr)
	}

	f.AWS.Reset()
	f.Kubernetes.Reset()
	up := f.run(ctx, "up", "prod").must(t, driver.ExitReplace)
	if up.summary.Result != driver.ResultReplaceRefused {
		t.Errorf("refused up: result %q, want %q", up.summary.Result, driver.ResultReplaceRefused)
	}
	if got := criticalURNs(up.summary.Resources); !slices.Equal(got, critical) {
		t.Errorf("refused up lists critical %v, preview %v", got, critical)
	}
	errs := strings.Join(up.summary.Errors, "\n")
	for _, urn := range critical {
		if !strings.Contains(errs, "--allow-replace "+urn) {
			t.Errorf("refusal does not say --allow-replace %s:\n%s", urn, errs)
		}
	}
	if changed := applied(f.AWS.FakeProvider, "Create", "Update", "Delete"); len(changed) != 0 {
		t.Errorf("a refused up changed %v", callTypes(changed))
	}
	if changed := applied(f.Kubernetes, "Create", "Update", "Delete"); len(changed) != 0 {
		t.Errorf("a refused up changed %v", callTypes(changed))
	}

	// A mistyped URN is warned about.
	typo := f.run(ctx, "preview", "prod", "--allow-replace", "urn:pulumi:prod::eksfleet::aws:eks/cluster:Cluster::nope").must(t, driver.ExitOK)
	if !strings.Contains(typo.stderr, "names no resource this update replaces or deletes") {
		t.Errorf("no warning for an --allow-replace URN that matches nothing:\n%s", typo.stderr)
	}

	// Back to the deployed config; removing a self-managed group deletes
	// its ASG, refused the same way.
	f.Edit("Pulumi.prod.yaml", "    serviceIpv4Cidr: 172.21.0.0/16\n", "")
	f.Edit("Pulumi.prod.yaml", `    - name: workers-c
      kind: self-managed
      instanceTypes: [m6i.xlarge, m6a.xlarge]
      subnetIds: [subnet-0c3d4e5f607182c01]
      minSize: 1
      maxSize: 20
      labels:
        workload: general
      preBootstrapCommands:
        - sysctl -w net.ipv4.tcp_keepalive_time=300
      imdsHopLimit: 2
`, "")
	del := f.run(ctx, "up", "prod").must(t, driver.ExitReplace)
	asgs := del.changed(asgType, "delete")
	if len(asgs) != 1 || !asgs[0].Critical {
		t.Fatalf("removing workers-c: ASG changes %+v, want one critical delete", asgs)
	}
	allow := []string{}
	for _, urn := range criticalURNs(del.summary.Resources) {
		allow = append(allow, "--allow-replace", urn)
	}
	f.AWS.Reset()
	ok := f.run(ctx, "up", append([]string{"prod"}, allow...)...).must(t, driver.ExitOK)
	if got := ok.changed(asgType, "delete"); len(got) != 1 || !got[0].Critical || !got[0].Allowed {
		t.Errorf("allowed up: ASG changes %+v, want the delete flagged critical and allowed", got)
	}
	if n := len(applied(f.AWS.FakeProvider, "Delete")); n == 0 {
		t.Error("the allowed up deleted nothing")
	}

	// A production up is always previewed: --skip-preview would bypass the
	// guard.
	skip := f.run(ctx, "up", "prod", "--skip-preview").must(t, driver.ExitError)
	if !strings.Contains(strings.Join(skip.summary.Errors, "\n"), "--skip-preview") {
		t.Errorf("--skip-preview on prod: errors %q", skip.summary.Errors)
	}
}

func criticalURNs(changes []driver.Change) []string {
	var out []string
	for _, c := range changes {
		if c.Critical {
			out = append(out, c.URN)
		}
	}
	return out
}
