// Package opdrill holds what the drills that run the real operator binary
// share: building the binary, a kube-apiserver and etcd (envtest) with the
// CRDs, the exchange simulator on the loopback, the operator as a process
// that can be killed with SIGKILL and started again, and a judge that
// reads each Paper bot's account on the simulator.
//
// It is test support: only the drills under test/ import it.
package opdrill
