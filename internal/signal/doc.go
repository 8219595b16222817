// Package signal turns closed klines into BUY and SELL signals, and keeps
// each resource's recent signals.
//
// It is pure code: klines in, signals out. Nothing here does I/O, starts a
// goroutine or holds package-level state; the caller (one task per
// TradingBot or SymbolWatch) feeds closed klines, decides whether the data
// is fresh enough to act on, and publishes what comes out.
//
// Prices reach the package as exact decimals. The indicators compute in
// float64 for speed; a float never leaves the package except as a
// confidence (a ratio, rounded to four decimal places so its text form is
// stable). A Signal's Price is the kline's close, exact.
//
// # Indicators
//
// SMA, EMA (seeded with the SMA of its first period values, alpha
// 2/(period+1)), RSI (Wilder's smoothing, seeded with plain means of the
// first period gains and losses) and Bollinger (middle SMA, bands K
// population standard deviations away) fold one value at a time in O(1)
// amortised work and hold at most period values. Window sums are kept
// relative to a value from the window and recomputed exactly every period
// values, and sooner when the variance has shrunk far below the sums, so
// neither drift nor cancellation shows: against a recomputation from the
// whole series the relative error stays under 1e-9 at price levels from
// 0.0001 to 100 000, and a flat window has a deviation of exactly 0.
//
// # Strategies
//
// New builds the Strategy of a Config (ConfigFromSpec parses a
// spec.strategy block) for one symbol. Update folds a closed kline and
// returns the signal that fires on it, if any. A signal fires on the kline
// where its condition starts, never again while the condition lasts:
//
//   - SMACrossover, EMACrossover: BUY when the fast average ends up above
//     the slow one, SELL when it ends up below. Equal averages change
//     nothing, so above → equal → above fires nothing.
//   - RSI: BUY when the RSI enters the oversold zone (from at or above
//     oversold to below), SELL when it enters the overbought zone.
//   - BollingerBands: BUY when the close falls below the lower band (from
//     at or above it), SELL when it rises above the upper band.
//
// Confidence is 1 − 2^(−strength/half), rounded to four decimals and at
// least 0.0001, where strength measures how decisively the condition
// started: for a crossover the change of the gap between the averages over
// the crossing kline, relative to its usual per-kline change; for RSI the
// depth beyond the band relative to the RSI's usual per-kline change; for
// Bollinger the distance beyond the band in standard deviations. The
// halves are set so that on a random walk roughly 40 % of signals reach
// the default minConfidence of 0.6; Config.Accepts applies minConfidence.
//
// A strategy signals only after WarmupKlines klines (the slow window for
// SMA crossovers times three, four slow periods for EMA crossovers, six
// periods plus one for RSI, the period for Bollinger; at most 1000), so a
// caller that fetches that many closed klines at start can signal on its
// first live one. Klines of another symbol and klines not newer than the
// last one folded are ignored, so a warm-up overlapping the live stream
// does no harm. The same klines always give the same signals, byte for
// byte. Update does not allocate: a signal keeps its reason's values and
// Signal.Reason spells the text only when asked, as most signals are
// never shown.
//
// NewSet holds several strategies of one symbol, fed together: a Set
// checks each kline and converts its close once, writes it once to a ring
// of recent closes that all its SMA and Bollinger windows read, pushes it
// once into each window (strategies over the same window share it), then
// folds it into every strategy, one loop per strategy type with the usual
// case (no signal fires) written out in the loop and a call only where a
// signal may fire, which gives the same signals as feeding each on its
// own.
package signal
