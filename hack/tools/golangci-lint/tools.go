// Package golangcilint pins golangci-lint, which lints the module against
// .golangci.yml (hack/tools.sh golangci-lint, make lint).
package golangcilint
