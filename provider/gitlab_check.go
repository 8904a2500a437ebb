package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/checkcache"
	"github.com/patgit/patgit/provider/internal/refusal"
)

// glScopeChildren is GitLab's scope hierarchy as far as patgit proves
// scopes: api covers read_api and write_repository; read_api and
// write_repository cover read_repository. (GitLab stores scopes flat and
// checks each route against a list; these are the inclusions that hold
// for what the scopes let a token do.)
var glScopeChildren = map[string][]string{
	"api":              {"read_api", "write_repository"},
	"read_api":         {"read_repository"},
	"write_repository": {"read_repository"},
}

// glScopeCovers reports whether holding scope grants want.
func glScopeCovers(scope, want string) bool {
	if scope == want {
		return true
	}
	for _, c := range glScopeChildren[scope] {
		if glScopeCovers(c, want) {
			return true
		}
	}
	return false
}

// glFacts is what a check learned about a token. It holds no secret and is
// never modified once stored.
type glFacts struct {
	user    string
	scopes  []string  // nil when the host does not disclose them
	expires time.Time // UTC; zero when unknown or never
	proven  []string  // scopes a request proved without disclosing the list
	missing []string  // scopes a request proved absent
}

// checkKey is the check-cache key of tok on this provider: the job-token
// reading and, for a deploy token, the bound repository change the answer.
func (g *GitLab) checkKey(tok pat.Token) checkcache.Key {
	what := "check job=" + strconv.FormatBool(g.isJobToken(tok))
	if g.repo != nil && tok.Kind() == pat.GitLabDeploy {
		what += " repo=" + g.CloneURL(*g.repo)
	}
	return g.cfg.checkKey(g.Name(), g.api, what, tok)
}

// CheckScopes validates tok against the GitLab instance and reports its
// user, scopes and expiry, in one round trip.
//
// Personal, project, group and impersonation tokens: GET
// /api/v4/personal_access_tokens/self (any scope may call it) gives the
// scopes, the expiry (a token expires at 00:00 UTC on its expires_at date)
// and whether it is revoked or inactive; GET /api/v4/user gives the login,
// sent at the same time (skipped when Config.Username is set, which is then
// the reported user). A token that may not call /user (no api, read_api or
// read_user scope) is still valid; its Report has no User. Required scopes
// the token does not hold, directly or through GitLab's hierarchy (api
// covers read_api and write_repository, which both cover read_repository),
// go to Report.Missing, and the error is a [*MissingScopeError] with the
// Report.
//
// OAuth tokens (no prefix), which /self refuses with 400: validated by
// /user; scopes undisclosed, so required scopes go to Report.Unverified.
// With Config.Username set, /user is then asked after /self: two round
// trips.
//
// CI/CD job tokens ("glcbt-", or a token of unknown shape equal to this
// process's CI_JOB_TOKEN): GET /api/v4/job with JOB-TOKEN (the route a job
// token may call); Report.User is the user running the job, scopes are
// undisclosed (Unverified), ExpiresAt comes from the token's own exp.
//
// Deploy tokens may call no REST route: they are checked against the
// repository of a provider from [ForURL] (GET .../info/refs?service=
// git-upload-pack, which moves no objects), with Config.Username as their
// user name ([ErrUsernameRequired] without it). Success proves
// read_repository; other scopes are Unverified. Without a repository the
// check returns an error saying so.
//
// Errors: [ErrUnauthorized] for an unknown, expired or revoked token, with
// GitLab's reason; [*RateLimitError] for 429, with the time from
// Retry-After or RateLimit-Reset when GitLab sends them (gitlab.com's edge
// sometimes does not: Reset is then zero); before any request,
// [ErrTokenMismatch] for another provider's token and [pat.ErrChecksum] for
// a mistyped routable token. Redirects are not followed. Results are cached
// for Config.CacheTTL and concurrent checks of one token share their
// requests. No error holds the token, in any encoding.
func (g *GitLab) CheckScopes(ctx context.Context, tok pat.Token, required ...string) (*Report, error) {
	ctx = orBackground(ctx)
	if err := g.refuse(tok); err != nil {
		return nil, err
	}
	if tok.Kind() == pat.GitLabDeploy {
		if _, err := g.username(tok); err != nil {
			return nil, err
		}
		if g.repo == nil {
			return nil, fmt.Errorf("gitlab %s: a deploy token may call no REST route, so it can only be checked against a repository: get the provider from ForURL with the repository's URL, or use gitauth.Probe", g.host)
		}
	}
	f, err := g.facts(ctx, tok)
	if err != nil {
		return nil, err
	}
	rep := &Report{Provider: g.Name(), Host: g.host, User: f.user, Kind: tok.Kind(), ExpiresAt: f.expires}
	if g.cfg.Username != "" && !g.isJobToken(tok) {
		rep.User = g.cfg.Username
	}
	if e := tok.ExpiresAt(); !e.IsZero() && (rep.ExpiresAt.IsZero() || e.Before(rep.ExpiresAt)) {
		rep.ExpiresAt = e.UTC()
	}
	if f.scopes != nil {
		rep.Scopes = slices.Clone(f.scopes)
	}
	for _, want := range glNormalizeRequired(required) {
		switch {
		case rep.Scopes != nil:
			if !slices.ContainsFunc(rep.Scopes, func(s string) bool { return glScopeCovers(s, want) }) {
				rep.Missing = append(rep.Missing, want)
			}
		case slices.ContainsFunc(f.proven, func(s string) bool { return glScopeCovers(s, want) }):
		case slices.ContainsFunc(f.missing, func(m string) bool { return glScopeCovers(want, m) }):
			// A scope that covers a missing one is missing too.
			rep.Missing = append(rep.Missing, want)
		default:
			rep.Unverified = append(rep.Unverified, want)
		}
	}
	if len(rep.Missing) > 0 {
		return rep, &MissingScopeError{Host: g.host, Missing: slices.Clone(rep.Missing), Hint: g.scopeHint(rep.Missing)}
	}
	return rep, nil
}

// glNormalizeRequired trims, lower-cases and de-duplicates scope names.
func glNormalizeRequired(required []string) []string {
	var out []string
	for _, s := range required {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// scopeHint says how to get scopes: a new token with them, since GitLab
// cannot add scopes to an existing one.
func (g *GitLab) scopeHint(missing []string) string {
	return fmt.Sprintf("GitLab cannot add scopes to a token: create one with them at %s?scopes=%s", g.tokensPage(), url.QueryEscape(strings.Join(missing, ",")))
}

// facts returns what GitLab says about tok: from the process-wide check
// cache, from a check already in flight for the same token, or from a new
// one.
func (g *GitLab) facts(ctx context.Context, tok pat.Token) (*glFacts, error) {
	v, err := checks.Do(ctx, g.checkKey(tok), g.cfg.cacheTTL(), g.cfg.timeout(), func(ctx context.Context) (any, error) {
		return g.fetch(ctx, tok)
	})
	if err != nil {
		return nil, err
	}
	return v.(*glFacts), nil
}

// glAnswer is one answer, its body capped at refusal.MaxBody.
type glAnswer struct {
	status int
	header http.Header
	body   []byte
	err    error // the request failed (a *HostError) or the body was too long
}

// glAuth says how a request carries the token.
type glAuth int

const (
	glPrivateToken glAuth = iota // PRIVATE-TOKEN: personal, project and group tokens
	glBearer                     // Authorization: Bearer: OAuth tokens, then personal ones
	glJobToken                   // JOB-TOKEN: CI/CD job tokens
	glBasic                      // Basic user:token, for git routes
)

// get sends one GET to rawURL with tok and reads the answer.
func (g *GitLab) get(ctx context.Context, tok pat.Token, rawURL string, how glAuth, user string) glAnswer {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return glAnswer{err: fmt.Errorf("%w: %q", ErrUnsupportedURL, withoutUserinfo(rawURL))}
	}
	if err := checkScheme(req.URL); err != nil {
		return glAnswer{err: err}
	}
	switch how {
	case glPrivateToken:
		req.Header.Set("PRIVATE-TOKEN", tok.Secret())
	case glBearer:
		req.Header.Set("Authorization", "Bearer "+tok.Secret())
	case glJobToken:
		req.Header.Set("JOB-TOKEN", tok.Secret())
	case glBasic:
		req.SetBasicAuth(user, tok.Secret())
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "patgit")
	resp, err := g.client.Do(req)
	if err != nil {
		return glAnswer{err: g.requestError(err, req, tok)}
	}
	defer resp.Body.Close()
	a := glAnswer{status: resp.StatusCode, header: resp.Header}
	if how == glBasic && resp.StatusCode == http.StatusOK {
		// A ref advertisement says what it needs to by its status.
		return a
	}
	a.body, err = refusal.ReadBody(resp.Body)
	switch {
	case errors.Is(err, refusal.ErrTooLarge) && resp.StatusCode != http.StatusOK:
		// A refusal's body is used cut to the cap.
	case errors.Is(err, refusal.ErrTooLarge):
		a.err = &HostError{Host: req.URL.Host, Op: requestOp(req), Attempts: 1,
			Err: fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, refusal.MaxBody)}
	case err != nil:
		a.err = g.requestError(err, req, tok)
	}
	return a
}

// requestError makes a failed request a *HostError naming only host and
// path, never the URL's query, scrubbed of tok.
func (g *GitLab) requestError(err error, req *http.Request, tok pat.Token) error {
	var he *HostError
	if errors.As(err, &he) {
		return scrubErr(he, tok)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return scrubErr(&HostError{Host: req.URL.Host, Op: requestOp(req), Attempts: 1, Err: err}, tok)
}

// fetch runs the requests that check tok.
func (g *GitLab) fetch(ctx context.Context, tok pat.Token) (*glFacts, error) {
	switch {
	case g.isJobToken(tok):
		return g.fetchJob(ctx, tok)
	case tok.Kind() == pat.GitLabDeploy:
		return g.fetchDeploy(ctx, tok)
	}
	how := glPrivateToken
	if tok.Kind() != pat.GitLabPersonal {
		// Unknown kinds may be OAuth tokens, which only Bearer carries;
		// GitLab tries Bearer as an OAuth token, then as a personal one.
		how = glBearer
	}
	var self, user glAnswer
	askUser := g.cfg.Username == ""
	var wg sync.WaitGroup
	if askUser {
		wg.Go(func() { user = g.get(ctx, tok, g.api+"user", how, "") })
	}
	self = g.get(ctx, tok, g.api+"personal_access_tokens/self", how, "")
	wg.Wait()
	if self.err != nil {
		return nil, self.err
	}
	f := &glFacts{}
	switch {
	case self.status == http.StatusOK:
		if err := g.readSelf(self.body, f, tok); err != nil {
			return nil, err
		}
	case self.status == http.StatusBadRequest && strings.Contains(string(self.body), "personal access token"):
		// An OAuth token (or another kind /self refuses): /user decides.
		if !askUser {
			user = g.get(ctx, tok, g.api+"user", how, "")
		}
		askUser = true
	default:
		return nil, g.refusal(self, tok, "personal_access_tokens/self")
	}
	if askUser {
		switch {
		case user.err != nil:
			return nil, user.err
		case user.status == http.StatusOK:
			var u struct {
				Username string `json:"username"`
			}
			if json.Unmarshal(user.body, &u) != nil || u.Username == "" {
				return nil, g.notAPI("user")
			}
			f.user = pat.Sanitize(u.Username, maxServerText, tok)
		case user.status == http.StatusForbidden && glErrorField(user.body) == "insufficient_scope":
			// Valid, but without api, read_api or read_user: no login.
		default:
			return nil, g.refusal(user, tok, "user")
		}
	}
	return f, nil
}

// readSelf reads the answer of /personal_access_tokens/self into f.
func (g *GitLab) readSelf(body []byte, f *glFacts, tok pat.Token) error {
	var s struct {
		Scopes    []string `json:"scopes"`
		ExpiresAt *string  `json:"expires_at"`
		Revoked   bool     `json:"revoked"`
		Active    *bool    `json:"active"`
	}
	if err := json.Unmarshal(body, &s); err != nil || s.Active == nil {
		return g.notAPI("personal_access_tokens/self")
	}
	if s.ExpiresAt != nil && *s.ExpiresAt != "" {
		// GitLab's expires_at is a date: the token stops working at 00:00
		// UTC on it.
		d, err := time.Parse("2006-01-02", *s.ExpiresAt)
		if err != nil {
			return g.notAPI("personal_access_tokens/self")
		}
		f.expires = d.UTC()
	}
	switch {
	case s.Revoked:
		return g.unauthorized("the token was revoked")
	case !f.expires.IsZero() && !g.now().Before(f.expires):
		return g.unauthorized("the token expired on " + f.expires.Format("2006-01-02"))
	case !*s.Active:
		return g.unauthorized("the token is not active")
	}
	f.scopes = make([]string, 0, len(s.Scopes))
	for _, sc := range s.Scopes {
		if sc = pat.Sanitize(sc, 64, tok); sc != "" {
			f.scopes = append(f.scopes, sc)
		}
	}
	return nil
}

// fetchJob checks a CI/CD job token with GET /job, the route a job token
// may call for itself. (GitLab documents GET /job as callable with
// JOB-TOKEN; the reference facts do not cover its answers, so the safer
// reading is taken: only a 200 makes the token valid, a 401 rejects it, any
// other answer is an error, never a pass.)
func (g *GitLab) fetchJob(ctx context.Context, tok pat.Token) (*glFacts, error) {
	a := g.get(ctx, tok, g.api+"job", glJobToken, "")
	if a.err != nil {
		return nil, a.err
	}
	if a.status != http.StatusOK {
		if a.status == http.StatusUnauthorized {
			return nil, g.unauthorized("the job token is not valid: its job has finished, or the token is not from this instance")
		}
		return nil, g.refusal(a, tok, "job")
	}
	var j struct {
		User *struct {
			Username string `json:"username"`
		} `json:"user"`
	}
	if json.Unmarshal(a.body, &j) != nil {
		return nil, g.notAPI("job")
	}
	f := &glFacts{}
	if j.User != nil {
		f.user = pat.Sanitize(j.User.Username, maxServerText, tok)
	}
	return f, nil
}

// fetchDeploy checks a deploy token against the bound repository with the
// git ref advertisement, the only thing a deploy token may read without
// knowing a registry.
func (g *GitLab) fetchDeploy(ctx context.Context, tok pat.Token) (*glFacts, error) {
	u := g.CloneURL(*g.repo) + "/info/refs?service=git-upload-pack"
	a := g.get(ctx, tok, u, glBasic, g.cfg.Username)
	if a.err != nil {
		return nil, a.err
	}
	switch a.status {
	case http.StatusOK:
		return &glFacts{user: g.cfg.Username, proven: []string{"read_repository"}}, nil
	case http.StatusUnauthorized:
		return nil, g.unauthorized(fmt.Sprintf("GitLab refused the deploy token for %s: it is unknown, expired or revoked, it does not reach this project, or its user name is not %q", g.repo.String(), g.cfg.Username))
	case http.StatusForbidden:
		if strings.Contains(string(a.body), "not allowed to download code.") {
			return &glFacts{user: g.cfg.Username, missing: []string{"read_repository"}}, nil
		}
	case http.StatusNotFound:
		return nil, fmt.Errorf("gitlab %s: the repository %s was not found (or the token may not see it): %s", g.host, g.repo.String(), g.message(a, tok))
	}
	return nil, g.refusal(a, tok, "info/refs")
}

// unauthorized is the error for a token GitLab rejected.
func (g *GitLab) unauthorized(reason string) error {
	return fmt.Errorf("%w: GitLab rejected the token for %s: %s; create a new one at %s", ErrUnauthorized, g.host, reason, g.tokensPage())
}

// notAPI is the error for a 200 answer that is not GitLab's JSON.
func (g *GitLab) notAPI(route string) error {
	return fmt.Errorf("gitlab %s: GET %s%s answered 200 with a body that is not the GitLab API's JSON (an HTML page from a proxy or a sign-in portal?); check Config.BaseURL (relative URL root?) or Config.APIURL (%s)", g.host, g.api, route, g.api)
}

// refusal turns an answer that is not a success into an error, through
// the one refusal classifier: every byte the server chose is one line,
// capped and scrubbed of tok there.
func (g *GitLab) refusal(a glAnswer, tok pat.Token, route string) error {
	r := refusal.Classify(a.status, a.header, a.body, g.now(), tok)
	msg := r.Message
	switch r.Kind {
	case refusal.Unauthorized:
		reason := "the token is not valid (unknown, or not from this instance)"
		switch desc := strings.ToLower(msg); {
		case strings.Contains(desc, "expired"):
			reason = "the token has expired"
		case strings.Contains(desc, "revoked"):
			reason = "the token was revoked"
		case strings.Contains(desc, "impersonation"):
			reason = "impersonation tokens are disabled on this instance"
		}
		return g.unauthorized(reason)
	case refusal.RateLimited:
		// GitLab's throttles have no primary and secondary kinds.
		return &RateLimitError{Host: g.host, Reset: r.Reset, Message: msg}
	case refusal.Forbidden:
		if glErrorField(a.body) == "insufficient_scope" {
			return fmt.Errorf("gitlab %s: GET %s needs a scope the token lacks (%s)", g.host, route, msg)
		}
		return fmt.Errorf("gitlab %s: GET %s was refused with 403: %s (too many failed sign-ins from this address can block it for an hour)", g.host, route, msg)
	case refusal.NotFound:
		return fmt.Errorf("gitlab %s: the API at %s answered 404 for %s; check Config.BaseURL (relative URL root?) or Config.APIURL", g.host, g.api, route)
	case refusal.ServerError:
		return sharedRefusal(g.host, hostOfURL(g.api), "GET "+route, r)
	}
	if a.status >= 300 && a.status < 400 {
		where := ""
		if u, err := url.Parse(a.header.Get("Location")); err == nil && u.Host != "" {
			where = " to " + pat.Sanitize(u.Host, maxServerText, tok)
		}
		return fmt.Errorf("gitlab %s: GET %s answered a redirect%s, which the check does not follow: check Config.BaseURL or Config.APIURL", g.host, route, where)
	}
	if msg == "" {
		msg = http.StatusText(a.status)
	}
	return fmt.Errorf("gitlab %s: GET %s answered %d: %s", g.host, route, a.status, msg)
}

// hostOfURL returns the host of rawURL, "" when it has none.
func hostOfURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Host
	}
	return ""
}

// message returns the server's message in a, through the one classifier.
func (g *GitLab) message(a glAnswer, tok pat.Token) string {
	return refusal.Message(a.header, a.body, tok)
}

// glErrorField returns the "error" field of a JSON body, or "".
func glErrorField(body []byte) string {
	var m struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return m.Error
}
