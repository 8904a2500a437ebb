package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// EnvLarge opts in to the benchmarks on the large generated repository.
const EnvLarge = "PATGIT_BENCH_LARGE"

const (
	ghOwner   = "bench"
	ghSmall   = "small"
	ghLarge   = "large"   // the big-blob shape
	ghHistory = "history" // the realistic shape
	ghLogin   = "octocat"
	azOrg     = "contoso"
	azProject = "Fabrikam"
	azRepo    = "fiber"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(childMain())
	}
	// git, run by the CLI benchmarks, sees neither the machine's nor the
	// user's configuration (credential helpers above all).
	home, err := os.MkdirTemp("", "patgit-bench-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for k, v := range map[string]string{
		"HOME":                home,
		"XDG_CONFIG_HOME":     filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_CONFIG_GLOBAL":   os.DevNull,
		"GIT_TERMINAL_PROMPT": "0",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"GIT_CONFIG_COUNT", "GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN",
		"GITHUB_ENTERPRISE_TOKEN", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"} {
		os.Unsetenv(k)
	}
	// Both go-git paths negotiate the same way: gitauth.Clone turns
	// multi_ack on for the process before its first transfer anyway.
	gitauth.EnableMultiAck()
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// ghEnv is a fake GitHub with one classic token that may read the
// benchmark repositories.
type ghEnv struct {
	srv    *providertest.GitHubServer
	secret string
	tok    pat.Token
}

func newGitHub(tb testing.TB) *ghEnv {
	tb.Helper()
	srv, err := providertest.NewGitHubServer()
	if err != nil {
		tb.Fatalf("NewGitHubServer: %v", err)
	}
	tb.Cleanup(srv.Close)
	e := &ghEnv{srv: srv, secret: providertest.Token(pat.GitHubClassic, "bench")}
	srv.AddToken(e.secret, providertest.GitHubToken{
		Login:  ghLogin,
		Scopes: []string{"repo", "read:org", "workflow"},
		Repos: map[string]providertest.Access{
			ghOwner + "/" + ghSmall:   providertest.AccessRead,
			ghOwner + "/" + ghLarge:   providertest.AccessRead,
			ghOwner + "/" + ghHistory: providertest.AccessRead,
		},
	})
	if e.tok, err = pat.New(e.secret); err != nil {
		tb.Fatalf("pat.New: %v", err)
	}
	return e
}

// provider returns a GitHub provider for the fake with cfg's other fields.
func (e *ghEnv) provider(tb testing.TB, cfg provider.Config) *provider.GitHub {
	tb.Helper()
	cfg.BaseURL = e.srv.URL
	g, err := provider.NewGitHub(cfg)
	if err != nil {
		tb.Fatalf("NewGitHub: %v", err)
	}
	return g
}

// options returns gitauth Options for the fake with the benchmark token.
// The user name gitauth looks up is remembered for an hour, so that a
// benchmark longer than the default minute pays for it once, as a series
// of clones within a minute does.
func (e *ghEnv) options() gitauth.Options {
	return gitauth.Options{Provider: provider.Config{BaseURL: e.srv.URL, CacheTTL: time.Hour}, Source: pat.Static(e.tok)}
}

// repoURL returns the clone URL of the repository name of the fake.
func (e *ghEnv) repoURL(name string) string {
	return e.srv.URL + "/" + ghOwner + "/" + name + ".git"
}

// addSmall adds the small repository, a handful of source files.
func (e *ghEnv) addSmall(tb testing.TB) {
	tb.Helper()
	if err := providertest.GitAvailable(); err != nil {
		tb.Skip(err)
	}
	files := map[string]string{
		"README.md":      "# small\n",
		"go.mod":         "module example.com/small\n",
		"main.go":        "package main\n\nfunc main() {}\n",
		"internal/a.go":  "package internal\n\nconst A = 1\n",
		"docs/guide.md":  "# guide\n",
		"testdata/x.txt": "x\n",
	}
	if err := e.srv.AddRepo(ghOwner, ghSmall, files); err != nil {
		tb.Fatalf("AddRepo: %v", err)
	}
}

// azEnv is a fake Azure DevOps organization with one repository and a token
// holding vso.code.
type azEnv struct {
	srv    *providertest.AzureServer
	secret string
	tok    pat.Token
}

func newAzure(tb testing.TB) *azEnv {
	tb.Helper()
	srv, err := providertest.NewAzureServer()
	if err != nil {
		tb.Fatalf("NewAzureServer: %v", err)
	}
	tb.Cleanup(srv.Close)
	srv.AddOrg(azOrg, false)
	e := &azEnv{srv: srv, secret: providertest.Token(pat.AzureDevOps, "bench")}
	srv.AddToken(e.secret, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	if e.tok, err = pat.New(e.secret); err != nil {
		tb.Fatalf("pat.New: %v", err)
	}
	return e
}

func (e *azEnv) provider(tb testing.TB, cfg provider.Config) *provider.AzureDevOps {
	tb.Helper()
	cfg.BaseURL = e.srv.OrgURL(azOrg)
	a, err := provider.NewAzureDevOps(cfg)
	if err != nil {
		tb.Fatalf("NewAzureDevOps: %v", err)
	}
	return a
}

// mustCheck fails unless err is nil.
func mustCheck(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

var background = context.Background()
