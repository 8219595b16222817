// Package e2e holds the end-to-end suite: it drives the operator the way a
// user would and reads what kubectl get prints (the API server's Table
// API) — apply config/samples, watch them reach Running with their printer
// columns filled in, signal, and (the Paper bot) fill an order and show a
// PnL; have the exchange simulator fail every REST request and watch
// BREAKER go Open, then Closed once the faults are cleared; delete them
// and see them go (the bot once the operator's finalizer lets it go).
//
// make test runs it (no build tag) against an environment of its own: etcd
// and kube-apiserver (envtest, KUBEBUILDER_ASSETS) with the CRDs, the
// exchange simulator on the loopback, and the operator binary built from
// ./cmd pointed at both:
//
//	export KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)
//	go test -race -count=1 -v ./test/e2e/
//
// Against a cluster where the operator already runs, name it with
// E2E_KUBECONFIG (make test-e2e sets it from KUBECONFIG) and the simulator
// the operator trades on with E2E_SIMULATOR_URL, for the breaker drill;
// make demo prints the line:
//
//	export KUBECONFIG=...   # what make demo prints
//	E2E_SIMULATOR_URL=http://127.0.0.1:PORT make test-e2e
//
// The samples go into a namespace of the suite's own. E2E_TIMEOUT bounds
// each wait (default 3m).
package e2e
