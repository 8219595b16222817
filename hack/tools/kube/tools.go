// Package kube pins the Kubernetes control-plane binaries (kube-apiserver,
// kubectl) that hack/control-plane.sh builds for envtest and the demo.
package kube
