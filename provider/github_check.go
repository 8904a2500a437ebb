package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/checkcache"
	"github.com/patgit/patgit/provider/internal/refusal"
)

// ghMaxEntries bounds the per-token state a GitHub provider keeps (cached
// results and API clients); past it, the state is dropped and rebuilt.
const ghMaxEntries = 1024

// installationUser is the git user name for GitHub App installation tokens,
// which have no login of their own.
const installationUser = "x-access-token"

// ghFacts is what one API call learned about a token. It holds no secret and
// is never modified once stored.
type ghFacts struct {
	user    string    // login; "" for installation tokens
	scopes  []string  // X-OAuth-Scopes; nil when the header was absent
	expires time.Time // UTC; zero when unknown or never
}

// ghState is a GitHub provider's go-github clients, one per token, keyed by
// the token's check key (never the token itself).
type ghState struct {
	mu      sync.Mutex
	clients map[checkcache.Key]*github.Client
}

// ghTokenKey is the context key under which the token of one request travels
// to ghAuthTransport, so no client or transport ever stores a secret.
type ghTokenKey struct{}

// ghAuthTransport adds "Authorization: token …" to requests for the API's
// origin, and only to those: a redirect to another origin (scheme, host or
// port) goes out without it. It refuses plain http to a host that is not
// loopback.
type ghAuthTransport struct {
	base http.RoundTripper
	api  *url.URL
}

func (t *ghAuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, _ := req.Context().Value(ghTokenKey{}).(pat.Token)
	if tok.IsZero() || !sameOrigin(req.URL, t.api) {
		return t.base.RoundTrip(req)
	}
	if err := checkScheme(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	authed := req.Clone(req.Context())
	authed.Header.Set("Authorization", "token "+tok.Secret())
	resp, err := t.base.RoundTrip(authed)
	if resp != nil {
		// The response must not lead back to the header holding the secret.
		resp.Request = req
	}
	return resp, err
}

// apiClient returns the go-github client for the token with the given hash.
// Each token has its own client so that go-github's memory of a rate limit
// (it refuses to send requests until the reset) applies to that token only.
// The client holds no secret: the token travels in each request's context.
func (g *GitHub) apiClient(key checkcache.Key) *github.Client {
	g.state.mu.Lock()
	defer g.state.mu.Unlock()
	if c, ok := g.state.clients[key]; ok {
		return c
	}
	if g.state.clients == nil || len(g.state.clients) >= ghMaxEntries {
		g.state.clients = make(map[checkcache.Key]*github.Client)
	}
	hc := *g.client
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &ghAuthTransport{base: base, api: g.apiURL}
	c := github.NewClient(&hc)
	c.BaseURL = g.apiURL
	c.UserAgent = "patgit (go-github/v62)"
	g.state.clients[key] = c
	return c
}

// facts returns what GitHub says about tok: from the process-wide check
// cache, from a request already in flight for the same token, or from one
// new request.
func (g *GitHub) facts(ctx context.Context, tok pat.Token) (*ghFacts, error) {
	key := g.cfg.checkKey(g.Name(), g.api, "user", tok)
	v, err := checks.Do(ctx, key, g.cfg.cacheTTL(), g.cfg.timeout(), func(ctx context.Context) (any, error) {
		return g.fetch(ctx, key, tok)
	})
	if err != nil {
		return nil, err
	}
	return v.(*ghFacts), nil
}

// fetch makes the one request that checks tok: GET /user, or for
// installation tokens, which cannot call /user, GET
// /installation/repositories?per_page=1.
func (g *GitHub) fetch(ctx context.Context, key checkcache.Key, tok pat.Token) (*ghFacts, error) {
	c := g.apiClient(key)
	ctx = context.WithValue(ctx, ghTokenKey{}, tok)
	var (
		resp  *github.Response
		err   error
		login string
	)
	op := "GET " + g.apiURL.Path + "user"
	if tok.Kind() == pat.GitHubInstallation {
		op = "GET " + g.apiURL.Path + "installation/repositories"
		_, resp, err = c.Apps.ListRepos(ctx, &github.ListOptions{PerPage: 1})
	} else {
		var u *github.User
		u, resp, err = c.Users.Get(ctx, "")
		if err == nil {
			// The login is the server's text: one line, capped, scrubbed.
			login = pat.Sanitize(u.GetLogin(), maxServerText, tok)
		}
	}
	if err != nil {
		return nil, g.apiError(err, tok, op)
	}
	f := &ghFacts{user: login}
	if v, ok := resp.Header[http.CanonicalHeaderKey("X-OAuth-Scopes")]; ok {
		f.scopes = ghParseScopes(strings.Join(v, ","))
		if len(f.scopes) == 0 && !ghHasOAuthScopes(tok.Kind()) {
			// Fine-grained, app user and installation tokens have
			// permissions, not OAuth scopes: an empty header from them
			// says nothing about what they may do.
			f.scopes = nil
		}
	}
	if !resp.TokenExpiration.IsZero() {
		// go-github converts the expiry to the local time zone.
		f.expires = resp.TokenExpiration.UTC()
	}
	if login == "" && tok.Kind() != pat.GitHubInstallation {
		return nil, fmt.Errorf("github %s: GET %suser answered without a login; check the API URL", g.host, g.api)
	}
	return f, nil
}

// ghHasOAuthScopes reports whether tokens of kind k carry OAuth scopes
// (classic PATs, OAuth app tokens, and tokens of unknown shape such as the
// old 40-hex ones), so that an empty X-OAuth-Scopes means "no scopes".
func ghHasOAuthScopes(k pat.Kind) bool {
	switch k {
	case pat.GitHubFineGrained, pat.GitHubUser, pat.GitHubInstallation:
		return false
	}
	return true
}

// apiError turns an error from go-github into one of the provider's errors.
// It never wraps go-github's own error values, whose responses lead to the
// request; an error answer goes through the one refusal classifier
// (provider/internal/refusal), so every server-controlled byte is capped,
// cut to one line and scrubbed. Failures to reach the host or to get a
// usable answer are a *HostError; op names the request.
func (g *GitHub) apiError(err error, tok pat.Token, op string) error {
	var (
		rl    *github.RateLimitError
		abuse *github.AbuseRateLimitError
		er    *github.ErrorResponse
		tfa   *github.TwoFactorAuthError
		uerr  *url.Error
		he    *HostError
		syn   *json.SyntaxError
		typ   *json.UnmarshalTypeError
		resp  *http.Response
	)
	switch {
	case errors.As(err, &he):
		return scrubErr(he, tok)
	case errors.As(err, &tfa):
		return g.unauthorized()
	case errors.As(err, &rl):
		// go-github reports a limit it saw, or refuses by itself, with no
		// request, while it remembers one.
		r := refusal.Refusal{Kind: refusal.RateLimited, Message: pat.Sanitize(rl.Message, refusal.MaxMessage, tok)}
		if !rl.Rate.Reset.IsZero() {
			r.Reset = rl.Rate.Reset.UTC()
		}
		return g.limitError(rl.Response, r, tok, op)
	case errors.As(err, &abuse):
		r := refusal.Refusal{Kind: refusal.RateLimited, Secondary: true, Message: pat.Sanitize(abuse.Message, refusal.MaxMessage, tok)}
		if abuse.RetryAfter != nil {
			r.Reset = time.Now().Add(*abuse.RetryAfter).UTC().Truncate(time.Second)
		}
		return g.limitError(abuse.Response, r, tok, op)
	case errors.As(err, &er):
		resp = er.Response
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &HostError{Host: g.apiURL.Host, Op: op, Attempts: 1, Err: err}
	case errors.As(err, &uerr):
		return scrubErr(&HostError{Host: g.apiURL.Host, Op: op, Attempts: 1, Err: uerr.Err}, tok)
	case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("github %s: %s answered 200 with a body that is not the GitHub API's JSON (an HTML page from a proxy or a sign-in portal?); check Config.APIURL (%s) and the network", g.host, op, g.api)
	}
	if resp != nil {
		body, _ := refusal.ReadBody(resp.Body)
		return g.refusalError(refusal.Classify(resp.StatusCode, resp.Header, body, time.Now(), tok), op)
	}
	return fmt.Errorf("github %s: checking the token: %w", g.host, scrubErr(err, tok))
}

// limitError words a rate limit go-github reported: from its answer when
// there was one, else from what go-github remembered (r).
func (g *GitHub) limitError(resp *http.Response, r refusal.Refusal, tok pat.Token, op string) error {
	if resp != nil {
		body, _ := refusal.ReadBody(resp.Body)
		if c := refusal.Classify(resp.StatusCode, resp.Header, body, time.Now(), tok); c.Kind == refusal.RateLimited {
			if c.Reset.IsZero() {
				c.Reset = r.Reset
			}
			r = c
		}
	}
	return g.refusalError(r, op)
}

func (g *GitHub) unauthorized() error {
	return fmt.Errorf("%w: GitHub rejected the token for %s: bad credentials — it is invalid, expired or revoked; create a new one at %s",
		ErrUnauthorized, g.host, g.settingsURL())
}

// refusalError words a classified GitHub refusal.
func (g *GitHub) refusalError(r refusal.Refusal, op string) error {
	if err := sharedRefusal(g.host, g.apiURL.Host, op, r); err != nil {
		return err
	}
	msg := r.Message
	if msg == "" {
		msg = http.StatusText(r.Status)
	}
	switch r.Kind {
	case refusal.Unauthorized:
		return g.unauthorized()
	case refusal.NotFound:
		return fmt.Errorf("github %s: the API at %s answered 404 %s; check Config.APIURL", g.host, g.api, msg)
	}
	return fmt.Errorf("github %s: the API refused the check with %d: %s", g.host, r.Status, msg)
}

// settingsURL is the page where a person manages tokens on this host.
func (g *GitHub) settingsURL() string {
	return g.scheme + "://" + g.host + "/settings/tokens"
}
