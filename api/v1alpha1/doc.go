// Package v1alpha1 holds the trading.tradebot.dev/v1alpha1 API: the
// TradingBot and SymbolWatch custom resources, their spec and status types,
// the condition types and reasons the controllers report, and the helpers that
// turn the API's decimal strings into exact decimals and fill in the same
// defaults the CRD schema applies.
//
// Validation lives in the CRD schema (kubebuilder markers and CEL rules on
// these types), so a bad manifest is refused by the API server with a message
// that names the field; the Go helpers here never replace that check.
//
// +kubebuilder:object:generate=true
// +groupName=trading.tradebot.dev
package v1alpha1
