// Package ordersize turns a trading signal into an order the exchange will
// accept, or into a typed reason not to send one.
//
// It owns two things: the symbol filters read from Binance's exchangeInfo
// (Filters, ParseSymbol, ParseExchangeInfo), and the sizing rules
// (Filters.Size), which spend at most spec.risk.maxOrderQuote, the room left
// under maxPositionQuote and the free balance on a BUY, sell the position
// held on a SELL, round onto the symbol's steps and tick without ever
// exceeding a budget, and check every filter before anything is sent
// (Filters.Check). An order that cannot meet the filters comes back as a
// *Skip with a Reason to count and a message naming the numbers.
//
// The package is pure: exact decimals (never float64), no I/O, no package
// state, safe for concurrent use. Fetching exchangeInfo, balances and
// prices, and sending the order, belong to the caller.
package ordersize
