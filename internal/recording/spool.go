package recording

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The spool is a write-ahead log in a directory: with one, a point given to
// Write is staged in memory, and the Sink's committer goroutine appends the
// staged points to the active segment file in group commits (every commit
// interval, or sooner once a commit's worth of bytes is staged), fsyncs,
// and only then hands them to the senders. A point counts as accepted once
// committed; a crash loses at most what was staged since the last commit.
//
// Points stay in memory as well, so sending never reads the disk. Each
// batch remembers which segments hold its points (runs); a segment counts
// its points not yet settled (written, refused or dropped) and its file is
// deleted once that count is zero and it is no longer the active one. A new
// Sink on the directory replays every segment left: points InfluxDB may
// already hold are sent again, and replace themselves there.
//
// The directory's bytes are bounded: a commit that would pass the bound
// first deletes the oldest segments, and drops the points they held that
// are not in flight (reason spool_full). A file named runningMarker exists
// while a Sink has the directory open; finding it at start means the last
// one did not close cleanly.

const (
	runningMarker = "running.marker"
	lockFile      = "lock"
	// legacySuffix names the one-file-per-batch spool of earlier versions,
	// written only at shutdown; such files are taken into the log at start.
	legacySuffix = ".lp"
)

// segment is one segment file.
type segment struct {
	id      uint64
	path    string
	created time.Time

	// Guarded by Sink.mu.
	size   int64 // bytes in the file
	live   int64 // points in it not settled yet
	active bool  // commits append to it
	gone   bool  // deleted or being deleted; its points are no longer counted here
}

// segRun says that n consecutive points of a block are in seg (nil: in no
// segment, as after a failed commit).
type segRun struct {
	seg *segment
	n   int
}

func (b *block) addRun(seg *segment, n int) {
	if k := len(b.runs); k > 0 && b.runs[k-1].seg == seg {
		b.runs[k-1].n += n
		return
	}
	b.runs = append(b.runs, segRun{seg, n})
}

// spooledPoints counts the block's points some live segment holds.
func (b *block) spooledPoints() int {
	n := 0
	for _, r := range b.runs {
		if r.seg != nil && !r.seg.gone {
			n += r.n
		}
	}
	return n
}

// stagedBatch is one writer's points for one destination waiting for the
// next commit.
type stagedBatch struct {
	w    *Writer
	dest *destination
	buf  []byte
	n    int
}

// spool is a Sink's write-ahead log.
type spool struct {
	dir                                 string
	maxBytes, commitBytes, segmentBytes int64
	interval, segmentAge                time.Duration
	unlock                              func() // releases the directory's lock

	// Guarded by Sink.mu.
	segs         []*segment // not gone, oldest first; the active one last
	bytes        int64      // of segs' files
	staged       []*stagedBatch
	stagedPoints int64 // staged since the last commit took the batches
	stagedBytes  int64
	stagedSince  time.Time
	reap         []string // files of gone segments, to delete
	replayed     int64
	badSegments  int64
	tornSegments int64
	commits      int64
	commitErrors int64
	lastErr      string
	dropped      int64 // points dropped as spool_full
	uncleanStart bool

	// Owned by the committer (and by NewSink before it starts, Close after
	// it ends).
	file   *os.File
	active *segment
	nextID uint64
	buf    []byte
	rotate bool     // start a new segment before the next commit
	legacy []string // legacy files, deleted once their points are committed

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// openSpool takes the spool directory (creating it), replays what it holds
// and starts a new active segment. It runs in NewSink, before any goroutine.
func (s *Sink) openSpool() error {
	o := s.opts
	sp := &spool{
		dir:          o.SpoolDir,
		maxBytes:     o.SpoolBytes,
		commitBytes:  int64(o.SpoolCommitBytes),
		segmentBytes: o.SpoolSegmentBytes,
		interval:     o.SpoolCommitInterval,
		segmentAge:   o.SpoolSegmentAge,
		nextID:       1,
		wake:         make(chan struct{}, 1),
		stop:         make(chan struct{}),
		done:         make(chan struct{}),
	}
	if err := os.MkdirAll(sp.dir, 0o750); err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	unlock, err := lockDir(filepath.Join(sp.dir, lockFile))
	if err != nil {
		return fmt.Errorf("spool directory %s: %w", sp.dir, err)
	}
	sp.unlock = unlock
	s.sp = sp
	if err := s.replay(); err != nil {
		s.closeSpoolFiles()
		return err
	}
	return nil
}

func (s *Sink) replay() error {
	sp := s.sp
	entries, err := os.ReadDir(sp.dir)
	if err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	if _, err := os.Stat(filepath.Join(sp.dir, runningMarker)); err == nil {
		sp.uncleanStart = true
	}
	var segNames, legacy []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case !e.Type().IsRegular():
		case strings.HasSuffix(name, segSuffix):
			id, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 16, 64)
			if err != nil {
				continue // not ours
			}
			sp.nextID = max(sp.nextID, id+1)
			segNames = append(segNames, name)
		case strings.HasSuffix(name, legacySuffix):
			legacy = append(legacy, name)
		}
	}
	slices.Sort(segNames) // fixed-width hex: name order is id order
	slices.Sort(legacy)
	now := s.opts.Now()
	segments := 0
	for _, name := range segNames {
		path := filepath.Join(sp.dir, name)
		id, _ := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 16, 64)
		rd, err := readSegment(path)
		if err == nil && rd.corrupt != nil {
			err = rd.corrupt
		}
		if err != nil {
			// Set aside, for a human to look at; the records before the
			// damage are sound (checksummed) and are committed again.
			s.opts.Logger.Error(err, "spool segment damaged; set aside", "file", path+".bad",
				"recoveredPoints", countPoints(rd.records))
			_ = os.Rename(path, path+".bad")
			sp.badSegments++
			s.mu.Lock()
			for _, r := range rd.records {
				s.stageReplayedLocked(r)
			}
			s.mu.Unlock()
			continue
		}
		if rd.tornBytes > 0 {
			sp.tornSegments++
			s.opts.Logger.Info("spool segment ends in an unfinished commit; cut", "file", path, "bytes", rd.tornBytes)
		}
		if len(rd.records) == 0 {
			removeFiles([]string{path})
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		seg := &segment{id: id, path: path, created: now, size: fi.Size()}
		segments++
		s.mu.Lock()
		for _, r := range rd.records {
			w := s.replayWriterLocked(r.writer)
			s.addPendingLocked(w, int64(r.points), int64(len(r.lines)))
			w.c.replayed += int64(r.points)
			sp.replayed += int64(r.points)
			seg.live += int64(r.points)
			s.appendLinesLocked(w, s.destLocked(r.database, r.retentionPolicy), r.lines, r.points, seg, now)
		}
		sp.segs = append(sp.segs, seg)
		sp.bytes += seg.size
		s.mu.Unlock()
	}
	for _, name := range legacy {
		path := filepath.Join(sp.dir, name)
		hdr, lines, err := readSpoolFile(path)
		if err != nil {
			s.opts.Logger.Error(err, "ignoring unreadable spool file", "file", path)
			_ = os.Rename(path, path+".bad")
			sp.badSegments++
			continue
		}
		s.mu.Lock()
		s.stageReplayedLocked(record{writer: hdr.Writer, database: hdr.Database,
			retentionPolicy: hdr.RetentionPolicy, points: hdr.Points, lines: lines})
		s.mu.Unlock()
		sp.legacy = append(sp.legacy, path)
	}

	if err := writeMarker(filepath.Join(sp.dir, runningMarker)); err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	if err := s.rotateSegment(); err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	s.commit() // what was set aside or left by earlier versions, before new points
	if sp.commitErrors == 0 {
		removeFiles(sp.legacy) // their points are in the log now
	}
	sp.legacy = nil

	s.mu.Lock()
	// The memory bounds hold for replayed points too: the oldest go first.
	for s.bufPoints > int64(s.opts.MaxPoints) || s.bufBytes > s.opts.MaxBytes {
		if v := s.largestLocked(); v == nil || !s.evictOldestLocked(v, now) {
			break
		}
	}
	replayed, unclean := sp.replayed, sp.uncleanStart
	s.mu.Unlock()
	if replayed > 0 || segments > 0 {
		s.opts.Logger.Info("replaying spooled points", "points", replayed, "segments", segments)
	}
	if unclean {
		s.opts.Logger.Info("the previous run did not stop cleanly: points written in its last commit interval may be lost",
			"commitInterval", sp.interval.String())
	}
	return nil
}

func countPoints(rs []record) int {
	n := 0
	for _, r := range rs {
		n += r.points
	}
	return n
}

// replayWriterLocked returns the writer of key for replayed points: one
// that no resource asked for is released, and forgotten once its points
// are delivered (replay runs before any resource asks).
func (s *Sink) replayWriterLocked(key string) *Writer {
	w, ok := s.writers[key]
	if !ok {
		w = s.writerLocked(key)
		w.released = true
	}
	return w
}

// stageReplayedLocked stages a record recovered from a damaged or legacy
// file, to be committed again.
func (s *Sink) stageReplayedLocked(r record) {
	w := s.replayWriterLocked(r.writer)
	s.addPendingLocked(w, int64(r.points), int64(len(r.lines)))
	w.c.replayed += int64(r.points)
	s.sp.replayed += int64(r.points)
	s.stageLinesLocked(w, s.destLocked(r.database, r.retentionPolicy), r.lines, r.points)
}

// stageLocked stages one encoded line of w for the next commit, counting
// it as pending.
func (s *Sink) stageLocked(w *Writer, line []byte) {
	s.addPendingLocked(w, 1, int64(len(line)))
	s.stageLinesLocked(w, w.dest, line, 1)
}

func (s *Sink) stageLinesLocked(w *Writer, dest *destination, lines []byte, n int) {
	sp := s.sp
	b := w.stage
	if b == nil || b.dest != dest {
		b = &stagedBatch{w: w, dest: dest}
		w.stage = b
		sp.staged = append(sp.staged, b)
	}
	b.buf = append(b.buf, lines...)
	b.n += n
	w.staged += int64(n)
	if sp.stagedPoints == 0 {
		sp.stagedSince = time.Now() // the commit interval is real time, whatever Now says
		s.wakeCommitter()
	}
	sp.stagedPoints += int64(n)
	sp.stagedBytes += int64(len(lines))
	if sp.stagedBytes >= sp.commitBytes && sp.stagedBytes-int64(len(lines)) < sp.commitBytes {
		s.wakeCommitter() // a commit's worth: no need to wait
	}
}

func (s *Sink) wakeCommitter() {
	select {
	case s.sp.wake <- struct{}{}:
	default:
	}
}

// committer commits staged points every commit interval, or at once when a
// commit's worth is staged or a Flush or Close waits, and deletes the files
// of settled segments, until Close stops it after a last commit.
func (s *Sink) committer() {
	sp := s.sp
	defer close(sp.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		s.mu.Lock()
		wait, now := time.Duration(-1), false
		if len(sp.staged) > 0 {
			left := time.Until(sp.stagedSince.Add(sp.interval))
			now = s.flushing > 0 || s.closing || sp.stagedBytes >= sp.commitBytes || left <= 0
			wait = left
		}
		reap := sp.takeReap()
		s.mu.Unlock()
		removeFiles(reap)
		if now {
			s.commit()
			continue
		}
		if wait >= 0 {
			timer.Reset(wait)
		}
		select {
		case <-sp.wake:
		case <-timer.C:
		case <-sp.stop:
			timer.Stop()
			s.commit()
			s.mu.Lock()
			reap := sp.takeReap()
			s.mu.Unlock()
			removeFiles(reap)
			return
		}
		timer.Stop()
	}
}

func (sp *spool) takeReap() []string {
	r := sp.reap
	sp.reap = nil
	return r
}

// commit writes every staged batch to the active segment as one write and
// one fsync, then hands the points to the senders. Only the committer (or
// NewSink before it starts) calls it.
func (s *Sink) commit() {
	sp := s.sp
	s.mu.Lock()
	batches := sp.staged
	sp.staged = nil
	sp.stagedPoints, sp.stagedBytes = 0, 0
	for _, b := range batches {
		if b.w.stage == b {
			b.w.stage = nil
		}
	}
	s.mu.Unlock()
	if len(batches) == 0 {
		return
	}
	buf := sp.buf[:0]
	points := 0
	for _, b := range batches {
		buf = appendRecord(buf, b.w.key, b.dest, b.n, b.buf)
		points += b.n
	}
	need := int64(len(buf))

	var seg *segment
	fits := true
	err := s.prepareSegment(need)
	if err == nil {
		if fits = s.makeRoom(need); fits {
			if err = s.writeCommit(buf); err == nil {
				seg = sp.active
			}
		}
	}
	if cap(buf) <= 2*int(sp.commitBytes) {
		sp.buf = buf[:0] // reused; an outsized one is left to the collector
	} else {
		sp.buf = nil
	}

	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !fits {
		// A commit larger than the whole spool: its points cannot be kept.
		for _, b := range batches {
			s.dropStagedLocked(b, now)
		}
		s.opts.Logger.Info("recording spool too small for one commit; its points are dropped",
			"points", points, "bytes", need, "spoolBytes", sp.maxBytes)
		s.noteProgressLocked()
		return
	}
	if err != nil {
		// The points stay in memory and are still sent, but a crash would
		// lose them; the next commit starts a new segment.
		sp.commitErrors++
		if sp.lastErr != err.Error() {
			s.opts.Logger.Error(err, "recording spool commit failed; points kept in memory only", "points", points)
		}
		sp.lastErr = err.Error()
		sp.rotate = true
	} else {
		seg.size += need
		seg.live += int64(points)
		sp.bytes += need
		sp.commits++
		sp.lastErr = ""
	}
	for _, b := range batches {
		b.w.staged -= int64(b.n)
		s.appendLinesLocked(b.w, b.dest, b.buf, b.n, seg, now)
	}
	if s.flushing > 0 || s.closing {
		s.wakeSender()
	}
}

// dropStagedLocked drops a staged batch as spool_full.
func (s *Sink) dropStagedLocked(b *stagedBatch, now time.Time) {
	w := b.w
	w.staged -= int64(b.n)
	w.c.dropSpoolFull += int64(b.n)
	w.c.lastDrop = now
	s.sp.dropped += int64(b.n)
	s.addPendingLocked(w, -int64(b.n), -int64(len(b.buf)))
	s.forgetIfDoneLocked(w)
}

// noteProgressLocked wakes those waiting for the buffer to empty (Flush,
// Close) after points left it other than by a request.
func (s *Sink) noteProgressLocked() {
	close(s.progress)
	s.progress = make(chan struct{})
}

// prepareSegment starts a new active segment when the current one is full,
// old, broken, or must become deletable to make room.
func (s *Sink) prepareSegment(need int64) error {
	sp := s.sp
	if a := sp.active; a != nil && !sp.rotate {
		s.mu.Lock()
		size, total := a.size, sp.bytes
		s.mu.Unlock()
		hasData := size > int64(len(segMagic))
		if !hasData || (size+need <= sp.segmentBytes && time.Since(a.created) < sp.segmentAge && total+need <= sp.maxBytes) {
			return nil
		}
		if err := s.rotateSegment(); err != nil {
			// Keep appending to the current one; rotation is tried again
			// at the next commit.
			s.opts.Logger.Error(err, "starting a new spool segment")
		}
		return nil
	}
	return s.rotateSegment()
}

// rotateSegment creates the next segment file and makes it the active one.
func (s *Sink) rotateSegment() error {
	sp := s.sp
	id := sp.nextID
	sp.nextID++
	path := filepath.Join(sp.dir, fmt.Sprintf("%016x%s", id, segSuffix))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, err = f.WriteString(segMagic)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = syncDir(sp.dir) // the new name survives a power loss
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("spool: %w", err)
	}
	seg := &segment{id: id, path: path, created: time.Now(), size: int64(len(segMagic)), active: true}
	s.mu.Lock()
	if prev := sp.active; prev != nil {
		prev.active = false
		if prev.live == 0 {
			s.reapLocked(prev)
		}
	}
	sp.segs = append(sp.segs, seg)
	sp.bytes += seg.size
	s.mu.Unlock()
	if sp.file != nil {
		_ = sp.file.Close() // synced by its last commit
	}
	sp.file, sp.active, sp.rotate = f, seg, false
	return nil
}

// makeRoom deletes the oldest segments until need more bytes fit the
// bound. It returns false if they cannot fit even in an empty spool.
func (s *Sink) makeRoom(need int64) bool {
	sp := s.sp
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for sp.bytes+need > sp.maxBytes {
		var oldest *segment
		for _, g := range sp.segs {
			if !g.active {
				oldest = g
				break
			}
		}
		if oldest == nil {
			return false
		}
		s.dropSegmentLocked(oldest, now)
	}
	return true
}

// writeCommit appends buf to the active segment and syncs it.
func (s *Sink) writeCommit(buf []byte) error {
	if _, err := s.sp.file.Write(buf); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := s.sp.file.Sync(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// dropSegmentLocked deletes seg to make room, dropping the points it holds
// that are not in flight (and any older ones before them in their batch)
// as spool_full. Points in flight stay, no longer spooled: their outcome
// is not known yet.
func (s *Sink) dropSegmentLocked(seg *segment, now time.Time) {
	s.reapLocked(seg)
	var lost int64
	for _, w := range s.writers {
		for i := 0; i < len(w.blocks); {
			b := w.blocks[i]
			k := b.pointsThrough(seg)
			if k == 0 || b.state == blockInFlight || b.pinned {
				i++
				continue
			}
			off := 0
			live := b.live()
			for range k {
				off += bytes.IndexByte(live[off:], '\n') + 1
			}
			b.head += off
			b.n -= k
			s.settleHeadLocked(b, k)
			s.addPendingLocked(w, -int64(k), -int64(off))
			w.c.dropSpoolFull += int64(k)
			w.c.lastDrop = now
			lost += int64(k)
			if b.n == 0 {
				s.removeBlockLocked(w, i)
				continue
			}
			i++
		}
		s.forgetIfDoneLocked(w)
	}
	s.sp.dropped += lost
	s.opts.Logger.Info("recording spool full; deleted its oldest segment",
		"segment", filepath.Base(seg.path), "droppedPoints", lost, "spoolBytes", s.sp.maxBytes)
	if lost > 0 {
		s.noteProgressLocked()
	}
}

// pointsThrough counts the block's points up to and including its run in
// seg; 0 when it has none there.
func (b *block) pointsThrough(seg *segment) int {
	n := 0
	for _, r := range b.runs {
		n += r.n
		if r.seg == seg {
			return n
		}
	}
	return 0
}

// settleHeadLocked says the block's first n points left the buffer
// (written, refused or dropped): their segments no longer wait for them.
func (s *Sink) settleHeadLocked(b *block, n int) {
	for n > 0 && len(b.runs) > 0 {
		r := &b.runs[0]
		k := min(n, r.n)
		if g := r.seg; g != nil && !g.gone {
			g.live -= int64(k)
			if g.live <= 0 && !g.active {
				s.reapLocked(g)
			}
		}
		r.n -= k
		n -= k
		if r.n == 0 {
			b.runs = b.runs[1:]
		}
	}
}

// reapLocked forgets seg and has the committer delete its file.
func (s *Sink) reapLocked(seg *segment) {
	if seg.gone {
		return
	}
	sp := s.sp
	seg.gone = true
	sp.bytes -= seg.size
	sp.segs = slices.DeleteFunc(sp.segs, func(g *segment) bool { return g == seg })
	sp.reap = append(sp.reap, seg.path)
	s.wakeCommitter()
}

func (s *Sink) spoolPercentLocked() int {
	if s.sp == nil || s.sp.maxBytes <= 0 {
		return 0
	}
	return int(min(s.sp.bytes*100/s.sp.maxBytes, 100))
}

// compactSpool writes what Close could not deliver (every block left, in
// memory whatever its segments) to a new segment and deletes the older
// ones, so that the next Sink replays exactly those points rather than
// whole segments mostly delivered. On failure the older segments stay and
// it returns false.
func (s *Sink) compactSpool(left []*block) bool {
	sp := s.sp
	if err := s.rotateSegment(); err != nil {
		s.opts.Logger.Error(err, "compacting the recording spool at shutdown")
		return false
	}
	buf := sp.buf[:0]
	points := 0
	for _, b := range left {
		buf = appendRecord(buf, b.w.key, b.dest, b.n, b.live())
		points += b.n
	}
	sp.buf = nil
	if !s.makeRoom(int64(len(buf))) {
		return false
	}
	if err := s.writeCommit(buf); err != nil {
		s.opts.Logger.Error(err, "compacting the recording spool at shutdown")
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := sp.active
	seg.size += int64(len(buf))
	seg.live = int64(points)
	sp.bytes += int64(len(buf))
	for _, g := range slices.Clone(sp.segs) {
		if g != seg {
			s.reapLocked(g)
		}
	}
	return true
}

// closeSpool ends the spool after the committer stopped: segments holding
// nothing are deleted, and the running marker removed (a clean stop).
func (s *Sink) closeSpool() error {
	sp := s.sp
	s.mu.Lock()
	for _, g := range slices.Clone(sp.segs) {
		g.active = false
		if g.live <= 0 {
			s.reapLocked(g)
		}
	}
	reap := sp.takeReap()
	s.mu.Unlock()
	removeFiles(reap)
	var errs []error
	if sp.file != nil {
		errs = append(errs, sp.file.Close())
		sp.file = nil
	}
	errs = append(errs, os.Remove(filepath.Join(sp.dir, runningMarker)), syncDir(sp.dir))
	sp.unlock()
	return errors.Join(errs...)
}

// closeSpoolFiles releases what openSpool took when it fails.
func (s *Sink) closeSpoolFiles() {
	if s.sp.file != nil {
		_ = s.sp.file.Close()
	}
	s.sp.unlock()
}

func writeMarker(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "pid %d\n", os.Getpid())
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
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
