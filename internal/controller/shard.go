package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// ShardRing is what the reconcilers need of the replicas' ring when the
// operator runs sharded (internal/sharding's Ring).
type ShardRing interface {
	// Identity is this replica's name.
	Identity() string
	// Owns reports whether this replica owns key and may run it now (it
	// holds its own Lease).
	Owns(key string) bool
	// IsLive reports whether the replica named id holds its Lease; when
	// unsure it answers true.
	IsLive(ctx context.Context, id string) bool
}

// shardRecheck is how soon a resource waiting for another replica to let
// go of it is looked at again: the other replica's clearing of its claim
// changes only status, which does not wake the reconciler.
const shardRecheck = time.Second

// gateShard decides whether this replica runs the resource now. It returns
// done when the reconcile must end here, with res and err as its result;
// otherwise this replica owns the resource and its claim (*replica) is
// recorded, and the reconcile goes on.
//
// The claim is the fence that keeps a resource from running on two
// replicas while their views of the ring differ: a replica claims a
// resource only over no claim, its own, or that of a replica whose Lease
// has expired (the write carries the resourceVersion it read, so of two
// claims at once one fails), starts it only once claimed, and clears its
// claim only after the resource has stopped there. A replica that cannot
// renew its Lease stops owning anything within a third of the lease, well
// before the others count it dead.
//
// claimed is applied to the object with a new claim: the status the last
// replica wrote describes its run, not this one's.
func gateShard(ctx context.Context, c client.Client, s GroupSettings, writes *statusWrites, obj client.Object, replica *string, claimed func(), key string) (res ctrl.Result, done bool, err error) {
	ring := s.Shards
	if ring == nil {
		return ctrl.Result{}, false, nil
	}
	me := ring.Identity()
	if !ring.Owns(key) {
		// Another replica's (or none, while this one is fenced): nothing
		// may run here. Let go of the claim once the group has gone.
		log.FromContext(ctx).V(1).Info("not ours by the ring", "group", key, "claim", *replica)
		if !s.releaseGroup(ctx, key) {
			return ctrl.Result{RequeueAfter: s.StatusInterval}, true, nil
		}
		writes.forget(key)
		if *replica != me {
			return ctrl.Result{}, true, nil
		}
		*replica = ""
		if err := writeStatus(ctx, c, obj); err != nil {
			if apierrors.IsNotFound(err) {
				return ctrl.Result{}, true, nil
			}
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: staleRetryDelay}, true, nil
			}
			return ctrl.Result{}, true, fmt.Errorf("clearing this replica's claim: %w", err)
		}
		log.FromContext(ctx).Info("stopped here and released: another replica owns the resource", "group", key)
		return ctrl.Result{}, true, nil
	}
	claim := *replica
	if claim == me {
		return ctrl.Result{}, false, nil
	}
	if claim != "" && ring.IsLive(ctx, claim) {
		// Ours by the ring, but the last owner has not let go yet.
		log.FromContext(ctx).V(1).Info("ours by the ring; waiting for the last owner to let go", "group", key, "claim", claim)
		return ctrl.Result{RequeueAfter: shardRecheck}, true, nil
	}
	*replica = me
	claimed()
	if err := writeStatus(ctx, c, obj); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			log.FromContext(ctx).V(1).Info("claim refused; retrying", "group", key, "claim", claim, "error", err.Error())
			return ctrl.Result{RequeueAfter: staleRetryDelay}, true, nil
		}
		return ctrl.Result{}, true, fmt.Errorf("claiming the resource for this replica: %w", err)
	}
	log.FromContext(ctx).Info("claimed for this replica", "group", key, "previous", claim)
	return ctrl.Result{}, false, nil
}
