package influxtest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A point written before a SIGKILL is still there after the restart, on the
// same URL, and the process is gone in between.
func TestKillRestartKeepsData(t *testing.T) {
	s := Start(t, Options{Databases: []string{"a"}})
	if got := s.Int(t, "a", "SELECT count(v) FROM m", "count"); got != 0 {
		t.Fatalf("empty database: count = %d", got)
	}
	s.Query(t, "a", "SELECT * FROM m") // an empty answer is no error
	write(t, s.URL, "a", "m v=41i 1\nm v=1i 2\n")
	url := s.URL
	s.Kill()
	if pid := s.PID(); pid != 0 {
		t.Fatalf("PID after Kill = %d, want 0", pid)
	}
	s.Restart(t)
	if s.URL != url {
		t.Fatalf("URL changed across restart: %s -> %s", url, s.URL)
	}
	if got := s.Int(t, "a", "SELECT sum(v) FROM m", "sum"); got != 42 {
		t.Fatalf("sum after restart = %d, want 42", got)
	}
	s.Stop()
	s.Stop() // idempotent
}
