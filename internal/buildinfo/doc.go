// Package buildinfo renders a binary's --version line from the version and
// revision stamped at link time, falling back to what the Go toolchain
// recorded in the binary.
package buildinfo
