package killdrill

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

// requestTimeout is the operator's --exchange-request-timeout in the
// drill; the latency phase delays every REST request longer than that.
const requestTimeout = 2 * time.Second

// faultPhase is something the exchange does wrong for a while, with the
// bots trading through it.
type faultPhase struct {
	name   string
	faults exchangesim.Faults
	hold   time.Duration
}

var faultPhases = []faultPhase{
	{"503 on 30% of REST requests", exchangesim.Faults{RestErrorRate: 0.3, RestErrorStatus: http.StatusServiceUnavailable}, 6 * time.Second},
	{"504 after execution on 30% of REST requests", exchangesim.Faults{RestErrorRate: 0.3, RestErrorStatus: http.StatusGatewayTimeout}, 6 * time.Second},
	{"429 on 30% of REST requests", exchangesim.Faults{RestErrorRate: 0.3, RestErrorStatus: http.StatusTooManyRequests}, 6 * time.Second},
	{"every WebSocket dropped", exchangesim.Faults{DropWebsockets: true}, 3 * time.Second},
	{"streams stalled: connected, silent", exchangesim.Faults{StallStreams: true}, 6 * time.Second},
	{"the exchange's clock 3 s behind", exchangesim.Faults{ClockOffsetMs: -3000}, 6 * time.Second},
	{"latency beyond the client timeout", exchangesim.Faults{RestLatencyMs: int(requestTimeout.Milliseconds()) + 500}, 6 * time.Second},
	{"418: every client IP banned for 4 s", exchangesim.Faults{BanSeconds: 4}, 6 * time.Second},
}

// setFaults replaces the simulator's fault state through its admin API.
func setFaults(t *testing.T, simURL string, f exchangesim.Faults) {
	t.Helper()
	body, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(simURL+"/sim/v1/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("setting faults %+v: %v", f, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setting faults %+v: HTTP %d", f, res.StatusCode)
	}
}

// runFaultPhases takes the trading bots through every fault phase. After
// each, it waits for every bot to run with a closed breaker again, so that
// the next phase starts with orders flowing, and checks each bot's books
// against its account's trades. Duplicates and strays are judged with the
// rest of the drill, from the whole record.
func runFaultPhases(t *testing.T, op *opdrill.Operator, c client.Client, sim *exchangesim.Simulator, simURL string, j judge, bots []bot) (mismatches int) {
	for _, ph := range faultPhases {
		before := sim.Stats()
		setFaults(t, simURL, ph.faults)
		time.Sleep(ph.hold)
		setFaults(t, simURL, exchangesim.Faults{})
		during := sim.Stats()
		cleared := time.Now()
		waitFor(t, op, settleWait, fmt.Sprintf("every bot Running with a closed breaker after %q", ph.name), func() (bool, string) {
			ok, behind := 0, ""
			for _, b := range listBots(t, c) {
				if b.Status.Phase == tradingv1alpha1.BotPhaseRunning && b.Status.Trading != nil && b.Status.Exchange != nil &&
					b.Status.Exchange.Breaker.State == tradingv1alpha1.BreakerClosed {
					ok++
				} else if behind == "" {
					behind = describe(b)
				}
			}
			return ok == len(bots), fmt.Sprintf("%d of %d; the first behind: %s", ok, len(bots), behind)
		})
		t.Logf("fault phase %q: %d orders accepted by the exchange during it, %d order requests refused, %d answers 418; every bot ran again %s after",
			ph.name, during.Orders.Placed-before.Orders.Placed, during.Orders.Rejected-before.Orders.Rejected,
			during.Banned418-before.Banned418, time.Since(cleared).Round(time.Millisecond))
		for _, b := range bots {
			if err := j.checkBooks(c, b); err != nil {
				mismatches++
				t.Errorf("after fault phase %q: %v", ph.name, err)
			}
		}
	}
	return mismatches
}
