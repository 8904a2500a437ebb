package provider

import "time"

// SetTestHookAfterCacheMiss sets the hook that runs between a check's cache
// miss and its request, and returns a function that removes it.
func SetTestHookAfterCacheMiss(f func()) (restore func()) {
	checks.AfterMiss = f
	return func() { checks.AfterMiss = nil }
}

// SetCheckClock sets the check cache's clock, and returns a function that
// restores it. Tests that use it are not parallel.
func SetCheckClock(now func() time.Time) (restore func()) {
	checks.Now = now
	return func() { checks.Now = nil }
}
