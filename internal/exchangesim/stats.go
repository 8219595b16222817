package exchangesim

import (
	"sync/atomic"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// otherPath counts requests to paths the simulator does not serve, so the
// per-path map stays bounded whatever clients send.
const otherPath = "other"

// Stats is the body of GET /sim/v1/stats.
type Stats struct {
	Requests       map[string]int64 `json:"requests"`   // per REST path
	UsedWeight     map[string]int   `json:"usedWeight"` // per client IP, current minute
	RateLimited429 int64            `json:"rateLimited429"`
	Banned418      int64            `json:"banned418"`
	Orders         OrderStats       `json:"orders"`
	Websocket      WebsocketStats   `json:"websocket"`
	Accounts       int              `json:"accounts"`
}

// OrderStats counts order outcomes since start or the last reset.
type OrderStats struct {
	Placed   int64 `json:"placed"`   // accepted by the engine
	Filled   int64 `json:"filled"`   // reached FILLED
	Canceled int64 `json:"canceled"` // canceled by their owner
	Expired  int64 `json:"expired"`  // IOC/FOK remainders and the like
	Rejected int64 `json:"rejected"` // order requests refused with an error
}

// WebsocketStats describes the WebSocket connections: market-data stream
// connections, their distinct streams and messages, and WebSocket API
// sessions.
type WebsocketStats struct {
	Connections      int   `json:"connections"`
	Streams          int   `json:"streams"`
	MessagesSent     int64 `json:"messagesSent"`
	UserDataSessions int   `json:"userDataSessions"`
}

// counters are the statistics the REST front end keeps itself.
type counters struct {
	requests map[string]*atomic.Int64

	placed, filled, canceled, expired, rejected atomic.Int64
}

func newCounters(paths []string) *counters {
	c := &counters{requests: make(map[string]*atomic.Int64, len(paths)+1)}
	for _, p := range append(paths, otherPath) {
		c.requests[p] = new(atomic.Int64)
	}
	return c
}

// request counts one request; the map's keys are fixed at start, so reads
// need no lock.
func (c *counters) request(path string) {
	n, ok := c.requests[path]
	if !ok {
		n = c.requests[otherPath]
	}
	n.Add(1)
}

// events counts the order outcomes in engine events.
func (c *counters) events(events []matching.Event) {
	for _, ev := range events {
		rep, ok := ev.(matching.ExecutionReport)
		if !ok {
			continue
		}
		switch {
		case rep.ExecutionType == matching.ExecTrade && rep.Order.Status == matching.StatusFilled:
			c.filled.Add(1)
		case rep.ExecutionType == matching.ExecCanceled:
			c.canceled.Add(1)
		case rep.ExecutionType == matching.ExecExpired:
			c.expired.Add(1)
		}
	}
}

func (c *counters) snapshot() (map[string]int64, OrderStats) {
	reqs := make(map[string]int64, len(c.requests))
	for p, n := range c.requests {
		if v := n.Load(); v > 0 {
			reqs[p] = v
		}
	}
	return reqs, OrderStats{
		Placed:   c.placed.Load(),
		Filled:   c.filled.Load(),
		Canceled: c.canceled.Load(),
		Expired:  c.expired.Load(),
		Rejected: c.rejected.Load(),
	}
}

func (c *counters) reset() {
	for _, n := range c.requests {
		n.Store(0)
	}
	for _, n := range []*atomic.Int64{&c.placed, &c.filled, &c.canceled, &c.expired, &c.rejected} {
		n.Store(0)
	}
}
