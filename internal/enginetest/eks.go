package enginetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EKSProvider is a running real pulumi-eks provider (node on the npm
// package's cmd/provider entry point). The engine attaches to it through
// PULUMI_DEBUG_PROVIDERS like to the fakes; its Construct registers the
// component's children through the engine, so they reach the fake aws and
// kubernetes providers.
type EKSProvider struct {
	port    int
	cmd     *exec.Cmd
	shimLog string
	out     syncBuffer
	done    chan struct{}
}

// Package implements [Attachable].
func (e *EKSProvider) Package() string { return "eks" }

// Port implements [Attachable].
func (e *EKSProvider) Port() int { return e.port }

// Output returns what the provider process wrote to stdout (after the port)
// and stderr.
func (e *EKSProvider) Output() string { return e.out.String() }

// ShimCalls returns the command lines run through the aws and kubectl shims,
// e.g. "aws --version" and "kubectl version --client=true --output=json".
func (e *EKSProvider) ShimCalls() []string {
	b, err := os.ReadFile(e.shimLog)
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// The pulumi-eks Cluster checks at construct time that aws (>= 1.24 / 2.7)
// and kubectl (>= 1.24) are on PATH and runs them for their versions. They
// are used later only by kubeconfig exec credentials (aws eks get-token)
// and, when useDefaultVpcCni is false, by the VpcCni resource (kubectl
// apply). The shims answer the version checks and fail everything else, so
// nothing can reach a real cluster or cloud account.
const awsShim = `#!/bin/sh
echo "aws $*" >> %[1]q
if [ "$1" = "--version" ]; then
	echo "aws-cli/2.17.0 Python/3.12.0 Linux/6.0 exe/x86_64 (enginetest shim)"
	exit 0
fi
echo "enginetest: aws CLI shim refuses 'aws $*': engine tests have no cloud" >&2
exit 1
`

const kubectlShim = `#!/bin/sh
echo "kubectl $*" >> %[1]q
case " $* " in
*" version "*)
	echo '{"clientVersion":{"major":"1","minor":"31","gitVersion":"v1.31.0","platform":"linux/amd64"}}'
	exit 0
	;;
esac
echo "enginetest: kubectl shim refuses 'kubectl $*': engine tests have no cluster" >&2
exit 1
`

// StartEKSProvider starts tools.EKSProvider with aws and kubectl shims first
// on its PATH, waits for it to print its port, and stops it when the test
// ends. It fails the test if the provider does not start within a minute.
func StartEKSProvider(t testing.TB, tools Tools) *EKSProvider {
	t.Helper()
	shimDir := t.TempDir()
	e := &EKSProvider{shimLog: filepath.Join(shimDir, "calls.log"), done: make(chan struct{})}
	for name, body := range map[string]string{"aws": awsShim, "kubectl": kubectlShim} {
		if err := os.WriteFile(filepath.Join(shimDir, name), fmt.Appendf(nil, body, e.shimLog), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.cmd = exec.Command(tools.EKSProvider)
	e.cmd.Env = append(os.Environ(), "PATH="+shimDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	// Own process group, so cleanup also stops anything node spawned.
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	e.cmd.Stderr = &e.out
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("enginetest: start %s: %v", tools.EKSProvider, err)
	}
	go func() {
		_ = e.cmd.Wait()
		close(e.done)
	}()
	t.Cleanup(func() { e.stop(t) })

	portc := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			close(portc)
			return
		}
		portc <- strings.TrimSpace(line)
		_, _ = io.Copy(&e.out, r)
	}()
	select {
	case line, ok := <-portc:
		if !ok {
			t.Fatalf("enginetest: %s exited before printing its port; output:\n%s", tools.EKSProvider, e.out.String())
		}
		if e.port, err = strconv.Atoi(line); err != nil {
			t.Fatalf("enginetest: %s printed %q instead of a port; output:\n%s", tools.EKSProvider, line, e.out.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("enginetest: %s did not print its port within a minute; output:\n%s", tools.EKSProvider, e.out.String())
	}
	return e
}

func (e *EKSProvider) stop(t testing.TB) {
	if e.cmd.Process == nil {
		return
	}
	pgid := e.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-e.done
	}
	if t.Failed() {
		t.Logf("pulumi-resource-eks output:\n%s", e.out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
