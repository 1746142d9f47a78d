//go:build tools

// This file keeps the termination handler's module a requirement of this
// module (go mod tidy keeps what some build configuration imports): its
// directory holds the chart the tests render
// (config/helm/aws-node-termination-handler). No test builds it.
package conformance

import _ "github.com/aws/aws-node-termination-handler/pkg/config"
