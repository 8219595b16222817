// Package botgroup assembles what one TradingBot or SymbolWatch runs inside the
// operator: the tasks of its goroutine group (today the exchange health task;
// market data, signals, trading and recording join it later) and the live
// state those tasks publish. The controller reads that state as an immutable
// Snapshot and never waits on the tasks.
package botgroup
