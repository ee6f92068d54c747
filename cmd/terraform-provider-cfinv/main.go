// Command terraform-provider-cfinv is the Terraform provider cfinv/cfinv
// (plugin protocol 6): Terraform or OpenTofu starts it, it is not run by
// hand. Its resource cfinv_invalidation is documented in
// docs/resources/invalidation.md.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/cfinv/cfinv/internal/tfprovider"
)

// version is set at release builds with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	debug := flag.Bool("debug", false, "run for a debugger: print TF_REATTACH_PROVIDERS instead of being started by Terraform")
	flag.Parse()
	err := providerserver.Serve(context.Background(), tfprovider.New(version), providerserver.ServeOpts{
		Address:         tfprovider.Address,
		Debug:           *debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}
