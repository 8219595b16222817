package recording

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// spoolFiles lists the spool directory's files but its lock file (which
// stays, so that no two processes lock different files).
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name() != lockFile {
			names = append(names, e.Name())
		}
	}
	return names
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	var segs []string
	for _, n := range spoolFiles(t, dir) {
		if strings.HasSuffix(n, segSuffix) {
			segs = append(segs, n)
		}
	}
	return segs
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

// copyDir copies a spool directory as it is on disk now: what a crash at
// this moment would leave.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	for _, name := range spoolFiles(t, from) {
		src, err := os.Open(filepath.Join(from, name))
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		_ = src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

func sortedLines(lines []string) []string {
	out := slices.Clone(lines)
	slices.Sort(out)
	return out
}

func seqLines(resource string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, seqLine(resource, i))
	}
	return out
}

// Close during an outage leaves what it holds in the spool, and the next
// Sink replays exactly that: nothing is lost across the restart.
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
	checkIdentity(t, "b", sb)
	if files := spoolFiles(t, dir); len(files) != 1 || !strings.HasSuffix(files[0], segSuffix) {
		t.Fatalf("spool files %v, want one (compacted) segment and no running marker", files)
	}

	f.up()
	s2 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	if st := s2.Stats().Spool; st.Replayed != 9 || st.UncleanStart {
		t.Fatalf("spool after restart: %+v", st)
	}
	a2 := s2.Writer("ns/a", WriterOptions{Database: "d1"})
	if st := a2.Stats(); st.Replayed != 6 || st.Produced != 6 {
		t.Fatalf("replayed writer: %+v", st)
	}
	flush(t, s2)
	if st := a2.Stats(); st.Written != 6 || st.Pending != 0 {
		t.Fatalf("after delivery: %+v", st)
	}
	checkIdentity(t, "a2", a2.Stats())
	buckets := map[string]int{}
	for _, r := range f.requestLog() {
		buckets[r.Bucket] += len(r.Lines)
	}
	if buckets["d1"] < 6 || buckets["d2/rp"] < 3 {
		t.Errorf("lines per bucket %v: the replayed points lost their destination", buckets)
	}
	want := sortedLines(append(seqLines("a", 0, 6), seqLines("b", 0, 3)...))
	if got := sortedLines(f.lines()); !slices.Equal(got, want) {
		t.Errorf("server holds %q\nwant %q", got, want)
	}
	// Delivered: the segments go. The b writer was never asked for again:
	// it is forgotten.
	waitFor(t, "delivered segments to be deleted", func() bool { return s2.Stats().Spool.Segments <= 1 })
	if n := s2.Stats().Writers; n != 1 {
		t.Errorf("%d writers, want 1", n)
	}
	closeNow(t, s2)
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("files left after a clean stop with everything delivered: %v", files)
	}
}

// A point counts as accepted only once committed: until then it is
// pending and uncommitted, and nothing is sent. A crash right after a
// commit (the directory copied as it is) loses nothing committed.
func TestSpoolCommitsBeforeSending(t *testing.T) {
	f := newFakeInflux(t)
	dir := t.TempDir()
	s := newTestSink(t, f, SinkOptions{SpoolDir: dir, SpoolCommitInterval: time.Hour})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 1})
	for i := range 5 {
		w.Write(seqPoint("a", i))
	}
	st := w.Stats()
	if st.Pending != 5 || st.Uncommitted != 5 || s.Stats().Uncommitted != 5 {
		t.Fatalf("before the commit: %+v", st)
	}
	time.Sleep(20 * time.Millisecond) // the senders would have sent a batch of 1 by now
	if n := len(f.requestLog()); n != 0 {
		t.Fatalf("%d requests before the commit", n)
	}
	flush(t, s) // commits at once, then sends
	if st := w.Stats(); st.Written != 5 || st.Uncommitted != 0 {
		t.Fatalf("after Flush: %+v", st)
	}
	if c := s.Stats().Spool.Commits; c < 1 {
		t.Fatalf("%d commits", c)
	}

	// Down, five more, committed (as Flush asks) but not delivered; the
	// directory copied after the commit is what a crash would leave.
	f.down()
	for i := 5; i < 10; i++ {
		w.Write(seqPoint("a", i))
	}
	s.mu.Lock()
	s.flushing++ // commit now, without waiting for delivery
	s.mu.Unlock()
	s.wakeCommitter()
	waitFor(t, "the commit", func() bool { return w.Stats().Uncommitted == 0 })
	s.mu.Lock()
	s.flushing--
	s.mu.Unlock()
	crashed := copyDir(t, dir)
	if err := os.WriteFile(filepath.Join(crashed, runningMarker), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	f2 := newFakeInflux(t)
	s2 := newTestSink(t, f2, SinkOptions{SpoolDir: crashed})
	if sp := s2.Stats().Spool; !sp.UncleanStart || sp.Replayed < 5 {
		t.Fatalf("after the crash: %+v", sp)
	}
	flush(t, s2)
	got := f2.lines()
	for _, l := range seqLines("a", 5, 10) {
		if !slices.Contains(got, l) {
			t.Errorf("committed point %q lost in the crash", l)
		}
	}
}

// Segments are deleted once every point in them is delivered; the active
// one last, at a clean stop.
func TestSpoolDeletesDeliveredSegments(t *testing.T) {
	f := newFakeInflux(t)
	dir := t.TempDir()
	s := newTestSink(t, f, SinkOptions{SpoolDir: dir, SpoolBytes: 1 << 20, SpoolSegmentBytes: 2048,
		SpoolCommitInterval: time.Millisecond})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 50})
	for i := range 2000 {
		w.Write(seqPoint("a", i))
		if i%100 == 0 {
			time.Sleep(2 * time.Millisecond) // several commits, several segments
		}
	}
	flush(t, s)
	waitFor(t, "delivered segments to be deleted", func() bool {
		return len(segmentFiles(t, dir)) <= 1 && s.Stats().Spool.Segments <= 1
	})
	if st := w.Stats(); st.Written != 2000 {
		t.Fatalf("stats: %+v", st)
	}
	if sp := s.Stats().Spool; sp.Commits < 2 {
		t.Errorf("spool: %+v", sp)
	}
}

// When a commit would pass the spool's bound, the oldest segments go and
// their points are dropped (spool_full), counted; the newest stay.
func TestSpoolFullDropsOldestSegments(t *testing.T) {
	f := newFakeInflux(t)
	f.down()
	dir := t.TempDir()
	const bound = 64 << 10
	s := newTestSink(t, f, SinkOptions{SpoolDir: dir, SpoolBytes: bound, SpoolSegmentBytes: 8 << 10,
		SpoolCommitInterval: time.Millisecond, RetryBase: time.Hour, RetryMax: time.Hour})
	w := s.Writer("ns/a", WriterOptions{BatchSize: 100})
	const n = 5000 // about 5 times the bound
	for i := range n {
		w.Write(seqPoint("a", i))
		if i%50 == 0 {
			waitFor(t, "the commit", func() bool { return w.Stats().Uncommitted == 0 })
		}
	}
	waitFor(t, "the last commit", func() bool { return w.Stats().Uncommitted == 0 })
	st := w.Stats()
	checkIdentity(t, "a", st)
	sp := s.Stats().Spool
	if st.DroppedSpoolFull == 0 || sp.Dropped != st.DroppedSpoolFull || sp.Bytes > bound {
		t.Fatalf("writer %+v\nspool %+v", st, sp)
	}
	if st.SpoolPercent < 50 {
		t.Errorf("spool %d%% full, want most of it", st.SpoolPercent)
	}
	if c := Condition(st, time.Now()); c.Reason != "SpoolFilling" && c.Reason != "PointsDropped" {
		t.Errorf("condition %+v", c)
	}

	// What is left is the newest points, and it is what a restart sends.
	closeNow(t, s)
	f.up()
	s2 := newTestSink(t, f, SinkOptions{SpoolDir: dir, SpoolBytes: bound})
	kept := w.Stats().Spooled
	if kept != st.Pending {
		t.Errorf("spooled %d at Close, %d were pending", kept, st.Pending)
	}
	flush(t, s2)
	got := sortedLines(f.lines())
	want := sortedLines(seqLines("a", n-int(kept), n))
	if !slices.Equal(got, want) {
		t.Fatalf("after restart the server holds %d points (first %q), want the newest %d", len(got), first(got), len(want))
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// A crash mid-commit leaves a torn last record: it is cut, the records
// before it are replayed. Damage elsewhere sets the segment aside (.bad),
// its sound records committed again; neither crashes the process.
func TestSpoolTornAndCorruptSegments(t *testing.T) {
	dest := &destination{database: "db"}
	rec := func(from, to int) []byte {
		var lines []byte
		for _, l := range seqLines("a", from, to) {
			lines = append(lines, l+"\n"...)
		}
		return appendRecord(nil, "ns/a", dest, to-from, lines)
	}
	dir := t.TempDir()
	torn := slices.Concat([]byte(segMagic), rec(0, 3), rec(3, 5))
	torn = torn[:len(torn)-7] // the last commit cut short
	corrupt := slices.Concat([]byte(segMagic), rec(10, 12), rec(12, 14), rec(14, 16))
	corrupt[len(segMagic)+len(rec(10, 12))+recHeaderSize+4] ^= 0xff // inside the second record
	files := map[string][]byte{
		"0000000000000001.seg": torn,
		"0000000000000002.seg": corrupt,
		"0000000000000003.seg": []byte("TBSP"), // created, header cut short
		"0000000000000004.seg": []byte("something else entirely"),
		"notes.txt":            []byte("left alone"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := newFakeInflux(t)
	s := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	sp := s.Stats().Spool
	if sp.TornSegments != 2 || sp.BadSegments != 2 || sp.Replayed != 5 {
		t.Errorf("spool: %+v", sp)
	}
	flush(t, s)
	want := sortedLines(append(seqLines("a", 0, 3), seqLines("a", 10, 12)...))
	if got := sortedLines(f.lines()); !slices.Equal(got, want) {
		t.Errorf("delivered %q\nwant %q", got, want)
	}
	closeNow(t, s)
	left := spoolFiles(t, dir)
	slices.Sort(left)
	wantLeft := []string{"0000000000000002.seg.bad", "0000000000000004.seg.bad", "notes.txt"}
	if !slices.Equal(left, wantLeft) {
		t.Errorf("files left %v, want %v", left, wantLeft)
	}
}

// Whatever bytes a segment holds, reading it never panics and never
// returns a record that fails its own checks.
func FuzzParseSegment(f *testing.F) {
	dest := &destination{database: "db", retentionPolicy: "rp"}
	good := slices.Concat([]byte(segMagic), appendRecord(nil, "ns/a", dest, 1, []byte(seqLine("a", 1)+"\n")))
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte(segMagic + "\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte(segMagic + "\xff\xff\xff\x7f\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := parseSegment(data)
		for _, r := range rd.records {
			if r.writer == "" || r.database == "" || strings.Count(string(r.lines), "\n") != r.points {
				t.Fatalf("bad record accepted: %+v", r)
			}
		}
	})
}

// A start after an unclean stop says so; a clean stop removes the marker.
func TestSpoolUncleanStartMarker(t *testing.T) {
	f := newFakeInflux(t)
	dir := t.TempDir()
	s1 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	if s1.Stats().Spool.UncleanStart {
		t.Fatal("a fresh directory reported an unclean start")
	}
	if _, err := os.Stat(filepath.Join(dir, runningMarker)); err != nil {
		t.Fatalf("no running marker while open: %v", err)
	}
	closeNow(t, s1)
	s2 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	if s2.Stats().Spool.UncleanStart {
		t.Fatal("a clean stop was reported unclean")
	}
	closeNow(t, s2)
	if err := os.WriteFile(filepath.Join(dir, runningMarker), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s3 := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	if !s3.Stats().Spool.UncleanStart {
		t.Fatal("the marker of an unclean stop was not noticed")
	}
}

// Two recorders never share a directory.
func TestSpoolDirLocked(t *testing.T) {
	f := newFakeInflux(t)
	dir := t.TempDir()
	newTestSink(t, f, SinkOptions{SpoolDir: dir})
	s, err := NewSink(SinkOptions{URL: f.srv.URL, SpoolDir: dir})
	if err == nil {
		_, _ = s.Close(context.Background())
		t.Fatal("a second Sink opened a spool directory in use")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not say the directory is in use", err)
	}
}

// Files of the shutdown-only spool of earlier versions are taken into the
// log and sent; damaged ones are set aside.
func TestSpoolTakesLegacyFiles(t *testing.T) {
	f := newFakeInflux(t)
	dir := t.TempDir()
	files := map[string]string{
		"1.lp": `{"version":1,"writer":"ns/a","database":"db","points":2}` + "\n" + seqLine("a", 1) + "\n" + seqLine("a", 2) + "\n",
		"2.lp": "not json\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := newTestSink(t, f, SinkOptions{SpoolDir: dir})
	flush(t, s)
	if got := sortedLines(f.lines()); !slices.Equal(got, seqLines("a", 1, 3)) {
		t.Fatalf("delivered %q", got)
	}
	closeNow(t, s)
	if left := spoolFiles(t, dir); !slices.Equal(left, []string{"2.lp.bad"}) {
		t.Fatalf("files left %v", left)
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
