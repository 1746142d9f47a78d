package driver

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// SchemaVersion is the version of the [Summary] JSON document. It changes
// only when a field is removed or changes meaning; new fields may appear.
const SchemaVersion = 1

// Results of a command, in Summary.Result.
const (
	ResultSucceeded       = "succeeded"
	ResultFailed          = "failed"
	ResultPolicyViolation = "policy-violation"
	ResultDrift           = "drift"
	ResultLocked          = "locked"
	ResultCanceled        = "canceled"
	// ResultReplaceRefused: a production up stopped before any change
	// because it would replace or delete critical resources that no
	// --allow-replace names.
	ResultReplaceRefused = "replace-refused"
)

// Summary is the machine-readable result of one command, printed as JSON on
// stdout (or to --json-file). Slices are never null, so consumers can
// iterate without checks.
type Summary struct {
	SchemaVersion int `json:"schemaVersion"`
	// Command is the verb: preview, up, refresh, destroy, outputs, drift or
	// cancel.
	Command string `json:"command"`
	Project string `json:"project"`
	Stack   string `json:"stack"`
	// Backend is the state backend URL with any credentials masked.
	Backend string `json:"backend"`
	// Result is succeeded, failed, policy-violation, drift, locked,
	// canceled or replace-refused.
	Result string `json:"result"`
	// ExitCode is the process exit code (see the Exit* constants).
	ExitCode        int       `json:"exitCode"`
	StartTime       time.Time `json:"startTime"`
	DurationSeconds float64   `json:"durationSeconds"`
	// Changes counts resources by engine operation (create, update, delete,
	// replace, same, ...), as the engine's summary reports them.
	Changes map[string]int `json:"changes"`
	// Resources lists every resource the command changes or would change
	// (operation other than same), in engine order. For drift these are the
	// resources whose live state differs from the program.
	Resources []Change `json:"resources"`
	// Outputs are the stack outputs after up and refresh, and for outputs;
	// secret values (at any depth) read "[secret]". Absent for other verbs.
	Outputs map[string]any `json:"outputs,omitempty"`
	// PendingOperations are operations an interrupted update left
	// unfinished, listed after up, refresh and destroy. Each needs a check
	// in the cloud, then `eksfleet refresh STACK --import-pending-create
	// URN=ID` (it exists) or `--clear-pending-creates` (it does not).
	PendingOperations []PendingOperation `json:"pendingOperations"`
	// PolicyPacks are the policy pack directories applied.
	PolicyPacks []string `json:"policyPacks"`
	// PolicyViolations are all policy violations reported, advisory too.
	PolicyViolations []Violation `json:"policyViolations"`
	// Errors are the error diagnostics of the engine and the driver.
	Errors []string `json:"errors"`
}

// Change is one resource the command changes.
type Change struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	// Op is the engine operation: create, update, delete, replace, ...
	Op string `json:"op"`
	// Diffs are the top-level properties that differ, when the engine knows.
	Diffs []string `json:"diffs,omitempty"`
	// Critical marks the replacement or deletion of a resource that takes
	// nodes, the cluster or encrypted data with it: an EKS cluster, a
	// managed node group, an Auto Scaling group, a Karpenter NodePool, a
	// KMS key or an interruption queue. A production up refuses it unless
	// --allow-replace names its URN.
	Critical bool `json:"critical,omitempty"`
	// Allowed says --allow-replace named this critical change.
	Allowed bool `json:"allowed,omitempty"`
}

// PendingOperation is an operation the engine started but never saw end.
type PendingOperation struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	// Op is creating, updating, deleting, reading or importing.
	Op string `json:"op"`
	// Name is the physical name a pending create asked for (autonamed
	// names included), when it has one: what to look for in the cloud.
	Name string `json:"name,omitempty"`
}

// Violation is one policy violation.
type Violation struct {
	PolicyPack string `json:"policyPack"`
	Policy     string `json:"policy"`
	// Enforcement is mandatory, advisory (the engine's "warning") or
	// remediate.
	Enforcement string `json:"enforcement"`
	URN         string `json:"urn,omitempty"`
	Message     string `json:"message"`
}

func newSummary(command, stack string, start time.Time) *Summary {
	return &Summary{
		SchemaVersion:     SchemaVersion,
		Command:           command,
		Stack:             stack,
		StartTime:         start.UTC().Truncate(time.Millisecond),
		Changes:           map[string]int{},
		Resources:         []Change{},
		PendingOperations: []PendingOperation{},
		PolicyPacks:       []string{},
		PolicyViolations:  []Violation{},
		Errors:            []string{},
	}
}

// addError records err, one entry per non-empty line, without duplicates.
func (s *Summary) addError(msg string) {
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !slices.Contains(s.Errors, line) {
			s.Errors = append(s.Errors, line)
		}
	}
}

// write emits the summary to path, or to the fallback writer when path is
// empty.
func (s *Summary) write(path string, fallback interface{ Write([]byte) (int, error) }) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "" {
		_, err = fallback.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// changeLine renders the change counts for people: "create 3, update 1".
func changeLine(changes map[string]int) string {
	ops := make([]string, 0, len(changes))
	for op, n := range changes {
		if n > 0 {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return "no resources"
	}
	sort.Strings(ops)
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, changes[op])
	}
	return strings.Join(parts, ", ")
}
