package market

import (
	"testing"
	"time"
)

// BenchmarkAdvance is one 1s step of the eight built-in-like symbols.
func BenchmarkAdvance(b *testing.B) {
	m := mustNew(b, Config{Seed: 1, Symbols: eightSymbols()}, testStart)
	now := testStart
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		if ups := m.Advance(now); len(ups) != 8 {
			b.Fatalf("%d updates", len(ups))
		}
	}
}

// BenchmarkNew builds eight symbols with 24 h of history.
func BenchmarkNew(b *testing.B) {
	cfg := Config{Seed: 1, Symbols: eightSymbols()}
	b.ReportAllocs()
	for b.Loop() {
		mustNew(b, cfg, testStart)
	}
}

// BenchmarkNewLongHistory builds eight symbols with the simulator's
// longest history (30 days).
func BenchmarkNewLongHistory(b *testing.B) {
	cfg := Config{Seed: 1, Symbols: eightSymbols(), History: 30 * 24 * time.Hour}
	for b.Loop() {
		mustNew(b, cfg, testStart)
	}
}

// BenchmarkKlines is a full page of 1m klines.
func BenchmarkKlines(b *testing.B) {
	m := mustNew(b, Config{Seed: 1, Symbols: eightSymbols()}, testStart)
	b.ReportAllocs()
	for b.Loop() {
		if ks, _ := m.Klines("BTCUSDT", "1m", time.Time{}, time.Time{}, 1000); len(ks) != 1000 {
			b.Fatal(len(ks))
		}
	}
}

// BenchmarkTicker24h is one symbol's rolling 24 h ticker.
func BenchmarkTicker24h(b *testing.B) {
	m := mustNew(b, Config{Seed: 1, Symbols: eightSymbols()}, testStart)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Ticker24h("BTCUSDT"); err != nil {
			b.Fatal(err)
		}
	}
}
