// Package clock owns the manual clock that tests hand to code taking a
// func() time.Time: Fake reads the time it was given until a test moves it
// with Advance or Set, so time-dependent logic runs deterministically and
// without sleeps. A Fake is safe for concurrent use.
package clock
