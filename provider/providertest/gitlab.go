package providertest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GitLabTokenType is the kind of credential a [GitLabToken] describes.
type GitLabTokenType int

// GitLab token types. Personal, project, group and impersonation tokens are
// all personal access tokens to GitLab (one model, one lookup, one
// /personal_access_tokens/self); they differ in whose user they act as.
const (
	// GitLabPersonal is a personal access token of a user.
	GitLabPersonal GitLabTokenType = iota
	// GitLabProject is a project access token, acting as the project's bot
	// user (project_ID_bot_…).
	GitLabProject
	// GitLabGroup is a group access token, acting as the group's bot user.
	GitLabGroup
	// GitLabImpersonation is an administrator's token acting as a user.
	GitLabImpersonation
	// GitLabOAuth is an OAuth 2.0 access token.
	GitLabOAuth
	// GitLabDeploy is a deploy token: Git and registries only, no REST API;
	// its Git user name is the token's Username.
	GitLabDeploy
	// GitLabJob is a CI/CD job token (CI_JOB_TOKEN): Git user name
	// "gitlab-ci-token", REST only on the routes that allow job tokens.
	GitLabJob
)

// GitLabRole is a member's role in a GitLab project.
type GitLabRole int

// Roles, in GitLab's order. Guests cannot download the code of a private
// project, reporters can, developers can push to unprotected branches and
// maintainers to protected ones.
const (
	GitLabNoAccess GitLabRole = iota
	GitLabGuest
	GitLabReporter
	GitLabDeveloper
	GitLabMaintainer
	GitLabOwner
)

// GitLabRateLimit makes the fake GitLab answer every REST request of one
// token as throttled. Git over HTTPS is not affected.
type GitLabRateLimit int

// Rate-limit modes, as GitLab's throttles answer.
const (
	// GitLabRateLimitNone: requests succeed.
	GitLabRateLimitNone GitLabRateLimit = iota
	// GitLabRateLimitThrottle: 429, text/plain "Retry later\n", with
	// RateLimit-Name, -Limit, -Observed, -Remaining, -Reset, -ResetTime and
	// Retry-After ([GitLabRetryAfter]), as Rack::Attack answers.
	GitLabRateLimitThrottle
	// GitLabRateLimitBare: 429 "Retry later\n" with none of those headers,
	// as gitlab.com's edge has answered.
	GitLabRateLimitBare
	// GitLabRateLimitEndpoint: 429 with GitLab's per-endpoint JSON message
	// and no headers.
	GitLabRateLimitEndpoint
)

// GitLabRetryAfter is the Retry-After of [GitLabRateLimitThrottle]; the
// RateLimit-Reset it sends is the server clock's now plus this.
const GitLabRetryAfter = 42 * time.Second

// GitLab's texts, as its controllers write them.
const (
	// GitLabGitAccessDenied is the body of a git 401 for bad credentials,
	// before the help URL.
	GitLabGitAccessDenied = "HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect or you're required to use a token instead of a password. If a token was provided, it was either incorrect, expired, or improperly scoped. See "
	// GitLabGitNotFound is the body of a git 404: the project is missing or
	// invisible to the credentials.
	GitLabGitNotFound       = "The project you were looking for could not be found or you don't have permission to view it."
	gitlabNoDownloadCode    = "You are not allowed to download code."
	gitlabNoUploadCode      = "You are not allowed to upload code."
	gitlabNoDownloadProject = "You are not allowed to download code from this project."
	gitlabNoPushProject     = "You are not allowed to push code to this project."
	gitlabExpired           = "Token is expired. You can either do re-authorization or token refresh."
	gitlabRevoked           = "Token was revoked. You have to re-authorize from the user."
	gitlabInsufficientScope = "The request requires higher privileges than provided by the access token."
)

// GitLabToken describes what one secret can do on the fake GitLab.
type GitLabToken struct {
	// Type is the kind of credential; the zero value is a personal access
	// token.
	Type GitLabTokenType
	// Username is the token's user: the login of a personal, impersonation
	// or OAuth token's user, the bot of a project or group token (""
	// derives project_ID_bot_… / group_ID_bot_…), the deploy token's own
	// user name ("" gives gitlab+deploy-token-ID), or the user running the
	// job of a job token.
	Username string
	// Name is the token's name in /personal_access_tokens/self.
	Name string
	// Scopes are the token's scopes ("api", "read_repository", …). Job
	// tokens have none; OAuth tokens use them like personal tokens.
	Scopes []string
	// ExpiresAt is the expiry date "YYYY-MM-DD"; the token stops working at
	// 00:00 UTC on that date (by the server's clock, see
	// [GitLabServer.SetClock]). "" never expires.
	ExpiresAt string
	// Revoked tokens fail everywhere with 401 (the REST body says revoked).
	Revoked bool
	// Projects maps project paths ("group/sub/project", case-insensitive)
	// to the token's user's role there.
	Projects map[string]GitLabRole
	// Groups maps namespace paths to a role on every project below them.
	Groups map[string]GitLabRole
	// JobProject is a job token's own project, named in cross-project
	// refusals.
	JobProject string
	// JobFinished makes a job token invalid (its job no longer runs): 401.
	JobFinished bool
	// JobPush lets a job token push (a project setting on GitLab).
	JobPush bool
	// RateLimit throttles every REST request of the token.
	RateLimit GitLabRateLimit
}

// GitLabProjectOptions describe a project made by [GitLabServer.AddProject].
type GitLabProjectOptions struct {
	// Files is the content of the first commit on main (path → content);
	// empty gives a README.
	Files map[string]string
	// Public projects can be cloned anonymously (push still needs
	// credentials).
	Public bool
	// Protected lists protected branch names or shell patterns
	// ("release/*"). Nil protects the default branch "main", as GitLab
	// does; an empty, non-nil slice protects nothing.
	Protected []string
}

// GitLabServer is a fake GitLab (gitlab.com or self-managed) on a loopback
// port: the REST routes patgit uses under /api/v4/ and real repositories
// over smart HTTP at /NAMESPACE/…/PROJECT.git, served by git http-backend,
// optionally below a relative URL root (see [NewGitLabServerAt]). It is safe
// for concurrent use.
//
// REST: GET /api/v4/personal_access_tokens/self (any scope; personal,
// project, group and impersonation tokens; OAuth tokens get 400),
// GET /api/v4/user (api, read_api or read_user), GET /api/v4/job (job tokens
// of running jobs), GET /api/v4/projects/:id (numeric id or URL-encoded full
// path; api or read_api). Tokens go in PRIVATE-TOKEN (or ?private_token=),
// Authorization: Bearer (OAuth tokens, then personal ones), or JOB-TOKEN
// (or ?job_token=, on /job only); Basic credentials are ignored. Unknown
// tokens get 401 {"message":"401 Unauthorized"}; expired and revoked ones
// the invalid_token JSON with a WWW-Authenticate: Bearer challenge; a
// missing scope 403 insufficient_scope naming the accepted scopes.
//
// Git: Basic credentials, checked in GitLab's order: "gitlab-ci-token" with
// a running job's token; an OAuth token with user "oauth2" (stricter than
// current GitLab, which ignores the user name, so tests notice a client
// sending another); a personal, project, group or impersonation token with
// any user name; a deploy token with its exact user name. Then the token's
// abilities (403 "You are not allowed to download code." before the project
// is looked up), the project (404 with GitLab's text), the role, and on
// push a pre-receive hook that refuses protected branches with
// "GitLab: <message>". GET …/info/refs without ".git" is redirected (301)
// to the ".git" path; POSTs without it get 404.
type GitLabServer struct {
	// URL is the web and git root, relative URL root included, e.g.
	// "http://127.0.0.1:41234" or "http://127.0.0.1:41234/gitlab": use it as
	// provider.Config.BaseURL.
	URL string
	// APIURL is URL + "/api/v4/".
	APIURL string
	// Root is the relative URL root, "" or e.g. "/gitlab".
	Root string

	srv *http.Server
	dir string
	git *gitBackend // nil when git is not installed

	mu       sync.Mutex
	tokens   map[string]*glTok     // by secret
	projects map[string]*glProject // by lower-case full path
	now      func() time.Time
	nextID   int
	reqs     requestCounter
	faults   faults
	hostile  hostile // the mode SetHostile sets (hostile.go)
}

type glTok struct {
	GitLabToken
	id int
}

type glProject struct {
	path      string // as added: "group/sub/project"
	id        int
	rel       string // directory under dir: "group/sub/project.git"
	public    bool
	protected []string
}

// NewGitLabServer starts a fake GitLab on 127.0.0.1 with an unused port and
// no relative URL root. Close it when done.
func NewGitLabServer() (*GitLabServer, error) { return NewGitLabServerAt("") }

// NewGitLabServerAt starts a fake self-managed GitLab served below the
// relative URL root root ("/gitlab"; "" for none), as
// gitlab.relative_url_root does: every route, REST and git, lives under it
// and nothing answers outside it but 404.
func NewGitLabServerAt(root string) (*GitLabServer, error) {
	root = "/" + strings.Trim(root, "/")
	if root == "/" {
		root = ""
	}
	for _, seg := range strings.Split(strings.TrimPrefix(root, "/"), "/") {
		if root != "" && !glValidSegment(seg) {
			return nil, fmt.Errorf("providertest: invalid relative URL root %q", root)
		}
	}
	dir, err := os.MkdirTemp("", "providertest-gitlab-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("providertest: listen: %w", err)
	}
	s := &GitLabServer{
		URL:      "http://" + ln.Addr().String() + root,
		Root:     root,
		dir:      dir,
		tokens:   make(map[string]*glTok),
		projects: make(map[string]*glProject),
		now:      time.Now,
	}
	s.APIURL = s.URL + "/api/v4/"
	if b, err := newGitBackend(dir); err == nil {
		s.git = b
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed on Close
	return s, nil
}

// Close stops the server and removes its repositories.
func (s *GitLabServer) Close() {
	stopServer(s.srv)
	os.RemoveAll(s.dir)
}

// SetClock sets the clock that decides expiry and rate-limit resets; nil
// restores time.Now.
func (s *GitLabServer) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLatency delays every request (REST and git alike) by d before the
// server looks at it, so that round trips show in benchmarks; 0 turns it
// off. A request whose client gives up during the wait is not served.
func (s *GitLabServer) SetLatency(d time.Duration) { s.reqs.setLatency(d) }

// MaxInFlight returns the most requests the server had in flight at once
// since it started or since the last ResetCounts: with a latency set, a
// check whose requests go out together shows them all in flight.
func (s *GitLabServer) MaxInFlight() int { return s.reqs.maxInFlight() }

// AddToken makes secret known to the server, replacing any earlier
// description. The server keeps its own copy of tok.
func (s *GitLabServer) AddToken(secret string, tok GitLabToken) {
	t := &glTok{GitLabToken: tok}
	t.Scopes = slices.Clone(tok.Scopes)
	t.Projects = make(map[string]GitLabRole, len(tok.Projects))
	for k, v := range tok.Projects {
		t.Projects[strings.ToLower(strings.Trim(k, "/"))] = v
	}
	t.Groups = make(map[string]GitLabRole, len(tok.Groups))
	for k, v := range tok.Groups {
		t.Groups[strings.ToLower(strings.Trim(k, "/"))] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.tokens[secret]; ok {
		t.id = old.id
	} else {
		s.nextID++
		t.id = s.nextID
	}
	if t.Username == "" {
		h := sha256.Sum256([]byte(secret))
		switch t.Type {
		case GitLabProject:
			t.Username = fmt.Sprintf("project_%d_bot_%x", t.id, h[:16])
		case GitLabGroup:
			t.Username = fmt.Sprintf("group_%d_bot_%x", t.id, h[:16])
		case GitLabDeploy:
			t.Username = "gitlab+deploy-token-" + strconv.Itoa(t.id)
		default:
			t.Username = "user" + strconv.Itoa(t.id)
		}
	}
	s.tokens[secret] = t
}

// DeployUsername returns the user name of the deploy token secret ("" if
// secret is not a known deploy token): its Username, or the derived
// "gitlab+deploy-token-ID".
func (s *GitLabServer) DeployUsername(secret string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[secret]; t != nil && t.Type == GitLabDeploy {
		return t.Username
	}
	return ""
}

// AddProject creates the bare repository of project path
// ("group/sub/project"; a group has at most 20 ancestors, so a namespace has
// at most 21 segments) with one commit on main and a
// pre-receive hook that enforces opts.Protected.
func (s *GitLabServer) AddProject(path string, opts GitLabProjectOptions) error {
	if s.git == nil {
		return ErrNoGit
	}
	segs := strings.Split(path, "/")
	if len(segs) < 2 || len(segs) > 22 {
		return fmt.Errorf("providertest: project path %q needs a namespace and at most 20 ancestors", path)
	}
	for _, seg := range segs {
		if !glValidSegment(seg) {
			return fmt.Errorf("providertest: invalid project path %q", path)
		}
	}
	key := strings.ToLower(path)
	protected := opts.Protected
	if protected == nil {
		protected = []string{"main"}
	}
	for _, p := range protected {
		if p == "" || strings.ContainsAny(p, " \t\n'\"\\$`") {
			return fmt.Errorf("providertest: invalid protected branch %q", p)
		}
	}
	s.mu.Lock()
	if _, dup := s.projects[key]; dup {
		s.mu.Unlock()
		return fmt.Errorf("providertest: project %s exists", path)
	}
	s.nextID++
	p := &glProject{path: path, id: 1000 + s.nextID, rel: path + ".git", public: opts.Public, protected: slices.Clone(protected)}
	s.projects[key] = p
	s.mu.Unlock()
	full := filepath.Join(s.dir, filepath.FromSlash(p.rel))
	err := CreateBareRepo(full, opts.Files)
	if err == nil {
		err = os.WriteFile(filepath.Join(full, "hooks", "pre-receive"), []byte(glPreReceive), 0o755)
	}
	if err != nil {
		s.mu.Lock()
		delete(s.projects, key)
		s.mu.Unlock()
		return err
	}
	return nil
}

// RepoDir returns the directory of the bare repository of project path,
// for tests that inspect what a push did; "" if there is no such project.
func (s *GitLabServer) RepoDir(path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[strings.ToLower(strings.Trim(path, "/"))]
	if !ok {
		return ""
	}
	return filepath.Join(s.dir, filepath.FromSlash(p.rel))
}

// HelpURL is the troubleshooting page GitLab's git 401 text points to.
func (s *GitLabServer) HelpURL() string {
	return s.URL + "/help/topics/git/troubleshooting_git.md#error-on-git-fetch-http-basic-access-denied"
}

// Requests returns how many requests reached route since the last
// [GitLabServer.ResetCounts]. Routes: "GET /personal_access_tokens/self",
// "GET /user", "GET /job", "GET /projects/:id", other REST requests as
// "METHOD /path" (without the root and /api/v4), and for git
// "git info/refs", "git upload-pack", "git receive-pack", "git redirect"
// (the 301 from a path without .git) and "git other".
func (s *GitLabServer) Requests(route string) int { return s.reqs.requests(route) }

// TotalRequests returns how many requests the server received since the
// last [GitLabServer.ResetCounts].
func (s *GitLabServer) TotalRequests() int { return s.reqs.totalRequests() }

// ResetCounts sets every request counter to zero.
func (s *GitLabServer) ResetCounts() { s.reqs.reset() }

// SetFault makes the server misbehave as f says, replacing any earlier
// fault; SetFault(Fault{}) clears it. Requests a fault answers by itself
// still count in [GitLabServer.Requests] under their route.
func (s *GitLabServer) SetFault(f Fault) { s.faults.set(f) }

// FaultHits returns how many requests a fault has hit since the server
// started.
func (s *GitLabServer) FaultHits() int { return s.faults.hits() }

func (s *GitLabServer) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// ServeHTTP routes REST requests under ROOT/api/v4/ and git requests
// elsewhere below the root, after the latency set with SetLatency, through
// the hostile mode set with SetHostile and the fault set with SetFault, if
// any.
func (s *GitLabServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, s.Root+"/api/") }
	s.reqs.serve(w, r, func(w http.ResponseWriter, r *http.Request) {
		s.hostile.serve(w, r, api, func(w http.ResponseWriter, r *http.Request) {
			s.faults.serve(w, r, s.routeOf, s.reqs.count, s.route)
		})
	})
}

// SetHostile makes the fake echo credentials as h says (the token of a
// PRIVATE-TOKEN or JOB-TOKEN header too), replacing any earlier mode;
// SetHostile(Hostile{}) ends it. Faults set with SetFault apply behind it.
func (s *GitLabServer) SetHostile(h Hostile) { s.hostile.set(h) }

// split returns the request path below the root and whether it is a REST
// path (then p is below /api/v4).
func (s *GitLabServer) split(r *http.Request) (p string, rest, ok bool) {
	p, ok = strings.CutPrefix(r.URL.EscapedPath(), s.Root)
	if !ok || (p != "" && p[0] != '/') {
		return "", false, false
	}
	if api, isAPI := strings.CutPrefix(p, "/api/v4"); isAPI && (api == "" || api[0] == '/') {
		if api == "" {
			api = "/"
		}
		return api, true, true
	}
	return p, false, true
}

func (s *GitLabServer) routeOf(r *http.Request) string {
	p, rest, ok := s.split(r)
	switch {
	case !ok:
		return "git other"
	case rest:
		return glRESTRoute(r.Method, p)
	}
	return glParseGit(r, p).route
}

func (s *GitLabServer) route(w http.ResponseWriter, r *http.Request) {
	p, rest, ok := s.split(r)
	switch {
	case !ok:
		s.reqs.count("git other")
		glText(w, http.StatusNotFound, "Not Found")
	case rest:
		s.serveREST(w, r, p)
	default:
		s.serveGit(w, r, p)
	}
}

// ---- tokens ----

// expired reports whether an expiry date has come: a token expires at
// 00:00 UTC on its expires_at date.
func (s *GitLabServer) expired(date string, now time.Time) bool {
	if date == "" {
		return false
	}
	d, err := time.Parse("2006-01-02", date)
	return err != nil || !now.Before(d)
}

func (t *glTok) isPAT() bool {
	switch t.Type {
	case GitLabPersonal, GitLabProject, GitLabGroup, GitLabImpersonation:
		return true
	}
	return false
}

func (t *glTok) hasScope(names ...string) bool {
	for _, n := range names {
		if slices.Contains(t.Scopes, n) {
			return true
		}
	}
	return false
}

// canDownload and canPush are the token's Git abilities, before any
// project is looked at (GitLab's abilities_for_scopes).
func (t *glTok) canDownload() bool {
	switch t.Type {
	case GitLabJob:
		return true
	case GitLabDeploy:
		return t.hasScope("read_repository", "write_repository")
	}
	return t.hasScope("api", "read_api", "read_repository", "write_repository", "ai_workflows")
}

func (t *glTok) canPush() bool {
	switch t.Type {
	case GitLabJob:
		return t.JobPush
	case GitLabDeploy:
		return t.hasScope("write_repository")
	}
	return t.hasScope("api", "write_repository", "ai_workflows")
}

// role returns the token's role on project path (lower case).
func (t *glTok) role(key string) GitLabRole {
	best := t.Projects[key]
	for ns, r := range t.Groups {
		if strings.HasPrefix(key, ns+"/") && r > best {
			best = r
		}
	}
	return best
}

// ---- REST ----

func glRESTRoute(method, p string) string {
	switch {
	case method == http.MethodGet && (p == "/personal_access_tokens/self" || p == "/user" || p == "/job"):
		return "GET " + p
	case method == http.MethodGet && strings.HasPrefix(p, "/projects/") && strings.Count(p, "/") == 2:
		return "GET /projects/:id"
	}
	return method + " " + p
}

// restCreds is how a REST request presented a token.
type restCreds struct {
	secret string
	header string // "private", "bearer", "job" or "" when none
}

func glRESTCreds(r *http.Request) restCreds {
	q := r.URL.Query()
	switch {
	case r.Header.Get("Private-Token") != "":
		return restCreds{strings.TrimSpace(r.Header.Get("Private-Token")), "private"}
	case q.Get("private_token") != "":
		return restCreds{q.Get("private_token"), "private"}
	case r.Header.Get("Job-Token") != "":
		return restCreds{strings.TrimSpace(r.Header.Get("Job-Token")), "job"}
	case q.Get("job_token") != "":
		return restCreds{q.Get("job_token"), "job"}
	}
	if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		return restCreds{strings.TrimSpace(rest), "bearer"}
	}
	return restCreds{}
}

func (s *GitLabServer) serveREST(w http.ResponseWriter, r *http.Request, p string) {
	route := glRESTRoute(r.Method, p)
	s.reqs.count(route)
	now := s.clock()
	c := glRESTCreds(r)
	s.mu.Lock()
	t := s.tokens[c.secret]
	s.mu.Unlock()
	// Which lookup finds the token depends on where it was sent.
	switch {
	case t == nil:
	case c.header == "job":
		if t.Type != GitLabJob || route != "GET /job" {
			t = nil
		}
	case c.header == "private":
		if !t.isPAT() {
			t = nil
		}
	case c.header == "bearer":
		if !t.isPAT() && t.Type != GitLabOAuth {
			t = nil
		}
	}
	if t == nil {
		glJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		return
	}
	switch {
	case t.Revoked:
		glInvalidToken(w, gitlabRevoked)
		return
	case s.expired(t.ExpiresAt, now):
		glInvalidToken(w, gitlabExpired)
		return
	case t.Type == GitLabJob && t.JobFinished:
		glJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		return
	}
	if s.throttled(w, t.RateLimit, now) {
		return
	}
	s.successRateHeaders(w.Header(), now)
	if r.Method != http.MethodGet {
		glJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
		return
	}
	switch {
	case route == "GET /personal_access_tokens/self":
		if !t.isPAT() {
			glJSON(w, http.StatusBadRequest, map[string]string{"message": "400 Bad request - This endpoint requires token type to be a personal access token"})
			return
		}
		s.serveSelf(w, c.secret, t)
	case route == "GET /user":
		if !t.hasScope("api", "read_api", "read_user") {
			glInsufficientScope(w, "api read_api read_user")
			return
		}
		glJSON(w, http.StatusOK, s.userJSON(t))
	case route == "GET /job":
		s.serveJob(w, t)
	case route == "GET /projects/:id":
		if !t.hasScope("api", "read_api") {
			glInsufficientScope(w, "api read_api")
			return
		}
		s.serveProject(w, t, strings.TrimPrefix(p, "/projects/"))
	default:
		glJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	}
}

func (s *GitLabServer) serveSelf(w http.ResponseWriter, secret string, t *glTok) {
	var expires any
	if t.ExpiresAt != "" {
		expires = t.ExpiresAt
	}
	name := t.Name
	if name == "" {
		name = "token " + strconv.Itoa(t.id)
	}
	scopes := t.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	glJSON(w, http.StatusOK, map[string]any{
		"id":            t.id,
		"name":          name,
		"revoked":       false,
		"created_at":    "2026-01-01T00:00:00.000Z",
		"description":   "",
		"scopes":        scopes,
		"user_id":       glUserID(t.Username),
		"last_used_at":  s.clock().UTC().Format("2006-01-02T15:04:05.000Z"),
		"active":        true,
		"expires_at":    expires,
		"last_used_ips": []string{"127.0.0.1"},
	})
}

func (s *GitLabServer) userJSON(t *glTok) map[string]any {
	bot := t.Type == GitLabProject || t.Type == GitLabGroup
	return map[string]any{
		"id":         glUserID(t.Username),
		"username":   t.Username,
		"name":       t.Username,
		"state":      "active",
		"locked":     false,
		"bot":        bot,
		"avatar_url": s.URL + "/uploads/-/system/user/avatar/" + strconv.Itoa(glUserID(t.Username)) + "/avatar.png",
		"web_url":    s.URL + "/" + t.Username,
		"created_at": "2026-01-01T00:00:00.000Z",
	}
}

func (s *GitLabServer) serveJob(w http.ResponseWriter, t *glTok) {
	if t.Type != GitLabJob {
		glJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		return
	}
	user := map[string]any{"id": glUserID(t.Username), "username": t.Username, "name": t.Username, "state": "active"}
	job := map[string]any{
		"id":       100000 + t.id,
		"status":   "running",
		"stage":    "test",
		"name":     "test",
		"ref":      "main",
		"tag":      false,
		"user":     user,
		"pipeline": map[string]any{"id": 50000 + t.id, "ref": "main", "status": "running"},
		"web_url":  s.URL + "/" + t.JobProject + "/-/jobs/" + strconv.Itoa(100000+t.id),
	}
	glJSON(w, http.StatusOK, job)
}

func (s *GitLabServer) serveProject(w http.ResponseWriter, t *glTok, id string) {
	path, err := url.PathUnescape(id)
	if err != nil {
		glJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return
	}
	s.mu.Lock()
	p := s.projects[strings.ToLower(path)]
	if p == nil {
		if n, err := strconv.Atoi(path); err == nil {
			for _, q := range s.projects {
				if q.id == n {
					p = q
				}
			}
		}
	}
	s.mu.Unlock()
	if p == nil || (!p.public && t.role(strings.ToLower(p.path)) == GitLabNoAccess) {
		glJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return
	}
	ns, name := p.path[:strings.LastIndexByte(p.path, '/')], p.path[strings.LastIndexByte(p.path, '/')+1:]
	vis := "private"
	if p.public {
		vis = "public"
	}
	glJSON(w, http.StatusOK, map[string]any{
		"id":                  p.id,
		"name":                name,
		"path":                name,
		"path_with_namespace": p.path,
		"namespace":           map[string]any{"full_path": ns, "path": ns[strings.LastIndexByte(ns, '/')+1:]},
		"default_branch":      "main",
		"visibility":          vis,
		"web_url":             s.URL + "/" + p.path,
		"http_url_to_repo":    s.URL + "/" + p.path + ".git",
		"ssh_url_to_repo":     "git@127.0.0.1:" + p.path + ".git",
	})
}

// throttled answers a throttled request and reports whether it did.
func (s *GitLabServer) throttled(w http.ResponseWriter, mode GitLabRateLimit, now time.Time) bool {
	h := w.Header()
	switch mode {
	case GitLabRateLimitThrottle:
		reset := now.Add(GitLabRetryAfter).Truncate(time.Second)
		h.Set("RateLimit-Name", "throttle_authenticated_api")
		h.Set("RateLimit-Limit", "2000")
		h.Set("RateLimit-Observed", "2001")
		h.Set("RateLimit-Remaining", "0")
		h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
		h.Set("Retry-After", strconv.Itoa(int(GitLabRetryAfter/time.Second)))
		fallthrough
	case GitLabRateLimitBare:
		glText(w, http.StatusTooManyRequests, "Retry later")
		return true
	case GitLabRateLimitEndpoint:
		glJSON(w, http.StatusTooManyRequests, map[string]any{"message": map[string]string{"error": "This endpoint has been requested too many times. Try again later."}})
		return true
	}
	return false
}

// successRateHeaders are the RateLimit-* headers gitlab.com sends on
// answers that are not throttled.
func (s *GitLabServer) successRateHeaders(h http.Header, now time.Time) {
	reset := now.Truncate(time.Minute).Add(time.Minute)
	h.Set("RateLimit-Limit", "2000")
	h.Set("RateLimit-Observed", "1")
	h.Set("RateLimit-Remaining", "1999")
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
}

func glJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func glInvalidToken(w http.ResponseWriter, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="`+desc+`"`)
	glJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": desc})
}

func glInsufficientScope(w http.ResponseWriter, accepted string) {
	glJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope", "error_description": gitlabInsufficientScope, "scope": accepted})
}

func glText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprint(w, body+"\n")
}

func glUserID(login string) int {
	h := sha256.Sum256([]byte(strings.ToLower(login)))
	return int(binary.BigEndian.Uint32(h[:4])%9000000) + 1000
}

// glValidSegment reports whether s is a valid GitLab path segment: ASCII
// letters, digits, '_', '-' and '.', not starting with '-' or '.', not
// ending in ".git" or ".atom".
func glValidSegment(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '-' || s[0] == '.' || strings.HasSuffix(s, ".git") || strings.HasSuffix(s, ".atom") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ---- git smart HTTP ----

// glGitReq is a git smart-HTTP request read from its path.
type glGitReq struct {
	project  string // "group/sub/project" without .git; "" when none
	service  string // "/info/refs", "/git-upload-pack", "/git-receive-pack"
	route    string
	write    bool
	redirect bool // a GET of info/refs without .git: 301
	ok       bool
}

// glParseGit reads p (below the root): /PATH.git/info/refs?service=…,
// /PATH.git/git-upload-pack, /PATH.git/git-receive-pack, or the info/refs
// GET without .git that GitLab redirects.
func glParseGit(r *http.Request, p string) glGitReq {
	for _, svc := range [...]string{"/info/refs", "/git-upload-pack", "/git-receive-pack"} {
		repo, ok := strings.CutSuffix(p, svc)
		if !ok {
			continue
		}
		repo = strings.TrimPrefix(repo, "/")
		q := glGitReq{service: svc}
		project, dotGit := strings.CutSuffix(repo, ".git")
		segs := strings.Split(project, "/")
		valid := len(segs) >= 2 && len(segs) <= 22
		for _, s := range segs {
			valid = valid && glValidSegment(s)
		}
		switch svc {
		case "/info/refs":
			q.route = "git info/refs"
			svcName := r.URL.Query().Get("service")
			if r.Method != http.MethodGet || (svcName != "git-upload-pack" && svcName != "git-receive-pack" && r.URL.RawQuery != "") {
				return glGitReq{route: "git other"}
			}
			if !dotGit {
				q.route, q.redirect, q.project, q.ok = "git redirect", true, project, valid
				return q
			}
			if svcName == "" {
				return glGitReq{route: "git other"} // the dumb protocol is not served
			}
			q.write = svcName == "git-receive-pack"
		case "/git-upload-pack":
			q.route = "git upload-pack"
		case "/git-receive-pack":
			q.route, q.write = "git receive-pack", true
		}
		if svc != "/info/refs" && r.Method != http.MethodPost || !dotGit {
			return glGitReq{route: "git other"}
		}
		q.project, q.ok = project, valid
		return q
	}
	return glGitReq{route: "git other"}
}

// gitUser returns the token that Basic credentials authenticate for Git,
// in GitLab's order, or nil (401). anonymous is true without credentials.
func (s *GitLabServer) gitUser(r *http.Request, now time.Time) (t *glTok, anonymous bool) {
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if r.Header.Get("Authorization") == "" {
		return nil, true
	}
	if !strings.EqualFold(scheme, "basic") {
		return nil, false
	}
	user, secret, ok := ghDecodeBasic(rest)
	if !ok || secret == "" {
		return nil, false
	}
	s.mu.Lock()
	t = s.tokens[secret]
	s.mu.Unlock()
	if t == nil || t.Revoked || s.expired(t.ExpiresAt, now) {
		return nil, false
	}
	switch t.Type {
	case GitLabJob:
		if user == "gitlab-ci-token" && !t.JobFinished {
			return t, false
		}
	case GitLabOAuth:
		if user == "oauth2" {
			return t, false
		}
	case GitLabDeploy:
		if user == t.Username {
			return t, false
		}
	default: // personal, project, group, impersonation: the user name is ignored
		return t, false
	}
	return nil, false
}

func (s *GitLabServer) gitUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="GitLab"`)
	glText(w, http.StatusUnauthorized, GitLabGitAccessDenied+s.HelpURL())
}

func (s *GitLabServer) serveGit(w http.ResponseWriter, r *http.Request, p string) {
	q := glParseGit(r, p)
	s.reqs.count(q.route)
	if !q.ok {
		glText(w, http.StatusNotFound, "Not Found")
		return
	}
	if q.redirect {
		loc := "http://" + r.Host + s.Root + "/" + q.project + ".git/info/refs"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusMovedPermanently)
		fmt.Fprintf(w, "<html><body>You are being <a href=\"%s\">redirected</a>.</body></html>", loc)
		return
	}
	now := s.clock()
	key := strings.ToLower(q.project)
	s.mu.Lock()
	proj := s.projects[key]
	s.mu.Unlock()
	t, anonymous := s.gitUser(r, now)
	if t == nil {
		if anonymous && proj != nil && proj.public && !q.write {
			s.serveRepo(w, r, proj, q, GitLabNoAccess)
			return
		}
		s.gitUnauthorized(w)
		return
	}
	// Abilities of the token come before the project is looked up.
	if !q.write && !t.canDownload() {
		glText(w, http.StatusForbidden, gitlabNoDownloadCode)
		return
	}
	if q.write && !t.canPush() {
		glText(w, http.StatusForbidden, gitlabNoUploadCode)
		return
	}
	role := GitLabNoAccess
	if proj != nil {
		role = t.role(key)
	}
	if role == GitLabNoAccess && (proj == nil || !proj.public || q.write) {
		switch t.Type {
		case GitLabProject, GitLabGroup, GitLabDeploy:
			// A bot or deploy token that cannot reach the project fails
			// authentication itself.
			s.gitUnauthorized(w)
		case GitLabJob:
			if proj == nil {
				glText(w, http.StatusNotFound, GitLabGitNotFound)
				return
			}
			glText(w, http.StatusForbidden, fmt.Sprintf("Authentication by CI/CD job token not allowed from %s to %s.", t.JobProject, proj.path))
		default:
			glText(w, http.StatusNotFound, GitLabGitNotFound)
		}
		return
	}
	switch {
	case t.Type == GitLabDeploy:
		// Deploy tokens act by their scopes alone.
	case !q.write && role < GitLabReporter && !proj.public:
		glText(w, http.StatusForbidden, gitlabNoDownloadProject)
		return
	case q.write && role < GitLabDeveloper:
		glText(w, http.StatusForbidden, gitlabNoPushProject)
		return
	}
	s.serveRepo(w, r, proj, q, role)
}

// serveRepo hands the request to git http-backend, telling the
// pre-receive hook which branches are protected and whether the pusher is
// a maintainer. Headers of those names from the client are dropped first.
func (s *GitLabServer) serveRepo(w http.ResponseWriter, r *http.Request, p *glProject, q glGitReq, role GitLabRole) {
	if s.git == nil {
		glText(w, http.StatusInternalServerError, ErrNoGit.Error())
		return
	}
	r2 := r.Clone(r.Context())
	for k := range r2.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-providertest-") {
			r2.Header.Del(k)
		}
	}
	r2.Header.Set("X-Providertest-Protected", strings.Join(p.protected, " "))
	if role >= GitLabMaintainer {
		r2.Header.Set("X-Providertest-Maintainer", "1")
	}
	s.git.serve(w, r2, p.rel, q.service)
}

// glPreReceive enforces protected branches as GitLab's branch checks do,
// and prints GitLab's messages, which git shows as "remote: GitLab: …".
const glPreReceive = `#!/bin/sh
set -f
z=0000000000000000000000000000000000000000
while read -r old new ref; do
	case "$ref" in refs/heads/*) ;; *) continue ;; esac
	b=${ref#refs/heads/}
	if [ "$new" = "$z" ] && [ "$b" = main ]; then
		echo "GitLab: The default branch of a project cannot be deleted." >&2
		exit 1
	fi
	if [ "$old" = "$z" ] && printf '%s' "$b" | grep -Eqx '[0-9a-fA-F]{40}'; then
		echo "GitLab: You cannot create a branch with a 40-character hexadecimal branch name." >&2
		exit 1
	fi
	for p in $HTTP_X_PROVIDERTEST_PROTECTED; do
		case "$b" in
		$p)
			if [ "$new" = "$z" ]; then
				if [ "$HTTP_X_PROVIDERTEST_MAINTAINER" = 1 ]; then
					echo "GitLab: You can only delete protected branches using the web interface." >&2
				else
					echo "GitLab: You are not allowed to delete protected branches from this project. Only a project maintainer or owner can delete a protected branch." >&2
				fi
				exit 1
			fi
			if [ "$HTTP_X_PROVIDERTEST_MAINTAINER" != 1 ]; then
				if [ "$old" = "$z" ]; then
					echo "GitLab: You are not allowed to create protected branches on this project." >&2
				else
					echo "GitLab: You are not allowed to push code to protected branches on this project." >&2
				fi
				exit 1
			fi
			if [ "$old" != "$z" ] && ! git merge-base --is-ancestor "$old" "$new"; then
				echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
				exit 1
			fi
			;;
		esac
	done
done
exit 0
`

var _ http.Handler = (*GitLabServer)(nil)
