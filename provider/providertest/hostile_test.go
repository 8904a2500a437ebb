package providertest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func TestHostileEchoesCredentials(t *testing.T) {
	gh := testkit.GitHub(t)
	secret := providertest.Token(pat.GitHubClassic, "hostile")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	get := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, gh.URL+path, nil)
		req.SetBasicAuth("octocat", secret)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	has := func(what, text string) {
		t.Helper()
		if len(testkit.NewScanner(secret).String(what, text)) == 0 {
			t.Errorf("%s does not echo the token: %q", what, text)
		}
	}

	gh.SetHostile(providertest.Hostile{Refuse: http.StatusUnauthorized})
	resp := get("/api/v3/user")
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d", resp.StatusCode)
	}
	has("status text", resp.Status)
	has("body", body.String())
	for _, h := range []string{"WWW-Authenticate", "X-TFS-ServiceError", "X-GitHub-SSO", "Link"} {
		has(h, resp.Header.Get(h))
	}

	gh.SetHostile(providertest.Hostile{Redirect: true})
	resp = get("/api/v3/user")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("redirect: status %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	path, query, _ := strings.Cut(loc, "?")
	has("Location path", path)
	has("Location query", query)
	if resp = get(loc); resp.StatusCode != http.StatusOK {
		t.Errorf("the redirected request was not served as the original: %d", resp.StatusCode)
	}
}

func TestHostileSideband(t *testing.T) {
	testkit.RequireGit(t)
	gh := testkit.GitHub(t)
	secret := providertest.Token(pat.GitHubClassic, "hostile-sideband")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/r": providertest.AccessRead}})
	if err := gh.AddRepo("octo", "r", nil); err != nil {
		t.Fatal(err)
	}
	gh.SetHostile(providertest.Hostile{Echo: true})
	var progress bytes.Buffer
	_, err := git.CloneContext(context.Background(), memory.NewStorage(), nil, &git.CloneOptions{
		URL:      gh.URL + "/octo/r.git",
		Auth:     &githttp.BasicAuth{Username: "octocat", Password: secret},
		Progress: &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := progress.String()
	if !strings.Contains(out, secret) || !strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(secret))) {
		t.Errorf("progress holds no echo: %q", out)
	}
}
