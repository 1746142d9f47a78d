// Package shared finds the steering repository's shared data beside the
// checkout (../shared): upstream data copied from public repositories, which
// generators and tests read and the project never commits.
package shared

import (
	"errors"
	"os"
	"path/filepath"
)

// Upstream returns ../shared/upstream beside the directory holding go.mod,
// found from the working directory upwards. It does not check that the
// directory exists: callers skip or fail with their own message.
func Upstream() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "upstream"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; pass -upstream")
		}
		dir = parent
	}
}
