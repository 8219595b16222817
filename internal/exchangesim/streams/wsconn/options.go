package wsconn

import (
	"sync/atomic"
	"time"
)

// Defaults for the Options fields that are not Binance policy.
const (
	DefaultSendBuffer = 4096
	DefaultReadLimit  = 1 << 16
	// DefaultDiscardLimit is 16 times DefaultReadLimit.
	DefaultDiscardLimit = 1 << 20
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
	ReadLimit  int64 // largest incoming message handed to the handler, in bytes

	// TooLarge, if set, is called instead of the handler for a message longer
	// than ReadLimit, with the message's first ReadLimit bytes; the rest is
	// read and thrown away and the connection stays open. Messages longer
	// than DiscardLimit still close the connection (status 1009), since
	// reading them costs the server their whole length. Without TooLarge any
	// message longer than ReadLimit closes the connection with 1009.
	TooLarge     func(head []byte)
	DiscardLimit int64 // with TooLarge: longest message read and refused

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
	if o.DiscardLimit <= 0 {
		o.DiscardLimit = max(DefaultDiscardLimit, o.ReadLimit)
	}
	o.DiscardLimit = max(o.DiscardLimit, o.ReadLimit)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = o.PingInterval
	}
	return o
}
