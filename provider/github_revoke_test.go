package provider_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// dotcom returns a github.com provider whose API is the fake's: the
// fake serves github.com's revocation behaviour under its API URL.
func dotcom(t testing.TB, apiURL string, cfg provider.Config) *provider.GitHub {
	t.Helper()
	cfg.APIURL = apiURL
	g, err := provider.NewGitHub(cfg)
	if err != nil {
		t.Fatalf("NewGitHub: %v", err)
	}
	return g
}

func TestRevokeThenTokenIsRefused(t *testing.T) {
	s := ghFake(t)
	if err := s.AddRepo("acme", "app", nil); err != nil && !errors.Is(err, providertest.ErrNoGit) {
		t.Fatal(err)
	}
	secret := providertest.Token(pat.GitHubClassic, "revoke-me")
	other := providertest.Token(pat.GitHubClassic, "keep-me")
	for _, sec := range []string{secret, other} {
		s.AddToken(sec, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"acme/app": providertest.AccessRead}})
	}
	check := ghProvider(t, s, provider.Config{CacheTTL: -1})
	ctx := context.Background()
	if _, err := check.CheckScopes(ctx, ghToken(t, secret)); err != nil {
		t.Fatalf("CheckScopes before: %v", err)
	}
	if err := dotcom(t, s.APIURL, provider.Config{}).Revoke(ctx, ghToken(t, secret)); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if n := s.Requests("POST /credentials/revoke"); n != 1 {
		t.Errorf("revocation requests = %d, want 1", n)
	}
	_, err := check.CheckScopes(ctx, ghToken(t, secret))
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("CheckScopes after Revoke: %v, want ErrUnauthorized", err)
	}
	if _, err := check.CheckScopes(ctx, ghToken(t, other)); err != nil {
		t.Errorf("a token not listed was revoked too: %v", err)
	}
	// Git refuses it too.
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/acme/app.git/info/refs?service=git-upload-pack", nil)
	req.SetBasicAuth("octocat", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("git after Revoke: %d, want 401", resp.StatusCode)
	}
}

// authTransport adds credentials to every request, as an oauth2 client would.
type authTransport struct{}

func (authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "token "+providertest.Token(pat.GitHubClassic, "caller"))
	return http.DefaultTransport.RoundTrip(r)
}

func TestRevokeIsUnauthenticated(t *testing.T) {
	s := ghFake(t)
	secret := providertest.Token(pat.GitHubClassic, "leaked")
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat"})
	// A client that adds credentials gets github.com's 403, typed.
	g := dotcom(t, s.APIURL, provider.Config{HTTPClient: &http.Client{Transport: authTransport{}}})
	err := g.Revoke(context.Background(), ghToken(t, secret))
	var re *provider.RevokeError
	if !errors.As(err, &re) || re.Status != http.StatusForbidden || !errors.Is(err, provider.ErrRevokeRejected) {
		t.Fatalf("Revoke through an authenticating client: %v, want *RevokeError 403", err)
	}
	if !strings.Contains(err.Error(), "Authorization") {
		t.Errorf("error does not say why: %v", err)
	}
	if s.Revoked(secret) {
		t.Error("an authenticated request revoked the token")
	}
	testkit.NoLeak(t, "Revoke error", err, secret)
}

func TestRevokeSplitsBatchesAndDeduplicates(t *testing.T) {
	s := ghFake(t)
	var toks []pat.Token
	for i := range 2500 {
		sec := providertest.Token(pat.GitHubClassic, fmt.Sprint("batch-", i))
		if i%500 == 0 {
			s.AddToken(sec, providertest.GitHubToken{Login: "octocat"})
		}
		toks = append(toks, ghToken(t, sec))
	}
	toks = append(toks, toks[:300]...) // duplicates go once
	if err := dotcom(t, s.APIURL, provider.Config{}).Revoke(context.Background(), toks...); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if n := s.Requests("POST /credentials/revoke"); n != 3 {
		t.Errorf("requests = %d, want 3 (1000 + 1000 + 500)", n)
	}
	for i := 0; i < 2500; i += 500 {
		if !s.Revoked(toks[i].Secret()) {
			t.Errorf("token %d not revoked", i)
		}
	}
}

func TestRevokeRefusesBeforeAnyRequest(t *testing.T) {
	s := ghFake(t)
	good := ghToken(t, providertest.Token(pat.GitHubClassic, "good"))
	bad := providertest.Token(pat.GitHubClassic, "bad")
	if last := bad[len(bad)-1]; last == 'A' {
		bad = bad[:len(bad)-1] + "B"
	} else {
		bad = bad[:len(bad)-1] + "A"
	}
	cases := []struct {
		name string
		tok  pat.Token
		is   error
	}{
		{"installation", ghToken(t, providertest.Token(pat.GitHubInstallation, "inst")), provider.ErrNotRevocable},
		{"long installation", ghToken(t, providertest.LongInstallationToken("inst")), provider.ErrNotRevocable},
		{"azure", ghToken(t, providertest.Token(pat.AzureDevOps, "az")), provider.ErrTokenMismatch},
		{"gitlab", ghToken(t, "glpat-"+strings.Repeat("a", 20)), provider.ErrTokenMismatch},
		{"unknown", ghToken(t, strings.Repeat("0123456789abcdef", 3)[:40]), provider.ErrNotRevocable},
		{"zero", pat.Token{}, pat.ErrEmpty},
		{"checksum", ghToken(t, bad), pat.ErrChecksum},
	}
	g := dotcom(t, s.APIURL, provider.Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := g.Revoke(context.Background(), good, c.tok)
			var ne *provider.NotRevocableError
			if !errors.As(err, &ne) || !errors.Is(err, provider.ErrNotRevocable) || !errors.Is(err, c.is) {
				t.Fatalf("Revoke: %v, want *NotRevocableError matching %v", err, c.is)
			}
			if ne.Index != 1 {
				t.Errorf("Index = %d, want 1", ne.Index)
			}
			if c.tok.Secret() != "" {
				testkit.NoLeak(t, "Revoke error", err, c.tok.Secret())
			}
		})
	}
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
	if s.Revoked(good.Secret()) {
		t.Error("the good token was revoked although the call was refused")
	}
}

func TestRevokeGitHubComOnly(t *testing.T) {
	s := ghFake(t)
	tok := ghToken(t, providertest.Token(pat.GitHubClassic, "ghes"))
	for name, g := range map[string]*provider.GitHub{
		"enterprise server": ghProvider(t, s, provider.Config{}),
		"ghe.com":           dotcom(t, s.APIURL, provider.Config{BaseURL: "https://acme.ghe.com"}),
	} {
		err := g.Revoke(context.Background(), tok)
		if !errors.Is(err, provider.ErrRevokeUnsupported) || !strings.Contains(err.Error(), "github.com") {
			t.Errorf("%s: %v, want ErrRevokeUnsupported naming github.com", name, err)
		}
	}
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}

func TestRevokeZeroValue(t *testing.T) {
	tok := ghToken(t, providertest.Token(pat.GitHubClassic, "zero"))
	var zero provider.GitHub
	var nilG *provider.GitHub
	for _, g := range []*provider.GitHub{&zero, nilG} {
		if err := g.Revoke(context.Background(), tok); !errors.Is(err, provider.ErrRevokeUnsupported) {
			t.Errorf("Revoke on %#v: %v, want ErrRevokeUnsupported", g, err)
		}
	}
	s := ghFake(t)
	var nilCtx context.Context
	if err := dotcom(t, s.APIURL, provider.Config{}).Revoke(nilCtx, tok); err == nil {
		t.Error("Revoke with a nil context succeeded")
	}
	if err := dotcom(t, s.APIURL, provider.Config{}).Revoke(context.Background()); err != nil || s.TotalRequests() != 0 {
		t.Errorf("Revoke of nothing: %v, %d requests", err, s.TotalRequests())
	}
}

func TestRevokeRateLimit(t *testing.T) {
	s := ghFake(t)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	g := dotcom(t, s.APIURL, provider.Config{})
	tok := ghToken(t, providertest.Token(pat.GitHubClassic, "limited"))
	ctx := context.Background()
	for i := range providertest.GitHubRevokeLimit {
		if err := g.Revoke(ctx, tok); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	err := g.Revoke(ctx, tok)
	var rl *provider.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("request 61: %v, want *RateLimitError", err)
	}
	if want := now.Add(time.Hour); !rl.Reset.Equal(want) {
		t.Errorf("Reset = %v, want %v", rl.Reset, want)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if err := g.Revoke(ctx, tok); err != nil {
		t.Errorf("after the window: %v", err)
	}

	// A list needing more requests than an hour allows is refused at once.
	s.ResetCounts()
	many := make([]pat.Token, 0, provider.RevokeBatch*provider.RevokeRequestsPerHour+1)
	for i := range cap(many) {
		random := fmt.Sprintf("%030d", i)
		many = append(many, ghToken(t, "ghp_"+random+pat.Checksum(random)))
	}
	if err := g.Revoke(ctx, many...); !errors.As(err, &rl) || s.TotalRequests() != 0 {
		t.Errorf("60001 tokens: %v with %d requests, want *RateLimitError and none", err, s.TotalRequests())
	}
}

func TestRevokeHostileAnswers(t *testing.T) {
	secret := providertest.Token(pat.GitHubClassic, "hostile")
	tok := ghToken(t, secret)
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere++
		w.WriteHeader(http.StatusAccepted)
	}))
	defer other.Close()
	cases := []struct {
		name    string
		handler http.HandlerFunc
		check   func(t *testing.T, err error)
	}{
		{"422 echoing the token", func(w http.ResponseWriter, r *http.Request) {
			b64 := base64.StdEncoding.EncodeToString([]byte("x:" + secret))
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprintf(w, `{"message":"bad \u001b[31m%s %s\n%s"}`, secret, b64, strings.Repeat("z", 10))
		}, func(t *testing.T, err error) {
			var re *provider.RevokeError
			if !errors.As(err, &re) || re.Status != 422 || strings.ContainsAny(re.Message, "\x1b\n") {
				t.Errorf("got %v, want *RevokeError 422 with a clean one-line message", err)
			}
		}},
		{"307 to another host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		}, func(t *testing.T, err error) {
			if !errors.Is(err, provider.ErrRevokeRejected) || elsewhere != 0 {
				t.Errorf("got %v and %d requests elsewhere, want a refusal and none", err, elsewhere)
			}
		}},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}, func(t *testing.T, err error) {
			var rl *provider.RateLimitError
			if !errors.As(err, &rl) || rl.Reset.IsZero() {
				t.Errorf("got %v, want *RateLimitError with Reset", err)
			}
		}},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, secret)
		}, func(t *testing.T, err error) {
			var he *provider.HostError
			if !errors.As(err, &he) || !errors.Is(err, provider.ErrServerError) {
				t.Errorf("got %v, want *HostError matching ErrServerError", err)
			}
		}},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			chunk := strings.Repeat(secret, 1000)
			for range 100 {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		}, func(t *testing.T, err error) {
			if !errors.Is(err, provider.ErrRevokeRejected) {
				t.Errorf("got %v, want ErrRevokeRejected", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			err := dotcom(t, srv.URL+"/", provider.Config{}).Revoke(context.Background(), tok)
			if err == nil {
				t.Fatal("Revoke succeeded")
			}
			c.check(t, err)
			testkit.NoLeak(t, "Revoke error", err, secret)
		})
	}
}
