package recording

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBatchesBySize(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 10, FlushInterval: time.Hour})
	for i := range 25 {
		w.Write(seqPoint("a", i))
	}
	// Two full batches go at once; the last five wait for their interval.
	waitFor(t, "two batches", func() bool { return w.Stats().Written == 20 })
	if st := w.Stats(); st.Pending != 5 {
		t.Fatalf("pending = %d, want 5", st.Pending)
	}
	for _, r := range f.requestLog() {
		if len(r.Lines)%10 != 0 {
			t.Errorf("a request carried %d points, want whole batches of 10", len(r.Lines))
		}
	}
	flush(t, s)
	got := f.lines()
	if len(got) != 25 {
		t.Fatalf("stored %d lines, want 25", len(got))
	}
	for i := range 25 {
		if !slices.Contains(got, seqLine("a", i)) {
			t.Errorf("line %q not stored", seqLine("a", i))
		}
	}
	checkIdentity(t, "a", w.Stats())
}

// The flush interval alone sends a batch: no further writes, no Flush.
func TestBatchesByInterval(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 1000, FlushInterval: 20 * time.Millisecond})
	for i := range 3 {
		w.Write(seqPoint("a", i))
	}
	waitFor(t, "the interval's flush", func() bool { return w.Stats().Written == 3 })
	if st := w.Stats(); st.LastFlush.IsZero() || st.Pending != 0 {
		t.Errorf("stats after flush: %+v", st)
	}
}

func TestRequestFormat(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{Token: "s3cret", Org: "acme"})
	s.Writer("ns/a", WriterOptions{Database: "db1", RetentionPolicy: "rp1"}).Write(seqPoint("a", 1))
	s.Writer("ns/b", WriterOptions{Database: "db2"}).Write(seqPoint("b", 2))
	flush(t, s)

	plain := newTestSink(t, f, SinkOptions{DisableGzip: true})
	plain.Writer("ns/c", WriterOptions{Database: "db3"}).Write(seqPoint("c", 3))
	flush(t, plain)

	reqs := f.requestLog()
	byBucket := map[string]*fakeRequest{}
	for _, r := range reqs {
		byBucket[r.Bucket] = r
	}
	tests := []struct {
		bucket, org, auth string
		gzip              bool
		line              string
	}{
		{"db1/rp1", "acme", "Token s3cret", true, seqLine("a", 1)},
		{"db2", "acme", "Token s3cret", true, seqLine("b", 2)},
		{"db3", "", "", false, seqLine("c", 3)},
	}
	for _, tt := range tests {
		r := byBucket[tt.bucket]
		if r == nil {
			t.Errorf("no request for bucket %q", tt.bucket)
			continue
		}
		if r.Org != tt.org || r.Auth != tt.auth || r.Gzip != tt.gzip || r.Precision != "ns" {
			t.Errorf("bucket %q: org %q auth %q gzip %v precision %q", tt.bucket, r.Org, r.Auth, r.Gzip, r.Precision)
		}
		if !slices.Equal(r.Lines, []string{tt.line}) {
			t.Errorf("bucket %q: lines %q", tt.bucket, r.Lines)
		}
	}
}

// Ready batches of several writers for one database travel in one request.
func TestReadyBatchesAreCombined(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	s := newTestSink(t, f, SinkOptions{RetryBase: time.Hour, RetryMax: time.Hour})
	writeBatch := func(name string) {
		w := s.Writer("ns/"+name, WriterOptions{BatchSize: 2})
		w.Write(seqPoint(name, 1))
		w.Write(seqPoint(name, 2))
	}
	// The first batch fails; the next two wait behind the hour-long
	// backoff. Then let them all through.
	writeBatch("a")
	waitFor(t, "the first attempt", func() bool { return s.Stats().Failing })
	writeBatch("b")
	writeBatch("c")
	f.up()
	s.mu.Lock()
	s.retryAt = time.Time{}
	s.mu.Unlock()
	s.wakeSender()
	waitFor(t, "all points", func() bool { return len(f.lines()) == 6 })
	var sizes []int
	for _, r := range f.requestLog() {
		sizes = append(sizes, len(r.Lines))
	}
	// The failed batch, the same batch alone as a probe, then the other
	// two combined.
	if want := []int{2, 2, 4}; !slices.Equal(sizes, want) {
		t.Fatalf("request sizes %v, want %v", sizes, want)
	}
}

func TestOverflowDropsOldestAndCountsEveryPoint(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{MaxPoints: 10})
	w := s.Writer("ns/a", WriterOptions{FlushInterval: time.Hour})
	for i := range 25 {
		w.Write(seqPoint("a", i))
	}
	st := w.Stats()
	if st.Produced != 25 || st.Pending != 10 || st.DroppedOverflow != 15 || st.Dropped != 15 || st.LastDrop.IsZero() {
		t.Fatalf("stats: %+v", st)
	}
	if ss := s.Stats(); ss.BufferedPoints != 10 {
		t.Fatalf("sink buffers %d points, want 10", ss.BufferedPoints)
	}
	flush(t, s)
	want := make([]string, 0, 10)
	for i := 15; i < 25; i++ {
		want = append(want, seqLine("a", i))
	}
	if got := f.lines(); !slices.Equal(got, want) {
		t.Fatalf("stored %q\nwant the newest ten %q", got, want)
	}
	checkIdentity(t, "a", w.Stats())
}

func TestOverflowByBytes(t *testing.T) {
	f := newFakeInflux(t)
	size := len(seqLine("a", 10)) + 1
	s := newTestSink(t, f, SinkOptions{MaxBytes: int64(3 * size)})
	w := s.Writer("ns/a", WriterOptions{FlushInterval: time.Hour})
	for i := 10; i < 20; i++ {
		w.Write(seqPoint("a", i))
	}
	if st := w.Stats(); st.Pending != 3 || st.DroppedOverflow != 7 {
		t.Fatalf("stats: %+v", st)
	}
	if ss := s.Stats(); ss.BufferedBytes != int64(3*size) {
		t.Fatalf("buffered %d bytes, want %d", ss.BufferedBytes, 3*size)
	}
	// A point larger than the whole bound is dropped at once.
	big := seqPoint("a", 99)
	big.Fields = append(big.Fields, String("pad", strings.Repeat("x", 4*size)))
	w.Write(big)
	if st := w.Stats(); st.Pending != 3 || st.DroppedOverflow != 8 {
		t.Fatalf("after an oversized point: %+v", st)
	}
}

// A noisy writer fills the buffer only at its own expense; a quiet one
// takes room from the largest up to its fair share, then from itself.
func TestOverflowIsFairAcrossWriters(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{MaxPoints: 100})
	noisy := s.Writer("ns/noisy", WriterOptions{FlushInterval: time.Hour})
	quiet := s.Writer("ns/quiet", WriterOptions{FlushInterval: time.Hour})
	for i := range 10 {
		quiet.Write(seqPoint("quiet", i))
	}
	for i := range 1000 {
		noisy.Write(seqPoint("noisy", i))
	}
	steps := []struct {
		quietWrites                int
		quietPending, quietDropped int64
		noisyPending, noisyDropped int64
	}{
		{0, 10, 0, 90, 910},
		{40, 50, 0, 50, 950},  // up to its fair share (100/2), from the noisy one
		{20, 50, 20, 50, 950}, // past it, from its own oldest
	}
	next := 10
	for i, step := range steps {
		for range step.quietWrites {
			quiet.Write(seqPoint("quiet", next))
			next++
		}
		q, n := quiet.Stats(), noisy.Stats()
		if q.Pending != step.quietPending || q.DroppedOverflow != step.quietDropped ||
			n.Pending != step.noisyPending || n.DroppedOverflow != step.noisyDropped {
			t.Fatalf("step %d: quiet pending %d dropped %d, noisy pending %d dropped %d; want %+v",
				i, q.Pending, q.DroppedOverflow, n.Pending, n.DroppedOverflow, step)
		}
	}
	flush(t, s)
	lines := f.lines()
	if got := countPrefix(lines, "t,resource=quiet "); got != 50 {
		t.Errorf("stored %d quiet points, want 50", got)
	}
	if !slices.Contains(lines, seqLine("quiet", next-1)) || slices.Contains(lines, seqLine("quiet", 19)) {
		t.Errorf("the quiet writer should keep its newest points")
	}
	for _, w := range []*Writer{quiet, noisy} {
		checkIdentity(t, w.Key(), w.Stats())
	}
}

// Retries come from a timer: after the server recovers, buffered points
// arrive with no further writes.
func TestRetryIsTimerDriven(t *testing.T) {
	f := newFakeInflux(t)
	var mu sync.Mutex
	failures := 0
	f.setReply(func(*fakeRequest) fakeAnswer {
		mu.Lock()
		defer mu.Unlock()
		if failures < 3 {
			failures++
			return fakeAnswer{Status: http.StatusServiceUnavailable, Message: "starting"}
		}
		return fakeAnswer{}
	})
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 5})
	for i := range 5 {
		w.Write(seqPoint("a", i))
	}
	waitFor(t, "the retried batch", func() bool { return w.Stats().Written == 5 })
	st, ss := w.Stats(), s.Stats()
	if st.Failing || st.LastError != "" || ss.Failing || ss.RequestsRetried != 3 || ss.RequestsOK != 1 {
		t.Fatalf("after recovery: writer %+v, sink %+v", st, ss)
	}
}

// While failing, the writers say so, and the backoff honours Retry-After.
func TestFailingStateAndRetryAfter(t *testing.T) {
	f := newFakeInflux(t)
	f.setReply(func(*fakeRequest) fakeAnswer {
		return fakeAnswer{Status: http.StatusTooManyRequests, Message: "slow down",
			Header: http.Header{"Retry-After": {"3600"}}}
	})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := newTestSink(t, f, SinkOptions{Now: func() time.Time { return now }})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 1})
	w.Write(seqPoint("a", 1))
	waitFor(t, "the failure", func() bool { return w.Stats().Failing })
	st := w.Stats()
	if !strings.Contains(st.LastError, "429") || !strings.Contains(st.LastError, "slow down") || st.Pending != 1 {
		t.Fatalf("stats while failing: %+v", st)
	}
	s.mu.Lock()
	retryAt := s.retryAt
	s.mu.Unlock()
	if want := now.Add(time.Hour); !retryAt.Equal(want) {
		t.Fatalf("next attempt at %v, want Retry-After's %v", retryAt, want)
	}
	if n := len(f.requestLog()); n != 1 {
		t.Fatalf("%d requests, want 1 until Retry-After passes", n)
	}
}

func TestRejectedPointsAreCountedNotRetried(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		message      string
		wantWritten  int64
		wantRejected int64
		wantError    string
	}{
		{"missing database", http.StatusNotFound, `database not found: "nope"`, 0, 4, `database not found: "nope"`},
		{"missing retention policy", http.StatusInternalServerError, "retention policy not found: rp", 0, 4, "retention policy not found"},
		{"type conflict inside the batch", http.StatusBadRequest, "field type conflict", 0, 4, "field type conflict"},
		{"partial write", http.StatusBadRequest,
			`partial write: field type conflict: input field "seq" on measurement "t" is type integer, already exists as type float dropped=1`,
			3, 1, "partial write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeInflux(t)
			f.setReply(func(r *fakeRequest) fakeAnswer {
				return fakeAnswer{Status: tt.status, Message: tt.message, Store: r.Lines[:tt.wantWritten]}
			})
			s := newTestSink(t, f, SinkOptions{})
			w := s.Writer("ns/a", WriterOptions{BatchSize: 4})
			for i := range 4 {
				w.Write(seqPoint("a", i))
			}
			waitFor(t, "the answer", func() bool { return w.Stats().Pending == 0 })
			st := w.Stats()
			if st.Written != tt.wantWritten || st.DroppedRejected != tt.wantRejected || st.Failing ||
				!strings.Contains(st.LastError, tt.wantError) {
				t.Fatalf("stats: %+v", st)
			}
			if n := len(f.requestLog()); n != 1 {
				t.Fatalf("%d requests, want 1 (no retry)", n)
			}
			if got := int64(len(f.lines())); got != st.Written {
				t.Fatalf("server holds %d points, writer says %d written", got, st.Written)
			}
			checkIdentity(t, "a", st)
		})
	}
}

// badField marks lines the fake refuses as a field type conflict.
const badField = "bad=1i"

// partialWriter answers like InfluxDB 1.8: it stores the good lines of a
// request and reports the others as dropped.
func partialWriter(r *fakeRequest) fakeAnswer {
	var good []string
	for _, l := range r.Lines {
		if !strings.Contains(l, badField) {
			good = append(good, l)
		}
	}
	if dropped := len(r.Lines) - len(good); dropped > 0 {
		return fakeAnswer{Status: http.StatusBadRequest, Store: good,
			Message: fmt.Sprintf(`partial write: field type conflict: input field "bad" on measurement "t" is type integer, already exists as type float dropped=%d`, dropped)}
	}
	return fakeAnswer{}
}

// A combined request that is partly refused is split, so each writer is
// told exactly how many of its own points were refused.
func TestPartialWriteOfCombinedRequestIsAttributed(t *testing.T) {
	f := newFakeInflux(t)
	f.setReply(partialWriter)
	s := newTestSink(t, f, SinkOptions{})
	a := s.Writer("ns/a", WriterOptions{FlushInterval: time.Hour})
	b := s.Writer("ns/b", WriterOptions{FlushInterval: time.Hour})
	for i := range 3 {
		a.Write(seqPoint("a", i))
	}
	for i := range 3 {
		p := seqPoint("b", i)
		if i == 1 {
			p.Fields = append(p.Fields, Int("bad", 1))
		}
		b.Write(p)
	}
	flush(t, s)
	sa, sb := a.Stats(), b.Stats()
	if sa.Written != 3 || sa.Dropped != 0 || sa.LastError != "" {
		t.Errorf("a: %+v", sa)
	}
	if sb.Written != 2 || sb.DroppedRejected != 1 || !strings.Contains(sb.LastError, "dropped=1") {
		t.Errorf("b: %+v", sb)
	}
	if got := len(f.lines()); got != 5 {
		t.Errorf("server holds %d points, want 5", got)
	}
}

func TestInvalidPointsAreCounted(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{})
	w.Write(Point{Measurement: "m"})
	w.Write(seqPoint("a", 1))
	st := w.Stats()
	if st.DroppedInvalid != 1 || st.Pending != 1 || !strings.Contains(st.LastError, "no fields") {
		t.Fatalf("stats: %+v", st)
	}
	checkIdentity(t, "a", st)
}

// Whatever the server does, every point ends up written, pending or
// dropped, and the server holds exactly the points counted as written.
func TestAccountingUnderChaos(t *testing.T) {
	f := newFakeInflux(t)
	var mu sync.Mutex
	n := 0
	f.setReply(func(r *fakeRequest) fakeAnswer {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k % 4 {
		case 0:
			return fakeAnswer{Status: http.StatusServiceUnavailable, Message: "busy"}
		case 1:
			return fakeAnswer{Status: http.StatusTooManyRequests, Message: "slow"}
		}
		return partialWriter(r)
	})
	s := newTestSink(t, f, SinkOptions{MaxPoints: 3000, Concurrency: 3, MaxRequestPoints: 50})
	const writers, each = 4, 2000
	ws := make([]*Writer, writers)
	var wg sync.WaitGroup
	for i := range ws {
		name := fmt.Sprintf("w%d", i)
		ws[i] = s.Writer("ns/"+name, WriterOptions{BatchSize: 7 + 5*i, FlushInterval: time.Millisecond})
		wg.Go(func() {
			for j := range each {
				p := seqPoint(name, j)
				if j%97 == 0 {
					p.Fields = append(p.Fields, Int("bad", 1))
				}
				if j%131 == 0 {
					p.Fields = nil // invalid
				}
				ws[i].Write(p)
			}
		})
	}
	wg.Wait()
	flush(t, s)
	lines := f.lines()
	var all Stats
	for i, w := range ws {
		st := w.Stats()
		checkIdentity(t, w.Key(), st)
		if st.Produced != each || st.Pending != 0 {
			t.Errorf("%s: %+v", w.Key(), st)
		}
		stored := int64(countPrefix(lines, fmt.Sprintf("t,resource=w%d ", i)))
		if stored != st.Written {
			t.Errorf("%s: server holds %d points, writer says %d written", w.Key(), stored, st.Written)
		}
		all.DroppedRejected += st.DroppedRejected
		all.DroppedInvalid += st.DroppedInvalid
	}
	if all.DroppedRejected == 0 || all.DroppedInvalid == 0 {
		t.Errorf("the test should have seen refused and invalid points: %+v", all)
	}
}

// Write returns even when the server never answers.
func TestWriteNeverWaitsForTheServer(t *testing.T) {
	f := newFakeInflux(t)
	release := make(chan struct{})
	f.setReply(func(*fakeRequest) fakeAnswer {
		<-release
		return fakeAnswer{}
	})
	s := newTestSink(t, f, SinkOptions{MaxPoints: 1000, RequestTimeout: time.Hour})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 10})
	for i := range 20_000 {
		w.Write(seqPoint("a", i))
	}
	st := w.Stats()
	checkIdentity(t, "a", st)
	if st.Produced != 20_000 || st.Pending > 1000 || st.DroppedOverflow < 19_000 {
		t.Errorf("stats: %+v", st)
	}
	close(release)
}

func TestCloseCountsWhatItCouldNotDeliver(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{})
	for i := range 7 {
		w.Write(seqPoint("a", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	undelivered, err := s.Close(ctx)
	if undelivered != 7 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %d, %v; want 7 and the deadline", undelivered, err)
	}
	w.Write(seqPoint("a", 8)) // after Close
	st := w.Stats()
	if st.DroppedUndelivered != 8 || st.Pending != 0 {
		t.Fatalf("stats: %+v", st)
	}
	checkIdentity(t, "a", st)
	if n, err := s.Close(ctx); n != 0 || err != nil {
		t.Fatalf("second Close = %d, %v", n, err)
	}
}

func TestCloseDeliversWhatIsBuffered(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{FlushInterval: time.Hour})
	for i := range 7 {
		w.Write(seqPoint("a", i))
	}
	undelivered, err := s.Close(context.Background())
	if undelivered != 0 || err != nil || w.Stats().Written != 7 || len(f.lines()) != 7 {
		t.Fatalf("Close = %d, %v; stats %+v", undelivered, err, w.Stats())
	}
}

// A new destination seals the old batch: points go where they were meant
// to when written.
func TestDestinationChange(t *testing.T) {
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{})
	s.Writer("ns/a", WriterOptions{Database: "one"}).Write(seqPoint("a", 1))
	w := s.Writer("ns/a", WriterOptions{Database: "two"})
	w.Write(seqPoint("a", 2))
	flush(t, s)
	got := map[string][]string{}
	for _, r := range f.requestLog() {
		got[r.Bucket] = append(got[r.Bucket], r.Lines...)
	}
	if !slices.Equal(got["one"], []string{seqLine("a", 1)}) || !slices.Equal(got["two"], []string{seqLine("a", 2)}) {
		t.Fatalf("lines by bucket: %q", got)
	}
	if st := w.Stats(); st.Written != 2 {
		t.Fatalf("the writer keeps its counters across option changes: %+v", st)
	}
}

func TestReleaseForgetsTheWriterOnceDelivered(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	s := newTestSink(t, f, SinkOptions{})
	w := s.Writer("ns/a", WriterOptions{})
	w.Write(seqPoint("a", 1))
	s.Release("ns/a")
	if n := s.Stats().Writers; n != 1 {
		t.Fatalf("%d writers; a released writer stays while it has points", n)
	}
	f.up()
	flush(t, s)
	if n := s.Stats().Writers; n != 0 {
		t.Fatalf("%d writers after delivery, want 0", n)
	}
	if got := f.lines(); len(got) != 1 {
		t.Fatalf("stored %q", got)
	}
	s.Release("ns/unknown") // no-op
}

func TestNilWriterAndDisabledSink(t *testing.T) {
	var nilWriter *Writer
	nilWriter.Write(seqPoint("a", 1))
	if st := nilWriter.Stats(); st != (Stats{}) || nilWriter.Key() != "" {
		t.Fatalf("nil writer: %+v", st)
	}

	s, err := NewSink(SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := s.Writer("ns/a", WriterOptions{})
	w.Write(seqPoint("a", 1))
	w.Write(seqPoint("a", 2))
	st := w.Stats()
	if !st.Disabled || st.DroppedDisabled != 2 || st.Produced != 2 {
		t.Fatalf("disabled sink: %+v", st)
	}
	checkIdentity(t, "a", st)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Close(context.Background()); n != 0 || err != nil {
		t.Fatalf("Close = %d, %v", n, err)
	}
}

func TestNewSinkRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"127.0.0.1:8086", "ftp://h/", "http://", "http://u:pw@%zz"} {
		if s, err := NewSink(SinkOptions{URL: u}); err == nil {
			_, _ = s.Close(context.Background())
			t.Errorf("NewSink(%q) succeeded", u)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// Blocks whose points the server may hold already (here: a combined request
// that was partly written, whose blocks then fail on their own) are never
// evicted, so "written" stays exactly what the server holds.
func TestPartlyStoredBlocksAreNotEvicted(t *testing.T) {
	f := newFakeInflux(t)
	var mu sync.Mutex
	requests, healthy := 0, false
	down := fakeAnswer{Status: http.StatusServiceUnavailable, Message: "down"}
	f.setReply(func(r *fakeRequest) fakeAnswer {
		mu.Lock()
		defer mu.Unlock()
		requests++
		switch {
		case healthy:
			return partialWriter(r)
		case requests == 1: // x, alone
			return down
		case requests == 2: // x again, as the probe
			return fakeAnswer{}
		case requests == 3: // a and b combined
			return partialWriter(r)
		}
		return down // a alone, after the split
	})
	s := newTestSink(t, f, SinkOptions{MaxPoints: 14, Concurrency: 1, RetryBase: time.Hour, RetryMax: time.Hour})
	retryNow := func() {
		s.mu.Lock()
		s.retryAt = time.Time{}
		s.mu.Unlock()
		s.wakeSender()
	}
	writers := map[string]*Writer{}
	for _, name := range []string{"x", "a", "b", "c"} {
		size := 6
		if name == "x" {
			size = 1 // the whole setup fits the bound
		}
		writers[name] = s.Writer("ns/"+name, WriterOptions{BatchSize: size, FlushInterval: time.Hour})
	}
	writeBatch := func(name string, n, bad int) {
		for i := range n {
			p := seqPoint(name, i)
			if i == bad {
				p.Fields = append(p.Fields, Int("bad", 1))
			}
			writers[name].Write(p)
		}
	}
	writeBatch("x", 1, -1)
	waitFor(t, "x to fail", func() bool { return s.Stats().Failing })
	writeBatch("a", 6, -1)
	writeBatch("b", 6, 1)
	retryNow()
	waitFor(t, "the split blocks to fail", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return requests == 4 && s.Stats().Failing
	})
	// a and b (12 points) are pinned. They hold more than their fair share
	// (14/3), which would make them the victims of c's writes, but c can
	// only use the 2 places left.
	for i := range 20 {
		writers["c"].Write(seqPoint("c", i))
	}
	if st := writers["c"].Stats(); st.Pending != 2 || st.DroppedOverflow != 18 {
		t.Fatalf("c: %+v", st)
	}
	mu.Lock()
	healthy = true
	mu.Unlock()
	retryNow()
	flush(t, s)
	lines := f.lines()
	want := map[string]int64{"x": 1, "a": 6, "b": 5, "c": 2}
	for name, w := range writers {
		st := w.Stats()
		checkIdentity(t, name, st)
		stored := int64(countPrefix(lines, "t,resource="+name+" "))
		if st.Written != want[name] || stored != st.Written {
			t.Errorf("%s: written %d, server holds %d, want %d", name, st.Written, stored, want[name])
		}
	}
}
