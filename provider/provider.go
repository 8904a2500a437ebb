package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/checkcache"
	"github.com/patgit/patgit/provider/internal/refusal"
)

// Repo names one repository, the same way whatever URL form it came from.
// Names are unescaped ("My Repo"); [Provider.CloneURL] escapes them again.
type Repo struct {
	// Host is the web and git host, lower case, with a port only when it is
	// not the scheme's default: "github.com", "dev.azure.com",
	// "contoso.visualstudio.com", "ghe.example.com", "tfs.example.com:8080".
	Host string
	// Owner is the GitHub owner, or the Azure DevOps organization (the
	// collection on Azure DevOps Server).
	Owner string
	// Project is the Azure DevOps project; "" on GitHub.
	Project string
	// Name is the repository name, unescaped.
	Name string
	// VirtualDir is the path on an Azure DevOps Server before the collection,
	// unescaped and without surrounding slashes ("tfs"); "" elsewhere.
	VirtualDir string
}

// String returns "owner/name" on GitHub and "owner/project/name" on Azure DevOps.
func (r Repo) String() string {
	if r.Project != "" {
		return r.Owner + "/" + r.Project + "/" + r.Name
	}
	return r.Owner + "/" + r.Name
}

// Provider is one Git host's way of naming repositories and checking tokens.
// Implementations are safe for concurrent use. A nil context is taken as
// context.Background. A method of a zero or nil provider value returns an
// error wrapping [ErrNotConfigured] (CloneURL: ""), never panics.
type Provider interface {
	// Name returns "github" or "azure-devops".
	Name() string
	// ParseRepo understands every URL form of the provider's hosts: https,
	// ssh, scp-like and web URLs. It returns an error wrapping
	// [ErrUnsupportedURL] for anything else.
	ParseRepo(rawURL string) (Repo, error)
	// CloneURL returns the canonical https URL of r, without credentials.
	CloneURL(r Repo) string
	// AuthenticatedURL returns the clone URL with "user:token@" in it, for
	// the git CLI only and as a last resort: the URL holds the secret, so it
	// must never be logged, stored or handed to go-git.
	AuthenticatedURL(ctx context.Context, r Repo, tok pat.Token) (string, error)
	// BasicAuth returns go-git credentials for tok: the token as password and
	// the provider's user name for it.
	BasicAuth(ctx context.Context, tok pat.Token) (*githttp.BasicAuth, error)
	// CheckScopes validates tok against the host and reports which of the
	// required scopes it has. It returns a non-nil *Report whenever the
	// token itself was checked, even when scopes are missing; then the error
	// is a *MissingScopeError naming every missing scope.
	CheckScopes(ctx context.Context, tok pat.Token, required ...string) (*Report, error)
}

// Config configures a provider. The zero value is github.com (for
// [NewGitHub]) or hosted Azure DevOps (for [NewAzureDevOps]).
type Config struct {
	// BaseURL is the web root: "https://github.com" (the default for
	// GitHub), "https://ghe.example.com", "https://dev.azure.com/contoso",
	// "https://tfs.example.com/tfs/DefaultCollection". http:// is accepted only
	// for loopback hosts (test servers).
	BaseURL string
	// Name is the provider that serves BaseURL's host: "github" or
	// "azure-devops". Empty: a well-known host says (github.com,
	// SUB.ghe.com, dev.azure.com, ORG.visualstudio.com); for any other
	// BaseURL, GitHub Enterprise Server when BaseURL has no path and Azure
	// DevOps Server when it has one (a collection URL). [ForURL] decides it
	// from BaseURL alone, once: never from the path of the URL being parsed.
	// A test server on loopback that fakes Azure DevOps at its root needs
	// Name "azure-devops". A constructor refuses a Name naming another
	// provider than its own.
	Name string
	// APIURL is the REST root. Empty: derived from BaseURL (api.github.com,
	// BASE/api/v3/ for GitHub Enterprise Server, api.SUB.ghe.com for GHE.com;
	// BaseURL itself on Azure DevOps).
	APIURL string
	// HTTPClient makes every request. Nil: a client that honours HTTPS_PROXY
	// and NO_PROXY. The client is copied, never modified; patgit's copy (see
	// [NewHTTPClient]) adds Timeout, bounded retries, a body cap and
	// [*HostError], and drops credentials on redirects to another host.
	HTTPClient *http.Client
	// Username is the user name for Basic credentials. GitHub: set it to skip
	// the GET /user look-up. Azure DevOps: any name works; the default is
	// empty, as Microsoft's SDKs send.
	Username string
	// CacheTTL is how long a check result is reused. 0: one minute; negative:
	// never reused.
	CacheTTL time.Duration
	// Timeout bounds each request, its retries and the reading of its
	// answer, whichever client makes it (Config.HTTPClient too): it is
	// applied through the request's context. 0 or negative: [DefaultTimeout]
	// (30 s). A deadline of the caller's context still applies when sooner.
	// A request that runs out of time fails with a [*HostError] matching
	// context.DeadlineExceeded.
	Timeout time.Duration
}

// DefaultCacheTTL is how long a check result is reused when Config.CacheTTL is 0.
const DefaultCacheTTL = time.Minute

// cacheTTL returns how long c's check results are reused; 0 means never.
func (c Config) cacheTTL() time.Duration {
	switch {
	case c.CacheTTL == 0:
		return DefaultCacheTTL
	case c.CacheTTL < 0:
		return 0
	}
	return c.CacheTTL
}

// Report is what a check learned about a token.
type Report struct {
	Provider string   `json:"provider"`
	Host     string   `json:"host"`
	User     string   `json:"user,omitempty"` // login (GitHub) or display / unique name (Azure DevOps)
	Kind     pat.Kind `json:"kind"`
	// Scopes as the host reports them; nil when the host does not disclose
	// scopes (fine-grained and installation tokens, Azure DevOps).
	Scopes []string `json:"scopes"`
	// Missing lists required scopes proven absent.
	Missing []string `json:"missing,omitempty"`
	// Unverified lists required scopes that cannot be proven with this token
	// and no repository: use gitauth.Probe for a repository.
	Unverified []string `json:"unverified,omitempty"`
	// ExpiresAt is when the token expires; zero when unknown or never.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// ExpiresWithin reports whether the token is known to expire within d of now
// (or has already expired).
func (r *Report) ExpiresWithin(d time.Duration) bool {
	if r == nil || r.ExpiresAt.IsZero() {
		return false
	}
	return time.Until(r.ExpiresAt) < d
}

// Sentinel errors. Errors from this package wrap them: test with [errors.Is].
var (
	// ErrUnsupportedURL: not a URL this provider (or any provider, for
	// ForURL) understands.
	ErrUnsupportedURL = errors.New("unsupported repository URL")
	// ErrUnauthorized: a bad, expired or revoked token (GitHub 401; Azure
	// DevOps 401, a 203 sign-in page, or the anonymous user).
	ErrUnauthorized = errors.New("token rejected")
	// ErrMissingScope is the errors.Is target of *MissingScopeError.
	ErrMissingScope = errors.New("token lacks required scopes")
	// ErrRateLimited is the errors.Is target of *RateLimitError.
	ErrRateLimited = errors.New("rate limited")
	// ErrSSORequired is the errors.Is target of *SSOError.
	ErrSSORequired = errors.New("token not authorized for SAML single sign-on")
	// ErrInsecureURL: credentials would go over http:// to a host that is
	// not loopback.
	ErrInsecureURL = errors.New("refusing to send credentials over plain http to a non-loopback host")
	// ErrTokenMismatch: a token whose kind belongs to the other provider.
	ErrTokenMismatch = errors.New("token belongs to another provider")
	// ErrNotConfigured: a method of a zero (or nil) provider value, one
	// not made by its constructor (NewGitHub, NewAzureDevOps).
	ErrNotConfigured = errors.New("provider not configured: make it with its constructor")
)

// notConfigured is the error of a method of a zero or nil provider.
func notConfigured(kind, constructor string) error {
	return fmt.Errorf("%w: a zero %s; use %s (or ForURL)", ErrNotConfigured, kind, constructor)
}

// orBackground returns ctx, or context.Background for a nil ctx: every
// method that takes a context treats nil as Background.
func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// MissingScopeError names every required scope the token lacks and what to
// do about it. It matches [ErrMissingScope].
type MissingScopeError struct {
	Host    string
	Missing []string
	// Hint says how to get the scopes, e.g. the settings page or a gh command.
	Hint string
}

func (e *MissingScopeError) Error() string {
	q := make([]string, len(e.Missing))
	for i, s := range e.Missing {
		q[i] = "'" + s + "'"
	}
	word := "scope"
	if len(q) != 1 {
		word = "scopes"
	}
	msg := fmt.Sprintf("token for %s is missing required %s %s", e.Host, word, strings.Join(q, ", "))
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

// Is reports whether target is [ErrMissingScope].
func (e *MissingScopeError) Is(target error) bool { return target == ErrMissingScope }

// RateLimitError reports a primary or secondary rate limit. It matches [ErrRateLimited].
type RateLimitError struct {
	Host string
	// Reset is when to try again (zero when the host did not say).
	Reset time.Time
	// Secondary is true for GitHub's secondary (abuse) limits.
	Secondary bool
	Message   string
}

func (e *RateLimitError) Error() string {
	kind := "rate limit"
	if e.Secondary {
		kind = "secondary rate limit"
	}
	msg := e.Host + ": " + kind + " exceeded"
	if e.Message != "" {
		msg += " (" + e.Message + ")"
	}
	if !e.Reset.IsZero() {
		msg += "; try again after " + e.Reset.UTC().Format(time.RFC3339)
	}
	return msg
}

// Is reports whether target is [ErrRateLimited].
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// SSOError reports a token that an organization's SAML single sign-on has not
// authorized. It matches [ErrSSORequired].
type SSOError struct {
	Host string
	// URL is where a person authorizes the token (GitHub's X-GitHub-SSO url;
	// valid for about an hour). May be empty.
	URL string
}

func (e *SSOError) Error() string {
	msg := e.Host + ": the organization requires SAML single sign-on and the token is not authorized for it"
	if e.URL != "" {
		msg += "; authorize it at " + e.URL
	}
	return msg
}

// Is reports whether target is [ErrSSORequired].
func (e *SSOError) Is(target error) bool { return target == ErrSSORequired }

// checks is the one check cache of the process: providers made afresh for
// each call (ForURL) share results and requests in flight.
var checks checkcache.Cache

// checkKey is the check-cache key of one request (what) for tok: a hash over
// the secret and everything else that changes the answer.
func (c Config) checkKey(provider, api, what string, tok pat.Token) checkcache.Key {
	return checkcache.KeyOf("patgit check", provider, api, c.Username, what, tok.Secret())
}

// RefusalError classifies an HTTP answer of status to a request made with
// tok, as the providers' checks do, for code outside this package that
// reads answers of its own (a Git endpoint's): the one classifier, the one
// Retry-After / X-RateLimit-Reset / RateLimit-Reset parser. body must be
// capped ([MaxResponseBody]; more is ignored). It returns a
// [*RateLimitError] (429, or 403 with a rate-limit header or message), an
// [*SSOError] (403 with X-GitHub-SSO "required"), an error wrapping
// [ErrUnauthorized] (401), a [*HostError] matching [ErrServerError] (5xx),
// and nil for a success and for the answers each caller words itself (403,
// 404, other 4xx). The server's text in it is one line, capped and scrubbed
// of tok in any encoding.
func RefusalError(host string, status int, h http.Header, body []byte, tok pat.Token) error {
	r := refusal.Classify(status, h, body, time.Now(), tok)
	host = pat.Sanitize(host, maxServerText, tok)
	if r.Kind == refusal.Unauthorized {
		msg := r.Message
		if msg == "" {
			msg = http.StatusText(status)
		}
		return fmt.Errorf("%w: %s refused the token (%d %s)", ErrUnauthorized, host, status, msg)
	}
	return sharedRefusal(host, host, "request", r)
}

// sharedRefusal returns the typed error of the refusals every host words
// alike: *RateLimitError, *SSOError, and a *HostError matching
// ErrServerError for 5xx (apiHost and op name the request). It returns nil
// for the kinds each host words itself (401, 403, 404, other 4xx).
func sharedRefusal(host, apiHost, op string, r refusal.Refusal) error {
	switch r.Kind {
	case refusal.RateLimited:
		return &RateLimitError{Host: host, Reset: r.Reset, Secondary: r.Secondary, Message: r.Message}
	case refusal.SSORequired:
		return &SSOError{Host: host, URL: r.SSOURL}
	case refusal.ServerError:
		cause := fmt.Errorf("%w: the host answered %d %s", ErrServerError, r.Status, http.StatusText(r.Status))
		if r.Message != "" {
			cause = fmt.Errorf("%w (%s)", cause, r.Message)
		}
		return &HostError{Host: apiHost, Op: op, Status: r.Status, Attempts: 1, Err: cause}
	}
	return nil
}
