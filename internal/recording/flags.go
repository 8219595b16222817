package recording

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// TokenEnv is the environment variable the operator reads the InfluxDB
// token from when no token file is given (the Helm chart fills it from a
// Secret).
const TokenEnv = "INFLUX_TOKEN"

// Flags are the operator's recording settings on its command line.
type Flags struct {
	URL       string
	Org       string
	TokenFile string
	SpoolDir  string
	MaxPoints int
	MaxBytes  int64

	SpoolBytes          int64
	SpoolCommitInterval time.Duration
	SpoolCommitBytes    int
}

// Bind registers the flags on fs.
func (f *Flags) Bind(fs *flag.FlagSet) {
	fs.StringVar(&f.URL, "influx-url", "", "InfluxDB base URL for recording, e.g. http://influxdb:8086 (empty: recording counts points as dropped)")
	fs.StringVar(&f.Org, "influx-org", "", "InfluxDB 2.x organization (1.x ignores it)")
	fs.StringVar(&f.TokenFile, "influx-token-file", "", "file holding the InfluxDB token, e.g. a mounted Secret (default: $"+TokenEnv+")")
	fs.StringVar(&f.SpoolDir, "recording-spool-dir", "", "write-ahead spool directory: points are committed there (fsync) before they count as accepted, and replayed at the next start, after a crash too (empty: points are kept in memory only)")
	fs.Int64Var(&f.SpoolBytes, "recording-spool-bytes", DefaultSpoolBytes, "bytes the spool directory may hold; when full, its oldest segments are deleted and their points counted as dropped (reason spool_full)")
	fs.DurationVar(&f.SpoolCommitInterval, "recording-spool-commit-interval", DefaultSpoolCommitInterval, "longest a point waits for its group commit to the spool (one write and fsync); a crash loses at most this much")
	fs.IntVar(&f.SpoolCommitBytes, "recording-spool-commit-bytes", DefaultSpoolCommitBytes, "commit to the spool at once when this many bytes wait (at most a quarter of --recording-spool-bytes)")
	fs.IntVar(&f.MaxPoints, "recording-buffer-points", 1_000_000, "points all resources together may buffer for InfluxDB")
	fs.Int64Var(&f.MaxBytes, "recording-buffer-bytes", 256<<20, "bytes all resources together may buffer for InfluxDB")
}

// SinkOptions returns the Sink options the flags describe, with the token
// read from the token file or, without one, from getenv(TokenEnv).
func (f *Flags) SinkOptions(getenv func(string) string) (SinkOptions, error) {
	o := SinkOptions{
		URL:       f.URL,
		Org:       f.Org,
		SpoolDir:  f.SpoolDir,
		MaxPoints: f.MaxPoints,
		MaxBytes:  f.MaxBytes,

		SpoolBytes:          f.SpoolBytes,
		SpoolCommitInterval: f.SpoolCommitInterval,
		SpoolCommitBytes:    f.SpoolCommitBytes,
	}
	if f.MaxPoints < 1 || f.MaxBytes < 1 {
		return o, fmt.Errorf("--recording-buffer-points and --recording-buffer-bytes must be positive")
	}
	if f.SpoolDir != "" {
		switch {
		case f.SpoolBytes < MinSpoolBytes:
			return o, fmt.Errorf("--recording-spool-bytes must be at least %d (1 MiB)", MinSpoolBytes)
		case f.SpoolCommitInterval <= 0 || f.SpoolCommitInterval > time.Minute:
			return o, fmt.Errorf("--recording-spool-commit-interval must be above 0 and at most 1m, got %s", f.SpoolCommitInterval)
		case f.SpoolCommitBytes < 1:
			return o, fmt.Errorf("--recording-spool-commit-bytes must be positive")
		}
	}
	switch {
	case f.TokenFile != "":
		b, err := os.ReadFile(f.TokenFile)
		if err != nil {
			// The error names the file, never its content.
			return o, fmt.Errorf("--influx-token-file: %w", err)
		}
		o.Token = strings.TrimSpace(string(b))
	case getenv != nil:
		o.Token = getenv(TokenEnv)
	}
	return o, nil
}
