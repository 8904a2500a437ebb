package providertest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ErrNoGit reports that the git binary, which the fakes need to serve real
// repositories through git http-backend, is not installed.
var ErrNoGit = errors.New("providertest: git is not installed (apt-get install git)")

var (
	execPathOnce sync.Once
	execPath     string
	execPathErr  error
)

// gitExecPath returns `git --exec-path`, where git-http-backend lives.
func gitExecPath() (string, error) {
	execPathOnce.Do(func() {
		if _, err := exec.LookPath("git"); err != nil {
			execPathErr = ErrNoGit
			return
		}
		out, err := exec.Command("git", "--exec-path").Output()
		if err != nil {
			execPathErr = fmt.Errorf("providertest: git --exec-path: %w", err)
			return
		}
		execPath = strings.TrimSpace(string(out))
	})
	return execPath, execPathErr
}

// GitAvailable returns nil when git is installed, else [ErrNoGit]. Tests that
// serve repositories call it first and skip with its message.
func GitAvailable() error {
	_, err := gitExecPath()
	return err
}

// gitEnv is a minimal, predictable environment for the git commands the fakes
// run: no user or system configuration, fixed identity and dates.
func gitEnv() []string {
	env := []string{
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"HOME=" + os.TempDir(),
		"GIT_AUTHOR_NAME=patgit fake",
		"GIT_AUTHOR_EMAIL=fake@patgit.invalid",
		"GIT_COMMITTER_NAME=patgit fake",
		"GIT_COMMITTER_EMAIL=fake@patgit.invalid",
		"GIT_AUTHOR_DATE=2026-01-01T00:00:00Z",
		"GIT_COMMITTER_DATE=2026-01-01T00:00:00Z",
		"GIT_TERMINAL_PROMPT=0",
	}
	if p := os.Getenv("PATH"); p != "" {
		env = append(env, "PATH="+p)
	}
	return env
}

func runGit(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("providertest: git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// CreateBareRepo makes a bare repository at dir holding one commit on branch
// "main" with files (path → content; a nil or empty map gives a README). The
// repository accepts pushes over smart HTTP (http.receivepack=true).
func CreateBareRepo(dir string, files map[string]string) error {
	if err := GitAvailable(); err != nil {
		return err
	}
	if len(files) == 0 {
		files = map[string]string{"README.md": "# fixture\n"}
	}
	work, err := os.MkdirTemp("", "providertest-work-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := runGit(work, "init", "-q", "-b", "main"); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return err
		}
	}
	if err := runGit(work, "add", "-A"); err != nil {
		return err
	}
	if err := runGit(work, "commit", "-q", "-m", "Initial commit"); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := runGit(work, "clone", "-q", "--bare", work, dir); err != nil {
		return err
	}
	return runGit(dir, "config", "http.receivepack", "true")
}

// gitBackend serves bare repositories under root through git http-backend.
// Its processes never write to the test's own stderr, and close waits for
// every one it started: none outlives the fake.
type gitBackend struct {
	root    string
	handler *cgi.Handler

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup // requests being served, a git process each
}

func newGitBackend(root string) (*gitBackend, error) {
	ep, err := gitExecPath()
	if err != nil {
		return nil, err
	}
	env := append(gitEnv(), "GIT_PROJECT_ROOT="+root, "GIT_HTTP_EXPORT_ALL=1")
	return &gitBackend{root: root, handler: &cgi.Handler{
		Path:   filepath.Join(ep, "git-http-backend"),
		Dir:    root,
		Env:    env,
		Stderr: io.Discard,
		Logger: log.New(io.Discard, "", 0),
	}}, nil
}

// serve hands r to git http-backend as a request for repo (a path relative
// to root, e.g. "octo/hello.git") plus service ("/info/refs",
// "/git-upload-pack", "/git-receive-pack").
func (b *gitBackend) serve(w http.ResponseWriter, r *http.Request, repo, service string) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		http.Error(w, "providertest: server closed", http.StatusServiceUnavailable)
		return
	}
	b.running.Add(1)
	b.mu.Unlock()
	defer b.running.Done()
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + strings.TrimPrefix(repo, "/") + service
	r2.URL.RawPath = ""
	b.handler.ServeHTTP(w, r2)
}

// close refuses new requests and waits until every git process started for
// earlier ones has exited. Call it after the server's connections are
// closed: a process then reads the end of its input and a failed write
// kills it.
func (b *gitBackend) close() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.running.Wait()
}

// exists reports whether repo is a directory under root.
func (b *gitBackend) exists(repo string) bool {
	fi, err := os.Stat(filepath.Join(b.root, filepath.FromSlash(repo)))
	return err == nil && fi.IsDir()
}
