package driver_test

import (
	"context"
	"testing"

	"github.com/eksfleet/eksfleet/internal/driver"
)

// The real-engine timings of the dev stack (72 resources) through the
// driver: the Pulumi CLI, engine, file backend, guardrails analyzer and the
// real pulumi-eks provider; only the cloud is fake, so these are the
// engine's own costs, not AWS's.
//
//	eval "$(.ci/tools.sh)"
//	go test ./internal/driver -run '^$' -bench 'BenchmarkDev' -benchtime 5x

// BenchmarkDevPreview times `eksfleet preview dev` of a new stack.
func BenchmarkDevPreview(b *testing.B) {
	f := newFixture(b, "dev")
	ctx := context.Background()
	f.run(ctx, "preview", "dev").must(b, driver.ExitOK) // creates the stack
	b.ResetTimer()
	for range b.N {
		f.run(ctx, "preview", "dev").must(b, driver.ExitOK)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
}

// BenchmarkDevUp times `eksfleet up dev` from empty (its preview included);
// a destroy between iterations, not timed, empties the stack again.
func BenchmarkDevUp(b *testing.B) {
	f := newFixture(b, "dev")
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 {
			b.StopTimer()
			f.run(ctx, "destroy", "dev").must(b, driver.ExitOK)
			b.StartTimer()
		}
		r := f.run(ctx, "up", "dev").must(b, driver.ExitOK)
		if r.summary.Changes["create"] == 0 {
			b.Fatalf("up created nothing: %v", r.summary.Changes)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
}
