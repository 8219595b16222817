// Package matching is the exchange simulator's matching engine: symbols and
// their filters, a simulated order book around a mid price that the market
// package drives, accounts with free and locked balances, orders, fills,
// trades and the user-data events they produce. It follows Binance Spot's
// semantics and returns *apierr.Error with Binance's codes and messages for
// every business failure.
//
// The engine has no HTTP and starts no goroutines. An *Engine is safe for
// concurrent use (one mutex guards it) and reads time only from the injected
// Config.Now, so tests are deterministic.
//
// # The simulated book
//
// Around the mid price m, the best bid is m*(1-spread/2) rounded down to the
// tick and the best ask m*(1+spread/2) rounded up; Levels levels follow on
// each side, LevelStepBps apart, each holding LevelNotional/price of base
// (rounded down to the step). Taker orders walk these levels; liquidity they
// take stays taken until the next SetPrice, which rebuilds the book.
//
// Resting user LIMIT orders live in the same book: Depth and BookTicker show
// them, and a taker order matches them (price first; at an equal price the
// user order goes before the simulated level) so the book never crosses. A
// taker that meets its own account's resting order expires that order
// (Binance's default self-trade prevention, EXPIRE_MAKER: status
// EXPIRED_IN_MATCH, execution type TRADE_PREVENTION). When SetPrice moves the
// simulated book across a resting order, that order fills completely at its
// limit price as maker; such fills do not consume simulated liquidity.
//
// # Events
//
// Every call that changes state returns its events in order, as values:
// ExecutionReport (NEW, then one TRADE per fill, then CANCELED, EXPIRED or
// TRADE_PREVENTION as they happen) and, at the end of the call, one
// AccountPosition per account whose balances changed, listing only the
// changed assets.
//
// # Bounded history
//
// Open orders are bounded by each symbol's MaxNumOrders (default 200 per
// account, Binance's MAX_NUM_ORDERS). Each account keeps its last
// Config.MaxClosedOrders closed orders (default 10 000) and its last
// Config.MaxTrades trades (default 10 000); older ones are forgotten, so
// GetOrder answers -2013 for them and AllOrders/MyTrades no longer list them.
package matching
