// Command policy is the eksfleet guardrails policy pack, served to the
// Pulumi engine over the analyzer protocol (policyx).
//
// The engine runs it for `pulumi preview --policy-pack policy` (and up):
// with the Go language host present it builds and runs this directory;
// without it, it runs a `pulumi-analyzer-policy-go` binary from the plugin
// cache or PATH, which is this program built under that name:
//
//	go build -o "$HOME/bin/pulumi-analyzer-policy-go" ./policy
//
// The rules live in policy/guardrails; eksfleet plan runs the same rules
// in process.
package main

import (
	"fmt"
	"os"

	"github.com/eksfleet/eksfleet/policy/guardrails"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func main() {
	if err := policyx.Main(guardrails.PackFromContext); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
