// Package controller holds the TradingBot and SymbolWatch reconcilers, and
// Setup, which builds the supervisor and the reconcilers and registers them
// with a manager (the operator's main and the envtest suite both use it).
//
// A reconciler never trades and never waits on the network or on a group:
// it reads the resource, resolves its credentials Secret and endpoint,
// derives a group request from its spec, has a GroupAssembler (an interface
// of this package; botgroup.Assembler in the operator) build the group, and
// tells the supervisor what it wants (start this version of the group, or
// stop it) without waiting for it to happen. A group that is still
// stopping leaves the status as it was; the supervisor's notification that
// it has gone comes back through the change feed and reconciles the resource
// again, which is also how a deletion's finalizer is removed only once the
// group has stopped. Then the reconciler reads the group's latest immutable
// snapshot and computes status with pure functions (the *_status.go files,
// table-tested without an API server).
//
// Secrets are the one kind read around the cache: the cache holds only
// their metadata (a metadata-only watch maps a Secret's change to the bots
// naming it), and a bot's Secret is read with the manager's API reader, only
// when its resourceVersion differs from the one last read for the bot.
//
// Every reconcile of a live resource ends in reconcileEnd.finish, deferred:
// at most one status write, none when the status is stored unchanged, and
// changes in figures alone at most once per --status-interval per resource;
// it is also the one place deciding when to reconcile again.
package controller
