// Package validation holds the tests that install the generated CRDs into a
// real kube-apiserver (envtest) and check what the schema does: the samples
// are accepted and defaulted, invalid manifests are refused with a message
// naming the field, the Go defaults in api/v1alpha1 match the schema's, and
// the printer columns exist. It has no non-test code besides this comment.
package validation
