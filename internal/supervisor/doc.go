// Package supervisor owns the goroutine groups that run bots and watches
// inside the operator process, and supervises their tasks.
//
// A [Supervisor] owns one goroutine group per key (the operator uses
// "Kind/namespace/name"). A group runs named tasks at a version (an opaque
// fingerprint of what the group was built from); [Supervisor.Ensure] replaces
// a group only when the version changes, and always waits for the old
// generation to stop before starting the new one, so two generations of one
// bot never trade at the same time.
// [Supervisor.EnsureNoWait] and [Supervisor.BeginStop] keep that rule without
// blocking their caller: they start the stop and return, and the group's
// leaving the list is reported through [Options.OnChange].
//
// Each group publishes an immutable [GroupSnapshot] through an atomic pointer,
// so readers such as the reconciler never wait on a task, and sends a
// coalescing "something changed" notification to [Options.OnChange].
//
// This package is the only place in the operator that recovers panics. It
// does so at the task boundary: the panic is logged with its stack, counted in
// the task's status and the task is restarted with capped exponential backoff,
// while every other task and group carries on untouched. Code elsewhere lets
// panics propagate to here.
//
// The Supervisor is a controller-runtime Runnable that needs leader election,
// so only the elected replica runs bots; when leadership or the process ends,
// Start stops every group within a bounded time and returns.
package supervisor
