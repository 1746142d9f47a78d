package main

import (
	"strings"
	"testing"
)

// Extra positional arguments are refused, never silently dropped: `plan
// dev prod` used to plan dev.
func TestStrayArgumentsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"plan", "dev", "prod", "--dir", "../.."},
		{"plan", "--dir", "../..", "dev", "prod"},
		{"plan", "dev", "--dir", "../..", "prod"},
		{"version", "extra"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 1 || out != "" || !strings.Contains(errOut, "unexpected argument") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 and 'unexpected argument'", args, code, out, errOut)
		}
	}
}

// A stack name is a name: `plan x/../../evil` must not read a file
// outside --dir.
func TestStackNameValidated(t *testing.T) {
	for _, stack := range []string{"x/../../evil", "../dev", "..", "a b"} {
		code, out, errOut := runCLI("plan", stack, "--dir", "../..")
		if code != 1 || out != "" || !strings.Contains(errOut, "stack name") {
			t.Errorf("plan %q: exit %d, stderr %q; want exit 1 and a stack name error", stack, code, errOut)
		}
	}
}

// --help is a request, not a mistake: usage on stdout, exit 0, for the
// command and each subcommand.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"plan", "--help"}, {"plan", "-h"},
		{"preview", "--help"}, {"up", "-h"}, {"destroy", "--help"},
		{"version", "--help"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 0 || !strings.Contains(strings.ToLower(out+errOut), "usage") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and the usage", args, code, out, errOut)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := runCLI(args...)
		if code != 0 || !strings.HasPrefix(out, "eksfleet ") || errOut != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and 'eksfleet VERSION'", args, code, out, errOut)
		}
		if !strings.Contains(out, "go1.") {
			t.Errorf("%q: %q lacks the Go version", args, out)
		}
	}
	if code, _, _ := runCLI("--help"); code != 0 {
		t.Fatal("--help")
	}
	if _, out, _ := runCLI("--help"); !strings.Contains(out, "eksfleet version") {
		t.Errorf("usage does not list the version command:\n%s", out)
	}
}

// From a directory without Pulumi.yaml, plan says where it looked.
func TestPlanSaysWherePulumiYAMLWasLookedFor(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI("plan", "dev", "--dir", dir)
	if code != 1 || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "Pulumi.yaml") || !strings.Contains(errOut, "--dir") {
		t.Errorf("exit %d, stderr %q; want the directory looked in and a --dir hint", code, errOut)
	}
}
