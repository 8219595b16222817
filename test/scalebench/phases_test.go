package scalebench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	mu       sync.Mutex
	running  map[string]bool
	err      error
	version  string // the last resourceVersion seen ("": list first)
	restarts int    // watches resumed after the API server closed one
	lists    int
}

// watchRunning starts counting; the count follows until ctx ends.
func watchRunning(ctx context.Context, b *testing.B, c client.WithWatch) *runningWatch {
	b.Helper()
	rw := &runningWatch{running: make(map[string]bool)}
	var wg sync.WaitGroup
	b.Cleanup(wg.Wait)
	wg.Go(func() {
		for ctx.Err() == nil {
			if err := rw.follow(ctx, c); err != nil && ctx.Err() == nil {
				rw.mu.Lock()
				rw.err = err
				rw.mu.Unlock()
				return
			}
		}
	})
	return rw
}

// follow lists the bots if no version is known, then applies the watch's
// events until it closes.
func (rw *runningWatch) follow(ctx context.Context, c client.WithWatch) error {
	if rw.version == "" {
		var list tradingv1alpha1.TradingBotList
		if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
			return err
		}
		rw.mu.Lock()
		clear(rw.running)
		for i := range list.Items {
			rw.note(&list.Items[i])
		}
		rw.lists++
		rw.mu.Unlock()
		rw.version = list.ResourceVersion
	} else {
		rw.mu.Lock()
		rw.restarts++
		rw.mu.Unlock()
	}
	w, err := c.Watch(ctx, &tradingv1alpha1.TradingBotList{}, client.InNamespace(namespace),
		&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rw.version, AllowWatchBookmarks: true}})
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		bot, ok := ev.Object.(*tradingv1alpha1.TradingBot)
		if !ok {
			// An error event: the version is too old to resume from.
			if st, isStatus := ev.Object.(*metav1.Status); isStatus && st.Code != http.StatusGone {
				return fmt.Errorf("watching the bots: %s", st.Message)
			}
			rw.version = ""
			return nil
		}
		rw.version = bot.ResourceVersion
		if ev.Type == watch.Bookmark {
			continue
		}
		rw.mu.Lock()
		if ev.Type == watch.Deleted {
			delete(rw.running, bot.Name)
		} else {
			rw.note(bot)
		}
		rw.mu.Unlock()
	}
	return nil
}

// note records bot's state; the caller holds mu.
func (rw *runningWatch) note(bot *tradingv1alpha1.TradingBot) {
	rw.running[bot.Name] = bot.Status.Phase == tradingv1alpha1.BotPhaseRunning && bot.Status.ObservedGeneration == bot.Generation
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
