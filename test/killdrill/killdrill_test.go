package killdrill

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

const (
	drillBots  = 50
	drillKills = 20
	namespace  = "default"
	quote      = "USDT"
	// settleWait bounds how long a restarted operator may take until
	// every bot reports from it again.
	settleWait = 90 * time.Second
	// statusLag is how far a bot's status may trail the exchange: the
	// operator runs with --status-interval 5s, so a status read now holds
	// every trade older than this.
	statusLag = 8 * time.Second
)

// symbols are the simulator's; each bot trades two of them.
var drillSymbols = []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}

func TestKill9Drill(t *testing.T) {
	if testing.Short() {
		t.Skip("the kill drill takes about two minutes")
	}
	opdrill.RequireControlPlane(t, "the kill drill")
	root := opdrill.RepoRoot(t)
	dir := t.TempDir()
	// The operator's logs outlive a failed drill.
	logs := opdrill.LogDir(t, "killdrill-logs-")
	bin := opdrill.BuildOperator(t, root, dir)
	kubeconfig, c := opdrill.StartControlPlane(t, root, dir)
	sim, simURL := opdrill.StartSimulator(t)
	ref := judge{opdrill.NewJudge(t, simURL)}

	op := &opdrill.Operator{T: t, Bin: bin, Dir: logs, Args: []string{
		"--kubeconfig", kubeconfig,
		"--simulator-url", simURL,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", "0",
		// 50 status patches every 5 s stay within the API client's
		// default 20 requests a second, with room for the reconciles.
		"--status-interval", "5s",
		"--probe-interval", "5s",
		"--exchange-request-timeout", requestTimeout.String(),
	}}
	t.Cleanup(op.Stop)
	op.Start()

	ctx := context.Background()
	start := time.Now()
	bots := make([]bot, drillBots)
	for i := range bots {
		obj := botObject(i)
		if err := c.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
		syms, _, _ := unstructured.NestedStringSlice(obj.Object, "spec", "symbols")
		bots[i] = bot{name: obj.GetName(), uid: string(obj.GetUID()), symbols: syms}
	}
	waitFor(t, op, 3*time.Minute, "every bot Running with orders placed", func() (bool, string) {
		list := listBots(t, c)
		running, placed := 0, int64(0)
		for _, b := range list {
			if b.Status.Phase == tradingv1alpha1.BotPhaseRunning {
				running++
			}
			if b.Status.Trading != nil {
				placed += b.Status.Trading.OrdersPlaced
			}
		}
		return running == drillBots && placed >= drillBots, fmt.Sprintf("%d Running, %d orders placed", running, placed)
	})
	t.Logf("all %d bots Running and trading after %s", drillBots, time.Since(start).Round(time.Millisecond))

	// First the exchange misbehaves while the bots trade.
	mismatches := runFaultPhases(t, op, c, sim, simURL, ref, bots)

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	var kills []time.Time
	var restarts []time.Duration
	for k := range drillKills {
		time.Sleep(time.Duration(500+rng.IntN(2500)) * time.Millisecond)
		if k%2 == 1 {
			// Just after a one-second kline closes, when the orders of
			// its signals are on their way.
			now := time.Now()
			time.Sleep(now.Truncate(time.Second).Add(time.Second + time.Duration(rng.IntN(60))*time.Millisecond).Sub(now))
		}
		kills = append(kills, time.Now())
		op.Kill()
		// What the killed run reported is wiped, so that what follows
		// comes from the new run, rebuilt from the exchange alone.
		clearTrading(t, c)
		op.Start()
		restarted := time.Now()
		waitFor(t, op, settleWait, fmt.Sprintf("every bot to report from the operator started after kill %d", k+1), func() (bool, string) {
			fresh, behind := 0, ""
			for _, b := range listBots(t, c) {
				if b.Status.Phase == tradingv1alpha1.BotPhaseRunning && b.Status.Trading != nil {
					fresh++
				} else if behind == "" {
					behind = describe(b)
				}
			}
			return fresh == drillBots, fmt.Sprintf("%d of %d; the first behind: %s", fresh, drillBots, behind)
		})
		restarts = append(restarts, time.Since(restarted))
		t.Logf("kill %d: every bot reported again %s after the restart", k+1, restarts[k].Round(time.Millisecond))
		for _, b := range bots {
			if err := ref.checkBooks(c, b); err != nil {
				mismatches++
				t.Errorf("after kill %d: %v", k+1, err)
			}
		}
	}

	// The last run settles; then the whole record is judged.
	time.Sleep(3 * time.Second)
	var orders, duplicates, strays, lost, nearKill int
	for _, b := range bots {
		if err := ref.checkBooks(c, b); err != nil {
			lost++
			t.Errorf("at the end: %v", err)
		}
		seen := map[string]int{}
		open := 0
		for _, sym := range b.symbols {
			list, err := ref.Account(b.uid).OrdersSince(ref.Ctx, exchange.CallPolicy{}, sym, start.Add(-time.Minute))
			if err != nil {
				t.Fatalf("%s: orders of %s: %v", b.name, sym, err)
			}
			// The bots trade on while they are judged: every kline up to
			// now may have given an order.
			ids := ownIDs(b, start.Add(-time.Minute), time.Now())
			for _, o := range list {
				orders++
				seen[o.ClientOrderID]++
				if !ids[o.ClientOrderID] {
					strays++
					t.Errorf("%s: order %s (%s %s) matches no signal the bot could have had", b.name, o.ClientOrderID, o.Side, sym)
				}
				for _, at := range kills {
					if d := at.Sub(o.Time); d >= 0 && d < 250*time.Millisecond {
						nearKill++
					}
				}
				if !opdrill.TerminalStatus(string(o.Status)) {
					open++
				}
			}
		}
		for id, n := range seen {
			if n > 1 {
				duplicates += n - 1
				t.Errorf("%s: %d orders with client order id %s", b.name, n, id)
			}
		}
		var got tradingv1alpha1.TradingBot
		if err := c.Get(ref.Ctx, client.ObjectKey{Namespace: namespace, Name: b.name}, &got); err != nil {
			t.Fatal(err)
		}
		tr := got.Status.Trading
		if tr == nil {
			lost++
			t.Errorf("%s: no status.trading at the end", b.name)
			continue
		}
		if l := tr.LastOrder; l != nil && seen[l.ClientOrderID] == 0 {
			lost++
			t.Errorf("%s: status reports order %s, which the exchange does not have", b.name, l.ClientOrderID)
		}
		if int(tr.OpenOrders) != open {
			lost++
			t.Errorf("%s: status shows %d open orders, the exchange %d", b.name, tr.OpenOrders, open)
		}
	}
	sort.Slice(restarts, func(i, j int) bool { return restarts[i] < restarts[j] })
	t.Logf("%d kills; restarts until every bot reported again: median %s, max %s", len(kills),
		restarts[len(restarts)/2].Round(time.Millisecond), restarts[len(restarts)-1].Round(time.Millisecond))
	t.Logf("%d orders on the exchange, %d accepted by it within 250 ms before a kill; %d book checks after the faults and the restarts, %d mismatched",
		orders, nearKill, (drillKills+1)*drillBots, mismatches)
	t.Logf("duplicates %d, stray orders %d, lost %d", duplicates, strays, lost)
	if orders < 4*drillBots {
		t.Errorf("only %d orders in the drill: too few for it to show anything", orders)
	}
	if os.Getenv("TRADING_BENCH") == "1" {
		fmt.Printf("trading.kill9_kills: %d\n", len(kills))
		fmt.Printf("trading.kill9_orders: %d\n", orders)
		fmt.Printf("trading.duplicate_orders: %d\n", duplicates+strays)
		fmt.Printf("trading.lost_orders: %d\n", lost+mismatches)
	}
}

// bot is one drill bot as the judge knows it.
type bot struct {
	name, uid string
	symbols   []string
}

// botObject is drill bot i (see opdrill.PaperBot).
func botObject(i int) *unstructured.Unstructured {
	return opdrill.PaperBot(namespace, fmt.Sprintf("kill-%02d", i), i, drillSymbols)
}

// ownIDs are the client order ids bot b could give orders for signals on
// klines opened between from and to.
func ownIDs(b bot, from, to time.Time) map[string]bool {
	ids := map[string]bool{}
	for at := from.Truncate(time.Second); !at.After(to); at = at.Add(time.Second) {
		for _, sym := range b.symbols {
			for _, side := range []string{"BUY", "SELL"} {
				ids[trading.OrderID(b.uid, sym, at, side)] = true
			}
		}
	}
	return ids
}

// checkBooks compares b's status with the account's trades: the status
// must equal the reckoning of the trades up to some point, and that point
// must hold every trade older than statusLag. A status that trails by a
// trade or two is read again, a few times, before it counts as wrong.
func (j *judge) checkBooks(c client.Client, b bot) error {
	var last error
	for range 15 {
		if last = j.compare(c, b); last == nil {
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return last
}

func (j *judge) compare(c client.Client, b bot) error {
	read := time.Now()
	var got tradingv1alpha1.TradingBot
	if err := c.Get(j.Ctx, client.ObjectKey{Namespace: namespace, Name: b.name}, &got); err != nil {
		return fmt.Errorf("%s: %w", b.name, err)
	}
	tr := got.Status.Trading
	if tr == nil {
		return fmt.Errorf("%s: no status.trading", b.name)
	}
	statusPos := map[string]tradingv1alpha1.PositionStatus{}
	for _, p := range tr.Positions {
		statusPos[p.Symbol] = p
	}
	totalFees := decimal.Zero
	for _, sym := range b.symbols {
		trades, err := j.Account(b.uid).Trades(j.Ctx, exchange.CallPolicy{}, exchange.TradesQuery{Symbol: sym, Since: read.Add(-24 * time.Hour)})
		if err != nil {
			return fmt.Errorf("%s: trades of %s: %w", b.name, sym, err)
		}
		sort.Slice(trades, func(i, k int) bool { return trades[i].ID < trades[k].ID })
		// must: trades the status has to hold.
		must := 0
		for i, tr := range trades {
			if read.Sub(tr.Time) > statusLag {
				must = i + 1
			}
		}
		want := statusPos[sym]
		base := strings.TrimSuffix(sym, quote)
		var bk book
		matched := false
		for n := 0; n <= len(trades); n++ {
			if n > 0 {
				bk.apply(trades[n-1], base)
			}
			if n >= must && bk.equals(want) {
				matched = true
				totalFees = totalFees.Add(bk.fees)
				break
			}
		}
		if !matched {
			var all book
			for _, tr := range trades {
				all.apply(tr, base)
			}
			return fmt.Errorf("%s %s: status quantity %q realized %q; the exchange's %d trades give quantity %s realized %s (fees %s)",
				b.name, sym, want.Quantity, want.RealizedPnL, len(trades), all.qty, all.realized, all.fees)
		}
	}
	if fees := decimalOf(tr.Fees); !fees.Equal(totalFees) {
		return fmt.Errorf("%s: status fees %q, the exchange's trades %s", b.name, tr.Fees, totalFees)
	}
	return nil
}

// book is the judge's own average-cost reckoning of one symbol, as
// docs/trading.md defines it: a fee in the base asset changes the quantity
// and is charged, at the trade's price, to realized PnL; a fee in the
// quote asset is charged as it is.
type book struct {
	qty, cost, realized, fees decimal.Decimal
}

func (b *book) apply(t exchange.Trade, base string) {
	notional := t.QuoteQty
	if notional.IsZero() {
		notional = t.Price.Mul(t.Qty)
	}
	qty, value, fee := t.Qty, notional, decimal.Zero
	switch t.CommissionAsset {
	case base:
		fee = t.Commission.Mul(t.Price)
		if t.IsBuyer {
			qty, value = qty.Sub(t.Commission), value.Sub(fee)
		} else {
			qty, value = qty.Add(t.Commission), value.Add(fee)
		}
	case quote:
		fee = t.Commission
	}
	if t.IsBuyer {
		b.qty = b.qty.Add(qty)
		b.cost = b.cost.Add(value)
	} else {
		matched, proceeds := qty, value
		if qty.GreaterThan(b.qty) {
			matched, proceeds = b.qty, t.Price.Mul(b.qty)
		}
		removed := b.cost
		if !matched.Equal(b.qty) {
			removed = b.cost.Mul(matched).DivRound(b.qty, 18)
		}
		b.qty = b.qty.Sub(matched)
		b.cost = b.cost.Sub(removed)
		b.realized = b.realized.Add(proceeds.Sub(removed))
	}
	b.fees = b.fees.Add(fee)
	b.realized = b.realized.Sub(fee)
}

// equals compares with a status position (absent: nothing held, nothing
// realized). Realized PnL may differ in the last of 18 places, where the
// cost of a partial sale is rounded.
func (b *book) equals(p tradingv1alpha1.PositionStatus) bool {
	if !decimalOf(p.Quantity).Equal(b.qty) {
		return false
	}
	return decimalOf(p.RealizedPnL).Sub(b.realized).Abs().LessThan(decimal.New(1, -12))
}

func decimalOf(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.New(-1, 30) // matches nothing
	}
	return d
}

// waitFor polls cond until it holds, the timeout passes or the operator
// exits on its own.
func waitFor(t *testing.T, op *opdrill.Operator, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	opdrill.WaitFor(t, []*opdrill.Operator{op}, timeout, what, cond)
}

// judge is opdrill's judge with the kill drill's book checks.
type judge struct{ *opdrill.Judge }

func listBots(t *testing.T, c client.Client) []tradingv1alpha1.TradingBot {
	t.Helper()
	return opdrill.ListBots(t, c, namespace)
}

func describe(b tradingv1alpha1.TradingBot) string { return opdrill.Describe(b) }

// clearTrading removes status.trading from every bot. A status write
// the killed run sent just before it died can still land after the
// list, so a conflict is met by reading the bot again.
func clearTrading(t *testing.T, c client.Client) {
	t.Helper()
	ctx := context.Background()
	for _, b := range listBots(t, c) {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := c.Get(ctx, client.ObjectKeyFromObject(&b), &b); err != nil {
				return err
			}
			b.Status.Trading = nil
			return c.Status().Update(ctx, &b)
		})
		if err != nil {
			t.Fatalf("clearing %s's status.trading: %v", b.Name, err)
		}
	}
}
