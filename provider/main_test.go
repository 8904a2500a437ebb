package provider_test

import (
	"os"
	"testing"

	"github.com/patgit/patgit/gitauth"
)

// TestMain enables gitauth's go-git settings before any test starts: some
// tests clone with go-git directly while others, in parallel, clone through
// gitauth, and gitauth changes go-git's process-wide transports on its first
// transfer, which must not race with another transfer (see
// gitauth.EnableMultiAck).
func TestMain(m *testing.M) {
	gitauth.EnableMultiAck()
	os.Exit(m.Run())
}
