// Package risk decides, before every order, whether a bot may place it:
// the largest order, the largest position per symbol, orders per minute,
// a cooldown per symbol, and the daily loss kill switch.
//
// A Checker holds the limits and what it has admitted. Admit checks a
// proposed order and, when it passes, records it as placed at once, before
// it is sent: an order whose send fails, or whose outcome is unknown,
// still counts for the rate and the cooldown, and a buy's notional counts
// against the position limit until Filled or Closed says where it went.
// Time is passed in; the checker never reads a clock.
//
// # The checks, in order
//
//  1. Halted: a halted checker refuses every new order, BUY or SELL,
//     including a SELL that would reduce a position. The issue asks for
//     "no new orders (cancels allowed)", and a halt is the moment for a
//     person to look, not for the strategy to keep trading out of a
//     position. Cancels never pass through the checker.
//  2. Daily loss: when the book's realized plus unrealized PnL since 00:00
//     UTC, fees included, is at or below −MaxDailyLossQuote, the order is
//     refused and the checker halts. Evaluate applies the same test
//     without an order; call it after every fill and price change so the
//     bot halts when the loss happens, not at its next signal.
//  3. Stale day: the book's day figures must belong to the UTC day of now
//     (the ledger's BeginDay has run); otherwise nothing is admitted.
//  4. MaxOrderQuote: the order's notional may not exceed it (both sides).
//  5. MaxPositionQuote (BUY only): the symbol's position at entry (its cost
//     basis) plus the notional of buys admitted and not yet filled or
//     closed plus this order may not exceed it. A SELL never raises it.
//  6. MaxOrdersPerMinute: fewer than the limit may have been admitted in
//     the 60 seconds before now (a window (now−60s, now]); so no 60-second
//     window ever holds more than the limit.
//  7. Cooldown: at least Cooldown since the last order admitted on the
//     symbol.
//
// A refusal carries a Reason and, for the rate and the cooldown, the
// earliest time the same order could pass.
//
// # Halt and resume
//
// A halt records when it happened, its UTC day and the PnL that tripped
// it. It never ends by itself: not later that day, and not at the next
// 00:00 UTC either (the safe reading of "never resumes by itself within the
// same UTC day" — a new day alone does not resume). Only Resume ends it,
// the call a person's documented action maps to. Resume refuses while the
// book's day PnL is still at or below the limit, so a halted bot cannot be
// resumed into an immediate second halt; on a later UTC day, after the
// ledger began it, the day PnL starts again from zero and Resume succeeds.
// After a restart, Restore puts back a halt the bot persisted (its
// RiskHalted condition), and Record puts back orders placed before (open
// orders and the last minute's orders), so neither the halt nor the rate
// is forgotten.
//
// The executor must keep fills within what was admitted: a BUY is sized so
// that its fills spend at most its notional (a LIMIT order, or a MARKET
// order by quote quantity). Then the position at entry never exceeds
// MaxPositionQuote.
//
// The package is pure: no I/O, no goroutines, no package-level state. A
// Checker is not safe for concurrent use; the bot's executor owns it.
package risk
