package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// scanBin builds the program once per test binary into a temporary directory.
func scanBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "scan-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "scan")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// runScan runs the built program in dir with stdin, detached from any
// terminal.
func runScan(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(scanBin(t), args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	detach(cmd)
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running scan: %v", err)
	}
	return result{code, out.String(), errb.String()}
}

// noSecret fails the test if any secret shows, in any encoding, in the
// program's output.
func noSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	testkit.NoLeak(t, "stdout", r.stdout, secrets...)
	testkit.NoLeak(t, "stderr", r.stderr, secrets...)
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

// gitRepo makes an empty repository in a temporary directory and returns a
// function that runs git in it.
func gitRepo(t *testing.T) (string, func(args ...string) string) {
	t.Helper()
	needGit(t)
	dir := t.TempDir()
	n := 0
	run := func(args ...string) string {
		t.Helper()
		n++
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		date := fmt.Sprintf("2026-01-01T00:%02d:00Z", n)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com",
			"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	return dir, run
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// historyRepo commits a generated classic token, then deletes it; a side
// branch commits the same content under another path later.
func historyRepo(t *testing.T, secret string) (dir, first string) {
	dir, git := gitRepo(t)
	write(t, filepath.Join(dir, "README"), "hello\n")
	git("add", ".")
	git("commit", "-q", "-m", "readme")
	write(t, filepath.Join(dir, "config", "ci.env"), "# ci\nexport GH_TOKEN="+secret+"\n")
	git("add", ".")
	git("commit", "-q", "-m", "ci")
	first = git("rev-parse", "HEAD")
	git("rm", "-q", "config/ci.env")
	git("commit", "-q", "-m", "remove the token")
	git("checkout", "-q", "-b", "side")
	write(t, filepath.Join(dir, "copy.env"), "# ci\nexport GH_TOKEN="+secret+"\n")
	git("add", ".")
	git("commit", "-q", "-m", "same blob again")
	git("checkout", "-q", "main")
	return dir, first
}

func TestHistoryFindsDeletedTokenOnceWithFirstCommit(t *testing.T) {
	secret := providertest.Token(pat.GitHubClassic, "history")
	dir, first := historyRepo(t, secret)
	r := runScan(t, dir, "", "-history")
	if r.code != exitFound {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFound, r.stdout, r.stderr)
	}
	got := lines(r.stdout)
	want := "checked\tgithub-classic\t" + first + ":config/ci.env:2:17\tghp_********"
	if len(got) != 1 || got[0] != want {
		t.Errorf("output:\n%s\nwant the one line:\n%s", r.stdout, want)
	}
	noSecret(t, r, secret)

	// -json: one object a line.
	r = runScan(t, dir, "", "-history", "-json", ".")
	var f map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &f); err != nil {
		t.Fatalf("-json: %v\n%s", err, r.stdout)
	}
	if f["status"] != "checked" || f["commit"] != first || f["path"] != "config/ci.env" || f["line"] != 2.0 || f["token"] != "ghp_********" {
		t.Errorf("-json object: %v", f)
	}
}

func TestRevokeYesRevokesAndCheckFails(t *testing.T) {
	secret := providertest.Token(pat.GitHubClassic, "revoke-from-scan")
	dir, _ := historyRepo(t, secret)
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	ctx := context.Background()
	check, err := provider.NewGitHub(provider.Config{BaseURL: s.URL, CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := pat.New(secret)
	if _, err := check.CheckScopes(ctx, tok); err != nil {
		t.Fatalf("CheckScopes before: %v", err)
	}

	r := runScan(t, dir, "", "-history", "-revoke", "-yes", "-github-api", s.APIURL)
	if r.code != exitFound || !strings.Contains(r.stderr, "will revoke github-classic") {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFound, r.stdout, r.stderr)
	}
	noSecret(t, r, secret)
	if n := s.Requests("POST /credentials/revoke"); n != 1 {
		t.Errorf("revocation requests = %d, want 1", n)
	}
	if _, err := check.CheckScopes(ctx, tok); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("CheckScopes after scan -revoke: %v, want ErrUnauthorized", err)
	}
}

func TestRevokeWithoutTerminalRefuses(t *testing.T) {
	secret := providertest.Token(pat.GitHubClassic, "no-tty")
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat"})
	dir := t.TempDir()
	write(t, filepath.Join(dir, "leak.txt"), secret)
	r := runScan(t, dir, "y\n", "-revoke", "-github-api", s.APIURL, "leak.txt")
	if r.code != exitUsage || !strings.Contains(r.stderr, "-yes") {
		t.Errorf("exit %d, want %d naming -yes\n%s", r.code, exitUsage, r.stderr)
	}
	if s.TotalRequests() != 0 || s.Revoked(secret) {
		t.Error("revoked without asking")
	}
}

func TestFilesDirectoriesAndStdin(t *testing.T) {
	dir := t.TempDir()
	classic := providertest.Token(pat.GitHubClassic, "files")
	fine := providertest.Token(pat.GitHubFineGrained, "files")
	bad := classic[:len(classic)-6] + "000000"
	write(t, filepath.Join(dir, "a", "b", "deep.yml"), "x: 1\n  token: '"+classic+"'\n")
	write(t, filepath.Join(dir, "fine.txt"), fine+"\n")
	write(t, filepath.Join(dir, "typo.txt"), "\n\n"+bad+"\n")
	write(t, filepath.Join(dir, "a", ".git", "config"), classic) // skipped
	r := runScan(t, dir, "from stdin "+classic, "-json", ".", "-")
	if r.code != exitFound {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecret(t, r, classic, fine, bad)
	var got []string
	for _, l := range lines(r.stdout) {
		var f finding
		if err := json.Unmarshal([]byte(l), &struct {
			Status   *string `json:"status"`
			Location *string `json:"location"`
		}{&f.Status, &f.Location}); err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Status+" "+f.Location)
	}
	want := []string{
		"checked " + filepath.Join("a", "b", "deep.yml") + ":2:11",
		"checked <stdin>:1:12",
		"unchecked fine.txt:1:1",
		"unchecked typo.txt:3:1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Shape-only matches alone: exit 0.
	if r := runScan(t, dir, "", "fine.txt", "typo.txt"); r.code != exitClean || len(lines(r.stdout)) != 2 {
		t.Errorf("unchecked only: exit %d\n%s", r.code, r.stdout)
	}
}

func TestHostileFileNameIsQuoted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no line breaks in Windows file names")
	}
	dir := t.TempDir()
	classic := providertest.Token(pat.GitHubClassic, "name")
	name := "x\nchecked\tgithub-classic\tforged:1:1\tghp_********\x1b[2K"
	write(t, filepath.Join(dir, name), classic)
	r := runScan(t, dir, "", ".")
	if got := lines(r.stdout); len(got) != 1 || !strings.Contains(got[0], `"x\nchecked`) || strings.Contains(r.stdout, "\x1b") {
		t.Errorf("a file name forged output:\n%q", r.stdout)
	}
}

func TestStagedScansOnlyWhatIsAdded(t *testing.T) {
	dir, git := gitRepo(t)
	old := providertest.Token(pat.GitHubClassic, "already committed")
	added := providertest.Token(pat.GitHubOAuth, "staged")
	write(t, filepath.Join(dir, "old.txt"), old+"\n")
	git("add", ".")
	git("commit", "-q", "-m", "old")
	if r := runScan(t, dir, "", "-staged"); r.code != exitClean || r.stdout != "" {
		t.Fatalf("nothing staged: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	write(t, filepath.Join(dir, "old.txt"), old+"\nmore\n")
	write(t, filepath.Join(dir, "new file.txt"), "one\ntwo\n  key="+added+"\n")
	git("add", ".")
	r := runScan(t, dir, "", "-staged")
	if r.code != exitFound {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "checked\tgithub-oauth\tnew file.txt:3:7\tgho_********\n"; r.stdout != want {
		t.Errorf("output %q, want %q", r.stdout, want)
	}
	noSecret(t, r, old, added)
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{},
		{"-history", "-staged"},
		{"-yes", "."},
		{"-staged", "-revoke"},
		{"-history", "a", "b"},
		{"-nosuchflag"},
	} {
		if r := runScan(t, dir, "", args...); r.code != exitUsage {
			t.Errorf("scan %q: exit %d, want %d", args, r.code, exitUsage)
		}
	}
	if r := runScan(t, dir, "", filepath.Join(dir, "missing")); r.code != exitUsage {
		t.Errorf("missing path: exit %d, want %d", r.code, exitUsage)
	}
	if r := runScan(t, dir, "", "-history"); r.code != exitUsage {
		t.Errorf("-history outside a repository: exit %d, want %d", r.code, exitUsage)
	}
}

func TestNamedSymlinkIsRead(t *testing.T) {
	dir := t.TempDir()
	classic := providertest.Token(pat.GitHubClassic, "link")
	write(t, filepath.Join(dir, "real.txt"), classic)
	if err := os.Symlink("real.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Skipf("no symbolic links: %v", err)
	}
	if err := os.Symlink("real.txt", filepath.Join(dir, "sub-link.txt")); err != nil {
		t.Fatal(err)
	}
	r := runScan(t, dir, "", "link.txt")
	if r.code != exitFound || !strings.HasPrefix(r.stdout, "checked\tgithub-classic\tlink.txt:1:1\t") {
		t.Errorf("a symbolic link named on the command line: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// In a directory, links are not followed: the file is reported once.
	r = runScan(t, dir, "", ".")
	if got := lines(r.stdout); len(got) != 1 || !strings.Contains(got[0], "real.txt") {
		t.Errorf("directory with a link:\n%s", r.stdout)
	}
}
