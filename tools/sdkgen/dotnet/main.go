// Command dotnet writes the eksfleet .NET SDK from the provider's schema
// into -out (a directory it creates). tools/sdkgen runs it for the dotnet/
// part of sdk/: the .NET generator left pkg/v3 after v3.224.0 (it moved to
// the pulumi-dotnet repository, which the module proxy does not serve), so
// this is a module of its own pinned to pkg v3.224.0, the newest that has it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	//lint:ignore SA1019 its successor (pulumi-dotnet's codegen module) is not served by the module proxy; see the package doc
	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	schemaPath := flag.String("schema", "", "the provider's schema.json")
	out := flag.String("out", "", "directory to write the SDK into")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*schemaPath, *out); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen/dotnet: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("schema: %s", diags.Error())
	}
	// The generator downloads the NuGet package icon from the schema's
	// logoUrl (or a Pulumi logo on GitHub); offline, it gets one drawn here.
	http.DefaultTransport = offlineIcon{}
	files, err := dotnet.GeneratePackage("eksfleet-sdkgen", pkg, nil, nil)
	if err != nil {
		return err
	}
	for name, b := range files {
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

// offlineIcon answers every HTTP request with a 64x64 PNG icon (EKS orange),
// the only thing the .NET generator fetches; nothing leaves the machine.
type offlineIcon struct{}

func (offlineIcon) RoundTrip(req *http.Request) (*http.Response, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		for y := range 64 {
			img.Set(x, y, color.RGBA{R: 0xff, G: 0x99, B: 0x00, A: 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"image/png"}},
		Body:       io.NopCloser(&b),
		Request:    req,
	}, nil
}

// noLoader refuses every other package, as in tools/sdkgen.
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
	return fmt.Errorf("the eksfleet schema refers to package %q; it must stay self-contained", pkg)
}
