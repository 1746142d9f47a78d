package driver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks/config"
)

// criticalTypes are the resources whose replacement or deletion takes
// running nodes, the cluster or encrypted data with it: a new EKS cluster
// is a new control plane and etcd; a new node group or Auto Scaling group
// starts new nodes and deletes the old ones with their pods, as deleting a
// Karpenter NodePool makes Karpenter drain and terminate its nodes; a
// replaced KMS key leaves what it encrypted behind; a replaced interruption
// queue drops the interruption notices in flight. A production pipeline
// must not do any of that because a config change happened to need it.
var criticalTypes = map[string]string{
	"aws:eks/cluster:Cluster":             "EKS cluster",
	"aws:eks/nodeGroup:NodeGroup":         "managed node group",
	"aws:autoscaling/group:Group":         "Auto Scaling group",
	"kubernetes:karpenter.sh/v1:NodePool": "Karpenter node pool",
	"aws:kms/key:Key":                     "KMS key",
	"aws:sqs/queue:Queue":                 "interruption queue",
}

// destructive are the operations that remove the live resource.
var destructive = map[string]bool{"replace": true, "delete": true}

// isCritical reports a change that replaces or deletes a critical resource.
func isCritical(c Change) bool {
	_, ok := criticalTypes[c.Type]
	return ok && destructive[c.Op]
}

// isProduction reports a stack whose destructive changes need naming on the
// command line (--allow-replace for up, --confirm-destroy for destroy): the
// stack named prod, or one with eksfleet:environment prod.
func isProduction(stack string, proj *plan.Project) bool {
	return stack == "prod" || proj.Config[config.Namespace+":environment"] == "prod"
}

// markCritical flags the critical changes among changes (and those named
// with --allow-replace) and returns the ones no --allow-replace names.
func (r *run) markCritical(changes []Change) []Change {
	var refused []Change
	for i := range changes {
		c := &changes[i]
		if !isCritical(*c) {
			continue
		}
		c.Critical = true
		c.Allowed = slices.Contains(r.opts.allowReplace, c.URN)
		if !c.Allowed {
			refused = append(refused, *c)
		}
	}
	return refused
}

// reportCritical prints the critical changes of a preview for people, with
// what a production up needs to go ahead, and warns about --allow-replace
// URNs that name no critical change (a typo would otherwise go unnoticed
// until the refusal).
func (r *run) reportCritical(stack string, changes []Change) {
	var lines []string
	for _, c := range changes {
		if !c.Critical {
			continue
		}
		state := "not allowed"
		if c.Allowed {
			state = "allowed by --allow-replace"
		}
		line := fmt.Sprintf("  %s %s (%s, %s)", c.Op, c.URN, criticalTypes[c.Type], state)
		if len(c.Diffs) > 0 {
			line += " because of " + strings.Join(c.Diffs, ", ")
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		fmt.Fprintf(r.stderr, "eksfleet %s %s: %d critical resource(s) would be replaced or deleted:\n%s\n",
			r.opts.verb, stack, len(lines), strings.Join(lines, "\n"))
		if r.production {
			fmt.Fprintf(r.stderr, "eksfleet %s %s: a production stack: up refuses these unless each is named with --allow-replace URN (exit %d)\n",
				r.opts.verb, stack, ExitReplace)
		}
	}
	for _, urn := range r.opts.allowReplace {
		if !slices.ContainsFunc(changes, func(c Change) bool { return c.URN == urn && c.Critical }) {
			fmt.Fprintf(r.stderr, "eksfleet %s %s: warning: --allow-replace %s names no resource this update replaces or deletes\n",
				r.opts.verb, stack, urn)
		}
	}
}

// refuseCritical is the error of a production up stopped before any
// change because it would replace or delete critical resources.
func refuseCritical(stack string, refused []Change) error {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s is a production stack: this update would replace or delete %d critical resource(s); nothing was changed.\n", stack, len(refused))
	b.WriteString("Check each in the preview above; to go ahead, name each on the command line:")
	for _, c := range refused {
		fmt.Fprintf(&b, "\n  --allow-replace %s", c.URN)
	}
	return fmt.Errorf("%s", b.String())
}
