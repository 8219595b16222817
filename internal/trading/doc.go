// Package trading is a TradingBot's executor: it turns the bot's accepted
// signals into orders and keeps the bot's positions and PnL.
//
// One Executor runs per bot, on one goroutine (Run), and owns the bot's
// ledger (positions and PnL), risk checker and tracked orders; nothing else
// touches them. Signals and account events are handed to it without
// blocking (Offer, OnUserData) and queued; status reads its published
// Snapshot.
//
// For each signal, in order: no order while the market data is stale or the
// exchange refuses calls (the gate); the order is sized to the symbol's
// filters and the bot's budgets (ordersize), checked against the risk limits
// (risk), given a client order id derived from the bot, symbol, kline and
// side, fixed before the first attempt, and placed through the shared
// exchange layer. An order whose outcome is unknown is looked up by that id,
// never sent again blindly; one that was certainly not placed is tried again
// with the same id while the signal is young enough.
//
// Fills arrive on the user-data stream and, after every (re)connection and
// at start, from the REST trade list; the ledger counts each trade once.
package trading
