// Package botgroup assembles what one TradingBot or SymbolWatch runs inside
// the operator: the tasks of its goroutine group — exchange health (its
// view of the one health probe its endpoint shares among all resources: the
// task makes the group a user of the probe while it runs and publishes the
// resource's own view of each round), market data (through the shared stream
// hub, recorded to InfluxDB) and the recording of its own health; signals and
// trading join them later — and the live state those tasks publish. The
// controller reads that state as an immutable Snapshot and never waits on
// the tasks.
package botgroup
