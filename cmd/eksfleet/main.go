// Command eksfleet drives the eksfleet Pulumi program.
//
//	eksfleet plan STACK [--output table|json] [--dir DIR]
//	eksfleet preview|up|refresh|destroy|outputs|drift|cancel STACK [flags]
//	eksfleet version
//
// plan evaluates the real program for Pulumi.STACK.yaml offline, against a
// fake AWS, and prints every resource the stack would create. The other
// commands run the program on the Pulumi engine through the Automation API
// (package internal/driver) and print a JSON summary. Exit codes: 0 ok,
// 1 error, 2 mandatory policy violation, 3 drift, 4 stack locked.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/eksfleet/eksfleet/internal/driver"
)

const usage = `eksfleet: run the eksfleet EKS platform program

Usage:
  eksfleet plan STACK [--output table|json] [--dir DIR]
  eksfleet version                 print the eksfleet version
` + driver.Usage + `
Commands:
  plan     evaluate the program for Pulumi.STACK.yaml offline (no cloud
           access, no credentials) and show every resource it would create
  version  print the version of eksfleet and of the Go it was built with
  others   run the program on the Pulumi engine (Automation API, program
           inline); progress on stderr, a JSON summary on stdout
  Any command with -h or --help prints its usage and exits 0.

Exit codes:
  0  success (also for version and --help)
  1  invalid configuration, program error, failed or interrupted operation,
     or bad usage (an unknown command or flag, a missing or extra argument)
  2  a mandatory policy was violated
  3  drift: live resources differ from the program
  4  the stack is locked by another update
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	switch cmd := args[0]; {
	case cmd == "plan":
		return runPlan(args[1:], stdout, stderr)
	case driver.IsVerb(cmd):
		if wantsHelp(args[1:]) {
			fmt.Fprintf(stdout, "usage: eksfleet %s STACK [flags]\n\n%s", cmd, driver.Usage)
			return 0
		}
		return runDriver(cmd, args[1:], stdout, stderr)
	case cmd == "version", cmd == "--version":
		return runVersion(args[1:], stdout, stderr)
	case cmd == "-h", cmd == "--help", cmd == "-help", cmd == "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "eksfleet: unknown command %q\n\n%s", args[0], usage)
		return 1
	}
}

// runDriver runs an engine command with the process environment. SIGINT and
// SIGTERM go to the driver, which stops the update cleanly on the first and
// forwards the second to Pulumi.
func runDriver(verb string, args []string, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	return driver.Main(context.Background(), driver.Invocation{
		Verb:    verb,
		Args:    args,
		Env:     os.Environ(),
		Stdout:  stdout,
		Stderr:  stderr,
		Signals: sigs,
	})
}

// wantsHelp reports whether the flags of a command ask for its usage (before
// a "--" that ends the flags).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}
