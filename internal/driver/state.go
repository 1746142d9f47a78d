package driver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// stackState is what the driver reads from a stack's exported deployment
// before it lets an operation write the state.
type stackState struct {
	// resources are the URNs in the state.
	resources map[string]bool
	// pending are the operations an interrupted update left unfinished.
	pending []PendingOperation
}

// deploymentJSON is the part of an exported deployment the driver reads.
type deploymentJSON struct {
	Resources []struct {
		URN string `json:"urn"`
	} `json:"resources"`
	PendingOperations []struct {
		Type     string `json:"type"`
		Resource struct {
			URN    string         `json:"urn"`
			Type   string         `json:"type"`
			Inputs map[string]any `json:"inputs"`
		} `json:"resource"`
	} `json:"pending_operations"`
}

// parseState reads an exported deployment (the "deployment" member of
// `pulumi stack export`).
func parseState(raw json.RawMessage) (*stackState, error) {
	s := &stackState{resources: map[string]bool{}}
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	var d deploymentJSON
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	for _, r := range d.Resources {
		s.resources[r.URN] = true
	}
	for _, op := range d.PendingOperations {
		p := PendingOperation{URN: op.Resource.URN, Type: op.Resource.Type, Op: op.Type}
		if op.Type == "creating" {
			// The physical name the create asked for (autonamed ones
			// included), to find the resource in the cloud.
			if name, ok := op.Resource.Inputs["name"].(string); ok {
				p.Name = name
			}
		}
		s.pending = append(s.pending, p)
	}
	return s, nil
}

// exportState exports the stack's current state.
func exportState(ctx context.Context, st auto.Stack) (*stackState, error) {
	dep, err := st.Export(ctx)
	if err != nil {
		return nil, err
	}
	s, err := parseState(dep.Deployment)
	if err != nil {
		return nil, fmt.Errorf("reading the state of stack %s: %w", st.Name(), err)
	}
	return s, nil
}

// pendingCreates are the creates an interrupted update left pending: the
// cloud may have their resource, under a name only the pending operation
// records. One whose URN the state holds too is no exception: it may be
// the replacement of that resource.
func (s *stackState) pendingCreates() []PendingOperation {
	var out []PendingOperation
	for _, p := range s.pending {
		if p.Op == "creating" {
			out = append(out, p)
		}
	}
	return out
}

// checkBeforeWrite refuses, before anything changes, an operation that
// would write the stack's state over a state that lost its resources
// (item: a state emptied to {} re-deploys everything and the backend's
// .bak, the last good state, is overwritten), and an up or destroy over
// creates an interrupted update left pending (up would create them again,
// under new names for autonamed resources, orphaning the first ones;
// destroy would leave them in the cloud). It returns the exit code and
// true when the operation must not run.
func (r *run) checkBeforeWrite(ctx context.Context, st auto.Stack) (int, bool) {
	s, err := exportState(ctx, st)
	if err != nil {
		return r.classify(ctx, fmt.Errorf("reading the state of stack %s: %w", st.Name(), err), nil), true
	}
	if len(s.resources) == 0 {
		if lost := r.lostResources(ctx, st); lost != "" {
			return r.fail(ExitError, ResultFailed, fmt.Errorf("refusing to %s stack %s: its state holds no resources, "+
				"but %s; a lost or emptied state would make %s %s, and the backend's backup would be overwritten. %s",
				r.opts.verb, st.Name(), lost, r.opts.verb, verbDamage(r.opts.verb), r.restoreAdvice())), true
		}
	}
	if r.opts.verb == "up" || r.opts.verb == "destroy" {
		if pc := s.pendingCreates(); len(pc) > 0 {
			if lock := r.lockFile(st.Name()); lock != "" {
				// The creates of the update holding the lock, in flight.
				return r.fail(ExitLocked, ResultLocked, fmt.Errorf("stack %s is locked by another update (%s)", st.Name(), lock)), true
			}
			r.sum.PendingOperations = append(r.sum.PendingOperations, s.pending...)
			return r.fail(ExitError, ResultFailed, fmt.Errorf("refusing to %s stack %s: an interrupted update left %d "+
				"create(s) pending, which may exist in the cloud without being in the state (%s would %s); "+
				"resolve them first with `eksfleet refresh %s --import-pending-create URN=ID` (those that exist) "+
				"or `--clear-pending-creates` (none exists)%s", r.opts.verb, st.Name(), len(pc), r.opts.verb,
				map[string]string{"up": "create them again and orphan the first ones", "destroy": "leave them in the cloud"}[r.opts.verb],
				st.Name(), map[bool]string{true: "", false: "; if another update of the stack is running, " +
					"these are its creates in flight: wait for it"}[r.stackFile(st.Name()) != ""])), true
		}
	}
	return 0, false
}

func verbDamage(verb string) string {
	switch verb {
	case "up":
		return "create every resource again (duplicates in the cloud)"
	case "destroy":
		return "delete nothing and leave every resource in the cloud"
	}
	return "forget every resource"
}

// lostResources says what shows the stack had resources (its last update
// left some, or the file backend's backup holds some), or "" when nothing
// does: a new stack, or one whose last operation destroyed everything.
func (r *run) lostResources(ctx context.Context, st auto.Stack) string {
	hist, err := st.History(ctx, 1, 1)
	if err == nil && len(hist) > 0 {
		h := hist[0]
		left := 0
		if h.ResourceChanges != nil {
			for op, n := range *h.ResourceChanges {
				switch op {
				case "delete", "discard", "read-discard", "delete-replaced", "discard-replaced":
				default:
					left += n
				}
			}
		}
		if h.Kind == "destroy" && h.Result == "succeeded" {
			left = 0
		}
		if left > 0 {
			return fmt.Sprintf("its last %s (%s) left %d", h.Kind, h.StartTime, left)
		}
		return ""
	}
	if bak := r.backupFile(st.Name()); bak != "" {
		if n := checkpointResources(bak); n > 0 {
			return fmt.Sprintf("its backup %s holds %d", bak, n)
		}
	}
	return ""
}

// stackFile is the path of the stack's state file in a file backend, or ""
// for other backends.
func (r *run) stackFile(stack string) string {
	u, err := url.Parse(r.backendURL)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return filepath.Join(filepath.FromSlash(u.Path), ".pulumi", "stacks", r.sum.Project, stack+".json")
}

// lockFile is a lock file of the stack in a file backend, "" when there
// is none (or the backend is not a file backend).
func (r *run) lockFile(stack string) string {
	f := r.stackFile(stack)
	if f == "" {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(f)))
	locks, _ := filepath.Glob(filepath.Join(root, "locks", "*", r.sum.Project, stack, "*.json"))
	if len(locks) == 0 {
		return ""
	}
	return locks[0]
}

// backupFile is the path of the file backend's backup of the stack's
// previous state, when it exists.
func (r *run) backupFile(stack string) string {
	f := r.stackFile(stack)
	if f == "" {
		return ""
	}
	if _, err := os.Stat(f + ".bak"); err != nil {
		return ""
	}
	return f + ".bak"
}

// checkpointResources counts the resources of a file backend checkpoint
// (-1 when it cannot be read).
func checkpointResources(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	var chk struct {
		Checkpoint struct {
			Latest json.RawMessage `json:"latest"`
		} `json:"checkpoint"`
	}
	if err := json.Unmarshal(b, &chk); err != nil {
		return -1
	}
	s, err := parseState(chk.Checkpoint.Latest)
	if err != nil {
		return -1
	}
	return len(s.resources)
}

// restoreAdvice says how to put the last good state back.
func (r *run) restoreAdvice() string {
	stack := r.opts.stack
	if f := r.stackFile(stack); f != "" {
		return fmt.Sprintf("Restore the last good state: `cp %s.bak %s` (after checking it: the previous states are "+
			"also under %s), or `jq '{version: .version, deployment: .checkpoint.latest}' %s.bak > state.json && "+
			"pulumi stack import --stack %s --file state.json`; then run `eksfleet preview %s`",
			f, f, filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(f))), "backups", r.sum.Project, stack), f, stack, stack)
	}
	return fmt.Sprintf("Restore the last good state from the backend (%s: .pulumi/stacks/%s/%s.json.bak or "+
		".pulumi/backups/%s/%s/ on a self-managed backend; the stack's history on Pulumi Cloud) with "+
		"`pulumi stack import --stack %s --file STATE.json` (a deployment: {version, deployment}); then run "+
		"`eksfleet preview %s`", r.sum.Backend, r.sum.Project, stack, r.sum.Project, stack, stack, stack)
}

// stateCause adds to a failed operation's errors what its CLI errors mean
// for the state, with the way out: a corrupt state (the backup and `pulumi
// stack import`), a backend the CLI cannot write.
func (r *run) stateCause(lines []string) string {
	text := strings.ToLower(strings.Join(lines, "\n"))
	switch {
	case strings.Contains(text, "permission denied") || strings.Contains(text, "operation not permitted") || strings.Contains(text, "read-only file system") ||
		strings.Contains(text, "accessdenied") || strings.Contains(text, "access denied"):
		return fmt.Sprintf("the backend %s cannot be written (read-only or no permission): nothing was saved; "+
			"give the runner write access to it", r.sum.Backend)
	case strings.Contains(text, "could not deserialize") || strings.Contains(text, "invalid character") ||
		strings.Contains(text, "unexpected end of json") || strings.Contains(text, "could not read") &&
		strings.Contains(text, "checkpoint") || strings.Contains(text, "unmarshal"):
		return fmt.Sprintf("the state of stack %s is corrupt. %s", r.opts.stack, r.restoreAdvice())
	}
	return ""
}
