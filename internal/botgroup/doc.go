// Package botgroup assembles what one TradingBot or SymbolWatch runs inside
// the operator: the tasks of its goroutine group — exchange health (its
// view of the one health probe its endpoint shares among all resources: the
// task makes the group a user of the probe while it runs and publishes the
// resource's own view of each round), market data (through the shared stream
// hub, recorded to InfluxDB) and the recording of its own health; signals and
// trading join them later — and the live state those tasks publish. The
// controller reads that state as an immutable Snapshot and never waits on
// the tasks.
//
// Its Assembler builds a group from a Request (what the controller derived
// from a resource's spec) and keeps what a resource carries from one
// generation of its group to the next: its signal state and its recording
// writer. The controller runs the group through the supervisor.
package botgroup
