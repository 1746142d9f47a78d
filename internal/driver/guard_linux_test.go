package driver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// plugin starts a stand-in for a plugin the CLI starts in a session (and
// process group) of its own, as Pulumi starts its plugins, and prints its
// pid.
const plugin = `setsid sleep 300 </dev/null >/dev/null 2>&1 &
echo "plugin $!"
`

func pluginPid(t *testing.T, out string) int {
	t.Helper()
	var pid int
	i := strings.Index(out, "plugin ")
	if i < 0 {
		t.Fatalf("no plugin pid in %q", out)
	}
	if _, err := fmt.Sscanf(out[i:], "plugin %d", &pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(b), ") Z ")
}

func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (pid %d) still runs", what, pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestGuardKillsPluginsLeftBehind: a CLI that exits without stopping a
// plugin (as a CLI killed with SIGKILL does) leaves nothing running.
func TestGuardKillsPluginsLeftBehind(t *testing.T) {
	c := fakeCLI(t, plugin+"exit 0\n", time.Minute)
	c.guard = true
	stdout, _, code, err := c.Run(context.Background(), t.TempDir(), nil, nil, nil, nil, "up")
	if code != 0 || err != nil {
		t.Fatalf("exit %d %v", code, err)
	}
	waitGone(t, pluginPid(t, stdout), "the plugin of a CLI that exited")
}

// TestGuardStopsCLIWhenDriverDies: when the driver is gone (the lifeline
// closes, as it does when the driver is killed with SIGKILL), the guard
// interrupts the CLI once, keeps taking its output so that it can finish
// saving, then kills the plugins it left.
func TestGuardStopsCLIWhenDriverDies(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "interrupted")
	// The trap is set before the plugin line the test waits for: set after
	// it, the guard's interrupt could arrive first and kill the shell.
	c := fakeCLI(t, `trap 'i=0; while [ $i -lt 2000 ]; do echo "saving $i"; i=$((i+1)); done; echo done > `+marker+`; exit 5' INT
`+plugin+`i=0
while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
exit 4
`, time.Minute)
	cmd, guardEnd, driverEnd := guardCommand(c.path, []string{"up"})
	if cmd == nil {
		t.Fatal("no guard")
	}
	cmd.Env = append(os.Environ(), guardEnv+"=1m")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	guardEnd.Close()
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	pid := pluginPid(t, string(buf[:n]))
	// The driver dies: its end of the lifeline and of the output close.
	driverEnd.Close()
	out.Close()
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 5 {
		t.Errorf("guard exit %d (%v), want the CLI's 5 after its interrupt", code, err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "done\n" {
		t.Errorf("the CLI did not finish its interrupt handler writing to a driver that is gone: %q %v", b, err)
	}
	waitGone(t, pid, "the plugin of a CLI whose driver died")
}
