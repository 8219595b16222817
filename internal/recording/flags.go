package recording

import (
	"flag"
	"fmt"
	"os"
	"strings"
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
}

// Bind registers the flags on fs.
func (f *Flags) Bind(fs *flag.FlagSet) {
	fs.StringVar(&f.URL, "influx-url", "", "InfluxDB base URL for recording, e.g. http://influxdb:8086 (empty: recording counts points as dropped)")
	fs.StringVar(&f.Org, "influx-org", "", "InfluxDB 2.x organization (1.x ignores it)")
	fs.StringVar(&f.TokenFile, "influx-token-file", "", "file holding the InfluxDB token, e.g. a mounted Secret (default: $"+TokenEnv+")")
	fs.StringVar(&f.SpoolDir, "recording-spool-dir", "", "directory keeping points that could not be delivered at shutdown, sent at the next start")
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
	}
	if f.MaxPoints < 1 || f.MaxBytes < 1 {
		return o, fmt.Errorf("--recording-buffer-points and --recording-buffer-bytes must be positive")
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
