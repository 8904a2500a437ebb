package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
)

// GitHub is the [Provider] for github.com, GitHub Enterprise Server and
// GHE.com. Make one with [NewGitHub]; it is safe for concurrent use.
type GitHub struct {
	cfg    Config
	scheme string   // "https", or "http" for a loopback BaseURL
	host   string   // web and git host, lower case, port kept: "github.com"
	ghecom string   // the SUB of SUB.ghe.com, else ""
	api    string   // REST root with a trailing slash: "https://api.github.com/"
	apiURL *url.URL // api, parsed
	client *http.Client

	state ghState // per-token API clients
}

var _ Provider = (*GitHub)(nil)

// NewGitHub returns a GitHub provider. The zero Config is github.com. It
// returns an error wrapping [ErrInsecureURL] for an http:// BaseURL or APIURL
// whose host is not loopback, and [ErrUnsupportedURL] for a BaseURL it cannot
// use.
func NewGitHub(cfg Config) (*GitHub, error) {
	if err := checkName(cfg, nameGitHub); err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = "https://github.com"
	}
	u, err := parseBaseURL(base)
	if err != nil {
		return nil, err
	}
	g := &GitHub{cfg: cfg, scheme: strings.ToLower(u.Scheme), host: canonicalHost(u), client: newHTTPClient(cfg)}
	hostname := strings.ToLower(u.Hostname())
	switch {
	case hostname == "github.com":
		g.api = "https://api.github.com/"
	case strings.HasSuffix(hostname, ".ghe.com") && strings.Count(hostname, ".") == 2:
		g.ghecom = strings.TrimSuffix(hostname, ".ghe.com")
		g.api = g.scheme + "://api." + g.host + "/"
	default:
		g.api = g.scheme + "://" + g.host + strings.TrimSuffix(u.EscapedPath(), "/") + "/api/v3/"
	}
	if cfg.APIURL != "" {
		a, err := parseBaseURL(cfg.APIURL)
		if err != nil {
			return nil, fmt.Errorf("APIURL: %w", err)
		}
		g.api = strings.TrimSuffix(a.String(), "/") + "/"
	}
	if g.apiURL, err = url.Parse(g.api); err != nil {
		return nil, fmt.Errorf("%w: API URL %q: %v", ErrUnsupportedURL, withoutUserinfo(g.api), err)
	}
	return g, nil
}

// parseBaseURL parses a configured web or API root: http(s) only, http only
// for loopback, no credentials, query or fragment.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q is not an absolute http(s) URL", ErrUnsupportedURL, withoutUserinfo(raw))
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: base URL must not hold credentials, a query or a fragment", ErrUnsupportedURL)
	}
	return u, nil
}

// canonicalHost returns u's host in lower case, without the scheme's default port.
func canonicalHost(u *url.URL) string {
	host := strings.ToLower(u.Host)
	port := u.Port()
	if (port == "443" && strings.EqualFold(u.Scheme, "https")) || (port == "80" && strings.EqualFold(u.Scheme, "http")) {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return host
}

// Name returns "github".
func (g *GitHub) Name() string { return "github" }

// Host returns the web and git host this provider serves, e.g. "github.com";
// "" for a zero GitHub.
func (g *GitHub) Host() string {
	if g == nil {
		return ""
	}
	return g.host
}

// APIURL returns the REST root in use, with a trailing slash; "" for a zero
// GitHub.
func (g *GitHub) APIURL() string {
	if g == nil {
		return ""
	}
	return g.api
}

// ready returns [ErrNotConfigured] for a GitHub not made by [NewGitHub].
func (g *GitHub) ready() error {
	if g == nil || g.client == nil || g.apiURL == nil {
		return notConfigured("GitHub", "NewGitHub")
	}
	return nil
}

// refuse rejects, before any request, a token that must not or cannot be
// sent to this host: an Azure DevOps token (ErrTokenMismatch), a GitHub
// token failing its checksum (pat.ErrChecksum), and a refresh token
// (ErrUnauthorized), which GitHub accepts only to mint access tokens.
func (g *GitHub) refuse(tok pat.Token) error {
	if err := g.ready(); err != nil {
		return err
	}
	if err := checkKind("github", g.host, tok); err != nil {
		return err
	}
	if err := tok.Validate(); err != nil {
		return fmt.Errorf("github %s: %w; copy the token again", g.host, err)
	}
	if tok.Kind() == pat.GitHubRefresh {
		return fmt.Errorf("%w: github %s: a refresh token (ghr_) cannot authenticate; exchange it for an access token first", ErrUnauthorized, g.host)
	}
	return nil
}

// username returns the git user name for tok: Config.Username, else
// "x-access-token" for installation tokens (no request), else the login
// from GET /user, shared with and cached like [GitHub.CheckScopes].
func (g *GitHub) username(ctx context.Context, tok pat.Token) (string, error) {
	if g.cfg.Username != "" {
		return g.cfg.Username, nil
	}
	if tok.Kind() == pat.GitHubInstallation {
		return installationUser, nil
	}
	f, err := g.facts(ctx, tok)
	if err != nil {
		return "", err
	}
	if f.user == "" {
		return installationUser, nil
	}
	return f.user, nil
}

// BasicAuth returns go-git credentials for tok: the token as the password
// and, as the user name, Config.Username if set, else "x-access-token" for
// installation tokens (ghs_), else the token's login from one GET /user
// request (shared with [GitHub.CheckScopes] and cached for Config.CacheTTL,
// so BasicAuth after CheckScopes costs no request). The user name is never
// empty and never the token.
//
// It refuses, before any request, tokens of another provider
// ([ErrTokenMismatch]) and GitHub tokens failing their checksum
// ([pat.ErrChecksum]); a rejected token gives [ErrUnauthorized].
func (g *GitHub) BasicAuth(ctx context.Context, tok pat.Token) (*githttp.BasicAuth, error) {
	ctx = orBackground(ctx)
	if err := g.refuse(tok); err != nil {
		return nil, err
	}
	user, err := g.username(ctx, tok)
	if err != nil {
		return nil, err
	}
	return &githttp.BasicAuth{Username: user, Password: tok.Secret()}, nil
}

// AuthenticatedURL returns SCHEME://USER:TOKEN@HOST/OWNER/REPO.git, the
// clone URL of r with the user name [GitHub.BasicAuth] would use and the
// token as password. It is the last resort for the git CLI: the URL holds
// the secret, so it shows in the process list and, if used as a remote,
// in .git/config. Prefer gitauth.Command, which hands git the token through
// a credential helper, and never give this URL to go-git.
//
// It refuses a repository on another host than the provider's
// ([ErrUnsupportedURL]), plain http to a host that is not loopback
// ([ErrInsecureURL]), and the tokens [GitHub.BasicAuth] refuses.
func (g *GitHub) AuthenticatedURL(ctx context.Context, r Repo, tok pat.Token) (string, error) {
	ctx = orBackground(ctx)
	if err := g.refuse(tok); err != nil {
		return "", err
	}
	if r.Host != "" && !strings.EqualFold(r.Host, g.host) {
		return "", fmt.Errorf("%w: repository host %s is not this provider's host %s; the token is not sent there", ErrUnsupportedURL, r.Host, g.host)
	}
	if r.Owner == "" || r.Name == "" {
		return "", fmt.Errorf("%w: repository %q needs an owner and a name", ErrUnsupportedURL, r.String())
	}
	clone := g.CloneURL(r)
	u, err := url.Parse(clone)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: no clone URL for %s/%s on %s", ErrUnsupportedURL, r.Owner, r.Name, g.host)
	}
	if err := checkScheme(u); err != nil {
		return "", err
	}
	user, err := g.username(ctx, tok)
	if err != nil {
		return "", err
	}
	u.User = url.UserPassword(user, tok.Secret())
	return u.String(), nil
}

// CheckScopes validates tok with one API request and reports its login,
// scopes and expiry. Classic and OAuth tokens disclose their scopes
// (X-OAuth-Scopes): a required scope they do not hold, directly or through
// GitHub's scope hierarchy (repo covers public_repo, admin:org covers
// write:org and read:org, ...), goes to Report.Missing and the error is a
// [*MissingScopeError] naming them all, with the Report. Fine-grained, app
// user and installation tokens disclose none: Report.Scopes is nil and
// every required scope goes to Report.Unverified (gitauth.Probe answers
// for a repository).
//
// The request is GET /user; installation tokens (ghs_), which cannot call
// it, are checked with GET /installation/repositories?per_page=1 and report
// no User (their git user name is "x-access-token"). Concurrent checks of one
// token share one request, and results are reused for Config.CacheTTL.
//
// Errors: [ErrUnauthorized] for a bad, expired or revoked token,
// [*RateLimitError] for primary and secondary rate limits (403 or 429),
// [*SSOError] when SAML single sign-on has not authorized the token; before
// any request, [ErrTokenMismatch] for an Azure DevOps token and
// [pat.ErrChecksum] for a mistyped GitHub token. No error holds the token.
func (g *GitHub) CheckScopes(ctx context.Context, tok pat.Token, required ...string) (*Report, error) {
	ctx = orBackground(ctx)
	if err := g.refuse(tok); err != nil {
		return nil, err
	}
	f, err := g.facts(ctx, tok)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Provider:  g.Name(),
		Host:      g.host,
		User:      f.user,
		Kind:      tok.Kind(),
		ExpiresAt: f.expires,
	}
	if f.scopes != nil {
		rep.Scopes = append([]string{}, f.scopes...)
	}
	for _, want := range ghNormalizeRequired(required) {
		switch {
		case rep.Scopes == nil:
			rep.Unverified = append(rep.Unverified, want)
		case !ghScopesCover(rep.Scopes, want):
			rep.Missing = append(rep.Missing, want)
		}
	}
	if len(rep.Missing) > 0 {
		return rep, &MissingScopeError{Host: g.host, Missing: append([]string(nil), rep.Missing...), Hint: g.scopeHint(rep.Missing)}
	}
	return rep, nil
}

// scopeHint says how to add scopes to a token.
func (g *GitHub) scopeHint(missing []string) string {
	return fmt.Sprintf("add them to the token at %s, or for a token of the GitHub CLI run: gh auth refresh -h %s -s %s",
		g.settingsURL(), g.host, strings.Join(missing, ","))
}
