// Command pulumi-resource-kubernetes serves the Kubernetes provider from its Go
// module. The package schema and the Terraform mapping are the provider's own
// files, copied from the module cache into this directory by the toolchain build
// (they are build output, never committed).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
