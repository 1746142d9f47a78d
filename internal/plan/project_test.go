package plan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/plan"
)

// goWords are Go type spellings that must never reach a user.
var goWords = []string{"yaml.Node", "map[", "[]interface", "struct {", "!!seq", "!!str", "!!map"}

func TestLoadProjectSpeaksYAMLNotGo(t *testing.T) {
	cases := []struct{ project, stack, want string }{
		{"name: eksfleet\n", "config: [a, b]\n", "config: must be a map of key: value"},
		{"name: eksfleet\n", "config: just-text\n", "config: must be a map of key: value"},
		{"name: eksfleet\n", "- a\n- b\n", "must be a map with a config: key"},
		{"- eksfleet\n", "config: {}\n", "must be a map with a name: key"},
		{"name: [a]\n", "config: {}\n", "name: must be a string"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "Pulumi.yaml"), tc.project)
		write(t, filepath.Join(dir, "Pulumi.dev.yaml"), tc.stack)
		_, err := plan.LoadProject(dir, "dev")
		if err == nil {
			t.Errorf("project %q stack %q: no error", tc.project, tc.stack)
			continue
		}
		for _, w := range goWords {
			if strings.Contains(err.Error(), w) {
				t.Errorf("error names Go type %q: %v", w, err)
			}
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("project %q stack %q: error %q lacks %q", tc.project, tc.stack, err, tc.want)
		}
	}
}

// A stack name is a name, not a path: it cannot reach a file outside the
// project directory.
func TestLoadProjectRefusesStackPaths(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "Pulumi.yaml"), "name: eksfleet\n")
	// A valid-looking stack file outside the project.
	write(t, filepath.Join(root, "evil.yaml"), "config: {aws:region: eu-west-1}\n")
	for _, stack := range []string{"x/../../evil", "../evil", "", ".", "..", "a b", "dev\x00"} {
		_, err := plan.LoadProject(dir, stack)
		if err == nil || !strings.Contains(err.Error(), "stack name") {
			t.Errorf("stack %q: error = %v, want a stack name error", stack, err)
		}
	}
}

// A FIFO (or any non-regular file) where a stack file belongs is refused at
// once; reading it would block forever.
func TestLoadProjectRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "Pulumi.yaml"), "name: eksfleet\n")
	if err := syscall.Mkfifo(filepath.Join(dir, "Pulumi.dev.yaml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "Pulumi.dir.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, stack := range []string{"dev", "dir"} {
		done := make(chan error, 1)
		go func() { _, err := plan.LoadProject(dir, stack); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("stack %s: error = %v, want 'not a regular file'", stack, err)
			}
		case <-time.After(5 * time.Second):
			// Unblock the reader so the test process can exit.
			if f, err := os.OpenFile(filepath.Join(dir, "Pulumi.dev.yaml"), os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			t.Fatalf("stack %s: LoadProject hangs on a non-regular stack file", stack)
		}
	}
}

// Without Pulumi.yaml, the error says where it was looked for and how to
// point at the project.
func TestLoadProjectSaysWhereItLooked(t *testing.T) {
	dir := t.TempDir()
	_, err := plan.LoadProject(dir, "dev")
	if err == nil {
		t.Fatal("no error without Pulumi.yaml")
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "Pulumi.yaml"))
	if !strings.Contains(err.Error(), abs) || !strings.Contains(err.Error(), "--dir") {
		t.Errorf("error %q: want the absolute path %s and a --dir hint", err, abs)
	}
	// From a subdirectory of a project, the hint names the project found above.
	write(t, filepath.Join(dir, "Pulumi.yaml"), "name: eksfleet\n")
	sub := filepath.Join(dir, "stacks", "deep")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = plan.LoadProject(sub, "dev")
	if err == nil || !strings.Contains(err.Error(), "--dir "+dir) {
		t.Errorf("error %v: want a hint to use --dir %s", err, dir)
	}
}

// Outputs that are maps or lists show as JSON, never Go's map[...] syntax.
func TestTableShowsStructuredOutputsAsJSON(t *testing.T) {
	p := &plan.Plan{Project: "eksfleet", Stack: "dev", Outputs: map[string]any{
		"tags":  map[string]any{"team": "platform"},
		"zones": []any{"eu-west-1a", "eu-west-1b"},
	}}
	var b bytes.Buffer
	if err := p.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "map[") || !strings.Contains(out, `{"team":"platform"}`) || !strings.Contains(out, `["eu-west-1a","eu-west-1b"]`) {
		t.Errorf("table output:\n%s", out)
	}
}
