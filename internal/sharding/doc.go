// Package sharding splits the bots among the operator's replicas, using the
// Kubernetes API server as the only coordinator.
//
// Each replica holds a coordination.k8s.io Lease of its own (named
// PREFIX-IDENTITY, labelled as a member) and renews it every RenewEvery.
// A Ring lists the members' Leases as often and calls a member live while
// its Lease keeps changing: a Lease not seen renewed for LeaseDuration, by
// this replica's own clock (never by comparing the Lease's timestamps with
// it, so clock skew between nodes does not matter), or deleted, is dead.
// Each key (a bot) belongs to exactly one live member, chosen by rendezvous
// hashing: adding or losing a member moves only the keys that member wins
// or held.
//
// Views of the ring differ between replicas for a moment whenever members
// come and go, so ownership alone cannot keep a bot from running twice.
// The ring gives the parts of a fence; the controller closes it with a
// claim recorded in each bot's status (see internal/controller): a replica
// starts a bot only after its claim was written over no claim, its own, or
// the claim of a member that is dead; a replica stops a bot it no longer
// owns and then clears its claim. A replica that has not renewed its own
// Lease for FenceAfter (a third of LeaseDuration) stops claiming and
// reports itself fenced, so its bots are stopped before any other replica
// can judge its Lease dead.
//
// The package has no package-level state; a Ring is safe for concurrent
// use, and its one goroutine (Run) is owned by the caller's context.
package sharding
