//go:build tools

// Package tools pins the Pulumi YAML language host (pulumi-language-yaml)
// that runs the YAML engine tests of the provider module. pulumi-yaml
// v1.32.0 needs pkg v3.230.0 (it does not compile against the CLI's
// v3.250.0), so it is a module of its own.
//
// Build with .ci/tools.sh.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
