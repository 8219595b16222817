// Package influxtest starts throwaway InfluxDB OSS 1.8 servers for tests:
// influxd (built once from the Go module proxy by hack/tools.sh, or named
// by $INFLUXD) on loopback, with its own config and data directory, and the
// databases a test asks for. A test can Kill it (SIGKILL, like a crash) and
// Restart it on the same data and URL, and read back what was written with
// InfluxQL. Each server is stopped by PID when its test ends.
package influxtest
