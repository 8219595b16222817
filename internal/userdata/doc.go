// Package userdata follows one exchange account's orders, fills and
// balances through the WebSocket API's user-data stream
// (userDataStream.subscribe.signature), the only push channel Binance keeps
// for account events.
//
// A Client owns one connection at a time: it dials, subscribes with a
// signed request, hands every executionReport and outboundAccountPosition
// to its caller as typed events with exact decimals, and when the
// connection fails it dials again with backoff. Each successful
// subscription is announced (OnSubscribed) because events of the time
// between two connections are lost for good: the caller reconciles over
// REST (open orders, trades since the last one seen) after every one.
//
// A malformed message is counted and skipped, never fatal.
package userdata
