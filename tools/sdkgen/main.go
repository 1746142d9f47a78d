// Command sdkgen writes the eksfleet SDKs for TypeScript, Python, Go and
// .NET from provider/schema.json with the Pulumi code generators
// (pkg/codegen) linked in: `pulumi package gen-sdk` would need the language
// host plugins, which cannot be installed offline. The schema refers to no
// other package, so the generators never need another package's schema.
//
//	go run . -schema ../../provider/schema.json -out ../../sdk       # regenerate
//	go run . -schema ../../provider/schema.json -out ../../sdk -check # fail when stale
//
// Run it from this directory: the .NET generator is the module in ./dotnet
// (pkg v3.224.0, the last with it), which it runs with `go run`. This module
// has the others, from pkg/v3 v3.250.0 (the CLI's version); neither version
// may enter the main or provider go.mod.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is the generator name written into the generated files' headers.
const tool = "eksfleet-sdkgen"

// languages are the generated SDKs, each in <out>/<dir>.
var languages = []struct {
	dir string
	gen func(*schema.Package) (map[string][]byte, error)
}{
	{"nodejs", func(p *schema.Package) (map[string][]byte, error) {
		return nodejs.GeneratePackage(tool, p, nil, nil, true, noLoader{})
	}},
	{"python", func(p *schema.Package) (map[string][]byte, error) {
		return python.GeneratePackage(tool, p, nil, noLoader{})
	}},
	{"go", func(p *schema.Package) (map[string][]byte, error) {
		return gogen.GeneratePackage(tool, p, nil)
	}},
}

// dotnetDir is the SDK directory the ./dotnet generator writes.
const dotnetDir = "dotnet"

func main() {
	schemaPath := flag.String("schema", "", "the provider's schema.json")
	out := flag.String("out", "", "SDK root directory (one subdirectory per language)")
	check := flag.Bool("check", false, "compare with the files under -out instead of writing them; exit 1 when they differ")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*schemaPath, *out, *check); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string, check bool) error {
	sdks, err := Generate(schemaPath)
	if err != nil {
		return err
	}
	if check {
		diffs, err := Compare(sdks, out)
		if err != nil {
			return err
		}
		if len(diffs) > 0 {
			return fmt.Errorf("%s is stale (run `make sdk`):\n  %s", out, strings.Join(diffs, "\n  "))
		}
		return nil
	}
	for _, dir := range sdkDirs() {
		dir := filepath.Join(out, dir)
		// Generated directories are replaced whole, so a file the generator
		// no longer writes does not linger.
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	for name, b := range sdks {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Generate returns every SDK file, keyed by slash path under the SDK root
// (nodejs/index.ts, python/..., go/eksfleet/...).
func Generate(schemaPath string) (map[string][]byte, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, l := range languages {
		// Each generator annotates the bound package, so bind afresh.
		pkg, err := bind(raw)
		if err != nil {
			return nil, err
		}
		got, err := l.gen(pkg)
		if err != nil {
			return nil, fmt.Errorf("%s SDK: %w", l.dir, err)
		}
		for name, b := range got {
			files[l.dir+"/"+filepath.ToSlash(name)] = b
		}
	}
	got, err := generateDotnet(schemaPath)
	if err != nil {
		return nil, fmt.Errorf(".NET SDK: %w", err)
	}
	for name, b := range got {
		files[dotnetDir+"/"+name] = b
	}
	return files, nil
}

// generateDotnet runs the ./dotnet generator into a temporary directory and
// returns its files by slash path.
func generateDotnet(schemaPath string) (map[string][]byte, error) {
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "eksfleet-sdkgen-dotnet-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "-C", "dotnet", "run", ".", "-schema", abs, "-out", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go run ./dotnet (run sdkgen from tools/sdkgen): %v\n%s", err, out)
	}
	files := map[string][]byte{}
	err = filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(tmp, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	return files, err
}

// sdkDirs are the SDK directories sdkgen owns under -out.
func sdkDirs() []string {
	dirs := []string{dotnetDir}
	for _, l := range languages {
		dirs = append(dirs, l.dir)
	}
	return dirs
}

func bind(raw []byte) (*schema.Package, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("schema: %s", diags.Error())
	}
	return pkg, nil
}

// Compare lists the differences between the generated files and the
// directory: changed, missing and extra files (under the generated
// languages' directories only).
func Compare(files map[string][]byte, out string) ([]string, error) {
	var diffs []string
	seen := map[string]bool{}
	for _, dir := range sdkDirs() {
		root := filepath.Join(out, dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(out, path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			seen[rel] = true
			want, ok := files[rel]
			if !ok {
				diffs = append(diffs, "not generated any more: "+rel)
				return nil
			}
			got, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, want) {
				diffs = append(diffs, "differs: "+rel)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for name := range files {
		if !seen[name] {
			diffs = append(diffs, "missing: "+name)
		}
	}
	sort.Strings(diffs)
	return diffs, nil
}

// noLoader refuses every other package: the eksfleet schema must stay
// self-contained (ids, names and ARNs only), so SDKs generate offline.
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, refuse(pkg)
}

func (noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, refuse(d.Name)
}

func (noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, refuse(pkg)
}

func (noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, refuse(d.Name)
}

func refuse(pkg string) error {
	return fmt.Errorf("the eksfleet schema refers to package %q: keep inputs and outputs to ids, names and ARNs so SDKs generate without other schemas", pkg)
}
