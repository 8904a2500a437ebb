package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

func TestCheck(t *testing.T) {
	gh := newServer(t)
	writer := providertest.Token(pat.GitHubClassic, "check-writer")
	reader := providertest.Token(pat.GitHubClassic, "check-reader")
	revoked := providertest.Token(pat.GitHubClassic, "check-revoked")
	gh.AddToken(writer, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	gh.AddToken(reader, providertest.GitHubToken{Login: "octocat", Scopes: []string{"public_repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	gh.AddToken(revoked, providertest.GitHubToken{Login: "octocat", Revoked: true})
	remote := gh.URL + "/octo/hello.git"

	cases := []struct {
		name   string
		secret string
		args   []string
		want   int
		output string
	}{
		{"ok", writer, []string{"-need", "repo", "-write", remote}, exitOK, "octocat"},
		{"json", writer, []string{"-json", "-need", "repo", remote}, exitOK, `"token_source": "env GH_ENTERPRISE_TOKEN"`},
		{"missing scope", reader, []string{"-need", "repo", remote}, exitFailed, "missing"},
		{"cannot write", reader, []string{"-write", remote}, exitFailed, "can read but not write"},
		{"revoked", revoked, []string{remote}, exitFailed, "bad credentials"},
		{"bad URL", writer, []string{"https://github.com.evil.example/o/r"}, exitUsage, "error"},
		{"usage", writer, []string{}, exitUsage, ""},
		{"unreachable", writer, []string{"-base-url", "http://127.0.0.1:1", "http://127.0.0.1:1/octo/hello.git"}, exitNetwork, "error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GH_ENTERPRISE_TOKEN", tc.secret)
			var stdout, stderr bytes.Buffer
			base := gitauth.Options{Provider: provider.Config{BaseURL: gh.URL}}
			got := run(context.Background(), tc.args, &stdout, &stderr, base)
			out := stdout.String() + stderr.String()
			if got != tc.want {
				t.Fatalf("exit %d, want %d:\n%s", got, tc.want, out)
			}
			if !strings.Contains(out, tc.output) {
				t.Errorf("output lacks %q:\n%s", tc.output, out)
			}
			if strings.Contains(out, tc.secret[4:12]) {
				t.Errorf("output holds part of the token:\n%s", out)
			}
			if strings.HasPrefix(strings.TrimSpace(stdout.String()), "{") {
				var v map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
					t.Errorf("-json output is not JSON: %v", err)
				}
			}
		})
	}
}

// countingTransport counts the git info/refs requests it carries.
type countingTransport struct {
	mu       sync.Mutex
	infoRefs int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/info/refs") {
		c.mu.Lock()
		c.infoRefs++
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// countingSource counts how often the token is looked up.
type countingSource struct {
	mu    sync.Mutex
	calls int
	tok   pat.Token
}

func (s *countingSource) Token(context.Context) (pat.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.tok, nil
}

// The probes go through the configured HTTP client, and the token probed is
// the one reported (looked up once).
func TestCheckUsesOptions(t *testing.T) {
	gh := newServer(t)
	secret := providertest.Token(pat.GitHubClassic, "check-options")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	tr := &countingTransport{}
	src := &countingSource{tok: tok}
	base := gitauth.Options{Provider: provider.Config{BaseURL: gh.URL, HTTPClient: &http.Client{Transport: tr}}, Source: src}
	var stdout, stderr bytes.Buffer
	if got := run(context.Background(), []string{"-write", gh.URL + "/octo/hello.git"}, &stdout, &stderr, base); got != exitOK {
		t.Fatalf("exit %d:\n%s%s", got, stdout.String(), stderr.String())
	}
	if tr.infoRefs != 2 {
		t.Errorf("%d probes went through the configured HTTP client, want 2", tr.infoRefs)
	}
	if src.calls != 1 {
		t.Errorf("the token was looked up %d times, want 1", src.calls)
	}
}

// A host that keeps failing is "network or host trouble" (exit 3), as documented.
func TestCheckServerErrorIsNetwork(t *testing.T) {
	gh := newServer(t)
	secret := providertest.Token(pat.GitHubClassic, "check-5xx")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	t.Setenv("GH_ENTERPRISE_TOKEN", secret)
	for _, tc := range []struct {
		name  string
		fault providertest.Fault
	}{
		{"API 503", providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusServiceUnavailable, Route: "GET /user"}},
		{"git 503", providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusServiceUnavailable, Route: "git info/refs"}},
		{"git 500", providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusInternalServerError, Route: "git info/refs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh.SetFault(tc.fault)
			defer gh.SetFault(providertest.Fault{})
			var stdout, stderr bytes.Buffer
			base := gitauth.Options{Provider: provider.Config{BaseURL: gh.URL}}
			if got := run(context.Background(), []string{gh.URL + "/octo/hello.git"}, &stdout, &stderr, base); got != exitNetwork {
				t.Fatalf("exit %d, want %d:\n%s%s", got, exitNetwork, stdout.String(), stderr.String())
			}
		})
	}
}

// newServer starts a fake GitHub with the repository octo/hello, closed when
// the test ends; it skips the test when git is missing.
func newServer(t *testing.T) *providertest.GitHubServer {
	t.Helper()
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Close)
	if err := gh.AddRepo("octo", "hello", nil); err != nil {
		t.Fatal(err)
	}
	return gh
}
