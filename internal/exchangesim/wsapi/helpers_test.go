package wsapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/internal/wstest"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// waitLimit only guards against a hung test; no assertion depends on it.
const waitLimit = wstest.WaitLimit

// Binance's documented example key, reused for the HMAC account.
const (
	hmacAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	hmacSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	edAPIKey   = "ed25519KeyForTheSecondAccountOfTheWebSocketApiTests0123456789AB"
)

// newFakeClock is a manual clock at this package's test start time.
func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)) }

// testKeys holds an HMAC key for account "alice" and an Ed25519 key for
// account "bob".
type testKeys struct {
	hmac    auth.Key
	ed      auth.Key
	edPriv  ed25519.PrivateKey
	edPEM   string // PKCS#8 private key, as go-binance wants it
	byKeyID map[string]struct {
		key     auth.Key
		account string
	}
}

func newTestKeys(t testing.TB) *testKeys {
	t.Helper()
	h, err := auth.NewHMACKey(hmacAPIKey, hmacSecret)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	ed, err := auth.NewEd25519Key(edAPIKey, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})))
	if err != nil {
		t.Fatal(err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	k := &testKeys{hmac: h, ed: ed, edPriv: priv,
		edPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))}
	k.byKeyID = map[string]struct {
		key     auth.Key
		account string
	}{hmacAPIKey: {h, "alice"}, edAPIKey: {ed, "bob"}}
	return k
}

func (k *testKeys) lookup(apiKey string) (auth.Key, string, bool) {
	e, ok := k.byKeyID[apiKey]
	return e.key, e.account, ok
}

// testEnv is a Server behind a real HTTP server.
type testEnv struct {
	srv  *Server
	http *httptest.Server
	keys *testKeys
}

func newEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	keys := newTestKeys(t)
	if cfg.Keys == nil {
		cfg.Keys = keys.lookup
	}
	srv := New(cfg)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return &testEnv{srv: srv, http: hs, keys: keys}
}

func (e *testEnv) url(query string) string {
	return "ws" + strings.TrimPrefix(e.http.URL, "http") + "/ws-api/v3" + query
}

func (e *testEnv) dialOpts(t *testing.T, query string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, _, err := websocket.Dial(ctx, e.url(query), opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func (e *testEnv) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	return e.dialOpts(t, "", nil)
}

func (e *testEnv) dialRefused(t *testing.T) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.url(""), nil)
	if err == nil {
		_ = c.CloseNow()
		t.Fatal("dial succeeded, want a refusal")
	}
	if resp == nil {
		t.Fatalf("no HTTP response: %v", err)
	}
	return resp
}

func call(t *testing.T, c *websocket.Conn, msg string) string {
	t.Helper()
	wstest.Send(t, c, msg)
	return readMsg(t, c)
}

// subscribeRequest builds a signed userDataStream.subscribe.signature
// request the way Binance documents it: params sorted by name.
func subscribeRequest(t *testing.T, id string, key auth.Key, sign func(payload string) string, timestamp int64) string {
	t.Helper()
	payload := "apiKey=" + key.APIKey + "&timestamp=" + jsonInt(timestamp)
	body, _ := json.Marshal(map[string]any{
		"id": id, "method": "userDataStream.subscribe.signature",
		"params": map[string]any{"apiKey": key.APIKey, "timestamp": timestamp, "signature": sign(payload)},
	})
	return string(body)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func testEngine(t testing.TB, now func() time.Time) *matching.Engine {
	t.Helper()
	d := decimal.RequireFromString
	e, err := matching.New(matching.Config{
		Now: now,
		Symbols: []matching.SymbolSpec{{
			Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
			TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
			StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
			MinNotional: d("5"),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetPrice("BTCUSDT", d("65000")); err != nil {
		t.Fatal(err)
	}
	e.UpsertAccount("alice", map[string]decimal.Decimal{"USDT": d("100000")})
	e.UpsertAccount("bob", map[string]decimal.Decimal{"USDT": d("50000"), "BTC": d("1")})
	return e
}

func edSign(k *testKeys, payload string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(k.edPriv, []byte(payload)))
}

func readMsg(t *testing.T, c *websocket.Conn) string { t.Helper(); return wstest.Read(t, c) }
func readUntilError(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	return wstest.ReadUntilError(t, c)
}
