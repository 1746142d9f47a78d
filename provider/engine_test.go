package provider_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eksfleet/eksfleet/internal/enginetest"
	"github.com/eksfleet/eksfleet/provider"
	"github.com/eksfleet/eksfleet/sdk/go/eksfleet"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The engine tests: programs in other languages use the components through
// the real plugin binary (built here from this checkout), the real Pulumi
// CLI and engine, the real npm pulumi-eks provider, and the fake aws and
// kubernetes providers of internal/enginetest. Like the repository's other
// engine tests they skip when a tool is missing, unless
// EKSFLEET_ENGINE_TESTS=1 or CI=true, which make a missing tool a failure.

// region is the test programs' AWS region (testdata/*).
const region = "us-west-2"

func TestMain(m *testing.M) {
	code := m.Run()
	if pluginDir != "" {
		os.RemoveAll(pluginDir)
	}
	os.Exit(code)
}

// required reports whether a missing tool fails the test instead of
// skipping it.
func required() bool {
	return os.Getenv(enginetest.EngineTestsEnv) == "1" || os.Getenv("CI") == "true"
}

// requireTools is enginetest.RequireTools, mandatory in CI too.
func requireTools(t *testing.T) enginetest.Tools {
	t.Helper()
	if required() {
		t.Setenv(enginetest.EngineTestsEnv, "1")
	}
	return enginetest.RequireTools(t)
}

// requireEnv returns the tool a .ci/tools.sh variable names, or skips (fails
// when required) if it is unset.
func requireEnv(t *testing.T, env, what string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		if required() {
			t.Fatalf("%s is not set (%s): run eval \"$(.ci/tools.sh)\"", env, what)
		}
		t.Skipf("%s is not set (%s): run eval \"$(.ci/tools.sh)\" to run this test", env, what)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return p
}

var (
	pluginOnce sync.Once
	pluginDir  string
	pluginBin  string
	pluginErr  error
)

// buildPlugin builds pulumi-resource-eksfleet from this checkout once per
// test binary: the engine runs exactly what the README tells users to build.
func buildPlugin(t *testing.T) string {
	t.Helper()
	pluginOnce.Do(func() {
		if pluginDir, pluginErr = os.MkdirTemp("", "eksfleet-plugin-"); pluginErr != nil {
			return
		}
		pluginBin = filepath.Join(pluginDir, "pulumi-resource-eksfleet")
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", pluginBin, "./cmd/pulumi-resource-eksfleet")
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		t.Logf("built %s in %s", pluginBin, time.Since(start).Round(time.Millisecond))
	})
	if pluginErr != nil {
		t.Fatal(pluginErr)
	}
	return pluginBin
}

// startTime runs the plugin the way the engine does before it connects:
// until it prints its gRPC port.
func startTime(t *testing.T, bin string) time.Duration {
	t.Helper()
	cmd := exec.Command(bin) // no engine address: attach mode, prints the port
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	took := time.Since(start)
	if err != nil || strings.TrimSpace(line) == "" {
		t.Fatalf("plugin printed %q before %v, want its port", line, err)
	}
	return took
}

// TestPluginStartTime measures how long the plugin takes to serve: the
// engine waits that long for every program that uses an eksfleet
// component.
func TestPluginStartTime(t *testing.T) {
	requireTools(t)
	bin := buildPlugin(t)
	var runs []time.Duration
	for range 5 {
		runs = append(runs, startTime(t, bin))
	}
	slices.Sort(runs)
	t.Logf("plugin start time (exec to port printed), 5 runs: median %s, min %s, max %s",
		runs[2].Round(time.Millisecond), runs[0].Round(time.Millisecond), runs[4].Round(time.Millisecond))
	// Every preview and up waits for it; a start of seconds would mean the
	// binary does work at start-up it should not.
	if runs[2] > 10*time.Second {
		t.Errorf("median start %s is over 10 s", runs[2])
	}
}

// fakes are the providers the engine attaches to for every test program.
type fakes struct {
	aws *enginetest.FakeAWS
	env map[string]string
}

func startFakes(t *testing.T, tools enginetest.Tools) fakes {
	t.Helper()
	aws := enginetest.StartFakeAWS(t)
	k8s := enginetest.StartFakeKubernetes(t)
	eks := enginetest.StartEKSProvider(t, tools)
	return fakes{aws: aws, env: map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.ToSlash(t.TempDir()),
		"PULUMI_CONFIG_PASSPHRASE":                    "enginetest",
		"PULUMI_HOME":                                 t.TempDir(),
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_SKIP_CONFIRMATIONS":                   "true",
		"PULUMI_DEBUG_PROVIDERS": fmt.Sprintf("aws:%d,eks:%d,kubernetes:%d",
			aws.Port(), eks.Port(), k8s.Port()),
	}}
}

// checkCreated checks what an up from empty created: the three components,
// their children through the fake aws provider, nothing refused.
func checkCreated(t *testing.T, f fakes, deployment apitype.UntypedDeployment) {
	t.Helper()
	created := f.aws.Types("Create")
	for _, typ := range []string{"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:autoscaling/group:Group",
		"aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/accessEntry:AccessEntry", "aws:iam/instanceProfile:InstanceProfile",
		"aws:autoscaling/tag:Tag"} {
		if !slices.Contains(created, typ) {
			t.Errorf("up did not create a %s (created %v)", typ, created)
		}
	}
	lastAddon, firstNode := -1, -1
	for i, c := range f.aws.Calls("Create") {
		if len(c.Failures) > 0 {
			t.Errorf("create of %s refused: %v", c.URN, c.Failures)
		}
		if c.Preview {
			continue
		}
		switch c.Type {
		case "aws:eks/addon:Addon":
			lastAddon = i
		case "aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/nodeGroup:NodeGroup", "aws:autoscaling/group:Group":
			if firstNode < 0 {
				firstNode = i
			}
		}
	}
	// The Go program makes nodes wait for the vpc-cni and kube-proxy
	// add-ons (nodegroup.Cluster.NetworkReady). Across languages the node
	// groups take the Cluster's outputs, which the calling program gets
	// only when the Cluster's Construct has finished: add-ons included.
	if lastAddon < 0 || firstNode < lastAddon {
		t.Errorf("a launch template, node group or ASG was created (call %d) before the last add-on (call %d)", firstNode, lastAddon)
	}
	var state struct {
		Resources []struct {
			URN    string `json:"urn"`
			Type   string `json:"type"`
			Parent string `json:"parent"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(deployment.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	components := map[string]string{} // URN -> type
	for _, r := range state.Resources {
		if strings.HasPrefix(r.Type, "eksfleet:") {
			components[r.URN] = r.Type
		}
	}
	children := map[string]int{}
	for _, r := range state.Resources {
		if typ, ok := components[r.Parent]; ok {
			children[typ]++
		}
	}
	for _, typ := range []string{"eksfleet:index:Cluster", "eksfleet:index:ManagedNodeGroup", "eksfleet:index:SelfManagedNodeGroup"} {
		if children[typ] == 0 {
			t.Errorf("no resource in the state is a child of a %s (components %v)", typ, components)
		}
	}
}

// checkNoChanges fails unless a preview only reports unchanged resources.
func checkNoChanges(t *testing.T, what string, summary map[string]int) {
	t.Helper()
	for op, n := range summary {
		if op != string(apitype.OpSame) && n > 0 {
			t.Errorf("%s: %d %s, want no change (summary %v)", what, n, op, summary)
		}
	}
	if summary[string(apitype.OpSame)] == 0 {
		t.Errorf("%s: no unchanged resource reported (summary %v)", what, summary)
	}
}

// TestYAMLProgram: a Pulumi YAML program (testdata/yaml/Pulumi.yaml, with
// the plugin given as a plugins.providers path, as the README shows)
// creates a cluster, a managed and a self-managed group, and the AWS side
// of the autoscaler, the termination handler and Karpenter; a second
// preview shows no change.
func TestYAMLProgram(t *testing.T) {
	tools := requireTools(t)
	yamlHost := requireEnv(t, "EKSFLEET_YAML_HOST", "the pulumi-language-yaml host .ci/tools.sh builds")
	bin := buildPlugin(t)
	f := startFakes(t, tools)
	ctx := context.Background()

	program, err := os.ReadFile("testdata/yaml/Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The README's form: the directory holding pulumi-resource-eksfleet.
	project := strings.Replace(string(program), "path: ./bin", "path: "+filepath.Dir(bin), 1)
	if project == string(program) {
		t.Fatal("testdata/yaml/Pulumi.yaml has no `path: ./bin` provider entry")
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	env := f.env
	// The CLI finds language hosts on PATH.
	env["PATH"] = filepath.Dir(yamlHost) + string(os.PathListSeparator) + os.Getenv("PATH")
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: tools.PulumiRoot()})
	if err != nil {
		t.Fatal(err)
	}
	stack, err := auto.UpsertStackLocalSource(ctx, "test", dir,
		auto.Pulumi(cmd), auto.PulumiHome(env["PULUMI_HOME"]), auto.EnvVars(env), auto.SecretsProvider("passphrase"))
	if err != nil {
		t.Fatalf("stack: %v", err)
	}
	if err := stack.SetConfig(ctx, "aws:region", auto.ConfigValue{Value: region}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	prev, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("preview: %v\n%s\n%s", err, prev.StdOut, prev.StdErr)
	}
	t.Logf("YAML preview from empty: %s (%v)", time.Since(start).Round(time.Millisecond), prev.ChangeSummary)
	if prev.ChangeSummary[apitype.OpCreate] < 20 {
		t.Errorf("preview creates %d resources, want the three components and their children:\n%s", prev.ChangeSummary[apitype.OpCreate], prev.StdOut)
	}

	start = time.Now()
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v\n%s\n%s", err, up.StdOut, up.StdErr)
	}
	t.Logf("YAML up: %s", time.Since(start).Round(time.Millisecond))
	if got := up.Outputs["clusterName"].Value; got != "demo" {
		t.Errorf("output clusterName = %v, want demo", got)
	}
	if got, _ := up.Outputs["workersAsgName"].Value.(string); got == "" {
		t.Errorf("output workersAsgName = %v, want the self-managed group's ASG name", up.Outputs["workersAsgName"].Value)
	}
	if got, _ := up.Outputs["systemNodeGroup"].Value.(string); got == "" {
		t.Errorf("output systemNodeGroup = %v, want the managed node group's name", up.Outputs["systemNodeGroup"].Value)
	}
	for _, out := range []string{"autoscalerRole", "drainQueue"} {
		if got, _ := up.Outputs[out].Value.(string); got == "" {
			t.Errorf("output %s = %v, want an ARN or URL", out, up.Outputs[out].Value)
		}
	}
	if got, _ := up.Outputs["karpenterQueue"].Value.(string); got == "" {
		t.Errorf("output karpenterQueue = %v, want the interruption queue's name", up.Outputs["karpenterQueue"].Value)
	}
	if pools, _ := up.Outputs["karpenterNodePools"].Value.(map[string]any); pools["general"] == nil {
		t.Errorf("output karpenterNodePools = %v, want the general pool's NodePool", up.Outputs["karpenterNodePools"].Value)
	}
	deployment, err := stack.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkCreated(t, f, deployment)
	for _, typ := range []string{"aws:sqs/queue:Queue", "aws:cloudwatch/eventRule:EventRule"} {
		if !slices.Contains(f.aws.Types("Create"), typ) {
			t.Errorf("up did not create Karpenter's %s", typ)
		}
	}

	start = time.Now()
	again, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("second preview: %v\n%s\n%s", err, again.StdOut, again.StdErr)
	}
	t.Logf("YAML preview after up: %s (%v)", time.Since(start).Round(time.Millisecond), again.ChangeSummary)
	summary := map[string]int{}
	for op, n := range again.ChangeSummary {
		summary[string(op)] = n
	}
	checkNoChanges(t, "second preview", summary)
}

// TestTypeScriptProgram: a TypeScript Automation API inline program
// (testdata/ts/index.ts) using the generated SDK (sdk/nodejs, compiled here
// with tsc) creates the same three components and previews again with no
// change. The plugin is installed into the plugin cache the way the README
// says (pulumi plugin install resource eksfleet <version> -f <binary>).
func TestTypeScriptProgram(t *testing.T) {
	tools := requireTools(t)
	modules := requireEnv(t, "EKSFLEET_NODE_MODULES", "the @pulumi/pulumi and typescript packages .ci/tools.sh installs")
	node := requireNode(t)
	bin := buildPlugin(t)
	f := startFakes(t, tools)
	env := f.env

	install := exec.Command(tools.Pulumi, "plugin", "install", "resource", provider.Name, provider.Version, "-f", bin)
	install.Env = append(os.Environ(), "PULUMI_HOME="+env["PULUMI_HOME"], "PULUMI_SKIP_UPDATE_CHECK=true")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("pulumi plugin install: %v\n%s", err, out)
	}

	work := CompileTypeScriptSDK(t, node, modules)
	copyFile(t, "testdata/ts/index.ts", filepath.Join(work, "index.ts"))
	copyFile(t, "testdata/ts/tsconfig.json", filepath.Join(work, "tsconfig.json"))
	tsc(t, node, modules, work, "the test program")

	run := exec.Command(node, filepath.Join(work, "index.js"))
	run.Dir = work
	run.Env = os.Environ()
	for k, v := range env {
		run.Env = append(run.Env, k+"="+v)
	}
	run.Env = append(run.Env, "EKSFLEET_PULUMI_ROOT="+tools.PulumiRoot(), "AWS_REGION="+region)
	start := time.Now()
	out, err := run.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node index.js: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr)
	}
	t.Logf("TypeScript program (up + preview): %s", time.Since(start).Round(time.Millisecond))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var result struct {
		Up      map[string]int `json:"up"`
		Preview map[string]int `json:"preview"`
		Outputs map[string]struct {
			Value any `json:"value"`
		} `json:"outputs"`
		Deployment json.RawMessage `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &result); err != nil {
		t.Fatalf("program result %q: %v", lines[len(lines)-1], err)
	}
	t.Logf("TypeScript up: %v; second preview: %v", result.Up, result.Preview)
	if result.Up["create"] < 20 {
		t.Errorf("up created %d resources, want the three components and their children (%v)", result.Up["create"], result.Up)
	}
	if got := result.Outputs["clusterName"].Value; got != "demo" {
		t.Errorf("output clusterName = %v, want demo", got)
	}
	if got, _ := result.Outputs["workersAsgName"].Value.(string); got == "" {
		t.Errorf("output workersAsgName = %v, want the self-managed group's ASG name", result.Outputs["workersAsgName"].Value)
	}
	checkCreated(t, f, apitype.UntypedDeployment{Deployment: result.Deployment})
	checkNoChanges(t, "second preview", result.Preview)
}

// TestTypeScriptSDKCompiles: the generated TypeScript SDK (sdk/nodejs)
// compiles with tsc against the pinned @pulumi/pulumi.
func TestTypeScriptSDKCompiles(t *testing.T) {
	modules := requireEnv(t, "EKSFLEET_NODE_MODULES", "the @pulumi/pulumi and typescript packages .ci/tools.sh installs")
	node := requireNode(t)
	work := CompileTypeScriptSDK(t, node, modules)
	if _, err := os.Stat(filepath.Join(work, "sdk", "bin", "index.js")); err != nil {
		t.Fatalf("tsc wrote no bin/index.js: %v", err)
	}

	// The README's TypeScript example type-checks against the SDK, with
	// "@eksfleet/eksfleet" mapped onto the compiled one.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```typescript\n(import \\* as eksfleet from \"@eksfleet/eksfleet\";.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no ```typescript example importing @eksfleet/eksfleet")
	}
	dir := filepath.Join(work, "readme")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.ts"), m[1], 0o644); err != nil {
		t.Fatal(err)
	}
	tsconfig := `{"compilerOptions": {"target": "es2020", "module": "commonjs", "strict": true, "noEmit": true,
		"skipLibCheck": true, "types": ["node"], "baseUrl": ".", "paths": {"@eksfleet/eksfleet": ["../sdk/bin"]}},
		"files": ["index.ts"]}`
	if err := os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte(tsconfig), 0o644); err != nil {
		t.Fatal(err)
	}
	tsc(t, node, modules, dir, "the README's TypeScript example")
}

func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if required() {
			t.Fatal("node is not on PATH")
		}
		t.Skip("node is not on PATH")
	}
	return node
}

// goSDKProgram is the YAML and TypeScript programs' stack written with the
// generated Go SDK (sdk/go/eksfleet), whose resources the engine constructs
// through the plugin like any other language's.
func goSDKProgram(ctx *pulumi.Context) error {
	const clusterName, version = "demo", "1.33"
	subnets := []string{"subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60729"}
	cluster, err := eksfleet.NewCluster(ctx, "cluster", &eksfleet.ClusterArgs{
		Name:                 clusterName,
		Version:              version,
		Region:               region,
		VpcId:                pulumi.String("vpc-0a1b2c3d4e5f60718"),
		PrivateSubnetIds:     pulumi.ToStringArray(subnets),
		EndpointPublicAccess: pulumi.BoolRef(true),
		PublicAccessCidrs:    pulumi.ToStringArray([]string{"203.0.113.0/24"}),
	})
	if err != nil {
		return err
	}
	system, err := eksfleet.NewManagedNodeGroup(ctx, "system", &eksfleet.ManagedNodeGroupArgs{
		ClusterName:          clusterName,
		ClusterVersion:       version,
		ClusterEndpoint:      cluster.Endpoint,
		CertificateAuthority: cluster.CertificateAuthority,
		NodeSecurityGroupId:  cluster.NodeSecurityGroupId,
		VpcCidr:              pulumi.StringRef("10.0.0.0/16"),
		GroupName:            "system",
		InstanceTypes:        pulumi.ToStringArray([]string{"m6i.large"}),
		MinSize:              2,
		MaxSize:              3,
		SubnetIds:            pulumi.ToStringArray(subnets),
	})
	if err != nil {
		return err
	}
	workers, err := eksfleet.NewSelfManagedNodeGroup(ctx, "workers", &eksfleet.SelfManagedNodeGroupArgs{
		ClusterName:          clusterName,
		ClusterVersion:       version,
		ClusterEndpoint:      cluster.Endpoint,
		CertificateAuthority: cluster.CertificateAuthority,
		NodeSecurityGroupId:  cluster.NodeSecurityGroupId,
		VpcCidr:              pulumi.StringRef("10.0.0.0/16"),
		GroupName:            "workers",
		InstanceTypes:        pulumi.ToStringArray([]string{"m6i.xlarge", "m5.xlarge"}),
		CapacityType:         pulumi.StringRef("SPOT"),
		MinSize:              0,
		MaxSize:              10,
		SubnetIds:            pulumi.ToStringArray(subnets),
	})
	if err != nil {
		return err
	}
	ctx.Export("clusterName", cluster.Name)
	ctx.Export("systemNodeGroup", system.NodeGroupName)
	ctx.Export("workersAsgName", workers.AsgName)
	return nil
}

// TestGoSDKProgram: the generated Go SDK on the engine, the plugin found on
// PATH (the third way the engine finds it). The same stack as the YAML and
// TypeScript programs; a second preview shows no change.
func TestGoSDKProgram(t *testing.T) {
	tools := requireTools(t)
	bin := buildPlugin(t)
	aws := enginetest.StartFakeAWS(t)
	k8s := enginetest.StartFakeKubernetes(t)
	eks := enginetest.StartEKSProvider(t, tools)
	stack := enginetest.NewStack(t, tools, enginetest.StackOptions{
		Program:   goSDKProgram,
		Providers: []enginetest.Attachable{aws, k8s, eks},
		Config:    map[string]string{"aws:region": region},
		Env:       map[string]string{"PATH": filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")},
	})
	ctx := context.Background()
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v\n%s\n%s", err, up.StdOut, up.StdErr)
	}
	if got, _ := up.Outputs["workersAsgName"].Value.(string); got == "" {
		t.Errorf("output workersAsgName = %v, want the self-managed group's ASG name", up.Outputs["workersAsgName"].Value)
	}
	deployment, err := stack.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkCreated(t, fakes{aws: aws}, deployment)
	again, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("second preview: %v\n%s\n%s", err, again.StdOut, again.StdErr)
	}
	summary := map[string]int{}
	for op, n := range again.ChangeSummary {
		summary[string(op)] = n
	}
	if up.Summary.ResourceChanges != nil {
		t.Logf("Go SDK up: %v; second preview: %v", *up.Summary.ResourceChanges, summary)
	}
	checkNoChanges(t, "second preview", summary)
}

// CompileTypeScriptSDK copies sdk/nodejs into a work directory whose
// node_modules are the cached ones, compiles it with tsc into sdk/bin and
// returns the work directory (the program imports "./sdk/bin").
func CompileTypeScriptSDK(t *testing.T, node, modules string) string {
	t.Helper()
	work := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	sdk := filepath.Join(work, "sdk")
	if err := os.CopyFS(sdk, os.DirFS("../sdk/nodejs")); err != nil {
		t.Fatal(err)
	}
	tsc(t, node, modules, sdk, "sdk/nodejs")
	// The SDK reads its version from ./package.json next to the compiled
	// code, as an npm-packed SDK has it.
	copyFile(t, filepath.Join(sdk, "package.json"), filepath.Join(sdk, "bin", "package.json"))
	return work
}

// tsc compiles the TypeScript project in dir (what names it in messages).
func tsc(t *testing.T, node, modules, dir, what string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(node, filepath.Join(modules, "typescript", "bin", "tsc"), "-p", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc (%s): %v\n%s", what, err, out)
	}
	t.Logf("tsc (%s): %s", what, time.Since(start).Round(time.Millisecond))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
