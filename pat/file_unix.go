//go:build unix

package pat

import (
	"os"
	"os/exec"
	"syscall"
)

// checkFilePermissions: Unix mode bits say who may read a file.
const checkFilePermissions = true

// openTokenFile opens path for reading without blocking on a named pipe
// that appeared after the first check; the caller checks what it opened.
func openTokenFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// detach runs cmd in a session of its own, without a controlling terminal
// (so nothing it starts can open /dev/tty to prompt), and makes cancelling
// kill its whole process group, credential helpers included.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
