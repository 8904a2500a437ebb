package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

func TestCheck(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	if err := gh.AddRepo("octo", "hello", nil); err != nil {
		t.Fatal(err)
	}
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
