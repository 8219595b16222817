// Package recdrill holds the recording kill drill: the operator binary
// records every trade of the simulator's symbols (at least 10 000 points a
// second) into a real influxd through its write-ahead spool, and is killed
// with SIGKILL and restarted several times. The exchange's trade ids are
// consecutive per symbol, so the points in InfluxDB show exactly what was
// lost (a gap in the ids) and what was stored twice (an id under two
// timestamps); a gap is allowed only around a kill, and only for what the
// operator had received but not yet committed to its spool.
package recdrill
