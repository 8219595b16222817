package influxtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Series is one series of an InfluxQL answer. Numbers are json.Number, so
// integers and floats come back exactly as the server wrote them.
type Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// CreateDatabase creates a database (a no-op if it exists).
func (s *Server) CreateDatabase(tb testing.TB, name string) {
	tb.Helper()
	if _, err := s.query("", fmt.Sprintf("CREATE DATABASE %q", name)); err != nil {
		tb.Fatal(err)
	}
}

// Query runs one InfluxQL statement against db and returns its series.
func (s *Server) Query(tb testing.TB, db, q string) []Series {
	tb.Helper()
	series, err := s.query(db, q)
	if err != nil {
		tb.Fatal(err)
	}
	return series
}

// Int runs an InfluxQL query whose answer is one row and returns column
// col of it as an integer; 0 when the answer is empty (for example a count
// over no points).
func (s *Server) Int(tb testing.TB, db, q, col string) int64 {
	tb.Helper()
	series := s.Query(tb, db, q)
	if len(series) == 0 {
		return 0
	}
	sr := series[0]
	for i, c := range sr.Columns {
		if c != col {
			continue
		}
		if len(sr.Values) != 1 {
			tb.Fatalf("query %q: want one row, got %d", q, len(sr.Values))
		}
		n, ok := sr.Values[0][i].(json.Number)
		if !ok {
			tb.Fatalf("query %q: column %s is %T, not a number", q, col, sr.Values[0][i])
		}
		v, err := n.Int64()
		if err != nil {
			tb.Fatalf("query %q: column %s: %v", q, col, err)
		}
		return v
	}
	tb.Fatalf("query %q: no column %s in %v", q, col, sr.Columns)
	return 0
}

func (s *Server) query(db, q string) ([]Series, error) {
	client := &http.Client{Timeout: 2 * time.Minute}
	defer client.CloseIdleConnections()
	form := url.Values{"q": {q}}
	if db != "" {
		form.Set("db", db)
	}
	resp, err := client.Post(s.URL+"/query", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("influxql %q: %w", q, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("influxql %q: %w", q, err)
	}
	var out struct {
		Results []struct {
			Series []Series `json:"series"`
			Error  string   `json:"error"`
		} `json:"results"`
		Error string `json:"error"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("influxql %q: status %d, %w: %s", q, resp.StatusCode, err, body)
	}
	switch {
	case out.Error != "":
		return nil, fmt.Errorf("influxql %q: %s", q, out.Error)
	case len(out.Results) == 0:
		return nil, fmt.Errorf("influxql %q: status %d, no results: %s", q, resp.StatusCode, body)
	case out.Results[0].Error != "":
		return nil, fmt.Errorf("influxql %q: %s", q, out.Results[0].Error)
	}
	return out.Results[0].Series, nil
}
