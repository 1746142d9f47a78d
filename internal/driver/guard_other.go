//go:build !linux

package driver

import (
	"os"
	"os/exec"
	"syscall"
)

// guardCommand: the guard (see guard_linux.go) needs Linux; elsewhere the
// CLI runs unguarded.
func guardCommand(string, []string) (*exec.Cmd, *os.File, *os.File) { return nil, nil, nil }

const killCLI = syscall.SIGKILL
