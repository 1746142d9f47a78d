package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/eksfleet/eksfleet/internal/plan"
	"github.com/eksfleet/eksfleet/stacks"
)

const planUsage = "usage: eksfleet plan STACK [--output table|json] [--dir DIR]\n"

func runPlan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	output := fs.String("output", "table", "output format: table or json")
	dir := fs.String("dir", ".", "project directory holding Pulumi.yaml and Pulumi.STACK.yaml")
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, planUsage+"\nFlags:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0
	}
	if err != nil {
		fmt.Fprint(stderr, planUsage)
		return 1
	}
	switch {
	case len(positional) == 0:
		fmt.Fprint(stderr, "eksfleet plan: missing STACK\n"+planUsage)
		return 1
	case len(positional) > 1:
		fmt.Fprintf(stderr, "eksfleet plan: unexpected arguments %q after STACK %q; plan takes one stack\n%s", positional[1:], positional[0], planUsage)
		return 1
	}
	stack := positional[0]
	if err := plan.CheckStackName(stack); err != nil {
		fmt.Fprintf(stderr, "eksfleet plan: %v\n", err)
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
		if _, err := fmt.Fprintln(stdout, string(b)); err != nil {
			fmt.Fprintf(stderr, "eksfleet plan: writing the plan: %v\n", err)
			return 1
		}
	} else if err := p.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "eksfleet plan: %v\n", err)
		return 1
	}
	if p.HasMandatoryViolation() {
		return 2
	}
	return 0
}

// parseInterleaved parses flags and positional arguments in any order
// (`plan dev --output json` and `plan --output json dev`) and returns the
// positional ones; "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
