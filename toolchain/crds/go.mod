// The engine tier's custom resource definitions, read from their Go modules
// (no code is built): Gateway API's standard channel, and the prometheus-operator's
// PrometheusRule.
module quorvex.invalid/toolchain/crds

go 1.26

require (
	github.com/prometheus-operator/prometheus-operator v0.85.0
	sigs.k8s.io/gateway-api v1.6.3
)
