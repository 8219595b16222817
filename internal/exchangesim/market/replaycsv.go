package market

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// replayColumns are the header names ParseReplayCSV requires.
var replayColumns = [...]string{"symbol", "open_time", "open", "high", "low", "close", "volume"}

// ParseReplayCSV reads klines to replay (Config.Replay) from a CSV file:
//
//	symbol,open_time,open,high,low,close,volume
//	BTCUSDT,1767225600000,87000.10,87120.00,86950.55,87050.00,12.345
//
// The header is required; its columns may come in any order, names are
// case-insensitive and extra columns are ignored. open_time is in ms since
// the epoch and must increase strictly per symbol; prices are positive
// decimals with low <= open, close <= high; volume is >= 0. Each kline lasts
// until the next one of its symbol opens; a symbol's last kline lasts as
// long as the one before it (a minute if it is alone). Rows of several
// symbols may be mixed. Errors name the line.
func ParseReplayCSV(r io.Reader) (map[string][]Kline, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("replay CSV: empty file, want a header " + strings.Join(replayColumns[:], ","))
	}
	if err != nil {
		return nil, fmt.Errorf("replay CSV: %w", err)
	}
	var col [len(replayColumns)]int
	for i, name := range replayColumns {
		col[i] = -1
		for j, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				col[i] = j
				break
			}
		}
		if col[i] < 0 {
			return nil, fmt.Errorf("replay CSV line 1: missing column %q (want a header %s)", name, strings.Join(replayColumns[:], ","))
		}
	}
	out := make(map[string][]Kline)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replay CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		k, symbol, err := parseReplayRow(rec, col)
		if err != nil {
			return nil, fmt.Errorf("replay CSV line %d: %w", line, err)
		}
		prev := out[symbol]
		if n := len(prev); n > 0 && !k.OpenTime.After(prev[n-1].OpenTime) {
			return nil, fmt.Errorf("replay CSV line %d: %s open_time %d is not after the previous %s row's", line, symbol, k.OpenTime.UnixMilli(), symbol)
		}
		out[symbol] = append(prev, k)
	}
	if len(out) == 0 {
		return nil, errors.New("replay CSV: no klines after the header")
	}
	for _, klines := range out {
		setReplayCloseTimes(klines)
	}
	return out, nil
}

func parseReplayRow(rec []string, col [len(replayColumns)]int) (Kline, string, error) {
	field := func(i int) (string, error) {
		if col[i] >= len(rec) {
			return "", fmt.Errorf("missing %s (%d fields)", replayColumns[i], len(rec))
		}
		return strings.TrimSpace(rec[col[i]]), nil
	}
	symbol, err := field(0)
	if err != nil {
		return Kline{}, "", err
	}
	if symbol == "" || strings.IndexFunc(symbol, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < '0' || r > '9') }) >= 0 {
		return Kline{}, "", fmt.Errorf("symbol %q: want upper-case letters and digits", symbol)
	}
	ts, err := field(1)
	if err != nil {
		return Kline{}, "", err
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ms < 0 {
		return Kline{}, "", fmt.Errorf("open_time %q: want milliseconds since the epoch", ts)
	}
	var v [5]decimal.Decimal // open, high, low, close, volume
	for i := range v {
		s, err := field(2 + i)
		if err != nil {
			return Kline{}, "", err
		}
		if v[i], err = decimal.NewFromString(s); err != nil {
			return Kline{}, "", fmt.Errorf("%s %q: not a decimal number", replayColumns[2+i], s)
		}
		if i < 4 && !v[i].IsPositive() {
			return Kline{}, "", fmt.Errorf("%s %s: must be positive", replayColumns[2+i], s)
		}
	}
	open, high, low, closePx, volume := v[0], v[1], v[2], v[3], v[4]
	if volume.IsNegative() {
		return Kline{}, "", fmt.Errorf("volume %s: must not be negative", volume)
	}
	if high.LessThan(decimal.Max(open, closePx, low)) || low.GreaterThan(decimal.Min(open, closePx)) {
		return Kline{}, "", fmt.Errorf("high %s and low %s do not contain open %s and close %s", high, low, open, closePx)
	}
	return Kline{
		OpenTime: time.UnixMilli(ms).UTC(),
		Open:     open, High: high, Low: low, Close: closePx, Volume: volume,
		FirstTradeID: -1, LastTradeID: -1, Closed: true,
	}, symbol, nil
}

// setReplayCloseTimes sets each kline's close time from the next open.
func setReplayCloseTimes(klines []Kline) {
	for i := range klines {
		var dur time.Duration
		switch {
		case i+1 < len(klines):
			dur = klines[i+1].OpenTime.Sub(klines[i].OpenTime)
		case i > 0:
			dur = klines[i].OpenTime.Sub(klines[i-1].OpenTime)
		default:
			dur = time.Minute
		}
		klines[i].CloseTime = klines[i].OpenTime.Add(dur - time.Millisecond)
	}
}
