// Package kind holds the tests of hack/kind-up.sh, the path that brings the
// operator and the exchange simulator up on a local kind cluster. No
// container engine runs here, so the tests run the script with --dry-run,
// with stand-ins for kind, kubectl, helm, docker and make that record any
// call, and check the plan it prints: every step in order, the image
// archives of the chosen platform, the chart's values and the waits. It has
// no non-test code besides this comment.
package kind
