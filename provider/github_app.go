package provider

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/refusal"
)

// GitHubApp is a GitHub App that mints installation tokens for
// [GitHub.InstallationSource]: one-hour tokens (ghs_) made from the App's
// private key, narrowed to the repositories and permissions a job needs.
type GitHubApp struct {
	// ID is the App's client ID (recommended; "Iv23li…") or its numeric app
	// ID: the JWT's issuer. GitHub Enterprise Server 3.13 and older accept
	// the app ID only.
	ID string
	// PrivateKey is the App's private key as GitHub hands it out: PEM, PKCS#1
	// ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY") RSA. It is parsed once;
	// no error, log line or formatted value ever shows it.
	PrivateKey []byte
	// InstallationID is the installation to mint tokens for; 0: the
	// installation on the owner (and repository) is looked up once, with
	// the first token.
	InstallationID int64
	// Repositories narrows the tokens to these repositories of the
	// installation's account (names without the owner), for least
	// privilege; nil: every repository the installation can access.
	Repositories []string
	// Permissions narrows the tokens' permissions, name to "read", "write"
	// or "admin", e.g. {"contents": "read"} to clone; nil: the
	// installation's permissions.
	Permissions map[string]string
	// Now is the clock for the JWT's times and for judging the tokens'
	// expiry; nil: time.Now. Tests set it to move past an expiry without
	// sleeping.
	Now func() time.Time
}

// Errors of GitHub App installation tokens.
var (
	// ErrInvalidApp: a GitHubApp that cannot be used (no ID, a private key
	// that is not an RSA key in PEM, a bad repository name or permission).
	ErrInvalidApp = errors.New("invalid GitHub App")
	// ErrAppNotInstalled: the App is not installed on the owner or
	// repository, or the installation ID is unknown to it (GitHub's 404).
	ErrAppNotInstalled = errors.New("GitHub App not installed")
)

const (
	// appJWTBackdate is how far in the past the App JWT says it was issued,
	// against clock drift (GitHub's advice: 60 seconds).
	appJWTBackdate = 60 * time.Second
	// appJWTLifetime is the JWT's lifetime from its iat: nine minutes, so
	// its exp is eight minutes ahead, inside GitHub's ten-minute limit with
	// room for a clock that runs two minutes fast.
	appJWTLifetime = 9 * time.Minute
	// appTokenMaxLifetime caps the lifetime patgit believes of an
	// installation token: GitHub documents one hour.
	appTokenMaxLifetime = time.Hour
	// appMaxRepositories is GitHub's limit of repositories a token request
	// may name.
	appMaxRepositories = 500
)

var (
	appRepoName       = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	appPermissionName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	appOwnerName      = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,98}[A-Za-z0-9])?$`)
	appIDText         = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// InstallationSource returns a [pat.Source] of installation tokens of app
// for the repository owner/repo (repo may be "" for an organization or user
// installation): it signs an RS256 JWT with the App's key, finds the
// installation (once, when app.InstallationID is 0: GET
// /repos/{owner}/{repo}/installation, or /orgs/{owner}/installation then
// /users/{owner}/installation), and mints a token narrowed to
// app.Repositories and app.Permissions (POST
// /app/installations/{id}/access_tokens).
//
// Tokens are reused until 80 % of their lifetime (GitHub's expires_at, one
// hour) has passed, then minted again; concurrent callers share one mint,
// and a failed mint is tried again by the next call. Each token reports its
// expiry ([pat.Token.ExpiresAt]), which gitauth hands to git as
// password_expiry_utc. Go-git and the git CLI use the user name
// "x-access-token" for them ([GitHub.BasicAuth] decides it offline).
//
// It returns an error matching [ErrInvalidApp] for an unusable app (the
// private key is parsed here; the error never shows any part of it). The
// source's errors: [ErrUnauthorized] when GitHub refuses the App's JWT
// (wrong ID or key, or this machine's clock is off), [ErrAppNotInstalled],
// [ErrMissingScope] when the installation cannot grant the repositories or
// permissions asked for, [*RateLimitError], [*HostError].
func (g *GitHub) InstallationSource(app GitHubApp, owner, repo string) (pat.Source, error) {
	if g == nil || g.apiURL == nil || g.client == nil {
		return nil, fmt.Errorf("%w: the GitHub provider is not configured: make it with NewGitHub", ErrInvalidApp)
	}
	if !appIDText.MatchString(app.ID) {
		return nil, fmt.Errorf("%w: ID must be the App's client ID or numeric app ID", ErrInvalidApp)
	}
	if app.InstallationID < 0 {
		return nil, fmt.Errorf("%w: installation ID %d is negative", ErrInvalidApp, app.InstallationID)
	}
	if owner != "" && !appOwnerName.MatchString(owner) {
		return nil, fmt.Errorf("%w: %q is not a GitHub owner name", ErrInvalidApp, pat.Sanitize(owner, 100))
	}
	if repo != "" && (owner == "" || !appRepoName.MatchString(repo) || repo == "." || repo == "..") {
		return nil, fmt.Errorf("%w: %q is not a GitHub repository name under an owner", ErrInvalidApp, pat.Sanitize(repo, 100))
	}
	if app.InstallationID == 0 && owner == "" {
		return nil, fmt.Errorf("%w: give an installation ID, or the owner whose installation to look up", ErrInvalidApp)
	}
	key, err := parseAppKey(app.PrivateKey)
	if err != nil {
		return nil, err
	}
	body, err := appTokenRequest(app)
	if err != nil {
		return nil, err
	}
	now := app.Now
	if now == nil {
		now = time.Now
	}
	s := &appSource{g: g, id: app.ID, key: key, owner: owner, repo: repo, given: app.InstallationID, body: body, now: now, install: app.InstallationID}
	s.src = pat.RefreshWithClock(s.fetch, now)
	return s, nil
}

// parseAppKey reads an RSA private key from PEM. Its errors name the
// problem, never any byte of the input.
func parseAppKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: the private key is not PEM (it should begin with -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)", ErrInvalidApp)
	}
	if _, ok := block.Headers["Proc-Type"]; ok {
		return nil, fmt.Errorf("%w: the private key is encrypted; give the key as GitHub hands it out", ErrInvalidApp)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: the PEM block is not a private key (want RSA PRIVATE KEY or PRIVATE KEY)", ErrInvalidApp)
	}
	if err != nil {
		// x509's and asn1's messages describe the key's structure: not
		// repeated.
		return nil, fmt.Errorf("%w: the private key's PEM block does not hold a PKCS#1 or PKCS#8 RSA key", ErrInvalidApp)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the private key is not an RSA key (GitHub Apps sign with RS256)", ErrInvalidApp)
	}
	if rk.N.BitLen() < 2048 {
		return nil, fmt.Errorf("%w: the RSA key has %d bits; GitHub's have 2048", ErrInvalidApp, rk.N.BitLen())
	}
	return rk, nil
}

// appTokenRequest validates app's narrowing and returns the body of the
// token request: nil when nothing is narrowed.
func appTokenRequest(app GitHubApp) ([]byte, error) {
	if len(app.Repositories) > appMaxRepositories {
		return nil, fmt.Errorf("%w: %d repositories; a token may name at most %d", ErrInvalidApp, len(app.Repositories), appMaxRepositories)
	}
	for _, r := range app.Repositories {
		if !appRepoName.MatchString(r) || r == "." || r == ".." {
			return nil, fmt.Errorf("%w: repository %q: give names without the owner", ErrInvalidApp, pat.Sanitize(r, 100))
		}
	}
	for name, level := range app.Permissions {
		if !appPermissionName.MatchString(name) {
			return nil, fmt.Errorf("%w: %q is not a GitHub App permission name", ErrInvalidApp, pat.Sanitize(name, 100))
		}
		switch level {
		case "read", "write", "admin":
		default:
			return nil, fmt.Errorf("%w: permission %s: level %q is not read, write or admin", ErrInvalidApp, name, pat.Sanitize(level, 20))
		}
	}
	if len(app.Repositories) == 0 && len(app.Permissions) == 0 {
		return nil, nil
	}
	var req struct {
		Repositories []string          `json:"repositories,omitempty"`
		Permissions  map[string]string `json:"permissions,omitempty"`
	}
	req.Repositories = app.Repositories
	req.Permissions = app.Permissions
	return json.Marshal(req)
}

// appSource mints installation tokens of one App for one owner/repository.
// It holds the parsed key, never the PEM; it prints as a description.
type appSource struct {
	g           *GitHub
	id          string
	key         *rsa.PrivateKey
	owner, repo string
	given       int64 // app.InstallationID
	body        []byte
	now         func() time.Time
	src         pat.Source

	mu      sync.Mutex
	install int64 // the installation, once known
}

// Token returns a current installation token, minting one when needed.
func (s *appSource) Token(ctx context.Context) (pat.Token, error) { return s.src.Token(ctx) }

// String describes the source: "GitHub App Iv23li… installation on owner/repo".
func (s *appSource) String() string {
	where := s.owner
	if s.repo != "" {
		where += "/" + s.repo
	}
	if where == "" {
		where = "#" + strconv.FormatInt(s.given, 10)
	}
	return "GitHub App " + s.id + " installation on " + where + " (" + s.g.host + ")"
}

// GoString returns the description, for %#v.
func (s *appSource) GoString() string {
	return "provider.InstallationSource(" + strconv.Quote(s.String()) + ")"
}

// Format prints the description for every verb, so no printed form shows the key.
func (s *appSource) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	io.WriteString(f, s.String())
}

// LogValue makes slog record the description.
func (s *appSource) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the description.
func (s *appSource) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// fetch mints one token and marks it with its expiry.
func (s *appSource) fetch(ctx context.Context) (pat.Token, error) {
	jwtTok, err := s.jwt()
	if err != nil {
		return pat.Token{}, err
	}
	id, err := s.installation(ctx, jwtTok)
	if err != nil {
		return pat.Token{}, err
	}
	var out struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	path := "app/installations/" + strconv.FormatInt(id, 10) + "/access_tokens"
	if err := s.call(ctx, jwtTok, http.MethodPost, path, s.body, http.StatusCreated, &out); err != nil {
		if errors.Is(err, ErrAppNotInstalled) && s.given == 0 {
			// Uninstalled and perhaps installed again: look it up anew.
			s.mu.Lock()
			s.install = 0
			s.mu.Unlock()
		}
		return pat.Token{}, err
	}
	op := "POST " + s.g.apiURL.Path + path
	tok, err := pat.New(out.Token)
	if err != nil || (tok.Kind() != pat.GitHubInstallation && tok.Kind() != pat.Unknown) {
		return pat.Token{}, fmt.Errorf("github %s: %s answered without an installation token; check Config.APIURL (%s)", s.g.host, op, s.g.api)
	}
	if err := tok.Validate(); err != nil {
		return pat.Token{}, fmt.Errorf("github %s: %s answered with a token that %w", s.g.host, op, err)
	}
	minted := s.now()
	expires, err := time.Parse(time.RFC3339, out.ExpiresAt)
	if err != nil || expires.After(minted.Add(appTokenMaxLifetime)) {
		// Absent, unreadable or beyond GitHub's documented hour (a clock
		// behind the server's): believe the hour from now.
		expires = minted.Add(appTokenMaxLifetime)
	}
	return tok.WithExpiry(expires.UTC()).WithOrigin(s.String()), nil
}

// jwt signs the App's JWT: iss the App's ID, integer iat a minute in the
// past, exp eight minutes ahead.
func (s *appSource) jwt() (pat.Token, error) {
	iat := s.now().Add(-appJWTBackdate).Unix()
	claims := jwt.MapClaims{"iat": iat, "exp": iat + int64(appJWTLifetime/time.Second), "iss": s.id}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.key)
	if err != nil {
		return pat.Token{}, fmt.Errorf("%w: signing the App's JWT with its key failed", ErrInvalidApp)
	}
	return pat.New(signed)
}

// installation returns the installation ID: the configured one, or the one
// found for the owner (and repository) by the first call that succeeds.
func (s *appSource) installation(ctx context.Context, jwtTok pat.Token) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.install != 0 {
		return s.install, nil
	}
	var out struct {
		ID int64 `json:"id"`
	}
	o := url.PathEscape(s.owner)
	var err error
	if s.repo != "" {
		err = s.call(ctx, jwtTok, http.MethodGet, "repos/"+o+"/"+url.PathEscape(s.repo)+"/installation", nil, http.StatusOK, &out)
	} else {
		err = s.call(ctx, jwtTok, http.MethodGet, "orgs/"+o+"/installation", nil, http.StatusOK, &out)
		if errors.Is(err, ErrAppNotInstalled) {
			err = s.call(ctx, jwtTok, http.MethodGet, "users/"+o+"/installation", nil, http.StatusOK, &out)
		}
	}
	if err != nil {
		return 0, err
	}
	if out.ID <= 0 {
		return 0, fmt.Errorf("github %s: the installation look-up for %s answered without an installation ID; check Config.APIURL (%s)", s.g.host, s.owner, s.g.api)
	}
	s.install = out.ID
	return out.ID, nil
}

// call sends one request to an App endpoint, authenticated with the JWT,
// and decodes a want answer into out. Server text in its errors is cut to
// one line, capped and scrubbed of the JWT.
func (s *appSource) call(ctx context.Context, jwtTok pat.Token, method, path string, body []byte, want int, out any) error {
	op := method + " " + s.g.apiURL.Path + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.g.api+path, rd)
	if err != nil {
		return fmt.Errorf("github %s: %s: %w", s.g.host, op, err)
	}
	req.Header.Set("Authorization", "Bearer "+jwtTok.Secret())
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "patgit")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	resp, err := s.g.client.Do(req)
	if err != nil {
		var he *HostError
		if errors.As(err, &he) {
			return he
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return &HostError{Host: s.g.apiURL.Host, Op: op, Attempts: 1, Err: err}
	}
	defer resp.Body.Close()
	data, rerr := refusal.ReadBody(resp.Body)
	if resp.StatusCode == want {
		if rerr != nil {
			return rerr
		}
		if json.Unmarshal(data, out) != nil {
			return fmt.Errorf("github %s: %s answered %d with a body that is not the GitHub API's JSON; check Config.APIURL (%s)", s.g.host, op, want, s.g.api)
		}
		return nil
	}
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &e)
	msg := pat.Sanitize(e.Message, 300, jwtTok)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		hint := "check the App's ID (client ID or app ID) and that the key is its current private key"
		if strings.Contains(msg, "'exp'") || strings.Contains(msg, "'iat'") {
			hint = "check this machine's clock"
		}
		return fmt.Errorf("%w: github %s refused the JWT of GitHub App %s (%s): %s", ErrUnauthorized, s.g.host, s.id, msg, hint)
	case http.StatusNotFound:
		return fmt.Errorf("%w: github %s: %s answered 404 for %s: install the App there, or check the installation ID and Config.APIURL", ErrAppNotInstalled, s.g.host, op, s)
	case http.StatusUnprocessableEntity:
		return fmt.Errorf("%w: github %s: the installation cannot grant the token asked for: %s", ErrMissingScope, s.g.host, msg)
	case http.StatusForbidden, http.StatusTooManyRequests:
		return s.g.refusalError(refusal.Classify(resp.StatusCode, resp.Header, data, time.Now(), jwtTok), op)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return fmt.Errorf("github %s: %s answered %d: %s", s.g.host, op, resp.StatusCode, msg)
}
