//go:build !unix

package recording

// lockDir is a no-op where flock is not available: keep one recorder per
// spool directory by configuration.
func lockDir(string) (func(), error) { return func() {}, nil }
