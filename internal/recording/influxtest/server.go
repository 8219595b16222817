package influxtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options configure a throwaway server.
type Options struct {
	// Databases are created once the server is up (default "tradebot").
	Databases []string
	// Flux serves Flux on /api/v2/query. It makes start-up take seconds
	// instead of a fraction of one.
	Flux bool
	// StartTimeout bounds each start (default 2 minutes, which covers
	// building influxd the first time).
	StartTimeout time.Duration
}

// Server is a throwaway influxd on loopback with its own config and data
// directory. It is stopped when the test that started it ends.
type Server struct {
	// URL is the base URL, such as "http://127.0.0.1:40123". It stays the
	// same across Kill and Restart.
	URL string
	// Dir holds the config, data and log.
	Dir string

	bin     string
	timeout time.Duration

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been waited for
}

// Start builds (once, cached) and starts influxd, waits until /health
// answers and creates the databases. It fails tb if anything goes wrong,
// with the tail of influxd's log.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := start(tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	for _, db := range opts.Databases {
		s.CreateDatabase(tb, db)
	}
	if len(opts.Databases) == 0 {
		s.CreateDatabase(tb, "tradebot")
	}
	return s
}

func start(dir string, opts Options) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin, timeout: opts.StartTimeout}
	if s.timeout <= 0 {
		s.timeout = 2 * time.Minute
	}
	// Port 0 first; the port influxd picks is then written into the config
	// so a restart comes back on the same URL.
	if err := s.writeConfig("127.0.0.1:0", opts.Flux); err != nil {
		return nil, err
	}
	if err := s.launch(); err != nil {
		return nil, err
	}
	addr, err := s.waitListening()
	if err == nil {
		s.URL = "http://" + addr
		err = s.writeConfig(addr, opts.Flux)
	}
	if err == nil {
		err = s.waitHealthy()
	}
	if err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) configPath() string { return filepath.Join(s.Dir, "influxdb.conf") }
func (s *Server) logPath() string    { return filepath.Join(s.Dir, "influxd.log") }

func (s *Server) writeConfig(httpAddr string, flux bool) error {
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:0"
[meta]
  dir = %[1]q
[data]
  dir = %[2]q
  wal-dir = %[3]q
  index-version = "inmem"
  query-log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[http]
  bind-address = %[4]q
  auth-enabled = false
  flux-enabled = %[5]t
  log-enabled = false
`, filepath.Join(s.Dir, "meta"), filepath.Join(s.Dir, "data"), filepath.Join(s.Dir, "wal"), httpAddr, flux)
	return os.WriteFile(s.configPath(), []byte(conf), 0o600)
}

// launch starts influxd in the background, logging to the log file.
func (s *Server) launch() error {
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(s.bin, "run", "-config", s.configPath())
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting influxd: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // reaps the process; its exit is expected
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

func (s *Server) waitListening() (string, error) {
	listeningRE := regexp.MustCompile(`msg="Listening on HTTP".* addr=(\S+)`)
	deadline := time.Now().Add(s.timeout)
	for {
		log, _ := os.ReadFile(s.logPath())
		if m := listeningRE.FindSubmatch(log); m != nil {
			return string(m[1]), nil
		}
		if err := s.checkAlive(deadline, "listen"); err != nil {
			return "", err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) waitHealthy() error {
	deadline := time.Now().Add(s.timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	for {
		resp, err := client.Get(s.URL + "/health")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := s.checkAlive(deadline, "answer /health"); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAlive fails when influxd exited or the deadline passed, quoting the
// log's tail.
func (s *Server) checkAlive(deadline time.Time, what string) error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	select {
	case <-done:
		return fmt.Errorf("influxd exited before it could %s; log tail:\n%s", what, s.LogTail(20))
	default:
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("influxd did not %s within %s; log tail:\n%s", what, s.timeout, s.LogTail(20))
	}
	return nil
}

// LogTail returns the last n lines of influxd's log.
func (s *Server) LogTail(n int) string {
	log, _ := os.ReadFile(s.logPath())
	lines := strings.Split(strings.TrimRight(string(log), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// PID returns the running influxd's process id, or 0.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil || isClosed(s.done) {
		return 0
	}
	return s.cmd.Process.Pid
}

// Kill stops influxd with SIGKILL, like a crash, and waits for it to exit.
// Acknowledged writes survive in its WAL.
func (s *Server) Kill() {
	s.signalAndWait(syscall.SIGKILL, 0)
}

// Stop stops influxd with SIGTERM, then SIGKILL after 10 s. It is safe to
// call more than once.
func (s *Server) Stop() {
	s.signalAndWait(syscall.SIGTERM, 10*time.Second)
}

func (s *Server) signalAndWait(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return
	}
	_ = cmd.Process.Signal(sig) // fails only if it already exited
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-t.C:
			_ = cmd.Process.Kill()
		}
	}
	<-done
}

// Restart starts influxd again on the same data directory and URL after
// Kill or Stop, and waits until it is healthy.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if s.PID() != 0 {
		tb.Fatal("influxtest: Restart while influxd runs; Kill or Stop it first")
	}
	err := s.launch()
	if err == nil {
		err = s.waitHealthy()
	}
	if err != nil {
		s.Stop()
		tb.Fatal(err)
	}
}

func isClosed(ch chan struct{}) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Binary returns the influxd to run: $INFLUXD, or the one hack/tools.sh
// builds (once, into a cache outside the repository).
func Binary() (string, error) {
	if p := os.Getenv("INFLUXD"); p != "" {
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "tools.sh"), "influxd")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hack/tools.sh influxd: %w\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// repoRoot walks up from the working directory (a test's package
// directory) to the directory holding hack/tools.sh.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "hack", "tools.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("influxtest: hack/tools.sh not found above the working directory; set INFLUXD")
		}
		dir = parent
	}
}
