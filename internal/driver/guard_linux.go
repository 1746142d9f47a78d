package driver

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// The guard stands between the driver and the Pulumi CLI, so that a driver
// killed with SIGKILL (which it cannot catch) leaves no process behind. The
// CLI starts its plugins (the policy analyzer, providers) each in a process
// group of its own, and a CLI that dies abruptly leaves them running for
// ever. The guard is the driver's own executable started again with
// guardEnv set (an init function turns it into the guard before anything
// else runs); it
//
//   - is a child subreaper, so plugins orphaned by the CLI become its
//     children, and kills them all once the CLI has exited;
//   - watches a pipe whose other end only the driver holds: at EOF the
//     driver is gone, and the guard interrupts the CLI once, as the
//     driver's own cancellation does (Pulumi finishes the operations in
//     flight, saves the state and releases the lock), killing it after
//     the grace period;
//   - relays the CLI's output and keeps draining it once the driver is
//     gone, so the CLI is not killed by SIGPIPE half way through saving;
//   - forwards SIGINT and SIGTERM to the CLI and exits with its exit code.

// guardLifeline is the guard's file descriptor of the driver's pipe.
const guardLifeline = 3

func init() {
	if v, ok := os.LookupEnv(guardEnv); ok {
		os.Exit(guardMain(v, os.Args[1:]))
	}
}

// guardCommand returns the command that runs the CLI at path with args
// under a guard (its environment must add guardEnv=GRACE), the guard's end
// of the lifeline, to close once the guard has started, and the driver's,
// to close once it has ended. It returns a nil command when no guard can
// run.
func guardCommand(path string, args []string) (cmd *exec.Cmd, guardEnd, driverEnd *os.File) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, nil
	}
	cmd = exec.Command(self, append([]string{path}, args...)...)
	cmd.ExtraFiles = []*os.File{r} // fd 3 in the guard
	return cmd, r, w
}

// killCLI asks a guard to kill its CLI at once (and its plugins).
const killCLI = syscall.SIGUSR1

// guardMain is the guard process: args are the CLI and its arguments.
func guardMain(graceValue string, args []string) int {
	grace, err := time.ParseDuration(graceValue)
	if err != nil || len(args) == 0 {
		fmt.Fprintf(os.Stderr, "eksfleet: %s=%q with %d argument(s): not a guard invocation\n", guardEnv, graceValue, len(args))
		return 2
	}
	os.Unsetenv(guardEnv)
	const prSetChildSubreaper = 36
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "eksfleet: cannot become a child subreaper: %v\n", errno)
	}
	syscall.CloseOnExec(guardLifeline)
	lifeline := os.NewFile(guardLifeline, "lifeline")
	driverGone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, lifeline)
		close(driverGone)
	}()
	// Writes to a driver that is gone fail with EPIPE instead of killing
	// the guard.
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, killCLI)

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stdout = relay{os.Stdout}
	cmd.Stderr = relay{os.Stderr}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "eksfleet: %v\n", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	var kill <-chan time.Time
wait:
	for {
		select {
		case <-done:
			break wait
		case sig := <-sigs:
			if sig == killCLI {
				_ = cmd.Process.Kill()
			} else {
				_ = cmd.Process.Signal(sig)
			}
		case <-driverGone:
			driverGone = nil
			if !stopped {
				stopped = true
				_ = cmd.Process.Signal(os.Interrupt)
				kill = time.After(grace)
			}
		case <-kill:
			_ = cmd.Process.Kill()
		}
	}
	killOrphans()
	if cmd.ProcessState == nil {
		return 1
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	return 1
}

// relay copies the CLI's output to the driver while it is there, then
// discards it.
type relay struct{ w io.Writer }

func (r relay) Write(p []byte) (int, error) {
	_, _ = r.w.Write(p)
	return len(p), nil
}

// killOrphans kills the processes that became the guard's children when
// their parent, the CLI, exited (plugins it did not stop), and reaps them,
// until none is left.
func killOrphans() {
	self := os.Getpid()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		children := childrenOf(self)
		for _, pid := range children {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		if len(children) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		var state string
		var ppid int
		if _, err := fmt.Sscan(string(b[i+1:]), &state, &ppid); err != nil || ppid != pid {
			continue
		}
		if child, err := strconv.Atoi(filepath.Base(d)); err == nil {
			out = append(out, child)
		}
	}
	return out
}
