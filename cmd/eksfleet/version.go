package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release, set at build time with
// -ldflags "-X main.version=v1.2.3"; otherwise the module version the Go
// toolchain recorded ("(devel)" for a build from a checkout).
var version = ""

func runVersion(args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, "usage: eksfleet version\n\nPrints the eksfleet version, the commit it was built from (when recorded) and the Go version.\n")
		return 0
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "eksfleet version: unexpected arguments %q\nusage: eksfleet version\n", args)
		return 1
	}
	fmt.Fprintln(stdout, versionLine())
	return 0
}

// versionLine is "eksfleet VERSION (commit REV[, modified], GOVERSION)".
func versionLine() string {
	v, rev, modified := version, "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	detail := ""
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		detail = "commit " + rev
		if modified {
			detail += ", modified"
		}
		detail += ", "
	}
	return fmt.Sprintf("eksfleet %s (%s%s)", v, detail, runtime.Version())
}
