//go:build !unix

package stacks_test

import "time"

// cpuTime is not measured here: BenchmarkPlan reports cpu-ns/op as 0.
func cpuTime() time.Duration { return 0 }
