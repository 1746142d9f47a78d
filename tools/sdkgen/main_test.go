package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

const (
	schemaPath = "../../provider/schema.json"
	sdkRoot    = "../../sdk"
)

// The committed SDKs are what the committed schema generates: a schema
// change without `make sdk` fails here.
func TestSDKsAreCurrent(t *testing.T) {
	files, err := Generate(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := Compare(files, sdkRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("sdk/ is stale, run `make sdk` and commit the result:\n  %s", strings.Join(diffs, "\n  "))
	}
	for _, dir := range sdkDirs() {
		if !hasFile(files, dir+"/") {
			t.Errorf("no %s SDK generated", dir)
		}
	}
}

func hasFile(files map[string][]byte, prefix string) bool {
	for name := range files {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// The Python SDK cannot run offline (no Pulumi Python SDK without PyPI),
// so it is byte-compiled: every module must at least parse.
func TestPythonSDKCompiles(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is not on PATH (.ci/run installs it)")
		}
		t.Skip("python3 is not on PATH: the Python SDK is not compile-checked")
	}
	// -f: compile even when a cached .pyc looks current; the byte code goes
	// to a temporary PYTHONPYCACHEPREFIX so the checkout stays clean.
	cmd := exec.Command(python, "-m", "compileall", "-q", "-f", sdkRoot+"/python")
	cmd.Env = append(os.Environ(), "PYTHONPYCACHEPREFIX="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 -m compileall sdk/python: %v\n%s", err, out)
	}
}
