package killdrill

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
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
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("the kill drill needs kube-apiserver and etcd, and KUBEBUILDER_ASSETS is not set.\n" +
			"Run `make test`, or: export KUBEBUILDER_ASSETS=$(hack/tools.sh control-plane)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The operator's logs outlive a failed drill.
	logs, err := os.MkdirTemp("", "killdrill-logs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(logs)
		}
	})
	bin := buildOperator(t, root, dir)
	kubeconfig, c := startControlPlane(t, root, dir)
	simURL := startSimulator(t)
	judge := newJudge(t, simURL)

	op := &operator{t: t, bin: bin, dir: logs, args: []string{
		"--kubeconfig", kubeconfig,
		"--simulator-url", simURL,
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", "0",
		// 50 status patches every 5 s stay within the API client's
		// default 20 requests a second, with room for the reconciles.
		"--status-interval", "5s",
		"--probe-interval", "5s",
	}}
	t.Cleanup(op.stop)
	op.start()

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

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments from seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	var kills []time.Time
	var restarts []time.Duration
	mismatches := 0
	for k := range drillKills {
		time.Sleep(time.Duration(500+rng.IntN(2500)) * time.Millisecond)
		if k%2 == 1 {
			// Just after a one-second kline closes, when the orders of
			// its signals are on their way.
			now := time.Now()
			time.Sleep(now.Truncate(time.Second).Add(time.Second + time.Duration(rng.IntN(60))*time.Millisecond).Sub(now))
		}
		kills = append(kills, time.Now())
		op.kill()
		// What the killed run reported is wiped, so that what follows
		// comes from the new run, rebuilt from the exchange alone.
		clearTrading(t, c)
		op.start()
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
			if err := judge.checkBooks(c, b); err != nil {
				mismatches++
				t.Errorf("after kill %d: %v", k+1, err)
			}
		}
	}

	// The last run settles; then the whole record is judged.
	time.Sleep(3 * time.Second)
	var orders, duplicates, strays, lost, nearKill int
	for _, b := range bots {
		if err := judge.checkBooks(c, b); err != nil {
			lost++
			t.Errorf("at the end: %v", err)
		}
		seen := map[string]int{}
		open := 0
		for _, sym := range b.symbols {
			list, err := judge.account(b.uid).OrdersSince(judge.ctx, exchange.CallPolicy{}, sym, start.Add(-time.Minute))
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
				if !terminalStatus(string(o.Status)) {
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
		if err := c.Get(judge.ctx, client.ObjectKey{Namespace: namespace, Name: b.name}, &got); err != nil {
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
	t.Logf("%d orders on the exchange, %d accepted by it within 250 ms before a kill; %d book checks after restarts, %d mismatched",
		orders, nearKill, drillKills*drillBots, mismatches)
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

// botObject is drill bot i: SMA crossovers on one-second klines of two
// symbols, periods varied so that the bots' signals do not all fall on
// the same kline, limits wide enough that every BUY fits.
func botObject(i int) *unstructured.Unstructured {
	fast := int64(2 + i%3)
	slow := fast + 2 + int64(i%4)
	syms := []any{drillSymbols[i%len(drillSymbols)], drillSymbols[(i+3)%len(drillSymbols)]}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": tradingv1alpha1.GroupVersion.String(),
		"kind":       "TradingBot",
		"metadata":   map[string]any{"name": fmt.Sprintf("kill-%02d", i), "namespace": namespace},
		"spec": map[string]any{
			"mode":     "Paper",
			"exchange": map[string]any{"endpoint": "Simulator"},
			"symbols":  syms,
			"strategy": map[string]any{
				"type": "SMACrossover", "interval": "1s", "minConfidence": "0.01",
				"smaCrossover": map[string]any{"fastPeriod": fast, "slowPeriod": slow},
			},
			"risk": map[string]any{
				"maxOrderQuote": "12", "maxPositionQuote": "100000", "maxOrdersPerMinute": int64(120),
				"cooldown": "1s", "maxDailyLossQuote": "100000",
			},
		},
	}}
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

func terminalStatus(s string) bool {
	switch s {
	case "FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH":
		return true
	}
	return false
}

// judge reads the simulator's records with each bot's paper credentials,
// through a registry of its own.
type judge struct {
	t        *testing.T
	ctx      context.Context
	endpoint *exchange.Endpoint
	accounts map[string]*exchange.Account
	reg      *exchange.Registry
}

func newJudge(t *testing.T, simURL string) *judge {
	reg := exchange.NewRegistry(exchange.RegistryOptions{WeightSafety: 1})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(exchange.URLs{REST: simURL, Stream: "ws" + strings.TrimPrefix(simURL, "http")})
	// The judge's budget learns the simulator's raised limit first.
	if _, err := ep.ExchangeInfo(context.Background(), exchange.CallPolicy{}); err != nil {
		t.Fatalf("reading the simulator's exchangeInfo: %v", err)
	}
	return &judge{t: t, ctx: context.Background(), endpoint: ep, accounts: map[string]*exchange.Account{}, reg: reg}
}

func (j *judge) account(uid string) *exchange.Account {
	a := j.accounts[uid]
	if a == nil {
		a = j.reg.Account(j.endpoint, paperaccount.Credentials(uid))
		j.accounts[uid] = a
	}
	return a
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
	if err := c.Get(j.ctx, client.ObjectKey{Namespace: namespace, Name: b.name}, &got); err != nil {
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
		trades, err := j.account(b.uid).Trades(j.ctx, exchange.CallPolicy{}, exchange.TradesQuery{Symbol: sym, Since: read.Add(-24 * time.Hour)})
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

// operator is the operator binary, started and killed by the drill. Each
// run logs to a file of its own.
type operator struct {
	t      *testing.T
	bin    string
	dir    string
	args   []string
	runs   int
	cmd    *exec.Cmd
	exited chan struct{}
}

func (o *operator) logPath(run int) string {
	return filepath.Join(o.dir, fmt.Sprintf("operator-%02d.log", run))
}

func (o *operator) start() {
	o.t.Helper()
	o.runs++
	logf, err := os.Create(o.logPath(o.runs))
	if err != nil {
		o.t.Fatal(err)
	}
	cmd := exec.Command(o.bin, o.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The operator dies with the test, even when the test binary is
	// killed by its timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		o.t.Fatalf("starting the operator: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	o.cmd, o.exited = cmd, exited
}

// kill sends SIGKILL and waits for the process to be gone.
func (o *operator) kill() {
	if o.cmd == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGKILL)
	<-o.exited
	o.cmd = nil
}

func (o *operator) stop() {
	if o.t.Failed() && o.runs > 0 {
		if b, err := os.ReadFile(o.logPath(o.runs)); err == nil {
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			o.t.Logf("last 40 lines of the operator's log (run %d):\n%s", o.runs, strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	}
	o.kill()
}

// dumpGoroutines has the Go runtime write every goroutine's stack to the
// run's log (SIGQUIT), which ends the run.
func (o *operator) dumpGoroutines() {
	if o.cmd == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-o.exited:
		o.cmd = nil
	case <-time.After(10 * time.Second):
	}
}

// running reports whether the current run is alive.
func (o *operator) running() bool {
	select {
	case <-o.exited:
		return false
	default:
		return true
	}
}

// waitFor polls cond until it holds, the timeout passes or the operator
// exits on its own.
func waitFor(t *testing.T, op *operator, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if !op.running() {
			t.Fatalf("the operator exited while waiting for %s (%s); its log is %s", what, state, op.logPath(op.runs))
		}
		if time.Now().After(deadline) {
			op.dumpGoroutines()
			t.Fatalf("waiting for %s: still %s after %s; the operator's goroutines are in %s", what, state, timeout, op.logPath(op.runs))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func listBots(t *testing.T, c client.Client) []tradingv1alpha1.TradingBot {
	t.Helper()
	var list tradingv1alpha1.TradingBotList
	if err := c.List(context.Background(), &list, client.InNamespace(namespace)); err != nil {
		t.Fatalf("listing the bots: %v", err)
	}
	return list.Items
}

// describe is what a bot's status says of its state, for a failure.
func describe(b tradingv1alpha1.TradingBot) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s phase %s;", b.Name, b.Status.Phase)
	for _, c := range b.Status.Conditions {
		fmt.Fprintf(&sb, " %s=%s (%s: %s);", c.Type, c.Status, c.Reason, c.Message)
	}
	for _, tk := range b.Status.Tasks {
		fmt.Fprintf(&sb, " task %s %s, %d restarts;", tk.Name, tk.State, tk.Restarts)
	}
	return sb.String()
}

// clearTrading removes status.trading from every bot.
func clearTrading(t *testing.T, c client.Client) {
	t.Helper()
	for _, b := range listBots(t, c) {
		b.Status.Trading = nil
		if err := c.Status().Update(context.Background(), &b); err != nil {
			t.Fatalf("clearing %s's status.trading: %v", b.Name, err)
		}
	}
}

// buildOperator builds ./cmd into dir.
func buildOperator(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the operator: %v\n%s", err, out)
	}
	return bin
}

// startControlPlane starts etcd and kube-apiserver with the CRDs and
// writes an admin kubeconfig for the operator.
func startControlPlane(t *testing.T, root, dir string) (string, client.Client) {
	t.Helper()
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	// Stopped even when Start fails: it can fail with the control plane
	// already up (a CRD refused), which must not outlive the test.
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	admin, err := env.AddUser(envtest.User{Name: "drill-operator", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	scheme := k8sruntime.NewScheme()
	if err := tradingv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return path, c
}

// startSimulator serves the exchange simulator on the loopback. Its
// per-IP weight limit is raised: the operator, restarted twenty times in
// two minutes, and the judge share one IP, and the drill is about orders,
// not about the weight budget (which the exchange layer's own tests cover).
func startSimulator(t *testing.T) string {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = 30 * time.Minute
	cfg.WeightLimit = 1_000_000
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = sim.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
		sim.Close()
	})
	return srv.URL
}
