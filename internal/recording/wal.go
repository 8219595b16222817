package recording

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
)

// The spool's segment files. A segment starts with segMagic and holds
// records, each one group commit's points of one writer for one
// destination:
//
//	length  uint32, little endian: bytes of payload
//	crc     uint32, little endian: CRC-32C (Castagnoli) of payload
//	payload version byte (1), then uvarint-prefixed writer key, database
//	        and retention policy, a uvarint point count, and the points'
//	        line protocol, each line ending in '\n'
//
// A crash can leave the last record of the active segment half written (a
// torn tail): reading stops there and the points before it are kept. A
// record that fails its checksum with more data after it is corruption:
// the segment is set aside.

const (
	segMagic      = "TBSPOOL1"
	segSuffix     = ".seg"
	recHeaderSize = 8
	recVersion    = 1
	// maxRecordBytes bounds one record's payload when reading, so a damaged
	// length field cannot make the reader allocate gigabytes.
	maxRecordBytes = 256 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// appendRecord appends one record of n points (lines) to buf.
func appendRecord(buf []byte, writer string, dest *destination, n int, lines []byte) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, recHeaderSize)...)
	buf = append(buf, recVersion)
	buf = appendString(buf, writer)
	buf = appendString(buf, dest.database)
	buf = appendString(buf, dest.retentionPolicy)
	buf = binary.AppendUvarint(buf, uint64(n))
	buf = append(buf, lines...)
	payload := buf[start+recHeaderSize:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, crcTable))
	return buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// record is one decoded record; lines aliases the segment's data.
type record struct {
	writer, database, retentionPolicy string
	points                            int
	lines                             []byte
}

// segmentRead is what reading a segment file found.
type segmentRead struct {
	records []record
	// tornBytes were cut from the end: a record the crash left unfinished.
	tornBytes int
	// corrupt says why the segment cannot be trusted past records; nil
	// when it was read to its end (torn tail aside).
	corrupt error
}

// readSegment reads a segment file. An I/O error is returned as such; a
// damaged file is reported in corrupt, with the records before the damage.
func readSegment(path string) (segmentRead, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return segmentRead{}, err
	}
	return parseSegment(data), nil
}

func parseSegment(data []byte) segmentRead {
	var out segmentRead
	if len(data) < len(segMagic) {
		// Created but its header not (fully) written: a crash at creation.
		if !bytes.HasPrefix([]byte(segMagic), data) {
			out.corrupt = errors.New("not a spool segment")
		} else {
			out.tornBytes = len(data)
		}
		return out
	}
	if string(data[:len(segMagic)]) != segMagic {
		out.corrupt = errors.New("not a spool segment (bad magic)")
		return out
	}
	off := len(segMagic)
	for off < len(data) {
		rest := data[off:]
		if len(rest) < recHeaderSize {
			out.tornBytes = len(rest)
			return out
		}
		n := int(binary.LittleEndian.Uint32(rest))
		sum := binary.LittleEndian.Uint32(rest[4:])
		if n == 0 && allZero(rest) {
			// Preallocated or zero-filled space after a crash.
			out.tornBytes = len(rest)
			return out
		}
		if n == 0 || n > maxRecordBytes {
			out.corrupt = fmt.Errorf("record at offset %d: bad length %d", off, n)
			return out
		}
		if recHeaderSize+n > len(rest) {
			out.tornBytes = len(rest)
			return out
		}
		payload := rest[recHeaderSize : recHeaderSize+n]
		if crc32.Checksum(payload, crcTable) != sum {
			if recHeaderSize+n == len(rest) {
				out.tornBytes = len(rest) // the last record: cut short
				return out
			}
			out.corrupt = fmt.Errorf("record at offset %d: checksum mismatch", off)
			return out
		}
		rec, err := decodeRecord(payload)
		if err != nil {
			out.corrupt = fmt.Errorf("record at offset %d: %w", off, err)
			return out
		}
		out.records = append(out.records, rec)
		off += recHeaderSize + n
	}
	return out
}

func decodeRecord(p []byte) (record, error) {
	var r record
	if len(p) == 0 || p[0] != recVersion {
		return r, errors.New("unknown record version")
	}
	p = p[1:]
	var err error
	if r.writer, p, err = readString(p); err != nil {
		return r, err
	}
	if r.database, p, err = readString(p); err != nil {
		return r, err
	}
	if r.retentionPolicy, p, err = readString(p); err != nil {
		return r, err
	}
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)) {
		return r, errors.New("bad point count")
	}
	r.points, r.lines = int(n), p[k:]
	if r.writer == "" || r.database == "" {
		return r, errors.New("record without writer or database")
	}
	if bytes.Count(r.lines, []byte{'\n'}) != r.points || (r.points > 0 && r.lines[len(r.lines)-1] != '\n') {
		return r, fmt.Errorf("record says %d points, lines disagree", r.points)
	}
	return r, nil
}

func readString(p []byte) (string, []byte, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return "", nil, errors.New("bad string length")
	}
	end := k + int(n)
	return string(p[k:end]), p[end:], nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
