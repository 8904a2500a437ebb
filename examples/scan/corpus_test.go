package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFalsePositivesOnRealCorpora scans the Go source tree and this
// repository's own history (every ref) and expects no checked token; it
// logs the shape-only count. Opt-in, as it reads about 130 MB:
//
//	PATGIT_SCAN_CORPUS=1 go test -run FalsePositives -v ./examples/scan/
func TestFalsePositivesOnRealCorpora(t *testing.T) {
	if os.Getenv("PATGIT_SCAN_CORPUS") == "" {
		t.Skip("set PATGIT_SCAN_CORPUS=1 to scan the Go source tree and this repository's history")
	}
	needGit(t)
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git repository: %v", err)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	for name, args := range map[string][]string{
		"Go source tree": {filepath.Join(strings.TrimSpace(string(goroot)), "src")},
		"own history":    {"-history", strings.TrimSpace(string(top))},
	} {
		r := runScan(t, t.TempDir(), "", args...)
		if r.code != exitClean {
			t.Errorf("%s: exit %d, want 0 (no checked token)\n%s%s", name, r.code, r.stdout, r.stderr)
		}
		t.Logf("%s: %s", name, strings.TrimSpace(r.stderr))
	}
}
