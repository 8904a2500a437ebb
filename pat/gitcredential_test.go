package pat

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gitSandbox isolates git from this machine's configuration and sets
// credential.helper to helper ("" for none), through the environment only.
func gitSandbox(t *testing.T, helper string) (dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the GitCredential tests run the real git (apt-get install git)")
	}
	dir = t.TempDir()
	t.Chdir(dir) // no repository's own configuration
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_PARAMETERS", "")
	if helper == "" {
		t.Setenv("GIT_CONFIG_COUNT", "0")
		return dir
	}
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", helper)
	return dir
}

// shellHelper is a credential.helper that records its input and
// environment in dir and then runs body for "get".
func shellHelper(dir, body string) string {
	return `!f() { test "$1" = get || exit 0; cat > '` + filepath.Join(dir, "input") + `'; env > '` +
		filepath.Join(dir, "env") + `'; ` + body + `; }; f`
}

func withDeadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestGitCredentialFound(t *testing.T) {
	secret := genToken(GitHubInstallation, "git")
	urlPassword := "hunter2-" + pick("pw", alnumChars, 16)
	dir := gitSandbox(t, "")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", shellHelper(dir, "echo username=x-access-token; echo password="+secret))
	t.Setenv("GIT_TERMINAL_PROMPT", "1")
	t.Setenv("GIT_ASKPASS", "/bin/false")

	start := time.Now()
	tok, err := GitCredential("https://bob:" + urlPassword + "@github.com/owner/repo.git?x=1#f").Token(withDeadline(t, 20*time.Second))
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	t.Logf("git credential fill took %v", time.Since(start))
	if tok.Secret() != secret || tok.Kind() != GitHubInstallation || tok.Origin() != "git credential helper" {
		t.Errorf("Token() = %v kind %v origin %q", tok, tok.Kind(), tok.Origin())
	}
	input, err := os.ReadFile(filepath.Join(dir, "input"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(input), urlPassword) {
		t.Errorf("the URL's password reached the helper: %q", input)
	}
	for _, want := range []string{"protocol=https\n", "host=github.com\n", "username=bob\n"} {
		if !strings.Contains(string(input), want) {
			t.Errorf("helper input %q lacks %q", input, want)
		}
	}
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GIT_TERMINAL_PROMPT=0\n", "GIT_ASKPASS=\n", "SSH_ASKPASS=\n", "GCM_INTERACTIVE=never\n"} {
		if !strings.Contains("\n"+string(env), "\n"+want) {
			t.Errorf("helper environment lacks %q", strings.TrimSpace(want))
		}
	}
	if strings.Contains(string(env), "GIT_ASKPASS=/bin/false") || strings.Contains(string(env), "GIT_TERMINAL_PROMPT=1") {
		t.Errorf("the caller's prompt settings reached git")
	}

	c, err := FillCredential(withDeadline(t, 20*time.Second), "https://github.com/owner/repo")
	if err != nil || c.Username != "x-access-token" || c.Host != "github.com" || c.Password.Secret() != secret {
		t.Errorf("FillCredential() = %v, %v", c, err)
	}
}

func TestGitCredentialNotFound(t *testing.T) {
	cases := []struct {
		name   string
		helper func(dir string) string
		inErr  string
	}{
		{"no helper", func(string) string { return "" }, "had none for github.com"},
		{"helper has no password", func(dir string) string { return shellHelper(dir, "echo username=bob") }, "had none"},
		{"helper has nothing", func(dir string) string { return shellHelper(dir, "true") }, "had none"},
		{"helper says quit", func(dir string) string { return shellHelper(dir, "echo quit=1") }, "told to stop"},
		{"helper empty password", func(dir string) string { return shellHelper(dir, "echo username=bob; echo password=") }, "had none"},
		{"helper has a password but no username", func(dir string) string { return shellHelper(dir, "echo password="+genToken(GitHubClassic, "nouser")) }, "had none"},
		{"helper missing", func(string) string { return "patgit-no-such-helper" }, "had none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := gitSandbox(t, "")
			if h := tc.helper(dir); h != "" {
				t.Setenv("GIT_CONFIG_COUNT", "1")
				t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
				t.Setenv("GIT_CONFIG_VALUE_0", h)
			}
			// An askpass program that would answer: it must never run.
			marker := filepath.Join(dir, "askpass-ran")
			askpass := filepath.Join(dir, "askpass.sh")
			if err := os.WriteFile(askpass, []byte("#!/bin/sh\ntouch '"+marker+"'\necho "+genToken(GitHubClassic, "askpass")+"\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("GIT_ASKPASS", askpass)
			t.Setenv("SSH_ASKPASS", askpass)
			t.Setenv("SSH_ASKPASS_REQUIRE", "force")
			t.Setenv("GIT_TERMINAL_PROMPT", "1")

			start := time.Now()
			_, err := GitCredential("https://github.com/owner/repo").Token(withDeadline(t, 20*time.Second))
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Token() error = %v; want ErrNotFound", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
			if !strings.Contains(err.Error(), tc.inErr) || !strings.Contains(err.Error(), "git credential helper") {
				t.Errorf("error %q does not say %q", err, tc.inErr)
			}
			if _, statErr := os.Stat(marker); statErr == nil {
				t.Errorf("an askpass program ran")
			}
		})
	}
}

func TestGitCredentialBroken(t *testing.T) {
	secret := genToken(GitHubClassic, "broken")
	cases := []struct {
		name    string
		body    string
		wantErr error
		inErr   string
	}{
		{"garbage", "echo garbage; echo more garbage", ErrProtocol, "not key=value"},
		{"bare token printed", "echo " + secret, ErrProtocol, "not key=value"},
		{"password with a space", "echo username=u; echo 'password=" + secret[:12] + " " + secret[12:] + "'", ErrMalformed, "not a usable token"},
		{"password with control char", `echo username=u; printf 'password=` + secret[:12] + `\001` + secret[12:] + `\n'`, ErrMalformed, "control character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := gitSandbox(t, "")
			t.Setenv("GIT_CONFIG_COUNT", "1")
			t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
			t.Setenv("GIT_CONFIG_VALUE_0", shellHelper(dir, tc.body))
			_, err := GitCredential("https://github.com/o/r").Token(withDeadline(t, 20*time.Second))
			if err == nil || errors.Is(err, ErrNotFound) {
				t.Fatalf("Token() error = %v; want a hard error", err)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v; want %v", err, tc.wantErr)
			}
			var se *SourceError
			if !errors.As(err, &se) || se.Origin != "git credential helper" {
				t.Errorf("error %#v is not a *SourceError of the git credential helper", err)
			}
			if !strings.Contains(err.Error(), tc.inErr) {
				t.Errorf("error %q does not say %q", err, tc.inErr)
			}
			assertNoLeak(t, err.Error(), secret)
		})
	}
}

func TestGitCredentialHangingHelper(t *testing.T) {
	dir := gitSandbox(t, "")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", shellHelper(dir, "sleep 60; echo password=x"))
	start := time.Now()
	_, err := GitCredential("https://github.com/o/r").Token(withDeadline(t, time.Second))
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("a hanging helper held Token() for %v", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNotFound) {
		t.Fatalf("error = %v; want DeadlineExceeded, not ErrNotFound", err)
	}
}

func TestGitCredentialNoGit(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := GitCredential("https://github.com/o/r").Token(context.Background())
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "git is not installed") {
		t.Fatalf("error = %v; want ErrNotFound saying git is not installed", err)
	}
	// A chain goes on.
	t.Setenv("PAT_AFTER_GIT", genToken(GitHubClassic, "after"))
	tok, err := Chain(GitCredential("https://github.com/o/r"), Env("PAT_AFTER_GIT")).Token(context.Background())
	if err != nil || tok.Origin() != "env PAT_AFTER_GIT" {
		t.Fatalf("chain: %v, %v", tok, err)
	}
}

func TestGitCredentialBadURL(t *testing.T) {
	pw := pick("badurl", alnumChars, 20)
	for _, raw := range []string{
		"git@github.com:o/r.git",
		"ssh://git@github.com/o/r",
		"file:///tmp/repo",
		"https://u:" + pw + "@github.com/o/r%0Ahost=evil",
		"https://u:" + pw + "@[::1",
		"",
		"github.com/o/r",
	} {
		_, err := FillCredential(context.Background(), raw)
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("FillCredential(%q) error = %v; want a hard error", raw, err)
			continue
		}
		var se *SourceError
		if !errors.As(err, &se) {
			t.Errorf("FillCredential(%q) error %T is not a *SourceError", raw, err)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("FillCredential(%q) error leaks the URL's password: %v", raw, err)
		}
	}
}

func TestGitEnv(t *testing.T) {
	got := gitEnv([]string{"PATH=/bin", "GIT_ASKPASS=/x", "SSH_ASKPASS=/y", "GIT_TERMINAL_PROMPT=1", "LC_ALL=de_DE.UTF-8", "GCM_INTERACTIVE=always", "HOME=/h"})
	want := "PATH=/bin HOME=/h GIT_TERMINAL_PROMPT=0 GIT_ASKPASS= SSH_ASKPASS= GCM_INTERACTIVE=never LC_ALL=C"
	if strings.Join(got, " ") != want {
		t.Errorf("gitEnv() = %q; want %q", strings.Join(got, " "), want)
	}
}

// A GitCredential Source held in an unexported field is printed by
// reflection: it must not hold the password, query or fragment of its URL.
func TestGitCredentialSourceKeepsNoPassword(t *testing.T) {
	type holder struct{ s Source }
	for _, raw := range []string{
		"https://user:hunter2@example.com/o/r.git?access_token=hunter2#hunter2",
		"https://:hunter2@example.com/o/r",
		"https://hunter2 @example.com/%zz", // does not parse
	} {
		h := holder{GitCredential(raw)}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			if out := fmt.Sprintf(verb, h); strings.Contains(out, "hunter2") || strings.Contains(out, hex.EncodeToString([]byte("hunter2"))) {
				t.Errorf("%s of a GitCredential source shows the password: %s", verb, out)
			}
		}
	}
	if got := credentialURL("https://user:pw@Example.com:8443/o/r.git?q=1#f"); got != "https://user@Example.com:8443/o/r.git" {
		t.Errorf("credentialURL = %q", got)
	}
}
