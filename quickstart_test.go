package patgit_test

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// quickStart is README's Quick start, character for character
// (TestReadmeQuickStart), compiled with the tests and run against the fakes
// (TestQuickStart).
func quickStart(ctx context.Context, url, dir string, opts gitauth.Options) error {
	// One resolution: provider, repository, clean clone URL and token
	// (opts.Source, else the host's variables, then git's credential helpers).
	r, err := gitauth.Resolve(ctx, url, opts)
	if err != nil {
		return err // a *gitauth.NoTokenError says what was tried
	}
	opts.Source = pat.Static(r.Token) // every call below uses this token: no second look-up

	report, err := r.Provider.CheckScopes(ctx, r.Token) // valid? whose? expires when?
	if err != nil {
		return err
	}
	if report.ExpiresWithin(7 * 24 * time.Hour) {
		log.Printf("the token of %s (%v) expires on %s", report.User, r.Token, report.ExpiresAt.Format(time.DateOnly))
	}
	auth, err := r.BasicAuth(ctx) // go-git credentials, with the user name the host expects
	if err != nil {
		return err
	}
	if err := opts.Probe(ctx, r.CloneURL, auth, gitauth.Write); err != nil {
		return err // may it push? one request, nothing moved
	}
	if _, err := gitauth.Clone(ctx, r.CloneURL, dir, opts, nil); err != nil {
		return err // go-git, Azure DevOps included; .git/config holds no token
	}
	cmd, err := gitauth.Command(ctx, r.CloneURL, opts, "fetch", "--prune")
	if err != nil {
		return err
	}
	cmd.Dir = dir // git runs in the clone; the token is in no argv, URL or file
	return cmd.Run()
}

// README's Quick start block is quickStart's source.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("quickstart_test.go")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## Quick start\n.*?```go\n(.*?)```\n").FindSubmatch(readme)
	fn := regexp.MustCompile("(?ms)^func quickStart\\(.*?^}\n").Find(src)
	if block == nil || fn == nil {
		t.Fatalf("README.md has no Go block under \"## Quick start\" (%v), or quickstart_test.go no quickStart (%v)", block != nil, fn != nil)
	}
	if got, want := string(block[1]), string(fn); got != want {
		t.Errorf("README's Quick start differs from quickStart in quickstart_test.go:\n--- README.md\n%s\n--- quickstart_test.go\n%s", got, want)
	}
}

// The Quick start works on both hosts: it proves the token may push, clones,
// and fetches with the git CLI in the clone.
func TestQuickStart(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	defer az.Close()
	files := map[string]string{"README.md": "# hello\n"}
	if err := gh.AddRepo("octo", "hello", files); err != nil {
		t.Fatal(err)
	}
	if err := az.AddRepo("contoso", "Web", "site", files); err != nil {
		t.Fatal(err)
	}
	ghSecret := providertest.Token(pat.GitHubClassic, "quick-start")
	azSecret := providertest.Token(pat.AzureDevOps, "quick-start")
	gh.AddToken(ghSecret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	az.AddToken(azSecret, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code_write"}})
	t.Setenv("GH_ENTERPRISE_TOKEN", ghSecret)
	t.Setenv("AZURE_DEVOPS_EXT_PAT", azSecret)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(t.TempDir(), "gitconfig"))

	for _, tc := range []struct{ name, url, base, secret string }{
		{"GitHub", gh.URL + "/octo/hello.git", gh.URL, ghSecret},
		{"Azure DevOps", az.OrgURL("contoso") + "/Web/_git/site", az.OrgURL("contoso"), azSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			opts := gitauth.Options{Provider: provider.Config{BaseURL: tc.base}}
			if err := quickStart(context.Background(), tc.url, dir, opts); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
				t.Fatal(err)
			}
			testkit.NoLeakInDir(t, dir, tc.secret)
		})
	}

	// A token that may only read stops at the probe, before any clone.
	reader := providertest.Token(pat.GitHubClassic, "quick-start-reader")
	gh.AddToken(reader, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	dir := filepath.Join(t.TempDir(), "clone")
	opts := gitauth.Options{Provider: provider.Config{BaseURL: gh.URL}, Source: pat.Static(must(pat.New(reader)))}
	if err := quickStart(context.Background(), gh.URL+"/octo/hello.git", dir, opts); err == nil {
		t.Fatal("a read-only token passed the write probe")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused token left %s behind", dir)
	}
}

func must(t pat.Token, err error) pat.Token {
	if err != nil {
		panic(err)
	}
	return t
}
