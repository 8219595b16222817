// Package exchangesim is a Binance-Spot-compatible exchange simulator served
// as one http.Handler: the REST API under /api/, the market-data WebSocket
// streams under /ws/ and /stream, the WebSocket API under /ws-api/v3 and an
// admin API under /sim/v1/. It ties together the sub-packages that do the
// work — matching (orders and balances), market (price paths and market
// data), auth (signatures and timestamps), limits (weights, order counts and
// bans), streams and wsapi — and owns the REST front end: parameter parsing,
// Binance's error codes, request weights, fault injection and statistics.
//
// New builds a Simulator without starting goroutines; Run drives the market
// in real time and Step drives it deterministically from tests.
package exchangesim
