package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
)

// errNotImplemented marks checks that later work fills in.
var errNotImplemented = errors.New("not implemented yet")

// GitHub is the [Provider] for github.com, GitHub Enterprise Server and
// GHE.com. Make one with [NewGitHub]; it is safe for concurrent use.
type GitHub struct {
	cfg    Config
	scheme string // "https", or "http" for a loopback BaseURL
	host   string // web and git host, lower case, port kept: "github.com"
	ghecom string // the SUB of SUB.ghe.com, else ""
	api    string // REST root with a trailing slash: "https://api.github.com/"
	client *http.Client
}

var _ Provider = (*GitHub)(nil)

// NewGitHub returns a GitHub provider. The zero Config is github.com. It
// returns an error wrapping [ErrInsecureURL] for an http:// BaseURL or APIURL
// whose host is not loopback, and [ErrUnsupportedURL] for a BaseURL it cannot
// use.
func NewGitHub(cfg Config) (*GitHub, error) {
	base := cfg.BaseURL
	if base == "" {
		base = "https://github.com"
	}
	u, err := parseBaseURL(base)
	if err != nil {
		return nil, err
	}
	g := &GitHub{cfg: cfg, scheme: strings.ToLower(u.Scheme), host: canonicalHost(u), client: newHTTPClient(cfg.HTTPClient)}
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
	return g, nil
}

// parseBaseURL parses a configured web or API root: http(s) only, http only
// for loopback, no credentials, query or fragment.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q is not an absolute http(s) URL", ErrUnsupportedURL, redactURL(raw))
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

// redactURL returns raw with any user information replaced, for error messages.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if u.User != nil {
			u.User = url.User("REDACTED")
		}
		return u.String()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "REDACTED" + raw[i:]
		}
		return "REDACTED" + raw[i:]
	}
	return raw
}

// Name returns "github".
func (g *GitHub) Name() string { return "github" }

// Host returns the web and git host this provider serves, e.g. "github.com".
func (g *GitHub) Host() string { return g.host }

// APIURL returns the REST root in use, with a trailing slash.
func (g *GitHub) APIURL() string { return g.api }

// BasicAuth returns go-git credentials for tok.
func (g *GitHub) BasicAuth(ctx context.Context, tok pat.Token) (*githttp.BasicAuth, error) {
	return nil, fmt.Errorf("github BasicAuth: %w", errNotImplemented)
}

// AuthenticatedURL returns the user:token@ clone URL for the git CLI.
func (g *GitHub) AuthenticatedURL(ctx context.Context, r Repo, tok pat.Token) (string, error) {
	return "", fmt.Errorf("github AuthenticatedURL: %w", errNotImplemented)
}

// CheckScopes validates tok and reports its scopes.
func (g *GitHub) CheckScopes(ctx context.Context, tok pat.Token, required ...string) (*Report, error) {
	return nil, fmt.Errorf("github CheckScopes: %w", errNotImplemented)
}
