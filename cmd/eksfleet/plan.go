package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
)

func runPlan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("output", "table", "output format: table or json")
	dir := fs.String("dir", ".", "project directory holding Pulumi.yaml and Pulumi.STACK.yaml")
	stack, rest := splitStack(args)
	if err := fs.Parse(rest); err != nil {
		return 1
	}
	if stack == "" && fs.NArg() > 0 {
		stack = fs.Arg(0)
	}
	if stack == "" || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: eksfleet plan STACK [--output table|json] [--dir DIR]")
		return 1
	}
	if *output != "table" && *output != "json" {
		fmt.Fprintf(stderr, "eksfleet plan: --output %q: must be table or json\n", *output)
		return 1
	}

	proj, err := plan.LoadProject(*dir, stack)
	if err != nil {
		fmt.Fprintf(stderr, "eksfleet plan: %v\n", err)
		return 1
	}
	p, err := plan.Evaluate(proj, stacks.Run)
	if err != nil {
		var cerr *plan.ConfigError
		if errors.As(err, &cerr) {
			fmt.Fprintf(stderr, "eksfleet plan: stack %s: %v\n", stack, cerr)
		} else {
			fmt.Fprintf(stderr, "eksfleet plan: stack %s: program failed: %v\n", stack, err)
		}
		return 1
	}
	if *output == "json" {
		b, err := p.JSON()
		if err != nil {
			fmt.Fprintf(stderr, "eksfleet plan: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, string(b))
	} else if err := p.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "eksfleet plan: %v\n", err)
		return 1
	}
	if p.HasMandatoryViolation() {
		return 2
	}
	return 0
}

// splitStack lets the stack name come before or after the flags
// (`plan dev --output json` and `plan --output json dev`).
func splitStack(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}
