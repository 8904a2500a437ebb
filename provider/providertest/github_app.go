package providertest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patgit/patgit/pat"
)

// GitHubApp registers a GitHub App with the fake GitHub
// ([GitHubServer.AddApp]): the App's JWTs are checked against PublicKey, and
// its installations mint installation tokens (ghs_) that the fake's REST API
// and git accept until they expire.
type GitHubApp struct {
	// ID is the numeric app ID; a JWT's iss may be it (as a string of
	// digits or a number) or ClientID.
	ID int64
	// ClientID is the App's client ID, e.g. "Iv23liEXAMPLE"; "" accepts the
	// app ID only (as GitHub Enterprise Server 3.13 and older do).
	ClientID string
	// PublicKey verifies the App's RS256 JWTs.
	PublicKey *rsa.PublicKey
	// Installations are the accounts the App is installed on.
	Installations []GitHubInstallation
}

// GitHubInstallation is one installation of a GitHub App on a user or an
// organization.
type GitHubInstallation struct {
	// ID is the installation ID, unique on the server.
	ID int64
	// Account is the user or organization login the App is installed on.
	Account string
	// User marks a user account (GET /users/{user}/installation); otherwise
	// the account is an organization (GET /orgs/{org}/installation).
	User bool
	// Repositories are the names (without the owner) of the account's
	// repositories the installation may access; nil: all of them
	// ("repository_selection": "all").
	Repositories []string
	// Permissions are the installation's permissions, name to "read",
	// "write" or "admin", e.g. {"contents": "write", "metadata": "read"}.
	// Git needs "contents": read to clone, write to push.
	Permissions map[string]string
}

// GitHubAppTokenLifetime is how long a minted installation token lasts, as on
// GitHub.
const GitHubAppTokenLifetime = time.Hour

// GitHubJWTMaxLifetime is how far in the future GitHub accepts a JWT's exp.
const GitHubJWTMaxLifetime = 10 * time.Minute

// GitHub's messages for App JWTs it refuses (401) and for token requests it
// cannot grant (422).
const (
	GitHubJWTUndecodable   = "A JSON web token could not be decoded"
	GitHubJWTExpTooFar     = "'Expiration time' claim ('exp') is too far in the future"
	GitHubJWTExpInvalid    = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	GitHubJWTIatInvalid    = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	GitHubAppReposDenied   = "There is at least one repository that does not exist or is not accessible to the parent installation."
	GitHubAppPermsDenied   = "The permissions requested are not granted to this installation."
	ghDocsAppJWT           = "https://docs.github.com/rest"
	ghDocsAppCreateToken   = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	ghDocsAppInstallation  = "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app"
	ghDocsRevokeInstToken  = "https://docs.github.com/rest/apps/installations#revoke-an-installation-access-token"
	ghStatelessTokenHeader = "X-GitHub-Stateless-S2S-Token"
)

// ghAppState is the fake GitHub's App side: registered Apps, their
// installations, the tokens they minted and the clock that times them. It
// is guarded by the server's mutex.
type ghAppState struct {
	apps      map[int64]*GitHubApp
	installs  map[int64]*ghInstall
	minted    map[string]*ghMinted // by secret
	stateless bool
	mints     int
}

type ghInstall struct {
	app *GitHubApp
	GitHubInstallation
}

// ghMinted is one minted installation token: what the fake's REST API and
// git accept for it, and until when.
type ghMinted struct {
	tok     *GitHubToken
	expires time.Time
	install int64
}

// AddApp registers app and its installations, replacing an App with the
// same ID. It returns an error for a missing key or ID, or an installation
// ID another App already uses.
func (s *GitHubServer) AddApp(app GitHubApp) error {
	if app.ID <= 0 || app.PublicKey == nil {
		return errors.New("providertest: a GitHub App needs an ID and a public key")
	}
	a := app
	a.Installations = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.app
	if st.apps == nil {
		st.apps = make(map[int64]*GitHubApp)
		st.installs = make(map[int64]*ghInstall)
		st.minted = make(map[string]*ghMinted)
	}
	for _, in := range app.Installations {
		if old, ok := st.installs[in.ID]; (ok && old.app.ID != app.ID) || in.ID <= 0 || in.Account == "" {
			return fmt.Errorf("providertest: installation %d: needs a unique positive ID and an account", in.ID)
		}
	}
	for id, in := range st.installs {
		if in.app.ID == app.ID {
			delete(st.installs, id)
		}
	}
	for _, in := range app.Installations {
		c := in
		c.Repositories = slices.Clone(in.Repositories)
		c.Permissions = make(map[string]string, len(in.Permissions))
		for k, v := range in.Permissions {
			c.Permissions[k] = v
		}
		a.Installations = append(a.Installations, c)
		st.installs[in.ID] = &ghInstall{app: &a, GitHubInstallation: c}
	}
	st.apps[a.ID] = &a
	return nil
}

// SetStatelessTokens makes the server mint installation tokens in GitHub's
// long, stateless form ("ghs_" + app ID + "_" + a JWT, about 520
// characters) when on, or the 40-character form when off (the default). A
// request's X-GitHub-Stateless-S2S-Token header ("enabled", "disabled")
// overrides it, as on github.com.
func (s *GitHubServer) SetStatelessTokens(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app.stateless = on
}

// MintedTokens returns how many installation tokens the server has minted.
func (s *GitHubServer) MintedTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.app.mints
}

// nowLocked returns the server's time; s.mu is held.
func (s *GitHubServer) nowLocked() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// token returns the description of secret, a registered or a minted token,
// or nil when the secret is unknown, revoked or expired.
func (s *GitHubServer) token(secret string) *GitHubToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[secret]; t != nil {
		if t.Revoked || ghExpired(t.Expiration) {
			return nil
		}
		return t
	}
	if m := s.app.minted[secret]; m != nil && !m.tok.Revoked && s.nowLocked().Before(m.expires) {
		return m.tok
	}
	return nil
}

// ghAppRoute names the App routes for the counters.
func ghAppRoute(method, p string) (string, bool) {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case method == http.MethodPost && len(segs) == 4 && segs[0] == "app" && segs[1] == "installations" && segs[3] == "access_tokens":
		return "POST /app/installations/{id}/access_tokens", true
	case method == http.MethodGet && len(segs) == 4 && segs[0] == "repos" && segs[3] == "installation":
		return "GET /repos/{owner}/{repo}/installation", true
	case method == http.MethodGet && len(segs) == 3 && segs[0] == "orgs" && segs[2] == "installation":
		return "GET /orgs/{org}/installation", true
	case method == http.MethodGet && len(segs) == 3 && segs[0] == "users" && segs[2] == "installation":
		return "GET /users/{user}/installation", true
	case method == http.MethodGet && p == "/app/installations", method == http.MethodGet && p == "/app",
		method == http.MethodDelete && p == "/installation/token":
		return method + " " + p, true
	}
	return "", false
}

// serveApp answers the App routes, authenticated with the App's JWT (and
// DELETE /installation/token, with the installation token), and reports
// whether p was one of them.
func (s *GitHubServer) serveApp(w http.ResponseWriter, r *http.Request, p string) bool {
	route, ok := ghAppRoute(r.Method, p)
	if !ok {
		return false
	}
	s.count(route)
	h := w.Header()
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Enterprise-Version", GitHubEnterpriseVersion)
	h.Set("X-GitHub-Request-Id", s.requestID())
	if route == "DELETE /installation/token" {
		s.revokeInstallationToken(w, r)
		return true
	}
	app, msg := s.appAuth(r)
	if app == nil {
		ghJSONError(w, http.StatusUnauthorized, msg, ghDocsAppJWT)
		return true
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	switch route {
	case "GET /app":
		ghJSON(w, http.StatusOK, map[string]any{"id": app.ID, "client_id": app.ClientID, "slug": "app-" + strconv.FormatInt(app.ID, 10), "name": "App " + strconv.FormatInt(app.ID, 10)})
	case "GET /app/installations":
		list := []map[string]any{}
		for _, in := range app.Installations {
			list = append(list, s.installationJSON(app, in))
		}
		ghJSON(w, http.StatusOK, list)
	case "GET /repos/{owner}/{repo}/installation":
		s.findInstallation(w, app, segs[1], segs[2], false, false)
	case "GET /orgs/{org}/installation":
		s.findInstallation(w, app, segs[1], "", true, false)
	case "GET /users/{user}/installation":
		s.findInstallation(w, app, segs[1], "", false, true)
	case "POST /app/installations/{id}/access_tokens":
		s.mintInstallationToken(w, r, app, segs[2])
	}
	return true
}

// appAuth verifies the request's App JWT as GitHub does and returns its App,
// or nil and GitHub's message.
func (s *GitHubServer) appAuth(r *http.Request) (*GitHubApp, string) {
	scheme, jwt, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		// "token JWT", Basic or nothing: GitHub wants a JWT as Bearer here.
		return nil, GitHubJWTUndecodable
	}
	parts := strings.Split(strings.TrimSpace(jwt), ".")
	if len(parts) != 3 {
		return nil, GitHubJWTUndecodable
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims map[string]json.RawMessage
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "RS256" {
		return nil, GitHubJWTUndecodable
	}
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return nil, GitHubJWTUndecodable
	}
	s.mu.Lock()
	app := s.appByIssuerLocked(claims["iss"])
	now := s.nowLocked()
	s.mu.Unlock()
	if app == nil {
		return nil, GitHubJWTUndecodable
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(app.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return nil, GitHubJWTUndecodable
	}
	iat, ok := ghIntClaim(claims["iat"])
	if !ok || time.Unix(iat, 0).After(now.Add(time.Minute)) {
		return nil, GitHubJWTIatInvalid
	}
	exp, ok := ghIntClaim(claims["exp"])
	switch {
	case !ok || !time.Unix(exp, 0).After(now):
		return nil, GitHubJWTExpInvalid
	case time.Unix(exp, 0).Sub(now) > GitHubJWTMaxLifetime:
		return nil, GitHubJWTExpTooFar
	}
	return app, ""
}

// appByIssuerLocked finds the App an iss claim names: its numeric ID (a
// number or a string of digits) or its client ID.
func (s *GitHubServer) appByIssuerLocked(raw json.RawMessage) *GitHubApp {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&v) != nil {
		return nil
	}
	var iss string
	switch x := v.(type) {
	case json.Number:
		iss = x.String()
	case string:
		iss = x
	default:
		return nil
	}
	if id, err := strconv.ParseInt(iss, 10, 64); err == nil {
		return s.app.apps[id]
	}
	for _, a := range s.app.apps {
		if a.ClientID != "" && a.ClientID == iss {
			return a
		}
	}
	return nil
}

// ghIntClaim reads an integer NumericDate; GitHub refuses fractions,
// exponents and strings.
func ghIntClaim(raw json.RawMessage) (int64, bool) {
	s := string(raw)
	if s == "" || strings.ContainsAny(s, ".eE\"") {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func (s *GitHubServer) installationJSON(app *GitHubApp, in GitHubInstallation) map[string]any {
	typ := "Organization"
	if in.User {
		typ = "User"
	}
	sel := "selected"
	if in.Repositories == nil {
		sel = "all"
	}
	return map[string]any{
		"id":                   in.ID,
		"app_id":               app.ID,
		"client_id":            app.ClientID,
		"account":              map[string]any{"login": in.Account, "id": ghID(in.Account), "type": typ},
		"target_type":          typ,
		"repository_selection": sel,
		"permissions":          in.Permissions,
		"access_tokens_url":    s.APIURL + "app/installations/" + strconv.FormatInt(in.ID, 10) + "/access_tokens",
	}
}

// findInstallation answers the installation look-ups: for a repository
// (it must exist and be selected), an organization or a user.
func (s *GitHubServer) findInstallation(w http.ResponseWriter, app *GitHubApp, owner, repo string, org, user bool) {
	for _, in := range app.Installations {
		if !strings.EqualFold(in.Account, owner) || (org && in.User) || (user && !in.User) {
			continue
		}
		if repo != "" {
			s.mu.Lock()
			_, exists := s.repos[strings.ToLower(owner+"/"+repo)]
			s.mu.Unlock()
			if !exists || (in.Repositories != nil && !slices.ContainsFunc(in.Repositories, func(n string) bool { return strings.EqualFold(n, repo) })) {
				continue
			}
		}
		ghJSON(w, http.StatusOK, s.installationJSON(app, in))
		return
	}
	ghJSONError(w, http.StatusNotFound, "Not Found", ghDocsAppInstallation)
}

// ghTokenRequest is the body of POST /app/installations/{id}/access_tokens.
type ghTokenRequest struct {
	Repositories  []string          `json:"repositories"`
	RepositoryIDs []int64           `json:"repository_ids"`
	Permissions   map[string]string `json:"permissions"`
}

var ghLevels = map[string]int{"read": 1, "write": 2, "admin": 3}

func (s *GitHubServer) mintInstallationToken(w http.ResponseWriter, r *http.Request, app *GitHubApp, idText string) {
	id, err := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	in := s.app.installs[id]
	s.mu.Unlock()
	if err != nil || in == nil || in.app.ID != app.ID {
		ghJSONError(w, http.StatusNotFound, "Not Found", ghDocsAppCreateToken)
		return
	}
	var req ghTokenRequest
	if body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)); err != nil || (len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &req) != nil) {
		ghJSONError(w, http.StatusBadRequest, "Problems parsing JSON", ghDocsAppCreateToken)
		return
	}
	if len(req.Repositories)+len(req.RepositoryIDs) > 500 {
		ghValidationError(w, "Validation Failed")
		return
	}
	// Every repository of the account the installation covers.
	var covered []string
	s.mu.Lock()
	for key, rel := range s.repos {
		owner, name, _ := strings.Cut(strings.TrimSuffix(rel, ".git"), "/")
		if strings.EqualFold(owner, in.Account) && (in.Repositories == nil || slices.ContainsFunc(in.Repositories, func(n string) bool { return strings.EqualFold(n, name) })) {
			covered = append(covered, key)
		}
	}
	s.mu.Unlock()
	slices.Sort(covered)
	chosen := covered
	if len(req.Repositories) > 0 || len(req.RepositoryIDs) > 0 {
		chosen = nil
		for _, name := range req.Repositories {
			key := strings.ToLower(in.Account + "/" + name)
			if !slices.Contains(covered, key) {
				ghValidationError(w, GitHubAppReposDenied)
				return
			}
			chosen = append(chosen, key)
		}
		for _, rid := range req.RepositoryIDs {
			i := slices.IndexFunc(covered, func(k string) bool { return ghID(k) == rid })
			if i < 0 {
				ghValidationError(w, GitHubAppReposDenied)
				return
			}
			chosen = append(chosen, covered[i])
		}
	}
	perms := in.Permissions
	if len(req.Permissions) > 0 {
		perms = make(map[string]string, len(req.Permissions))
		for name, level := range req.Permissions {
			if ghLevels[level] == 0 || ghLevels[level] > ghLevels[in.Permissions[name]] {
				ghValidationError(w, GitHubAppPermsDenied)
				return
			}
			perms[name] = level
		}
	}
	access := AccessNone
	switch perms["contents"] {
	case "read":
		access = AccessRead
	case "write", "admin":
		access = AccessWrite
	}
	tok := &GitHubToken{NoScopesHeader: true, Repos: make(map[string]Access, len(chosen)), noContents: access == AccessNone}
	for _, k := range chosen {
		tok.Repos[k] = max(access, AccessRead) // REST sees the repository; git needs contents
	}
	s.mu.Lock()
	now := s.nowLocked()
	expires := now.Add(GitHubAppTokenLifetime).Truncate(time.Second)
	stateless := s.app.stateless
	s.mu.Unlock()
	switch strings.ToLower(r.Header.Get(ghStatelessTokenHeader)) {
	case "enabled":
		stateless = true
	case "disabled":
		stateless = false
	}
	secret := ghShortInstallationToken()
	if stateless {
		secret = ghStatelessToken(app.ID, id, now, expires)
	}
	s.mu.Lock()
	s.app.minted[secret] = &ghMinted{tok: tok, expires: expires, install: id}
	s.app.mints++
	s.mu.Unlock()
	sel := "all"
	resp := map[string]any{
		"token":       secret,
		"expires_at":  expires.UTC().Format(time.RFC3339),
		"permissions": perms,
	}
	if len(req.Repositories) > 0 || len(req.RepositoryIDs) > 0 || in.Repositories != nil {
		sel = "selected"
		repos := []map[string]any{}
		for _, k := range chosen {
			repos = append(repos, s.repoJSON(k, access))
		}
		resp["repositories"] = repos
	}
	resp["repository_selection"] = sel
	resp["single_file"] = nil
	resp["has_multiple_single_files"] = false
	resp["single_file_paths"] = []string{}
	ghJSON(w, http.StatusCreated, resp)
}

// revokeInstallationToken answers DELETE /installation/token, authenticated
// with the installation token itself: 204, and the token is refused from
// then on.
func (s *GitHubServer) revokeInstallationToken(w http.ResponseWriter, r *http.Request) {
	secret, tok, _ := s.restAuth(r)
	s.mu.Lock()
	m := s.app.minted[secret]
	if tok != nil && m != nil {
		m.tok.Revoked = true
	}
	s.mu.Unlock()
	if tok == nil || m == nil {
		ghJSONError(w, http.StatusUnauthorized, "Bad credentials", ghDocsRevokeInstToken)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func ghValidationError(w http.ResponseWriter, message string) {
	ghJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           message,
		"documentation_url": ghDocsAppCreateToken,
		"status":            "422",
	})
}

// ghShortInstallationToken returns a fresh 40-character ghs_ token with a
// valid checksum.
func ghShortInstallationToken() string {
	random := ghRandom(alnum, 30)
	return "ghs_" + random + pat.Checksum(random)
}

// ghStatelessToken returns a fresh token in GitHub's long form: "ghs_", the
// app ID, "_", and a JWT (header.payload.signature) whose payload carries
// the token's exp. Every part keeps to the characters GitHub documents for
// the form ([A-Za-z0-9._]); the signature is opaque random text.
func ghStatelessToken(appID, installation int64, now, expires time.Time) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	var payload string
	for {
		claims, _ := json.Marshal(map[string]any{
			"iss": strconv.FormatInt(appID, 10),
			"sub": "installation:" + strconv.FormatInt(installation, 10),
			"aud": "github",
			"iat": now.Unix(),
			"nbf": now.Unix(),
			"exp": expires.Unix(),
			"jti": ghRandom(alnum, 22),
		})
		payload = base64.RawURLEncoding.EncodeToString(claims)
		if !strings.Contains(payload, "-") {
			break
		}
	}
	sig := strings.ReplaceAll(base64.RawURLEncoding.EncodeToString(ghRandomBytes(256)), "-", "_")
	return "ghs_" + strconv.FormatInt(appID, 10) + "_" + header + "." + payload + "." + sig
}

func ghRandomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func ghRandom(alphabet string, n int) string {
	b := ghRandomBytes(n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// appKey is the RSA key of test GitHub Apps, generated once per process.
var appKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// GitHubAppKey returns an RSA key for test GitHub Apps, generated once per
// process (2048 bits, as GitHub's), with its PEM in PKCS#1 ("RSA PRIVATE
// KEY", GitHub's download) form.
func GitHubAppKey() (*rsa.PrivateKey, []byte, error) {
	k, err := appKey()
	if err != nil {
		return nil, nil, err
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), nil
}
