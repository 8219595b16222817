//go:build race

package risk_test

// propertySteps under the race detector; see steps_norace_test.go.
const propertySteps = 100_000
