// Package testapiserver starts a real kube-apiserver and etcd (envtest)
// for a package's tests, with a direct client and a fresh namespace, and
// stops them when the test ends. Tests only: nothing in the operator
// imports it.
package testapiserver
