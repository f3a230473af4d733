// Command pulumi-resource-random bridges the Terraform random provider (its Go
// module, at the commit @pulumi/random pins) with the Pulumi Terraform bridge.
// The mapping below is ours: every resource's token is its whole Terraform name
// in the index module (random_password -> random:index/randomPassword:RandomPassword),
// the tokens and property names @pulumi/random's SDK sends.
//
//	pulumi-resource-random            serve the provider (what the engine runs)
//	pulumi-resource-random tfgen ...  generate schema.json and bridge-metadata.json
//
// The generated files are embedded by the second pass of the toolchain build.
package main

import (
	"context"
	_ "embed"
	"os"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// version is set at build time to the version of @pulumi/random.
var version = "0.0.0-dev"

//go:embed schema-embed.json
var schema []byte

//go:embed bridge-metadata-embed.json
var metadata []byte

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pfbridge.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Version:      version,
		GitHubOrg:    "hashicorp",
		Publisher:    "Pulumi",
		License:      "Apache-2.0",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	info.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return info
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "tfgen" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		tfgen.Main("random", providerInfo())
		return
	}
	pfbridge.Main(context.Background(), "random", providerInfo(), pfbridge.ProviderMetadata{PackageSchema: schema})
}
