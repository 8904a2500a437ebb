package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

func TestMessage(t *testing.T) {
	w := Words{Flags: map[string]string{"BaseURL": "-base-url", "Name": "-provider"}, URL: "http://127.0.0.1:9/o/r"}
	for _, tc := range []struct{ in, want string }{
		{"github github.com: pat: github-classic token fails its checksum", "GitHub classic token fails its checksum"},
		{"gitauth: token for x: pat: env GH_TOKEN: malformed", "token for x: env GH_TOKEN: malformed"},
		{"a azure-devops token cannot authenticate to h (github)", "an Azure DevOps token cannot authenticate to h (GitHub)"},
		{"A github-fine-grained token", "A GitHub fine-grained token"},
		{"an unknown token", "an unknown token"},
		{"set Config.BaseURL to https://127.0.0.1:9 and Config.Name", "set -base-url to http://127.0.0.1:9 and -provider"},
		{"set Options.Provider.BaseURL; opts.Provider.Name", "set -base-url; -provider"},
		{"keep Config.Timeout", "keep Config.Timeout"},
		{"when BaseURL alone does not say; a Name", "when -base-url alone does not say; a Name"},
		{"two\nlines  here", "two; lines here"},
		{"use https://127.0.0.10:9", "use https://127.0.0.10:9"},
		{"use https://127.0.0.1:90 or https://127.0.0.1:9", "use https://127.0.0.1:90 or http://127.0.0.1:9"},
	} {
		if got := w.Message(errors.New(tc.in)); got != tc.want {
			t.Errorf("Message(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := (Words{}).Message(nil); got != "" {
		t.Errorf("Message(nil) = %q", got)
	}
}

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		err       error
		contacted bool
		kind      string
		status    int
	}{
		{nil, false, "", 0},
		{&gitauth.NoTokenError{Host: "h"}, false, NoToken, 1},
		{fmt.Errorf("x: %w", provider.ErrUnsupportedURL), false, BadInput, 2},
		{pat.ErrChecksum, true, BadInput, 2},
		{provider.ErrTokenMismatch, true, BadInput, 2},
		{&provider.MissingScopeError{Missing: []string{"repo"}}, true, MissingScope, 1},
		{&provider.RateLimitError{}, true, RateLimited, 3},
		{&provider.SSOError{}, true, SSORequired, 1},
		{provider.ErrUnauthorized, true, Unauthorized, 1},
		{&gitauth.RemoteError{Status: 403, Err: gitauth.ErrAccessDenied}, true, AccessDenied, 1},
		{&gitauth.RemoteError{Status: 404, Err: gitauth.ErrRepoNotFound}, true, AccessDenied, 1},
		{&gitauth.RemoteError{Status: 500}, true, Network, 3},
		{&provider.HostError{Host: "h", Err: errors.New("refused")}, true, Network, 3},
		{errors.New("odd"), false, BadInput, 2},
		{errors.New("odd"), true, Network, 3},
	} {
		kind := Kind(tc.err, tc.contacted)
		if kind != tc.kind || Status(kind) != tc.status {
			t.Errorf("Kind(%v, %v) = %q (status %d), want %q (%d)", tc.err, tc.contacted, kind, Status(kind), tc.kind, tc.status)
		}
	}
	if Status(Unverified) != 4 {
		t.Errorf("Status(Unverified) = %d, want 4", Status(Unverified))
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"repo"}, "'repo'"},
		{[]string{"repo", "workflow"}, "'repo' and 'workflow'"},
		{[]string{"a", "b", "c"}, "'a', 'b' and 'c'"},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
