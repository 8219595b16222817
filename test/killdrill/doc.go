// Package killdrill is the trading kill drill: the real operator binary
// runs Paper TradingBots against the exchange simulator and a real
// kube-apiserver, and is killed with SIGKILL at random moments and started
// again, many times over. Before the kills, the simulator misbehaves while
// the bots trade: 503 and 429 bursts, 504s after execution, latency beyond the
// operator's request timeout, a 418 ban, dropped and stalled WebSockets,
// and a skewed server clock.
//
// It is judged only by the simulator's own records, read over its REST API
// with each bot's paper credentials:
//
//   - duplicates: two orders for one signal (the same client order id, or
//     two ids derived from the same bot, symbol, kline and side);
//   - strays: orders whose id no signal of the bot could have produced;
//   - lost: orders the exchange holds that the restarted bot does not
//     account for, or an order the bot reports that the exchange lacks;
//   - PnL: after the fault phases and after every restart, each bot's status (position quantity,
//     realized PnL, fees) equals what an average-cost reckoning of the
//     account's trades on the exchange gives.
//
// It runs in `make test`. With TRADING_BENCH=1 it also prints
// trading.duplicate_orders and trading.lost_orders for `make bench`.
package killdrill
