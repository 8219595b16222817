// Package e2e holds the end-to-end suite: it drives a cluster where the
// operator already runs (named by KUBECONFIG) the way a user would — apply
// the samples, watch them reach Running with their printer columns filled
// in, delete them and see the finalizer let them go.
//
// The tests are behind the e2e build tag, so `go test ./...` skips the
// package. Here, run them against `make demo`'s local control plane:
//
//	make demo   # in another terminal; it prints the KUBECONFIG to export
//	KUBECONFIG=... go test -tags e2e -count=1 -v ./test/e2e/
//
// On a workstation with Docker, against kind with the operator deployed from
// config/default (or the Helm chart).
package e2e
