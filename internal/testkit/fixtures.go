package testkit

import (
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
