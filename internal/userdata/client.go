package userdata

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"

	"github.com/tradebot-operator/tradebot-operator/internal/backoff"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// Defaults for Options fields left zero.
const (
	DefaultRecvWindow  = 5 * time.Second
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second
	// subscribeTimeout bounds the dial plus the subscription's answer.
	subscribeTimeout = 15 * time.Second
	// readLimit is the largest message read; user-data events are small.
	readLimit = 1 << 20
)

// Options configure a Client.
type Options struct {
	// URL is the WebSocket API's address, such as ws://host:port/ws-api/v3.
	URL string
	// Credentials sign the subscription. They never reach a log.
	Credentials exchange.Credentials
	// ServerNow is the exchange's clock as the caller knows it (local time
	// corrected by the measured offset), for the request's timestamp. Nil:
	// time.Now.
	ServerNow  func() time.Time
	RecvWindow time.Duration
	// OnEvent receives every event, on the client's goroutine. It must not
	// block.
	OnEvent func(Event)
	// OnSubscribed is called after each successful subscription, first and
	// after every reconnection, on the client's goroutine: events of the
	// time before it may have been missed. It must not block.
	OnSubscribed func()
	// BackoffBase and BackoffMax bound the wait between connection
	// attempts (full jitter).
	BackoffBase, BackoffMax time.Duration
	Logger                  logr.Logger
}

// Stats are a Client's counters since it was made.
type Stats struct {
	// Subscriptions counts successful subscriptions (the first included).
	Subscriptions int64
	// Failures counts connections that failed or ended.
	Failures int64
	Events   int64
	// Malformed counts messages that could not be read as an event.
	Malformed int64
	// Connected is true while a subscription is active.
	Connected bool
	// LastError is the latest connection failure.
	LastError string
}

// Client follows one account's user-data stream.
type Client struct {
	opts   Options
	jitter *backoff.Jitter

	subscriptions, failures, events, malformed atomic.Int64
	connected                                  atomic.Bool
	lastError                                  atomic.Pointer[string]
}

// New checks o and returns a Client; nothing runs until Run.
func New(o Options) (*Client, error) {
	if o.URL == "" {
		return nil, errors.New("userdata: URL is required")
	}
	if o.Credentials.APIKey == "" || o.Credentials.Secret == "" {
		return nil, errors.New("userdata: credentials are required")
	}
	if _, err := signer(o.Credentials); err != nil {
		return nil, err
	}
	if o.ServerNow == nil {
		o.ServerNow = time.Now
	}
	if o.RecvWindow <= 0 {
		o.RecvWindow = DefaultRecvWindow
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.OnEvent == nil {
		o.OnEvent = func(Event) {}
	}
	if o.OnSubscribed == nil {
		o.OnSubscribed = func() {}
	}
	return &Client{opts: o, jitter: backoff.NewJitter(uint64(time.Now().UnixNano()))}, nil
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	s := Stats{
		Subscriptions: c.subscriptions.Load(),
		Failures:      c.failures.Load(),
		Events:        c.events.Load(),
		Malformed:     c.malformed.Load(),
		Connected:     c.connected.Load(),
	}
	if e := c.lastError.Load(); e != nil {
		s.LastError = *e
	}
	return s
}

// Run follows the stream until ctx ends, dialling again after every
// failure. It returns nil when ctx ends.
func (c *Client) Run(ctx context.Context) error {
	failures := 0
	for {
		subscribed, err := c.session(ctx)
		c.connected.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			c.failures.Add(1)
			msg := redact.URLsIn(err.Error()) // a dial error quotes the URL
			c.lastError.Store(&msg)
			c.opts.Logger.V(1).Info("user-data stream failed", "error", msg)
		}
		if subscribed {
			failures = 0 // it worked for a while: start the backoff over
		}
		failures++
		t := time.NewTimer(backoff.Delay(failures, c.opts.BackoffBase, c.opts.BackoffMax, c.jitter.Int64N))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// session dials, subscribes and reads events until the connection fails.
func (c *Client) session(ctx context.Context) (subscribed bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, subscribeTimeout)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, c.opts.URL, nil)
	if err != nil {
		return false, fmt.Errorf("dialling the WebSocket API: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(readLimit)

	req, err := c.subscribeRequest()
	if err != nil {
		return false, err
	}
	if err := conn.Write(dctx, websocket.MessageText, req); err != nil {
		return false, fmt.Errorf("subscribing: %w", err)
	}
	// The answer to the subscription comes first; events only after it.
	for {
		_, msg, err := conn.Read(dctx)
		if err != nil {
			return false, fmt.Errorf("waiting for the subscription: %w", err)
		}
		done, err := subscribeAnswer(msg)
		if err != nil {
			return false, err
		}
		if done {
			break
		}
	}
	c.subscriptions.Add(1)
	c.connected.Store(true)
	c.opts.OnSubscribed()
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			return true, fmt.Errorf("reading events: %w", err)
		}
		ev, ok := parseMessage(msg)
		if !ok {
			c.malformed.Add(1)
			continue
		}
		if ev.Kind == KindNone {
			continue // an answer or an event kind not followed here
		}
		c.events.Add(1)
		c.opts.OnEvent(ev)
	}
}

// subscribeID is the request id of the subscription.
const subscribeID = "tradebot-userdata"

func (c *Client) subscribeRequest() ([]byte, error) {
	sign, err := signer(c.opts.Credentials)
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(c.opts.ServerNow().UnixMilli(), 10)
	rw := strconv.FormatInt(c.opts.RecvWindow.Milliseconds(), 10)
	// Parameters signed in name order, as name=value joined by &.
	payload := "apiKey=" + c.opts.Credentials.APIKey + "&recvWindow=" + rw + "&timestamp=" + ts
	return json.Marshal(map[string]any{
		"id":     subscribeID,
		"method": "userDataStream.subscribe.signature",
		"params": map[string]any{
			"apiKey":     c.opts.Credentials.APIKey,
			"recvWindow": json.Number(rw),
			"timestamp":  json.Number(ts),
			"signature":  sign(payload),
		},
	})
}

// subscribeAnswer reads a message that may be the subscription's answer:
// done is true once it was, err when it refused.
func subscribeAnswer(msg []byte) (done bool, err error) {
	var r struct {
		ID     *string `json:"id"`
		Status int     `json:"status"`
		Error  *struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
	}
	if json.Unmarshal(msg, &r) != nil || r.ID == nil || *r.ID != subscribeID {
		return false, nil
	}
	if r.Status != 200 || r.Error != nil {
		if r.Error != nil {
			return false, fmt.Errorf("subscription refused: %d %s (code %d)", r.Status, r.Error.Msg, r.Error.Code)
		}
		return false, fmt.Errorf("subscription refused: status %d", r.Status)
	}
	return true, nil
}

// signer returns the function that signs a payload with c: HMAC-SHA256 in
// hex, or Ed25519 in base64.
func signer(c exchange.Credentials) (func(string) string, error) {
	switch c.Type {
	case exchange.KeyHMAC, "":
		secret := []byte(c.Secret)
		return func(payload string) string {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(payload))
			return hex.EncodeToString(m.Sum(nil))
		}, nil
	case exchange.KeyEd25519:
		block, _ := pem.Decode([]byte(c.Secret))
		if block == nil {
			return nil, errors.New("userdata: the Ed25519 key is not PEM")
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("userdata: the Ed25519 key is not PKCS#8")
		}
		priv, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, errors.New("userdata: the PKCS#8 key is not Ed25519")
		}
		return func(payload string) string {
			return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(payload)))
		}, nil
	default:
		return nil, fmt.Errorf("userdata: unknown key type %q", c.Type)
	}
}
