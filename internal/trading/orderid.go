package trading

import (
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/clientorderid"
)

// OrderID is the client order id of the order a signal gives: derived from
// the bot, the symbol, the signal's kline and its side (see
// clientorderid), so that it is fixed before the first attempt and the same
// after a restart.
func OrderID(botUID, symbol string, klineOpen time.Time, side string) string {
	id, err := clientorderid.New(clientorderid.Key{BotUID: botUID, Symbol: symbol, SignalTime: klineOpen, Side: side})
	if err != nil {
		// Only an empty bot UID or symbol, or an unknown side, can fail;
		// the executor checks all three before it gets here.
		panic("trading: " + err.Error())
	}
	return id
}

// isOwnOrder reports whether id is an order of the bot with this UID.
func isOwnOrder(id, botUID string) bool { return clientorderid.BelongsTo(id, botUID) }
