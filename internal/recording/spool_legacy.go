package recording

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Earlier versions spooled only at shutdown, one file per batch: a JSON
// header line and the batch's line protocol. A new Sink takes such files
// into its log (see replay) and deletes them.
//
//	{"version":1,"writer":"ns/name","database":"tradebot","retentionPolicy":"","points":2}
//	price,exchange=binance,... price=1 1700000000000000000

const legacyVersion = 1

type legacyHeader struct {
	Version         int    `json:"version"`
	Writer          string `json:"writer"`
	Database        string `json:"database"`
	RetentionPolicy string `json:"retentionPolicy"`
	Points          int    `json:"points"`
}

func readSpoolFile(path string) (legacyHeader, []byte, error) {
	var hdr legacyHeader
	data, err := os.ReadFile(path)
	if err != nil {
		return hdr, nil, err
	}
	first, rest, ok := bytes.Cut(data, []byte{'\n'})
	if !ok {
		return hdr, nil, fmt.Errorf("spool file %s: %w", path, io.ErrUnexpectedEOF)
	}
	if err := json.Unmarshal(first, &hdr); err != nil {
		return hdr, nil, fmt.Errorf("spool file %s: header: %w", path, err)
	}
	if hdr.Version != legacyVersion || hdr.Writer == "" || hdr.Database == "" {
		return hdr, nil, fmt.Errorf("spool file %s: unsupported header %s", path, first)
	}
	if n := bytes.Count(rest, []byte{'\n'}); n != hdr.Points || (n > 0 && rest[len(rest)-1] != '\n') {
		return hdr, nil, fmt.Errorf("spool file %s: header says %d points, found %d lines", path, hdr.Points, n)
	}
	return hdr, rest, nil
}
