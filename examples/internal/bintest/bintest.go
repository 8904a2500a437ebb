// Package bintest runs an example program the way its users do: built with
// go build, in a clean environment, against the fake servers. Tests only.
package bintest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Build builds the main package in the current directory (the test's own
// package) into t.TempDir and returns the binary's path.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prog")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Result is what one run printed and its exit status.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Out is stdout followed by stderr.
func (r Result) Out() string { return r.Stdout + r.Stderr }

// Env returns a clean environment for a run: PATH, a scratch HOME, git
// configured to read no user or system configuration (so no helper of the
// machine is asked for a token) and never to prompt, then extra
// ("NAME=value").
func Env(t testing.TB, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(home, "gitconfig"),
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"LANG=C",
	}
	return append(env, extra...)
}

// Run runs bin with args in env, stdin as its input, and a deadline of two
// minutes.
func Run(t testing.TB, bin string, env []string, stdin string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	default:
		t.Fatalf("%s %q: %v", filepath.Base(bin), args, err)
	}
	return res
}
