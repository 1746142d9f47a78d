//go:build tools

// Package tools pins staticcheck for CI. It is a module of its own so that a
// change to the Pulumi CLI pin does not rebuild staticcheck and vice versa.
//
// Build with .ci/tools.sh.
package tools

import _ "honnef.co/go/tools/cmd/staticcheck"
