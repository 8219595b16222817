package exchangesim

import (
	"net/http"
)

// Request weights Binance documents for endpoints whose weight varies.
const (
	weightOneSymbol  = 2
	weightSymbolList = 4
	weightFailed     = 1 // a failed order or cancel; a successful one costs 0
)

// buildRoutes returns the REST endpoints by path and method.
func (s *Simulator) buildRoutes() map[string]map[string]*route {
	list := []*route{
		{method: http.MethodGet, path: "/api/v3/ping", weight: fixedWeight(1), handle: s.handlePing},
		{method: http.MethodGet, path: "/api/v3/time", weight: fixedWeight(1), handle: s.handleTime},
		{method: http.MethodGet, path: "/api/v3/exchangeInfo", weight: fixedWeight(20), handle: s.handleExchangeInfo,
			params: []string{"symbol", "symbols", "permissions", "showPermissionSets", "symbolStatus"}},
		{method: http.MethodGet, path: "/api/v3/ticker/price", weight: tickerPriceWeight, handle: s.handleTickerPrice,
			params: []string{"symbol", "symbols"}},
		{method: http.MethodGet, path: "/api/v3/ticker/24hr", weight: ticker24hWeight, handle: s.handleTicker24h,
			params: []string{"symbol", "symbols", "type"}, rules: map[string]paramRule{"type": ruleLegal("FULL, MINI", "FULL", "MINI")}},
		{method: http.MethodGet, path: "/api/v3/ticker/bookTicker", weight: tickerPriceWeight, handle: s.handleBookTicker,
			params: []string{"symbol", "symbols"}},
		{method: http.MethodGet, path: "/api/v3/avgPrice", weight: fixedWeight(2), handle: s.handleAvgPrice,
			params: []string{"symbol"}},
		{method: http.MethodGet, path: "/api/v3/klines", weight: fixedWeight(2), handle: s.handleKlines,
			params: []string{"symbol", "interval", "startTime", "endTime", "limit", "timeZone"}},
		{method: http.MethodGet, path: "/api/v3/depth", weight: depthWeight, handle: s.handleDepth,
			params: []string{"symbol", "limit"}},
		{method: http.MethodGet, path: "/api/v3/trades", weight: fixedWeight(25), handle: s.handleTrades,
			params: []string{"symbol", "limit"}},
		// go-binance's RecentTradesService still calls the v1 path.
		{method: http.MethodGet, path: "/api/v1/trades", weight: fixedWeight(25), handle: s.handleTrades,
			params: []string{"symbol", "limit"}},

		{method: http.MethodGet, path: "/api/v3/account", sec: secSigned, weight: fixedWeight(20), handle: s.handleAccount,
			params: []string{"omitZeroBalances"}},
		{method: http.MethodPost, path: "/api/v3/order", sec: secSigned, orderWeight: weightFailed, newOrder: true, handle: s.handleNewOrder,
			params: []string{"symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price",
				"newClientOrderId", "newOrderRespType", "stopPrice", "trailingDelta", "icebergQty",
				"selfTradePreventionMode", "strategyId", "strategyType"}},
		{method: http.MethodGet, path: "/api/v3/order", sec: secSigned, weight: fixedWeight(4), handle: s.handleGetOrder,
			params: []string{"symbol", "orderId", "origClientOrderId"}},
		{method: http.MethodDelete, path: "/api/v3/order", sec: secSigned, orderWeight: weightFailed, handle: s.handleCancelOrder,
			params: []string{"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"}},
		{method: http.MethodGet, path: "/api/v3/openOrders", sec: secSigned, weight: openOrdersWeight, handle: s.handleOpenOrders,
			params: []string{"symbol"}},
		{method: http.MethodDelete, path: "/api/v3/openOrders", sec: secSigned, orderWeight: weightFailed, handle: s.handleCancelOpenOrders,
			params: []string{"symbol"}},
		{method: http.MethodGet, path: "/api/v3/allOrders", sec: secSigned, weight: fixedWeight(20), handle: s.handleAllOrders,
			params: []string{"symbol", "orderId", "startTime", "endTime", "limit"}},
		{method: http.MethodGet, path: "/api/v3/myTrades", sec: secSigned, weight: myTradesWeight, handle: s.handleMyTrades,
			params: []string{"symbol", "orderId", "startTime", "endTime", "fromId", "limit"}},
		{method: http.MethodGet, path: "/api/v3/rateLimit/order", sec: secSigned, weight: fixedWeight(40), handle: s.handleOrderRateLimit},
	}
	routes := make(map[string]map[string]*route)
	for _, rt := range list {
		rt.accepted = rt.params
		if rt.sec == secSigned {
			rt.accepted = append(append([]string(nil), rt.params...), signedParams[:]...)
		}
		if rt.weight == nil {
			rt.weight = fixedWeight(0)
		}
		if routes[rt.path] == nil {
			routes[rt.path] = make(map[string]*route)
		}
		routes[rt.path][rt.method] = rt
	}
	return routes
}

// tickerPriceWeight: 2 for one symbol, 4 for a list or all symbols.
func tickerPriceWeight(p *params) int {
	if p.has("symbol") {
		return weightOneSymbol
	}
	return weightSymbolList
}

// ticker24hWeight: 2 for 1-20 symbols, 40 for 21-100, 80 above or for all.
func ticker24hWeight(p *params) int {
	n := 0
	switch {
	case p.has("symbol"):
		n = 1
	case p.has("symbols"):
		names, _ := parseSymbolList(p.get("symbols"))
		n = len(names)
	}
	switch {
	case n == 0 || n > 100:
		return 80
	case n > 20:
		return 40
	default:
		return 2
	}
}

// Depth limits: Binance's default and maximum.
const (
	defaultDepthLimit = 100
	maxDepthLimit     = 5000
)

// depthLimit is the effective depth limit.
func depthLimit(p *params) int {
	n, err := p.int64Param("limit")
	switch {
	case err != nil || n == 0:
		return defaultDepthLimit
	case n > maxDepthLimit:
		return maxDepthLimit
	default:
		return int(n)
	}
}

// depthWeight: 5 up to 100 levels, 25 up to 500, 50 up to 1000, 250 above.
func depthWeight(p *params) int {
	switch n := depthLimit(p); {
	case n <= 100:
		return 5
	case n <= 500:
		return 25
	case n <= 1000:
		return 50
	default:
		return 250
	}
}

// openOrdersWeight: 6 for one symbol, 80 for all.
func openOrdersWeight(p *params) int {
	if p.get("symbol") != "" {
		return 6
	}
	return 80
}

// myTradesWeight: 20, or 5 with orderId.
func myTradesWeight(p *params) int {
	if p.get("orderId") != "" {
		return 5
	}
	return 20
}
