package trading

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// simHarness is a simulator served over real HTTP on the loopback, with a
// tap that counts its REST answers, for the drill and the figures.
type simHarness struct {
	sim   *exchangesim.Simulator
	srv   *httptest.Server
	tap   *statusTap
	admin *http.Client
}

func startSim(t testing.TB, cfg exchangesim.Config) *simHarness {
	t.Helper()
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tap := &statusTap{next: sim, counts: map[string]int{}}
	srv := httptest.NewServer(tap)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sim.Run(ctx) }()
	admin := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		cancel()
		<-done
		admin.CloseIdleConnections()
		srv.Close()
		sim.Close()
	})
	return &simHarness{sim: sim, srv: srv, tap: tap, admin: admin}
}

func (h *simHarness) urls() exchange.URLs {
	return exchange.URLs{REST: h.srv.URL, Stream: "ws" + strings.TrimPrefix(h.srv.URL, "http")}
}

func (h *simHarness) wsAPI() string {
	return "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/ws-api/v3"
}

// setFaults replaces the simulator's fault state through its admin API.
func (h *simHarness) setFaults(t testing.TB, f exchangesim.Faults) {
	t.Helper()
	body, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.admin.Post(h.srv.URL+"/sim/v1/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("setting faults: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setting faults %+v: HTTP %d", f, res.StatusCode)
	}
}

// statusTap counts the simulator's REST answers by "METHOD path status"
// (with the Binance error code for 4xx answers), and the requests whose
// client had given up before the answer ("... gone").
type statusTap struct {
	next http.Handler

	mu     sync.Mutex
	counts map[string]int
}

func (s *statusTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		s.next.ServeHTTP(w, r) // WebSockets and the admin API pass untouched
		return
	}
	rec := &statusWriter{ResponseWriter: w}
	s.next.ServeHTTP(rec, r)
	key := r.Method + " " + r.URL.Path + " "
	switch {
	case r.Context().Err() != nil:
		key += "gone"
	case rec.status == 0:
		key += "200"
	default:
		key += fmt.Sprint(rec.status)
		if rec.status >= 400 && rec.status < 500 {
			var e struct {
				Code int `json:"code"`
			}
			if json.Unmarshal(rec.body.Bytes(), &e) == nil && e.Code != 0 {
				key += fmt.Sprintf(" %d", e.Code)
			}
		}
	}
	s.mu.Lock()
	s.counts[key]++
	s.mu.Unlock()
}

// count adds up the answers whose key contains every part.
func (s *statusTap) count(parts ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.counts {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(k, p)
		}
		if ok {
			n += v
		}
	}
	return n
}

// report lists the answers other than 200, sorted.
func (s *statusTap) report() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for k, v := range s.counts {
		if !strings.HasSuffix(k, " 200") {
			lines = append(lines, fmt.Sprintf("%s: %d", k, v))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// statusWriter remembers the status and the start of an error body.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && w.body.Len() < 512 {
		w.body.Write(b[:min(len(b), 512-w.body.Len())])
	}
	return w.ResponseWriter.Write(b)
}
