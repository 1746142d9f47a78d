// Command eksfleet drives the eksfleet Pulumi program.
//
//	eksfleet plan STACK [--output table|json] [--dir DIR]
//
// plan evaluates the real program for Pulumi.STACK.yaml offline, against a
// fake AWS, and prints every resource the stack would create. Exit codes:
// 0 ok, 1 config or program error, 2 mandatory policy violation.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `eksfleet: run the eksfleet EKS platform program

Usage:
  eksfleet plan STACK [--output table|json] [--dir DIR]

Commands:
  plan    evaluate the program for Pulumi.STACK.yaml offline (no cloud
          access, no credentials) and show every resource it would create

Exit codes:
  0  success
  1  invalid configuration, program error or bad usage
  2  a mandatory policy was violated
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	switch args[0] {
	case "plan":
		return runPlan(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "eksfleet: unknown command %q\n\n%s", args[0], usage)
		return 1
	}
}
