package main

import "github.com/tradebot-operator/tradebot-operator/internal/buildinfo"

// version and revision are set at link time by the image build
// (-ldflags "-X main.version=... -X main.revision=..."; see hack/imagebuild)
// and never written at run time. A plain go build leaves them empty, and
// buildinfo.Line falls back to what the toolchain recorded.
var (
	version  string
	revision string
)

// versionLine is what --version prints.
func versionLine(program string) string { return buildinfo.Line(program, version, revision) }
