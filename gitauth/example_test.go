package gitauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// fakeGitHub starts a fake GitHub Enterprise Server holding octo/hello and a
// token that may read it, and returns the server and the token.
func fakeGitHub() (*providertest.GitHubServer, pat.Token) {
	srv, err := providertest.NewGitHubServer()
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.AddRepo("octo", "hello", map[string]string{"README.md": "# hello\n"}); err != nil {
		log.Fatal(err)
	}
	secret := providertest.Token(pat.GitHubClassic, "example")
	srv.AddToken(secret, providertest.GitHubToken{
		Login:  "octocat",
		Scopes: []string{"repo"},
		Repos:  map[string]providertest.Access{"octo/hello": providertest.AccessRead},
	})
	tok, err := pat.New(secret)
	if err != nil {
		log.Fatal(err)
	}
	return srv, tok
}

// fakeAzure starts a fake Azure DevOps holding contoso/Tools/widgets and a
// PAT with vso.code, and returns the server and the token.
func fakeAzure() (*providertest.AzureServer, pat.Token) {
	srv, err := providertest.NewAzureServer()
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.AddRepo("contoso", "Tools", "widgets", map[string]string{"README.md": "# widgets\n"}); err != nil {
		log.Fatal(err)
	}
	secret := providertest.Token(pat.AzureDevOps, "example")
	srv.AddToken(secret, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	tok, err := pat.New(secret)
	if err != nil {
		log.Fatal(err)
	}
	return srv, tok
}

func ExampleAuth() {
	srv, tok := fakeGitHub()
	defer srv.Close()

	opts := gitauth.Options{
		Provider: provider.Config{BaseURL: srv.URL}, // a GitHub Enterprise Server
		Source:   pat.Static(tok),                   // nil: GH_ENTERPRISE_TOKEN, ...
	}
	auth, err := gitauth.Auth(context.Background(), srv.URL+"/octo/hello.git", opts)
	if err != nil {
		log.Fatal(err)
	}
	// Hand auth to go-git's CloneOptions, FetchOptions or PushOptions.
	fmt.Println(auth.Username)
	fmt.Println(strings.Contains(auth.String(), tok.Secret()))
	// Output:
	// octocat
	// false
}

func ExampleClone() {
	srv, tok := fakeAzure()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "gitauth-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	opts := gitauth.Options{
		Provider: provider.Config{BaseURL: srv.OrgURL("contoso")},
		Source:   pat.Static(tok),
	}
	repoURL := srv.URL + "/contoso/Tools/_git/widgets"
	_, err = gitauth.Clone(context.Background(), repoURL, filepath.Join(dir, "widgets"), opts,
		&git.CloneOptions{Depth: 1})
	if err != nil {
		log.Fatal(err)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "widgets", "README.md"))
	config, _ := os.ReadFile(filepath.Join(dir, "widgets", ".git", "config"))
	fmt.Print(string(readme))
	fmt.Println("token in .git/config:", strings.Contains(string(config), tok.Secret()))
	// Output:
	// # widgets
	// token in .git/config: false
}

func ExampleProbe() {
	srv, tok := fakeGitHub()
	defer srv.Close()
	ctx := context.Background()
	repoURL := srv.URL + "/octo/hello.git"

	auth, err := gitauth.Auth(ctx, repoURL, gitauth.Options{
		Provider: provider.Config{BaseURL: srv.URL},
		Source:   pat.Static(tok),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("read:", gitauth.Probe(ctx, repoURL, auth, gitauth.Read))
	err = gitauth.Probe(ctx, repoURL, auth, gitauth.Write)
	fmt.Println("write denied:", errors.Is(err, gitauth.ErrAccessDenied))
	// Output:
	// read: <nil>
	// write denied: true
}

func ExampleCommand() {
	srv, tok := fakeAzure()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "gitauth-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	repoURL := srv.URL + "/contoso/Tools/_git/widgets"
	opts := gitauth.Options{
		Provider: provider.Config{BaseURL: srv.OrgURL("contoso")},
		Source:   pat.Static(tok),
	}
	cmd, err := gitauth.Command(context.Background(), repoURL, opts, "clone", "--quiet", repoURL, filepath.Join(dir, "widgets"))
	if err != nil {
		log.Fatal(err)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("git clone: %v\n%s", err, out)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "widgets", "README.md"))
	fmt.Print(string(readme))
	fmt.Println("token in argv:", strings.Contains(strings.Join(cmd.Args, " "), tok.Secret()))
	// Output:
	// # widgets
	// token in argv: false
}

func ExampleCredentialHelper() {
	tok, err := pat.New(providertest.Token(pat.AzureDevOps, "helper-example"))
	if err != nil {
		log.Fatal(err)
	}
	// What git writes to a helper's standard input for
	// `git clone https://fabrikam@dev.azure.com/fabrikam/Tools/_git/widgets`.
	request := "protocol=https\nhost=dev.azure.com\nusername=fabrikam\n\n"
	var answer strings.Builder
	err = gitauth.CredentialHelper(context.Background(), "get", strings.NewReader(request), &answer,
		gitauth.Options{Source: pat.Static(tok)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(answer.String(), tok.Secret(), "<token>"))
	// Output:
	// protocol=https
	// host=dev.azure.com
	// username=fabrikam
	// password=<token>
}

func ExampleEnvVars() {
	fmt.Println(gitauth.EnvVars("github", "github.com"))
	fmt.Println(gitauth.EnvVars("github", "ghe.example.com"))
	fmt.Println(gitauth.EnvVars("azure-devops", "dev.azure.com"))
	// Output:
	// [GH_TOKEN GITHUB_TOKEN]
	// [GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN]
	// [AZURE_DEVOPS_EXT_PAT SYSTEM_ACCESSTOKEN]
}

func ExampleResolve() {
	srv, tok := fakeGitHub()
	defer srv.Close()

	r, err := gitauth.Resolve(context.Background(), srv.URL+"/octo/hello", gitauth.Options{
		Provider: provider.Config{BaseURL: srv.URL},
		Source:   pat.Static(tok.WithOrigin("example")),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Provider.Name(), r.Repo.Owner, r.Repo.Name, strings.HasSuffix(r.CloneURL, "/octo/hello.git"))
	fmt.Println("token", r.Token, "from", r.Token.Origin())
	// Output:
	// github octo hello true
	// token ghp_******** from example
}

func ExampleResolved_BasicAuth() {
	srv, tok := fakeGitHub()
	defer srv.Close()
	ctx := context.Background()

	// Resolve once, then use the Resolved for everything else.
	r, err := gitauth.Resolve(ctx, srv.URL+"/octo/hello", gitauth.Options{
		Provider: provider.Config{BaseURL: srv.URL},
		Source:   pat.Static(tok),
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := r.BasicAuth(ctx) // the login from one GET /user, then cached
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(auth.Username, auth.Password == r.Token.Secret())
	// Output:
	// octocat true
}

func ExampleOptions_Probe() {
	srv, tok := fakeAzure()
	defer srv.Close()
	ctx := context.Background()

	opts := gitauth.Options{Provider: provider.Config{BaseURL: srv.OrgURL("contoso")}, Source: pat.Static(tok)}
	repoURL := srv.URL + "/contoso/Tools/_git/widgets"
	auth, err := gitauth.Auth(ctx, repoURL, opts)
	if err != nil {
		log.Fatal(err)
	}
	// The provider configuration of opts (BaseURL, HTTPClient, Timeout)
	// applies to the probe too.
	fmt.Println("read:", opts.Probe(ctx, repoURL, auth, gitauth.Read))
	err = opts.Probe(ctx, repoURL, auth, gitauth.Write)
	fmt.Println("write refused:", errors.Is(err, provider.ErrUnauthorized) || errors.Is(err, gitauth.ErrAccessDenied))
	// Output:
	// read: <nil>
	// write refused: true
}
