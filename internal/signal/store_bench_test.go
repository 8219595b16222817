package signal

import "testing"

// BenchmarkStorePutCold measures the put a signal feed makes when a shared
// strategy fires: one prepared signal, on a newer kline, put into a
// thousand stores in a row, each already full for the symbol (the usual
// case: the put evicts the oldest entry). ns/op is one put.
//
// Between two puts into one store the other 999 run, so a store's memory
// has left L1 by its next put, and the slot a put writes was last touched
// a full ring of signals ago.
func BenchmarkStorePutCold(b *testing.B) {
	const stores = 1000
	now := storeBase
	sts := make([]*Store, stores)
	for i := range sts {
		sts[i] = NewStore(StoreOptions{})
	}
	// Filled kline by kline, as a feed does, so that the stores' memory
	// is interleaved the way a running operator's is.
	for m := range DefaultMaxPerSymbol {
		p := Prepare(sig("BTCUSDT", Buy, m))
		for _, st := range sts {
			st.PutPreparedAt(p, now)
		}
	}
	var p Prepared
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		j := i % stores
		if j == 0 {
			// One Prepare per thousand puts, as the feed makes.
			p = Prepare(sig("BTCUSDT", Buy, DefaultMaxPerSymbol+i/stores))
		}
		if !sts[j].PutPreparedAt(p, now) {
			b.Fatal("a newer kline's signal was not new")
		}
	}
	if n := sts[0].Len(); n != DefaultMaxPerSymbol {
		b.Fatalf("a full store holds %d entries, want %d", n, DefaultMaxPerSymbol)
	}
}
