package enginetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// PolicyPackDir returns the eksfleet guardrails policy pack directory
// (policy/, holding PulumiPolicy.yaml), to pass to
// optpreview.PolicyPacks / optup.PolicyPacks.
func PolicyPackDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("enginetest: cannot locate the source tree")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "policy")
}

// PolicyAnalyzerEnv builds the policy pack as the analyzer binary
// pulumi-analyzer-policy-go in a temporary directory and returns the
// environment that puts it first on PATH, for StackOptions.Env.
//
// The pack's PulumiPolicy.yaml says `runtime: go`. Without the Go language
// host (pulumi-language-go), which the test CLI does not ship, the engine
// runs pulumi-analyzer-policy-go from the plugin cache or PATH instead,
// with the pack directory as working directory (offline-toolchain notes
// §6). The build uses the Go build cache, so later calls are quick.
func PolicyAnalyzerEnv(t testing.TB) map[string]string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "pulumi-analyzer-policy-go"), ".")
	cmd.Dir = PolicyPackDir(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("enginetest: building the policy analyzer: %v\n%s", err, out)
	}
	return map[string]string{"PATH": dir + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// PolicyViolation is one violation as the CLI prints it under
// "Policies:".
type PolicyViolation struct {
	// Pack is the policy pack, e.g. "eksfleet-guardrails@v1.0.0".
	Pack string
	// Level is mandatory or advisory.
	Level string
	// Policy is the policy name.
	Policy string
	// Resource is "<type>: <name>" as printed, empty for stack-wide ones.
	Resource string
	// Message is the policy description and the violation message.
	Message string
}

var (
	policyPackLine = regexp.MustCompile(`^\s*(?:\S+\s+)?([A-Za-z0-9_.-]+@v[0-9][^\s]*)(?:\s+\(.*\))?$`)
	violationLine  = regexp.MustCompile(`^\s*- \[(\w+)\]\s+(\S+)(?:\s+\((.*)\))?\s*$`)
)

// PolicyViolations parses the "Policies:" section of preview or up output
// (the CLI's text rendering, v3.250) into violations.
func PolicyViolations(output string) []PolicyViolation {
	var out []PolicyViolation
	inPolicies, pack := false, ""
	for _, line := range strings.Split(output, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "Policies:":
			inPolicies = true
		case !inPolicies:
		case trimmed == "":
			inPolicies, pack = false, ""
		case violationLine.MatchString(line):
			m := violationLine.FindStringSubmatch(line)
			out = append(out, PolicyViolation{Pack: pack, Level: m[1], Policy: m[2], Resource: m[3]})
		case policyPackLine.MatchString(line):
			pack = policyPackLine.FindStringSubmatch(line)[1]
		case len(out) > 0:
			v := &out[len(out)-1]
			v.Message = strings.TrimSpace(v.Message + "\n" + trimmed)
		}
	}
	return out
}
