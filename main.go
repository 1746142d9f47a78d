// Command eksfleet's Pulumi program (Pulumi.yaml, runtime: go). The program
// itself lives in package stacks so that `eksfleet plan` and the Automation
// API driver run exactly the same code.
package main

import (
	"github.com/eksfleet/eksfleet/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(stacks.Run)
}
