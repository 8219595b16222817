package trading

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
	"time"
)

// ownPrefix starts the client order id of every order the operator sends.
const ownPrefix = "tb-"

// idEncoding spells the id's hash in characters Binance accepts.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// OrderID is the client order id of the order a signal gives: derived from
// the bot, the symbol, the signal's kline and its side, so that it is fixed
// before the first attempt and the same after a restart. 35 characters of
// Binance's alphabet.
func OrderID(botUID, symbol string, klineOpen time.Time, side string) string {
	h := sha256.Sum256([]byte(botUID + "\x00" + symbol + "\x00" + strconv.FormatInt(klineOpen.UnixMilli(), 10) + "\x00" + side))
	return ownPrefix + strings.ToLower(idEncoding.EncodeToString(h[:20]))
}

// IsOwnOrderID reports whether id looks like one OrderID makes.
func IsOwnOrderID(id string) bool {
	return strings.HasPrefix(id, ownPrefix) && len(id) == len(ownPrefix)+32
}
