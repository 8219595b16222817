// Package controller holds the TradingBot and SymbolWatch reconcilers.
//
// A reconciler never trades and never waits on the network: it reads the
// resource, resolves its credentials Secret and endpoint, ensures the
// resource's goroutine group in the runtime supervisor (which returns at once),
// reads the group's latest immutable snapshot, computes status with pure
// functions (the *_status.go files, table-tested without an API server) and
// patches status once. Status is refreshed every --status-interval and at
// once when a group reports an important change through the change feed.
package controller
