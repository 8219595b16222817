package influxtest

import "syscall"

// sysProcAttr makes the kernel kill influxd if the test process dies
// without stopping it, so no server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
