package providertest_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func newGitHub(t *testing.T) *providertest.GitHubServer {
	t.Helper()
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatalf("NewGitHubServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

type ghResp struct {
	code   int
	header http.Header
	body   string
}

// ghGet sends one request to the fake and returns its answer.
func ghGet(t *testing.T, method, url, auth string) ghResp {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
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
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return ghResp{resp.StatusCode, resp.Header, string(b)}
}

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func TestGitHubServerUser(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	classic := providertest.Token(pat.GitHubClassic, "user")
	s.AddToken(classic, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo", "read:org", "repo:status"}, Expiration: "2030-01-02 03:04:05 UTC"})
	r := ghGet(t, "GET", s.APIURL+"user", "token "+classic)
	if r.code != 200 {
		t.Fatalf("status %d: %s", r.code, r.body)
	}
	want := map[string]string{
		"Content-Type":                           "application/json; charset=utf-8",
		"X-Oauth-Scopes":                         "repo, read:org, repo:status",
		"X-Accepted-Oauth-Scopes":                "",
		"Github-Authentication-Token-Expiration": "2030-01-02 03:04:05 UTC",
		"X-Ratelimit-Limit":                      "5000",
		"X-Ratelimit-Remaining":                  "4999",
		"X-Ratelimit-Used":                       "1",
		"X-Ratelimit-Resource":                   "core",
		"X-Ratelimit-Reset":                      strconv.FormatInt(s.RateLimitReset().Unix(), 10),
		"X-Github-Media-Type":                    "github.v3; format=json",
		"X-Github-Enterprise-Version":            providertest.GitHubEnterpriseVersion,
	}
	for k, v := range want {
		got, ok := r.header[k]
		if !ok || len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if r.header.Get("X-Github-Request-Id") == "" {
		t.Errorf("no X-GitHub-Request-Id")
	}
	var u struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
		Type  string `json:"type"`
	}
	if err := json.Unmarshal([]byte(r.body), &u); err != nil || u.Login != "octocat" || u.ID == 0 || u.Type != "User" {
		t.Errorf("body %s: %+v, %v", r.body, u, err)
	}
	// Bearer works too; remaining counts down and never reaches 0.
	r = ghGet(t, "GET", s.APIURL+"user", "Bearer "+classic)
	if r.code != 200 || r.header.Get("X-Ratelimit-Remaining") != "4998" {
		t.Errorf("Bearer: %d, remaining %s", r.code, r.header.Get("X-Ratelimit-Remaining"))
	}
	// GitHub's API takes a token as the Basic password, not a password.
	if r = ghGet(t, "GET", s.APIURL+"user", basic("octocat", classic)); r.code != 200 {
		t.Errorf("Basic with the token: %d", r.code)
	}
	r = ghGet(t, "GET", s.APIURL+"user", basic("octocat", "hunter2"))
	if r.code != 401 || r.body != `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`+"\n" {
		t.Errorf("Basic with a password: %d %s", r.code, r.body)
	}
	if _, ok := r.header["X-Oauth-Scopes"]; ok {
		t.Errorf("401 carries X-OAuth-Scopes")
	}
	r = ghGet(t, "GET", s.APIURL+"user", "")
	if r.code != 401 || !strings.Contains(r.body, `"Requires authentication"`) {
		t.Errorf("anonymous /user: %d %s", r.code, r.body)
	}
}

func TestGitHubServerScopesHeader(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	tests := []struct {
		name    string
		secret  string
		tok     providertest.GitHubToken
		present bool
		value   string
	}{
		{"classic no scopes", providertest.Token(pat.GitHubClassic, "none"), providertest.GitHubToken{Login: "a"}, true, ""},
		{"oauth", providertest.Token(pat.GitHubOAuth, "oauth"), providertest.GitHubToken{Login: "a", Scopes: []string{"gist", "repo"}}, true, "gist, repo"},
		{"classic NoScopesHeader", providertest.Token(pat.GitHubClassic, "noheader"), providertest.GitHubToken{Login: "a", NoScopesHeader: true, Scopes: []string{"repo"}}, false, ""},
		{"fine-grained", providertest.Token(pat.GitHubFineGrained, "fg"), providertest.GitHubToken{Login: "a", Scopes: []string{"repo"}}, false, ""},
		{"app user", providertest.Token(pat.GitHubUser, "ghu"), providertest.GitHubToken{Login: "a", Scopes: []string{"repo"}}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.AddToken(tt.secret, tt.tok)
			for _, path := range []string{"user", "", "rate_limit"} {
				r := ghGet(t, "GET", s.APIURL+path, "token "+tt.secret)
				v, ok := r.header["X-Oauth-Scopes"]
				if r.code != 200 || ok != tt.present || (ok && (len(v) != 1 || v[0] != tt.value)) {
					t.Errorf("GET /%s: %d, X-OAuth-Scopes %q present %v; want %q present %v", path, r.code, v, ok, tt.value, tt.present)
				}
			}
		})
	}
}

func TestGitHubServerRootAndRateLimit(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	r := ghGet(t, "GET", s.APIURL, "")
	if r.code != 200 || !strings.Contains(r.body, `"current_user_url"`) || r.header.Get("X-Ratelimit-Limit") != "60" {
		t.Errorf("anonymous root: %d %s limit %s", r.code, r.body, r.header.Get("X-Ratelimit-Limit"))
	}
	if r = ghGet(t, "GET", strings.TrimSuffix(s.APIURL, "/"), ""); r.code != 200 {
		t.Errorf("root without slash: %d", r.code)
	}
	secret := providertest.Token(pat.GitHubClassic, "rate")
	s.AddToken(secret, providertest.GitHubToken{Login: "a", Scopes: []string{"repo"}})
	r = ghGet(t, "GET", s.APIURL+"rate_limit", "token "+secret)
	var rl struct {
		Rate struct{ Limit, Remaining int }
	}
	if err := json.Unmarshal([]byte(r.body), &rl); err != nil || r.code != 200 || rl.Rate.Limit != 5000 || rl.Rate.Remaining == 0 {
		t.Errorf("rate_limit: %d %s", r.code, r.body)
	}
	if s.Requests("GET /") != 2 || s.Requests("GET /rate_limit") != 1 || s.TotalRequests() != 3 {
		t.Errorf("counters: / %d, rate_limit %d, total %d", s.Requests("GET /"), s.Requests("GET /rate_limit"), s.TotalRequests())
	}
	s.ResetCounts()
	if s.TotalRequests() != 0 || s.Requests("GET /") != 0 {
		t.Errorf("ResetCounts did not reset")
	}
}

func TestGitHubServerBadTokens(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	revoked := providertest.Token(pat.GitHubClassic, "revoked")
	s.AddToken(revoked, providertest.GitHubToken{Login: "a", Revoked: true})
	expired := providertest.Token(pat.GitHubFineGrained, "expired")
	s.AddToken(expired, providertest.GitHubToken{Login: "a", Expiration: "2021-09-03 02:34:04 +0200"})
	unknown := providertest.Token(pat.GitHubClassic, "unknown")
	for _, secret := range []string{revoked, expired, unknown} {
		for _, path := range []string{"user", "", "rate_limit", "repos/o/r", "installation/repositories"} {
			r := ghGet(t, "GET", s.APIURL+path, "token "+secret)
			if r.code != 401 || !strings.Contains(r.body, `"message":"Bad credentials"`) || !strings.Contains(r.body, `"status":"401"`) {
				t.Errorf("GET /%s: %d %s", path, r.code, r.body)
			}
		}
	}
}

func TestGitHubServerInstallation(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	if err := providertest.GitAvailable(); err == nil {
		for _, name := range []string{"a", "b"} {
			if err := s.AddRepo("octo", name, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	inst := providertest.Token(pat.GitHubInstallation, "inst")
	s.AddToken(inst, providertest.GitHubToken{Repos: map[string]providertest.Access{"octo/a": providertest.AccessRead, "Octo/B": providertest.AccessWrite}})
	r := ghGet(t, "GET", s.APIURL+"user", "token "+inst)
	if r.code != 403 || !strings.Contains(r.body, `"message":"Resource not accessible by integration"`) {
		t.Errorf("installation /user: %d %s", r.code, r.body)
	}
	if _, ok := r.header["X-Oauth-Scopes"]; ok {
		t.Errorf("installation token got X-OAuth-Scopes")
	}
	r = ghGet(t, "GET", s.APIURL+"installation/repositories?per_page=1", "token "+inst)
	var list struct {
		Total int `json:"total_count"`
		Repos []struct {
			FullName string `json:"full_name"`
		} `json:"repositories"`
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.code != 200 {
		t.Fatalf("installation repositories: %d %s", r.code, r.body)
	}
	if providertest.GitAvailable() == nil && (list.Total != 2 || len(list.Repos) != 1 || list.Repos[0].FullName != "octo/a") {
		t.Errorf("installation repositories: %s", r.body)
	}
	classic := providertest.Token(pat.GitHubClassic, "inst")
	s.AddToken(classic, providertest.GitHubToken{Login: "a"})
	if r = ghGet(t, "GET", s.APIURL+"installation/repositories", "token "+classic); r.code != 403 {
		t.Errorf("classic token on installation repositories: %d", r.code)
	}
	if s.Requests("GET /installation/repositories") != 2 || s.Requests("GET /user") != 1 {
		t.Errorf("counters wrong")
	}
}

func TestGitHubServerRepo(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitHub(t)
	for _, r := range []string{"octo/hello", "acme/secret"} {
		owner, name, _ := strings.Cut(r, "/")
		if err := s.AddRepo(owner, name, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddRepo("octo", "hello", nil); err == nil {
		t.Errorf("AddRepo twice succeeded")
	}
	secret := providertest.Token(pat.GitHubClassic, "repo")
	s.AddToken(secret, providertest.GitHubToken{Login: "a", Scopes: []string{"repo"}, SSOOrgs: []string{"ACME"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite, "acme/secret": providertest.AccessRead}})
	r := ghGet(t, "GET", s.APIURL+"repos/Octo/Hello", "token "+secret)
	var repo struct {
		FullName    string          `json:"full_name"`
		Permissions map[string]bool `json:"permissions"`
	}
	if err := json.Unmarshal([]byte(r.body), &repo); err != nil || r.code != 200 || repo.FullName != "octo/hello" || !repo.Permissions["push"] {
		t.Errorf("repo: %d %s", r.code, r.body)
	}
	r = ghGet(t, "GET", s.APIURL+"repos/acme/secret", "token "+secret)
	if r.code != 403 || r.header.Get("X-Github-Sso") != "required; url="+s.SSOURL("acme") || !strings.Contains(r.body, "SAML enforcement") {
		t.Errorf("SSO repo: %d %q %s", r.code, r.header.Get("X-Github-Sso"), r.body)
	}
	for _, path := range []string{"repos/octo/missing", "repos/nobody/hello"} {
		r = ghGet(t, "GET", s.APIURL+path, "token "+secret)
		if r.code != 404 || !strings.Contains(r.body, `"message":"Not Found"`) || !strings.Contains(r.body, `"status":"404"`) {
			t.Errorf("%s: %d %s", path, r.code, r.body)
		}
	}
	if n := s.Requests("GET /repos/{owner}/{repo}"); n != 4 {
		t.Errorf("repo requests = %d, want 4", n)
	}
}

func TestGitHubServerRateLimits(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	tests := []struct {
		mode      providertest.RateLimitMode
		code      int
		remaining string
		retry     string
		anchor    string
	}{
		{providertest.RateLimitPrimary403, 403, "0", "", "#about-primary-rate-limits"},
		{providertest.RateLimitPrimary429, 429, "0", "", "#about-primary-rate-limits"},
		{providertest.RateLimitSecondary403, 403, "4990", "60", "#about-secondary-rate-limits"},
		{providertest.RateLimitSecondary429, 429, "4990", "60", "#about-secondary-rate-limits"},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			secret := providertest.Token(pat.GitHubClassic, tt.mode.String())
			s.AddToken(secret, providertest.GitHubToken{Login: "a", Scopes: []string{"repo"}, RateLimit: tt.mode})
			r := ghGet(t, "GET", s.APIURL+"user", "token "+secret)
			if r.code != tt.code || r.header.Get("X-Ratelimit-Remaining") != tt.remaining || r.header.Get("Retry-After") != tt.retry {
				t.Errorf("%d remaining %q retry %q", r.code, r.header.Get("X-Ratelimit-Remaining"), r.header.Get("Retry-After"))
			}
			if r.header.Get("X-Ratelimit-Reset") != strconv.FormatInt(s.RateLimitReset().Unix(), 10) {
				t.Errorf("reset %q", r.header.Get("X-Ratelimit-Reset"))
			}
			var e struct{ Message, Documentation_URL, Status string }
			if err := json.Unmarshal([]byte(r.body), &e); err != nil || !strings.HasSuffix(e.Documentation_URL, tt.anchor) || e.Status != strconv.Itoa(tt.code) || !strings.Contains(e.Message, "rate limit") {
				t.Errorf("body %s", r.body)
			}
			r = ghGet(t, "GET", s.APIURL+"rate_limit", "token "+secret)
			if primary := tt.retry == ""; primary != (r.code == 200) {
				t.Errorf("rate_limit in %v: %d", tt.mode, r.code)
			}
		})
	}
	if time.Until(s.RateLimitReset()) < 50*time.Minute {
		t.Errorf("RateLimitReset %v is not about an hour ahead", s.RateLimitReset())
	}
}

func TestGitHubServerCountersConcurrent(t *testing.T) {
	t.Parallel()
	s := newGitHub(t)
	secret := providertest.Token(pat.GitHubClassic, "concurrent")
	s.AddToken(secret, providertest.GitHubToken{Login: "a"})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "user"
			if i%2 == 1 {
				path = "rate_limit"
			}
			req, _ := http.NewRequest("GET", s.APIURL+path, nil)
			req.Header.Set("Authorization", "token "+secret)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			s.AddToken(providertest.Token(pat.GitHubClassic, fmt.Sprint(i)), providertest.GitHubToken{Login: "b"})
		}()
	}
	wg.Wait()
	if s.Requests("GET /user") != 20 || s.Requests("GET /rate_limit") != 20 || s.TotalRequests() != 40 {
		t.Errorf("user %d, rate_limit %d, total %d; want 20, 20, 40", s.Requests("GET /user"), s.Requests("GET /rate_limit"), s.TotalRequests())
	}
}

// TestGitHubServerGitHTTP checks the git endpoints' answers with plain HTTP.
func TestGitHubServerGitHTTP(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitHub(t)
	for _, r := range []string{"octo/hello", "acme/secret"} {
		owner, name, _ := strings.Cut(r, "/")
		if err := s.AddRepo(owner, name, nil); err != nil {
			t.Fatal(err)
		}
	}
	ro := providertest.Token(pat.GitHubFineGrained, "ro")
	s.AddToken(ro, providertest.GitHubToken{Login: "reader", SSOOrgs: []string{"acme"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead, "acme/secret": providertest.AccessRead}})
	rw := providertest.Token(pat.GitHubClassic, "rw")
	s.AddToken(rw, providertest.GitHubToken{Login: "writer", Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	rc := providertest.Token(pat.GitHubClassic, "rc")
	s.AddToken(rc, providertest.GitHubToken{Login: "viewer", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	upload := "/octo/hello.git/info/refs?service=git-upload-pack"
	receive := "/octo/hello.git/info/refs?service=git-receive-pack"
	const unauthorized = "Invalid username or token. Password authentication is not supported for Git operations.\n"
	tests := []struct {
		name, path, auth string
		code             int
		body             string
	}{
		{"anonymous", upload, "", 401, unauthorized},
		{"bearer", upload, "Bearer " + ro, 401, unauthorized},
		{"token header", upload, "token " + ro, 401, unauthorized},
		{"wrong user", upload, basic("someone", ro), 401, unauthorized},
		{"empty user", upload, basic("", ro), 401, unauthorized},
		{"token as user", upload, basic(ro, ""), 401, unauthorized},
		{"unknown token", upload, basic("reader", providertest.Token(pat.GitHubClassic, "nope")), 401, unauthorized},
		{"login", upload, basic("reader", ro), 200, ""},
		{"login any case", upload, basic("Reader", ro), 200, ""},
		{"x-access-token", upload, basic("x-access-token", ro), 200, ""},
		{"without .git", "/octo/hello/info/refs?service=git-upload-pack", basic("reader", ro), 200, ""},
		{"read-only push", receive, basic("reader", ro), 403, "Write access to repository not granted.\n"},
		{"read-only push, classic token", receive, basic("viewer", rc), 403, "Permission to octo/hello.git denied to viewer.\n"},
		{"read-only push, installation user name", receive, basic("x-access-token", rc), 403, "Permission to octo/hello.git denied to viewer.\n"},
		{"push", receive, basic("writer", rw), 200, ""},
		{"unknown repo", "/octo/missing.git/info/refs?service=git-upload-pack", basic("reader", ro), 404, "Repository not found.\n"},
		{"no access", "/acme/secret.git/info/refs?service=git-upload-pack", basic("writer", rw), 404, "Repository not found.\n"},
		{"sso", "/acme/secret.git/info/refs?service=git-upload-pack", basic("reader", ro), 403,
			"The 'acme' organization has enabled or enforced SAML SSO. To access this repository, visit " + s.SSOURL("acme") + " and try your request again.\n"},
	}
	for _, tt := range tests {
		r := ghGet(t, "GET", s.URL+tt.path, tt.auth)
		if r.code != tt.code || (tt.body != "" && r.body != tt.body) {
			t.Errorf("%s: %d %q, want %d %q", tt.name, r.code, r.body, tt.code, tt.body)
		}
		if tt.code == 401 && r.header.Get("Www-Authenticate") != `Basic realm="GitHub"` {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, r.header.Get("Www-Authenticate"))
		}
		if tt.code != 200 && !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: Content-Type %q", tt.name, r.header.Get("Content-Type"))
		}
		if tt.code == 200 && r.header.Get("Content-Type") == "" {
			t.Errorf("%s: no Content-Type", tt.name)
		}
	}
	if n := s.Requests("git info/refs"); n != len(tests) {
		t.Errorf("git info/refs requests = %d, want %d", n, len(tests))
	}
}

// gitCLI runs git with no user or system configuration, no prompts, and
// Basic credentials passed as an extra header (never in a URL or a file).
func gitCLI(t *testing.T, dir, user, token string, args ...string) (string, error) {
	t.Helper()
	all := []string{}
	if user != "" || token != "" {
		all = append(all, "-c", "http.extraHeader=Authorization: "+basic(user, token))
	}
	all = append(all, args...)
	cmd := exec.Command("git", all...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid",
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestGitHubServerGitCLI(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := newGitHub(t)
	if err := s.AddRepo("octo", "hello", map[string]string{"README.md": "hello\n"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRepo("acme", "secret", nil); err != nil {
		t.Fatal(err)
	}
	ro := providertest.Token(pat.GitHubFineGrained, "cli-ro")
	s.AddToken(ro, providertest.GitHubToken{Login: "reader", SSOOrgs: []string{"acme"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead, "acme/secret": providertest.AccessRead}})
	rw := providertest.Token(pat.GitHubClassic, "cli-rw")
	s.AddToken(rw, providertest.GitHubToken{Login: "writer", Scopes: []string{"repo"},
		Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	inst := providertest.Token(pat.GitHubInstallation, "cli-inst")
	s.AddToken(inst, providertest.GitHubToken{Repos: map[string]providertest.Access{"octo/hello": providertest.AccessRead}})
	repoURL := s.URL + "/octo/hello.git"
	tmp := t.TempDir()

	t.Run("clone with the login", func(t *testing.T) {
		dir := filepath.Join(tmp, "login")
		if out, err := gitCLI(t, tmp, "reader", ro, "clone", "-q", repoURL, dir); err != nil {
			t.Fatalf("clone: %v\n%s", err, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil || string(b) != "hello\n" {
			t.Errorf("README.md = %q, %v", b, err)
		}
		cfg, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
		if err != nil || strings.Contains(string(cfg), ro) {
			t.Errorf(".git/config holds the token or is unreadable: %v", err)
		}
	})
	t.Run("clone as installation", func(t *testing.T) {
		if out, err := gitCLI(t, tmp, "x-access-token", inst, "clone", "-q", repoURL, filepath.Join(tmp, "inst")); err != nil {
			t.Fatalf("clone: %v\n%s", err, out)
		}
	})
	for _, tc := range []struct{ name, user, token string }{
		{"wrong user", "mallory", ro},
		{"bad token", "reader", providertest.Token(pat.GitHubClassic, "cli-bad")},
		{"no credentials", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := gitCLI(t, tmp, tc.user, tc.token, "ls-remote", repoURL)
			if err == nil {
				t.Fatalf("ls-remote succeeded:\n%s", out)
			}
			if !strings.Contains(out, "Authentication failed") && !strings.Contains(out, "could not read Username") && !strings.Contains(out, "Invalid username or token") {
				t.Errorf("output does not show an authentication failure:\n%s", out)
			}
		})
	}
	t.Run("read-only push", func(t *testing.T) {
		dir := filepath.Join(tmp, "login")
		if out, err := gitCLI(t, dir, "", "", "commit", "-q", "--allow-empty", "-m", "change"); err != nil {
			t.Fatalf("commit: %v\n%s", err, out)
		}
		out, err := gitCLI(t, dir, "reader", ro, "push", "-q", "origin", "main")
		if err == nil || !strings.Contains(out, "Write access to repository not granted.") {
			t.Errorf("push: %v\n%s", err, out)
		}
		out, err = gitCLI(t, dir, "writer", rw, "push", "-q", "origin", "main")
		if err != nil {
			t.Fatalf("push with write access: %v\n%s", err, out)
		}
		if s.Requests("git receive-pack") != 1 {
			t.Errorf("git receive-pack requests = %d, want 1", s.Requests("git receive-pack"))
		}
	})
	t.Run("unknown repo", func(t *testing.T) {
		out, err := gitCLI(t, tmp, "reader", ro, "ls-remote", s.URL+"/octo/missing.git")
		if err == nil || !strings.Contains(out, "Repository not found.") {
			t.Errorf("ls-remote: %v\n%s", err, out)
		}
	})
	t.Run("sso", func(t *testing.T) {
		out, err := gitCLI(t, tmp, "reader", ro, "ls-remote", s.URL+"/acme/secret.git")
		if err == nil || !strings.Contains(out, "The 'acme' organization has enabled or enforced SAML SSO.") || !strings.Contains(out, s.SSOURL("acme")) {
			t.Errorf("ls-remote: %v\n%s", err, out)
		}
	})
	if s.Requests("git upload-pack") < 2 {
		t.Errorf("git upload-pack requests = %d, want at least 2 clones", s.Requests("git upload-pack"))
	}
}

// TestGitHubServerRemainingNeverZero: go-github stops sending requests once
// it sees X-RateLimit-Remaining: 0, so outside the rate-limit modes the fake
// never sends it, however many requests a token makes.
func TestGitHubServerRemainingNeverZero(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 5000 requests")
	}
	t.Parallel()
	s := newGitHub(t)
	secret := providertest.Token(pat.GitHubClassic, "many")
	s.AddToken(secret, providertest.GitHubToken{Login: "a"})
	for i := 1; i <= 5001; i++ {
		req, _ := http.NewRequest("GET", s.APIURL+"rate_limit", nil)
		req.Header.Set("Authorization", "token "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if rem := resp.Header.Get("X-Ratelimit-Remaining"); rem == "0" || rem == "" || resp.StatusCode != 200 {
			t.Fatalf("request %d: %d, remaining %q", i, resp.StatusCode, rem)
		}
	}
}
