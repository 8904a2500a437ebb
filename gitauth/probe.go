package gitauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// ProbeTimeout bounds a probe made with the default HTTP client.
const ProbeTimeout = 30 * time.Second

// maxProbeBody caps what a probe reads of a refusal's body.
const maxProbeBody = 4 << 10

// Probe asks the remote's Git endpoint whether auth may read (Access Read:
// git-upload-pack) or write (Write: git-receive-pack) the repository rawURL
// names. It makes exactly one request, GET {cloneURL}/info/refs?service=...,
// with an HTTP client that honours HTTPS_PROXY and NO_PROXY and times out
// after [ProbeTimeout]; it moves no objects. It is [Options.Probe] with zero
// Options. A reset connection or a 502, 503 or 504 answer is retried at most
// [provider.MaxRetries] times; failures to reach the host or to read its
// answer (timeouts, resets, TLS, 5xx after retries, refused redirects) are a
// [*provider.HostError] naming the host.
//
// auth is a *githttp.BasicAuth (as [Auth] returns), a *githttp.TokenAuth
// (sent as a Bearer token) or nil (anonymous). Probe returns nil for a valid
// smart-HTTP advertisement, else a [*RemoteError] matching:
//   - [provider.ErrUnauthorized]: 401, or a 2xx that is not a Git answer (an
//     Azure DevOps 203 sign-in page; also matches [ErrNotSmartHTTP]);
//   - [ErrAccessDenied]: 403 ("token can read but not write owner/repo" for
//     Write; GitHub answers 403 to a read-only token's write probe);
//   - [provider.ErrSSORequired] ([*provider.SSOError]): 403 naming SAML SSO;
//   - [ErrRepoNotFound]: 404;
//   - [provider.ErrRateLimited] ([*provider.RateLimitError]): 429, or 403
//     with GitHub's rate-limit headers.
//
// A host no provider claims (neither a well-known host nor the host of
// Options.Provider.BaseURL) is probed only when the URL is plain
// ([provider.PlainURL]: https, no user information, no look-alike of a known
// host such as github.com.evil.example, no malformed part). A token whose
// kind belongs to another provider than the URL's is refused before any
// request ([provider.ErrTokenMismatch]), and so is a token of a known kind
// (ghp_, an Azure DevOps PAT) for a host no provider claims, loopback test
// servers aside: configure the host to probe it. Tokens of unknown kind
// (pipeline JWTs, on-premises PATs) may go to any plain URL. Every message
// names the repository and none holds the token.
func Probe(ctx context.Context, rawURL string, auth transport.AuthMethod, access Access) error {
	return Options{}.Probe(ctx, rawURL, auth, access)
}

// Probe is [Probe] with the provider configuration (BaseURL, HTTPClient,
// Timeout) of o: o.Provider picks the provider and its clean clone URL,
// o.Provider.HTTPClient, when set, makes the request (copied, with patgit's
// redirect and retry policy), and o.Provider.Timeout, when positive, bounds
// it instead of [ProbeTimeout]. o.Source is not used: the credentials are
// auth's.
func (o Options) Probe(ctx context.Context, rawURL string, auth transport.AuthMethod, access Access) error {
	if err := checkContext(ctx, "Probe"); err != nil {
		return err
	}
	service := transport.UploadPackServiceName
	op := "probe read"
	if access == Write {
		service, op = transport.ReceivePackServiceName, "probe write"
	}
	t, err := probeTarget(rawURL, o.Provider)
	if err != nil {
		return err
	}
	t.op = op
	var setAuth func(*http.Request)
	var secret string
	switch a := auth.(type) {
	case nil:
	case *githttp.BasicAuth:
		if a == nil {
			break
		}
		secret, setAuth = a.Password, a.SetAuth
	case *githttp.TokenAuth:
		if a == nil {
			break
		}
		secret, setAuth = a.Token, a.SetAuth
	case githttp.AuthMethod:
		setAuth = a.SetAuth
	default:
		return fmt.Errorf("gitauth: %s %s: %w: %s is not an HTTP credential", op, t.remote, transport.ErrInvalidAuthMethod, auth.Name())
	}
	if secret != "" {
		// The secret must be a token: Scrub masks it in everything the
		// server says back. A password with white space or control
		// characters inside could not be found again in an echo.
		tok, err := pat.New(secret)
		if err != nil {
			return fmt.Errorf("gitauth: %s %s: the credentials' password is not a token (nothing was sent): %w", op, t.remote, err)
		}
		t.tokens = append(t.tokens, tok)
	}
	// Never send one provider's token to another's host, nor to a host no
	// provider claims (loopback test servers aside): a token of a known kind
	// goes only to its provider's hosts.
	for _, tok := range t.tokens {
		k := tok.Kind()
		switch {
		case k.Provider() == "" || k.Provider() == t.provider:
		case t.provider == "" && provider.IsLoopback(t.host):
		case t.provider == "":
			return fmt.Errorf("gitauth: %s %s: %w: a %s token goes only to %s hosts, and no configuration names %s as one; set Options.Provider.BaseURL (and Name) for it (nothing was sent)",
				op, t.remote, provider.ErrTokenMismatch, k, k.Provider(), t.host)
		default:
			return fmt.Errorf("gitauth: %s %s: %w: a %s token cannot authenticate to %s (%s) (nothing was sent)",
				op, t.remote, provider.ErrTokenMismatch, k, t.host, t.provider)
		}
	}
	u, err := url.Parse(t.remote)
	if err != nil {
		return fmt.Errorf("gitauth: %s: %w: %v", op, provider.ErrUnsupportedURL, err)
	}
	if setAuth != nil && strings.EqualFold(u.Scheme, "http") && !provider.IsLoopback(u.Host) {
		return fmt.Errorf("gitauth: %s %s: %w", op, t.remote, provider.ErrInsecureURL)
	}

	endpoint := strings.TrimSuffix(t.remote, "/") + "/info/refs?service=" + service
	// The timeout bounds the whole probe, redirects included; the client
	// bounds each request by it too.
	timeout := o.Provider.Timeout
	if timeout <= 0 {
		timeout = ProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return fmt.Errorf("gitauth: %s %s: %w", op, t.remote, t.sanitizeErr(err))
	}
	// Some Git hosts only speak smart HTTP to user agents that start with
	// "git/" (UNVERIFIED for GitHub and Azure DevOps today): present as git.
	req.Header.Set("User-Agent", "git/2.0 (patgit)")
	req.Header.Set("Accept", "application/x-"+service+"-advertisement, */*;q=0.1")
	req.Header.Set("Pragma", "no-cache")
	if setAuth != nil {
		setAuth(req)
	}
	resp, err := probeClient(o.Provider.HTTPClient, timeout).Do(req)
	if err != nil {
		return t.requestErr(err)
	}
	defer resp.Body.Close()
	return t.probeAnswer(resp, service)
}

// probeTarget finds the clean clone URL and repository name for rawURL. A
// URL no provider claims (a test server not named in cfg.BaseURL) is used
// only when it is plain ([provider.PlainURL]): no user information, no
// look-alike of a known host, no malformed part.
func probeTarget(rawURL string, cfg provider.Config) (*target, error) {
	cfg = provider.CIConfig(rawURL, cfg, os.Getenv)
	p, repo, err := provider.ForURL(rawURL, cfg)
	if err == nil {
		clone := p.CloneURL(repo)
		if clone == "" {
			return nil, fmt.Errorf("gitauth: provider %s gave no clone URL for %s", p.Name(), repo)
		}
		return &target{remote: clone, repo: repo.String(), host: repo.Host, provider: p.Name()}, nil
	}
	if !errors.Is(err, provider.ErrUnsupportedURL) {
		return nil, fmt.Errorf("gitauth: %w", err)
	}
	plain, perr := provider.PlainURL(rawURL, cfg)
	if perr != nil {
		return nil, fmt.Errorf("gitauth: %w", perr)
	}
	u, uerr := url.Parse(plain)
	if uerr != nil {
		return nil, fmt.Errorf("gitauth: %w", err)
	}
	name := strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	return &target{remote: u.String(), repo: name, host: strings.ToLower(u.Host)}, nil
}

// probeClient returns provider's client for c (see provider.NewHTTPClient):
// a deadline of timeout (<= 0: ProbeTimeout) per request, bounded retries of
// the GET after resets and 502/503/504, capped bodies, *provider.HostError
// for failures, and credentials dropped on a redirect to another origin.
func probeClient(c *http.Client, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = ProbeTimeout
	}
	return provider.NewHTTPClient(c, timeout)
}

// requestErr reports a failed probe request or body read, keeping a
// *provider.HostError (it names the host) when its text holds no secret.
func (t *target) requestErr(err error) error {
	var he *provider.HostError
	if errors.As(err, &he) && t.sanitize(he.Error(), maxMessage) == he.Error() {
		return fmt.Errorf("gitauth: %s %s: %w", t.op, t.remote, he)
	}
	return fmt.Errorf("gitauth: %s %s: %w", t.op, t.remote, t.sanitizeErr(err))
}

// probeAnswer maps the info/refs response for service.
func (t *target) probeAnswer(resp *http.Response, service string) error {
	re := &RemoteError{Op: t.op, Remote: t.remote, Repo: t.repo, Status: resp.StatusCode}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		head, err := io.ReadAll(io.LimitReader(resp.Body, 512))
		if err != nil {
			return t.requestErr(err)
		}
		if resp.StatusCode == http.StatusOK && isAdvertisement(resp.Header.Get("Content-Type"), head, service) {
			return nil
		}
		re.Err, re.extra = provider.ErrUnauthorized, ErrNotSmartHTTP
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if ct == "" {
			ct = "none"
		}
		re.Detail = "Content-Type " + ct
		return re
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	re.Detail = t.detail(string(body))
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		re.Err, re.extra = provider.ErrUnauthorized, transport.ErrAuthenticationRequired
	case http.StatusForbidden:
		re.Err, re.extra = t.forbidden(string(body), resp.Header), transport.ErrAuthorizationFailed
	case http.StatusNotFound:
		re.Err, re.extra = ErrRepoNotFound, transport.ErrRepositoryNotFound
	case http.StatusTooManyRequests:
		re.Err = t.rateLimit(resp.Header, re.Detail)
	default:
		re.Err = errors.New("unexpected answer " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode) + " from the Git endpoint")
	}
	return re
}

// isAdvertisement reports a smart-HTTP answer for service: the advertisement
// content type and a first pkt-line "# service=<service>".
func isAdvertisement(contentType string, head []byte, service string) bool {
	ct, _, err := mime.ParseMediaType(contentType)
	if err != nil || ct != "application/x-"+service+"-advertisement" {
		return false
	}
	if len(head) < 4 {
		return false
	}
	n, err := strconv.ParseUint(string(head[:4]), 16, 16)
	if err != nil || n < 4 || int(n) > len(head) {
		return false
	}
	line := bytes.TrimSuffix(head[4:n], []byte("\n"))
	return string(line) == "# service="+service
}
