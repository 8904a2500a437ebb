package gitauth

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// Environment of a test binary re-executed as a git credential helper.
const (
	envHelperMode = "GITAUTH_TEST_HELPER"  // "1": act as the helper
	envHelperBase = "GITAUTH_TEST_BASEURL" // Options.Provider.BaseURL
)

func TestMain(m *testing.M) {
	if os.Getenv(envHelperMode) == "1" {
		// git runs "<binary> get|store|erase" with the request on stdin.
		op := ""
		if len(os.Args) > 1 {
			op = os.Args[len(os.Args)-1]
		}
		opts := Options{Provider: provider.Config{BaseURL: os.Getenv(envHelperBase)}}
		if err := CredentialHelper(context.Background(), op, os.Stdin, os.Stdout, opts); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fixture is a fake GitHub and a fake Azure DevOps, each with one repository
// and a read and a write token.
type fixture struct {
	gh *providertest.GitHubServer
	az *providertest.AzureServer

	ghRead, ghWrite, ghNone, ghSSO, ghBad string
	azRead, azWrite, azNone, azBad        string

	ghURL, azURL string // clean clone URLs
	ghCfg, azCfg provider.Config
}

const (
	ghOwner, ghName          = "octo", "hello"
	azOrg, azProject, azName = "contoso", "My Project", "widgets"
	ghLogin                  = "octocat"
)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatalf("NewGitHubServer: %v", err)
	}
	t.Cleanup(gh.Close)
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatalf("NewAzureServer: %v", err)
	}
	t.Cleanup(az.Close)
	f := &fixture{
		gh:      gh,
		az:      az,
		ghRead:  providertest.Token(pat.GitHubClassic, "gitauth-read"),
		ghWrite: providertest.Token(pat.GitHubClassic, "gitauth-write"),
		ghNone:  providertest.Token(pat.GitHubClassic, "gitauth-none"),
		ghSSO:   providertest.Token(pat.GitHubClassic, "gitauth-sso"),
		ghBad:   providertest.Token(pat.GitHubClassic, "gitauth-unknown"),
		azRead:  providertest.Token(pat.AzureDevOps, "gitauth-read"),
		azWrite: providertest.Token(pat.AzureDevOps, "gitauth-write"),
		azNone:  providertest.Token(pat.AzureDevOps, "gitauth-none"),
		azBad:   providertest.Token(pat.AzureDevOps, "gitauth-unknown"),
		ghCfg:   provider.Config{BaseURL: gh.URL},
		azCfg:   provider.Config{BaseURL: az.OrgURL(azOrg)},
	}
	repo := ghOwner + "/" + ghName
	files := map[string]string{"README.md": "# hello\n", "src/main.go": "package main\n"}
	if err := gh.AddRepo(ghOwner, ghName, files); err != nil {
		t.Fatalf("AddRepo: %v", err)
	}
	gh.AddToken(f.ghRead, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{repo: providertest.AccessRead}})
	gh.AddToken(f.ghWrite, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{repo: providertest.AccessWrite}})
	gh.AddToken(f.ghNone, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}})
	gh.AddToken(f.ghSSO, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, SSOOrgs: []string{ghOwner}, Repos: map[string]providertest.Access{repo: providertest.AccessWrite}})

	if err := az.AddRepo(azOrg, azProject, azName, files); err != nil {
		t.Fatalf("AddRepo: %v", err)
	}
	if err := az.AddRepo(azOrg, "Other", "secret-sauce", nil); err != nil {
		t.Fatalf("AddRepo: %v", err)
	}
	az.AddToken(f.azRead, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	az.AddToken(f.azWrite, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}})
	az.AddToken(f.azNone, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.build"}})

	f.ghURL = gh.URL + "/" + ghOwner + "/" + ghName + ".git"
	f.azURL = az.URL + "/" + azOrg + "/My%20Project/_git/" + azName
	return f
}

// opts returns Options for host ("github" or "azure") with the given secret.
func (f *fixture) opts(t testing.TB, host, secret string) Options {
	t.Helper()
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatalf("pat.New: %v", err)
	}
	cfg := f.ghCfg
	if host == "azure" {
		cfg = f.azCfg
	}
	return Options{Provider: cfg, Source: pat.Static(tok)}
}

// url returns the clean clone URL of host's repository.
func (f *fixture) url(host string) string {
	if host == "azure" {
		return f.azURL
	}
	return f.ghURL
}

// secrets returns every secret of the fixture.
func (f *fixture) secrets() []string {
	return []string{f.ghRead, f.ghWrite, f.ghNone, f.ghSSO, f.ghBad, f.azRead, f.azWrite, f.azNone, f.azBad}
}

// isolateGit gives git an empty HOME and no system configuration, so that
// neither the machine's helpers nor its settings take part.
func isolateGit(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, ".gitconfig"))
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
	for _, name := range []string{"GIT_CONFIG_COUNT", "GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN",
		"GITHUB_SERVER_URL", "GITHUB_API_URL", "SYSTEM_COLLECTIONURI"} {
		t.Setenv(name, "") // restored after the test
		os.Unsetenv(name)
	}
	return home
}

// readFile returns the content of path, failing the test when unreadable.
func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gitConfigURL returns remote.origin.url from dir/.git/config, read by git.
func gitConfigURL(t testing.TB, dir string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "config", "--file", filepath.Join(dir, ".git", "config"), "remote.origin.url").Output()
	if err != nil {
		t.Fatalf("git config remote.origin.url: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// commitFile writes name in repo's worktree and commits it.
func commitFile(t testing.TB, repo *git.Repository, name, content string) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	f, err := wt.Filesystem.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := wt.Add(name); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Test", Email: "test@patgit.invalid"}
	if _, err := wt.Commit("add "+name, &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

// basic returns the credentials the fakes accept for secret on host.
func basic(host, secret string) *githttp.BasicAuth {
	if host == "azure" {
		return &githttp.BasicAuth{Password: secret}
	}
	return &githttp.BasicAuth{Username: ghLogin, Password: secret}
}
