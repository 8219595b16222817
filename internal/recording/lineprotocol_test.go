package recording

import (
	"math"
	"strings"
	"testing"
	"time"

	protocol "github.com/influxdata/line-protocol"
)

func TestAppendLine(t *testing.T) {
	ts := time.Unix(1_700_000_000, 123)
	now := time.Unix(5, 0)
	tests := []struct {
		name string
		p    Point
		want string
	}{
		{
			name: "every field type",
			p: Point{Measurement: "m", Tags: []Tag{{"a", "1"}, {"b", "2"}},
				Fields: []Field{Float("f", 1.5), Int("i", -7), String("s", "hi"), Bool("t", true), Bool("u", false)}, Time: ts},
			want: `m,a=1,b=2 f=1.5,i=-7i,s="hi",t=t,u=f 1700000000000000123`,
		},
		{
			name: "escapes in every part",
			p: Point{Measurement: "m e,a=b", Tags: []Tag{{"k y", "v=a,l ue"}},
				Fields: []Field{String("s=t", `say "hi" \ bye \`)}, Time: ts},
			want: `m\ e\,a=b,k\ y=v\=a\,l\ ue s\=t="say \"hi\" \\ bye \\" 1700000000000000123`,
		},
		{
			name: "empty tag values are left out",
			p:    Point{Measurement: "m", Tags: []Tag{{"a", ""}, {"b", "x"}}, Fields: []Field{Int("v", 1)}, Time: ts},
			want: `m,b=x v=1i 1700000000000000123`,
		},
		{
			name: "zero time is now",
			p:    Point{Measurement: "m", Fields: []Field{Float("v", 2)}},
			want: `m v=2 5000000000`,
		},
		{
			name: "floats in their shortest exact form",
			p: Point{Measurement: "m", Fields: []Field{Float("a", 0.1), Float("b", 1e21), Float("c", 0.00001234),
				Float("d", 65000.12345678), Float("e", math.Copysign(0, -1))}, Time: ts},
			want: `m a=0.1,b=1e+21,c=1.234e-05,d=65000.12345678,e=-0 1700000000000000123`,
		},
		{
			name: "extreme integers",
			p:    Point{Measurement: "m", Fields: []Field{Int("a", math.MaxInt64), Int("b", math.MinInt64)}, Time: ts},
			want: `m a=9223372036854775807i,b=-9223372036854775808i 1700000000000000123`,
		},
		{
			name: "times before 1970",
			p:    Point{Measurement: "m", Fields: []Field{Int("v", 1)}, Time: time.Unix(-1, 0)},
			want: `m v=1i -1000000000`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendLine([]byte("prefix|"), &tt.p, now)
			if err != nil {
				t.Fatal(err)
			}
			if want := "prefix|" + tt.want + "\n"; string(got) != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestAppendLineRefusesInvalidPoints(t *testing.T) {
	ts := time.Unix(1, 0)
	ok := []Field{Int("v", 1)}
	tests := []struct {
		name    string
		p       Point
		wantErr string
	}{
		{"no measurement", Point{Fields: ok, Time: ts}, "no measurement"},
		{"comment measurement", Point{Measurement: "#m", Fields: ok, Time: ts}, "comment"},
		{"line break in measurement", Point{Measurement: "a\nb", Fields: ok, Time: ts}, "line break"},
		{"line break in tag value", Point{Measurement: "m", Tags: []Tag{{"k", "a\rb"}}, Fields: ok, Time: ts}, "line break"},
		{"empty tag key", Point{Measurement: "m", Tags: []Tag{{"", "v"}}, Fields: ok, Time: ts}, "tag key is empty"},
		{"backslash in a tag value", Point{Measurement: "m", Tags: []Tag{{"k", `v\,x`}}, Fields: ok, Time: ts}, "backslash"},
		{"backslash in a field key", Point{Measurement: "m", Fields: []Field{Int(`a\`, 1)}, Time: ts}, "backslash"},
		{"no fields", Point{Measurement: "m", Time: ts}, "no fields"},
		{"empty field key", Point{Measurement: "m", Fields: []Field{Int("", 1)}, Time: ts}, "field key is empty"},
		{"zero field", Point{Measurement: "m", Fields: []Field{{Key: "v"}}, Time: ts}, "no value"},
		{"NaN", Point{Measurement: "m", Fields: []Field{Float("v", math.NaN())}, Time: ts}, "cannot be stored"},
		{"infinity", Point{Measurement: "m", Fields: []Field{Float("v", math.Inf(-1))}, Time: ts}, "cannot be stored"},
		{"line break in string", Point{Measurement: "m", Fields: []Field{String("v", "a\nb")}, Time: ts}, "line break"},
		{"time past 2262", Point{Measurement: "m", Fields: ok, Time: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}, "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendLine([]byte("keep"), &tt.p, ts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if string(got) != "keep" {
				t.Errorf("buffer changed on error: %q", got)
			}
			if err := tt.p.Validate(); err == nil {
				t.Error("Validate accepted the point")
			}
		})
	}
}

// An independent parser (the one the official client's module ships) reads
// back exactly what was encoded, whatever the strings hold.
func TestAppendLineRoundTrip(t *testing.T) {
	strs := []string{"plain", "sp ace", "com,ma", "eq=uals", `quo"te`, "ünï cødé", `mix ,="x`, ",", " ", "="}
	for _, s := range strs {
		p := Point{
			Measurement: "m" + s,
			Tags:        []Tag{{Key: "k" + s, Value: "v" + s}},
			Fields:      []Field{String("f"+s, s+` \ \" \\`), Float("x", 1.25), Int("n", 3), Bool("b", true)},
			Time:        time.Unix(0, 42),
		}
		line, err := appendLine(nil, &p, time.Time{})
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		metrics, err := protocol.NewParser(protocol.NewMetricHandler()).Parse(line)
		if err != nil || len(metrics) != 1 {
			t.Fatalf("%q: parse %q: %v (%d metrics)", s, line, err, len(metrics))
		}
		m := metrics[0]
		if m.Name() != p.Measurement {
			t.Errorf("measurement %q, want %q", m.Name(), p.Measurement)
		}
		if tags := m.TagList(); len(tags) != 1 || tags[0].Key != "k"+s || tags[0].Value != "v"+s {
			t.Errorf("%q: tags %+v", s, tags)
		}
		want := map[string]any{"f" + s: s + ` \ \" \\`, "x": 1.25, "n": int64(3), "b": true}
		for _, f := range m.FieldList() {
			if want[f.Key] != f.Value {
				t.Errorf("%q: field %q = %#v, want %#v", s, f.Key, f.Value, want[f.Key])
			}
			delete(want, f.Key)
		}
		if len(want) != 0 {
			t.Errorf("%q: fields missing: %v", s, want)
		}
		if m.Time().UnixNano() != 42 {
			t.Errorf("%q: time %d", s, m.Time().UnixNano())
		}
	}
}

func TestFieldValue(t *testing.T) {
	tests := []struct {
		f        Field
		want     any
		typeName string
	}{
		{Float("a", -2.5), -2.5, "float"},
		{Int("a", -3), int64(-3), "integer"},
		{String("a", "x"), "x", "string"},
		{Bool("a", true), true, "boolean"},
		{Bool("a", false), false, "boolean"},
		{Field{Key: "a"}, nil, "invalid"},
	}
	for _, tt := range tests {
		if got := tt.f.Value(); got != tt.want {
			t.Errorf("%+v: Value() = %#v, want %#v", tt.f, got, tt.want)
		}
		if got := tt.f.TypeName(); got != tt.typeName {
			t.Errorf("%+v: TypeName() = %q, want %q", tt.f, got, tt.typeName)
		}
	}
}

func TestAppendLineDoesNotAllocate(t *testing.T) {
	p := Point{Measurement: "price", Tags: []Tag{{"symbol", "BTCUSDT"}, {"ns", "default"}},
		Fields: []Field{Float("price", 65000.5), Int("n", 3)}, Time: time.Unix(1, 0)}
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = appendLine(buf[:0], &p, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("appendLine allocates %.1f times per point, want 0", allocs)
	}
}
