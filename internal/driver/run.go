package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/eksfleet/eksfleet/stacks/config"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"gopkg.in/yaml.v3"
)

// stateDir is the default file backend directory inside the project.
const stateDir = ".pulumi-state"

// userAgent tags the updates the driver makes in the backend's history.
const userAgent = "eksfleet"

// fail records a failure in the summary and returns its exit code.
func (r *run) fail(code int, result string, err error) int {
	r.sum.Result = result
	if err != nil {
		r.sum.addError(err.Error())
	}
	return code
}

// execute runs the command; Main turns the result into the summary.
func (r *run) execute(ctx context.Context) int {
	o := r.opts
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return r.fail(ExitError, ResultFailed, err)
	}
	proj, err := plan.LoadProject(dir, o.stack)
	if err != nil {
		return r.fail(ExitError, ResultFailed, err)
	}
	r.sum.Project = proj.Name
	r.production = isProduction(o.stack, proj)
	if o.verb == "up" && o.skipPreview && r.production {
		return r.fail(ExitError, ResultFailed, fmt.Errorf("--skip-preview: stack %s is a production stack; its update is always previewed first, so that replacing or deleting a critical resource needs --allow-replace", o.stack))
	}

	runsProgram := o.verb == "preview" || o.verb == "up" || o.verb == "drift"
	if runsProgram && len(proj.SecretKeys) == 0 {
		// The program validates its config too, but an inline program cannot
		// see keys it does not ask for, so only this offline check catches
		// misspelt keys; it also fails fast, before the backend is touched.
		// With secret values the check is left to the program, which gets
		// them decrypted.
		if _, err := config.Parse(proj.Name, o.stack, proj.Config); err != nil {
			return r.fail(ExitError, ResultFailed, fmt.Errorf("invalid configuration in Pulumi.%s.yaml:\n%w", o.stack, err))
		}
	}
	if o.verb == "destroy" {
		if err := r.confirmDestroy(); err != nil {
			return r.fail(ExitError, ResultFailed, err)
		}
	}

	extraEnv, err := r.backendEnv(dir, proj)
	if err != nil {
		return r.fail(ExitError, ResultFailed, err)
	}
	cli, err := newCLICommand(r.env, o.grace)
	if err != nil {
		return r.fail(ExitError, ResultFailed, err)
	}
	r.cli.Store(cli)

	var packs []string
	if o.verb == "preview" || o.verb == "up" {
		if packs, err = r.policyPacks(dir, cli); err != nil {
			return r.fail(ExitError, ResultFailed, err)
		}
		r.sum.PolicyPacks = append(r.sum.PolicyPacks, packs...)
	}

	// A throwaway workspace holding verbatim copies of Pulumi.yaml and
	// Pulumi.STACK.yaml: the CLI reads the stack's config (secure values and
	// encryption salt included) exactly as `pulumi up` in the project would,
	// and the project's files are never rewritten by a pipeline run.
	ws, err := os.MkdirTemp("", "eksfleet-"+o.stack+"-")
	if err != nil {
		return r.fail(ExitError, ResultFailed, err)
	}
	defer os.RemoveAll(ws)
	r.ws = ws
	for k, v := range extraEnv {
		r.cliEnv = append(r.cliEnv, k+"="+v)
	}
	for _, name := range []string{"Pulumi.yaml", "Pulumi." + o.stack + ".yaml"} {
		if err := copyFile(filepath.Join(dir, name), filepath.Join(ws, name)); err != nil {
			return r.fail(ExitError, ResultFailed, err)
		}
	}

	fmt.Fprintf(r.stderr, "eksfleet %s %s: project %s, backend %s", o.verb, o.stack, proj.Name, r.sum.Backend)
	if len(packs) > 0 {
		fmt.Fprintf(r.stderr, ", policy packs %s", strings.Join(packs, ", "))
	}
	fmt.Fprintln(r.stderr)

	wsOpts := []auto.LocalWorkspaceOption{auto.WorkDir(ws), auto.Pulumi(cli), auto.EnvVars(extraEnv)}
	if sp := r.secretsProvider(); sp != "" {
		wsOpts = append(wsOpts, auto.SecretsProvider(sp))
	}
	var st auto.Stack
	if o.verb == "preview" || o.verb == "up" {
		st, err = auto.UpsertStackInlineSource(ctx, o.stack, proj.Name, stacks.Run, wsOpts...)
	} else {
		st, err = auto.SelectStackInlineSource(ctx, o.stack, proj.Name, stacks.Run, wsOpts...)
		if auto.IsSelectStack404Error(err) {
			return r.fail(ExitError, ResultFailed, fmt.Errorf("stack %s does not exist in backend %s", o.stack, r.sum.Backend))
		}
	}
	if err != nil {
		return r.classify(ctx, fmt.Errorf("opening stack %s: %w", o.stack, err), nil)
	}

	switch o.verb {
	case "preview":
		return r.preview(ctx, st, packs)
	case "up":
		return r.up(ctx, st, packs)
	case "refresh":
		return r.refresh(ctx, st)
	case "destroy":
		return r.destroy(ctx, st)
	case "outputs":
		return r.outputs(ctx, st)
	case "drift":
		return r.drift(ctx, st)
	case "cancel":
		if err := st.Cancel(ctx); err != nil {
			return r.classify(ctx, err, nil)
		}
		fmt.Fprintf(r.stderr, "eksfleet cancel %s: lock released\n", o.stack)
		// What the killed update left pending, with the way to resolve it
		// (up refuses to run over pending creates).
		r.pendingOperations(ctx, st)
		r.sum.Result = ResultSucceeded
		return ExitOK
	}
	return r.fail(ExitError, ResultFailed, fmt.Errorf("unknown command %q", o.verb))
}

// classify maps an operation error to an exit code and result.
func (r *run) classify(ctx context.Context, err error, c *collector) int {
	if err == nil {
		r.sum.Result = ResultSucceeded
		return ExitOK
	}
	if cli := r.cli.Load(); cli != nil {
		for _, line := range cli.errorLines() {
			r.sum.addError(line)
		}
	}
	switch {
	case ctx.Err() != nil:
		return r.fail(ExitError, ResultCanceled, errors.New("interrupted: the operation stopped before its end"))
	case auto.IsConcurrentUpdateError(err):
		return r.fail(ExitLocked, ResultLocked, nil)
	case c != nil && c.mandatoryViolation():
		return r.fail(ExitPolicy, ResultPolicyViolation, nil)
	}
	code := r.fail(ExitError, ResultFailed, errors.New(firstLine(err)))
	if cause := r.stateCause(append(slices.Clone(r.sum.Errors), err.Error())); cause != "" {
		r.sum.addError(cause)
	}
	return code
}

func (r *run) preview(ctx context.Context, st auto.Stack, packs []string) int {
	c := newCollector(false)
	res, err := st.Preview(ctx, r.previewOptions(c, packs, false)...)
	r.settlePreview(c, res)
	r.markCritical(r.sum.Resources)
	r.reportCritical(st.Name(), r.sum.Resources)
	return r.classify(ctx, err, c)
}

// previewOptions are the options of a preview reporting to c.
func (r *run) previewOptions(c *collector, packs []string, refresh bool) []optpreview.Option {
	opts := []optpreview.Option{
		optpreview.EventStreams(c.ch), optpreview.ProgressStreams(r.stderr),
		optpreview.ErrorProgressStreams(r.stderr), optpreview.UserAgent(userAgent),
	}
	if len(packs) > 0 {
		opts = append(opts, optpreview.PolicyPacks(packs...))
	}
	if r.opts.diff {
		opts = append(opts, optpreview.Diff())
	}
	if refresh {
		opts = append(opts, optpreview.Refresh())
	}
	return opts
}

// up previews first, as `pulumi up` does and the Automation API does not:
// a mandatory policy violation, including one from a stack policy that only
// runs once every resource is known, then stops the update before anything
// changes instead of part way through.
func (r *run) up(ctx context.Context, st auto.Stack, packs []string) int {
	if code, stop := r.checkBeforeWrite(ctx, st); stop {
		return code
	}
	if !r.opts.skipPreview {
		pc := newCollector(false)
		res, err := st.Preview(ctx, r.previewOptions(pc, packs, false)...)
		if err != nil {
			r.settlePreview(pc, res)
			return r.classify(ctx, err, pc)
		}
		pc.finish()
		planned := pc.list()
		refused := r.markCritical(planned)
		r.reportCritical(st.Name(), planned)
		if r.production && len(refused) > 0 {
			// The summary lists what the preview planned, critical changes
			// flagged, so a pipeline can show what needs a decision.
			r.sum.Resources = planned
			fallbackChanges(r.sum, res.ChangeSummary)
			return r.fail(ExitReplace, ResultReplaceRefused, refuseCritical(st.Name(), refused))
		}
		fmt.Fprintf(r.stderr, "eksfleet up %s: preview passed (%s); updating\n", st.Name(), changeLine(opChanges(res.ChangeSummary)))
	}
	c := newCollector(true)
	opts := []optup.Option{
		optup.EventStreams(c.ch), optup.ProgressStreams(r.stderr),
		optup.ErrorProgressStreams(r.stderr), optup.UserAgent(userAgent),
	}
	if len(packs) > 0 {
		opts = append(opts, optup.PolicyPacks(packs...))
	}
	if r.opts.diff {
		opts = append(opts, optup.Diff())
	}
	res, err := st.Up(ctx, opts...)
	r.settleUpdate(ctx, st, c, res.Summary, err)
	r.markCritical(r.sum.Resources)
	if code := r.classify(ctx, err, c); code != ExitOK {
		return code
	}
	return r.outputs(ctx, st)
}

func (r *run) refresh(ctx context.Context, st auto.Stack) int {
	if code, stop := r.checkBeforeWrite(ctx, st); stop {
		return code
	}
	if len(r.opts.importPending) > 0 {
		if err := importPendingCreates(ctx, st, r.opts.importPending); err != nil {
			return r.classify(ctx, err, nil)
		}
		fmt.Fprintf(r.stderr, "eksfleet refresh %s: recorded %d pending create(s) with their IDs; refreshing to read them\n",
			st.Name(), len(r.opts.importPending))
	}
	c := newCollector(true)
	opts := []optrefresh.Option{
		optrefresh.EventStreams(c.ch), optrefresh.ProgressStreams(r.stderr),
		optrefresh.ErrorProgressStreams(r.stderr), optrefresh.UserAgent(userAgent),
	}
	if r.opts.clearPendingCreates {
		opts = append(opts, optrefresh.ClearPendingCreates())
	}
	res, err := st.Refresh(ctx, opts...)
	r.settleUpdate(ctx, st, c, res.Summary, err)
	if code := r.classify(ctx, err, c); code != ExitOK {
		return code
	}
	return r.outputs(ctx, st)
}

func (r *run) destroy(ctx context.Context, st auto.Stack) int {
	if code, stop := r.checkBeforeWrite(ctx, st); stop {
		return code
	}
	c := newCollector(true)
	res, err := st.Destroy(ctx, optdestroy.EventStreams(c.ch), optdestroy.ProgressStreams(r.stderr),
		optdestroy.ErrorProgressStreams(r.stderr), optdestroy.UserAgent(userAgent))
	r.settleUpdate(ctx, st, c, res.Summary, err)
	return r.classify(ctx, err, c)
}

// drift previews the program against a refreshed copy of the state (the
// refresh is not saved), so it sees both changes made outside Pulumi and
// program changes not deployed yet. Any resource to create, update, replace
// or delete is drift.
func (r *run) drift(ctx context.Context, st auto.Stack) int {
	c := newCollector(false)
	res, err := st.Preview(ctx, r.previewOptions(c, nil, true)...)
	r.settlePreview(c, res)
	if code := r.classify(ctx, err, c); code != ExitOK {
		return code
	}
	if len(r.sum.Resources) > 0 {
		r.sum.Result = ResultDrift
		return ExitDrift
	}
	return ExitOK
}

// settlePreview records a finished preview in the summary.
func (r *run) settlePreview(c *collector, res auto.PreviewResult) {
	c.finish()
	c.fill(r.sum)
	fallbackChanges(r.sum, res.ChangeSummary)
}

// settleUpdate records a finished up, refresh or destroy in the summary,
// with the operations it left pending. An operation that did not get the
// stack's lock left nothing: the pending operations in the state then are
// those of the update holding the lock, still in flight.
func (r *run) settleUpdate(ctx context.Context, st auto.Stack, c *collector, s auto.UpdateSummary, err error) {
	c.finish()
	c.fill(r.sum)
	if !auto.IsConcurrentUpdateError(err) {
		r.pendingOperations(ctx, st)
	}
	if s.ResourceChanges != nil {
		fallbackChanges(r.sum, *s.ResourceChanges)
	}
}

// importPendingCreates turns pending creates into resources with the given
// IDs by editing the state (export, edit, import); the refresh that follows
// reads their outputs from the cloud. The CLI's own --import-pending-creates
// only relabels the operation as "importing", and the engine (3.250) then
// drops it without recording the resource, so the next up tries to create
// it again and the cloud refuses.
func importPendingCreates(ctx context.Context, st auto.Stack, creates []pendingCreate) error {
	dep, err := st.Export(ctx)
	if err != nil {
		return err
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(dep.Deployment, &d); err != nil {
		return fmt.Errorf("reading the state: %w", err)
	}
	var ops, resources []json.RawMessage
	if raw, ok := d["pending_operations"]; ok {
		if err := json.Unmarshal(raw, &ops); err != nil {
			return fmt.Errorf("reading the pending operations: %w", err)
		}
	}
	if raw, ok := d["resources"]; ok {
		if err := json.Unmarshal(raw, &resources); err != nil {
			return fmt.Errorf("reading the resources: %w", err)
		}
	}
	ids := map[string]string{}
	for _, pc := range creates {
		ids[pc.urn] = pc.id
	}
	var kept []json.RawMessage
	var pending []string
	for _, raw := range ops {
		var op struct {
			Type     string                     `json:"type"`
			Resource map[string]json.RawMessage `json:"resource"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			return fmt.Errorf("reading a pending operation: %w", err)
		}
		var urn string
		_ = json.Unmarshal(op.Resource["urn"], &urn)
		id, ok := ids[urn]
		if op.Type != "creating" || !ok {
			kept = append(kept, raw)
			if op.Type == "creating" {
				pending = append(pending, urn)
			}
			continue
		}
		delete(ids, urn)
		op.Resource["id"], _ = json.Marshal(id)
		res, err := json.Marshal(op.Resource)
		if err != nil {
			return err
		}
		// Appending keeps the state in dependency order: nothing can depend
		// on a resource whose create never finished.
		resources = append(resources, res)
	}
	if len(ids) > 0 {
		var missing []string
		for urn := range ids {
			missing = append(missing, urn)
		}
		return fmt.Errorf("no pending create for %s (pending creates: %s)", strings.Join(missing, ", "), strings.Join(pending, ", "))
	}
	if kept == nil {
		kept = []json.RawMessage{}
	}
	if d["pending_operations"], err = json.Marshal(kept); err != nil {
		return err
	}
	if d["resources"], err = json.Marshal(resources); err != nil {
		return err
	}
	if dep.Deployment, err = json.Marshal(d); err != nil {
		return err
	}
	return st.Import(ctx, dep)
}

// pendingOperations lists the operations the stack's state marks as
// unfinished. It runs after an interrupt too, so it does not use the
// cancelled context; what it cannot read is reported, not fatal.
func (r *run) pendingOperations(ctx context.Context, st auto.Stack) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	state, err := exportState(ctx, st)
	if err != nil {
		r.sum.addError(fmt.Sprintf("listing pending operations: %v", firstLine(err)))
		return
	}
	r.sum.PendingOperations = append(r.sum.PendingOperations, state.pending...)
}

// firstLine is the first line of an error: Automation API errors embed the
// CLI's whole output, which the user has already seen as progress.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// fallbackChanges fills the change counts from a result when the event
// stream had no summary event.
func fallbackChanges[Op ~string](s *Summary, m map[Op]int) {
	if len(s.Changes) == 0 {
		s.Changes = opChanges(m)
	}
}

// opChanges converts engine change counts to the summary's form.
func opChanges[Op ~string](m map[Op]int) map[string]int {
	out := make(map[string]int, len(m))
	for op, n := range m {
		out[string(op)] = n
	}
	return out
}

// outputs reads the stack outputs with secrets masked. It asks the CLI
// without --show-secrets, so secret values, nested ones included, never
// reach this process in plain text (auto.Stack.Outputs decrypts them).
func (r *run) outputs(ctx context.Context, st auto.Stack) int {
	stdout, _, _, err := r.cli.Load().Run(ctx, r.ws, nil, nil, nil, r.cliEnv, "stack", "output", "--json", "--stack", st.Name())
	if err != nil {
		return r.classify(ctx, fmt.Errorf("reading the outputs of stack %s: %w", st.Name(), err), nil)
	}
	outs := map[string]any{}
	if err := json.Unmarshal([]byte(stdout), &outs); err != nil {
		return r.fail(ExitError, ResultFailed, fmt.Errorf("reading the outputs of stack %s: %w", st.Name(), err))
	}
	r.sum.Outputs = outs
	r.sum.Result = ResultSucceeded
	return ExitOK
}

// backendEnv resolves the backend and the secrets settings, checks a
// passphrase is available when one is needed, and returns the environment
// the driver adds for the CLI.
func (r *run) backendEnv(dir string, proj *plan.Project) (map[string]string, error) {
	backend := r.env.get("PULUMI_BACKEND_URL")
	if backend == "" {
		state := filepath.Join(dir, stateDir)
		if err := os.MkdirAll(state, 0o755); err != nil {
			return nil, fmt.Errorf("default file backend: %w", err)
		}
		backend = "file://" + filepath.ToSlash(state)
	}
	r.sum.Backend = redactURL(backend)
	r.backendURL = backend
	extra := map[string]string{"PULUMI_BACKEND_URL": backend}
	defaults := map[string]string{
		// Pipelines run pinned CLIs; the check only adds a network call.
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		// The workspace's copy of Pulumi.STACK.yaml lacks the encryption
		// salt or key the CLI saved when it created the stack; take them from
		// the stack's state instead of generating new ones on every run.
		"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true",
	}
	for k, v := range defaults {
		if !r.env.has(k) {
			extra[k] = v
		}
	}
	if f := r.env.get("PULUMI_CONFIG_PASSPHRASE_FILE"); f != "" {
		// The CLI runs in the workspace directory, so a relative path would
		// point elsewhere.
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("PULUMI_CONFIG_PASSPHRASE_FILE: %w", err)
		}
		extra["PULUMI_CONFIG_PASSPHRASE_FILE"] = abs
	}

	sp := r.secretsProvider()
	if sp == "" {
		sp = stackSecretsProvider(filepath.Join(dir, "Pulumi."+proj.Stack+".yaml"))
	}
	needPassphrase := sp == "passphrase" || ((sp == "" || sp == "default") && !isServiceBackend(backend))
	if needPassphrase && !r.env.has("PULUMI_CONFIG_PASSPHRASE") && !r.env.has("PULUMI_CONFIG_PASSPHRASE_FILE") {
		return nil, fmt.Errorf("backend %s uses the passphrase secrets provider: set PULUMI_CONFIG_PASSPHRASE or "+
			"PULUMI_CONFIG_PASSPHRASE_FILE, or choose another provider with --secrets-provider or "+
			"PULUMI_SECRETS_PROVIDER (e.g. awskms://alias/eksfleet)", r.sum.Backend)
	}
	return extra, nil
}

// secretsProvider is the provider asked for a new stack: the flag, else
// PULUMI_SECRETS_PROVIDER.
func (r *run) secretsProvider() string {
	if r.opts.secretsProvider != "" {
		return r.opts.secretsProvider
	}
	return r.env.get("PULUMI_SECRETS_PROVIDER")
}

// stackSecretsProvider reads `secretsprovider:` from a stack config file.
func stackSecretsProvider(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var f struct {
		SecretsProvider string `yaml:"secretsprovider"`
	}
	_ = yaml.Unmarshal(b, &f)
	return f.SecretsProvider
}

// confirmDestroy refuses to destroy a production stack (isProduction)
// unless --confirm-destroy names it.
func (r *run) confirmDestroy() error {
	if !r.production {
		return nil
	}
	if r.opts.confirmDestroy == r.opts.stack {
		return nil
	}
	if r.opts.confirmDestroy != "" {
		return fmt.Errorf("--confirm-destroy %q does not match the stack name %q", r.opts.confirmDestroy, r.opts.stack)
	}
	return fmt.Errorf("stack %s is a production stack: destroying it needs --confirm-destroy %s", r.opts.stack, r.opts.stack)
}

// policyPacks resolves the policy pack directories: the --policy-pack flags,
// else the project's policy directory when it is a pack. Each must have a
// runtime the engine can start.
func (r *run) policyPacks(dir string, cli *cliCommand) ([]string, error) {
	packs := r.opts.policyPacks
	if len(packs) == 0 {
		def := filepath.Join(dir, "policy")
		if _, err := os.Stat(filepath.Join(def, "PulumiPolicy.yaml")); err == nil {
			packs = []string{def}
		}
	}
	path := filepath.Dir(cli.path) + string(os.PathListSeparator) + r.env.get("PATH")
	out := make([]string, 0, len(packs))
	for _, p := range packs {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(abs, "PulumiPolicy.yaml"))
		if err != nil {
			return nil, fmt.Errorf("policy pack %s: %w", abs, err)
		}
		var pp struct {
			Runtime yaml.Node `yaml:"runtime"`
		}
		if err := yaml.Unmarshal(b, &pp); err != nil {
			return nil, fmt.Errorf("policy pack %s: PulumiPolicy.yaml: %w", abs, err)
		}
		runtime := pp.Runtime.Value
		if pp.Runtime.Kind == yaml.MappingNode {
			var m struct {
				Name string `yaml:"name"`
			}
			_ = pp.Runtime.Decode(&m)
			runtime = m.Name
		}
		if runtime == "" {
			return nil, fmt.Errorf("policy pack %s: PulumiPolicy.yaml has no runtime", abs)
		}
		// The engine runs a pack through the language host of its runtime
		// or, failing that, an analyzer binary for it (a Go pack has no
		// language host offline, so it is served by a prebuilt binary).
		_, errHost := lookPath("pulumi-language-"+runtime, path)
		analyzer := "pulumi-analyzer-policy-" + runtime
		if _, err := lookPath(analyzer, path); err != nil && errHost != nil {
			return nil, fmt.Errorf("policy pack %s (runtime %s) needs %s or pulumi-language-%s on PATH; "+
				"build the analyzer from the pack's source with `go build -o <dir on PATH>/%s ./policy`",
				abs, runtime, analyzer, runtime, analyzer)
		}
		out = append(out, abs)
	}
	return out, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}
