package controller

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// writeStatus stores obj's status: the whole status, with the
// resourceVersion obj was read at, so that a status computed from a stale
// cached copy is refused with a conflict rather than written over a newer
// one. It is an update of the status subresource, not a patch: the API
// server then decodes the status it is sent, where a merge patch made it
// encode the stored object, apply the patch and decode the result again.
// That is about a tenth of a status write's cost to the API server, the
// write every new bot needs (see docs/scale.md). The status subresource
// ignores everything but status in the object, and keeps its managed
// fields (the cache strips them).
func writeStatus(ctx context.Context, c client.Client, obj client.Object) error {
	return c.Status().Update(ctx, obj)
}
