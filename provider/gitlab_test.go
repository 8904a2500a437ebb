package provider_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
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

// glFake starts a fake GitLab for one test, below root ("" for none).
func glFake(t testing.TB, root string) *providertest.GitLabServer {
	t.Helper()
	s, err := providertest.NewGitLabServerAt(root)
	if err != nil {
		t.Fatalf("NewGitLabServerAt: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// glProvider returns a GitLab provider for the fake with cfg's other fields.
func glProvider(t testing.TB, s *providertest.GitLabServer, cfg provider.Config) *provider.GitLab {
	t.Helper()
	cfg.BaseURL = s.URL
	g, err := provider.NewGitLab(cfg)
	if err != nil {
		t.Fatalf("NewGitLab: %v", err)
	}
	return g
}

// glClock is a settable clock for the fake and the provider.
type glClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *glClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *glClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func TestGitLabCheckScopesPersonal(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	clock := &glClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	s.SetClock(clock.now)
	tests := []struct {
		name     string
		scopes   []string
		expires  string
		required []string
		missing  []string
		user     string
	}{
		{"api covers everything below it", []string{"api"}, "2026-12-31", []string{"api", "read_api", "write_repository", "read_repository"}, nil, "ada"},
		{"read_api covers read_repository", []string{"read_api"}, "", []string{"read_repository", " READ_API ", "read_repository"}, nil, "ada"},
		{"read_api does not cover write_repository", []string{"read_api"}, "", []string{"write_repository", "api"}, []string{"write_repository", "api"}, "ada"},
		{"write_repository covers read_repository only", []string{"write_repository"}, "", []string{"read_repository", "read_api"}, []string{"read_api"}, ""},
		{"read_repository alone: valid, no login", []string{"read_repository"}, "", []string{"write_repository"}, []string{"write_repository"}, ""},
		{"read_user gives the login", []string{"read_user"}, "", nil, nil, "ada"},
		{"no scopes", nil, "", []string{"read_repository"}, []string{"read_repository"}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := providertest.GitLabPersonalToken("personal" + string(rune('a'+i)))
			s.AddToken(secret, providertest.GitLabToken{Username: "ada", Scopes: tt.scopes, ExpiresAt: tt.expires})
			g := glProvider(t, s, provider.Config{})
			provider.SetGitLabClock(g, clock.now)
			self, user := s.Requests("GET /personal_access_tokens/self"), s.Requests("GET /user")
			rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), tt.required...)
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			if d := s.Requests("GET /personal_access_tokens/self") - self; d != 1 {
				t.Errorf("%d requests to /self", d)
			}
			if d := s.Requests("GET /user") - user; d != 1 {
				t.Errorf("%d requests to /user", d)
			}
			if rep.Provider != "gitlab" || rep.Host != strings.TrimPrefix(s.URL, "http://") || rep.Kind != pat.GitLabPersonal || rep.User != tt.user {
				t.Errorf("report %+v", rep)
			}
			if strings.Join(rep.Scopes, ",") != strings.Join(tt.scopes, ",") || rep.Scopes == nil {
				t.Errorf("scopes %#v, want %v", rep.Scopes, tt.scopes)
			}
			if strings.Join(rep.Missing, ",") != strings.Join(tt.missing, ",") || len(rep.Unverified) != 0 {
				t.Errorf("missing %v unverified %v, want missing %v", rep.Missing, rep.Unverified, tt.missing)
			}
			var mse *provider.MissingScopeError
			if (len(tt.missing) > 0) != errors.As(err, &mse) || (err != nil && !errors.Is(err, provider.ErrMissingScope)) {
				t.Fatalf("error %v", err)
			}
			if mse != nil && (!strings.Contains(mse.Hint, "/-/user_settings/personal_access_tokens?scopes=") || strings.Join(mse.Missing, ",") != strings.Join(tt.missing, ",")) {
				t.Errorf("hint %q missing %v", mse.Hint, mse.Missing)
			}
			want := time.Time{}
			if tt.expires != "" {
				want, _ = time.Parse("2006-01-02", tt.expires)
			}
			if !rep.ExpiresAt.Equal(want) || rep.ExpiresAt.Location() != time.UTC {
				t.Errorf("ExpiresAt %v, want %v (00:00 UTC that day)", rep.ExpiresAt, want)
			}
		})
	}
}

func TestGitLabCheckScopesUsernameSkipsUser(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	secret := providertest.GitLabPersonalToken("username")
	s.AddToken(secret, providertest.GitLabToken{Username: "ada", Scopes: []string{"read_repository"}})
	g := glProvider(t, s, provider.Config{Username: "ada-configured"})
	rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), "read_repository")
	if err != nil || rep.User != "ada-configured" {
		t.Fatalf("%+v, %v", rep, err)
	}
	if s.Requests("GET /user") != 0 || s.Requests("GET /personal_access_tokens/self") != 1 {
		t.Errorf("requests: self %d, user %d", s.Requests("GET /personal_access_tokens/self"), s.Requests("GET /user"))
	}
}

func TestGitLabCheckScopesKinds(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := glFake(t, "/gitlab")
	if err := s.AddProject("acme/sub/app", providertest.GitLabProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	app := map[string]providertest.GitLabRole{"acme/sub/app": providertest.GitLabReporter}
	exp := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	job := providertest.GitLabJobToken("kinds", exp)
	s.AddToken(job, providertest.GitLabToken{Type: providertest.GitLabJob, Username: "runner", Projects: app})
	deploy := providertest.GitLabDeployToken("kinds")
	s.AddToken(deploy, providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: "gitlab+deploy-token-9", Scopes: []string{"read_repository"}, Projects: app})
	deployNoRead := providertest.GitLabDeployToken("kinds-noread")
	s.AddToken(deployNoRead, providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: "gitlab+deploy-token-10", Scopes: []string{"read_registry"}, Projects: app})
	oauth := providertest.GitLabOAuthToken("kinds")
	s.AddToken(oauth, providertest.GitLabToken{Type: providertest.GitLabOAuth, Username: "olivia", Scopes: []string{"api"}})
	bot := providertest.GitLabPersonalToken("kinds-bot")
	s.AddToken(bot, providertest.GitLabToken{Type: providertest.GitLabProject, Scopes: []string{"read_api"}, Projects: app})
	legacy := providertest.GitLabLegacyPersonalToken("kinds")
	s.AddToken(legacy, providertest.GitLabToken{Username: "lee", Scopes: []string{"write_repository"}})
	ctx := context.Background()
	g := glProvider(t, s, provider.Config{})
	repo, err := g.ParseRepo(s.URL + "/acme/sub/app.git")
	if err != nil {
		t.Fatal(err)
	}

	rep, err := g.CheckScopes(ctx, ghToken(t, job), "read_repository", "write_repository")
	if err != nil || rep.User != "runner" || rep.Kind != pat.GitLabJob || rep.Scopes != nil ||
		strings.Join(rep.Unverified, ",") != "read_repository,write_repository" || !rep.ExpiresAt.Equal(exp) {
		t.Errorf("job: %+v, %v", rep, err)
	}
	if s.Requests("GET /job") != 1 || s.Requests("GET /personal_access_tokens/self") != 0 {
		t.Errorf("job requests: /job %d, /self %d", s.Requests("GET /job"), s.Requests("GET /personal_access_tokens/self"))
	}

	if _, err := g.CheckScopes(ctx, ghToken(t, deploy)); !errors.Is(err, provider.ErrUsernameRequired) {
		t.Errorf("deploy without user name: %v", err)
	}
	gd := glProvider(t, s, provider.Config{Username: "gitlab+deploy-token-9"})
	if _, err := gd.CheckScopes(ctx, ghToken(t, deploy)); err == nil || !strings.Contains(err.Error(), "only be checked against a repository") {
		t.Errorf("deploy without repository: %v", err)
	}
	bound := provider.BindGitLab(gd, repo)
	rep, err = bound.CheckScopes(ctx, ghToken(t, deploy), "read_repository", "write_repository")
	if err != nil || rep.User != "gitlab+deploy-token-9" || strings.Join(rep.Unverified, ",") != "write_repository" || len(rep.Missing) != 0 {
		t.Errorf("deploy: %+v, %v", rep, err)
	}
	wrongUser := provider.BindGitLab(glProvider(t, s, provider.Config{Username: "gitlab+deploy-token-1"}), repo)
	if _, err := wrongUser.CheckScopes(ctx, ghToken(t, deploy)); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("deploy with another user name: %v", err)
	}
	noRead := provider.BindGitLab(glProvider(t, s, provider.Config{Username: "gitlab+deploy-token-10"}), repo)
	rep, err = noRead.CheckScopes(ctx, ghToken(t, deployNoRead), "read_repository", "write_repository")
	if !errors.Is(err, provider.ErrMissingScope) || rep == nil || strings.Join(rep.Missing, ",") != "read_repository,write_repository" {
		t.Errorf("deploy without read_repository: %+v, %v", rep, err)
	}

	rep, err = g.CheckScopes(ctx, ghToken(t, oauth), "read_repository")
	if err != nil || rep.User != "olivia" || rep.Kind != pat.Unknown || rep.Scopes != nil || strings.Join(rep.Unverified, ",") != "read_repository" {
		t.Errorf("oauth: %+v, %v", rep, err)
	}
	rep, err = glProvider(t, s, provider.Config{Username: "olivia2"}).CheckScopes(ctx, ghToken(t, oauth))
	if err != nil || rep.User != "olivia2" {
		t.Errorf("oauth with Username: %+v, %v", rep, err)
	}

	rep, err = g.CheckScopes(ctx, ghToken(t, bot), "read_repository")
	if err != nil || !strings.HasPrefix(rep.User, "project_") || strings.Join(rep.Scopes, ",") != "read_api" {
		t.Errorf("project token: %+v, %v", rep, err)
	}
	rep, err = g.CheckScopes(ctx, ghToken(t, legacy), "read_repository")
	if err != nil || rep.Kind != pat.GitLabPersonal || rep.User != "" || strings.Join(rep.Scopes, ",") != "write_repository" {
		t.Errorf("legacy token: %+v, %v", rep, err)
	}
}

func TestGitLabCheckScopesUnauthorized(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	clock := &glClock{t: time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)}
	s.SetClock(clock.now)
	expiring := providertest.GitLabPersonalToken("expiring")
	s.AddToken(expiring, providertest.GitLabToken{Scopes: []string{"api"}, ExpiresAt: "2026-07-01"})
	revoked := providertest.GitLabPersonalToken("revoked")
	s.AddToken(revoked, providertest.GitLabToken{Scopes: []string{"api"}, Revoked: true})
	done := providertest.GitLabJobToken("done", time.Time{})
	s.AddToken(done, providertest.GitLabToken{Type: providertest.GitLabJob, JobFinished: true})
	g := glProvider(t, s, provider.Config{CacheTTL: -1})
	provider.SetGitLabClock(g, clock.now)
	ctx := context.Background()
	if rep, err := g.CheckScopes(ctx, ghToken(t, expiring)); err != nil || !rep.ExpiresAt.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("a second before expiry: %+v, %v", rep, err)
	}
	clock.set(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name, secret, reason string
	}{
		{"unknown", providertest.GitLabPersonalToken("unknown"), "not valid"},
		{"expired at 00:00 UTC", expiring, "expired"},
		{"revoked", revoked, "revoked"},
		{"finished job", done, "job has finished"},
		{"unknown OAuth", providertest.GitLabOAuthToken("unknown"), "not valid"},
	} {
		rep, err := g.CheckScopes(ctx, ghToken(t, tc.secret), "api")
		if rep != nil || !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), tc.reason) ||
			!strings.Contains(err.Error(), s.URL+"/-/user_settings/personal_access_tokens") {
			t.Errorf("%s: %+v, %v", tc.name, rep, err)
		}
		ghNoSecret(t, tc.secret, err)
	}
}

func TestGitLabCheckScopesRateLimits(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for _, tc := range []struct {
		mode  providertest.GitLabRateLimit
		reset time.Time
		msg   string
	}{
		{providertest.GitLabRateLimitThrottle, now.Add(providertest.GitLabRetryAfter), "Retry later"},
		{providertest.GitLabRateLimitBare, time.Time{}, "Retry later"},
		{providertest.GitLabRateLimitEndpoint, time.Time{}, "This endpoint has been requested too many times. Try again later."},
	} {
		secret := providertest.GitLabPersonalToken("rl" + tc.msg[:3] + string(rune('0'+tc.mode)))
		s.AddToken(secret, providertest.GitLabToken{Scopes: []string{"api"}, RateLimit: tc.mode})
		g := glProvider(t, s, provider.Config{})
		provider.SetGitLabClock(g, func() time.Time { return now })
		rep, err := g.CheckScopes(context.Background(), ghToken(t, secret))
		var rl *provider.RateLimitError
		if rep != nil || !errors.As(err, &rl) || !errors.Is(err, provider.ErrRateLimited) || !rl.Reset.Equal(tc.reset) || !strings.Contains(rl.Message, tc.msg) || rl.Secondary {
			t.Errorf("mode %d: %+v, %#v", tc.mode, rep, err)
		}
	}
	// RateLimit-Reset alone is read too (the classifier does not read
	// RateLimit-ResetTime, which GitLab sends only beside RateLimit-Reset);
	// a Retry-After too large to be true is ignored.
	for _, tc := range []struct {
		header http.Header
		want   time.Time
	}{
		{http.Header{"Ratelimit-Reset": {"1780000000"}}, time.Unix(1780000000, 0).UTC()},
		{http.Header{"Ratelimit-Resettime": {"Tue, 01 Jun 2027 00:00:00 GMT"}}, time.Time{}},
		{http.Header{"Retry-After": {"99999999999999999999"}}, time.Time{}},
		{http.Header{"Retry-After": {"9999999999"}}, time.Time{}},
		{http.Header{"Retry-After": {"42"}, "Ratelimit-Reset": {"1780000000"}}, now.Add(42 * time.Second)},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range tc.header {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		g, err := provider.NewGitLab(provider.Config{BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		provider.SetGitLabClock(g, func() time.Time { return now })
		_, err = g.CheckScopes(context.Background(), ghToken(t, providertest.GitLabPersonalToken("hdr")))
		var rl *provider.RateLimitError
		if !errors.As(err, &rl) || !rl.Reset.Equal(tc.want) {
			t.Errorf("%v: %v", tc.header, err)
		}
		srv.Close()
	}
}

func TestGitLabRefusalsBeforeRequest(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	g := glProvider(t, s, provider.Config{})
	ctx := context.Background()
	good := providertest.GitLabPersonalToken("refuse")
	bad := good[:len(good)-1] + string("0123456789abcdefghijklmnopqrstuvwxyz"[(strings.IndexByte("0123456789abcdefghijklmnopqrstuvwxyz", good[len(good)-1])+1)%36])
	for name, tc := range map[string]struct {
		tok  pat.Token
		want error
	}{
		"github token": {ghToken(t, providertest.Token(pat.GitHubClassic, "x")), provider.ErrTokenMismatch},
		"azure token":  {ghToken(t, providertest.Token(pat.AzureDevOps, "x")), provider.ErrTokenMismatch},
		"bad checksum": {ghToken(t, bad), pat.ErrChecksum},
		"zero token":   {pat.Token{}, pat.ErrEmpty},
	} {
		if _, err := g.CheckScopes(ctx, tc.tok); !errors.Is(err, tc.want) {
			t.Errorf("%s: CheckScopes %v", name, err)
		}
		if _, err := g.BasicAuth(ctx, tc.tok); !errors.Is(err, tc.want) {
			t.Errorf("%s: BasicAuth %v", name, err)
		}
		if _, err := g.AuthenticatedURL(ctx, provider.Repo{Owner: "a", Name: "b"}, tc.tok); !errors.Is(err, tc.want) {
			t.Errorf("%s: AuthenticatedURL %v", name, err)
		}
	}
	if n := s.TotalRequests(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestGitLabZeroValue(t *testing.T) {
	t.Parallel()
	tok := ghToken(t, providertest.GitLabPersonalToken("zero"))
	for _, g := range []*provider.GitLab{nil, {}} {
		if g.Name() != "gitlab" {
			t.Errorf("Name %q", g.Name())
		}
		if _, err := g.ParseRepo("https://gitlab.com/a/b"); err == nil {
			t.Errorf("ParseRepo on %#v", g)
		}
		if _, err := g.CheckScopes(context.Background(), tok); err == nil {
			t.Errorf("CheckScopes")
		}
		if _, err := g.BasicAuth(context.Background(), tok); err == nil {
			t.Errorf("BasicAuth")
		}
		if _, err := g.AuthenticatedURL(context.Background(), provider.Repo{Owner: "a", Name: "b"}, tok); err == nil {
			t.Errorf("AuthenticatedURL")
		}
		_ = g.CloneURL(provider.Repo{})
		_, _ = g.Host(), g.APIURL()
	}
}

func TestGitLabUsernames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	plain := urlGitLab(t, "")
	withUser, err := provider.NewGitLab(provider.Config{Username: "gitlab+deploy-token-3"})
	if err != nil {
		t.Fatal(err)
	}
	repo := provider.Repo{Host: "gitlab.com", Owner: "acme/sub", Name: "app"}
	for _, tc := range []struct {
		name   string
		g      *provider.GitLab
		secret string
		user   string
		err    error
	}{
		{"personal", plain, providertest.GitLabPersonalToken("u"), "oauth2", nil},
		{"personal, Username ignored", withUser, providertest.GitLabPersonalToken("u"), "oauth2", nil},
		{"legacy personal", plain, providertest.GitLabLegacyPersonalToken("u"), "oauth2", nil},
		{"instance prefix", plain, "acme-" + providertest.GitLabLegacyPersonalToken("u"), "oauth2", nil},
		{"OAuth", plain, providertest.GitLabOAuthToken("u"), "oauth2", nil},
		{"unknown kind with Username", withUser, providertest.GitLabOAuthToken("u"), "gitlab+deploy-token-3", nil},
		{"job", plain, providertest.GitLabJobToken("u", time.Time{}), "gitlab-ci-token", nil},
		{"job, Username ignored", withUser, providertest.GitLabJobToken("u", time.Time{}), "gitlab-ci-token", nil},
		{"deploy", withUser, providertest.GitLabDeployToken("u"), "gitlab+deploy-token-3", nil},
		{"deploy without Username", plain, providertest.GitLabDeployToken("u"), "", provider.ErrUsernameRequired},
	} {
		tok := ghToken(t, tc.secret)
		ba, err := tc.g.BasicAuth(ctx, tok)
		u, uerr := tc.g.AuthenticatedURL(ctx, repo, tok)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !errors.Is(uerr, tc.err) {
				t.Errorf("%s: %v / %v", tc.name, err, uerr)
			}
			ghNoSecret(t, tc.secret, err, uerr)
			continue
		}
		if err != nil || ba.Username != tc.user || ba.Password != tc.secret {
			t.Errorf("%s: BasicAuth user %q, %v", tc.name, ba.Username, err)
		}
		want := "https://" + strings.ReplaceAll(tc.user, "+", "%2B") + ":" + tc.secret + "@gitlab.com/acme/sub/app.git"
		if uerr != nil || (u != want && u != strings.Replace(want, "%2B", "+", 1)) {
			t.Errorf("%s: AuthenticatedURL %q, %v", tc.name, u, uerr)
		}
	}
	tok := ghToken(t, providertest.GitLabPersonalToken("u"))
	for _, r := range []provider.Repo{{Host: "gitlab.com.evil.example", Owner: "a", Name: "b"}, {Host: "gitlab.com", Name: "b"}, {Host: "gitlab.com", Owner: "groups", Name: "b"}, {Host: "gitlab.com", Owner: "a/../b", Name: "c"}} {
		if u, err := plain.AuthenticatedURL(ctx, r, tok); !errors.Is(err, provider.ErrUnsupportedURL) {
			t.Errorf("AuthenticatedURL(%+v) = %q, %v", r, u, err)
		}
	}
}

// TestGitLabHostileServer: a server that echoes the token in every place it
// can put text gets none of it into an error, and the check follows no
// redirect, so a redirect to another host receives nothing.
func TestGitLabHostileServer(t *testing.T) {
	t.Parallel()
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	secret := providertest.GitLabPersonalToken("hostile")
	for _, tc := range []struct {
		name   string
		status int
		body   func(echo string) string
		hdr    func(echo string) http.Header
	}{
		{"401 message", 401, func(e string) string { return `{"message":"401 Unauthorized ` + e + `"}` }, nil},
		{"401 description", 401, func(e string) string { return `{"error":"invalid_token","error_description":"` + e + ` expired"}` }, nil},
		{"403", 403, func(e string) string {
			return "Forbidden\x1b[31m " + e + "\n" + base64.StdEncoding.EncodeToString([]byte("oauth2:"+e))
		}, nil},
		{"429", 429, func(e string) string { return "slow down " + e + " " + base64.URLEncoding.EncodeToString([]byte(e)) }, nil},
		{"500", 500, func(e string) string { return `{"message":{"base":["` + e + `"]}}` }, nil},
		{"404", 404, func(e string) string { return e }, nil},
		{"redirect", 302, func(e string) string { return e }, func(e string) http.Header {
			return http.Header{"Location": {rec.OtherURL + "/api/v4/user?t=" + e}}
		}},
		{"oversized 200", 200, func(e string) string { return `{"scopes":["` + strings.Repeat(e, 5000) + `"]}` }, nil},
		{"not JSON", 200, func(e string) string { return "<html>" + e + "</html>" }, nil},
		{"scopes echo", 200, func(e string) string {
			return `{"scopes":["api","` + e + `"],"active":true,"revoked":false,"expires_at":null}`
		}, nil},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			echo := r.Header.Get("Private-Token") + r.Header.Get("Authorization")
			if tc.hdr != nil {
				for k, v := range tc.hdr(echo) {
					w.Header()[k] = v
				}
			}
			w.Header().Set("X-Echo", echo)
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body(echo)))
		}))
		g, err := provider.NewGitLab(provider.Config{BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), "api")
		if tc.name != "scopes echo" && err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		ghNoSecret(t, secret, err, rep)
		if rep != nil {
			for _, sc := range rep.Scopes {
				if strings.Contains(sc, secret[6:20]) {
					t.Errorf("%s: scope %q holds part of the token", tc.name, sc)
				}
			}
		}
		srv.Close()
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// TestGitLabCacheAndSingleflight uses the process-wide check cache's clock:
// not parallel.
func TestGitLabCacheAndSingleflight(t *testing.T) {
	s := glFake(t, "")
	s.SetLatency(20 * time.Millisecond)
	secret := providertest.GitLabPersonalToken("cache")
	s.AddToken(secret, providertest.GitLabToken{Username: "ada", Scopes: []string{"api"}})
	clock := &glClock{t: time.Now()}
	defer provider.SetCheckClock(clock.now)()
	g := glProvider(t, s, provider.Config{CacheTTL: time.Minute})
	tok := ghToken(t, secret)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if rep, err := g.CheckScopes(context.Background(), tok, "read_api"); err != nil || rep.User != "ada" {
				t.Errorf("%+v, %v", rep, err)
			}
		})
	}
	wg.Wait()
	if a, b := s.Requests("GET /personal_access_tokens/self"), s.Requests("GET /user"); a != 1 || b != 1 {
		t.Errorf("20 concurrent checks: self %d, user %d requests", a, b)
	}
	if _, err := g.CheckScopes(context.Background(), tok); err != nil || s.TotalRequests() != 2 {
		t.Errorf("cached check: %v, %d requests", err, s.TotalRequests())
	}
	clock.set(clock.now().Add(time.Minute))
	if _, err := g.CheckScopes(context.Background(), tok); err != nil || s.TotalRequests() != 4 {
		t.Errorf("after the TTL: %v, %d requests", err, s.TotalRequests())
	}
	// A cancelled caller gets its own error at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := glProvider(t, s, provider.Config{CacheTTL: -1}).CheckScopes(ctx, tok); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestGitLabCheckFaults(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	secret := providertest.GitLabPersonalToken("faults")
	s.AddToken(secret, providertest.GitLabToken{Scopes: []string{"api"}})
	tok := ghToken(t, secret)
	for _, f := range []providertest.Fault{
		{Kind: providertest.FaultStatus, Status: 500},
		{Kind: providertest.FaultHTML},
		{Kind: providertest.FaultOversizedBody},
		{Kind: providertest.FaultTruncatedBody},
		{Kind: providertest.FaultReset},
		{Kind: providertest.FaultRedirect, Location: providertest.OtherHost(s.URL)},
		{Kind: providertest.FaultSlowHeaders},
	} {
		s.SetFault(f)
		g := glProvider(t, s, provider.Config{CacheTTL: -1, Timeout: 2 * time.Second})
		rep, err := g.CheckScopes(context.Background(), tok)
		if err == nil || rep != nil {
			t.Errorf("%v: %+v, %v", f.Kind, rep, err)
		}
		ghNoSecret(t, secret, err)
	}
	s.SetFault(providertest.Fault{})
}

// BenchmarkGitLabCheckScopes measures one uncached check against the fake
// with 20 ms of latency per request: one round trip (about 20 ms), though
// two requests are sent.
func BenchmarkGitLabCheckScopes(b *testing.B) {
	s := glFake(b, "")
	s.SetLatency(20 * time.Millisecond)
	secret := providertest.GitLabPersonalToken("bench")
	s.AddToken(secret, providertest.GitLabToken{Username: "ada", Scopes: []string{"api"}})
	g := glProvider(b, s, provider.Config{CacheTTL: -1})
	tok := ghToken(b, secret)
	ctx := context.Background()
	s.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		if _, err := g.CheckScopes(ctx, tok, "read_repository"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.TotalRequests())/float64(b.N), "requests/op")
	b.ReportMetric(float64(s.MaxInFlight()), "max-in-flight")
}

// TestGitLabGoGitClone: go-git clones from the fake GitLab with the
// credentials BasicAuth gives for each token kind, below a relative URL
// root, from a nested namespace.
func TestGitLabGoGitClone(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := glFake(t, "/gitlab")
	const path = "acme/platform/tools/cli"
	if err := s.AddProject(path, providertest.GitLabProjectOptions{Files: map[string]string{"README.md": "hi\n"}}); err != nil {
		t.Fatal(err)
	}
	proj := map[string]providertest.GitLabRole{path: providertest.GitLabReporter}
	personal := providertest.GitLabPersonalToken("gogit")
	s.AddToken(personal, providertest.GitLabToken{Scopes: []string{"read_repository"}, Projects: proj})
	job := providertest.GitLabJobToken("gogit", time.Time{})
	s.AddToken(job, providertest.GitLabToken{Type: providertest.GitLabJob, Projects: proj})
	deploy := providertest.GitLabDeployToken("gogit")
	s.AddToken(deploy, providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: "gitlab+deploy-token-5", Scopes: []string{"read_repository"}, Projects: proj})
	oauth := providertest.GitLabOAuthToken("gogit")
	s.AddToken(oauth, providertest.GitLabToken{Type: providertest.GitLabOAuth, Scopes: []string{"read_repository"}, Projects: proj})
	for _, tc := range []struct {
		name, secret string
		cfg          provider.Config
	}{
		{"personal", personal, provider.Config{}},
		{"job", job, provider.Config{}},
		{"deploy", deploy, provider.Config{Username: "gitlab+deploy-token-5"}},
		{"oauth", oauth, provider.Config{}},
	} {
		g := glProvider(t, s, tc.cfg)
		repo, err := g.ParseRepo(s.URL + "/" + path + "/-/tree/main")
		if err != nil {
			t.Fatal(err)
		}
		auth, err := g.BasicAuth(context.Background(), ghToken(t, tc.secret))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, err = git.CloneContext(context.Background(), memory.NewStorage(), nil, &git.CloneOptions{URL: g.CloneURL(repo), Auth: auth})
		if err != nil {
			t.Errorf("%s: clone %s as %s: %v", tc.name, g.CloneURL(repo), auth.Username, err)
		}
		ghNoSecret(t, tc.secret, err)
	}
}

// TestGitLabUnprefixedJobToken: a job token of GitLab before 16.8 has no
// prefix; equal to CI_JOB_TOKEN it is still a job token.
func TestGitLabUnprefixedJobToken(t *testing.T) {
	s := glFake(t, "")
	secret := providertest.GitLabOAuthToken("old-job")[:20]
	s.AddToken(secret, providertest.GitLabToken{Type: providertest.GitLabJob, Username: "runner"})
	g := glProvider(t, s, provider.Config{})
	tok := ghToken(t, secret)
	if ba, err := g.BasicAuth(context.Background(), tok); err != nil || ba.Username != "oauth2" {
		t.Fatalf("without CI_JOB_TOKEN: %+v, %v", ba.Username, err)
	}
	t.Setenv("CI_JOB_TOKEN", secret)
	if ba, err := g.BasicAuth(context.Background(), tok); err != nil || ba.Username != "gitlab-ci-token" {
		t.Errorf("BasicAuth: %q, %v", ba.Username, err)
	}
	if rep, err := g.CheckScopes(context.Background(), tok); err != nil || rep.User != "runner" || s.Requests("GET /job") != 1 {
		t.Errorf("CheckScopes: %+v, %v", rep, err)
	}
}

// TestGitLabCheckScopesOneRoundTrip: /personal_access_tokens/self and /user
// are in flight together: one round trip.
func TestGitLabCheckScopesOneRoundTrip(t *testing.T) {
	t.Parallel()
	s := glFake(t, "")
	// Requests sent together overlap within this latency, even on a loaded
	// machine; requests sent one after another never do.
	s.SetLatency(500 * time.Millisecond)
	secret := providertest.GitLabPersonalToken("one-round-trip")
	s.AddToken(secret, providertest.GitLabToken{Username: "ada", Scopes: []string{"api"}})
	g := glProvider(t, s, provider.Config{CacheTTL: -1})
	s.ResetCounts()
	rep, err := g.CheckScopes(context.Background(), ghToken(t, secret), "read_repository")
	if err != nil || rep.User != "ada" {
		t.Fatalf("CheckScopes = %+v, %v", rep, err)
	}
	if n, in := s.TotalRequests(), s.MaxInFlight(); n != 2 || in != 2 {
		t.Errorf("requests %d, at most %d in flight; want /self and /user in flight together", n, in)
	}
}
