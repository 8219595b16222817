// Package ledger owns a bot's positions and profit and loss, per symbol, in
// exact decimals: quantity held, average entry price, realized and
// unrealized PnL, fees, and the same figures for the current UTC day.
//
// # Inputs
//
// A Ledger is fed fills (Apply), last prices (Mark) and, at each 00:00 UTC,
// the day-start price of every symbol (BeginDay). Every market of a ledger
// shares one quote asset (USDT for BTCUSDT and ETHUSDT); all money figures
// are in that asset.
//
// Fills are idempotent: a (symbol, trade id) pair counts once, so a trade
// seen on the user-data stream and again in a REST reconciliation is not
// doubled. Binance numbers trades per symbol, hence the pair. Ids are
// remembered for the current and the previous UTC day; a trade dated
// earlier, or dated before the day in a rebuilt ledger, counts only if its
// id is above the opening's LastTradeID (see below).
//
// Fills are ordered by trade id, not by arrival. A fill that arrives after
// a higher trade id of its symbol makes the ledger recompute that symbol
// from the day's opening, so the figures depend only on the set of fills
// and never on the order in which the stream and REST delivered them.
//
// # Average cost and fees
//
// A position's cost basis is what its units cost, without fees; the
// average entry is cost basis divided by quantity. Fees are expensed when
// charged: they are added to Fees and subtracted from Realized at once,
// never folded into the cost basis. Realized plus unrealized is therefore
// the same as under fee capitalization; only the split differs (a buy's fee
// shows as a realized loss at once).
//
//   - The notional of a fill is its QuoteQty, or Price×Qty when QuoteQty is
//     zero.
//   - A fee in the base asset changes the quantity: a buy receives
//     Qty−fee, a sell gives up Qty+fee. The fee's value is fee×Price. On a
//     buy the cost basis grows by notional−fee×Price (the units received,
//     at the fill price); on a sell the units given up are worth
//     notional+fee×Price.
//   - A fee in the quote asset is its amount.
//   - A fee in another asset (BNB) is worth its amount times a price the
//     caller gives with ConvertFee. Until then the fee is pending: listed by
//     PendingFees, counted in Snapshot, and absent from Fees and Realized.
//     For a rebuild to match the live figures, use a price that can be
//     fetched again later (for example the close of the one-minute kline
//     that contains the fill), not the ticker of the moment.
//   - A sell realizes units×(price−average entry): the cost removed is
//     cost×units/quantity rounded to 18 decimal places, or the whole cost
//     when the position closes, so rounding never leaves a residue in a
//     flat position.
//   - A sell can never take a position below zero (spot has no shorts).
//     The excess quantity is added to Oversold and realizes nothing; only
//     the units held are matched, at the fill price. Its fee is charged in
//     full. Oversold means the ledger's opening missed units the account
//     held; it is a flag for a person, not a position.
//
// # The day
//
// The day's figures start at 00:00 UTC from the opening: each position held
// then is marked at the day-start price given to BeginDay (the open of the
// day's first one-minute kline, which the exchange still serves after a
// restart; the first price the bot happened to see would not be). The day
// book then takes the day's fills by the same average-cost rule, so
//
//	DayPnL = DayRealized + DayUnrealized
//	DayUnrealized = Qty×LastPrice − DayCost
//
// where DayCost starts as opening quantity × day-start price. DayPnL is the
// change in the value of the positions plus the quote asset since 00:00
// UTC, fees included, and does not depend on entry prices before the day.
//
// Fills dated at or after the next midnight but applied before BeginDay
// count in the old day until BeginDay moves them to the new one. A fill
// dated before the current day start that arrives late is folded into the
// opening, as if it had been applied just before midnight.
//
// # Rebuild after a restart
//
// Openings returns the state at the current day start, per symbol,
// including the highest trade id it holds and earlier days' fees still
// pending; the bot persists it after each BeginDay and again if a late
// trade from before midnight changes it. Rebuild takes those openings and
// the day's trades (from REST, in any order, duplicates allowed) and
// reproduces the figures of a ledger fed live, decimal for decimal. A trade
// dated before the day that reaches a rebuilt ledger counts only if its id
// is above the opening's LastTradeID. When no opening was persisted,
// OpeningFromBalance derives the opening quantity from the current base
// balance minus the day's trades; the day's figures are then still exact,
// but the entry price is taken as the day-start price and lifetime
// Realized and Fees restart at zero (EntryEstimated is set). That rule
// assumes the account's base balance belongs to this bot alone, and every
// trade dated before the day is then taken as already in the balance. Open
// orders do not move positions; only fills do.
//
// # Use
//
// The package is pure: no I/O, no goroutines, no package-level state, time
// passed in. A Ledger is not safe for concurrent use; one goroutine (the
// bot's executor) owns it.
package ledger
