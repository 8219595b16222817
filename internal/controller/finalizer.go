package controller

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// ensureFinalizer adds Finalizer to obj, so that its deletion waits until
// its group has stopped.
func ensureFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if controllerutil.ContainsFinalizer(obj, Finalizer) {
		return nil
	}
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	controllerutil.AddFinalizer(obj, Finalizer)
	if err := c.Patch(ctx, obj, patch); err != nil {
		return fmt.Errorf("adding finalizer: %w", err)
	}
	return nil
}

// finalize stops the group of obj, which is being deleted, releases what
// the resource held, and then removes Finalizer so the deletion completes.
// It does not wait for the group: while it is still stopping, the finalizer
// stays and the reconcile returns; the supervisor's notification that the
// group has gone brings it back through the change feed (and the requeue
// after StatusInterval covers a wake-up the feed had to drop).
func finalize(ctx context.Context, c client.Client, s GroupSettings, writes *statusWrites, obj client.Object, key string) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return released(ctx, s, writes, key), nil
	}
	if !s.releaseGroup(ctx, key) {
		return ctrl.Result{RequeueAfter: s.StatusInterval}, nil
	}
	writes.forget(key)
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	controllerutil.RemoveFinalizer(obj, Finalizer)
	if err := c.Patch(ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("removing finalizer: %w", err)
	}
	log.FromContext(ctx).Info("stopped the resource's tasks; deletion can complete", "group", key)
	return ctrl.Result{}, nil
}

// released makes sure nothing runs or is kept for key, whose resource is
// gone (or going without our finalizer), and says when to look again: not
// at all once the group has gone.
func released(ctx context.Context, s GroupSettings, writes *statusWrites, key string) ctrl.Result {
	if !s.releaseGroup(ctx, key) {
		return ctrl.Result{RequeueAfter: s.StatusInterval}
	}
	writes.forget(key)
	return ctrl.Result{}
}
