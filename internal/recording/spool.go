package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The spool directory keeps batches that Close could not deliver, one file
// per batch, so that the next Sink on the directory sends them. A file is a
// JSON header line followed by the batch's line protocol:
//
//	{"version":1,"writer":"ns/name","database":"tradebot","retentionPolicy":"","points":2}
//	price,exchange=binance,... price=1 1700000000000000000
//	price,exchange=binance,... price=2 1700000000000000001
//
// Files are written to a temporary name, synced and renamed, so a reader
// never sees half a file; names sort in the order they were written. A
// restored batch's file is deleted once InfluxDB answered for it. Sending a
// batch twice (a crash between the answer and the delete) stores nothing
// twice: InfluxDB keeps one point per series and timestamp.

const (
	spoolVersion = 1
	spoolSuffix  = ".lp"
)

type spoolHeader struct {
	Version         int    `json:"version"`
	Writer          string `json:"writer"`
	Database        string `json:"database"`
	RetentionPolicy string `json:"retentionPolicy"`
	Points          int    `json:"points"`
}

// spool saves blocks Close could not deliver. A block restored from a file
// and unchanged keeps its file. On return a block has a spoolFile if and
// only if its points are saved.
func (s *Sink) spool(blocks []*block) error {
	if err := os.MkdirAll(s.opts.SpoolDir, 0o750); err != nil {
		for _, b := range blocks {
			b.spoolFile = ""
		}
		return fmt.Errorf("spool directory: %w", err)
	}
	var errs []error
	for _, b := range blocks {
		if b.spoolFile != "" && !b.spoolStale {
			continue
		}
		old := b.spoolFile
		b.spoolFile = ""
		path, err := s.writeSpoolFile(b)
		if err != nil {
			errs = append(errs, err)
		} else {
			b.spoolFile = path
		}
		if old != "" {
			removeFiles([]string{old}) // superseded, or its points counted as lost
		}
	}
	if err := syncDir(s.opts.SpoolDir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Sink) writeSpoolFile(b *block) (string, error) {
	s.spoolSeq++
	name := fmt.Sprintf("%020d-%06d%s", s.opts.Now().UnixNano(), s.spoolSeq, spoolSuffix)
	path := filepath.Join(s.opts.SpoolDir, name)
	hdr, err := json.Marshal(spoolHeader{
		Version:         spoolVersion,
		Writer:          b.w.key,
		Database:        b.dest.database,
		RetentionPolicy: b.dest.retentionPolicy,
		Points:          b.n,
	})
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(s.opts.SpoolDir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	w := bufio.NewWriter(tmp)
	_, _ = w.Write(hdr) // errors surface at Flush
	_ = w.WriteByte('\n')
	_, _ = w.Write(b.live())
	if err := errors.Join(w.Flush(), tmp.Sync(), tmp.Close()); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	return path, nil
}

// restore loads the spool directory's files into the ready queue, oldest
// first, each attributed to the writer it came from. A file that cannot be
// read as a batch is renamed with ".bad" and logged, not sent.
func (s *Sink) restore() error {
	entries, err := os.ReadDir(s.opts.SpoolDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), spoolSuffix) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range names {
		path := filepath.Join(s.opts.SpoolDir, name)
		hdr, lines, err := readSpoolFile(path)
		if err != nil {
			s.opts.Logger.Error(err, "ignoring unreadable spool file", "file", path)
			_ = os.Rename(path, path+".bad")
			continue
		}
		if hdr.Points == 0 {
			removeFiles([]string{path})
			continue
		}
		w := s.writerLocked(hdr.Writer)
		w.released = true // until its resource asks for it again (restore runs before any does)
		b := &block{
			w:         w,
			dest:      s.destLocked(hdr.Database, hdr.RetentionPolicy),
			buf:       lines,
			n:         hdr.Points,
			state:     blockReady,
			spoolFile: path,
		}
		w.blocks = append(w.blocks, b)
		b.elem = s.ready.PushBack(b)
		w.c.restored += int64(hdr.Points)
		s.addPendingLocked(w, int64(hdr.Points), int64(len(lines)))
	}
	if n := s.bufPoints; n > 0 {
		s.opts.Logger.Info("restored spooled points", "points", n, "files", len(names))
	}
	return nil
}

func readSpoolFile(path string) (spoolHeader, []byte, error) {
	var hdr spoolHeader
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
	if hdr.Version != spoolVersion || hdr.Writer == "" || hdr.Database == "" {
		return hdr, nil, fmt.Errorf("spool file %s: unsupported header %s", path, first)
	}
	if n := bytes.Count(rest, []byte{'\n'}); n != hdr.Points || (n > 0 && rest[len(rest)-1] != '\n') {
		return hdr, nil, fmt.Errorf("spool file %s: header says %d points, found %d lines", path, hdr.Points, n)
	}
	return hdr, rest, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

func removeFiles(paths []string) {
	for _, p := range paths {
		_ = os.Remove(p) // already gone is fine
	}
}
