package sharding

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

const (
	namespace     = "default"
	replicas      = 3
	leaseDuration = 6 * time.Second
	// settleWait bounds how long the bots may take to run again somewhere.
	settleWait = 3 * time.Minute
)

var symbols = []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}

func TestShardingFailover(t *testing.T) {
	opdrill.RequireControlPlane(t, "the sharding drill")
	bench := os.Getenv("SCALE_BENCH") == "1"
	bots := 60
	if bench {
		bots = 300
	}
	root := opdrill.RepoRoot(t)
	dir := t.TempDir()
	logs := opdrill.LogDir(t, "sharding-logs-")
	bin := opdrill.BuildOperator(t, root, dir)
	kubeconfig, c := opdrill.StartControlPlane(t, root, dir)
	_, simURL := opdrill.StartSimulator(t)
	judge := opdrill.NewJudge(t, simURL)

	ops := make([]*opdrill.Operator, replicas)
	for i := range ops {
		id := fmt.Sprintf("replica-%d", i)
		ops[i] = &opdrill.Operator{T: t, Bin: bin, Dir: logs, Name: id, Args: []string{
			"--kubeconfig", kubeconfig,
			"--simulator-url", simURL,
			"--metrics-bind-address", "0",
			"--health-probe-bind-address", "0",
			"--status-interval", "5s",
			"--probe-interval", "5s",
			"--sharding", "--shard-identity", id, "--shard-namespace", namespace,
			"--shard-lease-duration", leaseDuration.String(),
			"--zap-time-encoding", "rfc3339nano",
		}}
		t.Cleanup(ops[i].Stop)
		ops[i].Start()
	}

	start := time.Now()
	var uids = map[string]string{}
	for i := range bots {
		obj := opdrill.PaperBot(namespace, fmt.Sprintf("shard-%03d", i), i, symbols)
		if err := c.Create(judge.Ctx, obj); err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
		uids[obj.GetName()] = string(obj.GetUID())
	}
	owners := waitPlaced(t, ops, c, bots, "every bot Running on some replica", func(string) bool { return true })
	t.Logf("%d bots Running on %d replicas after %s: %v", bots, replicas, time.Since(start).Round(time.Millisecond), countByReplica(owners))
	for i := range replicas {
		if n := countByReplica(owners)[fmt.Sprintf("replica-%d", i)]; n < bots/10 {
			t.Errorf("replica-%d runs %d of %d bots: the split is lopsided", i, n, bots)
		}
	}

	// Kill one replica outright; its bots must run elsewhere.
	victim := "replica-1"
	var moved []string
	for name, r := range owners {
		if r == victim {
			moved = append(moved, name)
		}
	}
	sort.Strings(moved)
	ops[1].Kill()
	killedAt := time.Now()
	alive := []*opdrill.Operator{ops[0], ops[2]}
	after := waitPlaced(t, alive, c, bots, "the killed replica's bots Running elsewhere", func(r string) bool { return r != victim })
	failover := time.Since(killedAt)
	t.Logf("replica-1 killed holding %d bots; all %d Running on the others %s later: %v", len(moved), bots,
		failover.Round(time.Millisecond), countByReplica(after))
	for name, r := range owners {
		if r != victim && after[name] != r {
			t.Errorf("%s moved from %s to %s though its replica stayed alive", name, r, after[name])
		}
	}

	// The killed replica comes back: its share of the bots returns to it.
	ops[1].Start()
	back := waitPlaced(t, ops, c, bots, "replica-1 running bots again", func(string) bool { return true })
	waitFor := time.Now().Add(settleWait)
	for countByReplica(back)[victim] == 0 && time.Now().Before(waitFor) {
		time.Sleep(500 * time.Millisecond)
		back = waitPlaced(t, ops, c, bots, "every bot Running after replica-1 came back", func(string) bool { return true })
	}
	if countByReplica(back)[victim] == 0 {
		t.Errorf("replica-1 came back and runs no bot: %v", countByReplica(back))
	}
	t.Logf("after replica-1 came back: %v", countByReplica(back))
	time.Sleep(3 * time.Second) // a few more klines with every replica trading

	// Judge: never two holders at once, by the replicas' own logs (the
	// killed run's holdings end when it was killed) ...
	holdings := map[string][]holding{}
	for i, op := range ops {
		for run := 1; run <= op.Runs(); run++ {
			end := time.Time{}
			if i == 1 && run == 1 {
				end = killedAt
			}
			readHoldings(t, op.LogPath(run), fmt.Sprintf("replica-%d", i), end, holdings)
		}
	}
	overlaps := 0
	for name, hs := range holdings {
		if n := countOverlaps(hs); n > 0 {
			overlaps++
			t.Errorf("%s was held by two replicas at once: %+v", name, hs)
		}
	}
	if len(holdings) < bots {
		t.Errorf("the replicas' logs show claims for %d of %d bots", len(holdings), bots)
	}

	// ... and by the exchange's records: no client order id twice.
	orders, duplicates := 0, 0
	for _, b := range opdrill.ListBots(t, c, namespace) {
		seen := map[string]int{}
		for _, sym := range b.Spec.Symbols {
			list, err := judge.Account(uids[b.Name]).OrdersSince(judge.Ctx, exchange.CallPolicy{}, sym, start.Add(-time.Minute))
			if err != nil {
				t.Fatalf("%s: orders of %s: %v", b.Name, sym, err)
			}
			for _, o := range list {
				orders++
				seen[o.ClientOrderID]++
			}
		}
		for id, n := range seen {
			if n > 1 {
				duplicates += n - 1
				t.Errorf("%s: %d orders with client order id %s", b.Name, n, id)
			}
		}
	}
	t.Logf("%d orders on the exchange, %d duplicate client order ids; %d bots ever held by two replicas at once", orders, duplicates, overlaps)
	if orders < bots {
		t.Errorf("only %d orders from %d bots: too few for the drill to show anything", orders, bots)
	}
	if bench {
		fmt.Printf("scale.failover_bots: %d\n", bots)
		fmt.Printf("scale.failover_s: %.1f\n", failover.Seconds())
		fmt.Printf("scale.max_concurrent_owners: %d\n", overlaps+duplicates)
	}
}

// waitPlaced waits until every bot is Running, claimed by a replica that
// ok accepts, with a status written since the claim; it returns each
// bot's replica.
func waitPlaced(t *testing.T, ops []*opdrill.Operator, c client.Client, bots int, what string, ok func(replica string) bool) map[string]string {
	t.Helper()
	var owners map[string]string
	opdrill.WaitFor(t, ops, settleWait, what, func() (bool, string) {
		owners = map[string]string{}
		placed, behind := 0, ""
		for _, b := range opdrill.ListBots(t, c, namespace) {
			owners[b.Name] = b.Status.Replica
			if b.Status.Replica != "" && ok(b.Status.Replica) && b.Status.Phase == tradingv1alpha1.BotPhaseRunning &&
				b.Status.ObservedGeneration == b.Generation {
				placed++
			} else if behind == "" {
				behind = fmt.Sprintf("%s on %q: %s", b.Name, b.Status.Replica, opdrill.Describe(b))
			}
		}
		return placed == bots, fmt.Sprintf("%d of %d placed; the first behind: %s", placed, bots, behind)
	})
	return owners
}

func countByReplica(owners map[string]string) map[string]int {
	out := map[string]int{}
	for _, r := range owners {
		out[r]++
	}
	return out
}

// holding is one replica's claim on a bot, from its log: from the claim
// until it released the bot (or the end of the run).
type holding struct {
	Replica  string
	From, To time.Time
}

// readHoldings adds the claims in one run's log to holdings, by bot name.
// A claim not released by the end of the log lasts until end (the kill),
// or for ever when end is zero (the run still going).
func readHoldings(t *testing.T, path, replica string, end time.Time, holdings map[string][]holding) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	open := map[string]time.Time{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			TS    string `json:"ts"`
			Msg   string `json:"msg"`
			Group string `json:"group"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || !strings.HasPrefix(line.Group, "TradingBot/") {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, line.TS)
		if err != nil {
			t.Fatalf("%s: a log time %q: %v", path, line.TS, err)
		}
		name := line.Group[strings.LastIndex(line.Group, "/")+1:]
		switch line.Msg {
		case "claimed for this replica":
			if _, dup := open[name]; !dup {
				open[name] = at
			}
		case "stopped here and released: another replica owns the resource":
			if from, ok := open[name]; ok {
				holdings[name] = append(holdings[name], holding{replica, from, at})
				delete(open, name)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for name, from := range open {
		to := end
		if to.IsZero() {
			to = time.Now().Add(time.Hour)
		}
		holdings[name] = append(holdings[name], holding{replica, from, to})
	}
}

// countOverlaps counts pairs of holdings by different replicas that share
// a moment.
func countOverlaps(hs []holding) int {
	n := 0
	for i := range hs {
		for j := i + 1; j < len(hs); j++ {
			if hs[i].Replica != hs[j].Replica && hs[i].From.Before(hs[j].To) && hs[j].From.Before(hs[i].To) {
				n++
			}
		}
	}
	return n
}
