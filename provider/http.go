package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/refusal"
)

// DefaultTimeout bounds each request when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// MaxResponseBody caps how much of one answer patgit reads (64 KiB): reading
// more fails with a [*HostError] matching [ErrResponseTooLarge]. A refusal's
// body is cut to it before anything else touches it.
const MaxResponseBody = refusal.MaxBody

// MaxRetries is how many times a failed idempotent request (GET, HEAD,
// OPTIONS) is sent again: after a connection reset or a 502, 503 or 504.
const MaxRetries = 2

const (
	// maxRedirects bounds redirect chains (Go's own default is 10).
	maxRedirects = 10
	// maxRetryAfter is the longest Retry-After a retry waits for; a longer
	// one ends the request at once.
	maxRetryAfter = 2 * time.Second
)

// retryBase is the first retry's backoff; each further retry doubles it,
// with jitter.
var retryBase = 100 * time.Millisecond

var (
	// ErrResponseTooLarge: an answer longer than [MaxResponseBody]. It is
	// wrapped in a [*HostError].
	ErrResponseTooLarge = refusal.ErrTooLarge
	// ErrServerError: the host kept answering 502, 503 or 504. It is wrapped
	// in a [*HostError] whose Status is the last answer's.
	ErrServerError = errors.New("server error")
	// ErrRedirect: a redirect patgit refuses to follow (a loop, too many
	// hops, https to http). It is wrapped in a [*HostError].
	ErrRedirect = errors.New("refused redirect")
)

// HostError reports that a host could not be reached or did not answer
// usefully: network failures, resets, TLS failures, deadlines, 5xx answers
// after retries, oversized bodies, refused redirects. It names the host and
// never holds a token. Match the cause with errors.Is (e.g.
// [context.DeadlineExceeded], [ErrServerError], [ErrResponseTooLarge]) or
// errors.As (e.g. *tls.CertificateVerificationError).
type HostError struct {
	// Host is the host (and port, if any) the request went to.
	Host string
	// Op is the request: "GET /api/v3/user".
	Op string
	// Status is the last HTTP status for a server error; 0 when there was
	// no answer.
	Status int
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the cause.
	Err error
}

// Error returns one line: the host, the request, the cause and a hint. The
// request and the cause may hold text a server chose (a redirect's
// Location): it is cut to one line, stripped of control characters and
// capped ([pat.Sanitize]).
func (e *HostError) Error() string {
	msg := e.Host + ": " + e.Op
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	cause := "failed"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	return pat.Sanitize(msg+": "+cause+"; "+e.hint(), maxErrorText)
}

// maxErrorText caps the text of one error built from server-controlled
// parts; maxServerText caps one server-controlled part (a message, a path).
const (
	maxErrorText  = 2048
	maxServerText = 300
)

// withoutUserinfo returns a configured URL fit for an error message: its
// user information dropped (not masked), one line, capped.
func withoutUserinfo(raw string) string {
	start := 0
	if j := strings.Index(raw, "://"); j >= 0 {
		start = j + 3
	}
	end := len(raw)
	if k := strings.IndexAny(raw[start:], "/?#"); k >= 0 {
		end = start + k
	}
	if at := strings.LastIndex(raw[start:end], "@"); at >= 0 {
		raw = raw[:start] + raw[start+at+1:]
	}
	return pat.Sanitize(raw, maxServerText)
}

// requestOp names a request for errors: its method and escaped path (no
// query, no user information), cut to one line and capped. After a redirect
// the path is the server's choice.
func requestOp(req *http.Request) string {
	return req.Method + " " + pat.Sanitize(req.URL.EscapedPath(), maxServerText)
}

// scrubErr returns err fit to hand a caller after a request made with tok:
// a *HostError is copied with its request and cause scrubbed of tok (its
// cause still matches errors.Is and errors.As); any other error whose text
// holds tok in any encoding is replaced by its scrubbed text, wrapping it.
func scrubErr(err error, tok pat.Token) error {
	if err == nil {
		return nil
	}
	var he *HostError
	if errors.As(err, &he) {
		c := *he
		c.Host = pat.Sanitize(he.Host, maxServerText, tok)
		c.Op = pat.Sanitize(he.Op, maxServerText, tok)
		if he.Err != nil {
			c.Err = cleanText(he.Err, tok)
		}
		return &c
	}
	return cleanText(err, tok)
}

// cleanText returns err, or when its text is not one clean line free of
// tok, an error with the sanitized text that unwraps to err.
func cleanText(err error, tok pat.Token) error {
	msg := err.Error()
	if clean := pat.Sanitize(msg, maxErrorText, tok); clean != msg {
		return &cleanError{msg: clean, err: err}
	}
	return err
}

// cleanError is an error whose text was sanitized. errors.Is and errors.As
// still see the original's causes, but it does not unwrap to the original,
// whose text is not fit to print.
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string        { return e.msg }
func (e *cleanError) Is(target error) bool { return errors.Is(e.err, target) }
func (e *cleanError) As(target any) bool   { return errors.As(e.err, target) }

func (e *HostError) hint() string {
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var netErr net.Error
	switch {
	case errors.Is(e.Err, context.Canceled):
		return "the request was cancelled"
	case errors.Is(e.Err, context.DeadlineExceeded), errors.As(e.Err, &netErr) && netErr.Timeout():
		return "no answer in time: check the network and proxy, or raise Config.Timeout"
	case errors.Is(e.Err, ErrServerError):
		return "the host is failing: try again later"
	case errors.Is(e.Err, ErrResponseTooLarge):
		return fmt.Sprintf("the answer is larger than %d bytes: check that the URL is the host's API", MaxResponseBody)
	case errors.Is(e.Err, ErrRedirect):
		return "check the configured URL"
	case errors.As(e.Err, &cert), errors.As(e.Err, &unknown), errors.As(e.Err, &hostname):
		return "the host's TLS certificate is not trusted: check the host name, or install the CA of your proxy or server"
	}
	return "check the host name, the proxy settings and the network"
}

// Unwrap returns the cause.
func (e *HostError) Unwrap() error { return e.Err }

// timeout returns the per-request deadline of cfg.
func (cfg Config) timeout() time.Duration {
	if cfg.Timeout <= 0 {
		return DefaultTimeout
	}
	return cfg.Timeout
}

// newHTTPClient returns the client a provider makes its requests with.
func newHTTPClient(cfg Config) *http.Client {
	return NewHTTPClient(cfg.HTTPClient, cfg.Timeout)
}

// NewHTTPClient returns a copy of c (nil: a default client that honours
// HTTPS_PROXY and NO_PROXY and shares its connections) with patgit's
// policies; c is not modified:
//   - every request has a deadline of timeout (<= 0: [DefaultTimeout]),
//     covering its retries and the reading of its body, on top of the
//     request's own context;
//   - an idempotent request (GET, HEAD, OPTIONS) is sent again at most
//     [MaxRetries] times after a connection reset or a 502, 503 or 504,
//     with a short exponential backoff with jitter, or the host's
//     Retry-After when it is at most two seconds; never after another
//     status (4xx, 429 rate limits, 500);
//   - a body is read to at most [MaxResponseBody] bytes;
//   - failures are a [*HostError] naming the host;
//   - a redirect to another origin (scheme, host or port) drops every
//     credential header (Authorization, Basic included, Cookie,
//     PRIVATE-TOKEN, JOB-TOKEN); https-to-http redirects and chains of
//     more than ten redirects are refused.
func NewHTTPClient(c *http.Client, timeout time.Duration) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out = http.Client{Transport: defaultTransport()}
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	base := out.Transport
	if h, ok := base.(*hostTransport); ok {
		base = h.base
	}
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = &hostTransport{base: base, timeout: timeout}
	next := out.CheckRedirect
	out.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := safeRedirect(req, via); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &out
}

// defaultTransport is shared by every provider made without an HTTPClient,
// so they reuse connections. It honours HTTPS_PROXY and NO_PROXY.
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	return t
})

// credentialHeaders are the headers that carry credentials, dropped on a
// redirect to another origin.
var credentialHeaders = []string{"Authorization", "Cookie", "Private-Token", "Job-Token"}

// sameOrigin reports whether a and b have one origin: the same scheme, host
// name (case and a trailing dot aside) and port (the scheme's default when
// absent). Credentials meant for a go only to b's origin when it is a's.
func sameOrigin(a, b *url.URL) bool {
	if a == nil || b == nil {
		return false
	}
	sa, sb := strings.ToLower(a.Scheme), strings.ToLower(b.Scheme)
	ha := strings.TrimSuffix(strings.ToLower(a.Hostname()), ".")
	hb := strings.TrimSuffix(strings.ToLower(b.Hostname()), ".")
	return sa == sb && ha == hb && portOf(a) == portOf(b)
}

// portOf returns u's port, or its scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

func safeRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	refuse := func(format string, args ...any) error {
		return &HostError{Host: first.URL.Host, Op: requestOp(first), Attempts: len(via),
			Err: fmt.Errorf("%w: "+format, append([]any{ErrRedirect}, args...)...)}
	}
	if len(via) >= maxRedirects {
		return refuse("more than %d redirects (a redirect loop?), last to %s", maxRedirects, req.URL.Host)
	}
	prev := via[len(via)-1]
	if strings.EqualFold(prev.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
		return refuse("%s redirected from https to %s", prev.URL.Host, req.URL.Scheme)
	}
	if !sameOrigin(req.URL, first.URL) {
		for _, h := range credentialHeaders {
			req.Header.Del(h)
		}
	}
	return nil
}

// hostTransport gives each request a deadline, retries idempotent requests
// after transient failures, caps bodies and reports failures as *HostError.
type hostTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	op := requestOp(req)
	fail := func(status, attempts int, err error) (*http.Response, error) {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%w)", cerr, err)
		}
		cancel()
		return nil, &HostError{Host: req.URL.Host, Op: op, Status: status, Attempts: attempts, Err: err}
	}
	retry := idempotent(req)
	for attempt := 1; ; attempt++ {
		r := req.WithContext(ctx)
		if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				return fail(0, attempt-1, err)
			}
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			if ctx.Err() != nil || !retry || attempt > MaxRetries || !transient(err) {
				return fail(0, attempt, err)
			}
			if werr := sleep(ctx, backoff(attempt)); werr != nil {
				return fail(0, attempt, err)
			}
			continue
		}
		if retry && retryStatus(resp.StatusCode) {
			wait, ok := refusal.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
			if !ok {
				wait, ok = backoff(attempt), true
			} else {
				ok = wait <= maxRetryAfter
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBody))
			resp.Body.Close()
			serr := fmt.Errorf("%w: the host answered %d %s", ErrServerError, resp.StatusCode, http.StatusText(resp.StatusCode))
			if !ok || attempt > MaxRetries {
				return fail(resp.StatusCode, attempt, serr)
			}
			if werr := sleep(ctx, wait); werr != nil {
				return fail(resp.StatusCode, attempt, serr)
			}
			continue
		}
		resp.Body = &capBody{rc: resp.Body, ctx: ctx, cancel: cancel, left: MaxResponseBody, host: req.URL.Host, op: op, attempts: attempt}
		return resp, nil
	}
}

// idempotent reports whether req may be sent again.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "":
	default:
		return false
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// transient reports a failure worth one more try: the connection was reset
// or closed before the answer.
func transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func retryStatus(code int) bool {
	return code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// backoff returns the wait before retry number attempt (1, 2, …):
// retryBase doubled per attempt, between half and all of it.
func backoff(attempt int) time.Duration {
	d := retryBase << (attempt - 1)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d, or returns an error at once when ctx ends first or would
// end before d.
func sleep(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// capBody reads at most left bytes of a body, reports read failures as
// *HostError, and ends the request's deadline when closed.
type capBody struct {
	rc       io.ReadCloser
	ctx      context.Context
	cancel   context.CancelFunc
	left     int64
	host, op string
	attempts int
	err      error
}

func (b *capBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = &HostError{Host: b.host, Op: b.op, Attempts: b.attempts,
			Err: fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, MaxResponseBody)}
		return n, b.err
	}
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		if cerr := b.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%w)", cerr, err)
		}
		b.err = &HostError{Host: b.host, Op: "reading the answer of " + b.op, Attempts: b.attempts, Err: err}
		return n, b.err
	}
	return n, err
}

func (b *capBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// IsLoopback reports whether host (with or without a port) is a loopback
// name or address: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkScheme returns nil for https, and for http only to loopback hosts;
// ErrInsecureURL for http elsewhere; ErrUnsupportedURL for other schemes.
func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Host) {
			return nil
		}
		return fmt.Errorf("%w: http://%s (use https://)", ErrInsecureURL, u.Host)
	}
	return fmt.Errorf("%w: scheme %q is not http(s)", ErrUnsupportedURL, u.Scheme)
}

// checkKind refuses a token of the other provider's kind before any request.
// Unknown kinds are never refused.
func checkKind(provider, host string, tok pat.Token) error {
	if tok.IsZero() {
		return fmt.Errorf("%s: %w", host, pat.ErrEmpty)
	}
	if p := tok.Kind().Provider(); p != "" && p != provider {
		return fmt.Errorf("%w: a %s token cannot authenticate to %s (%s)", ErrTokenMismatch, tok.Kind(), host, provider)
	}
	return nil
}
