//go:build tools

// Package tools pins the Pulumi CLI used by the engine tests and the
// Automation API driver. It is a separate module so that the CLI's large
// dependency graph (pkg/v3) never enters the main module's go.mod.
//
// Build with .ci/tools.sh; it passes the mandatory version ldflag.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
