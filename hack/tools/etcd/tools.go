// Package etcd pins the etcd server that hack/control-plane.sh builds for
// envtest and the demo.
package etcd
