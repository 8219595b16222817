//go:build !race

package risk_test

// propertySteps is the number of random steps TestPropertyNoLimitExceeded
// drives; the race detector slows the test about tenfold, so a race build
// runs a tenth (steps_race_test.go).
const propertySteps = 1_000_000
