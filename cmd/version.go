package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and revision are set at link time by the image build
// (-ldflags "-X main.version=... -X main.revision=..."; see hack/imagebuild)
// and never written at run time. A plain go build leaves them empty, and
// versionLine falls back to what the toolchain recorded.
var (
	version  string
	revision string
)

// versionLine is what --version prints.
func versionLine(program string) string {
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
