// Package scalebench is `make bench-scale`'s scale run: the real operator
// binary, one replica, on a local kube-apiserver, with thousands of idle
// TradingBots (2 to 5 symbols each, SMA crossover, signals only) applied at
// once. It prints scale.bots, scale.all_running_s, scale.manager_rss_mib,
// scale.status_writes_per_bot_per_10s and scale.idle_weight_share.
//
// It is a Go benchmark (BenchmarkScale), so `go test` alone never runs it;
// SCALE_BOTS sets the number of bots (default 10 000).
package scalebench
