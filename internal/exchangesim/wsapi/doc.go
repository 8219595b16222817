// Package wsapi is the simulator's WebSocket API at /ws-api/v3, the part a
// bot needs since Binance retired REST listen keys: ping, time,
// userDataStream.subscribe.signature, userDataStream.unsubscribe and
// session.subscriptions, with Binance's request and response JSON, request
// weight charged to the client IP, and user-data events (executionReport,
// outboundAccountPosition) pushed as {"subscriptionId":n,"event":{...}} to the
// subscriptions of the account they concern.
//
// Signed requests take timestamp in milliseconds or microseconds and
// recvWindow in milliseconds with up to three decimals, checked by
// auth.CheckTimestamp as on REST. Requests may be up to MaxMessageSize
// (64 KiB) long; a longer one, up to 1 MiB, is answered with a 400 -1101 error
// carrying its id when the first 64 KiB hold it (null otherwise) and the
// connection stays open; anything longer closes it with status 1009.
//
// Connections follow the same rules as the market streams (pings, pong
// timeout, 24 h lifetime, connection attempts per IP) through the shared
// wsconn package. PublishEvents never blocks: a session that cannot keep up
// is disconnected. SetStalled is the stall fault: sessions stay open and keep
// answering, while the user-data events of that time are dropped.
package wsapi
