package main

import (
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patgit/patgit/examples/internal/bintest"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func TestCredentialHelper(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Close)
	secret := providertest.Token(pat.GitHubClassic, "helper-example")
	azSecret := providertest.Token(pat.AzureDevOps, "helper-example")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	u, _ := url.Parse(gh.URL)
	// A pipeline's JWT that says when it expires.
	b64 := base64.RawURLEncoding.EncodeToString
	jwt := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(`{"exp":2000000000,"sub":"pipeline"}`)) + ".c2lnbmF0dXJl"
	request := "protocol=http\nhost=" + u.Host + "\npath=octo/hello.git\n\n"

	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	if err := os.WriteFile(good, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open-token")
	if err := os.WriteFile(open, []byte(secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "typo")

	bin := bintest.Build(t)
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		stdin   string
		code    int
		answer  string // in stdout; "" means stdout must be empty
		stderr  string // in stderr; "" means stderr must be empty
		getUser int    // GET /user requests the run may make
	}{
		{"env token", []string{"GH_ENTERPRISE_TOKEN=" + secret}, []string{"-base-url", gh.URL, "get"}, request, 0, "username=octocat\npassword=" + secret + "\n", "", 1},
		{"-username skips the look-up", []string{"GH_ENTERPRISE_TOKEN=" + secret}, []string{"-base-url", gh.URL, "-username", "octocat", "get"}, request, 0, "username=octocat\npassword=" + secret + "\n", "", 0},
		{"-token-file", nil, []string{"-base-url", gh.URL, "-username", "octocat", "-token-file", good, "get"}, request, 0, "password=" + secret + "\n", "", 0},
		{"-token-file missing", nil, []string{"-base-url", gh.URL, "-token-file", missing, "get"}, request, 1, "", "-token-file " + missing + ": no such file", 0},
		{"-token-file readable by others", nil, []string{"-base-url", gh.URL, "-token-file", open, "get"}, request, 1, "", "chmod 600", 0},
		{"wrong-provider token", []string{"GH_ENTERPRISE_TOKEN=" + azSecret}, []string{"-base-url", gh.URL, "get"}, request, 1, "", "an Azure DevOps token", 0},
		{"truncated token", []string{"GH_ENTERPRISE_TOKEN=" + secret[:len(secret)-3]}, []string{"-base-url", gh.URL, "get"}, request, 1, "", "truncated", 0},
		{"empty variable", []string{"GH_ENTERPRISE_TOKEN="}, []string{"-base-url", gh.URL, "get"}, request, 0, "", "", 0},
		{"unreachable host", []string{"GH_ENTERPRISE_TOKEN=" + secret}, []string{"-base-url", "http://127.0.0.1:1", "get"}, "protocol=http\nhost=127.0.0.1:1\n\n", 1, "", "127.0.0.1:1", 0},
		{"expiry known", []string{"AZURE_DEVOPS_EXT_PAT=" + jwt}, []string{"get"}, "protocol=https\nhost=dev.azure.com\nusername=contoso\n\n", 0,
			"username=contoso\npassword=" + jwt + "\npassword_expiry_utc=2000000000\n", "", 0},
		{"unknown host", []string{"GH_TOKEN=" + secret}, []string{"get"}, "protocol=https\nhost=example.org\n\n", 0, "", "", 0},
		{"no token in the environment", nil, []string{"-base-url", gh.URL, "get"}, request, 0, "", "", 0},
		{"store", nil, []string{"store"}, request, 0, "", "", 0},
		{"malformed request", nil, []string{"get"}, "protocol=https\nhost=github.com\x00\n\n", 1, "", "patgit credential-helper: ", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh.ResetCounts()
			res := bintest.Run(t, bin, bintest.Env(t, tc.env...), tc.stdin, tc.args...)
			if res.Code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", res.Code, tc.code, strings.ReplaceAll(res.Out(), secret, "<token>"))
			}
			if tc.answer == "" && res.Stdout != "" || !strings.Contains(res.Stdout, tc.answer) {
				t.Errorf("answer %q, want %q", strings.ReplaceAll(res.Stdout, secret, "<token>"), strings.ReplaceAll(tc.answer, secret, "<token>"))
			}
			if tc.stderr == "" && res.Stderr != "" || !strings.Contains(res.Stderr, tc.stderr) {
				t.Errorf("stderr %q, want %q", res.Stderr, tc.stderr)
			}
			if n := gh.Requests("GET /user"); n > tc.getUser {
				t.Errorf("%d GET /user requests, want at most %d", n, tc.getUser)
			}
			testkit.NoLeak(t, "stderr", res.Stderr, secret, azSecret, jwt)
		})
	}
}

// Usage errors say what was wrong before the usage.
func TestCredentialHelperUsage(t *testing.T) {
	bin := bintest.Build(t)
	for _, tc := range []struct {
		args    []string
		problem string
	}{
		{nil, "credential-helper: no operation given (git appends get, store or erase)"},
		{[]string{"fetch"}, `credential-helper: unknown operation "fetch" (want get, store or erase)`},
		{[]string{"get", "-username", "x"}, "credential-helper: want one operation, got 3 arguments: flags go before the operation"},
	} {
		res := bintest.Run(t, bin, bintest.Env(t), "", tc.args...)
		if res.Code != 2 || !strings.HasPrefix(res.Stderr, tc.problem+"\n"+usageLine) || res.Stdout != "" {
			t.Errorf("credential-helper %q: exit %d:\n%s\nwant exit 2, %q, then the usage", tc.args, res.Code, res.Out(), tc.problem)
		}
	}
}

// git itself, with the helper as its only helper: a clone works, and a
// mistyped -token-file fails loudly, with the helper's own words in git's
// output.
func TestCredentialHelperWithGit(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Close)
	if err := gh.AddRepo("octo", "hello", map[string]string{"README.md": "# hello\n"}); err != nil {
		t.Fatal(err)
	}
	secret := providertest.Token(pat.GitHubClassic, "helper-git")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := bintest.Build(t)
	for _, tc := range []struct {
		name, file string
		ok         bool
		says       string
	}{
		{"token file", tokenFile, true, ""},
		{"mistyped token file", filepath.Join(dir, "typo"), false, "-token-file " + filepath.Join(dir, "typo") + ": no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			helper := bin + " -base-url " + gh.URL + " -token-file " + tc.file
			dest := filepath.Join(t.TempDir(), "hello")
			git := exec.Command("git", "-c", "credential.helper=", "-c", "credential.helper="+helper, "clone", "-q", gh.URL+"/octo/hello.git", dest)
			git.Env = bintest.Env(t)
			out, err := git.CombinedOutput()
			if (err == nil) != tc.ok || !strings.Contains(string(out), tc.says) {
				t.Fatalf("git clone: %v, want ok %v and %q:\n%s", err, tc.ok, tc.says, out)
			}
			testkit.NoLeak(t, "output", string(out), secret)
		})
	}
}
