package wsconn

import (
	"sync/atomic"
	"time"
)

// Defaults for the Options fields that are not Binance policy.
const (
	DefaultSendBuffer = 4096
	DefaultReadLimit  = 1 << 16
)

// Options configure one connection. Zero durations and counts disable the
// corresponding rule, except SendBuffer and ReadLimit, which take defaults.
type Options struct {
	PingInterval time.Duration // how often the server pings
	PongTimeout  time.Duration // how long a ping may wait for its pong
	MaxLifetime  time.Duration // the connection is closed after this long

	// MaxIncomingPerSec closes the connection when the client sends more
	// messages (data, ping and pong frames) than this within one second.
	MaxIncomingPerSec int

	SendBuffer int   // outgoing messages that may wait; one more disconnects
	ReadLimit  int64 // largest incoming message, in bytes

	Now func() time.Time // clock for the incoming-message window and Farewell

	// Farewell, if set, returns the message sent just before the connection
	// is closed at MaxLifetime (Binance's serverShutdown event).
	Farewell func(now time.Time) []byte

	// Sent, if set, is increased by every data message written to the socket.
	Sent *atomic.Int64
}

func (o Options) withDefaults() Options {
	if o.SendBuffer <= 0 {
		o.SendBuffer = DefaultSendBuffer
	}
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = o.PingInterval
	}
	return o
}
