// Package wsapi is the simulator's WebSocket API at /ws-api/v3, the part a
// bot needs since Binance retired REST listen keys: ping, time,
// userDataStream.subscribe.signature, userDataStream.unsubscribe and
// session.subscriptions, with Binance's request and response JSON, request
// weight charged to the client IP, and user-data events (executionReport,
// outboundAccountPosition) pushed as {"subscriptionId":n,"event":{...}} to the
// subscriptions of the account they concern.
//
// Connections follow the same rules as the market streams (pings, pong
// timeout, 24 h lifetime, connection attempts per IP) through the shared
// wsconn package. PublishEvents never blocks: a session that cannot keep up
// is disconnected. SetStalled is the stall fault: sessions stay open and keep
// answering, while the user-data events of that time are dropped.
package wsapi
