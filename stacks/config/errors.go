package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Problem is one invalid config value: where it is, what it was and what
// would be valid.
type Problem struct {
	// Path is the full key path, e.g. "eksfleet:nodeGroups[2].maxSize".
	Path string `json:"path"`
	// Value is the offending value rendered as compact JSON ("" when absent).
	Value string `json:"value,omitempty"`
	// Message says what is wrong and what is valid.
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Value == "" {
		return fmt.Sprintf("%s: %s", p.Path, p.Message)
	}
	return fmt.Sprintf("%s: %s %s", p.Path, p.Value, p.Message)
}

// Errors is every problem found in a stack's config. Validation never stops
// at the first one: a user fixes them all in one go.
type Errors struct {
	Problems []Problem

	// undecoded are the paths whose value could not be decoded; validation
	// problems at or under them are dropped, as they would only be about
	// the default left in place of the bad value.
	undecoded []string
}

func (e *Errors) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("invalid stack configuration (%d problem%s):", len(e.Problems), plural(len(e.Problems))))
	for _, p := range e.Problems {
		lines = append(lines, "  - "+p.String())
	}
	return strings.Join(lines, "\n")
}

func (e *Errors) add(path string, value any, format string, args ...any) {
	if e.shadowed(path) {
		return
	}
	e.Problems = append(e.Problems, Problem{Path: path, Value: render(value), Message: fmt.Sprintf(format, args...)})
}

// addMissing records a required key that is absent.
func (e *Errors) addMissing(path, format string, args ...any) {
	if e.shadowed(path) {
		return
	}
	e.Problems = append(e.Problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// undecodable records a value that could not be decoded at path.
func (e *Errors) undecodable(path string, value any, format string, args ...any) {
	e.add(path, value, format, args...)
	e.undecoded = append(e.undecoded, path)
}

// shadowed reports whether path is at or under a value that did not decode.
func (e *Errors) shadowed(path string) bool {
	for _, u := range e.undecoded {
		if path == u || strings.HasPrefix(path, u+".") || strings.HasPrefix(path, u+"[") {
			return true
		}
	}
	return false
}

// hasProblemUnder reports whether a problem was recorded at or under path.
func (e *Errors) hasProblemUnder(path string) bool {
	for _, p := range e.Problems {
		if p.Path == path || strings.HasPrefix(p.Path, path+".") || strings.HasPrefix(p.Path, path+"[") {
			return true
		}
	}
	return false
}

// null renders as null: a value the user wrote as null (or left empty)
// where one is required.
type null struct{}

func (null) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

func (e *Errors) empty() bool { return len(e.Problems) == 0 }

// errOrNil returns e as an error only when it holds problems, so callers never
// see a typed-nil error.
func (e *Errors) errOrNil() error {
	if e.empty() {
		return nil
	}
	return e
}

func render(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
