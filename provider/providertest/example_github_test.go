package providertest_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// A fake GitHub Enterprise Server for a test: register a token, then talk to
// the REST API (and, with git installed, to repositories added with AddRepo)
// exactly as to GitHub. Pass s.URL as provider.Config.BaseURL.
func ExampleNewGitHubServer() {
	s, err := providertest.NewGitHubServer()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	secret := providertest.Token(pat.GitHubClassic, "example")
	s.AddToken(secret, providertest.GitHubToken{
		Login:      "octocat",
		Scopes:     []string{"repo", "read:org"},
		Expiration: "2030-01-02 03:04:05 UTC",
		Repos:      map[string]providertest.Access{"octo/hello": providertest.AccessWrite},
	})

	req, err := http.NewRequest("GET", s.APIURL+"user", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()

	fmt.Println(resp.Status)
	fmt.Println("X-OAuth-Scopes:", resp.Header.Get("X-OAuth-Scopes"))
	fmt.Println("expires:", resp.Header.Get("GitHub-Authentication-Token-Expiration"))
	fmt.Println("GET /user requests:", s.Requests("GET /user"))
	// Output:
	// 200 OK
	// X-OAuth-Scopes: repo, read:org
	// expires: 2030-01-02 03:04:05 UTC
	// GET /user requests: 1
}
