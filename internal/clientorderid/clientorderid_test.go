package clientorderid

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// binancePattern is newClientOrderId's legal range as Binance states it.
var binancePattern = regexp.MustCompile(`^[\.A-Z\:/a-z0-9_-]{1,36}$`)

var signal = time.Date(2026, 7, 1, 12, 5, 0, 0, time.UTC)

func key() Key {
	return Key{BotUID: "6f1c2a4e-1b7d-4e5a-9c3b-2d8f0a1e7b55", Symbol: "BTCUSDT", SignalTime: signal, Side: "BUY"}
}

func mustNew(t testing.TB, k Key) string {
	t.Helper()
	id, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestGolden pins the scheme: these ids are stored on the exchange, and a
// restarted operator must derive the very same ones (the values were
// checked with an independent implementation). If this test fails,
// the derivation changed: bump Prefix's version instead.
func TestGolden(t *testing.T) {
	cases := []struct {
		k    Key
		want string
	}{
		{key(), "tb1ag6kp4eb.ncfkjm2kah4c08fh9v40bj3f"},
	}
	sell := key()
	sell.Side, sell.Attempt, sell.Purpose = "SELL", 2, "exit"
	cases = append(cases, struct {
		k    Key
		want string
	}{sell, "tb1ag6kp4eb.rokmbis8f8mqt8ha7i42hpk3"})
	for _, tc := range cases {
		if got := mustNew(t, tc.k); got != tc.want {
			t.Errorf("New(%+v) = %q, want %q", tc.k, got, tc.want)
		}
	}
}

func TestShapeAndPattern(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		id := mustNew(t, randomKey(rng))
		if len(id) != Len || len(id) > MaxLen || !binancePattern.MatchString(id) {
			t.Fatalf("id %q (%d characters) is not a legal newClientOrderId", id, len(id))
		}
		if !IsOurs(id) {
			t.Fatalf("IsOurs(%q) = false", id)
		}
	}
}

func TestDeterministic(t *testing.T) {
	k := key()
	a := mustNew(t, k)
	// A time in another zone, or with sub-millisecond noise, is the same
	// kline.
	k.SignalTime = signal.In(time.FixedZone("X", 3600)).Add(300 * time.Microsecond)
	if b := mustNew(t, k); a != b {
		t.Fatalf("same key, two ids: %q and %q", a, b)
	}
	if !Verify(a, k) {
		t.Fatal("Verify refuses the key's own id")
	}
}

func TestEveryFieldCounts(t *testing.T) {
	base := mustNew(t, key())
	changes := map[string]func(*Key){
		"bot":          func(k *Key) { k.BotUID += "x" },
		"symbol":       func(k *Key) { k.Symbol = "ETHUSDT" },
		"time":         func(k *Key) { k.SignalTime = k.SignalTime.Add(time.Millisecond) },
		"side":         func(k *Key) { k.Side = "SELL" },
		"purpose":      func(k *Key) { k.Purpose = "stop" },
		"attempt":      func(k *Key) { k.Attempt = 1 },
		"field border": func(k *Key) { k.BotUID, k.Symbol = k.BotUID+"B", "TCUSDT" },
	}
	for name, change := range changes {
		k := key()
		change(&k)
		if id := mustNew(t, k); id == base || Verify(base, k) {
			t.Errorf("changing the %s leaves the id %q", name, id)
		}
	}
}

func TestNoCollisionsOverARandomSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200000
	seen := make(map[string]Key, n)
	for range n {
		k := randomKey(rng)
		id := mustNew(t, k)
		if prev, ok := seen[id]; ok && prev != k {
			t.Fatalf("%+v and %+v share the id %q", prev, k, id)
		}
		seen[id] = k
	}
}

func TestBelongsTo(t *testing.T) {
	k := key()
	id := mustNew(t, k)
	if !BelongsTo(id, k.BotUID) {
		t.Fatal("an id does not belong to its own bot")
	}
	if BelongsTo(id, k.BotUID+"-other") {
		t.Fatal("an id belongs to another bot")
	}
	if !strings.HasPrefix(id, Prefix+BotTag(k.BotUID)+".") {
		t.Fatalf("id %q does not start with the bot's tag", id)
	}
}

func TestIsOursRefusesOtherIds(t *testing.T) {
	id := mustNew(t, key())
	for _, other := range []string{
		"", "x-B3AUXNYV1234567890", "sim-42", "web_abcdef", // other tools
		id[:Len-1], id + "0", // wrong length
		"tb2" + id[3:],                   // another version
		id[:11] + "-" + id[12:],          // no dot
		id[:20] + "w" + id[21:],          // outside the alphabet
		strings.ToUpper(id[:3]) + id[3:], // case matters
	} {
		if IsOurs(other) {
			t.Errorf("IsOurs(%q) = true", other)
		}
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	for name, change := range map[string]func(*Key){
		"no bot":       func(k *Key) { k.BotUID = "" },
		"no symbol":    func(k *Key) { k.Symbol = "" },
		"no time":      func(k *Key) { k.SignalTime = time.Time{} },
		"bad side":     func(k *Key) { k.Side = "buy" },
		"long purpose": func(k *Key) { k.Purpose = strings.Repeat("p", 33) },
		"negative":     func(k *Key) { k.Attempt = -1 },
	} {
		k := key()
		change(&k)
		if id, err := New(k); err == nil {
			t.Errorf("%s: New gave %q, want an error", name, id)
		}
		if Verify("tb1", k) {
			t.Errorf("%s: Verify accepts a bad key", name)
		}
	}
}

func randomKey(rng *rand.Rand) Key {
	symbols := []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}
	purposes := []string{"", "", "", "stop", "exit"}
	return Key{
		BotUID:     fmt.Sprintf("%08x-0000-4000-8000-%012x", rng.Uint32N(64), rng.Uint64N(1<<48)),
		Symbol:     symbols[rng.IntN(len(symbols))],
		SignalTime: signal.Add(time.Duration(rng.IntN(1_000_000)) * time.Minute),
		Side:       []string{"BUY", "SELL"}[rng.IntN(2)],
		Purpose:    purposes[rng.IntN(len(purposes))],
		Attempt:    rng.IntN(3),
	}
}

func ExampleNew() {
	k := Key{
		BotUID:     "6f1c2a4e-1b7d-4e5a-9c3b-2d8f0a1e7b55",
		Symbol:     "BTCUSDT",
		SignalTime: time.Date(2026, 7, 1, 12, 5, 0, 0, time.UTC),
		Side:       "BUY",
	}
	id, _ := New(k)
	fmt.Println(id, len(id), BelongsTo(id, k.BotUID))
	// Output: tb1ag6kp4eb.ncfkjm2kah4c08fh9v40bj3f 36 true
}
