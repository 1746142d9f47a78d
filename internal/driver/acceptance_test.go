//go:build acceptance

package driver_test

// The cloud acceptance test: a real stack in a real AWS account, through
// the driver exactly as a pipeline runs it. It costs money (an EKS control
// plane and a few instances for ~30 minutes) and needs:
//
//   - AWS credentials in the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID,
//     a web identity token, or a container role);
//   - EKSFLEET_ACCEPTANCE_STACK=<stack>: a Pulumi.<stack>.yaml in the project
//     (EKSFLEET_ACCEPTANCE_DIR, default the repository root) naming a real
//     VPC and subnets, with an autoscaled node group at minSize 0 whose
//     nodes carry the label in EKSFLEET_ACCEPTANCE_SCALE_LABEL (default
//     workload=general, as the workers group of Pulumi.dev.yaml);
//   - pulumi, kubectl and aws on PATH (pulumi-eks kubeconfigs use
//     `aws eks get-token`), and network access for provider plugins;
//   - the driver's usual PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE.
//
//	EKSFLEET_ACCEPTANCE_STACK=acceptance go test -tags acceptance -timeout 90m \
//	    -run TestAcceptance ./internal/driver
//
// Steps: up; every node of the groups with a minimum size joins and is
// Ready; a pod that only fits the scaled-to-zero group stays Pending until
// the Cluster Autoscaler adds a node, then runs; destroy, always, even when
// a step fails.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/driver"
	"github.com/eksfleet/eksfleet/internal/enginetest"
	"github.com/eksfleet/eksfleet/internal/plan"
)

func TestAcceptance(t *testing.T) {
	stack := os.Getenv("EKSFLEET_ACCEPTANCE_STACK")
	if stack == "" {
		t.Skip("EKSFLEET_ACCEPTANCE_STACK not set")
	}
	if !hasAWSCredentials() {
		t.Skip("no AWS credentials in the environment")
	}
	for _, tool := range []string{"pulumi", "kubectl", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	dir := os.Getenv("EKSFLEET_ACCEPTANCE_DIR")
	if dir == "" {
		dir = enginetest.RepoRoot
	}
	label := os.Getenv("EKSFLEET_ACCEPTANCE_SCALE_LABEL")
	if label == "" {
		label = "workload=general"
	}
	proj, err := plan.LoadProject(dir, stack)
	if err != nil {
		t.Fatal(err)
	}
	region := proj.Config["aws:region"]
	ctx := context.Background()

	eksfleet := func(verb string, args ...string) driver.Summary {
		t.Helper()
		var stdout strings.Builder
		code := driver.Main(ctx, driver.Invocation{
			Verb:   verb,
			Args:   append([]string{stack, "--dir", dir}, args...),
			Env:    os.Environ(),
			Stdout: &stdout,
			Stderr: os.Stderr,
		})
		var s driver.Summary
		if err := json.Unmarshal([]byte(stdout.String()), &s); err != nil {
			t.Fatalf("eksfleet %s: no summary: %v\n%s", verb, err, stdout.String())
		}
		if code != driver.ExitOK {
			t.Fatalf("eksfleet %s %s: exit %d (%s): %q", verb, stack, code, s.Result, s.Errors)
		}
		return s
	}

	t.Cleanup(func() {
		s := eksfleet("destroy", "--confirm-destroy", stack)
		t.Logf("destroy: %v", s.Changes)
	})
	up := eksfleet("up")
	t.Logf("up: %v in %.0fs", up.Changes, up.DurationSeconds)
	cluster, _ := up.Outputs["clusterName"].(string)
	if cluster == "" {
		t.Fatalf("no clusterName output: %v", up.Outputs)
	}

	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	run(t, ctx, nil, "aws", "eks", "update-kubeconfig", "--name", cluster, "--region", region, "--kubeconfig", kubeconfig)
	kubectl := func(args ...string) string {
		t.Helper()
		return run(t, ctx, nil, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
	}

	// Nodes join: every group with a minimum size has Ready nodes.
	minNodes := 0
	for _, g := range nodeGroupMinimums(t, proj) {
		minNodes += g
	}
	waitFor(t, 20*time.Minute, fmt.Sprintf("%d Ready nodes", minNodes), func() bool {
		return readyNodes(t, kubectl("get", "nodes", "-o", "json"), "") >= minNodes
	})

	// A pod that only fits the group scaled to zero makes the autoscaler
	// add a node.
	if readyNodes(t, kubectl("get", "nodes", "-o", "json"), label) != 0 {
		t.Fatalf("a node labelled %s already runs; the scale-up could not be observed", label)
	}
	key, value, _ := strings.Cut(label, "=")
	manifest := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"eksfleet-scale-probe","namespace":"default"},
"spec":{"nodeSelector":{%q:%q},"containers":[{"name":"pause","image":"registry.k8s.io/pause:3.10",
"resources":{"requests":{"cpu":"500m","memory":"256Mi"}}}]}}`, key, value)
	run(t, ctx, strings.NewReader(manifest), "kubectl", "--kubeconfig", kubeconfig, "apply", "-f", "-")
	t.Cleanup(func() {
		_ = exec.Command("kubectl", "--kubeconfig", kubeconfig, "delete", "pod", "eksfleet-scale-probe", "--ignore-not-found").Run()
	})
	if phase := kubectl("get", "pod", "eksfleet-scale-probe", "-o", "jsonpath={.status.phase}"); phase != "Pending" {
		t.Fatalf("the probe pod is %q before any scale-up, want Pending", phase)
	}
	waitFor(t, 15*time.Minute, "the autoscaler to add a "+label+" node and the probe pod to run", func() bool {
		return kubectl("get", "pod", "eksfleet-scale-probe", "-o", "jsonpath={.status.phase}") == "Running"
	})
	if n := readyNodes(t, kubectl("get", "nodes", "-o", "json"), label); n == 0 {
		t.Errorf("the probe runs but no Ready node carries %s", label)
	}
}

func hasAWSCredentials() bool {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

// nodeGroupMinimums returns the minSize of each node group in the stack.
func nodeGroupMinimums(t *testing.T, proj *plan.Project) []int {
	t.Helper()
	var groups []struct {
		MinSize int `json:"minSize"`
	}
	if err := json.Unmarshal([]byte(proj.Config["eksfleet:nodeGroups"]), &groups); err != nil {
		t.Fatalf("eksfleet:nodeGroups: %v", err)
	}
	out := make([]int, len(groups))
	for i, g := range groups {
		out[i] = g.MinSize
	}
	return out
}

// readyNodes counts the Ready nodes in `kubectl get nodes -o json` output,
// only those labelled key=value when label is set.
func readyNodes(t *testing.T, nodesJSON, label string) int {
	t.Helper()
	var list struct {
		Items []struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Status struct {
				Conditions []struct {
					Type, Status string
				} `json:"conditions"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(nodesJSON), &list); err != nil {
		t.Fatalf("kubectl get nodes: %v", err)
	}
	key, value, _ := strings.Cut(label, "=")
	n := 0
	for _, node := range list.Items {
		if label != "" && node.Metadata.Labels[key] != value {
			continue
		}
		for _, c := range node.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				n++
			}
		}
	}
	return n
}

func run(t *testing.T, ctx context.Context, stdin *strings.Reader, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return strings.TrimSpace(string(out))
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", limit, what)
		}
		time.Sleep(15 * time.Second)
	}
	t.Logf("%s: done", what)
}
