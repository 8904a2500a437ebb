package patgit_test

import (
	"context"
	"fmt"
	"os"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// The whole flow against a fake GitHub Enterprise Server: find the token,
// check it, prove write access, clone.
func Example() {
	srv, err := providertest.NewGitHubServer()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.AddRepo("octo", "hello", nil); err != nil {
		panic(err) // git is not installed
	}
	secret := providertest.Token(pat.GitHubClassic, "overview")
	srv.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})

	ctx := context.Background()
	remote := srv.URL + "/octo/hello.git"
	tok, err := pat.New(secret) // in a real program: nil Source, and GH_ENTERPRISE_TOKEN is read
	if err != nil {
		panic(err)
	}
	opts := gitauth.Options{
		Provider: provider.Config{BaseURL: srv.URL}, // the server's web root, as for any GHES host
		Source:   pat.Static(tok.WithOrigin("flag -token")),
	}

	r, err := gitauth.Resolve(ctx, remote, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println("token:", r.Token, "from", r.Token.Origin())

	report, err := r.Provider.CheckScopes(ctx, r.Token, "repo")
	fmt.Println("user:", report.User, "scopes:", report.Scopes, "err:", err)

	auth, _ := r.BasicAuth(ctx)
	fmt.Println("write:", gitauth.Probe(ctx, remote, auth, gitauth.Write))

	dir, _ := os.MkdirTemp("", "patgit-example-")
	defer os.RemoveAll(dir)
	_, err = gitauth.Clone(ctx, remote, dir, opts, nil)
	fmt.Println("clone:", err)
	// Output:
	// token: ghp_******** from flag -token
	// user: octocat scopes: [repo] err: <nil>
	// write: <nil>
	// clone: <nil>
}
