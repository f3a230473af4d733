// The engine tier's custom resource definitions, read from their Go modules
// (no code is built): Gateway API's standard channel.
module quorvex.invalid/toolchain/crds

go 1.26

require sigs.k8s.io/gateway-api v1.6.3
