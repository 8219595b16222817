// Package market generates the exchange simulator's market: one price path
// per symbol and everything derived from it — public trades, klines of every
// Binance interval and rolling 24 h tickers. It knows nothing of accounts or
// orders (the matching engine follows its prices) nor of HTTP and streams.
//
// # Price paths
//
// Each symbol follows a geometric Brownian motion (annualised Volatility and
// Drift) drawn from its own PCG generator, seeded from Config.Seed and the
// symbol's name, or replays klines (Config.Replay, see ParseReplayCSV). The
// path steps every Config.Tick of simulated time, at start + k*Tick; each
// step makes 1 to 4 trades that walk from the previous price to the new one,
// sized around MeanTradeQty (exponentially distributed, at least one step,
// at most 20 times the mean), takers leaning to the side the price moved to.
// Prices are whole ticks (never below one tick), quantities whole steps.
//
// A replayed symbol's first kline opens at the start time and each kline
// lasts until the next one's open; within a kline the price walks open →
// low → high → close (open → high → low → close when it falls), and after
// the last kline the replay loops from the first. Trades are sized to match
// each kline's volume on average. SetPrice scales the rest of the replay.
//
// The market is deterministic: the same Config, start time and sequence of
// Advance and SetPrice calls give identical trades, klines and tickers. It
// is also independent of how time is cut into Advance calls, as long as no
// call covers more than FineCatchUp (10 min, at most MaxFineSteps steps,
// at least two ticks); a longer gap is generated as bars up to that window
// before its end (bounded catch-up: a gap of any length costs at most ~12k
// bars per symbol).
//
// # History
//
// New generates Config.History (24 h by default, at most MaxHistory) before
// the start time, ending exactly at StartPrice (a replayed symbol's history
// is a GBM ending at its first kline's open). The last WarmupSteps steps are
// generated trade by trade; older history is generated directly as bars,
// each from 8 path points: 1m bars for the last 7 days, 1h bars before that
// and 1d bars before 1000 hours. Such bars carry trade counts, volumes and
// trade id ranges like the fine steps' on average, but their individual
// trades do not exist (RecentTrades shows an id gap across them). Eight
// symbols with 24 h of history take a few tens of milliseconds.
//
// # What is kept (memory bounds)
//
// Per symbol: the last KeepTrades (1000) trades and four tiers of bars —
// 1s bars for 1 hour, 1m bars for 7 days, 1h bars for 1000 hours and 1d bars
// for 1000 days (KeepSecondBars ... KeepDayBars), 112 bytes each: about
// 1.8 MB per symbol however long the simulator runs. Every kline interval is
// aggregated from one tier: 1s from 1s bars; 1m to 30m from 1m bars; 1h to
// 12h from 1h bars; 1d, 3d, 1w and 1M from 1d bars. A bucket is only shown
// while every bar it needs is kept, so closed klines never change; intervals
// that need more history than is kept start later, like a young listing on
// Binance (whose first kline may be partial).
//
// # Binance conventions
//
// Klines: 1w buckets start on Monday 00:00 UTC, 1M buckets are calendar
// months in UTC and 3d buckets are aligned to the epoch, as on Binance. A
// kline opens at the previous kline's close (open = previous close, so the
// series has no gaps); a kline without trades is flat with TradeCount 0 and
// trade ids -1. Limits default to 500 and are capped at 1000. Errors are
// *apierr.Error: -1121 for an unknown symbol, -1120 for an unknown interval.
//
// A Market is safe for concurrent use. It starts no goroutines and never
// reads the wall clock: every time is an argument.
package market
