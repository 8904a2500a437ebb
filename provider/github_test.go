package provider_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// ghFake starts a fake GitHub for one test.
func ghFake(t testing.TB) *providertest.GitHubServer {
	t.Helper()
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatalf("NewGitHubServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// ghProvider returns a GitHub provider for the fake with cfg's other fields.
func ghProvider(t testing.TB, s *providertest.GitHubServer, cfg provider.Config) *provider.GitHub {
	t.Helper()
	cfg.BaseURL = s.URL
	g, err := provider.NewGitHub(cfg)
	if err != nil {
		t.Fatalf("NewGitHub: %v", err)
	}
	return g
}

func ghToken(t testing.TB, secret string) pat.Token {
	t.Helper()
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatalf("pat.New: %v", err)
	}
	return tok
}

// ghNoSecret fails the test if any formatted form of v holds secret.
func ghNoSecret(t *testing.T, secret string, vs ...any) {
	t.Helper()
	for _, v := range vs {
		if v == nil {
			continue
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secret) {
				t.Errorf("%s of %T holds the token: %s", verb, v, out)
			}
		}
		if err, ok := v.(error); ok {
			for e := err; e != nil; e = errors.Unwrap(e) {
				if strings.Contains(e.Error(), secret) {
					t.Errorf("wrapped error %T holds the token", e)
				}
			}
		}
	}
}

func TestGitHubCheckScopesClassic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		scopes     []string
		required   []string
		wantScopes []string
		missing    []string
	}{
		{"no requirement", []string{"repo"}, nil, []string{"repo"}, nil},
		{"exact", []string{"repo", "workflow"}, []string{"repo", "workflow"}, []string{"repo", "workflow"}, nil},
		{"repo covers public_repo", []string{"repo"}, []string{"public_repo"}, []string{"repo"}, nil},
		{"repo covers its children", []string{"repo"}, []string{"repo:status", "repo_deployment", "repo:invite", "security_events"}, []string{"repo"}, nil},
		{"admin:org covers write and read", []string{"admin:org"}, []string{"read:org", "write:org"}, []string{"admin:org"}, nil},
		{"write:org covers read:org", []string{"write:org"}, []string{"read:org"}, []string{"write:org"}, nil},
		{"write:org does not cover admin:org", []string{"write:org"}, []string{"admin:org"}, []string{"write:org"}, []string{"admin:org"}},
		{"redundant children in any order", []string{"read:org", "repo", "repo:status", "admin:org", "workflow"}, []string{"workflow", "repo", "read:org"}, []string{"read:org", "repo", "repo:status", "admin:org", "workflow"}, nil},
		{"repo does not imply workflow, read:org, delete_repo", []string{"repo"}, []string{"workflow", "read:org", "delete_repo"}, []string{"repo"}, []string{"workflow", "read:org", "delete_repo"}},
		{"required trimmed and deduplicated", []string{"gist"}, []string{" repo ", "repo", "", "gist"}, []string{"gist"}, []string{"repo"}},
		{"empty header: no scopes", nil, []string{"repo"}, []string{}, []string{"repo"}},
		{"empty header, nothing required", nil, nil, []string{}, nil},
		{"admin keys", []string{"admin:public_key", "admin:repo_hook", "admin:gpg_key", "admin:ssh_signing_key"},
			[]string{"read:public_key", "write:public_key", "read:repo_hook", "write:repo_hook", "read:gpg_key", "write:gpg_key", "read:ssh_signing_key", "write:ssh_signing_key"}, nil, nil},
		{"user", []string{"user"}, []string{"read:user", "user:email", "user:follow"}, nil, nil},
		{"project", []string{"project"}, []string{"read:project"}, nil, nil},
		{"packages", []string{"write:packages"}, []string{"read:packages"}, nil, nil},
		{"read:packages does not cover write", []string{"read:packages"}, []string{"write:packages"}, nil, []string{"write:packages"}},
		{"discussion", []string{"write:discussion"}, []string{"read:discussion"}, nil, nil},
		{"enterprise", []string{"admin:enterprise"}, []string{"manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise"}, nil, nil},
		{"billing covers read:enterprise", []string{"manage_billing:enterprise"}, []string{"read:enterprise", "admin:enterprise"}, nil, []string{"admin:enterprise"}},
		{"codespace, copilot, audit_log", []string{"codespace", "copilot", "audit_log"}, []string{"codespace:secrets", "manage_billing:copilot", "read:audit_log"}, nil, nil},
		{"children never cover parents", []string{"public_repo", "read:org", "read:user"}, []string{"repo", "admin:org", "user"}, nil, []string{"repo", "admin:org", "user"}},
	}
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := providertest.Token(pat.GitHubClassic, fmt.Sprint("classic-", i))
			s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: tt.scopes})
			tok := ghToken(t, secret)
			rep, err := g.CheckScopes(context.Background(), tok, tt.required...)
			ghNoSecret(t, secret, err, rep)
			if rep == nil {
				t.Fatalf("CheckScopes: nil report, error %v", err)
			}
			if rep.User != "octocat" || rep.Kind != pat.GitHubClassic || rep.Provider != "github" || rep.Host != g.Host() {
				t.Errorf("report = %+v", rep)
			}
			if rep.Scopes == nil {
				t.Errorf("Scopes = nil, want non-nil (the header was present)")
			}
			if tt.wantScopes != nil && !slices.Equal(rep.Scopes, tt.wantScopes) {
				t.Errorf("Scopes = %q, want %q", rep.Scopes, tt.wantScopes)
			}
			if !slices.Equal(rep.Missing, tt.missing) {
				t.Errorf("Missing = %q, want %q", rep.Missing, tt.missing)
			}
			if len(rep.Unverified) != 0 {
				t.Errorf("Unverified = %q, want none", rep.Unverified)
			}
			if !rep.ExpiresAt.IsZero() {
				t.Errorf("ExpiresAt = %v, want zero (no header)", rep.ExpiresAt)
			}
			if len(tt.missing) == 0 {
				if err != nil {
					t.Fatalf("CheckScopes: %v", err)
				}
				return
			}
			var me *provider.MissingScopeError
			if !errors.As(err, &me) || !errors.Is(err, provider.ErrMissingScope) {
				t.Fatalf("error = %v, want *MissingScopeError", err)
			}
			if !slices.Equal(me.Missing, tt.missing) {
				t.Errorf("MissingScopeError.Missing = %q, want %q", me.Missing, tt.missing)
			}
			msg := err.Error()
			for _, m := range tt.missing {
				if !strings.Contains(msg, "'"+m+"'") {
					t.Errorf("error %q does not name %q", msg, m)
				}
			}
			wantHint := "gh auth refresh -h " + g.Host() + " -s " + strings.Join(tt.missing, ",")
			if !strings.Contains(msg, wantHint) || !strings.Contains(msg, s.URL+"/settings/tokens") {
				t.Errorf("error %q lacks the hint %q or the settings page", msg, wantHint)
			}
		})
	}
}

func TestGitHubCheckScopesUndisclosed(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	tests := []struct {
		kind pat.Kind
		tok  providertest.GitHubToken
	}{
		{pat.GitHubFineGrained, providertest.GitHubToken{Login: "octocat", Expiration: "2030-01-02 05:04:05 +0200"}},
		{pat.GitHubUser, providertest.GitHubToken{Login: "octocat"}},
		{pat.GitHubClassic, providertest.GitHubToken{Login: "octocat", NoScopesHeader: true, Scopes: []string{"repo"}}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			secret := providertest.Token(tt.kind, "undisclosed")
			s.AddToken(secret, tt.tok)
			rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), "repo", "workflow")
			ghNoSecret(t, secret, err, rep)
			if err != nil {
				t.Fatalf("CheckScopes: %v", err)
			}
			if rep.Scopes != nil {
				t.Errorf("Scopes = %q, want nil (header absent)", rep.Scopes)
			}
			if !slices.Equal(rep.Unverified, []string{"repo", "workflow"}) || len(rep.Missing) != 0 {
				t.Errorf("Unverified = %q, Missing = %q", rep.Unverified, rep.Missing)
			}
			if rep.User != "octocat" || rep.Kind != tt.kind {
				t.Errorf("report = %+v", rep)
			}
		})
	}
}

func TestGitHubCheckScopesExpiry(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	soon := time.Now().Add(90 * time.Minute).UTC().Truncate(time.Second)
	east := time.FixedZone("east", 9*3600)
	tests := []struct {
		name   string
		header string
		want   time.Time
	}{
		{"classic UTC", "2030-01-02 03:04:05 UTC", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"fine-grained offset", "2030-01-02 05:04:05 +0200", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"offset across midnight", "2027-03-31 00:00:00 +0900", time.Date(2027, 3, 30, 15, 0, 0, 0, time.UTC)},
		{"soon", soon.In(east).Format("2006-01-02 15:04:05 -0700"), soon},
		{"absent", "", time.Time{}},
		{"garbage", "next tuesday", time.Time{}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := providertest.Token(pat.GitHubClassic, fmt.Sprint("expiry-", i))
			s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Expiration: tt.header})
			rep, err := g.CheckScopes(context.Background(), ghToken(t, secret))
			if err != nil {
				t.Fatalf("CheckScopes: %v", err)
			}
			if !rep.ExpiresAt.Equal(tt.want) {
				t.Errorf("ExpiresAt = %v, want %v", rep.ExpiresAt, tt.want)
			}
			if !tt.want.IsZero() && rep.ExpiresAt.Location() != time.UTC {
				t.Errorf("ExpiresAt location = %v, want UTC", rep.ExpiresAt.Location())
			}
			if tt.want.IsZero() && rep.ExpiresWithin(100*365*24*time.Hour) {
				t.Errorf("ExpiresWithin true for an unknown expiry")
			}
		})
	}
	t.Run("ExpiresWithin", func(t *testing.T) {
		secret := providertest.Token(pat.GitHubClassic, "expiry-within")
		s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Expiration: soon.Format("2006-01-02 15:04:05 UTC")})
		rep, err := g.CheckScopes(context.Background(), ghToken(t, secret))
		if err != nil {
			t.Fatal(err)
		}
		if !rep.ExpiresWithin(2*time.Hour) || rep.ExpiresWithin(time.Hour) {
			t.Errorf("ExpiresWithin(2h) = %v, ExpiresWithin(1h) = %v for an expiry in 90 minutes",
				rep.ExpiresWithin(2*time.Hour), rep.ExpiresWithin(time.Hour))
		}
	})
}

func TestGitHubCheckScopesUnauthorized(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	tests := []struct {
		name   string
		secret string
		tok    *providertest.GitHubToken
	}{
		{"unknown", providertest.Token(pat.GitHubClassic, "unknown"), nil},
		{"revoked", providertest.Token(pat.GitHubClassic, "revoked"), &providertest.GitHubToken{Login: "octocat", Revoked: true}},
		{"expired", providertest.Token(pat.GitHubFineGrained, "expired"), &providertest.GitHubToken{Login: "octocat", Expiration: "2020-01-02 03:04:05 +0000"}},
		{"revoked installation", providertest.Token(pat.GitHubInstallation, "revoked"), &providertest.GitHubToken{Revoked: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tok != nil {
				s.AddToken(tt.secret, *tt.tok)
			}
			tok := ghToken(t, tt.secret)
			for range 2 { // errors are not cached
				rep, err := g.CheckScopes(context.Background(), tok, "repo")
				ghNoSecret(t, tt.secret, err, rep)
				if !errors.Is(err, provider.ErrUnauthorized) || rep != nil {
					t.Fatalf("CheckScopes = %v, %v; want ErrUnauthorized", rep, err)
				}
				if msg := err.Error(); !strings.Contains(msg, "bad credentials") || !strings.Contains(msg, g.Host()) {
					t.Errorf("error %q should say bad credentials for %s", msg, g.Host())
				}
			}
			if _, err := g.BasicAuth(context.Background(), tok); !errors.Is(err, provider.ErrUnauthorized) && tok.Kind() != pat.GitHubInstallation {
				t.Errorf("BasicAuth error = %v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestGitHubCheckScopesRateLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode      providertest.RateLimitMode
		secondary bool
		// precheck: go-github remembers the limit and refuses the next
		// request itself (403/429 with remaining 0; 403 with Retry-After).
		precheck bool
	}{
		{providertest.RateLimitPrimary403, false, true},
		{providertest.RateLimitPrimary429, false, true},
		{providertest.RateLimitSecondary403, true, true},
		{providertest.RateLimitSecondary429, true, false},
	}
	for i, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			t.Parallel()
			s := ghFake(t)
			g := ghProvider(t, s, provider.Config{})
			secret := providertest.Token(pat.GitHubClassic, fmt.Sprint("rate-", i))
			s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, RateLimit: tt.mode})
			tok := ghToken(t, secret)
			for call := range 2 {
				start := time.Now()
				rep, err := g.CheckScopes(context.Background(), tok, "repo")
				ghNoSecret(t, secret, err, rep)
				var rl *provider.RateLimitError
				if !errors.As(err, &rl) || !errors.Is(err, provider.ErrRateLimited) || rep != nil {
					t.Fatalf("call %d: CheckScopes = %v, %v; want *RateLimitError", call, rep, err)
				}
				if rl.Secondary != tt.secondary || rl.Host != g.Host() {
					t.Errorf("call %d: %+v", call, rl)
				}
				if tt.secondary {
					lo, hi := start.Add(providertest.GitHubRetryAfter-5*time.Second), time.Now().Add(providertest.GitHubRetryAfter+time.Second)
					if rl.Reset.Before(lo) || rl.Reset.After(hi) {
						t.Errorf("call %d: Reset = %v, want about now+%v", call, rl.Reset, providertest.GitHubRetryAfter)
					}
				} else if !rl.Reset.Equal(s.RateLimitReset()) {
					t.Errorf("call %d: Reset = %v, want %v", call, rl.Reset, s.RateLimitReset())
				}
			}
			want := 2
			if tt.precheck {
				want = 1
			}
			if n := s.Requests("GET /user"); n != want {
				t.Errorf("GET /user requests = %d, want %d", n, want)
			}
		})
	}
}

// ghStub serves one canned API answer for GET /api/v3/user.
func ghStub(t *testing.T, code int, header map[string]string, body string) (*provider.GitHub, *int) {
	t.Helper()
	var mu sync.Mutex
	n := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*n++
		mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	g, err := provider.NewGitHub(provider.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return g, n
}

func TestGitHubCheckScopesErrorMapping(t *testing.T) {
	t.Parallel()
	ssoURL := "https://github.example/orgs/acme/sso?authorization_request=ABC123"
	tests := []struct {
		name   string
		code   int
		header map[string]string
		body   string
		check  func(t *testing.T, err error)
	}{
		{"SSO", 403, map[string]string{"X-GitHub-SSO": "required; url=" + ssoURL},
			`{"message":"Resource protected by organization SAML enforcement.","documentation_url":"https://docs.github.com"}`,
			func(t *testing.T, err error) {
				var e *provider.SSOError
				if !errors.As(err, &e) || !errors.Is(err, provider.ErrSSORequired) || e.URL != ssoURL {
					t.Errorf("error = %v, want *SSOError with URL %s", err, ssoURL)
				}
			}},
		{"429 bare", 429, nil, `{"message":"Too many requests"}`,
			func(t *testing.T, err error) {
				var e *provider.RateLimitError
				if !errors.As(err, &e) || !e.Reset.IsZero() {
					t.Errorf("error = %v, want *RateLimitError without Reset", err)
				}
			}},
		{"403 secondary message only", 403, nil,
			`{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`,
			func(t *testing.T, err error) {
				var e *provider.RateLimitError
				if !errors.As(err, &e) || !e.Secondary {
					t.Errorf("error = %v, want secondary *RateLimitError", err)
				}
			}},
		{"429 Retry-After date", 429, map[string]string{"Retry-After": time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat)}, `{}`,
			func(t *testing.T, err error) {
				var e *provider.RateLimitError
				if !errors.As(err, &e) || time.Until(e.Reset) < time.Minute || time.Until(e.Reset) > 3*time.Minute {
					t.Errorf("error = %v, want *RateLimitError about 2 minutes ahead", err)
				}
			}},
		{"403 policy", 403, nil, "{\"message\":\"`acme` forbids access via a personal access token (classic).\"}",
			func(t *testing.T, err error) {
				if err == nil || errors.Is(err, provider.ErrRateLimited) || errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "forbids access") {
					t.Errorf("error = %v, want the server's message", err)
				}
			}},
		{"404", 404, nil, `{"message":"Not Found"}`,
			func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "APIURL") {
					t.Errorf("error = %v, want a 404 naming the API URL setting", err)
				}
			}},
		{"401 two-factor", 401, map[string]string{"X-GitHub-OTP": "required; app"}, `{"message":"Must specify two-factor authentication OTP code."}`,
			func(t *testing.T, err error) {
				if !errors.Is(err, provider.ErrUnauthorized) {
					t.Errorf("error = %v, want ErrUnauthorized", err)
				}
			}},
		{"500", 500, nil, `oops`,
			func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "500") {
					t.Errorf("error = %v, want a 500", err)
				}
			}},
		{"200 without login", 200, nil, `{}`,
			func(t *testing.T, err error) {
				if err == nil {
					t.Errorf("no error for a user without a login")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, n := ghStub(t, tt.code, tt.header, tt.body)
			secret := providertest.Token(pat.GitHubClassic, "mapping")
			rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), "repo")
			ghNoSecret(t, secret, err, rep)
			if rep != nil {
				t.Errorf("report = %+v, want nil", rep)
			}
			tt.check(t, err)
			if *n != 1 {
				t.Errorf("requests = %d, want 1", *n)
			}
		})
	}
}

func TestGitHubInstallationToken(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	for _, secret := range []string{
		providertest.Token(pat.GitHubInstallation, "install"),
		providertest.LongInstallationToken("install"),
	} {
		s.AddToken(secret, providertest.GitHubToken{Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
		tok := ghToken(t, secret)
		s.ResetCounts()
		auth, err := g.BasicAuth(context.Background(), tok)
		if err != nil || auth.Username != "x-access-token" || auth.Password != secret {
			t.Fatalf("BasicAuth = %v, %v; want x-access-token", auth, err)
		}
		if n := s.TotalRequests(); n != 0 {
			t.Errorf("BasicAuth made %d requests, want 0", n)
		}
		rep, err := g.CheckScopes(context.Background(), tok, "contents:read")
		ghNoSecret(t, secret, err, rep)
		if err != nil {
			t.Fatalf("CheckScopes: %v", err)
		}
		if rep.User != "" || rep.Scopes != nil || rep.Kind != pat.GitHubInstallation || !slices.Equal(rep.Unverified, []string{"contents:read"}) {
			t.Errorf("report = %+v", rep)
		}
		if s.Requests("GET /installation/repositories") != 1 || s.Requests("GET /user") != 0 || s.TotalRequests() != 1 {
			t.Errorf("requests: installation %d, user %d, total %d; want 1, 0, 1",
				s.Requests("GET /installation/repositories"), s.Requests("GET /user"), s.TotalRequests())
		}
	}
}

func TestGitHubRefusalsBeforeRequest(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	classic := providertest.Token(pat.GitHubClassic, "refusal")
	last := classic[len(classic)-1]
	bad := classic[:len(classic)-1] + string(map[bool]byte{true: 'A', false: 'B'}[last != 'A'])
	tests := []struct {
		name   string
		secret string
		want   error
	}{
		{"azure", providertest.Token(pat.AzureDevOps, "refusal"), provider.ErrTokenMismatch},
		{"azure legacy", providertest.LegacyAzureToken("refusal"), provider.ErrTokenMismatch},
		{"bad checksum", bad, pat.ErrChecksum},
		{"truncated", classic[:30], pat.ErrChecksum},
		{"refresh token", providertest.Token(pat.GitHubRefresh, "refusal"), provider.ErrUnauthorized},
	}
	repo := provider.Repo{Host: g.Host(), Owner: "octo", Name: "hello"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.AddToken(tt.secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
			tok := ghToken(t, tt.secret)
			rep, err := g.CheckScopes(context.Background(), tok, "repo")
			if !errors.Is(err, tt.want) || rep != nil {
				t.Errorf("CheckScopes = %v, %v; want %v", rep, err, tt.want)
			}
			auth, err2 := g.BasicAuth(context.Background(), tok)
			if !errors.Is(err2, tt.want) || auth != nil {
				t.Errorf("BasicAuth = %v, %v; want %v", auth, err2, tt.want)
			}
			u, err3 := g.AuthenticatedURL(context.Background(), repo, tok)
			if !errors.Is(err3, tt.want) || u != "" {
				t.Errorf("AuthenticatedURL error = %v; want %v", err3, tt.want)
			}
			ghNoSecret(t, tt.secret, err, err2, err3)
		})
	}
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("refusals made %d requests, want 0", n)
	}
	if _, err := g.CheckScopes(context.Background(), pat.Token{}); !errors.Is(err, pat.ErrEmpty) {
		t.Errorf("zero token: %v, want pat.ErrEmpty", err)
	}
}

func TestGitHubInsecureURL(t *testing.T) {
	t.Parallel()
	for _, cfg := range []provider.Config{
		{BaseURL: "http://ghe.example.com"},
		{BaseURL: "https://ghe.example.com", APIURL: "http://ghe.example.com/api/v3"},
		{BaseURL: "http://10.0.0.1:8080"},
	} {
		if g, err := provider.NewGitHub(cfg); !errors.Is(err, provider.ErrInsecureURL) || g != nil {
			t.Errorf("NewGitHub(%+v) = %v, %v; want ErrInsecureURL", cfg, g, err)
		}
	}
}

// ghRecorder is a transport that records requests and answers GET user.
type ghRecorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *ghRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	h := http.Header{"Content-Type": {"application/json"}, "X-Oauth-Scopes": {"repo"}}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(`{"login":"octocat"}`)), Request: req}, nil
}

func TestGitHubAPIURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  provider.Config
		host string
		api  string
	}{
		{provider.Config{}, "github.com", "https://api.github.com/"},
		{provider.Config{BaseURL: "https://github.com/"}, "github.com", "https://api.github.com/"},
		{provider.Config{BaseURL: "https://ghe.example.com"}, "ghe.example.com", "https://ghe.example.com/api/v3/"},
		{provider.Config{BaseURL: "https://GHE.example.com:8443/"}, "ghe.example.com:8443", "https://ghe.example.com:8443/api/v3/"},
		{provider.Config{BaseURL: "https://octocorp.ghe.com"}, "octocorp.ghe.com", "https://api.octocorp.ghe.com/"},
		{provider.Config{BaseURL: "http://127.0.0.1:8080"}, "127.0.0.1:8080", "http://127.0.0.1:8080/api/v3/"},
		{provider.Config{BaseURL: "http://localhost:8080", APIURL: "http://localhost:9090/api"}, "localhost:8080", "http://localhost:9090/api/"},
	}
	for i, tt := range tests {
		t.Run(tt.api, func(t *testing.T) {
			t.Parallel()
			rec := &ghRecorder{}
			caller := &http.Client{Transport: rec}
			tt.cfg.HTTPClient = caller
			g, err := provider.NewGitHub(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if g.Host() != tt.host || g.APIURL() != tt.api {
				t.Errorf("Host, APIURL = %q, %q; want %q, %q", g.Host(), g.APIURL(), tt.host, tt.api)
			}
			secret := providertest.Token(pat.GitHubClassic, fmt.Sprint("apiurl-", i))
			rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), "public_repo")
			if err != nil || rep.User != "octocat" || rep.Host != tt.host {
				t.Fatalf("CheckScopes = %+v, %v", rep, err)
			}
			if len(rec.reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(rec.reqs))
			}
			req := rec.reqs[0]
			if got := req.URL.String(); got != tt.api+"user" {
				t.Errorf("request URL = %s, want %suser", got, tt.api)
			}
			if got := req.Header.Get("Authorization"); got != "token "+secret {
				t.Errorf("Authorization = %q, want the token", got)
			}
			if strings.Contains(req.URL.String(), secret) {
				t.Errorf("token in the request URL")
			}
			if caller.Transport != rec || caller.CheckRedirect != nil || caller.Jar != nil {
				t.Errorf("the caller's http.Client was modified")
			}
		})
	}
}

func TestGitHubRedirectDropsToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Bad credentials"}`)
	}))
	defer other.Close()
	// The same server under another host name: localhost instead of 127.0.0.1.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusFound)
	}))
	defer first.Close()
	g, err := provider.NewGitHub(provider.Config{BaseURL: first.URL})
	if err != nil {
		t.Fatal(err)
	}
	secret := providertest.Token(pat.GitHubClassic, "redirect")
	_, err = g.CheckScopes(context.Background(), ghToken(t, secret))
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("error = %v, want ErrUnauthorized from the other host", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "" {
		t.Errorf("the other host saw Authorization %q, want none", got)
	}
}

func TestGitHubNetworkError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	g, err := provider.NewGitHub(provider.Config{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	secret := providertest.Token(pat.GitHubClassic, "network")
	rep, err := g.CheckScopes(context.Background(), ghToken(t, secret))
	ghNoSecret(t, secret, err, rep)
	if err == nil || rep != nil || !strings.Contains(err.Error(), g.Host()) || errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("CheckScopes = %v, %v; want a network error naming %s", rep, err, g.Host())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.CheckScopes(ctx, ghToken(t, secret)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestGitHubUsername(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	secret := providertest.Token(pat.GitHubFineGrained, "username")
	s.AddToken(secret, providertest.GitHubToken{Login: "monalisa"})
	tok := ghToken(t, secret)

	t.Run("Config.Username skips /user", func(t *testing.T) {
		g := ghProvider(t, s, provider.Config{Username: "ci-bot"})
		before := s.TotalRequests()
		auth, err := g.BasicAuth(context.Background(), tok)
		if err != nil || auth.Username != "ci-bot" || auth.Password != secret {
			t.Fatalf("BasicAuth = %v, %v", auth, err)
		}
		if n := s.TotalRequests() - before; n != 0 {
			t.Errorf("%d requests, want 0", n)
		}
	})
	t.Run("login from /user, shared with CheckScopes", func(t *testing.T) {
		g := ghProvider(t, s, provider.Config{})
		before := s.Requests("GET /user")
		if _, err := g.CheckScopes(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		auth, err := g.BasicAuth(context.Background(), tok)
		if err != nil || auth.Username != "monalisa" || auth.Password != secret {
			t.Fatalf("BasicAuth = %v, %v", auth, err)
		}
		if strings.Contains(auth.String(), secret) {
			t.Errorf("BasicAuth.String() holds the token")
		}
		if n := s.Requests("GET /user") - before; n != 1 {
			t.Errorf("CheckScopes + BasicAuth made %d requests, want 1", n)
		}
	})
	t.Run("BasicAuth first", func(t *testing.T) {
		secret := providertest.Token(pat.GitHubFineGrained, "username-first")
		s.AddToken(secret, providertest.GitHubToken{Login: "monalisa"})
		tok := ghToken(t, secret)
		g := ghProvider(t, s, provider.Config{})
		before := s.Requests("GET /user")
		if _, err := g.BasicAuth(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		if _, err := g.CheckScopes(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests("GET /user") - before; n != 1 {
			t.Errorf("BasicAuth + CheckScopes made %d requests, want 1", n)
		}
	})
}

func TestGitHubAuthenticatedURL(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	repo := provider.Repo{Host: g.Host(), Owner: "octo", Name: "hello"}
	classic := providertest.Token(pat.GitHubClassic, "authurl")
	s.AddToken(classic, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	inst := providertest.Token(pat.GitHubInstallation, "authurl")
	s.AddToken(inst, providertest.GitHubToken{})
	tests := []struct {
		secret, user string
	}{
		{classic, "octocat"},
		{inst, "x-access-token"},
	}
	for _, tt := range tests {
		got, err := g.AuthenticatedURL(context.Background(), repo, ghToken(t, tt.secret))
		if err != nil {
			t.Fatalf("AuthenticatedURL: %v", err)
		}
		want := "http://" + tt.user + ":" + tt.secret + "@" + g.Host() + "/octo/hello.git"
		if got != want {
			t.Errorf("AuthenticatedURL = %q, want %q", got, want)
		}
	}
	other := provider.Repo{Host: "evil.example", Owner: "octo", Name: "hello"}
	if u, err := g.AuthenticatedURL(context.Background(), other, ghToken(t, classic)); !errors.Is(err, provider.ErrUnsupportedURL) || u != "" {
		t.Errorf("other host: %q, %v; want ErrUnsupportedURL", u, err)
	}
}

func TestGitHubRequestBudget(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	secret := providertest.Token(pat.GitHubClassic, "budget")
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	tok := ghToken(t, secret)
	ctx := context.Background()

	t.Run("cached", func(t *testing.T) {
		g := ghProvider(t, s, provider.Config{})
		s0 := s.Requests("GET /user")
		if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests("GET /user") - s0; n != 1 {
			t.Fatalf("first check: %d requests, want 1", n)
		}
		// A different requirement and a missing scope reuse the result too.
		_, err := g.CheckScopes(ctx, tok, "workflow")
		if !errors.Is(err, provider.ErrMissingScope) {
			t.Fatalf("second check: %v, want ErrMissingScope", err)
		}
		_, err = g.CheckScopes(ctx, tok, "workflow")
		if !errors.Is(err, provider.ErrMissingScope) {
			t.Fatalf("third check: %v, want ErrMissingScope", err)
		}
		if n := s.Requests("GET /user") - s0; n != 1 {
			t.Errorf("three checks within the TTL: %d requests, want 1", n)
		}
	})
	t.Run("CacheTTL negative", func(t *testing.T) {
		g := ghProvider(t, s, provider.Config{CacheTTL: -1})
		s0 := s.Requests("GET /user")
		for i := 1; i <= 3; i++ {
			if _, err := g.CheckScopes(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if _, err := g.BasicAuth(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if n := s.Requests("GET /user") - s0; n != 2*i {
				t.Fatalf("after %d rounds: %d requests, want %d", i, n, 2*i)
			}
		}
	})
}

// TestGitHubCacheTTLExpires moves the check cache's clock rather than
// sleeping; not parallel, since the clock is process-wide.
func TestGitHubCacheTTLExpires(t *testing.T) {
	s := ghFake(t)
	secret := providertest.Token(pat.GitHubClassic, "ttl-expires")
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	tok := ghToken(t, secret)
	now := time.Now()
	defer provider.SetCheckClock(func() time.Time { return now })()
	g := ghProvider(t, s, provider.Config{CacheTTL: 30 * time.Second})
	for _, step := range []time.Duration{0, 29 * time.Second, time.Second} {
		now = now.Add(step)
		if _, err := g.CheckScopes(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Requests("GET /user"); n != 2 {
		t.Errorf("%d requests, want 2 (one more once the TTL passed)", n)
	}
}

func TestGitHubConcurrentChecks(t *testing.T) {
	t.Parallel()
	s := ghFake(t)
	g := ghProvider(t, s, provider.Config{})
	const n = 20
	shared := providertest.Token(pat.GitHubClassic, "concurrent")
	s.AddToken(shared, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	distinct := make([]string, 5)
	for i := range distinct {
		distinct[i] = providertest.Token(pat.GitHubClassic, fmt.Sprint("distinct-", i))
		s.AddToken(distinct[i], providertest.GitHubToken{Login: fmt.Sprint("user", i)})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n+len(distinct))
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tok := ghToken(t, shared)
			if i%2 == 0 {
				rep, err := g.CheckScopes(context.Background(), tok, "public_repo")
				if err == nil && rep.User != "octocat" {
					err = fmt.Errorf("user %q", rep.User)
				}
				errs <- err
				return
			}
			auth, err := g.BasicAuth(context.Background(), tok)
			if err == nil && auth.Username != "octocat" {
				err = fmt.Errorf("user %q", auth.Username)
			}
			errs <- err
		}()
	}
	for i, secret := range distinct {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rep, err := g.CheckScopes(context.Background(), ghToken(t, secret))
			if err == nil && rep.User != fmt.Sprint("user", i) {
				err = fmt.Errorf("distinct token %d: user %q", i, rep.User)
			}
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got, want := s.Requests("GET /user"), 1+len(distinct); got != want {
		t.Errorf("GET /user requests = %d, want %d (one per distinct token)", got, want)
	}
}

func TestGitHubGoGitClone(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := ghFake(t)
	if err := s.AddRepo("octo", "hello", map[string]string{"README.md": "hi\n"}); err != nil {
		t.Fatal(err)
	}
	secret := providertest.Token(pat.GitHubFineGrained, "gogit")
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	g := ghProvider(t, s, provider.Config{})
	auth, err := g.BasicAuth(context.Background(), ghToken(t, secret))
	if err != nil {
		t.Fatal(err)
	}
	_, err = git.CloneContext(context.Background(), memory.NewStorage(), nil, &git.CloneOptions{URL: s.URL + "/octo/hello.git", Auth: auth})
	if err != nil {
		t.Fatalf("clone with %v: %v", auth, err)
	}
	// The fake insists on the login (or x-access-token) as user name.
	wrong := *auth
	wrong.Username = "someone-else"
	_, err = git.CloneContext(context.Background(), memory.NewStorage(), nil, &git.CloneOptions{URL: s.URL + "/octo/hello.git", Auth: &wrong})
	if err == nil {
		t.Errorf("clone with a wrong user name succeeded")
	}
	ghNoSecret(t, secret, err)
}

func BenchmarkGitHubCheckScopes(b *testing.B) {
	s := ghFake(b)
	secret := providertest.Token(pat.GitHubClassic, "bench")
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo", "read:org", "workflow"}})
	tok, err := pat.New(secret)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{
		{"cached", 0},
		{"uncached", -1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := ghProvider(b, s, provider.Config{CacheTTL: bc.ttl})
			ctx := context.Background()
			if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
				b.Fatal(err)
			}
			s.ResetCounts()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := g.CheckScopes(ctx, tok, "public_repo", "read:org"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(s.TotalRequests())/float64(b.N), "requests/op")
		})
	}
}

// An empty X-OAuth-Scopes means "no scopes" only for kinds that carry OAuth
// scopes; from a fine-grained, app user or installation token it means
// nothing, and required scopes stay unverified rather than missing.
func TestGitHubEmptyScopesHeaderByKind(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind        pat.Kind
		wantMissing bool
	}{
		{pat.GitHubClassic, true},
		{pat.GitHubOAuth, true},
		{pat.GitHubFineGrained, false},
		{pat.GitHubUser, false},
		{pat.GitHubInstallation, false},
	} {
		t.Run(tt.kind.String(), func(t *testing.T) {
			body := `{"login":"octocat"}`
			if tt.kind == pat.GitHubInstallation {
				body = `{"total_count":0,"repositories":[]}`
			}
			g, _ := ghStub(t, http.StatusOK, map[string]string{"X-OAuth-Scopes": ""}, body)
			rep, err := g.CheckScopes(context.Background(), ghToken(t, providertest.Token(tt.kind, "empty-header")), "repo")
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			if tt.wantMissing {
				if !errors.Is(err, provider.ErrMissingScope) || !slices.Equal(rep.Missing, []string{"repo"}) || rep.Scopes == nil {
					t.Errorf("report %+v, err %v; want repo missing", rep, err)
				}
				return
			}
			if err != nil || rep.Scopes != nil || !slices.Equal(rep.Unverified, []string{"repo"}) || len(rep.Missing) != 0 {
				t.Errorf("report %+v, err %v; want repo unverified, scopes nil", rep, err)
			}
		})
	}
}
