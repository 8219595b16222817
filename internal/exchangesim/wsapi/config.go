package wsapi

import (
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
)

// KeyLookup finds an API key and the account it belongs to.
type KeyLookup func(apiKey string) (key auth.Key, accountID string, ok bool)

// Binance's WebSocket API rules, used for zero Config fields.
const (
	DefaultPingInterval      = 20 * time.Second
	DefaultPongTimeout       = time.Minute
	DefaultMaxLifetime       = 24 * time.Hour
	DefaultMaxConnAttempts   = 300
	DefaultConnAttemptWindow = 5 * time.Minute
	DefaultSendBuffer        = 1024
)

// Config configures the server. A nil Keys refuses every key; zero durations and counts
// take Binance's values. Limits may be nil, which disables request weight.
type Config struct {
	Keys   KeyLookup
	Now    func() time.Time
	Limits *limits.Limiter // request weight per client IP, shared with REST

	PingInterval, PongTimeout time.Duration

	// Optional connection rules; zero takes Binance's values.
	MaxLifetime       time.Duration // serverShutdown event, then close
	MaxConnAttempts   int           // per ConnAttemptWindow per IP; beyond: HTTP 429
	ConnAttemptWindow time.Duration
	SendBuffer        int // per-connection outgoing queue; overflow disconnects
}

func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Keys == nil {
		c.Keys = func(string) (auth.Key, string, bool) { return auth.Key{}, "", false }
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = DefaultPongTimeout
	}
	if c.MaxLifetime <= 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	if c.MaxConnAttempts <= 0 {
		c.MaxConnAttempts = DefaultMaxConnAttempts
	}
	if c.ConnAttemptWindow <= 0 {
		c.ConnAttemptWindow = DefaultConnAttemptWindow
	}
	if c.SendBuffer <= 0 {
		c.SendBuffer = DefaultSendBuffer
	}
	return c
}
