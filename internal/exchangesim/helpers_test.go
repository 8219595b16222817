package exchangesim

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/adshao/go-binance/v2/common"
)

// testStart is the start of every test market: the start of a minute, so a
// test has a whole minute of real time before the weight window resets.
var testStart = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// testClock runs from testStart at the speed of real time (so go-binance's
// timestamps, taken from the real clock, stay in step with it) or stands
// still when frozen; Advance jumps it forward.
type testClock struct {
	mu        sync.Mutex
	realStart time.Time
	extra     time.Duration
	frozen    bool
}

func newRunningClock() *testClock { return &testClock{realStart: time.Now()} }
func newFrozenClock() *testClock  { return &testClock{frozen: true} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := testStart.Add(c.extra)
	if !c.frozen {
		now = now.Add(time.Since(c.realStart))
	}
	return now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.extra += d
}

// env is a simulator behind a loopback HTTP server.
type env struct {
	t     testing.TB
	sim   *Simulator
	srv   *httptest.Server
	clock *testClock
	http  *http.Client
}

// smallConfig is a fast configuration: one hour of history.
func smallConfig(clock *testClock) Config {
	cfg := DefaultConfig()
	cfg.History = time.Hour
	cfg.Now = clock.Now
	return cfg
}

func newEnv(t testing.TB, mutate func(*Config)) *env {
	t.Helper()
	clock := newRunningClock()
	cfg := smallConfig(clock)
	if mutate != nil {
		mutate(&cfg)
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	e := &env{t: t, sim: sim, srv: srv, clock: clock, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		sim.Close()
	})
	return e
}

// client is a go-binance client for the account, in step with the clock.
func (e *env) client(apiKey, secret, keyType string) *binance.Client {
	c := binance.NewClient(apiKey, secret)
	c.BaseURL = e.srv.URL
	c.HTTPClient = e.http
	if keyType != "" {
		c.KeyType = keyType
	}
	e.sync(c)
	return c
}

func (e *env) demo() *binance.Client { return e.client(DemoAPIKey, DemoSecretKey, "") }

// sync sets the client's time offset so its timestamps match the clock.
func (e *env) sync(c *binance.Client) {
	c.TimeOffset = time.Now().UnixMilli() - e.clock.Now().UnixMilli()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// apiError decodes a Binance error body.
func (r response) apiError(t testing.TB) (code int, msg string) {
	t.Helper()
	var e struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e.Code, e.Msg
}

// do sends a raw request.
func (e *env) do(method, path, rawQuery, body string, header http.Header) response {
	e.t.Helper()
	u := e.srv.URL + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// signedQuery adds timestamp and an HMAC signature over query+body, as
// go-binance does.
func (e *env) signedQuery(query, body, secret string) string {
	if query != "" {
		query += "&"
	}
	query += "timestamp=" + strconv.FormatInt(e.clock.Now().UnixMilli(), 10)
	return query + "&signature=" + hmacHex(secret, query+body)
}

func hmacHex(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// signed sends a request signed with the demo key.
func (e *env) signed(method, path, query, body string) response {
	e.t.Helper()
	return e.do(method, path, e.signedQuery(query, body, DemoSecretKey), body,
		http.Header{"X-Mbx-Apikey": {DemoAPIKey}})
}

// admin sends an admin request with a JSON body.
func (e *env) admin(method, path string, body any) response {
	e.t.Helper()
	var s string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		s = string(b)
	}
	return e.do(method, path, "", s, nil)
}

// mustAdmin sends an admin request that must succeed.
func (e *env) mustAdmin(method, path string, body any) response {
	e.t.Helper()
	r := e.admin(method, path, body)
	if r.status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d: %s", method, path, r.status, r.body)
	}
	return r
}

// binanceCode is the code of a go-binance API error, or 0.
func binanceCode(err error) int64 {
	var apiErr *common.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
}

func decodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// ed25519PEMs returns a new key pair: the public key as PKIX PEM (for the
// admin API) and the private key as PKCS#8 PEM (for go-binance).
func ed25519PEMs(t testing.TB) (publicPEM, privatePEM string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))
}
