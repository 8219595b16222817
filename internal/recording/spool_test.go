package recording

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// closeNow closes s with a deadline that only keeps a broken test from
// hanging.
func closeNow(t *testing.T, s *Sink) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := s.Close(ctx)
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	return n
}

// Close during an outage spools what it holds, and the next Sink sends it:
// nothing is lost across the restart.
func TestSpoolSurvivesRestartDuringOutage(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	dir := filepath.Join(t.TempDir(), "spool")
	s1 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	a := s1.Writer("ns/a", WriterOptions{Database: "d1", BatchSize: 4})
	b := s1.Writer("ns/b", WriterOptions{Database: "d2", RetentionPolicy: "rp"})
	for i := range 6 {
		a.Write(seqPoint("a", i))
	}
	for i := range 3 {
		b.Write(seqPoint("b", i))
	}
	waitFor(t, "writes to fail", func() bool { return s1.Stats().Failing })
	if n := closeNow(t, s1); n != 0 {
		t.Fatalf("Close lost %d points", n)
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.Spooled != 6 || sb.Spooled != 3 || sa.Pending != 0 || sa.Dropped != 0 {
		t.Fatalf("after Close: a %+v, b %+v", sa, sb)
	}
	checkIdentity(t, "a", sa)
	if files := spoolFiles(t, dir); len(files) != 3 { // a: 4 + 2, b: 3
		t.Fatalf("spool files %v, want 3", files)
	}

	f.up()
	s2 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	a2 := s2.Writer("ns/a", WriterOptions{Database: "d1"})
	if st := a2.Stats(); st.Restored != 6 || st.Produced != 6 {
		t.Fatalf("restored writer: %+v", st)
	}
	flush(t, s2)
	if st := a2.Stats(); st.Written != 6 || st.Pending != 0 {
		t.Fatalf("after delivery: %+v", st)
	}
	got := map[string][]string{}
	for _, r := range f.requestLog() {
		if r.Bucket != "" {
			got[r.Bucket] = append(got[r.Bucket], r.Lines...)
		}
	}
	var wantA, wantB []string
	for i := range 6 {
		wantA = append(wantA, seqLine("a", i))
	}
	for i := range 3 {
		wantB = append(wantB, seqLine("b", i))
	}
	// Each batch was attempted before the restart and sent again after it.
	stored := f.lines()
	for _, l := range append(wantA, wantB...) {
		if !slices.Contains(stored, l) {
			t.Errorf("line %q lost", l)
		}
	}
	if len(stored) != 9 {
		t.Errorf("server holds %d points, want 9", len(stored))
	}
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left after delivery: %v", files)
	}
	// The b writer was never asked for again: it is forgotten once its
	// points are delivered.
	if n := s2.Stats().Writers; n != 1 {
		t.Errorf("%d writers, want 1", n)
	}
}

// Points dropped from a restored batch are not sent again after another
// restart: the batch is spooled anew with what is left.
func TestSpoolRewritesEvictedBatches(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	dir := t.TempDir()
	s1 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	w := s1.Writer("ns/a", WriterOptions{})
	for i := range 10 {
		w.Write(seqPoint("a", i))
	}
	closeNow(t, s1)

	s2 := newTestSink(t, f, SinkOptions{SpoolDir: dir, MaxPoints: 6, RetryBase: time.Hour, RetryMax: time.Hour})
	w2 := s2.Writer("ns/a", WriterOptions{})
	waitFor(t, "the restored batch to fail", func() bool { return s2.Stats().Failing })
	w2.Write(seqPoint("a", 10)) // evicts the 5 oldest restored points
	if st := w2.Stats(); st.Pending != 6 || st.DroppedOverflow != 5 {
		t.Fatalf("stats: %+v", st)
	}
	closeNow(t, s2)
	if st := w2.Stats(); st.Spooled != 6 {
		t.Fatalf("spooled %d, want 6", st.Spooled)
	}

	f.up()
	s3 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	flush(t, s3)
	var want []string
	for i := 5; i <= 10; i++ {
		want = append(want, seqLine("a", i))
	}
	got := f.lines()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %q\nwant %q", got, want)
	}
}

func TestSpoolIgnoresDamagedFiles(t *testing.T) {
	f := newFakeInflux(t)
	dir := t.TempDir()
	files := map[string]string{
		"1.lp":       `{"version":1,"writer":"ns/a","database":"db","points":2}` + "\n" + seqLine("a", 1) + "\n",
		"2.lp":       "not json\n",
		"3.lp":       `{"version":9,"writer":"ns/a","database":"db","points":0}` + "\n",
		"4.lp":       `{"version":1,"writer":"ns/a","database":"db","points":1}` + "\n" + seqLine("a", 4) + "\n",
		"notes.txt":  "left alone",
		".tmp-12345": "an interrupted write",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	flush(t, s)
	if got := f.lines(); !slices.Equal(got, []string{seqLine("a", 4)}) {
		t.Fatalf("delivered %q", got)
	}
	left := spoolFiles(t, dir)
	slices.Sort(left)
	want := []string{".tmp-12345", "1.lp.bad", "2.lp.bad", "3.lp.bad", "notes.txt"}
	if !slices.Equal(left, want) {
		t.Fatalf("files left %v, want %v", left, want)
	}
}

func TestSpoolDirUnusable(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewSink(SinkOptions{URL: f.srv.URL, SpoolDir: file})
	if err == nil {
		_, _ = s.Close(context.Background())
		t.Fatal("NewSink accepted a file as spool directory")
	}
	if !strings.Contains(err.Error(), "spool directory") {
		t.Errorf("error %q does not name the spool directory", err)
	}
}
