// Command schemagen writes the provider's schema (provider/schema.json),
// the input of the SDK generator: `make sdk` runs it, then tools/sdkgen.
// It asks the provider in process, as `pulumi package get-schema` would ask
// the built plugin.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/eksfleet/eksfleet/provider"
)

func main() {
	out := flag.String("o", "schema.json", "file to write")
	flag.Parse()
	b, err := provider.Schema(context.Background())
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "schemagen: %v\n", err)
		os.Exit(1)
	}
}
