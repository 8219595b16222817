package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// resourceOf is obj's resource name in the API's paths.
func resourceOf(obj client.Object) string {
	switch obj.(type) {
	case *tradingv1alpha1.TradingBot:
		return "tradingbots"
	case *tradingv1alpha1.SymbolWatch:
		return "symbolwatches"
	}
	panic(fmt.Sprintf("no resource for %T", obj))
}

// waitRow reads obj's printed row every second until done accepts it, and
// returns that row. When c.wait runs out it fails the test with the row as
// last read.
func waitRow(ctx context.Context, t *testing.T, c cluster, obj client.Object, what string, done func(row map[string]string) bool) map[string]string {
	t.Helper()
	var row map[string]string
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, time.Second, c.wait, true, func(ctx context.Context) (bool, error) {
		if err := c.operatorAlive(); err != nil {
			return false, err
		}
		r, _, err := c.printedRow(ctx, resourceOf(obj), obj.GetNamespace(), obj.GetName())
		if err != nil {
			lastErr = err // transient: try again until the deadline
			return false, nil
		}
		row = r
		return done(r), nil
	})
	if err != nil {
		t.Fatalf("%s %s/%s: gave up waiting until %s (%v, limit %s); last row read %v, last error %v",
			kindOf(obj), obj.GetNamespace(), obj.GetName(), what, err, c.wait, row, lastErr)
	}
	return row
}

// checkSignals waits for every sample with a strategy to report a signal
// in its SIGNALS column, and checks the column against status.signals.
func checkSignals(ctx context.Context, t *testing.T, c cluster, s samples) {
	var objs []client.Object
	for _, b := range s.bots {
		objs = append(objs, b) // a TradingBot's strategy is required
	}
	for _, w := range s.watches {
		if w.Spec.Signals != nil {
			objs = append(objs, w)
		}
	}
	if len(objs) == 0 {
		t.Fatal("no sample has a strategy; the suite needs one that signals")
	}
	form := regexp.MustCompile(signalsForm)
	for _, obj := range objs {
		t.Run(kindOf(obj)+"/"+obj.GetName(), func(t *testing.T) {
			row := waitRow(ctx, t, c, obj, "SIGNALS shows a signal", func(row map[string]string) bool {
				return form.MatchString(row["Signals"])
			})
			m := form.FindStringSubmatch(row["Signals"])
			buy, _ := strconv.Atoi(m[1])
			sell, _ := strconv.Atoi(m[2])
			if buy+sell == 0 {
				t.Errorf("SIGNALS is %q: a last signal, and none counted", row["Signals"])
			}
			// The status counts on; it never counts back.
			if err := c.client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				t.Fatal(err)
			}
			var st *tradingv1alpha1.SignalsStatus
			switch o := obj.(type) {
			case *tradingv1alpha1.TradingBot:
				st = o.Status.Signals
			case *tradingv1alpha1.SymbolWatch:
				st = o.Status.Signals
			}
			switch {
			case st == nil:
				t.Errorf("status.signals is missing while SIGNALS shows %q", row["Signals"])
			case st.Buy < int64(buy) || st.Sell < int64(sell) || st.Total < st.Buy+st.Sell:
				t.Errorf("status.signals %s is behind the SIGNALS column %q", statusJSON(st), row["Signals"])
			}
			t.Logf("SIGNALS: %s", row["Signals"])
		})
	}
}

// checkTrading waits for a Paper bot to fill an order on its simulator
// account and to show its PnL, and checks status.trading.
func checkTrading(ctx context.Context, t *testing.T, c cluster, bot *tradingv1alpha1.TradingBot) {
	if bot.Spec.Mode != tradingv1alpha1.ModePaper {
		t.Fatalf("mode %q: the suite trades Paper samples only", bot.Spec.Mode)
	}
	waitUntil(ctx, t, c, bot, "an order is filled and the PnL shown",
		func(b *tradingv1alpha1.TradingBot) bool {
			tr := b.Status.Trading
			return tr != nil && tr.OrdersFilled > 0 && tr.PnL != ""
		},
		func(b *tradingv1alpha1.TradingBot) string { return statusJSON(b.Status.Trading) })
	tr := bot.Status.Trading
	if tr.OrdersPlaced < tr.OrdersFilled {
		t.Errorf("ordersFilled %d exceeds ordersPlaced %d", tr.OrdersFilled, tr.OrdersPlaced)
	}
	if l := tr.LastOrder; l == nil || l.ClientOrderID == "" {
		t.Errorf("status.trading.lastOrder is %s, want the latest order", statusJSON(l))
	}
	form := regexp.MustCompile(pnlForm)
	if !form.MatchString(tr.PnL) {
		t.Errorf("status.trading.pnl is %q, want the form %s", tr.PnL, pnlForm)
	}
	row := waitRow(ctx, t, c, bot, "PNL is filled in", func(row map[string]string) bool { return row["PnL"] != "" })
	if !form.MatchString(row["PnL"]) {
		t.Errorf("PNL column is %q, want the form %s", row["PnL"], pnlForm)
	}
	t.Logf("%d order(s) placed, %d filled; PNL %s", tr.OrdersPlaced, tr.OrdersFilled, row["PnL"])
}

// breakerDrill has the simulator answer every REST request with 503: the
// samples' breakers must open (BREAKER Open); once the faults are cleared,
// they must close again with the samples Running.
func breakerDrill(ctx context.Context, t *testing.T, c cluster, s samples) {
	if c.simURL == "" {
		t.Fatal("the breaker drill needs the simulator's fault API: set E2E_SIMULATOR_URL to the URL of the simulator " +
			"the operator in E2E_KUBECONFIG trades on (make demo prints it), or unset E2E_KUBECONFIG to let the suite start its own")
	}
	objs := s.objects()
	// Whatever happens, the simulator is left without faults.
	t.Cleanup(func() {
		cctx, cancel := cleanupContext()
		defer cancel()
		if err := setFaults(cctx, c.simURL, exchangesim.Faults{}); err != nil {
			t.Errorf("clearing the simulator's faults: %v", err)
		}
	})
	if err := setFaults(ctx, c.simURL, exchangesim.Faults{RestErrorRate: 1, RestErrorStatus: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for _, obj := range objs {
		waitRow(ctx, t, c, obj, "BREAKER is Open with every REST request failing", func(row map[string]string) bool {
			return row["Breaker"] == string(tradingv1alpha1.BreakerOpen)
		})
		t.Logf("%s %s: BREAKER Open %s after the faults were set", kindOf(obj), obj.GetName(), time.Since(began).Round(time.Millisecond))
	}
	if err := setFaults(ctx, c.simURL, exchangesim.Faults{}); err != nil {
		t.Fatal(err)
	}
	cleared := time.Now()
	for _, obj := range objs {
		waitRow(ctx, t, c, obj, "BREAKER is Closed and PHASE Running after the faults were cleared", func(row map[string]string) bool {
			return row["Breaker"] == string(tradingv1alpha1.BreakerClosed) && row["Phase"] == string(tradingv1alpha1.BotPhaseRunning)
		})
		t.Logf("%s %s: BREAKER Closed, Running %s after the faults were cleared", kindOf(obj), obj.GetName(), time.Since(cleared).Round(time.Millisecond))
	}
}

// setFaults replaces the simulator's fault state (POST /sim/v1/faults).
func setFaults(ctx context.Context, simURL string, f exchangesim.Faults) error {
	body, err := json.Marshal(f)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, simURL+"/sim/v1/faults", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("setting faults %s: %w", body, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("setting faults %s: HTTP %s", body, res.Status)
	}
	return nil
}
