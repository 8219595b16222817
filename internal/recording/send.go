package recording

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/backoff"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// request is one write: blocks for one destination, sent as one body.
type request struct {
	dest   *destination
	blocks []*block
	parts  [][]byte // the blocks' live lines, taken under the lock
	points int
	bytes  int
	probe  bool // the first attempt after a failure
}

func (r *request) add(b *block) {
	r.blocks = append(r.blocks, b)
	r.parts = append(r.parts, b.live())
	r.points += b.n
	r.bytes += len(b.live())
}

// sender takes requests from the ready queue and sends them, until Close
// stops it. Each sender owns its body buffer and gzip writer.
func (s *Sink) sender(ctx context.Context) {
	defer s.senders.Done()
	var body bytes.Buffer
	var zw *gzip.Writer
	if !s.opts.DisableGzip {
		zw, _ = gzip.NewWriterLevel(&body, gzip.BestSpeed) // the level is valid
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		req, wait := s.nextRequestLocked(s.opts.Now())
		s.mu.Unlock()

		if req != nil {
			res := s.send(ctx, req, &body, zw)
			s.mu.Lock()
			s.finishLocked(req, res, s.opts.Now())
			s.mu.Unlock()
			continue
		}
		if wait >= 0 {
			timer.Reset(wait)
		}
		select {
		case <-s.wake:
		case <-timer.C:
		case <-s.stop:
			return
		}
		timer.Stop()
	}
}

// nextRequestLocked returns the next request to send, or nil and how long
// to sleep (negative: until woken).
func (s *Sink) nextRequestLocked(now time.Time) (*request, time.Duration) {
	if s.stopping {
		return nil, -1
	}
	s.sealDueLocked(now)
	if s.failing {
		if s.probing {
			return nil, -1 // the probe's outcome wakes us
		}
		if wait := s.retryAt.Sub(now); wait > 0 {
			return nil, wait
		}
	}
	front := s.ready.Front()
	if front == nil {
		if w := s.deadlines.first(); w != nil {
			return nil, max(w.open.due.Sub(now), 0)
		}
		return nil, -1
	}
	first := front.Value.(*block)
	req := &request{dest: first.dest, probe: s.failing}
	req.add(first)
	// Combine more ready blocks for the same destination, looking a bounded
	// way down the queue.
	if !first.solo && !req.probe {
		scanned := 0
		for e := front.Next(); e != nil && scanned < 256; e = e.Next() {
			scanned++
			b := e.Value.(*block)
			if b.dest != first.dest || b.solo {
				continue
			}
			if req.points+b.n > s.opts.MaxRequestPoints || req.bytes+len(b.live()) > s.opts.MaxRequestBytes {
				break
			}
			req.add(b)
		}
	}
	for _, b := range req.blocks {
		s.ready.Remove(b.elem)
		b.elem = nil
		b.state = blockInFlight
		if !b.pinned {
			b.w.held += int64(b.n)
		}
	}
	if req.probe {
		s.probing = true
	} else if s.ready.Len() > 0 {
		s.wakeSender() // more work for another sender
	}
	return req, 0
}

// send writes req's body (gzipped unless disabled) and classifies the
// answer. It runs without the lock: blocks in flight are not touched by
// anyone else.
func (s *Sink) send(ctx context.Context, req *request, body *bytes.Buffer, zw *gzip.Writer) result {
	body.Reset()
	var payload []byte
	switch {
	case zw != nil:
		zw.Reset(body)
		for _, p := range req.parts {
			_, _ = zw.Write(p) // writes to a bytes.Buffer do not fail
		}
		_ = zw.Close()
		payload = body.Bytes()
	case len(req.parts) == 1:
		payload = req.parts[0]
	default:
		for _, p := range req.parts {
			body.Write(p)
		}
		payload = body.Bytes()
	}
	rctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	perr := s.svc.DoPostRequest(rctx, req.dest.url, bytes.NewReader(payload),
		func(r *http.Request) {
			r.Header.Set("Content-Type", "text/plain; charset=utf-8")
			if zw != nil {
				r.Header.Set("Content-Encoding", "gzip")
			}
		},
		func(r *http.Response) error {
			_, _ = io.Copy(io.Discard, r.Body) // so the connection is reused
			return r.Body.Close()
		})
	if perr == nil {
		return result{kind: outcomeWritten}
	}
	// InfluxDB 1.x puts its error in a header as well as a JSON body the
	// client does not read; for 429 and 503 the client then substitutes a
	// generic text. The header is the better source.
	msg := perr.Header.Get("X-Influxdb-Error")
	if msg == "" {
		msg = perr.Message
	}
	return classify(perr.StatusCode, msg, perr.Header, perr.Err, req.points, s.opts.Now())
}

// finishLocked applies a request's outcome to its blocks and writers.
func (s *Sink) finishLocked(req *request, res result, now time.Time) {
	if req.probe {
		s.probing = false
	}
	combined := len(req.blocks) > 1
	switch {
	case res.kind == outcomeRetry:
		s.requests.retried++
		s.requeueLocked(req.blocks, res.uncertain)
		if !s.stopping { // a request cut short by Close says nothing about the server
			s.noteFailureLocked(res, now)
		}
	case combined && (res.kind == outcomePartial || (res.kind == outcomeRejected && !res.destination)):
		// Which block held the refused points? Send each alone to find out;
		// re-sending accepted points is harmless (same series and time).
		// Some points are stored already, so the blocks are pinned.
		for _, b := range req.blocks {
			b.solo = true
		}
		s.requeueLocked(req.blocks, true)
		s.noteAnswerLocked()
	default:
		switch res.kind {
		case outcomeWritten:
			s.requests.ok++
		case outcomePartial:
			s.requests.partial++
		default:
			s.requests.rejected++
		}
		for _, b := range req.blocks {
			rejected := 0
			switch res.kind {
			case outcomePartial:
				rejected = min(res.rejected, b.n)
			case outcomeRejected:
				rejected = b.n
			}
			s.ackLocked(b, b.n-rejected, rejected, res, now)
		}
		s.noteAnswerLocked()
	}
	close(s.progress)
	s.progress = make(chan struct{})
	if s.ready.Len() > 0 {
		s.wakeSender()
	}
}

// requeueLocked puts in-flight blocks back at the front of the ready queue,
// in their order. pin keeps them from being evicted from then on: the
// server may have stored some of their points (the request got no answer,
// or a partial one), and a point both stored and counted as dropped would
// break the accounting. A pinned block leaves only by an answer or Close.
func (s *Sink) requeueLocked(blocks []*block, pin bool) {
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		b.state = blockReady
		b.elem = s.ready.PushFront(b)
		switch {
		case b.pinned:
		case pin:
			b.pinned = true // stays held
		default:
			b.w.held -= int64(b.n)
		}
	}
}

// ackLocked settles a block the server answered for: written points
// counted, rejected ones dropped, the block forgotten.
func (s *Sink) ackLocked(b *block, written, rejected int, res result, now time.Time) {
	w := b.w
	w.held -= int64(b.n)
	w.c.written += int64(written)
	w.c.dropRejected += int64(rejected)
	if written > 0 {
		w.c.lastFlush = now
	}
	if rejected > 0 {
		if w.c.lastError != res.message { // log changes, not every batch of a bad spec
			s.opts.Logger.Info("InfluxDB refused points", "writer", w.key, "points", rejected, "error", res.message)
		}
		w.c.lastDrop = now
		w.noteError(res.message, now)
	} else {
		w.c.lastError = ""
	}
	s.addPendingLocked(w, -int64(b.n), -int64(len(b.live())))
	s.settleHeadLocked(b, b.n) // its segments no longer wait for these points
	for i, x := range w.blocks {
		if x == b {
			s.removeBlockLocked(w, i)
			break
		}
	}
	s.forgetIfDoneLocked(w)
}

// noteFailureLocked enters (or stays in) the failing state and schedules the
// next attempt: backoff with jitter, or the server's Retry-After if longer.
func (s *Sink) noteFailureLocked(res result, now time.Time) {
	if !s.failing {
		s.failing = true
		s.failingSince = now
		s.opts.Logger.Info("InfluxDB writes failing; retrying with backoff",
			"url", redact.URL(s.opts.URL), "error", res.message, "pendingPoints", s.bufPoints)
	}
	s.failures++
	s.lastError = res.message
	limit := s.opts.RetryMax
	if s.closing {
		limit = s.opts.RetryBase // keep trying within Close's deadline
	}
	delay := max(backoff.Delay(s.failures, s.opts.RetryBase, limit, s.rand.Int64N), res.retryAfter)
	s.retryAt = now.Add(delay)
}

// noteAnswerLocked records that the server answered: it is reachable.
func (s *Sink) noteAnswerLocked() {
	if s.failing {
		s.opts.Logger.Info("InfluxDB writes recovered", "url", redact.URL(s.opts.URL),
			"failedAttempts", s.failures, "pendingPoints", s.bufPoints)
		s.overflowing = false
	}
	s.failing = false
	s.failures = 0
}

// noteOverflowLocked logs the first overflow drop of an episode.
func (s *Sink) noteOverflowLocked() {
	if !s.overflowing {
		s.overflowing = true
		s.opts.Logger.Info("recording buffer full; dropping the oldest points",
			"maxPoints", s.opts.MaxPoints, "maxBytes", s.opts.MaxBytes)
	}
}
