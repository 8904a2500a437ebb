package providertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patgit/patgit/pat"
)

// Access is what a token may do with one repository of the fake GitHub.
type Access int

// Access levels.
const (
	// AccessNone: the repository is invisible to the token (404, as GitHub
	// answers for private repositories a token cannot see).
	AccessNone Access = iota
	// AccessRead: clone and fetch.
	AccessRead
	// AccessWrite: clone, fetch and push.
	AccessWrite
)

// RateLimitMode makes the fake GitHub API answer every REST request of one
// token as rate limited. Git over HTTPS is not affected, as on GitHub.
type RateLimitMode int

// Rate-limit modes. Primary limits answer with X-RateLimit-Remaining: 0 and
// X-RateLimit-Reset at [GitHubServer.RateLimitReset]; secondary limits with
// Retry-After ([GitHubRetryAfter]) and GitHub's secondary-limit message.
const (
	// RateLimitNone: requests succeed; X-RateLimit-Remaining never reaches 0.
	RateLimitNone RateLimitMode = iota
	// RateLimitPrimary403: 403 with X-RateLimit-Remaining: 0.
	RateLimitPrimary403
	// RateLimitPrimary429: 429 with X-RateLimit-Remaining: 0.
	RateLimitPrimary429
	// RateLimitSecondary403: 403 with Retry-After and the secondary-limit message.
	RateLimitSecondary403
	// RateLimitSecondary429: 429 with Retry-After and the secondary-limit message.
	RateLimitSecondary429
)

// GitHubRetryAfter is the Retry-After the fake sends for secondary rate limits.
const GitHubRetryAfter = 60 * time.Second

// GitHubEnterpriseVersion is the X-GitHub-Enterprise-Version the fake sends:
// it is shaped like GitHub Enterprise Server.
const GitHubEnterpriseVersion = "3.14.0"

// GitHubToken describes what one secret can do on the fake GitHub.
type GitHubToken struct {
	// Login is the token's user. On git over HTTPS the Basic user name must be
	// Login or "x-access-token" (case-insensitively); the fake is stricter
	// than GitHub, which takes any non-empty user name for a PAT, so that
	// tests notice a client sending the wrong one. An installation token
	// (ghs_) may leave Login empty.
	Login string
	// Scopes are the classic/OAuth scopes sent in X-OAuth-Scopes, joined
	// with ", " in the order and with the redundancy given. Nil or empty
	// sends the header with an empty value (a classic token without scopes).
	Scopes []string
	// NoScopesHeader leaves X-OAuth-Scopes out (Scopes are ignored), as GitHub
	// does for every token that is not a classic or OAuth app token. The
	// header is left out for github_pat_, ghu_ and ghs_ secrets whatever
	// NoScopesHeader says.
	NoScopesHeader bool
	// Expiration is the raw GitHub-Authentication-Token-Expiration value,
	// "2030-01-02 03:04:05 UTC" (classic) or "2030-01-02 05:04:05 +0200"
	// (fine-grained); "" sends none. A value in the past makes the token
	// expired: 401 everywhere.
	Expiration string
	// Revoked makes the token fail everywhere with 401 Bad credentials.
	Revoked bool
	// SSOOrgs are organizations whose SAML single sign-on has not
	// authorized the token: their repositories answer REST 403 with
	// X-GitHub-SSO and git 403 with GitHub's SAML message.
	SSOOrgs []string
	// Repos maps "owner/name" (case-insensitive) to the token's access.
	// Repositories not listed are AccessNone.
	Repos map[string]Access
	// RateLimit makes every REST request of the token rate limited.
	RateLimit RateLimitMode
}

// GitHubServer is a fake GitHub Enterprise Server on a loopback port: a REST
// API under /api/v3/ and real repositories over smart HTTP at
// /OWNER/NAME.git, served by git http-backend. It is safe for concurrent use.
//
// REST routes: GET /api/v3/user (login, scopes, expiry; installation tokens
// get 403 "Resource not accessible by integration", as on GitHub),
// GET /api/v3/ and GET /api/v3/rate_limit, GET /api/v3/repos/OWNER/NAME, and
// GET /api/v3/installation/repositories (installation tokens only: the
// endpoint such a token may call to prove itself), and POST
// /api/v3/credentials/revoke, GitHub's credential revocation API as
// github.com serves it (unauthenticated only; see [GitHubServer.Revoked]).
// Tokens are accepted as
// "Authorization: token X", "Bearer X", or as the password of Basic
// credentials (GitHub's API takes a token there too; a password that is not
// a token gets 401 Bad credentials).
//
// Git: Basic credentials only, the token as password; Bearer, a wrong user
// name or a bad token get 401 with WWW-Authenticate: Basic realm="GitHub".
type GitHubServer struct {
	// URL is the web and git root, e.g. "http://127.0.0.1:41234": use it as
	// provider.Config.BaseURL.
	URL string
	// APIURL is URL + "/api/v3/".
	APIURL string

	ln    net.Listener
	srv   *http.Server
	dir   string
	git   *gitBackend // nil when git is not installed
	reset time.Time   // end of the current rate-limit window

	mu     sync.Mutex
	tokens map[string]*GitHubToken // by secret; normalized copies
	used   map[string]int          // REST requests per secret
	repos  map[string]string       // lower "owner/name" -> "owner/name.git" under dir
	reqs   requestCounter
	nextID uint64
	faults faults
	// hostile is the mode SetHostile sets (hostile.go).
	hostile hostile

	clock     func() time.Time         // nil: time.Now (SetClock)
	revokeUse map[string]*revokeWindow // revocation requests per client IP
}

// NewGitHubServer starts a fake GitHub on 127.0.0.1 with an unused port. Its
// repositories live in a temporary directory that [GitHubServer.Close]
// removes. Without git installed the REST API still works and
// [GitHubServer.AddRepo] returns [ErrNoGit].
func NewGitHubServer() (*GitHubServer, error) {
	dir, err := os.MkdirTemp("", "providertest-github-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("providertest: listen: %w", err)
	}
	s := &GitHubServer{
		URL:    "http://" + ln.Addr().String(),
		ln:     ln,
		dir:    dir,
		reset:  time.Now().Add(time.Hour).Truncate(time.Second),
		tokens: make(map[string]*GitHubToken),
		used:   make(map[string]int),
		repos:  make(map[string]string),
	}
	s.APIURL = s.URL + "/api/v3/"
	if b, err := newGitBackend(dir); err == nil {
		s.git = b
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server and removes its repositories.
func (s *GitHubServer) Close() {
	stopServer(s.srv)
	os.RemoveAll(s.dir)
}

// AddToken makes secret known to the server, replacing any earlier
// description. The server keeps its own copy of tok.
func (s *GitHubServer) AddToken(secret string, tok GitHubToken) {
	t := tok
	t.Scopes = slices.Clone(tok.Scopes)
	t.SSOOrgs = slices.Clone(tok.SSOOrgs)
	t.Repos = make(map[string]Access, len(tok.Repos))
	for k, v := range tok.Repos {
		t.Repos[strings.ToLower(k)] = v
	}
	k := pat.Identify(secret)
	if k == pat.GitHubFineGrained || k == pat.GitHubUser || k == pat.GitHubInstallation {
		t.NoScopesHeader = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[secret] = &t
}

// AddRepo creates the bare repository OWNER/NAME holding one commit on main
// with files (path -> content; empty gives a README).
func (s *GitHubServer) AddRepo(owner, name string, files map[string]string) error {
	if s.git == nil {
		return ErrNoGit
	}
	if !ghValidName(owner) || !ghValidName(name) {
		return fmt.Errorf("providertest: invalid repository name %q/%q", owner, name)
	}
	key := strings.ToLower(owner + "/" + name)
	rel := owner + "/" + name + ".git"
	s.mu.Lock()
	_, dup := s.repos[key]
	s.mu.Unlock()
	if dup || s.git.exists(rel) {
		return fmt.Errorf("providertest: repository %s/%s exists", owner, name)
	}
	if err := CreateBareRepo(filepath.Join(s.dir, filepath.FromSlash(rel)), files); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[key] = rel
	return nil
}

// RepoDir returns the directory of the bare repository OWNER/NAME, for tests
// that inspect what a push did; "" if there is no such repository.
func (s *GitHubServer) RepoDir(owner, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rel, ok := s.repos[strings.ToLower(owner+"/"+name)]
	if !ok {
		return ""
	}
	return filepath.Join(s.dir, filepath.FromSlash(rel))
}

// RateLimitReset is the X-RateLimit-Reset the server sends, as a time.
func (s *GitHubServer) RateLimitReset() time.Time { return s.reset }

// SSOURL is the authorization URL the server names for an organization's
// SAML single sign-on, in X-GitHub-SSO and in git's message.
func (s *GitHubServer) SSOURL(org string) string {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(org)))
	return fmt.Sprintf("%s/orgs/%s/sso?authorization_request=A%016X", s.URL, org, h.Sum64())
}

// Requests returns how many requests reached route since the last
// [GitHubServer.ResetCounts]. Routes: "GET /user", "GET /", "GET /rate_limit",
// "GET /repos/{owner}/{repo}", "GET /installation/repositories", other REST
// requests as "METHOD /path" (without /api/v3), and for git "git info/refs",
// "git upload-pack", "git receive-pack" ("git other" for anything else).
func (s *GitHubServer) Requests(route string) int {
	return s.reqs.requests(route)
}

// TotalRequests returns how many requests the server received since the
// last [GitHubServer.ResetCounts].
func (s *GitHubServer) TotalRequests() int {
	return s.reqs.totalRequests()
}

// ResetCounts sets every request counter to zero.
func (s *GitHubServer) ResetCounts() {
	s.reqs.reset()
}

func (s *GitHubServer) count(route string) {
	s.reqs.count(route)
}

// ServeHTTP routes REST requests under /api/v3/ and git requests elsewhere,
// through the fault set with [GitHubServer.SetFault], if any.
func (s *GitHubServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.serve(w, r, func(w http.ResponseWriter, r *http.Request) {
		s.hostile.serve(w, r, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }, func(w http.ResponseWriter, r *http.Request) {
			s.faults.serve(w, r, s.routeOf, s.count, s.route)
		})
	})
}

// SetLatency delays every request (API and git alike) by d before the
// server answers it, as a real host's round trip does: benchmarks and
// tests then see round trips. 0 (the default) answers at once.
func (s *GitHubServer) SetLatency(d time.Duration) { s.reqs.setLatency(d) }

// MaxInFlight returns the most requests the server had in flight at once
// since it started or the last ResetCounts: 1 for requests sent one after
// another, more for requests sent concurrently.
func (s *GitHubServer) MaxInFlight() int { return s.reqs.maxInFlight() }

func (s *GitHubServer) route(w http.ResponseWriter, r *http.Request) {
	if p, ok := strings.CutPrefix(r.URL.Path, "/api/v3"); ok && (p == "" || p[0] == '/') {
		if p == "" {
			p = "/"
		}
		s.serveREST(w, r, p)
		return
	}
	s.serveGit(w, r)
}

// ---- REST ----

const (
	ghDocsRest      = "https://docs.github.com/rest"
	ghDocsPrimary   = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
	ghDocsSecondary = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	ghDocsGetUser   = "https://docs.github.com/rest/users/users#get-the-authenticated-user"
	ghDocsGetRepo   = "https://docs.github.com/rest/repos/repos#get-a-repository"
	ghDocsInstRepos = "https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation"
	ghDocsSAML      = "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/"
)

// ghRESTRoute names a REST request for the counters.
func ghRESTRoute(method, p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case method == http.MethodGet && (p == "/" || p == "/user" || p == "/rate_limit" || p == "/installation/repositories"):
		return "GET " + p
	case method == http.MethodGet && len(segs) == 3 && segs[0] == "repos":
		return "GET /repos/{owner}/{repo}"
	}
	return method + " " + p
}

// restAuth finds the token of a REST request. anonymous is true when the
// request carries no credentials; tok is nil for bad credentials.
func (s *GitHubServer) restAuth(r *http.Request) (secret string, tok *GitHubToken, anonymous bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", nil, true
	}
	scheme, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "token", "bearer":
		secret = rest
	case "basic":
		if _, pw, ok := ghDecodeBasic(rest); ok {
			secret = pw
		}
	}
	if secret == "" {
		return "", nil, false
	}
	s.mu.Lock()
	t := s.tokens[secret]
	s.mu.Unlock()
	if t == nil || t.Revoked || ghExpired(t.Expiration) {
		return "", nil, false
	}
	return secret, t, false
}

func (s *GitHubServer) serveREST(w http.ResponseWriter, r *http.Request, p string) {
	route := ghRESTRoute(r.Method, p)
	s.count(route)
	secret, tok, anonymous := s.restAuth(r)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Enterprise-Version", GitHubEnterpriseVersion)
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	h.Set("X-GitHub-Request-Id", s.requestID())
	if p == "/credentials/revoke" {
		s.serveRevoke(w, r)
		return
	}

	if tok == nil {
		s.rateHeaders(h, 60, 1, false)
		switch {
		case !anonymous:
			ghJSONError(w, http.StatusUnauthorized, "Bad credentials", ghDocsRest)
			return
		case route == "GET /user":
			ghJSONError(w, http.StatusUnauthorized, "Requires authentication", ghDocsGetUser)
			return
		}
	} else {
		s.mu.Lock()
		s.used[secret]++
		used := s.used[secret]
		s.mu.Unlock()
		if !tok.NoScopesHeader {
			h["X-Oauth-Scopes"] = []string{strings.Join(tok.Scopes, ", ")}
		}
		h["X-Accepted-Oauth-Scopes"] = []string{""}
		if tok.Expiration != "" {
			h.Set("GitHub-Authentication-Token-Expiration", tok.Expiration)
		}
		if s.rateLimited(w, route, tok.RateLimit) {
			return
		}
		s.rateHeaders(h, 5000, used, false)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		ghJSONError(w, http.StatusNotFound, "Not Found", ghDocsRest)
		return
	}
	switch segs := strings.Split(strings.Trim(p, "/"), "/"); {
	case p == "/":
		ghJSON(w, http.StatusOK, map[string]string{
			"current_user_url":      s.APIURL + "user",
			"rate_limit_url":        s.APIURL + "rate_limit",
			"repository_url":        s.APIURL + "repos/{owner}/{repo}",
			"user_repositories_url": s.APIURL + "user/repos{?type,page,per_page,sort}",
		})
	case p == "/rate_limit":
		s.serveRateLimit(w)
	case p == "/user":
		if pat.Identify(secret) == pat.GitHubInstallation {
			ghJSONError(w, http.StatusForbidden, "Resource not accessible by integration", ghDocsGetUser)
			return
		}
		ghJSON(w, http.StatusOK, s.userJSON(tok.Login))
	case p == "/installation/repositories":
		s.serveInstallationRepos(w, r, tok, secret)
	case len(segs) == 3 && segs[0] == "repos":
		s.serveRepo(w, tok, segs[1], segs[2])
	default:
		ghJSONError(w, http.StatusNotFound, "Not Found", ghDocsRest)
	}
}

// rateLimited answers a request of a token in a rate-limit mode and reports
// whether it did. GET /rate_limit does not count against the primary limit.
func (s *GitHubServer) rateLimited(w http.ResponseWriter, route string, mode RateLimitMode) bool {
	h := w.Header()
	switch mode {
	case RateLimitPrimary403, RateLimitPrimary429:
		s.rateHeaders(h, 5000, 5000, true)
		if route == "GET /rate_limit" {
			return false
		}
		code := http.StatusForbidden
		if mode == RateLimitPrimary429 {
			code = http.StatusTooManyRequests
		}
		ghJSONError(w, code, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID "+h.Get("X-GitHub-Request-Id")+".", ghDocsPrimary)
		return true
	case RateLimitSecondary403, RateLimitSecondary429:
		s.rateHeaders(h, 5000, 10, false)
		h.Set("Retry-After", strconv.Itoa(int(GitHubRetryAfter/time.Second)))
		code := http.StatusForbidden
		if mode == RateLimitSecondary429 {
			code = http.StatusTooManyRequests
		}
		ghJSONError(w, code, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID "+h.Get("X-GitHub-Request-Id")+".", ghDocsSecondary)
		return true
	}
	return false
}

// rateHeaders sets the X-RateLimit-* headers. Outside the primary
// rate-limit modes (exhausted) remaining never drops to 0: go-github stops
// sending requests until the reset when it sees 0, so the count of used
// requests wraps around instead, as if a new window had begun.
func (s *GitHubServer) rateHeaders(h http.Header, limit, used int, exhausted bool) {
	remaining := 0
	if exhausted {
		used = limit
	} else {
		used = (used-1)%(limit-1) + 1
		remaining = limit - used
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.reset.Unix(), 10))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Resource", "core")
}

func (s *GitHubServer) serveRateLimit(w http.ResponseWriter) {
	rem := w.Header().Get("X-RateLimit-Remaining")
	lim := w.Header().Get("X-RateLimit-Limit")
	used := w.Header().Get("X-RateLimit-Used")
	n := func(v string) int { i, _ := strconv.Atoi(v); return i }
	core := map[string]any{"limit": n(lim), "remaining": n(rem), "reset": s.reset.Unix(), "used": n(used), "resource": "core"}
	ghJSON(w, http.StatusOK, map[string]any{
		"resources": map[string]any{"core": core},
		"rate":      core,
	})
}

func (s *GitHubServer) userJSON(login string) map[string]any {
	return map[string]any{
		"login":      login,
		"id":         ghID(login),
		"node_id":    "U_" + strconv.FormatInt(ghID(login), 36),
		"type":       "User",
		"site_admin": false,
		"name":       login,
		"url":        s.APIURL + "users/" + login,
		"html_url":   s.URL + "/" + login,
	}
}

func (s *GitHubServer) repoJSON(key string, access Access) map[string]any {
	s.mu.Lock()
	rel := s.repos[key]
	s.mu.Unlock()
	full := strings.TrimSuffix(rel, ".git")
	owner, name, _ := strings.Cut(full, "/")
	return map[string]any{
		"id":             ghID(full),
		"name":           name,
		"full_name":      full,
		"private":        true,
		"owner":          map[string]any{"login": owner, "id": ghID(owner), "type": "Organization"},
		"html_url":       s.URL + "/" + full,
		"clone_url":      s.URL + "/" + full + ".git",
		"url":            s.APIURL + "repos/" + full,
		"default_branch": "main",
		"permissions": map[string]bool{
			"admin": false, "maintain": false, "push": access >= AccessWrite, "triage": access >= AccessWrite, "pull": access >= AccessRead,
		},
	}
}

// repoAccess returns the token's access to owner/name and whether the
// repository exists.
func (s *GitHubServer) repoAccess(tok *GitHubToken, owner, name string) (key string, access Access, exists bool) {
	key = strings.ToLower(owner + "/" + name)
	s.mu.Lock()
	_, exists = s.repos[key]
	s.mu.Unlock()
	if tok != nil {
		access = tok.Repos[key]
	}
	return key, access, exists
}

func ghSSOBlocked(tok *GitHubToken, owner string) bool {
	return tok != nil && slices.ContainsFunc(tok.SSOOrgs, func(o string) bool { return strings.EqualFold(o, owner) })
}

func (s *GitHubServer) serveRepo(w http.ResponseWriter, tok *GitHubToken, owner, name string) {
	if ghSSOBlocked(tok, owner) {
		w.Header().Set("X-GitHub-SSO", "required; url="+s.SSOURL(owner))
		ghJSONError(w, http.StatusForbidden, "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.", ghDocsSAML)
		return
	}
	key, access, exists := s.repoAccess(tok, owner, name)
	if !exists || access == AccessNone {
		ghJSONError(w, http.StatusNotFound, "Not Found", ghDocsGetRepo)
		return
	}
	ghJSON(w, http.StatusOK, s.repoJSON(key, access))
}

func (s *GitHubServer) serveInstallationRepos(w http.ResponseWriter, r *http.Request, tok *GitHubToken, secret string) {
	if tok == nil {
		ghJSONError(w, http.StatusUnauthorized, "Requires authentication", ghDocsInstRepos)
		return
	}
	if pat.Identify(secret) != pat.GitHubInstallation {
		// A user token may not list an installation's repositories.
		ghJSONError(w, http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation.", ghDocsInstRepos)
		return
	}
	perPage := 30
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 && v <= 100 {
		perPage = v
	}
	var keys []string
	s.mu.Lock()
	for k, a := range tok.Repos {
		if _, ok := s.repos[k]; ok && a != AccessNone {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	slices.Sort(keys)
	repos := []map[string]any{}
	for _, k := range keys {
		if len(repos) == perPage {
			break
		}
		repos = append(repos, s.repoJSON(k, tok.Repos[k]))
	}
	ghJSON(w, http.StatusOK, map[string]any{
		"total_count":          len(keys),
		"repository_selection": "selected",
		"repositories":         repos,
	})
}

func (s *GitHubServer) requestID() string {
	s.mu.Lock()
	s.nextID++
	n := s.nextID
	s.mu.Unlock()
	return fmt.Sprintf("B7FE:%05X:%07X:%07X:%08X", n%0xFFFFF, n*7919%0xFFFFFFF, n*104729%0xFFFFFFF, s.reset.Unix()%0xFFFFFFFF)
}

func ghJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// ghError is GitHub's error body, fields in GitHub's order.
type ghError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

func ghJSONError(w http.ResponseWriter, code int, message, doc string) {
	ghJSON(w, code, ghError{Message: message, DocumentationURL: doc, Status: strconv.Itoa(code)})
}

func ghID(s string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(s)))
	return int64(h.Sum32()%90000000) + 1000
}

// ghExpired reports whether a GitHub-Authentication-Token-Expiration value
// lies in the past.
func ghExpired(v string) bool {
	if v == "" {
		return false
	}
	for _, layout := range []string{"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Before(time.Now())
		}
	}
	return false
}

func ghDecodeBasic(v string) (user, password string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), ":")
}

// ghValidName reports whether s is usable as a GitHub owner or repository name.
func ghValidName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ---- git smart HTTP ----

const (
	ghGitUnauthorized = "Invalid username or token. Password authentication is not supported for Git operations.\n"
	ghGitNoWrite      = "Write access to repository not granted.\n"
	ghGitNotFound     = "Repository not found.\n"
)

func ghGitText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
	}
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}

// ghGitRequest splits a git smart-HTTP path: /OWNER/NAME(.git)/SERVICE.
func ghGitRequest(r *http.Request) (owner, name, service, route string, write bool, ok bool) {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(segs) < 3 {
		return "", "", "", "git other", false, false
	}
	owner, name = segs[0], strings.TrimSuffix(segs[1], ".git")
	rest := strings.Join(segs[2:], "/")
	switch {
	case rest == "info/refs" && r.Method == http.MethodGet:
		svc := r.URL.Query().Get("service")
		if svc != "git-upload-pack" && svc != "git-receive-pack" {
			return owner, name, "", "git info/refs", false, false // dumb protocol: not served
		}
		return owner, name, "/info/refs", "git info/refs", svc == "git-receive-pack", true
	case rest == "git-upload-pack" && r.Method == http.MethodPost:
		return owner, name, "/git-upload-pack", "git upload-pack", false, true
	case rest == "git-receive-pack" && r.Method == http.MethodPost:
		return owner, name, "/git-receive-pack", "git receive-pack", true, true
	}
	return "", "", "", "git other", false, false
}

// gitAuth checks Basic credentials on a git request and returns the
// token's entry and kind; nil means 401.
func (s *GitHubServer) gitAuth(r *http.Request) (*GitHubToken, pat.Kind) {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "basic") {
		return nil, pat.Unknown // none, or Bearer: GitHub's git endpoints take Basic only
	}
	user, secret, ok := ghDecodeBasic(rest)
	if !ok || user == "" || secret == "" {
		return nil, pat.Unknown
	}
	s.mu.Lock()
	t := s.tokens[secret]
	s.mu.Unlock()
	if t == nil || t.Revoked || ghExpired(t.Expiration) {
		return nil, pat.Unknown
	}
	if strings.EqualFold(user, "x-access-token") || (t.Login != "" && strings.EqualFold(user, t.Login)) {
		return t, pat.Identify(secret)
	}
	return nil, pat.Unknown
}

// ghPushDenied is GitHub's answer to a push the token may not make: a
// classic or OAuth token (its user lacks write access) is named with its
// user; a fine-grained, App or installation token lacks the Contents write
// permission.
func ghPushDenied(t *GitHubToken, kind pat.Kind, owner, name string) string {
	if (kind == pat.GitHubClassic || kind == pat.GitHubOAuth) && t.Login != "" {
		return fmt.Sprintf("Permission to %s/%s.git denied to %s.\n", owner, name, t.Login)
	}
	return ghGitNoWrite
}

func (s *GitHubServer) serveGit(w http.ResponseWriter, r *http.Request) {
	owner, name, service, route, write, ok := ghGitRequest(r)
	s.count(route)
	if !ok {
		ghGitText(w, http.StatusNotFound, "Not Found\n")
		return
	}
	tok, kind := s.gitAuth(r)
	if tok == nil {
		ghGitText(w, http.StatusUnauthorized, ghGitUnauthorized)
		return
	}
	if ghSSOBlocked(tok, owner) {
		ghGitText(w, http.StatusForbidden, fmt.Sprintf(
			"The '%s' organization has enabled or enforced SAML SSO. To access this repository, visit %s and try your request again.\n",
			owner, s.SSOURL(owner)))
		return
	}
	key, access, exists := s.repoAccess(tok, owner, name)
	if !exists || access == AccessNone {
		ghGitText(w, http.StatusNotFound, ghGitNotFound)
		return
	}
	if write && access < AccessWrite {
		ghGitText(w, http.StatusForbidden, ghPushDenied(tok, kind, owner, name))
		return
	}
	if s.git == nil {
		ghGitText(w, http.StatusInternalServerError, ErrNoGit.Error()+"\n")
		return
	}
	s.mu.Lock()
	rel := s.repos[key]
	s.mu.Unlock()
	s.git.serve(w, r, rel, service)
}

var _ http.Handler = (*GitHubServer)(nil)

// String names the mode as its constant does, e.g. "RateLimitPrimary403".
func (m RateLimitMode) String() string {
	switch m {
	case RateLimitNone:
		return "RateLimitNone"
	case RateLimitPrimary403:
		return "RateLimitPrimary403"
	case RateLimitPrimary429:
		return "RateLimitPrimary429"
	case RateLimitSecondary403:
		return "RateLimitSecondary403"
	case RateLimitSecondary429:
		return "RateLimitSecondary429"
	}
	return "RateLimitMode(" + strconv.Itoa(int(m)) + ")"
}
