package provider

// SetTestHookAfterCacheMiss sets the hook that runs between a check's cache
// miss and its request, and returns a function that removes it.
func SetTestHookAfterCacheMiss(f func()) (restore func()) {
	testHookAfterCacheMiss = f
	return func() { testHookAfterCacheMiss = nil }
}
