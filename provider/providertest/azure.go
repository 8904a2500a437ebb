package providertest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AzureAnonymousID is the identity id Azure DevOps reports for the anonymous
// user, e.g. when an organization with public projects receives a bad token.
const AzureAnonymousID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

// AzureToken describes what the fake Azure DevOps server grants one personal
// access token.
type AzureToken struct {
	// ID is the identity id, a real UUID string; "" derives one
	// deterministically from UniqueName, DisplayName or the secret. A value
	// that is not a UUID is replaced by one derived from it.
	ID          string
	DisplayName string
	// UniqueName is the account name, e.g. "ada@contoso.example"; it appears
	// as the identity's "Account" property.
	UniqueName string
	// Scopes are PAT scopes such as "vso.code", "vso.code_write",
	// "vso.build", or "app_token" (full access). A scope grants every scope
	// it inherits from, as on Azure DevOps: vso.code_write grants vso.code.
	Scopes []string
	// Orgs are the organizations (collections) the token is valid for, as
	// for organization-scoped PATs; empty means every organization.
	Orgs []string
	// Expired tokens get 401 "Access Denied: The Personal Access Token used
	// has expired."
	Expired bool
	// Revoked tokens are treated as unknown tokens.
	Revoked bool
}

// AzureServer is a fake Azure DevOps Services (and Server) host on loopback:
// connectionData, the SDK's discovery routes, a few read endpoints guarded by
// PAT scopes, and real Git repositories over smart HTTP through
// git http-backend. Organizations live at URL/{org}; collections added with
// [AzureServer.AddCollection] live at URL/tfs/{collection}, the shape of
// Azure DevOps Server. Names are matched case-insensitively, as Azure DevOps
// does (the Go SDK lower-cases its base URL).
//
// Differences from the real service, by design: packaging feeds are served
// under the organization path (real Azure DevOps serves them on
// feeds.dev.azure.com/{org}); the bodies of scope failures are the TF400813
// JSON with the user's id (the real body is not documented); and an
// organization with public projects answers the anonymous user only on
// connectionData and the discovery routes.
//
// It is safe for concurrent use. Make one with [NewAzureServer].
type AzureServer struct {
	// URL is the server root, e.g. "http://127.0.0.1:41235". An organization
	// lives at URL + "/" + org (see [AzureServer.OrgURL]).
	URL string

	srv    *http.Server
	root   string
	git    *gitBackend
	gitErr error

	mu     sync.Mutex
	orgs   map[string]*azOrg // lower-case name
	tokens map[string]*azTok // secret
	reqs   requestCounter
	seq    uint64
	faults faults
	// hostile is the mode SetHostile sets (hostile.go).
	hostile hostile
}

type azOrg struct {
	name       string
	public     bool
	onPrem     bool
	instanceID string
	projects   map[string]*azProject // lower-case name
}

type azProject struct {
	name  string
	id    string
	repos map[string]*azRepo // lower-case name
}

type azRepo struct {
	name string
	id   string
	dir  string // relative to the server's root, e.g. "<id>.git"
}

type azTok struct {
	AzureToken
	scopes map[string]bool // with everything the granted scopes inherit
}

// NewAzureServer starts a fake Azure DevOps server on 127.0.0.1. Close it
// when done; its repositories live in a temporary directory that Close
// removes. Without git installed the REST side works and AddRepo returns
// [ErrNoGit].
func NewAzureServer() (*AzureServer, error) {
	root, err := os.MkdirTemp("", "providertest-azure-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("providertest: listen: %w", err)
	}
	s := &AzureServer{
		URL:    "http://" + ln.Addr().String(),
		root:   root,
		orgs:   map[string]*azOrg{},
		tokens: map[string]*azTok{},
	}
	s.git, s.gitErr = newGitBackend(root)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed on Close
	return s, nil
}

// Close stops the server and removes its repositories.
func (s *AzureServer) Close() {
	stopServer(s.srv)
	os.RemoveAll(s.root)
}

// OrgURL returns URL + "/" + org, the organization's base URL (use it as
// provider.Config.BaseURL).
func (s *AzureServer) OrgURL(org string) string { return s.URL + "/" + url.PathEscape(org) }

// AddOrg adds an organization (or updates it). With publicProjects, an
// unknown or missing token gets 200 on connectionData as the anonymous user
// ([AzureAnonymousID]), as Azure DevOps answers for organizations that have
// public projects.
func (s *AzureServer) AddOrg(org string, publicProjects bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgLocked(org)
	o.public = publicProjects
}

// AddCollection adds an Azure DevOps Server collection served at
// URL/tfs/{collection} and returns that URL (use it as
// provider.Config.BaseURL). connectionData reports deploymentType
// "onPremises", ResourceAreas is empty (the SDK then uses the collection URL
// for every area), and 401s challenge with Negotiate and NTLM besides Basic.
func (s *AzureServer) AddCollection(collection string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgLocked(collection)
	o.onPrem = true
	return s.URL + "/tfs/" + url.PathEscape(collection)
}

func (s *AzureServer) orgLocked(name string) *azOrg {
	key := strings.ToLower(name)
	o := s.orgs[key]
	if o == nil {
		o = &azOrg{name: name, instanceID: azUUID("instance\x00" + key), projects: map[string]*azProject{}}
		s.orgs[key] = o
	}
	return o
}

// AddToken registers secret (any string: the fake does not check formats,
// like Azure DevOps Server) with what it grants.
func (s *AzureServer) AddToken(secret string, tok AzureToken) {
	t := &azTok{AzureToken: tok, scopes: map[string]bool{}}
	t.Scopes = append([]string(nil), tok.Scopes...)
	t.Orgs = append([]string(nil), tok.Orgs...)
	if !azIsUUID(t.ID) {
		seed := t.ID
		if seed == "" {
			seed = t.UniqueName
		}
		if seed == "" {
			seed = t.DisplayName
		}
		if seed == "" {
			sum := sha256.Sum256([]byte(secret))
			seed = hex.EncodeToString(sum[:])
		}
		t.ID = azUUID("user\x00" + seed)
	}
	if t.DisplayName == "" {
		t.DisplayName = t.UniqueName
	}
	for _, sc := range tok.Scopes {
		azGrant(t.scopes, strings.ToLower(strings.TrimSpace(sc)))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[secret] = t
}

// AddRepo creates a bare repository with one commit on main holding files
// (a README when empty) at org/project/name, creating the organization and
// project if needed.
func (s *AzureServer) AddRepo(org, project, name string, files map[string]string) error {
	if s.gitErr != nil {
		return s.gitErr
	}
	if org == "" || project == "" || name == "" {
		return errors.New("providertest: AddRepo needs an organization, a project and a name")
	}
	id := azUUID("repo\x00" + strings.ToLower(org+"\x00"+project+"\x00"+name))
	s.mu.Lock()
	o := s.orgLocked(org)
	p := o.projects[strings.ToLower(project)]
	if p == nil {
		p = &azProject{name: project, id: azUUID("project\x00" + strings.ToLower(org+"\x00"+project)), repos: map[string]*azRepo{}}
		o.projects[strings.ToLower(project)] = p
	}
	if _, dup := p.repos[strings.ToLower(name)]; dup {
		s.mu.Unlock()
		return fmt.Errorf("providertest: repository %s/%s/%s exists", org, project, name)
	}
	r := &azRepo{name: name, id: id, dir: id + ".git"}
	p.repos[strings.ToLower(name)] = r
	s.mu.Unlock()
	if err := CreateBareRepo(filepath.Join(s.root, r.dir), files); err != nil {
		s.mu.Lock()
		delete(p.repos, strings.ToLower(name))
		s.mu.Unlock()
		return err
	}
	return nil
}

// Requests returns how many requests reached route since the last
// ResetCounts, whether or not they were authorized. Routes: "OPTIONS /_apis",
// "GET ResourceAreas", "GET connectionData", "GET git/repositories",
// "GET git/repository", "GET git/refs", "GET projects", "GET teams",
// "GET build/builds", "GET build/resourceusage", "GET wit/fields",
// "GET wit/workitemrelationtypes", "GET packaging/feeds",
// "GET distributedtask/pools", "git info/refs", "git upload-pack",
// "git receive-pack", and "other" for anything else.
func (s *AzureServer) Requests(route string) int {
	return s.reqs.requests(route)
}

// TotalRequests returns how many requests the server received since the
// last ResetCounts.
func (s *AzureServer) TotalRequests() int {
	return s.reqs.totalRequests()
}

// ResetCounts sets every request counter to zero.
func (s *AzureServer) ResetCounts() {
	s.reqs.reset()
}

func (s *AzureServer) count(route string) {
	s.reqs.count(route)
}

// ---------------------------------------------------------------------------
// Scopes

// azScopeParents maps a PAT scope to the scopes it inherits from, as the
// Azure DevOps scope table says ("Inherits From"): granting the child grants
// the parents.
var azScopeParents = map[string][]string{
	"vso.code":                   {"vso.hooks_write"},
	"vso.code_write":             {"vso.code"},
	"vso.code_manage":            {"vso.code_write"},
	"vso.code_full":              {"vso.code_manage"},
	"vso.build":                  {"vso.hooks_write"},
	"vso.build_execute":          {"vso.build"},
	"vso.work":                   {"vso.hooks_write"},
	"vso.work_write":             {"vso.work"},
	"vso.work_full":              {"vso.work_write"},
	"vso.project_write":          {"vso.project"},
	"vso.project_manage":         {"vso.project_write"},
	"vso.packaging":              {"vso.profile"},
	"vso.packaging_write":        {"vso.packaging"},
	"vso.packaging_manage":       {"vso.packaging_write"},
	"vso.release":                {"vso.profile"},
	"vso.release_execute":        {"vso.release"},
	"vso.release_manage":         {"vso.release_execute"},
	"vso.agentpools_manage":      {"vso.agentpools"},
	"vso.environment_manage":     {"vso.agentpools_manage"},
	"vso.machinegroup_manage":    {"vso.agentpools_manage"},
	"vso.hooks":                  {"vso.profile"},
	"vso.hooks_write":            {"vso.hooks"},
	"vso.hooks_interact":         {"vso.profile"},
	"vso.auditstreams_manage":    {"vso.auditlog"},
	"vso.graph_manage":           {"vso.graph"},
	"vso.identity_manage":        {"vso.identity"},
	"vso.wiki_write":             {"vso.wiki"},
	"vso.test_write":             {"vso.test"},
	"vso.symbols_write":          {"vso.symbols"},
	"vso.symbols_manage":         {"vso.symbols_write"},
	"vso.dashboards_manage":      {"vso.dashboards"},
	"vso.notification_write":     {"vso.notification"},
	"vso.notification_manage":    {"vso.notification_write"},
	"vso.serviceendpoint_manage": {"vso.serviceendpoint_query"},
	"vso.serviceendpoint_query":  {"vso.serviceendpoint"},
	"vso.variablegroups_write":   {"vso.variablegroups_read"},
	"vso.variablegroups_manage":  {"vso.variablegroups_write"},
	"vso.taskgroups_write":       {"vso.taskgroups_read"},
	"vso.taskgroups_manage":      {"vso.taskgroups_write"},
	"vso.profile_write":          {"vso.profile"},
}

func azGrant(set map[string]bool, scope string) {
	if scope == "" || set[scope] {
		return
	}
	set[scope] = true
	for _, p := range azScopeParents[scope] {
		azGrant(set, p)
	}
}

// has reports whether the token grants any of scopes (app_token grants all).
func (t *azTok) has(scopes ...string) bool {
	if t.scopes["app_token"] {
		return true
	}
	for _, s := range scopes {
		if t.scopes[s] {
			return true
		}
	}
	return false
}

func (t *azTok) validFor(org string) bool {
	if len(t.Orgs) == 0 {
		return true
	}
	for _, o := range t.Orgs {
		if strings.EqualFold(o, org) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Routing

// azReq is one parsed request.
type azReq struct {
	org     *azOrg
	orgName string
	project string   // project segment before _apis or _git, unescaped
	api     []string // lower-case segments after _apis
	apiRaw  []string // the same, case kept
	gitRepo string   // repository segment after _git
	gitSvc  string   // "info/refs", "git-upload-pack", "git-receive-pack"
	isGit   bool
}

// ServeHTTP implements http.Handler, through the fault set with
// [AzureServer.SetFault], if any.
func (s *AzureServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.serve(w, r, func(w http.ResponseWriter, r *http.Request) {
		s.hostile.serve(w, r, func(r *http.Request) bool { return !strings.Contains(r.URL.Path, "/_git/") }, func(w http.ResponseWriter, r *http.Request) {
			s.faults.serve(w, r, s.routeOf, s.count, s.route)
		})
	})
}

// SetLatency delays every request (API and git alike) by d before the
// server answers it, as a real host's round trip does: benchmarks and
// tests then see round trips. 0 (the default) answers at once.
func (s *AzureServer) SetLatency(d time.Duration) { s.reqs.setLatency(d) }

// MaxInFlight returns the most requests the server had in flight at once
// since it started or the last ResetCounts: 1 for requests sent one after
// another, more for requests sent concurrently.
func (s *AzureServer) MaxInFlight() int { return s.reqs.maxInFlight() }

func (s *AzureServer) route(w http.ResponseWriter, r *http.Request) {
	q, ok := s.parse(r)
	route := "other"
	if ok {
		route = q.route(r)
	}
	s.count(route)
	if !ok {
		azJSONError(w, http.StatusNotFound, "VS800075: The organization or collection was not found.", "ProjectDoesNotExistWithNameException")
		return
	}
	if q.isGit {
		s.serveGit(w, r, q, route)
		return
	}
	s.serveAPI(w, r, q, route)
}

func (s *AzureServer) parse(r *http.Request) (*azReq, bool) {
	var segs []string
	for _, e := range strings.Split(r.URL.EscapedPath(), "/") {
		if e == "" {
			continue
		}
		u, err := url.PathUnescape(e)
		if err != nil {
			return nil, false
		}
		segs = append(segs, u)
	}
	s.mu.Lock()
	var o *azOrg
	if len(segs) >= 2 && strings.EqualFold(segs[0], "tfs") {
		if c := s.orgs[strings.ToLower(segs[1])]; c != nil && c.onPrem {
			o, segs = c, segs[1:]
		}
	}
	if o == nil && len(segs) >= 1 {
		if c := s.orgs[strings.ToLower(segs[0])]; c != nil && !c.onPrem {
			o = c
		}
	}
	s.mu.Unlock()
	if o == nil {
		return nil, false
	}
	q := &azReq{org: o, orgName: segs[0]}
	rest := segs[1:]
	switch {
	case len(rest) >= 1 && strings.EqualFold(rest[0], "_apis"):
		q.apiRaw = rest[1:]
	case len(rest) >= 2 && strings.EqualFold(rest[1], "_apis"):
		q.project, q.apiRaw = rest[0], rest[2:]
	case len(rest) >= 2 && strings.EqualFold(rest[0], "_git"):
		q.isGit = true
		rest = rest[1:]
	case len(rest) >= 3 && strings.EqualFold(rest[1], "_git"):
		q.isGit = true
		q.project, rest = rest[0], rest[2:]
	default:
		return q, true // "other"
	}
	if q.isGit {
		if len(rest) >= 2 && (strings.EqualFold(rest[0], "_optimized") || strings.EqualFold(rest[0], "_full")) {
			rest = rest[1:]
		}
		q.gitRepo = rest[0]
		if q.project == "" {
			q.project = q.gitRepo
		}
		q.gitSvc = strings.Join(rest[1:], "/")
		return q, true
	}
	for _, a := range q.apiRaw {
		q.api = append(q.api, strings.ToLower(a))
	}
	return q, true
}

// route names the request for the counters.
func (q *azReq) route(r *http.Request) string {
	if q.isGit {
		switch q.gitSvc {
		case "info/refs":
			return "git info/refs"
		case "git-upload-pack":
			return "git upload-pack"
		case "git-receive-pack":
			return "git receive-pack"
		}
		return "other"
	}
	if q.apiRaw == nil {
		return "other"
	}
	a, p := q.api, q.project != ""
	if r.Method == http.MethodOptions && len(a) == 0 && !p {
		return "OPTIONS /_apis"
	}
	if r.Method != http.MethodGet {
		return "other"
	}
	at := func(i int) string {
		if i < len(a) {
			return a[i]
		}
		return ""
	}
	switch {
	case !p && at(0) == "resourceareas" && len(a) <= 2:
		return "GET ResourceAreas"
	case !p && at(0) == "connectiondata" && len(a) == 1:
		return "GET connectionData"
	case at(0) == "git" && at(1) == "repositories" && len(a) == 2:
		return "GET git/repositories"
	case at(0) == "git" && at(1) == "repositories" && len(a) == 3:
		return "GET git/repository"
	case at(0) == "git" && at(1) == "repositories" && at(3) == "refs":
		return "GET git/refs"
	case !p && at(0) == "projects" && len(a) <= 2:
		return "GET projects"
	case !p && at(0) == "teams" && len(a) == 1:
		return "GET teams"
	case p && at(0) == "build" && at(1) == "builds" && len(a) == 2:
		return "GET build/builds"
	case !p && at(0) == "build" && at(1) == "resourceusage" && len(a) == 2:
		return "GET build/resourceusage"
	case at(0) == "wit" && at(1) == "fields" && len(a) == 2:
		return "GET wit/fields"
	case !p && at(0) == "wit" && at(1) == "workitemrelationtypes" && len(a) == 2:
		return "GET wit/workitemrelationtypes"
	case at(0) == "packaging" && at(1) == "feeds" && len(a) == 2:
		return "GET packaging/feeds"
	case !p && at(0) == "distributedtask" && at(1) == "pools" && len(a) == 2:
		return "GET distributedtask/pools"
	}
	return "other"
}

// azRouteScopes lists, per route, the scopes of which the token needs one
// (from the scope table of the Azure DevOps REST specification, 7.1).
// Routes absent here need a valid token and no scope.
var azRouteScopes = map[string][]string{
	"GET git/repositories":          {"vso.code"},
	"GET git/repository":            {"vso.code"},
	"GET git/refs":                  {"vso.code"},
	"GET projects":                  {"vso.project", "vso.profile"},
	"GET teams":                     {"vso.project"},
	"GET build/builds":              {"vso.build"},
	"GET build/resourceusage":       {"vso.build"},
	"GET wit/fields":                {"vso.work"},
	"GET wit/workitemrelationtypes": {"vso.work"},
	"GET packaging/feeds":           {"vso.packaging"},
	"GET distributedtask/pools":     {"vso.agentpools"},
}

// authResult is how the request authenticated.
type authResult int

const (
	authOK       authResult = iota
	authNone                // no Authorization header
	authBad                 // unknown or revoked token, or not Basic
	authExpired             // expired token
	authWrongOrg            // valid token, scoped to other organizations
)

func (s *AzureServer) authenticate(r *http.Request, org *azOrg) (*azTok, authResult) {
	if r.Header.Get("Authorization") == "" {
		return nil, authNone
	}
	_, secret, ok := r.BasicAuth()
	if !ok {
		return nil, authBad
	}
	s.mu.Lock()
	t := s.tokens[secret]
	s.mu.Unlock()
	switch {
	case t == nil || t.Revoked:
		return nil, authBad
	case t.Expired:
		return t, authExpired
	case !t.validFor(org.name):
		return t, authWrongOrg
	}
	return t, authOK
}

const (
	azExpiredMessage = "Access Denied: The Personal Access Token used has expired."
	azRealm          = "https://tfsprodcus3.visualstudio.com/"
)

func azTF400813(userID string) string {
	return "TF400813: The user '" + userID + "' is not authorized to access this resource."
}

// azAPIVersion matches the api-version forms clients send: "7.1",
// "7.1-preview", "7.1-preview.1".
var azAPIVersion = regexp.MustCompile(`^\d+\.\d+(-preview(\.\d+)?)?$`)

// azRequestAPIVersions returns the api-versions of a REST request: from the
// Accept header (where Microsoft's SDKs put it, e.g.
// "application/json;api-version=7.1-preview.1") and from the query. Neither
// is required: Azure DevOps then picks the version.
func azRequestAPIVersions(r *http.Request) []string {
	var out []string
	for _, part := range strings.Split(r.Header.Get("Accept"), ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, "api-version") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	if v := r.URL.Query().Get("api-version"); v != "" {
		out = append(out, v)
	}
	return out
}

func (s *AzureServer) serveAPI(w http.ResponseWriter, r *http.Request, q *azReq, route string) {
	for _, v := range azRequestAPIVersions(r) {
		if !azAPIVersion.MatchString(v) {
			// The exact body of this answer is not documented; the status is 400.
			azJSONError(w, http.StatusBadRequest, "The requested REST API version of "+v+" is not in a valid format.", "InvalidApiVersionException")
			return
		}
	}
	tok, res := s.authenticate(r, q.org)
	suppress := strings.EqualFold(r.Header.Get("X-TFS-FedAuthRedirect"), "Suppress")
	anonymousOK := route == "OPTIONS /_apis" || route == "GET ResourceAreas" ||
		(route == "GET connectionData" && q.org.public)
	switch {
	case res == authOK:
	case res == authNone && anonymousOK, res == authBad && anonymousOK && q.org.public:
		// Served to the anonymous user.
	case res == authExpired:
		if !suppress {
			s.signInPage(w)
			return
		}
		s.unauthorized(w, q.org, azExpiredMessage, "AccessCheckException", true)
		return
	case res == authWrongOrg:
		s.unauthorized(w, q.org, azTF400813(tok.ID), "UnauthorizedRequestException", false)
		return
	default:
		if !suppress {
			s.signInPage(w)
			return
		}
		s.unauthorized(w, q.org, azTF400813(""), "UnauthorizedRequestException", false)
		return
	}
	if need := azRouteScopes[route]; need != nil && (tok == nil || !tok.has(need...)) {
		id := AzureAnonymousID
		if tok != nil {
			id = tok.ID
		}
		s.unauthorized(w, q.org, azTF400813(id), "UnauthorizedRequestException", false)
		return
	}
	switch route {
	case "OPTIONS /_apis":
		azJSON(w, http.StatusOK, azCollection(azLocations()))
	case "GET ResourceAreas":
		s.resourceAreas(w, q)
	case "GET connectionData":
		s.connectionData(w, q, tok)
	case "GET git/repositories":
		s.repositories(w, q)
	case "GET git/repository", "GET git/refs":
		s.repository(w, q, route)
	case "GET projects":
		s.projects(w, q)
	case "GET build/builds":
		if s.project(q) == nil {
			azProjectNotFound(w, q.project)
			return
		}
		azJSON(w, http.StatusOK, azCollection([]any{}))
	case "GET teams", "GET wit/fields", "GET packaging/feeds", "GET distributedtask/pools":
		if q.project != "" && s.project(q) == nil {
			azProjectNotFound(w, q.project)
			return
		}
		azJSON(w, http.StatusOK, azCollection([]any{}))
	case "GET build/resourceusage":
		azJSON(w, http.StatusOK, map[string]any{"distributedTaskAgents": 1, "paidPrivateAgentSlots": 0, "totalUsage": 0, "xamlControllers": 0})
	case "GET wit/workitemrelationtypes":
		azJSON(w, http.StatusOK, azCollection([]any{
			map[string]any{"name": "Parent", "referenceName": "System.LinkTypes.Hierarchy-Reverse", "attributes": map[string]any{"usage": "workItemLink", "enabled": true}},
		}))
	default:
		azJSONError(w, http.StatusNotFound, "The controller for path '"+r.URL.Path+"' was not found or does not implement IController.", "HttpException")
	}
}

// unauthorized writes a 401 with the headers Azure DevOps sends.
func (s *AzureServer) unauthorized(w http.ResponseWriter, o *azOrg, message, typeKey string, accessCheck bool) {
	s.challenge(w, o)
	w.Header().Set("X-TFS-ServiceError", azServiceError(message))
	body := map[string]any{
		"$id": "1", "innerException": nil, "message": message,
		"typeName": "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server",
		"typeKey":  typeKey, "errorCode": 0, "eventId": 3000,
	}
	if accessCheck {
		body["typeName"] = "Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi"
		body["customProperties"] = map[string]any{
			"Descriptor": nil, "IdentityDisplayName": nil, "Token": nil, "RequestedPermissions": 0,
			"NamespaceId": "00000000-0000-0000-0000-000000000000",
		}
	}
	azJSON(w, http.StatusUnauthorized, body)
}

// challenge sets the authentication headers of a 401.
func (s *AzureServer) challenge(w http.ResponseWriter, o *azOrg) {
	h := w.Header()
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	activity := azUUID("activity\x00" + strconv.FormatUint(n, 10))
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("X-TFS-ProcessId", azUUID("process\x00"+s.URL))
	h.Set("ActivityId", activity)
	h.Set("X-VSS-E2EID", activity)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	if o.onPrem {
		h.Add("WWW-Authenticate", "Bearer")
		h.Add("WWW-Authenticate", `Basic realm="`+s.URL+`/tfs"`)
		h.Add("WWW-Authenticate", "Negotiate")
		h.Add("WWW-Authenticate", "NTLM")
		return
	}
	tenant := azUUID("tenant")
	h.Add("WWW-Authenticate", "Bearer authorization_uri=https://login.microsoftonline.com/"+tenant)
	h.Add("WWW-Authenticate", `Basic realm="`+azRealm+`"`)
	h.Add("WWW-Authenticate", "TFS-Federated")
	h.Set("X-TFS-FedAuthRealm", azRealm)
	h.Set("X-TFS-FedAuthIssuer", "https://"+strings.ToLower(o.name)+".visualstudio.com/")
	h.Set("X-VSS-ResourceTenant", tenant)
}

// signInPage answers like Azure DevOps does without X-TFS-FedAuthRedirect:
// 203 and an HTML sign-in page.
func (s *AzureServer) signInPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.WriteHeader(http.StatusNonAuthoritativeInfo)
	io.WriteString(w, azSignInHTML)
}

const azSignInHTML = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Azure DevOps Services | Sign In</title>
</head>
<body>
<div id="signin">Sign in to Azure DevOps. <a href="https://app.vssps.visualstudio.com/_signin">Sign in</a></div>
</body>
</html>
`

func azServiceError(message string) string {
	return strings.ReplaceAll(url.QueryEscape(message), "+", "%20")
}

func azJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func azJSONError(w http.ResponseWriter, status int, message, typeKey string) {
	azJSON(w, status, map[string]any{
		"$id": "1", "innerException": nil, "message": message,
		"typeName": "Microsoft.TeamFoundation.Core.WebApi." + typeKey + ", Microsoft.TeamFoundation.Core.WebApi",
		"typeKey":  typeKey, "errorCode": 0, "eventId": 3000,
	})
}

func azProjectNotFound(w http.ResponseWriter, project string) {
	azJSONError(w, http.StatusNotFound, "TF200016: The following project does not exist: "+project+". Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", "ProjectDoesNotExistWithNameException")
}

func azRepoNotFoundMessage(name string) string {
	return "TF401019: The Git repository with name or identifier " + name + " does not exist or you do not have permissions for the operation you are attempting."
}

func azCollection[T any](items []T) map[string]any {
	return map[string]any{"count": len(items), "value": items}
}

// ---------------------------------------------------------------------------
// REST bodies

// azLocation is one ApiResourceLocation of the OPTIONS /_apis answer.
type azLocation struct {
	ID              string `json:"id"`
	Area            string `json:"area"`
	ResourceName    string `json:"resourceName"`
	RouteTemplate   string `json:"routeTemplate"`
	ResourceVersion int    `json:"resourceVersion"`
	MinVersion      string `json:"minVersion"`
	MaxVersion      string `json:"maxVersion"`
	ReleasedVersion string `json:"releasedVersion"`
}

// azLocations is what OPTIONS /_apis lists: enough for the Go SDK's
// location, git, core, build, work item tracking, feed and task agent
// clients to call the routes the fake serves.
func azLocations() []azLocation {
	loc := func(id, area, res, tmpl, released string) azLocation {
		return azLocation{ID: id, Area: area, ResourceName: res, RouteTemplate: tmpl, ResourceVersion: 1, MinVersion: "1.0", MaxVersion: "7.2", ReleasedVersion: released}
	}
	return []azLocation{
		loc("00d9565f-ed9c-4a06-9a50-00e7896ccab4", "Location", "connectionData", "_apis/{resource}", "0.0"),
		loc("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/{resource}/{areaId}", "0.0"),
		loc("225f7195-f9c7-4d14-ab28-a83f7ff77e1f", "git", "repositories", "{project}/_apis/{area}/{resource}/{repositoryId}", "7.1"),
		loc("2d874a60-a811-4f62-9c9f-963a6ea0a55b", "git", "refs", "{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{*filter}", "7.1"),
		loc("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "core", "projects", "_apis/{resource}/{*projectId}", "7.1"),
		loc("7a4d9ee9-3433-4347-b47a-7a80f1cf307e", "core", "teams", "_apis/{resource}", "0.0"),
		loc("0cd358e1-9217-4d94-8269-1c1ee6f93dcf", "build", "builds", "{project}/_apis/{area}/{resource}/{buildId}", "7.1"),
		loc("3813d06c-9e36-4ea1-aac3-61a485d60e3d", "build", "ResourceUsage", "_apis/{area}/{resource}", "0.0"),
		loc("b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94", "wit", "fields", "{project}/_apis/{area}/{resource}/{fieldNameOrRefName}", "7.1"),
		loc("f5d33bc9-5b49-4a3c-a9bd-f3cd46dd2165", "wit", "workItemRelationTypes", "_apis/{area}/{resource}/{relation}", "7.1"),
		loc("c65009a7-474a-4ad1-8b42-7d852107ef8c", "Packaging", "Feeds", "{project}/_apis/{area}/{resource}/{feedId}", "0.0"),
		loc("a8c47e17-4d56-4a56-92bb-de7ea7dc65be", "distributedtask", "pools", "_apis/{area}/{resource}/{poolId}", "7.1"),
	}
}

// azAreas are the resource areas ResourceAreas lists (hosted organizations).
var azAreas = []struct{ id, name string }{
	{"4e080c62-fa21-4fbc-8fef-2a10a2b38049", "git"},
	{"79134c72-4a58-4b42-976c-04e7115f32bf", "core"},
	{"965220d5-5bb9-42cf-8d67-9b146df2a5a4", "build"},
	{"5264459e-e5e0-4bd8-b118-0985e68a4ec5", "wit"},
	{"7ab4e64e-c4d8-4f50-ae73-5ef2e21642a5", "Packaging"},
	{"a85b8835-c1a1-4aac-ae97-1c3d0ba72dbd", "distributedtask"},
}

func (s *AzureServer) orgBase(q *azReq) string {
	if q.org.onPrem {
		return s.URL + "/tfs/" + url.PathEscape(q.org.name)
	}
	return s.URL + "/" + url.PathEscape(q.org.name)
}

func (s *AzureServer) resourceAreas(w http.ResponseWriter, q *azReq) {
	if q.org.onPrem {
		// Azure DevOps Server returns no areas; clients use the collection URL.
		azJSON(w, http.StatusOK, azCollection([]any{}))
		return
	}
	var out []any
	for _, a := range azAreas {
		out = append(out, map[string]any{"id": a.id, "name": a.name, "locationUrl": s.orgBase(q) + "/"})
	}
	azJSON(w, http.StatusOK, azCollection(out))
}

func (s *AzureServer) connectionData(w http.ResponseWriter, q *azReq, tok *azTok) {
	var user map[string]any
	if tok == nil {
		user = map[string]any{
			"id":                  AzureAnonymousID,
			"descriptor":          "System:PublicAccess;" + AzureAnonymousID,
			"subjectDescriptor":   "s2s.YWFhYWFhYWEtYWFhYS1hYWFhLWFhYWEtYWFhYWFhYWFhYWFh",
			"providerDisplayName": "Anonymous",
			"isActive":            true, "isContainer": false,
			"properties": map[string]any{}, "resourceVersion": 2, "metaTypeId": 255,
		}
	} else {
		props := map[string]any{}
		if tok.UniqueName != "" {
			props["Account"] = map[string]any{"$type": "System.String", "$value": tok.UniqueName}
		}
		user = map[string]any{
			"id":                  tok.ID,
			"descriptor":          "Microsoft.IdentityModel.Claims.ClaimsIdentity;" + azUUID("tenant") + "\\" + tok.UniqueName,
			"subjectDescriptor":   "aad." + base64.RawStdEncoding.EncodeToString([]byte(tok.ID)),
			"providerDisplayName": tok.DisplayName,
			"isActive":            true, "isContainer": false, "memberIds": []string{}, "memberOf": []string{}, "members": []string{},
			"properties": props, "resourceVersion": 2, "metaTypeId": 0,
		}
	}
	deployment, dir := "hosted", "/"+strings.ToLower(q.org.name)+"/"
	if q.org.onPrem {
		deployment, dir = "onPremises", "/tfs/"
	}
	azJSON(w, http.StatusOK, map[string]any{
		"authenticatedUser": user,
		"authorizedUser":    user,
		"instanceId":        q.org.instanceID,
		"deploymentId":      azUUID("deployment\x00" + deployment),
		"deploymentType":    deployment,
		"locationServiceData": map[string]any{
			"serviceOwner":                "00025394-6065-48ca-87d9-7f5672854ef7",
			"defaultAccessMappingMoniker": "PublicAccessMapping",
			"lastChangeId":                305, "lastChangeId64": 305,
		},
		"webApplicationRelativeDirectory": dir,
	})
}

// project returns the project q names (by name or id), or nil.
func (s *AzureServer) project(q *azReq) *azProject {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := q.org.projects[strings.ToLower(q.project)]; p != nil {
		return p
	}
	for _, p := range q.org.projects {
		if strings.EqualFold(p.id, q.project) {
			return p
		}
	}
	return nil
}

func (s *AzureServer) repoJSON(q *azReq, p *azProject, r *azRepo) map[string]any {
	base := s.orgBase(q)
	remote := base + "/" + url.PathEscape(p.name) + "/_git/" + url.PathEscape(r.name)
	if strings.EqualFold(p.name, r.name) {
		remote = base + "/_git/" + url.PathEscape(r.name)
	}
	return map[string]any{
		"id":   r.id,
		"name": r.name,
		"url":  base + "/" + p.id + "/_apis/git/repositories/" + r.id,
		"project": map[string]any{
			"id": p.id, "name": p.name, "url": base + "/_apis/projects/" + p.id,
			"state": "wellFormed", "visibility": "private", "revision": 11,
		},
		"defaultBranch": "refs/heads/main",
		"size":          1024,
		"remoteUrl":     remote,
		"webUrl":        remote,
		"isDisabled":    false,
	}
}

func (s *AzureServer) repositories(w http.ResponseWriter, q *azReq) {
	var projects []*azProject
	if q.project != "" {
		p := s.project(q)
		if p == nil {
			azProjectNotFound(w, q.project)
			return
		}
		projects = []*azProject{p}
	} else {
		s.mu.Lock()
		for _, p := range q.org.projects {
			projects = append(projects, p)
		}
		s.mu.Unlock()
	}
	var out []any
	s.mu.Lock()
	for _, p := range projects {
		for _, r := range p.repos {
			out = append(out, s.repoJSON(q, p, r))
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		return out[i].(map[string]any)["name"].(string) < out[j].(map[string]any)["name"].(string)
	})
	if out == nil {
		out = []any{}
	}
	azJSON(w, http.StatusOK, azCollection(out))
}

// findRepo finds repository name (or id) in project (all projects when "").
func (s *AzureServer) findRepo(q *azReq, name string) (*azProject, *azRepo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range q.org.projects {
		if q.project != "" && !strings.EqualFold(p.name, q.project) && !strings.EqualFold(p.id, q.project) {
			continue
		}
		for _, r := range p.repos {
			if strings.EqualFold(r.name, name) || strings.EqualFold(r.id, name) {
				return p, r
			}
		}
	}
	return nil, nil
}

func (s *AzureServer) repository(w http.ResponseWriter, q *azReq, route string) {
	name := q.apiRaw[2]
	p, r := s.findRepo(q, name)
	if r == nil {
		azJSONError(w, http.StatusNotFound, azRepoNotFoundMessage(name), "GitRepositoryNotFoundException")
		return
	}
	if route == "GET git/repository" {
		azJSON(w, http.StatusOK, s.repoJSON(q, p, r))
		return
	}
	cmd := exec.Command("git", "for-each-ref", "--format=%(objectname) %(refname)")
	cmd.Dir = filepath.Join(s.root, r.dir)
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	if err != nil {
		azJSONError(w, http.StatusInternalServerError, "TF400898: An Internal Error Occurred.", "InternalError")
		return
	}
	refs := []any{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		oid, ref, ok := strings.Cut(sc.Text(), " ")
		if ok {
			refs = append(refs, map[string]any{"name": ref, "objectId": oid})
		}
	}
	azJSON(w, http.StatusOK, azCollection(refs))
}

func (s *AzureServer) projects(w http.ResponseWriter, q *azReq) {
	s.mu.Lock()
	var out []any
	for _, p := range q.org.projects {
		if len(q.api) == 2 && !strings.EqualFold(q.apiRaw[1], p.name) && !strings.EqualFold(q.apiRaw[1], p.id) {
			continue
		}
		out = append(out, map[string]any{
			"id": p.id, "name": p.name, "url": s.orgBase(q) + "/_apis/projects/" + p.id,
			"state": "wellFormed", "revision": 11, "visibility": "private",
			"lastUpdateTime": "2026-01-01T00:00:00Z",
		})
	}
	s.mu.Unlock()
	if len(q.api) == 2 {
		if len(out) == 0 {
			azProjectNotFound(w, q.apiRaw[1])
			return
		}
		azJSON(w, http.StatusOK, out[0])
		return
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].(map[string]any)["name"].(string) < out[j].(map[string]any)["name"].(string)
	})
	if out == nil {
		out = []any{}
	}
	azJSON(w, http.StatusOK, azCollection(out))
}

// ---------------------------------------------------------------------------
// Git

func (s *AzureServer) serveGit(w http.ResponseWriter, r *http.Request, q *azReq, route string) {
	write := route == "git receive-pack" || (route == "git info/refs" && r.URL.Query().Get("service") == "git-receive-pack")
	switch {
	case route == "git info/refs" && r.Method == http.MethodGet:
	case (route == "git upload-pack" || route == "git receive-pack") && r.Method == http.MethodPost:
	default:
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	tok, res := s.authenticate(r, q.org)
	switch res {
	case authOK:
	case authExpired:
		s.gitUnauthorized(w, q.org, azExpiredMessage)
		return
	case authWrongOrg:
		s.gitUnauthorized(w, q.org, azTF400813(tok.ID))
		return
	default:
		s.gitUnauthorized(w, q.org, azTF400813(""))
		return
	}
	need := "vso.code"
	if write {
		need = "vso.code_write"
	}
	if !tok.has(need) {
		// A PAT without the scope gets 401 on Git as on REST.
		s.gitUnauthorized(w, q.org, azTF400813(tok.ID))
		return
	}
	_, repo := s.findRepo(q, q.gitRepo)
	if repo == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, azRepoNotFoundMessage(q.gitRepo))
		return
	}
	// Azure Repos speaks Git protocol v0/v1 only.
	r.Header.Del("Git-Protocol")
	if route == "git upload-pack" {
		body, err := azReadBody(r)
		if err != nil {
			http.Error(w, "TF400898: An Internal Error Occurred. "+err.Error(), http.StatusBadRequest)
			return
		}
		if !azAsksMultiAck(body) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, "TF401041: The Git protocol sent is not as expected (Clients must support multi-ack.).")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Del("Content-Encoding")
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.TransferEncoding = nil
	}
	svc := "/" + q.gitSvc
	s.git.serve(w, r, repo.dir, svc)
}

func (s *AzureServer) gitUnauthorized(w http.ResponseWriter, o *azOrg, message string) {
	s.challenge(w, o)
	w.Header().Set("X-TFS-ServiceError", azServiceError(message))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	io.WriteString(w, message)
}

// azReadBody reads an upload-pack request body, gunzipping it when the
// client compressed it (the git CLI does for large requests).
func azReadBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = io.LimitReader(r.Body, 64<<20)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	}
	return io.ReadAll(rd)
}

// azAsksMultiAck reports whether the first pkt-line of an upload-pack request
// is a want line asking for multi_ack or multi_ack_detailed.
func azAsksMultiAck(body []byte) bool {
	if len(body) < 4 {
		return false
	}
	n, err := strconv.ParseUint(string(body[:4]), 16, 16)
	if err != nil || n < 4 || int(n) > len(body) {
		return false
	}
	fields := strings.Fields(string(body[4:n]))
	if len(fields) < 2 || fields[0] != "want" {
		return false
	}
	for _, c := range fields[2:] {
		if c == "multi_ack" || c == "multi_ack_detailed" {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Identifiers

// azUUID derives a version-4-shaped UUID from seed.
func azUUID(seed string) string {
	sum := sha256.Sum256([]byte("patgit-azure-fake\x00" + seed))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func azIsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
