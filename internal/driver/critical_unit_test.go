package driver

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// Only replacements and deletions of the critical types are critical; an
// --allow-replace covers exactly the URN it names, and the refusal asks for
// the others by URN.
func TestMarkCritical(t *testing.T) {
	const (
		cluster = "urn:pulumi:prod::eksfleet::eks:index:Cluster$aws:eks/cluster:Cluster::acme-prod-eksCluster"
		asg     = "urn:pulumi:prod::eksfleet::eksfleet:index:SelfManagedNodeGroup$aws:autoscaling/group:Group::acme-prod-workers-a"
		key     = "urn:pulumi:prod::eksfleet::aws:kms/key:Key::acme-prod-secrets"
		lt      = "urn:pulumi:prod::eksfleet::aws:ec2/launchTemplate:LaunchTemplate::acme-prod-workers-a"
		pool    = "urn:pulumi:prod::eksfleet::kubernetes:karpenter.sh/v1:NodePool::acme-prod-general"
	)
	changes := []Change{
		{URN: cluster, Type: "aws:eks/cluster:Cluster", Op: "replace", Diffs: []string{"kubernetesNetworkConfig"}},
		{URN: asg, Type: "aws:autoscaling/group:Group", Op: "delete"},
		{URN: key, Type: "aws:kms/key:Key", Op: "update"},
		{URN: lt, Type: "aws:ec2/launchTemplate:LaunchTemplate", Op: "replace"},
		{URN: pool, Type: "kubernetes:karpenter.sh/v1:NodePool", Op: "delete"},
	}
	var stderr bytes.Buffer
	r := &run{opts: &options{verb: "preview", allowReplace: []string{asg, "urn:pulumi:prod::eksfleet::x::typo"}}, stderr: &stderr, production: true}
	refused := r.markCritical(changes)
	if len(refused) != 2 || refused[0].URN != cluster || refused[1].URN != pool {
		t.Fatalf("refused %+v, want the cluster and the node pool", refused)
	}
	want := []struct{ critical, allowed bool }{{true, false}, {true, true}, {false, false}, {false, false}, {true, false}}
	for i, c := range changes {
		if c.Critical != want[i].critical || c.Allowed != want[i].allowed {
			t.Errorf("%s %s: critical %v allowed %v, want %v %v", c.Op, c.Type, c.Critical, c.Allowed, want[i].critical, want[i].allowed)
		}
	}
	r.reportCritical("prod", changes)
	out := stderr.String()
	for _, s := range []string{
		"3 critical resource(s) would be replaced or deleted",
		"delete " + pool + " (Karpenter node pool, not allowed)",
		"replace " + cluster + " (EKS cluster, not allowed) because of kubernetesNetworkConfig",
		"delete " + asg + " (Auto Scaling group, allowed by --allow-replace)",
		"up refuses these unless each is named with --allow-replace URN (exit 5)",
		"--allow-replace urn:pulumi:prod::eksfleet::x::typo names no resource",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("report does not say %q:\n%s", s, out)
		}
	}
	err := refuseCritical("prod", refused).Error()
	if !strings.Contains(err, "--allow-replace "+cluster) || strings.Contains(err, asg) {
		t.Errorf("refusal %q: want the cluster asked for, not the allowed ASG", err)
	}
	if slices.ContainsFunc(changes, func(c Change) bool { return c.Type == "aws:ec2/launchTemplate:LaunchTemplate" && c.Critical }) {
		t.Error("a launch template replacement is flagged critical")
	}
}

// A production up without the preview would bypass the guard: refused
// before the engine is needed.
func TestSkipPreviewRefusedInProd(t *testing.T) {
	dir := project(t, map[string]string{"prod": repoFile(t, "Pulumi.prod.yaml")})
	code, s, _ := runOffline(t, []string{"PULUMI_CONFIG_PASSPHRASE=x"}, "up", "prod", "--dir", dir, "--skip-preview")
	if code != ExitError || !strings.Contains(strings.Join(s.Errors, "\n"), "is a production stack; its update is always previewed first") {
		t.Errorf("up prod --skip-preview: exit %d, errors %q", code, s.Errors)
	}
}
