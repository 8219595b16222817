package marketdata

import (
	"context"
	"fmt"
	"time"
)

// maxConcurrentBackfills bounds the REST requests one feed makes at once
// after a reconnect puts every kline stream behind.
const maxConcurrentBackfills = 4

// backfill fetches the closed klines of st opening in [from, until) and
// hands them to the stream's sequencer. It runs on its own goroutine,
// counted in the hub's WaitGroup.
func (f *feed) backfill(st *stream, from, until time.Time) {
	defer f.hub.wg.Done()
	ctx := f.hub.ctx
	klines, err := f.fetchKlines(ctx, st.parsed, from, until)
	if err != nil && ctx.Err() == nil {
		f.hub.log.Error(err, "backfill failed; reporting a gap", "url", f.shown, "stream", st.name,
			"from", from, "until", until)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if ctx.Err() != nil {
		st.klines.backfilling = false // the hub is stopping: nobody is listening
		return
	}
	st.klines.finishBackfill(st, klines, until)
}

// fetchKlines pages through REST from from to until, at most MaxBackfill
// klines (the newest ones when the gap is longer). On error it returns what
// it fetched before.
func (f *feed) fetchKlines(ctx context.Context, name StreamName, from, until time.Time) ([]Kline, error) {
	select {
	case f.backfillSlots <- struct{}{}:
		defer func() { <-f.backfillSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	maxKlines := f.hub.opts.MaxBackfill
	if width, fixed := intervalWidth(name.Interval); fixed {
		if span := until.Sub(from) / width; span > time.Duration(maxKlines) {
			from = until.Add(-time.Duration(maxKlines) * width)
		}
	}
	var out []Kline
	for start := from; start.Before(until) && len(out) < maxKlines; {
		limit := min(maxKlinesPerRequest, maxKlines-len(out)+1) // +1: the open kline may come along
		page, err := f.fetchPage(ctx, name, start, limit)
		if err != nil {
			return out, err
		}
		progressed := false
		for _, k := range page {
			if k.OpenTime.Before(start) {
				continue
			}
			if !k.OpenTime.Before(until) || len(out) == maxKlines {
				return out, nil
			}
			out = append(out, k)
			start = nextOpen(name.Interval, k.OpenTime)
			progressed = true
		}
		if !progressed || len(page) < limit {
			break // the exchange has nothing more in the range
		}
	}
	return out, nil
}

// fetchPage asks the fetcher once, retrying failures with jittered backoff.
func (f *feed) fetchPage(ctx context.Context, name StreamName, start time.Time, limit int) ([]Kline, error) {
	bo := f.hub.newBackoff()
	var err error
	for attempt := 1; ; attempt++ {
		var page []Kline
		page, err = f.fetcher.Klines(ctx, name.Symbol, name.Interval, start, limit)
		if err == nil {
			return page, nil
		}
		if attempt >= f.hub.opts.BackfillAttempts || ctx.Err() != nil {
			break
		}
		if sleep(ctx, bo.NextBackOff()) != nil {
			break
		}
	}
	return nil, fmt.Errorf("klines %s %s from %s: %w", name.Symbol, name.Interval, start.Format(time.RFC3339), err)
}
