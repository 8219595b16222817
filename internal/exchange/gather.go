package exchange

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Gather runs fns with at most limit running at once (limit < 1 means one
// at a time) and returns their results in the order of fns. The first error
// cancels the context the others run with, and is returned once every
// started fn has returned; no goroutine outlives the call. If ctx ends
// before every fn has started, the rest are not started and ctx's error is
// returned.
func Gather[T any](ctx context.Context, limit int, fns ...func(context.Context) (T, error)) ([]T, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	out := make([]T, len(fns))
	started := 0
	for i, fn := range fns {
		if gctx.Err() != nil {
			break // a fn failed or ctx ended: start no more
		}
		started++
		g.Go(func() error {
			// Go may have waited for a slot while an earlier fn failed.
			if err := gctx.Err(); err != nil {
				return err
			}
			v, err := fn(gctx)
			out[i] = v
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return out, err
	}
	if started < len(fns) {
		return out, ctx.Err()
	}
	return out, nil
}
