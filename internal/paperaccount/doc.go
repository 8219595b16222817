// Package paperaccount gives each Paper TradingBot its own account on the
// exchange simulator, so that one bot's orders, balances and PnL never mix
// with another's.
//
// A bot's paper account is named after its UID: the same bot finds the same
// account (and so its balances, orders and trades) after an operator
// restart, and a deleted and re-created bot starts afresh. The account is
// created through the simulator's admin API only when it does not exist
// yet: a restart never resets what the bot holds.
//
// The paper account's secret is derived from the UID, which anyone who can
// read the TradingBot can see: it guards simulated money only, and the
// simulator is never exposed outside the cluster.
package paperaccount
