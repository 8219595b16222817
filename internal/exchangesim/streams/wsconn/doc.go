// Package wsconn owns the server side of one WebSocket connection as Binance
// runs it, for the simulator's market streams and WebSocket API alike: a
// bounded outgoing queue drained by one writer goroutine that batches frames
// into few socket writes, a ping every PingInterval with a disconnect when no
// pong arrives within PongTimeout, a maximum lifetime ended by a farewell
// message, a cap on incoming messages per second (data, ping and pong frames
// all count), a per-IP limit on connection attempts, and a limit on the
// length of incoming messages: past it the connection closes with 1009, or,
// with Options.TooLarge, the message is read to its end and handed over
// truncated so the server can answer it and keep the connection.
//
// A Group holds the connections of one server: it serves each upgrade, drops
// them all on demand (a fault) and, on Close, refuses new upgrades with 503
// and waits for the connections it serves. Refuse answers an upgrade that is
// turned away with Binance's JSON error body and Retry-After.
//
// A Conn never blocks the code that sends to it: a client that cannot keep up
// overflows its queue and is disconnected, as Binance does with slow clients.
// Each Conn's goroutines are owned by Serve, which returns only after they
// have stopped.
package wsconn
