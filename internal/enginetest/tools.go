package enginetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// EngineTestsEnv is the environment variable that makes engine tests
// mandatory: with EKSFLEET_ENGINE_TESTS=1 a missing tool fails the test
// instead of skipping it.
const EngineTestsEnv = "EKSFLEET_ENGINE_TESTS"

// Tools locates the binaries engine tests need. .ci/tools.sh builds them and
// prints the environment that LookupTools reads.
type Tools struct {
	// Pulumi is the pulumi CLI (.ci/tools.sh: EKSFLEET_PULUMI). It must sit
	// in a directory named bin, as the Automation API wants <root>/bin/pulumi.
	Pulumi string
	// EKSProvider is the pulumi-resource-eks wrapper around the npm
	// @pulumi/eks provider (.ci/tools.sh: EKSFLEET_EKS_PROVIDER).
	EKSProvider string
}

// PulumiRoot is the directory to pass as auto.PulumiCommandOptions.Root.
func (t Tools) PulumiRoot() string { return filepath.Dir(filepath.Dir(t.Pulumi)) }

// LookupTools finds the tools from EKSFLEET_PULUMI / EKSFLEET_EKS_PROVIDER,
// falling back to "pulumi" and "pulumi-resource-eks" on PATH.
func LookupTools() (Tools, error) {
	find := func(env, name string) (string, error) {
		p := os.Getenv(env)
		if p == "" {
			var err error
			if p, err = exec.LookPath(name); err != nil {
				return "", fmt.Errorf("%s not set and %s not on PATH (run: eval \"$(.ci/tools.sh)\")", env, name)
			}
		}
		p, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s: %s is not an executable file", env, p)
		}
		return p, nil
	}
	var tools Tools
	var errs []error
	var err error
	if tools.Pulumi, err = find("EKSFLEET_PULUMI", "pulumi"); err != nil {
		errs = append(errs, err)
	} else if filepath.Base(filepath.Dir(tools.Pulumi)) != "bin" {
		errs = append(errs, fmt.Errorf("pulumi at %s is not in a bin directory (the Automation API needs <root>/bin/pulumi)", tools.Pulumi))
	}
	if tools.EKSProvider, err = find("EKSFLEET_EKS_PROVIDER", "pulumi-resource-eks"); err != nil {
		errs = append(errs, err)
	}
	return tools, errors.Join(errs...)
}

// RequireTools returns the tools or skips the test when they are missing
// (or when -short is set). With EKSFLEET_ENGINE_TESTS=1 a missing tool
// fails the test instead.
func RequireTools(t testing.TB) Tools {
	t.Helper()
	required := os.Getenv(EngineTestsEnv) == "1"
	if testing.Short() && !required {
		t.Skip("engine test skipped in -short mode")
	}
	tools, err := LookupTools()
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		if required {
			t.Fatalf("%s=1 but engine tools are missing: %s", EngineTestsEnv, msg)
		}
		t.Skipf("engine tools missing (set %s=1 to require them): %s", EngineTestsEnv, msg)
	}
	return tools
}
