package enginetest

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StackOptions configures [NewStack].
type StackOptions struct {
	// Project is the project name; "enginetest" when empty.
	Project string
	// Stack is the stack name; "test" when empty.
	Stack string
	// Program is the inline Pulumi program.
	Program pulumi.RunFunc
	// Providers are attached through PULUMI_DEBUG_PROVIDERS. Packages not
	// listed here are looked up by the engine as plugins (plugin cache, then
	// PATH); automatic plugin downloads are disabled.
	Providers []Attachable
	// Config is set on the stack, keys "<namespace>:<key>", e.g.
	// "aws:region". Use Stack.SetConfig for secrets.
	Config map[string]string
	// Env adds environment variables for the CLI (and the plugins it
	// starts); it overrides the defaults NewStack sets.
	Env map[string]string
}

// NewStack creates an inline Automation API stack run by tools.Pulumi with a
// fresh PULUMI_HOME, a file backend and a passphrase secrets provider, all in
// temporary directories of the test. Update checks and plugin downloads are
// off, so nothing leaves the machine unless a provider does it.
func NewStack(t testing.TB, tools Tools, opts StackOptions) auto.Stack {
	t.Helper()
	if opts.Project == "" {
		opts.Project = "enginetest"
	}
	if opts.Stack == "" {
		opts.Stack = "test"
	}
	ctx := context.Background()
	work, home, backend := t.TempDir(), t.TempDir(), t.TempDir()

	var attach []string
	for _, p := range opts.Providers {
		attach = append(attach, fmt.Sprintf("%s:%d", p.Package(), p.Port()))
	}
	sort.Strings(attach)
	env := map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.ToSlash(backend),
		"PULUMI_CONFIG_PASSPHRASE":                    "enginetest",
		"PULUMI_HOME":                                 home,
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_SKIP_CONFIRMATIONS":                   "true",
		"PULUMI_DEBUG_PROVIDERS":                      strings.Join(attach, ","),
	}
	for k, v := range opts.Env {
		env[k] = v
	}

	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: tools.PulumiRoot()})
	if err != nil {
		t.Fatalf("enginetest: %s: %v", tools.Pulumi, err)
	}
	stack, err := auto.NewStackInlineSource(ctx, opts.Stack, opts.Project, opts.Program,
		auto.WorkDir(work),
		auto.PulumiHome(home),
		auto.Pulumi(cmd),
		auto.EnvVars(env),
		auto.SecretsProvider("passphrase"),
	)
	if err != nil {
		t.Fatalf("enginetest: create stack: %v", err)
	}
	if len(opts.Config) > 0 {
		cfg := auto.ConfigMap{}
		for k, v := range opts.Config {
			cfg[k] = auto.ConfigValue{Value: v}
		}
		if err := stack.SetAllConfig(ctx, cfg); err != nil {
			t.Fatalf("enginetest: set config: %v", err)
		}
	}
	return stack
}
