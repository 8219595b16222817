package streams

import "time"

// Binance's published connection rules, used for zero Config fields.
const (
	DefaultPingInterval      = 20 * time.Second
	DefaultPongTimeout       = time.Minute
	DefaultMaxLifetime       = 24 * time.Hour
	DefaultMaxStreamsPerConn = 1024
	DefaultMaxIncomingPerSec = 5
	DefaultMaxConnAttempts   = 300
	DefaultConnAttemptWindow = 5 * time.Minute
	DefaultSendBuffer        = 4096
)

// Config holds the server's rules. Zero fields take Binance's values.
type Config struct {
	PingInterval      time.Duration // server ping every this often
	PongTimeout       time.Duration // close when a ping gets no pong within this
	MaxLifetime       time.Duration // send serverShutdown, then close
	MaxStreamsPerConn int           // SUBSCRIBE beyond it gets an error reply
	MaxIncomingPerSec int           // close the connection above it

	// MaxConnAttempts per ConnAttemptWindow per client IP; beyond it the
	// upgrade is refused with HTTP 429.
	MaxConnAttempts   int
	ConnAttemptWindow time.Duration

	// SendBuffer is each connection's outgoing queue; a connection whose
	// queue overflows is closed, so publishers never wait.
	SendBuffer int

	Now func() time.Time

	// Symbols whose streams may be subscribed, in any letter case (for
	// example the market's symbols). Empty accepts any well-formed symbol.
	Symbols []string
}

func (c Config) withDefaults() Config {
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = DefaultPongTimeout
	}
	if c.MaxLifetime <= 0 {
		c.MaxLifetime = DefaultMaxLifetime
	}
	if c.MaxStreamsPerConn <= 0 {
		c.MaxStreamsPerConn = DefaultMaxStreamsPerConn
	}
	if c.MaxIncomingPerSec <= 0 {
		c.MaxIncomingPerSec = DefaultMaxIncomingPerSec
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
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}
