package recording

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	influxhttp "github.com/influxdata/influxdb-client-go/v2/api/http"

	"github.com/tradebot-operator/tradebot-operator/internal/backoff"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// Sink delivers the points of every Writer to one InfluxDB. Create one per
// InfluxDB URL with NewSink; it runs a small fixed set of sender goroutines
// until Close.
type Sink struct {
	opts     SinkOptions
	disabled bool
	svc      influxhttp.Service
	// ownClient is the HTTP client the Sink made, closed by Close.
	ownClient *http.Client
	metrics   *collector

	wake    chan struct{} // coalescing "there may be work" signal
	stop    chan struct{} // closed to stop the senders
	cancel  context.CancelFunc
	senders sync.WaitGroup

	mu        sync.Mutex
	writers   map[string]*Writer
	dests     map[destKey]*destination
	ready     list.List // of *block, oldest first
	deadlines deadlineHeap
	bufPoints int64
	bufBytes  int64
	// activeWriters counts writers with pending points.
	activeWriters int
	// failing: the last write attempt failed for a reason that is not the
	// data's (network, 5xx, 429, ...). Until retryAt nothing is sent; then
	// one probe request goes out, and the rest follow once it succeeds.
	failing      bool
	failures     int
	failingSince time.Time
	retryAt      time.Time
	probing      bool
	lastError    string
	overflowing  bool // logged "dropping points" in this failure episode
	flushing     int  // callers in Flush: send open blocks at once
	closing      bool // Close started: send open blocks at once
	stopping     bool // senders must take no new request
	closed       bool
	progress     chan struct{} // closed and replaced when a request finishes
	requests     requestCounters
	rand         *backoff.Jitter
	// sp is the write-ahead spool, nil without a spool directory. Its
	// committer goroutine is the Sink's too.
	sp *spool
}

// requestCounters count write requests by outcome, for metrics.
type requestCounters struct {
	ok, partial, rejected, retried int64
}

// NewSink returns a Sink for opts and starts its senders. With a spool
// directory, it takes the directory (one Sink per directory), replays the
// points a previous Sink left there (to the writers of the resources they
// came from, sent before new ones) and starts the committer.
func NewSink(opts SinkOptions) (*Sink, error) {
	opts = opts.withDefaults()
	s := &Sink{
		opts:     opts,
		writers:  map[string]*Writer{},
		dests:    map[destKey]*destination{},
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		progress: make(chan struct{}),
		rand:     backoff.NewJitter(opts.JitterSeed),
	}
	s.metrics = newCollector(s, opts.URL)
	if opts.Registry != nil {
		if err := opts.Registry.Register(s.metrics); err != nil {
			return nil, fmt.Errorf("registering recording metrics: %w", err)
		}
	}
	if opts.URL == "" {
		s.disabled = true
		return s, nil
	}
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.unregister()
		return nil, fmt.Errorf("InfluxDB URL %q: want http(s)://host:port", redact.URL(opts.URL))
	}
	hc := opts.HTTPClient
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = opts.Concurrency + 1
		hc = &http.Client{Transport: t}
		s.ownClient = hc
	}
	client := influxdb2.NewClientWithOptions(strings.TrimRight(opts.URL, "/"), opts.Token,
		influxdb2.DefaultOptions().SetHTTPClient(hc))
	s.svc = client.HTTPService()
	if opts.SpoolDir != "" {
		if err := s.openSpool(); err != nil {
			s.unregister()
			return nil, err
		}
		go s.committer()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for range opts.Concurrency {
		s.senders.Add(1)
		go s.sender(ctx)
	}
	return s, nil
}

// Writer returns the writer of the resource key ("namespace/name"), with
// opts applied: the same writer (and counters) for the same key across
// spec changes. Points already batched keep their old destination.
func (s *Sink) Writer(key string, opts WriterOptions) *Writer {
	opts = opts.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.writerLocked(key)
	w.released = false
	w.opts = opts
	w.dest = s.destLocked(opts.Database, opts.RetentionPolicy)
	return w
}

// Release says the resource key is gone: its buffered points are still
// delivered, then the writer and its metrics are forgotten. A later Writer
// call for the key takes it back.
func (s *Sink) Release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.writers[key]
	if !ok {
		return
	}
	w.released = true
	s.forgetIfDoneLocked(w)
}

func (s *Sink) writerLocked(key string) *Writer {
	w, ok := s.writers[key]
	if !ok {
		w = &Writer{sink: s, key: key, heapIndex: -1}
		w.opts = WriterOptions{}.withDefaults()
		w.dest = s.destLocked(w.opts.Database, w.opts.RetentionPolicy)
		s.writers[key] = w
	}
	return w
}

func (s *Sink) forgetIfDoneLocked(w *Writer) {
	if w.released && w.pending == 0 && s.writers[w.key] == w {
		delete(s.writers, w.key)
	}
}

func (s *Sink) destLocked(database, rp string) *destination {
	k := destKey{database, rp}
	if d, ok := s.dests[k]; ok {
		return d
	}
	bucket := database
	if rp != "" {
		bucket += "/" + rp
	}
	q := url.Values{"bucket": {bucket}, "org": {s.opts.Org}, "precision": {"ns"}}
	d := &destination{
		database:        database,
		retentionPolicy: rp,
		url:             strings.TrimRight(s.opts.URL, "/") + "/api/v2/write?" + q.Encode(),
	}
	s.dests[k] = d
	return d
}

// SinkStats are the Sink's own figures.
type SinkStats struct {
	// BufferedPoints and BufferedBytes are held in memory now, in flight
	// included, against the bounds MaxPoints and MaxBytes.
	BufferedPoints, BufferedBytes int64
	Writers                       int
	Failing                       bool
	LastError                     string
	// Requests by outcome: acknowledged, partially written, refused, and
	// failed (to be retried).
	RequestsOK, RequestsPartial, RequestsRejected, RequestsRetried int64
	// Uncommitted counts the buffered points waiting for the spool's next
	// commit: what a crash now would lose.
	Uncommitted int64
	// Spool is the spool's state; zero without a spool directory.
	Spool SpoolStats
}

// SpoolStats are the spool directory's figures.
type SpoolStats struct {
	// Bytes of segment files, against MaxBytes; Percent is the ratio.
	Bytes, MaxBytes int64
	Percent         int
	Segments        int
	// Replayed counts the points replayed at start.
	Replayed int64
	// Commits and CommitErrors count group commits by outcome; LastError
	// is the latest failed one's error, empty after a success.
	Commits, CommitErrors int64
	LastError             string
	// Dropped counts the points dropped because the spool was full.
	Dropped int64
	// BadSegments counts damaged files set aside (renamed *.bad) at start,
	// TornSegments those whose unfinished last commit was cut.
	BadSegments, TornSegments int64
	// UncleanStart: the previous Sink on the directory did not close (a
	// crash, kill -9, OOM kill or node loss); up to one commit interval of
	// its points may be lost.
	UncleanStart bool
}

// Stats returns the Sink's figures.
func (s *Sink) Stats() SinkStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := SinkStats{
		BufferedPoints:   s.bufPoints,
		BufferedBytes:    s.bufBytes,
		Writers:          len(s.writers),
		Failing:          s.failing,
		RequestsOK:       s.requests.ok,
		RequestsPartial:  s.requests.partial,
		RequestsRejected: s.requests.rejected,
		RequestsRetried:  s.requests.retried,
	}
	if s.failing {
		st.LastError = s.lastError
	}
	if sp := s.sp; sp != nil {
		for _, w := range s.writers {
			st.Uncommitted += w.staged
		}
		st.Spool = SpoolStats{
			Bytes:        sp.bytes,
			MaxBytes:     sp.maxBytes,
			Percent:      s.spoolPercentLocked(),
			Segments:     len(sp.segs),
			Replayed:     sp.replayed,
			Commits:      sp.commits,
			CommitErrors: sp.commitErrors,
			LastError:    sp.lastErr,
			Dropped:      sp.dropped,
			BadSegments:  sp.badSegments,
			TornSegments: sp.tornSegments,
			UncleanStart: sp.uncleanStart,
		}
	}
	return st
}

// wakeSender tells a sleeping sender to look for work again.
func (s *Sink) wakeSender() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
