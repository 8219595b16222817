package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Line is what a program's --version prints. version and revision are the
// values stamped at link time (empty for a plain go build, which then
// reports the module version and VCS revision the toolchain recorded).
func Line(program, version, revision string) string {
	v, r := version, revision
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if r == "" && s.Key == "vcs.revision" {
				r = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if r == "" {
		r = "unknown"
	}
	return fmt.Sprintf("%s version %s revision %s %s %s/%s", program, v, r, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
