//go:build !unix

package pat

import (
	"os"
	"os/exec"
)

// checkFilePermissions: outside Unix, mode bits do not say who may read a
// file (Windows uses ACLs), so File does not check them.
const checkFilePermissions = false

func openTokenFile(path string) (*os.File, error) { return os.Open(path) }

// detach leaves cmd as it is: GIT_TERMINAL_PROMPT=0 and the emptied askpass
// variables keep git from prompting.
func detach(cmd *exec.Cmd) {}
