// Package driver runs the eksfleet program on the Pulumi engine for
// pipelines: `eksfleet preview|up|refresh|destroy|outputs|drift|cancel
// STACK`. It uses the Automation API with the program inline (stacks.Run
// served from this process, so no Go language host is needed), the
// project's Pulumi.STACK.yaml, the policy pack, a backend from
// PULUMI_BACKEND_URL (a file backend inside the project by default), and
// reports a JSON [Summary] with stable exit codes.
//
// [Main] is the whole command line behaviour; cmd/eksfleet only wires the
// process environment, standard streams and signals to it, so tests run
// exactly what pipelines run.
package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Exit codes.
const (
	// ExitOK: the command succeeded (for drift: no drift).
	ExitOK = 0
	// ExitError: bad usage, invalid configuration, a failed or cancelled
	// operation.
	ExitError = 1
	// ExitPolicy: a mandatory policy was violated; nothing was changed by
	// the step that violated it.
	ExitPolicy = 2
	// ExitDrift: drift found live resources that differ from the program.
	ExitDrift = 3
	// ExitLocked: another update holds the stack's lock.
	ExitLocked = 4
	// ExitReplace: a production up would replace or delete a critical
	// resource (cluster, node group, Auto Scaling group, Karpenter
	// NodePool, KMS key, interruption queue) that no --allow-replace
	// names; nothing changed.
	ExitReplace = 5
)

// Verbs are the commands Main accepts.
var Verbs = []string{"preview", "up", "refresh", "destroy", "outputs", "drift", "cancel"}

// IsVerb reports whether verb is one of [Verbs].
func IsVerb(verb string) bool { return slices.Contains(Verbs, verb) }

// Invocation is one run of a driver command.
type Invocation struct {
	// Verb is one of [Verbs].
	Verb string
	// Args are the arguments after the verb: STACK and flags.
	Args []string
	// Env is the process environment ("KEY=value"); the Pulumi CLI gets it
	// too, so PULUMI_* variables (PULUMI_DEBUG_PROVIDERS, PULUMI_HOME, ...)
	// pass through.
	Env []string
	// Stdout receives the JSON summary (unless --json-file); Stderr the
	// human progress.
	Stdout, Stderr io.Writer
	// Signals, when set, delivers interrupts: the first cancels the
	// operation cleanly (Pulumi finishes the steps in flight, saves the
	// state and releases the lock), a second is forwarded to Pulumi, which
	// then stops at once.
	Signals <-chan os.Signal
}

// Usage describes the driver commands for `eksfleet help`.
const Usage = `  eksfleet preview STACK [flags]   show what up would change (policy pack applied)
  eksfleet up STACK [flags]        deploy the stack (policy pack applied)
  eksfleet refresh STACK [flags]   update the state from the cloud
  eksfleet destroy STACK [flags]   delete every resource of the stack
  eksfleet outputs STACK [flags]   print the stack outputs (secrets masked)
  eksfleet drift STACK [flags]     exit 3 when live resources differ from the program
  eksfleet cancel STACK [flags]    release the lock left by an update that was killed

Flags (all driver commands):
  --dir DIR                 project directory with Pulumi.yaml and Pulumi.STACK.yaml (default .)
  --json-file PATH          write the JSON summary to PATH instead of stdout
  --secrets-provider URL    secrets provider for a new stack (default: PULUMI_SECRETS_PROVIDER,
                            else passphrase, or Pulumi Cloud's on a Pulumi Cloud backend)
  --interrupt-grace DUR     how long an interrupted operation may take to stop cleanly
                            before Pulumi is killed (default 20m)
preview, up:
  --policy-pack DIR         policy pack to apply (repeatable; default DIR/policy when it holds
                            PulumiPolicy.yaml)
  --diff                    show detailed diffs in the progress output
  --allow-replace URN       let a production up replace or delete this critical resource
                            (EKS cluster, node group, Auto Scaling group, Karpenter
                            NodePool, KMS key, interruption queue); without it up
                            exits 5 (repeatable)
up:
  --skip-preview            update without previewing first (the preview stops the update
                            before any change when a mandatory policy is violated; refused
                            for production stacks, whose preview guards critical resources)
drift:
  --diff                    show detailed diffs in the progress output
refresh:
  --import-pending-create URN=ID
                            record a create an interrupted update left pending, which
                            exists in the cloud with this ID, then refresh (repeatable)
  --clear-pending-creates   drop the creates an interrupted update left pending
destroy:
  --confirm-destroy STACK   required, equal to the stack name, for production stacks
                            (named prod, or with eksfleet:environment prod)

Environment:
  PULUMI_BACKEND_URL            state backend (s3://..., https://api.pulumi.com, file://...);
                                default file://DIR/.pulumi-state
  PULUMI_CONFIG_PASSPHRASE(_FILE)  passphrase of the passphrase secrets provider
  PULUMI_SECRETS_PROVIDER       secrets provider for new stacks (awskms://..., passphrase)
  PULUMI_ACCESS_TOKEN           Pulumi Cloud token (Pulumi Cloud backend)
  EKSFLEET_PULUMI               path of the pulumi CLI (default: pulumi on PATH)
`

// Main runs one driver command and returns the process exit code.
func Main(ctx context.Context, inv Invocation) int {
	start := time.Now()
	opts, err := parseFlags(inv.Verb, inv.Args, inv.Stderr)
	if err != nil {
		if !errors.Is(err, errUsagePrinted) {
			fmt.Fprintf(inv.Stderr, "eksfleet %s: %v\n", inv.Verb, err)
		}
		return ExitError
	}
	if opts.jsonFile != "" {
		// Found out before anything runs, not after an update that cannot
		// report what it did.
		if err := checkWritable(opts.jsonFile); err != nil {
			fmt.Fprintf(inv.Stderr, "eksfleet %s: --json-file: %v; nothing was run\n", inv.Verb, err)
			return ExitError
		}
	}
	sum := newSummary(inv.Verb, opts.stack, start)
	r := &run{opts: opts, env: newEnvMap(inv.Env), stderr: inv.Stderr, sum: sum}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopSignals := r.watchSignals(inv.Signals, cancel)
	code := r.execute(ctx)
	stopSignals()

	if ctx.Err() != nil && code != ExitOK {
		// Interrupted (a signal, or the caller's context): whatever the CLI
		// reported, the operation did not run to its end.
		code, sum.Result = ExitError, ResultCanceled
	}
	sum.ExitCode = code
	sum.DurationSeconds = time.Since(start).Round(time.Millisecond).Seconds()
	if err := sum.write(opts.jsonFile, inv.Stdout); err != nil {
		fmt.Fprintf(inv.Stderr, "eksfleet %s: writing the JSON summary: %v\n", inv.Verb, err)
		if code == ExitOK {
			code = ExitError
		}
	}
	r.report(code)
	return code
}

// checkWritable checks that the summary can be written to path, leaving
// an existing file as it is and no new one behind.
func checkWritable(path string) error {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if os.IsNotExist(statErr) {
		return os.Remove(path)
	}
	return nil
}

// watchSignals cancels the operation on the first signal and forwards the
// following ones to the Pulumi CLI. The returned function stops watching.
func (r *run) watchSignals(sigs <-chan os.Signal, cancel context.CancelFunc) func() {
	if sigs == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				if !r.interrupted.Swap(true) {
					fmt.Fprintf(r.stderr, "\neksfleet: %v: stopping after the operations in flight and saving the state"+
						" (interrupt again to stop at once, which can leave the stack locked)\n", sig)
					cancel()
					continue
				}
				if cli := r.cli.Load(); cli != nil && cli.interrupt() > 0 {
					fmt.Fprintf(r.stderr, "\neksfleet: %v again: Pulumi is stopping at once; if the stack stays locked, "+
						"run `eksfleet cancel %s`; the summary lists the operations left pending\n", sig, r.opts.stack)
				}
			}
		}
	}()
	return func() { close(done) }
}

// report prints the one-line outcome for people.
func (r *run) report(code int) {
	s := r.sum
	line := fmt.Sprintf("eksfleet %s %s: %s (exit %d) in %.1fs", s.Command, s.Stack, s.Result, code, s.DurationSeconds)
	if s.Command != "outputs" && s.Command != "cancel" && len(s.Changes) > 0 {
		line += ": " + changeLine(s.Changes)
	}
	fmt.Fprintln(r.stderr, line)
	switch s.Result {
	case ResultPolicyViolation:
		for _, v := range s.PolicyViolations {
			if v.Enforcement == "mandatory" {
				fmt.Fprintf(r.stderr, "  mandatory policy %s/%s: %s %s\n", v.PolicyPack, v.Policy, v.URN, v.Message)
			}
		}
	case ResultDrift:
		for _, c := range s.Resources {
			fmt.Fprintf(r.stderr, "  drift: %s %s %s\n", c.Op, c.URN, strings.Join(c.Diffs, ","))
		}
	case ResultLocked:
		fmt.Fprintf(r.stderr, "  another update holds the lock of stack %s; wait for it, or if it was killed run `eksfleet cancel %s`\n",
			s.Stack, s.Stack)
	}
	if len(s.PendingOperations) > 0 {
		fmt.Fprintf(r.stderr, "  %d operation(s) were interrupted; check each in the cloud, then run `eksfleet refresh %s` with "+
			"--import-pending-create URN=ID for those that exist, or --clear-pending-creates if none does:\n",
			len(s.PendingOperations), s.Stack)
		for _, p := range s.PendingOperations {
			if p.Name != "" {
				fmt.Fprintf(r.stderr, "    %s %s (name %s)\n", p.Op, p.URN, p.Name)
			} else {
				fmt.Fprintf(r.stderr, "    %s %s\n", p.Op, p.URN)
			}
		}
	}
	if s.Result != ResultSucceeded && s.Result != ResultDrift {
		for _, e := range s.Errors {
			fmt.Fprintf(r.stderr, "  error: %s\n", e)
		}
	}
}

// run is the state of one command.
type run struct {
	opts   *options
	env    envMap
	stderr io.Writer
	sum    *Summary

	// ws is the workspace directory and cliEnv the environment the driver
	// adds for the CLI (backend, secrets settings), set once resolved.
	ws     string
	cliEnv []string
	// backendURL is the backend URL, credentials included.
	backendURL string
	// production is set for a production stack (see isProduction).
	production bool

	cli         atomic.Pointer[cliCommand]
	interrupted atomic.Bool
}
