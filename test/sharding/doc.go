// Package sharding is the sharding drill: several real operator processes
// started with --sharding split Paper TradingBots between them through
// their Leases on a real kube-apiserver; one is killed with SIGKILL, its
// bots must run again on the others, and when it comes back some move back
// to it.
//
// It is judged from outside: every bot's status.replica over time, each
// replica's own log of the bots it claimed and released (two replicas must
// never hold one bot at once), and the simulator's records (no client
// order id twice, which two replicas running one bot would give).
//
// It runs in `make test` with 3 replicas and 60 bots. With SCALE_BENCH=1 it
// runs 300 bots and prints scale.failover_s and scale.max_concurrent_owners
// for `make bench-scale`.
package sharding
