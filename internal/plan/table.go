package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable renders the plan for people: one row per resource, grouped by
// the top-level component that owns it, then outputs, policy violations and
// a summary count.
func (p *Plan) WriteTable(w io.Writer) error {
	byURN := map[string]Resource{}
	children := map[string][]Resource{}
	var roots []Resource
	for _, r := range p.Resources {
		byURN[r.URN] = r
	}
	for _, r := range p.Resources {
		if _, ok := byURN[r.Parent]; ok {
			children[r.Parent] = append(children[r.Parent], r)
		} else {
			roots = append(roots, r)
		}
	}

	fmt.Fprintf(w, "Plan for stack %s (project %s), evaluated offline\n", p.Stack, p.Project)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var walk func(r Resource, depth int)
	walk = func(r Resource, depth int) {
		fmt.Fprintf(tw, "  %s%s\t%s\t%s\n", strings.Repeat("  ", depth), r.Name, r.Type, notes(r))
		for _, c := range children[r.URN] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		fmt.Fprintln(tw)
		if r.Custom {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Name, r.Type, notes(r))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", r.Name, r.Type)
		for _, c := range children[r.URN] {
			walk(c, 0)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nOutputs:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range p.sortedOutputNames() {
		fmt.Fprintf(tw, "  %s\t%s\n", name, shortValue(p.Outputs[name]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(p.Violations) == 0 {
		fmt.Fprintln(w, "\nPolicy violations: none")
	} else {
		fmt.Fprintf(w, "\nPolicy violations (%d):\n", len(p.Violations))
		for _, v := range p.Violations {
			fmt.Fprintf(w, "  [%s] %s: %s\n", v.Enforcement, v.Policy, v.Message)
			if v.URN != "" {
				fmt.Fprintf(w, "      %s\n", v.URN)
			}
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintf(w, "\nNotes (assumed offline or by default):\n")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	components, custom := p.Count()
	_, err := fmt.Fprintf(w, "\nSummary: %d resources to create (%d cloud resources, %d components)\n", components+custom, custom, components)
	return err
}

func notes(r Resource) string {
	var n []string
	if r.Remote {
		n = append(n, "remote component: its children are created by the pulumi-eks provider")
	}
	if len(r.IgnoreChanges) > 0 {
		n = append(n, "ignores changes to "+strings.Join(r.IgnoreChanges, ", "))
	}
	return strings.Join(n, "; ")
}

func shortValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "(known after deployment)"
	case string:
		if len(t) > 72 {
			return t[:69] + "..."
		}
		return t
	default:
		// Maps and lists as JSON, the way the stack file writes them.
		s := fmt.Sprintf("%v", t)
		if b, err := json.Marshal(t); err == nil {
			s = string(b)
		}
		if len(s) > 72 {
			return s[:69] + "..."
		}
		return s
	}
}
