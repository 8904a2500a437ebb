package providertest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func postRevoke(t *testing.T, s *providertest.GitHubServer, body, auth string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL+"credentials/revoke", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Message string }
	json.Unmarshal(b, &e)
	return resp.StatusCode, e.Message, resp.Header
}

func TestRevokeEndpoint(t *testing.T) {
	s := newGitHub(t)
	classic := providertest.Token(pat.GitHubClassic, "ep")
	inst := providertest.Token(pat.GitHubInstallation, "ep")
	for _, sec := range []string{classic, inst} {
		s.AddToken(sec, providertest.GitHubToken{Login: "octocat"})
	}
	const spammed = "Validation failed, or the endpoint has been spammed."
	many := make([]string, providertest.GitHubRevokeBatch+1)
	for i := range many {
		many[i] = classic
	}
	tooMany, _ := json.Marshal(map[string]any{"credentials": many})
	for _, c := range []struct{ name, body string }{
		{"not JSON", "credentials=" + classic},
		{"no list", `{}`},
		{"empty list", `{"credentials":[]}`},
		{"not strings", `{"credentials":[1]}`},
		{"1001 entries", string(tooMany)},
	} {
		if code, msg, _ := postRevoke(t, s, c.body, ""); code != http.StatusUnprocessableEntity || msg != spammed {
			t.Errorf("%s: %d %q, want 422 %q", c.name, code, msg, spammed)
		}
	}
	body := fmt.Sprintf(`{"credentials":[%q,%q]}`, classic, inst)
	if code, _, _ := postRevoke(t, s, body, "token "+classic); code != http.StatusForbidden || s.Revoked(classic) {
		t.Errorf("authenticated: %d, revoked %v; want 403 and nothing revoked", code, s.Revoked(classic))
	}
	code, _, h := postRevoke(t, s, body, "")
	if code != http.StatusAccepted || !s.Revoked(classic) || s.Revoked(inst) {
		t.Errorf("unauthenticated: %d; revoked classic %v, installation %v; want 202, true, false", code, s.Revoked(classic), s.Revoked(inst))
	}
	if h.Get("X-RateLimit-Limit") != "60" || h.Get("X-RateLimit-Remaining") == "" || h.Get("X-RateLimit-Reset") == "" {
		t.Errorf("rate-limit headers missing: %v", h)
	}
	// The revoked token now fails on the API.
	req, _ := http.NewRequest(http.MethodGet, s.APIURL+"user", nil)
	req.Header.Set("Authorization", "token "+classic)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /user after revocation: %d, want 401", resp.StatusCode)
	}
}
