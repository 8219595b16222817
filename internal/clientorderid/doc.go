// Package clientorderid derives the newClientOrderId of every order a bot
// sends: a deterministic function of the bot, the symbol, the signal that
// asked for the order, the side and the attempt, so the id is fixed before
// the first attempt and the same after a retry or a restart. An order whose
// answer was lost is looked up by this id instead of being sent again.
//
// Ids are 36 characters, inside Binance's ^[\.A-Z\:/a-z0-9_-]{1,36}$, and
// start with a fixed prefix and a tag of the bot, so a bot can pick its own
// orders out of an account's open orders (BelongsTo) without a database.
// The package is pure: no I/O, no state.
package clientorderid
