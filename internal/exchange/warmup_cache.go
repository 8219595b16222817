package exchange

import "time"

// warmCache holds the answer of the last warm-up of each series for the
// kline period it was made in. It keeps at most max series: a new one
// first drops the expired ones, then the one that expires soonest. It is
// not safe for concurrent use (warmups.mu guards it).
type warmCache struct {
	max    int
	series map[seriesKey]warmEntry
}

// warmEntry is a series' closed klines in one kline period.
type warmEntry struct {
	last    int64   // warmKey.last of the period
	klines  []Kline // oldest first; never modified once stored
	all     bool    // the exchange has no older klines than these
	expires time.Time
}

func newWarmCache(max int) warmCache {
	return warmCache{max: max, series: make(map[seriesKey]warmEntry)}
}

// get returns the last n klines of key if the cache holds them at server
// (now on the exchange's clock), or all of them if the exchange has no more.
func (c *warmCache) get(key warmKey, n int, server time.Time) ([]Kline, bool) {
	e, ok := c.series[key.series]
	if !ok || e.last != key.last || !server.Before(e.expires) || (len(e.klines) < n && !e.all) {
		return nil, false
	}
	return e.klines[max(len(e.klines)-n, 0):], true
}

// put stores e as key's answer, unless the cache holds a later period of
// the series already, or more of the same period.
func (c *warmCache) put(key warmKey, e warmEntry, server time.Time) {
	e.last = key.last
	if old, ok := c.series[key.series]; ok {
		if old.last > e.last || (old.last == e.last && len(old.klines) > len(e.klines)) {
			return
		}
		c.series[key.series] = e
		return
	}
	if len(c.series) >= c.max {
		c.evict(server)
	}
	c.series[key.series] = e
}

// evict drops every expired series, or if none has, the one that expires
// soonest.
func (c *warmCache) evict(server time.Time) {
	var soonest seriesKey
	var soonestAt time.Time
	for k, e := range c.series {
		if !server.Before(e.expires) {
			delete(c.series, k)
			continue
		}
		if soonestAt.IsZero() || e.expires.Before(soonestAt) {
			soonest, soonestAt = k, e.expires
		}
	}
	if len(c.series) >= c.max && !soonestAt.IsZero() {
		delete(c.series, soonest)
	}
}
