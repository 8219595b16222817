package auth

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

const (
	msgAhead   = "Timestamp for this request was 1000ms ahead of the server's time."
	msgOutside = "Timestamp for this request is outside of the recvWindow."
	msgTooBig  = "'recvWindow' contains unexpected value. Cannot be greater than 60000."
	msgBadRW   = "Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."
)

// window parses a recvWindow that the test knows to be valid.
func window(t *testing.T, text string) RecvWindow {
	t.Helper()
	w, err := ParseRecvWindow(text, apierr.BadParam(msgBadRW))
	if err != nil {
		t.Fatalf("ParseRecvWindow(%q): %v", text, err)
	}
	return w
}

func TestCheckTimestamp(t *testing.T) {
	// The server's clock has a sub-millisecond part: 400 µs past a millisecond.
	now := time.UnixMilli(1_700_000_000_000).Add(400 * time.Microsecond)
	nowMs := now.UnixMilli()
	nowUs := now.UnixMicro()
	tests := []struct {
		name       string
		timestamp  int64
		recvWindow string // "" = not sent
		wantCode   int    // 0: accepted
		wantMsg    string
	}{
		// Milliseconds: compared with the server's whole milliseconds.
		{"ms now", nowMs, "", 0, ""},
		{"ms 999 ahead", nowMs + 999, "", 0, ""},
		{"ms exactly 1s ahead", nowMs + 1000, "", apierr.CodeInvalidTimestamp, msgAhead},
		{"ms far future", MicrosecondTimestamps - 1, "", apierr.CodeInvalidTimestamp, msgAhead},
		{"ms default window edge", nowMs - 5000, "", 0, ""},
		{"ms default window exceeded", nowMs - 5001, "", apierr.CodeInvalidTimestamp, msgOutside},
		{"ms custom window edge", nowMs - 100, "100", 0, ""},
		{"ms custom window exceeded", nowMs - 101, "100", apierr.CodeInvalidTimestamp, msgOutside},
		{"ms max window edge", nowMs - 60000, "60000", 0, ""},
		{"ms max window exceeded", nowMs - 60001, "60000", apierr.CodeInvalidTimestamp, msgOutside},
		{"ms fractional window admits whole ms only", nowMs - 5001, "5000.999", apierr.CodeInvalidTimestamp, msgOutside},
		{"ms fractional window edge", nowMs - 5001, "5001.000", 0, ""},
		{"ms fractional small window", nowMs, "0.5", 0, ""},
		{"ms fractional small window exceeded", nowMs - 1, "0.999", apierr.CodeInvalidTimestamp, msgOutside},
		{"zero timestamp", 0, "", apierr.CodeInvalidTimestamp, msgOutside},
		{"seconds, not ms", nowMs / 1000, "60000", apierr.CodeInvalidTimestamp, msgOutside},
		{"far past", math.MinInt64, "", apierr.CodeInvalidTimestamp, msgOutside},

		// Microseconds: compared with the server's exact microseconds.
		{"us now", nowUs, "", 0, ""},
		{"us 999999 ahead", nowUs + 999_999, "", 0, ""},
		{"us exactly 1s ahead", nowUs + 1_000_000, "", apierr.CodeInvalidTimestamp, msgAhead},
		{"us default window edge", nowUs - 5_000_000, "", 0, ""},
		{"us default window exceeded", nowUs - 5_000_001, "", apierr.CodeInvalidTimestamp, msgOutside},
		{"us fractional window edge", nowUs - 5_000_500, "5000.5", 0, ""},
		{"us fractional window exceeded", nowUs - 5_000_501, "5000.5", apierr.CodeInvalidTimestamp, msgOutside},
		{"us three decimals edge", nowUs - 6_000_346, "6000.346", 0, ""},
		{"us three decimals exceeded", nowUs - 6_000_347, "6000.346", apierr.CodeInvalidTimestamp, msgOutside},
		{"us max window with fraction", nowUs - 59_999_999, "59999.999", 0, ""},
		{"15 digits: microseconds in 2001", 1_000_000_000_000_000 - 1, "", apierr.CodeInvalidTimestamp, msgOutside},
		{"14 digits: microseconds in 1973", MicrosecondTimestamps, "", apierr.CodeInvalidTimestamp, msgOutside},
		{"17 digits: microseconds far ahead", nowUs * 10, "", apierr.CodeInvalidTimestamp, msgAhead},
		{"nanoseconds", nowUs * 1000, "", apierr.CodeInvalidTimestamp, msgAhead},
		{"max int64", math.MaxInt64, "", apierr.CodeInvalidTimestamp, msgAhead},

		// recvWindow range.
		{"window 60000.000", nowMs, "60000.000", 0, ""},
		{"window 60000.001", nowMs, "60000.001", apierr.CodeMandatoryParam, msgTooBig},
		{"window 60001", nowMs, "60001", apierr.CodeMandatoryParam, msgTooBig},
		{"window huge", nowMs, "99999999999999999999999", apierr.CodeMandatoryParam, msgTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w RecvWindow
			if tt.recvWindow != "" {
				w = window(t, tt.recvWindow)
			}
			err := CheckTimestamp(now, tt.timestamp, w)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("CheckTimestamp = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckTimestamp = nil, want code %d", tt.wantCode)
			}
			if err.Status != http.StatusBadRequest || err.Code != tt.wantCode || err.Msg != tt.wantMsg {
				t.Errorf("CheckTimestamp = {%d %d %q}, want {400 %d %q}", err.Status, err.Code, err.Msg, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestCheckTimestampRecvWindowMs(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	if err := CheckTimestamp(now, now.UnixMilli()-10_000, RecvWindowMs(10_000)); err != nil {
		t.Fatalf("10000 ms window: %v", err)
	}
	if err := CheckTimestamp(now, now.UnixMilli(), RecvWindowMs(60_001)); err == nil || err.Msg != msgTooBig {
		t.Fatalf("60001 ms window: %v", err)
	}
	if err := CheckTimestamp(now, now.UnixMilli(), RecvWindowMs(math.MaxInt64)); err == nil || err.Msg != msgTooBig {
		t.Fatalf("huge window: %v", err)
	}
	if err := CheckTimestamp(now, now.UnixMilli(), RecvWindowMs(-1)); err == nil || err.Code != apierr.CodeMandatoryParam || err.Msg != msgBadRW {
		t.Fatalf("negative window: %v", err)
	}
	if RecvWindowMs(0) != (RecvWindow{}) {
		t.Fatal("RecvWindowMs(0) is not the zero RecvWindow")
	}
}

func TestParseRecvWindow(t *testing.T) {
	malformed := apierr.BadParam(msgBadRW)
	tests := []struct {
		text       string
		wantMicros int64
		wantErr    *apierr.Error // nil: accepted
	}{
		{"5000", 5_000_000, nil},
		{"5000.5", 5_000_500, nil},
		{"5000.50", 5_000_500, nil},
		{"5000.005", 5_000_005, nil},
		{"6000.346", 6_000_346, nil},
		{"0.001", 1, nil},
		{"0", 0, nil},
		{"0.000", 0, nil},
		{"007", 7000, nil},
		{"60000", 60_000_000, nil},
		{"60001", 60_001_000, nil},                          // CheckTimestamp refuses it
		{"123456789012345678901234567890", 60_001_000, nil}, // capped, refused later
		{"5000.1234", 0, apierr.New(400, CodeBadPrecision, "Parameter 'recvWindow' has too much precision.")},
		{"5000.0000", 0, apierr.New(400, CodeBadPrecision, "Parameter 'recvWindow' has too much precision.")},
		{"", 0, malformed},
		{"-5000", 0, malformed},
		{"+5000", 0, malformed},
		{"5000.", 0, malformed},
		{".5", 0, malformed},
		{"5e3", 0, malformed},
		{"5000.5.5", 0, malformed},
		{"5,000", 0, malformed},
		{" 5000", 0, malformed},
		{"abc", 0, malformed},
		{"NaN", 0, malformed},
		{"5000.-1", 0, malformed},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			w, err := ParseRecvWindow(tt.text, malformed)
			if tt.wantErr == nil {
				if err != nil || w.Micros() != tt.wantMicros {
					t.Fatalf("ParseRecvWindow(%q) = %d, %v; want %d", tt.text, w.Micros(), err, tt.wantMicros)
				}
				return
			}
			if err == nil || err.Code != tt.wantErr.Code || err.Msg != tt.wantErr.Msg {
				t.Fatalf("ParseRecvWindow(%q) = %d, %v; want error %v", tt.text, w.Micros(), err, tt.wantErr)
			}
		})
	}
}

func FuzzParseRecvWindow(f *testing.F) {
	for _, s := range []string{"5000", "5000.5", "6000.346", "60000.001", "1.2345", "-1", "", ".", "9999999999999999999999.999"} {
		f.Add(s)
	}
	malformed := apierr.BadParam(msgBadRW)
	now := time.UnixMilli(1_700_000_000_000)
	f.Fuzz(func(t *testing.T, text string) {
		w, err := ParseRecvWindow(text, malformed)
		if err != nil {
			return
		}
		if w.Micros() < 0 || w.Micros() > (MaxRecvWindowMs+1)*1000+999 {
			t.Fatalf("ParseRecvWindow(%q) = %d µs, out of bounds", text, w.Micros())
		}
		// Whatever parsed must be checkable without panicking.
		_ = CheckTimestamp(now, now.UnixMilli(), w)
	})
}
