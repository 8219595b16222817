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
package signal
