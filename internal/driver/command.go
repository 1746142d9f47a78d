package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blang/semver"
)

// minCLIVersion is the oldest Pulumi CLI the driver accepts: inline programs
// can only be refreshed and destroyed over --client from 3.181 on, and the
// engine event stream over gRPC needs a CLI newer than 3.205.
var minCLIVersion = semver.MustParse("3.206.0")

// cliCommand is the driver's auto.PulumiCommand. The Automation API's own
// implementation interrupts the CLI on context cancellation but kills it 10
// seconds later, which cuts off the graceful stop of anything slower than a
// toy (an EKS control plane takes ~10 minutes to create), and on Unix it
// leaves the CLI in the driver's process group, so a terminal Ctrl-C reaches
// the CLI directly as well as through the driver and Pulumi takes the second
// interrupt as "terminate now". This one runs the CLI in its own process
// group, sends it exactly one SIGINT on cancellation, waits the configured
// grace period, and lets the driver forward further interrupts.
type cliCommand struct {
	path    string
	version semver.Version
	env     []string      // the complete base environment of the CLI
	grace   time.Duration // how long a cancelled CLI may take to stop
	// guard runs the CLI under a guard process (Linux), which stops it and
	// kills its plugins when the driver dies, even by SIGKILL.
	guard bool

	mu      sync.Mutex
	procs   map[*os.Process]bool
	lastErr string // stderr of the last command that failed
}

// newCLICommand finds the Pulumi CLI (EKSFLEET_PULUMI, else pulumi on the
// PATH of env) and checks its version.
func newCLICommand(env envMap, grace time.Duration) (*cliCommand, error) {
	path := env.get("EKSFLEET_PULUMI")
	if path == "" {
		var err error
		if path, err = lookPath("pulumi", env.get("PATH")); err != nil {
			return nil, errors.New(`the pulumi CLI was not found: put it on PATH or set EKSFLEET_PULUMI to its path` +
				` (offline: eval "$(.ci/tools.sh pulumi)")`)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(abs, "version")
	cmd.Env = append(env.list(), "PULUMI_SKIP_UPDATE_CHECK=true")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s version: %w", abs, err)
	}
	text := strings.TrimSpace(string(out))
	v, err := semver.ParseTolerant(text)
	if err != nil {
		return nil, fmt.Errorf("%s version printed %q, not a version (a CLI built from source needs "+
			"-ldflags -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=vX.Y.Z)", abs, text)
	}
	if v.LT(minCLIVersion) {
		return nil, fmt.Errorf("%s is Pulumi %s; eksfleet needs %s or newer", abs, v, minCLIVersion)
	}
	return &cliCommand{path: abs, version: v, env: env.list(), grace: grace, guard: true, procs: map[*os.Process]bool{}}, nil
}

// guardEnv, set in the environment of the driver's own executable, makes
// it the guard of the CLI named by its arguments (guard_linux.go); its
// value is the grace period.
const guardEnv = "EKSFLEET_CLI_GUARD"

// lookPath is exec.LookPath over an explicit PATH value.
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH", name)
}

// Version implements auto.PulumiCommand.
func (c *cliCommand) Version() semver.Version { return c.version }

// Run implements auto.PulumiCommand.
func (c *cliCommand) Run(ctx context.Context, workdir string, stdin io.Reader,
	additionalOutput, additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	// Pipelines must never wait on a prompt.
	if !slices.Contains(args, "--non-interactive") {
		args = append([]string{"--non-interactive"}, args...)
	}
	cmd := exec.Command(c.path, args...)
	env := append(slices.Clone(c.env), additionalEnv...)
	env = append(env, "PULUMI_AUTOMATION_API=true")
	var guardEnd, lifeline *os.File
	if c.guard {
		if g, r, w := guardCommand(c.path, args); g != nil {
			cmd, guardEnd, lifeline = g, r, w
			env = append(env, guardEnv+"="+c.grace.String())
			defer lifeline.Close()
		}
	}
	cmd.Dir = workdir
	// Plugins next to the CLI (e.g. a policy analyzer) win over PATH.
	cmd.Env = prependPath(env, filepath.Dir(c.path))
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	// Own process group: signals sent to the driver's group (a terminal
	// Ctrl-C) do not reach the CLI and its plugins; the driver forwards them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err := cmd.Start()
	if guardEnd != nil {
		guardEnd.Close()
	}
	if err != nil {
		return "", "", -1, err
	}
	c.mu.Lock()
	c.procs[cmd.Process] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.procs, cmd.Process)
		c.mu.Unlock()
	}()

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// One SIGINT: Pulumi finishes the operations in flight, writes the
		// state and releases the stack lock.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err = <-done:
		case <-time.After(c.grace):
			exited := false
			if lifeline != nil {
				// The guard kills the CLI and the plugins it started
				// (each in a process group of its own).
				_ = cmd.Process.Signal(killCLI)
				select {
				case err = <-done:
					exited = true
				case <-time.After(15 * time.Second):
				}
			}
			if !exited {
				// The whole group: the guard and the CLI.
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				err = <-done
			}
		}
	}
	if err != nil {
		c.mu.Lock()
		c.lastErr = stderr.String()
		c.mu.Unlock()
	}
	code := -2
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err == nil {
		code = 0
	}
	return stdout.String(), stderr.String(), code, err
}

// errorLines returns the "error: " lines the last failed command printed,
// without the prefix: the CLI's own account of what went wrong, such as a
// locked stack, which is not an engine diagnostic.
func (c *cliCommand) errorLines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	inError := false
	for _, line := range strings.Split(c.lastErr, "\n") {
		trimmed := strings.TrimSpace(line)
		if msg, ok := strings.CutPrefix(trimmed, "error: "); ok {
			out = append(out, msg)
			inError = true
			continue
		}
		// "error: 2 errors occurred:" is followed by the errors, indented
		// and numbered: the causes (a state file that cannot be written...).
		if inError && trimmed != "" && line != trimmed && numberedError.MatchString(trimmed) {
			out = append(out, trimmed)
			continue
		}
		inError = false
	}
	return out
}

// numberedError is an entry of the CLI's "N errors occurred:" list.
var numberedError = regexp.MustCompile(`^\d+\) `)

// interrupt sends SIGINT to every running CLI. Pulumi treats a second
// interrupt as "stop now": it abandons operations in flight, which may leave
// the stack locked and with pending operations (see `eksfleet cancel` and
// `eksfleet refresh --clear-pending-creates`).
func (c *cliCommand) interrupt() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.procs {
		_ = p.Signal(os.Interrupt)
	}
	return len(c.procs)
}

// prependPath returns env with dir first on its PATH.
func prependPath(env []string, dir string) []string {
	out := slices.Clone(env)
	for i := len(out) - 1; i >= 0; i-- {
		if strings.HasPrefix(out[i], "PATH=") {
			out[i] = "PATH=" + dir + string(os.PathListSeparator) + strings.TrimPrefix(out[i], "PATH=")
			return out
		}
	}
	return append(out, "PATH="+dir)
}
