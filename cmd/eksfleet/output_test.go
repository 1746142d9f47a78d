package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// brokenPipe is a stdout whose reader went away.
type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, errors.New("write |1: broken pipe") }

// TestPlanOutputWriteFailureExitsNonZero: a plan whose JSON (or table)
// cannot be written exits 1 and says so, instead of reporting success with
// nothing delivered.
func TestPlanOutputWriteFailureExitsNonZero(t *testing.T) {
	for _, format := range []string{"json", "table"} {
		var stderr bytes.Buffer
		code := run([]string{"plan", "dev", "--output", format, "--dir", "../.."}, brokenPipe{}, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "broken pipe") {
			t.Errorf("plan --output %s to a broken pipe: exit %d, stderr %q; want exit 1 naming the write error", format, code, stderr.String())
		}
	}
}
