package opdrill

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Operator is the operator binary run as a process. Each run logs to a
// file of its own under Dir, named after Name.
type Operator struct {
	T    testing.TB
	Bin  string
	Dir  string
	Name string // "operator" when empty
	Args []string

	runs   int
	cmd    *exec.Cmd
	exited chan struct{}
}

// LogPath is the log file of run (1 for the first).
func (o *Operator) LogPath(run int) string {
	name := o.Name
	if name == "" {
		name = "operator"
	}
	return filepath.Join(o.Dir, fmt.Sprintf("%s-%02d.log", name, run))
}

// Pid is the current run's process id (0 when none runs).
func (o *Operator) Pid() int {
	if o.cmd == nil || o.cmd.Process == nil {
		return 0
	}
	return o.cmd.Process.Pid
}

// Runs is how many times the operator was started.
func (o *Operator) Runs() int { return o.runs }

// Start starts a new run.
func (o *Operator) Start() {
	o.T.Helper()
	o.runs++
	logf, err := os.Create(o.LogPath(o.runs))
	if err != nil {
		o.T.Fatal(err)
	}
	cmd := exec.Command(o.Bin, o.Args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The operator dies with the test, even when the test binary is
	// killed by its timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		o.T.Fatalf("starting the operator: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	o.cmd, o.exited = cmd, exited
}

// Kill sends SIGKILL and waits for the process to be gone.
func (o *Operator) Kill() {
	if o.cmd == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGKILL)
	<-o.exited
	o.cmd = nil
}

// Terminate sends SIGTERM, as Kubernetes does to stop a pod, and waits up
// to grace for a clean exit before killing the process.
func (o *Operator) Terminate(grace time.Duration) (clean bool) {
	if o.cmd == nil {
		return false
	}
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-o.exited:
		clean = o.cmd.ProcessState != nil && o.cmd.ProcessState.Success()
	case <-time.After(grace):
		_ = o.cmd.Process.Signal(syscall.SIGKILL)
		<-o.exited
	}
	o.cmd = nil
	return clean
}

// Stop kills the current run; if the test failed, it first logs the
// run's last lines.
func (o *Operator) Stop() {
	if o.T.Failed() && o.runs > 0 {
		if b, err := os.ReadFile(o.LogPath(o.runs)); err == nil {
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			o.T.Logf("last 40 lines of %s:\n%s", o.LogPath(o.runs), strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	}
	o.Kill()
}

// DumpGoroutines has the Go runtime write every goroutine's stack to the
// run's log (SIGQUIT), which ends the run.
func (o *Operator) DumpGoroutines() {
	if o.cmd == nil {
		return
	}
	_ = o.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-o.exited:
		o.cmd = nil
	case <-time.After(10 * time.Second):
	}
}

// Running reports whether the current run is alive.
func (o *Operator) Running() bool {
	if o.exited == nil {
		return false
	}
	select {
	case <-o.exited:
		return false
	default:
		return true
	}
}

// WaitFor polls cond until it holds or the timeout passes; every operator
// in ops must stay alive meanwhile. On a timeout their goroutines are
// dumped into their logs.
func WaitFor(t testing.TB, ops []*Operator, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	WaitForEvery(t, ops, timeout, 200*time.Millisecond, what, cond)
}

// WaitForEvery is WaitFor polling every interval (for conditions that
// are costly to check, such as listing thousands of objects).
func WaitForEvery(t testing.TB, ops []*Operator, timeout, interval time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		for _, op := range ops {
			if !op.Running() {
				t.Fatalf("the operator exited while waiting for %s (%s); its log is %s", what, state, op.LogPath(op.runs))
			}
		}
		if time.Now().After(deadline) {
			var logs []string
			for _, op := range ops {
				op.DumpGoroutines()
				logs = append(logs, op.LogPath(op.runs))
			}
			t.Fatalf("waiting for %s: still %s after %s; the operators' goroutines are in %s", what, state, timeout, strings.Join(logs, ", "))
		}
		time.Sleep(interval)
	}
}
