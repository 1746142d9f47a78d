// Command pulumi-resource-eksfleet is the eksfleet component provider
// plugin: the engine starts it for every eksfleet:index:* resource a
// program in any language declares.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/eksfleet/eksfleet/provider"
)

func main() {
	prov, err := provider.New()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-eksfleet: %v\n", err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), provider.Name, provider.Version); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-eksfleet: %v\n", err)
		os.Exit(1)
	}
}
