package recording

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeInflux is an httptest InfluxDB /api/v2/write endpoint. It stores
// accepted lines as a set, like InfluxDB keeps one point per series and
// time, and answers what the test's reply function says.
type fakeInflux struct {
	srv *httptest.Server

	mu       sync.Mutex
	reply    func(r *fakeRequest) fakeAnswer
	stored   map[string]bool
	order    []string // stored lines, first arrival order
	requests []*fakeRequest
}

type fakeRequest struct {
	Bucket, Org, Precision string
	Gzip                   bool
	Auth                   string
	Lines                  []string
}

// fakeAnswer is the reply to one request; the zero value stores all lines
// and answers 204.
type fakeAnswer struct {
	Status  int
	Message string
	Header  http.Header
	// Store lists the lines to keep; nil keeps all when Status is 2xx and
	// none otherwise.
	Store []string
}

func newFakeInflux(t *testing.T) *fakeInflux {
	t.Helper()
	f := &fakeInflux{stored: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeInflux) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v2/write" {
		http.NotFound(w, r)
		return
	}
	var body io.Reader = r.Body
	req := &fakeRequest{
		Bucket:    r.URL.Query().Get("bucket"),
		Org:       r.URL.Query().Get("org"),
		Precision: r.URL.Query().Get("precision"),
		Gzip:      r.Header.Get("Content-Encoding") == "gzip",
		Auth:      r.Header.Get("Authorization"),
	}
	if req.Gzip {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		req.Lines = append(req.Lines, sc.Text())
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	reply := f.reply
	f.mu.Unlock()
	var ans fakeAnswer
	if reply != nil {
		ans = reply(req)
	}
	if ans.Status == 0 {
		ans.Status = http.StatusNoContent
	}
	store := ans.Store
	if store == nil && ans.Status < 300 {
		store = req.Lines
	}
	f.mu.Lock()
	for _, l := range store {
		if !f.stored[l] {
			f.stored[l] = true
			f.order = append(f.order, l)
		}
	}
	f.mu.Unlock()
	for k, v := range ans.Header {
		w.Header()[k] = v
	}
	if ans.Status >= 300 {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Influxdb-Error", ans.Message)
		w.WriteHeader(ans.Status)
		fmt.Fprintf(w, "{%q:%q}\n", "error", ans.Message)
		return
	}
	w.WriteHeader(ans.Status)
}

func (f *fakeInflux) setReply(fn func(r *fakeRequest) fakeAnswer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = fn
}

// down makes every request fail with 503.
func (f *fakeInflux) down() {
	f.setReply(func(*fakeRequest) fakeAnswer {
		return fakeAnswer{Status: http.StatusServiceUnavailable, Message: "down for the test"}
	})
}

func (f *fakeInflux) up() { f.setReply(nil) }

// lines returns the stored lines in the order they first arrived.
func (f *fakeInflux) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.order...)
}

func (f *fakeInflux) requestLog() []*fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*fakeRequest(nil), f.requests...)
}

// newTestSink returns a Sink on the fake with fast retries, closed when the
// test ends.
func newTestSink(t *testing.T, f *fakeInflux, opts SinkOptions) *Sink {
	t.Helper()
	if opts.URL == "" && f != nil {
		opts.URL = f.srv.URL
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = 5 * time.Millisecond
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 20 * time.Millisecond
	}
	if opts.JitterSeed == 0 {
		opts.JitterSeed = 1
	}
	s, err := NewSink(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, _ = s.Close(ctx)
	})
	return s
}

// waitFor polls cond until it holds; the bound only keeps a broken test
// from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func flush(t *testing.T, s *Sink) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// seqPoint is a small test point whose line is recognisable by seq.
func seqPoint(resource string, seq int) Point {
	return Point{
		Measurement: "t",
		Tags:        []Tag{{Key: "resource", Value: resource}},
		Fields:      []Field{Int("seq", int64(seq))},
		Time:        time.Unix(1_700_000_000, int64(seq)),
	}
}

func seqLine(resource string, seq int) string {
	return fmt.Sprintf("t,resource=%s seq=%di %d", resource, seq, time.Unix(1_700_000_000, int64(seq)).UnixNano())
}

// checkIdentity asserts that every point of st is accounted for.
func checkIdentity(t *testing.T, who string, st Stats) {
	t.Helper()
	if st.Produced != st.Written+st.Pending+st.Dropped+st.Spooled {
		t.Errorf("%s: produced %d != written %d + pending %d + dropped %d + spooled %d",
			who, st.Produced, st.Written, st.Pending, st.Dropped, st.Spooled)
	}
	sum := st.DroppedOverflow + st.DroppedRejected + st.DroppedInvalid + st.DroppedUndelivered + st.DroppedDisabled + st.DroppedSpoolFull
	if sum != st.Dropped {
		t.Errorf("%s: dropped %d != sum of reasons %d", who, st.Dropped, sum)
	}
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
