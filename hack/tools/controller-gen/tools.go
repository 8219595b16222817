// Package controllergen pins controller-gen, which generates the CRDs, RBAC
// and deepcopy code (make generate, make manifests).
package controllergen
