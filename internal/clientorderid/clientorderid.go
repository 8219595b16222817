package clientorderid

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// An id is Prefix, a bot tag of botTagLen characters, a dot, and an order
// hash of orderHashLen characters:
//
//	tb1 ag6kp4eb . ncfkjm2kah4c08fh9v40bj3f (without the spaces)
//
// both in lowercase base32 ("0-9a-v", RFC 4648's extended hex alphabet).
// The bot tag is the first 40 bits of SHA-256 over the bot's UID; the order
// hash is the first 120 bits of SHA-256 over every field of the Key. 120
// bits make a collision between two orders of one bot negligible (about
// 2^-60 after 2^30 orders); 40 bits keep two bots of one account apart
// with a chance of about n²/2^41 for n bots (under 10^-6 for a thousand).
const (
	// Prefix starts every id: "tb" for tradebot and the scheme's version.
	// Changing anything in how ids are derived needs a new version.
	Prefix       = "tb1"
	botTagLen    = 8
	orderHashLen = 24
	separator    = '.'
	// Len is the length of every id.
	Len = len(Prefix) + botTagLen + 1 + orderHashLen
	// MaxLen is the longest newClientOrderId Binance accepts.
	MaxLen = 36
)

// encoding is base32 with the extended hex alphabet in lowercase, without
// padding: every character is in Binance's allowed set.
var encoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// domain separates these hashes from any other use of SHA-256 on the same
// bytes.
const domain = "tradebot-operator client order id v1\x00"

// Key is everything that makes an order distinct.
type Key struct {
	// BotUID is the TradingBot object's metadata.uid: unique per bot and
	// stable across restarts (a bot deleted and created again under the
	// same name is a new bot with a new UID).
	BotUID string
	// Symbol is the exchange symbol, e.g. BTCUSDT.
	Symbol string
	// SignalTime is the open time of the kline whose close produced the
	// signal; it is hashed to the millisecond, as Binance reports klines.
	SignalTime time.Time
	// Side is BUY or SELL.
	Side string
	// Purpose tells apart orders made for the same signal on purpose: empty
	// for the signal's own order; another short label (e.g. "stop" or
	// "exit") for a second order. At most 32 characters.
	Purpose string
	// Attempt counts replacements: 0 for the first order, n for the n-th
	// order that replaces it (a cancel-replace with a new price). A retry
	// of a request whose outcome is unknown is NOT a new attempt: it must
	// reuse the id, which is the whole point.
	Attempt int
}

const maxPurposeLen = 32

func (k Key) validate() error {
	var errs []error
	if k.BotUID == "" {
		errs = append(errs, errors.New("bot UID is required"))
	}
	if k.Symbol == "" {
		errs = append(errs, errors.New("symbol is required"))
	}
	if k.SignalTime.IsZero() {
		errs = append(errs, errors.New("signal time is required"))
	}
	if k.Side != "BUY" && k.Side != "SELL" {
		errs = append(errs, fmt.Errorf("side must be BUY or SELL, not %q", k.Side))
	}
	if len(k.Purpose) > maxPurposeLen {
		errs = append(errs, fmt.Errorf("purpose %q is longer than %d", k.Purpose, maxPurposeLen))
	}
	if k.Attempt < 0 {
		errs = append(errs, fmt.Errorf("attempt %d is negative", k.Attempt))
	}
	return errors.Join(errs...)
}

// New returns the id of the order k describes. The same key always gives
// the same id, in any process; keys that differ in any field give
// different ids (short of a SHA-256 collision in 120 bits).
func New(k Key) (string, error) {
	if err := k.validate(); err != nil {
		return "", fmt.Errorf("client order id: %w", err)
	}
	var b strings.Builder
	b.Grow(Len)
	b.WriteString(Prefix)
	b.WriteString(BotTag(k.BotUID))
	b.WriteByte(separator)
	sum := sha256.Sum256(canonical(k))
	b.WriteString(encoding.EncodeToString(sum[:orderHashLen*5/8]))
	return b.String(), nil
}

// canonical encodes k without ambiguity: every string is preceded by its
// length, numbers have fixed widths.
func canonical(k Key) []byte {
	buf := make([]byte, 0, len(domain)+len(k.BotUID)+len(k.Symbol)+len(k.Side)+len(k.Purpose)+48)
	buf = append(buf, domain...)
	for _, s := range []string{k.BotUID, k.Symbol, k.Side, k.Purpose} {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.BigEndian.AppendUint64(buf, uint64(k.SignalTime.UnixMilli()))
	buf = binary.BigEndian.AppendUint64(buf, uint64(k.Attempt))
	return buf
}

// BotTag is the part of every id of the bot with this UID that names the
// bot: 8 characters.
func BotTag(botUID string) string {
	sum := sha256.Sum256([]byte("tradebot-operator bot tag v1\x00" + botUID))
	return encoding.EncodeToString(sum[:botTagLen*5/8])
}

// IsOurs reports whether id has the shape of an id made by New (any bot,
// this scheme's version): an order someone else placed on the account, by
// hand or with another tool, is not ours.
func IsOurs(id string) bool {
	if len(id) != Len || !strings.HasPrefix(id, Prefix) || id[len(Prefix)+botTagLen] != separator {
		return false
	}
	for i := len(Prefix); i < len(id); i++ {
		c := id[i]
		if i == len(Prefix)+botTagLen {
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'v') {
			return false
		}
	}
	return true
}

// BelongsTo reports whether id was made by New for the bot with this UID,
// e.g. to find the bot's orders among an account's open orders after a
// restart.
func BelongsTo(id, botUID string) bool {
	return IsOurs(id) && id[len(Prefix):len(Prefix)+botTagLen] == BotTag(botUID)
}

// Verify reports whether id is exactly the id of k.
func Verify(id string, k Key) bool {
	want, err := New(k)
	return err == nil && id == want
}
