// Package streams is the simulator's market-data WebSocket server, Binance's
// market stream service in miniature: raw streams at /ws/<stream>[/...],
// combined streams at /stream?streams=<a>/<b>, live SUBSCRIBE, UNSUBSCRIBE,
// LIST_SUBSCRIPTIONS, SET_PROPERTY and GET_PROPERTY control messages (a
// message that is not JSON, names an unknown method or is otherwise invalid
// gets Binance's {"error":{"code":..,"msg":..},"id":..} reply, codes 0-3, and
// the connection stays open), Binance's
// connection rules (pings, pong timeout, 24 h lifetime with serverShutdown,
// 5 incoming messages a second, 1024 streams a connection, 300 connection
// attempts per 5 minutes per IP), fan-out of events to subscribers, and the
// JSON encoding of trade, aggTrade, kline, ticker, miniTicker and bookTicker
// events from the market package's types.
//
// Publishing never blocks: every event is encoded once, wrapped once for
// combined streams, and queued on each subscriber's bounded queue; a
// subscriber that cannot keep up is disconnected. Connection plumbing lives in
// the wsconn subpackage, which the WebSocket API server shares.
package streams
