package testkit

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// RequireGit skips t when the git binary (with git http-backend) is missing.
func RequireGit(t testing.TB) {
	t.Helper()
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
}

// GitHub starts a fake GitHub for t and stops it when t ends; it fails t
// rather than returning an error.
func GitHub(t testing.TB) *providertest.GitHubServer {
	t.Helper()
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatalf("fake GitHub: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Azure starts a fake Azure DevOps for t and stops it when t ends; it fails
// t rather than returning an error.
func Azure(t testing.TB) *providertest.AzureServer {
	t.Helper()
	s, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatalf("fake Azure DevOps: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Recorder starts a credential recorder (see [providertest.Recorder]) for t.
func Recorder(t testing.TB) *providertest.Recorder {
	t.Helper()
	r, err := providertest.NewRecorder()
	if err != nil {
		t.Fatalf("recorder: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// Token returns a synthetic secret of kind derived from seed
// ([providertest.Token]) and the pat.Token for it.
func Token(t testing.TB, kind pat.Kind, seed string) (string, pat.Token) {
	t.Helper()
	secret := providertest.Token(kind, seed)
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatalf("pat.New(%s): %v", Label(secret), err)
	}
	return secret, tok
}

// NoPanic runs f and turns a panic into a failure of t naming the case.
func NoPanic(t testing.TB, name string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v\n%s", name, r, debug.Stack())
		}
	}()
	f()
}

// EnvVars lists every environment variable that can hand a token to the
// library or bind one to a host (the binding of DESIGN "Which token goes
// where", GitLab's included), every CI variable that configures a host,
// git's configuration and prompt variables, and the proxy variables:
// everything [Isolate] clears.
var EnvVars = []string{
	// tokens
	"GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
	"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN",
	"GITLAB_TOKEN", "GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN", "CI_JOB_TOKEN",
	// hosts CI names
	"SYSTEM_COLLECTIONURI", "GITHUB_SERVER_URL", "GITHUB_API_URL", "CI_SERVER_URL", "GITLAB_HOST",
	// git
	"GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0",
	"GIT_ASKPASS", "SSH_ASKPASS",
	// proxies
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
}

// Isolate keeps the machine out of t: an empty HOME (returned), no system
// or global git configuration (so no credential helper of the machine's),
// no terminal prompt, and every variable of [EnvVars] unset until t ends.
// Tests that call it cannot run in parallel (t.Setenv).
func Isolate(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
	for _, k := range EnvVars {
		t.Setenv(k, "") // restores k when t ends
		os.Unsetenv(k)
	}
	return home
}
