package scalebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// runningWatch counts the bots that are Running at their current
// generation from a watch, so that waiting for 10 000 bots does not list
// them all every few seconds: such lists would cost the API server (on the
// same two cores as the operator) more than the operator's own writes, and
// slow down the very thing being measured. For the same reason a watch the
// API server closes (it closes a watcher that falls behind, which a
// CPU-starved bench does during a ramp) is resumed from the last version
// seen, as an informer does; the bots are listed again only when the API
// server no longer has that version.
type runningWatch struct {
	// version is the last resourceVersion seen ("": list first); only
	// the goroutine that follows the watch reads or writes it.
	version string

	mu       sync.Mutex // guards the fields below
	running  map[string]bool
	err      error
	restarts int // watches resumed after the API server closed one
	lists    int
}

// watchRunning starts counting; the count follows until ctx ends. The
// watch is read from the API server directly (hc, with the bench's
// credentials, at host) and decoded into the few fields counted: decoding
// every event into a whole TradingBot cost the bench, on the cores the
// operator and the API server share, more CPU than its creates.
func watchRunning(ctx context.Context, b *testing.B, c client.Client, hc *http.Client, host string) *runningWatch {
	b.Helper()
	rw := &runningWatch{running: make(map[string]bool)}
	var wg sync.WaitGroup
	b.Cleanup(wg.Wait)
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := rw.follow(ctx, c, hc, host); err != nil && ctx.Err() == nil {
				rw.mu.Lock()
				rw.err = err
				rw.mu.Unlock()
				return
			}
		}
	})
	return rw
}

// botEvent is what the bench reads of a watch event: a bot's name,
// version, generation and phase; or, for an ERROR event, the Status's code.
type botEvent struct {
	Type   string `json:"type"`
	Object struct {
		Code     int `json:"code"`
		Metadata struct {
			Name            string `json:"name"`
			ResourceVersion string `json:"resourceVersion"`
			Generation      int64  `json:"generation"`
		} `json:"metadata"`
		// A bot's status is an object, an ERROR's a string.
		Status json.RawMessage `json:"status"`
	} `json:"object"`
}

type botPhase struct {
	Phase              tradingv1alpha1.BotPhase `json:"phase"`
	ObservedGeneration int64                    `json:"observedGeneration"`
}

// follow lists the bots if no version is known, then applies the watch's
// events until it closes.
func (rw *runningWatch) follow(ctx context.Context, c client.Client, hc *http.Client, host string) error {
	if rw.version == "" {
		var list tradingv1alpha1.TradingBotList
		if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
			return err
		}
		rw.mu.Lock()
		clear(rw.running)
		for i := range list.Items {
			bot := &list.Items[i]
			rw.running[bot.Name] = isRunning(bot.Generation, botPhase{bot.Status.Phase, bot.Status.ObservedGeneration})
		}
		rw.lists++
		rw.mu.Unlock()
		rw.version = list.ResourceVersion
	} else {
		rw.mu.Lock()
		rw.restarts++
		rw.mu.Unlock()
	}
	q := url.Values{"watch": {"true"}, "resourceVersion": {rw.version}, "allowWatchBookmarks": {"true"}}
	u := fmt.Sprintf("%s/apis/%s/namespaces/%s/tradingbots?%s", host, tradingv1alpha1.GroupVersion, namespace, q.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("watching the bots: %s: %s", resp.Status, body)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var ev botEvent
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("reading the watch of the bots: %w", err)
			}
			return nil // closed by the API server: resume
		}
		meta := ev.Object.Metadata
		switch ev.Type {
		case string(watch.Error):
			// The version is too old to resume from: list again.
			if ev.Object.Code != http.StatusGone {
				return fmt.Errorf("watching the bots: error event %d", ev.Object.Code)
			}
			rw.version = ""
			return nil
		case string(watch.Bookmark):
			rw.version = meta.ResourceVersion
			continue
		}
		var st botPhase
		if len(ev.Object.Status) > 0 {
			if err := json.Unmarshal(ev.Object.Status, &st); err != nil {
				return fmt.Errorf("reading the status of bot %s: %w", meta.Name, err)
			}
		}
		rw.version = meta.ResourceVersion
		rw.mu.Lock()
		if ev.Type == string(watch.Deleted) {
			delete(rw.running, meta.Name)
		} else {
			rw.running[meta.Name] = isRunning(meta.Generation, st)
		}
		rw.mu.Unlock()
	}
}

// isRunning says whether a bot at generation with status st is Running at
// its current generation.
func isRunning(generation int64, st botPhase) bool {
	return st.Phase == tradingv1alpha1.BotPhaseRunning && st.ObservedGeneration == generation
}

// count is how many bots are Running, or the error that stopped the watch.
func (rw *runningWatch) count() (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	n := 0
	for _, r := range rw.running {
		if r {
			n++
		}
	}
	return n, rw.err
}

// watchStats is how often the watch was resumed and the bots listed.
func (rw *runningWatch) watchStats() (restarts, lists int) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.restarts, rw.lists
}
