package gitauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// Sentinel errors. Errors from this package wrap them (or the provider
// package's sentinels): test with [errors.Is].
var (
	// ErrRepoNotFound: the host answered 404. The repository does not exist,
	// or the token cannot see it: hosts answer the same for both, so that
	// private repositories stay hidden.
	ErrRepoNotFound = errors.New("repository not found or the token cannot see it")
	// ErrAccessDenied: the host knows the token but refuses the operation
	// (HTTP 403), typically a push with a token that may only read.
	ErrAccessDenied = errors.New("access denied")
	// ErrMultiAck: the server requires the multi_ack capability (Azure DevOps
	// TF401041) and the client did not offer it. See [EnableMultiAck].
	ErrMultiAck = errors.New("server requires the multi_ack capability")
	// ErrNotEmpty: Clone's destination exists and is not an empty directory.
	ErrNotEmpty = errors.New("destination exists and is not an empty directory")
	// ErrNotSmartHTTP: the server answered 2xx but not with a Git smart-HTTP
	// advertisement (an Azure DevOps sign-in page, a proxy's notice). [Probe]
	// reports it together with [provider.ErrUnauthorized].
	ErrNotSmartHTTP = errors.New("not a git smart-HTTP answer")
	// ErrInvalidArgument: a nil context, repository, reader or writer, or a
	// zero Resolved, was passed where a value is needed. Nothing was sent.
	ErrInvalidArgument = errors.New("invalid argument")
)

// invalid returns an error naming fn and the argument, matching
// [ErrInvalidArgument].
func invalid(fn, what string) error {
	return fmt.Errorf("gitauth: %s: %w: %s", fn, ErrInvalidArgument, what)
}

// checkContext refuses a nil ctx for fn.
func checkContext(ctx context.Context, fn string) error {
	if ctx == nil {
		return invalid(fn, "nil context")
	}
	return nil
}

// RemoteError is a refusal by the remote during a clone, fetch, push or
// probe. It names the remote by its clean URL and the repository; it never
// holds the token. It matches one of [provider.ErrUnauthorized],
// [provider.ErrSSORequired], [provider.ErrRateLimited], [ErrRepoNotFound],
// [ErrAccessDenied] or [ErrMultiAck] through Err, and also the go-git
// sentinel the transport reported (such as transport.ErrAuthenticationRequired)
// or [ErrNotSmartHTTP], when there was one.
type RemoteError struct {
	// Op is what was attempted: "clone", "fetch", "push", "probe read" or
	// "probe write".
	Op string
	// Remote is the clean URL of the remote, without credentials.
	Remote string
	// Repo names the repository: "owner/name" or "org/project/name".
	Repo string
	// Status is the HTTP status, 0 when unknown.
	Status int
	// Detail is the server's own message (first line, shortened), if any.
	Detail string
	// Err is the patgit or provider error this refusal matches.
	Err error

	extra error // a go-git sentinel or ErrNotSmartHTTP, or nil
}

func (e *RemoteError) Error() string {
	var b strings.Builder
	b.WriteString("gitauth: ")
	b.WriteString(e.Op)
	if e.Remote != "" {
		b.WriteString(" ")
		b.WriteString(e.Remote)
	}
	b.WriteString(": ")
	b.WriteString(e.explain())
	if e.Status != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteString(")")
	}
	if e.Detail != "" {
		b.WriteString("; the server said: ")
		b.WriteString(strconv.Quote(e.Detail))
	}
	return b.String()
}

// explain says what went wrong and what to do, in words.
func (e *RemoteError) explain() string {
	repo := e.Repo
	if repo == "" {
		repo = "the repository"
	}
	write := e.Op == "push" || e.Op == "probe write"
	var sso *provider.SSOError
	var rl *provider.RateLimitError
	switch {
	case errors.As(e.Err, &sso), errors.As(e.Err, &rl):
		return e.Err.Error()
	case errors.Is(e.extra, ErrNotSmartHTTP):
		return "the server answered with a web page, not Git (an Azure DevOps sign-in page or a proxy's notice): the token was probably not accepted for " + repo
	case errors.Is(e.Err, provider.ErrUnauthorized) && write:
		return "token rejected for " + repo + ": it is wrong, expired or revoked, or lacks the scope to write code (GitHub: repo or Contents read and write; Azure DevOps: vso.code_write, which Azure DevOps reports as 401)"
	case errors.Is(e.Err, provider.ErrUnauthorized):
		return "token rejected for " + repo + ": it is wrong, expired or revoked, or lacks the scope to read code (GitHub: repo or Contents; Azure DevOps: vso.code)"
	case errors.Is(e.Err, ErrRepoNotFound):
		return "repository " + repo + " not found or the token cannot see it: check the URL and that the token has access to it"
	case errors.Is(e.Err, ErrAccessDenied) && write:
		return "token can read but not write " + repo + ": give it write access (GitHub: repo scope or Contents read and write; Azure DevOps: vso.code_write)"
	case errors.Is(e.Err, ErrAccessDenied):
		return "access to " + repo + " denied: give the token read access to its code"
	case errors.Is(e.Err, ErrMultiAck):
		return "the server requires the multi_ack capability (Azure DevOps TF401041) and go-git did not offer it: clone through gitauth, or call gitauth.EnableMultiAck before any go-git transfer"
	case e.Err != nil:
		return e.Err.Error()
	}
	return "failed"
}

// Unwrap returns Err and the go-git sentinel, for [errors.Is] and [errors.As].
func (e *RemoteError) Unwrap() []error {
	if e.extra != nil {
		return []error{e.Err, e.extra}
	}
	return []error{e.Err}
}

// target is what an operation acts on, for error messages and scrubbing.
type target struct {
	op       string
	remote   string      // clean URL
	repo     string      // "owner/name"
	host     string      // for provider errors
	provider string      // the provider's Name, "" when none claims the remote
	tokens   []pat.Token // scrubbed from every server text; never printed
}

// Bounds of the server text an error keeps.
const (
	// maxDetail bounds the server message kept in a RemoteError.
	maxDetail = 200
	// maxMessage bounds an error text that holds server text (go-git's
	// errors quote URLs, sideband lines and bodies).
	maxMessage = 1024
)

// scrub returns s with every form of the tokens masked ([pat.Token.Scrub]).
func (t *target) scrub(s string) string {
	for _, tok := range t.tokens {
		s = tok.Scrub(s)
	}
	return s
}

// sanitize returns server text fit for an error: one line, no control
// characters, scrubbed, at most max bytes ([pat.Sanitize]).
func (t *target) sanitize(s string, max int) string {
	return pat.Sanitize(s, max, t.tokens...)
}

// detail returns the first non-empty line of a server message, scrubbed
// (the whole message first, so no line keeps a piece of an encoding that
// spans lines), without a "remote:" prefix, on one line and shortened.
func (t *target) detail(msg string) string {
	msg = t.scrub(msg)
	for line := range strings.SplitSeq(msg, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "remote:"))
		if line = t.sanitize(line, maxDetail); line != "" {
			return line
		}
	}
	return ""
}

// sanitizedError stands for an error whose text held a secret or a
// credential: it keeps [errors.Is] working on the original but exposes only
// the redacted text (no Unwrap, so no route back to the raw text).
type sanitizedError struct {
	msg  string
	orig error
}

func (e *sanitizedError) Error() string        { return e.msg }
func (e *sanitizedError) Is(target error) bool { return errors.Is(e.orig, target) }

// sanitizeErr returns err when its text is already one clean line free of
// the tokens, else a *sanitizedError with the sanitized text.
func (t *target) sanitizeErr(err error) error {
	msg := err.Error()
	if clean := t.sanitize(msg, maxMessage); clean != msg {
		return &sanitizedError{msg: clean, orig: err}
	}
	return err
}

// mapError turns a go-git error into a patgit error for t. Errors it does not
// recognise are wrapped with the operation and remote, redacted if needed.
func (t *target) mapError(err error) error {
	if err == nil {
		return nil
	}
	if re := t.remoteError(err); re != nil {
		return re
	}
	return fmt.Errorf("gitauth: %s %s: %w", t.op, t.remote, t.sanitizeErr(err))
}

// suffixAfter returns the text after "prefix: " in msg.
func suffixAfter(msg string, sentinel error) string {
	p := sentinel.Error() + ":"
	if i := strings.Index(msg, p); i >= 0 {
		return msg[i+len(p):]
	}
	return ""
}

// remoteError recognises the refusals go-git reports; nil for anything else.
func (t *target) remoteError(err error) *RemoteError {
	re := &RemoteError{Op: t.op, Remote: t.remote, Repo: t.repo}
	msg := err.Error()
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired):
		re.Status, re.Err, re.extra = http.StatusUnauthorized, provider.ErrUnauthorized, transport.ErrAuthenticationRequired
		re.Detail = t.detail(suffixAfter(msg, transport.ErrAuthenticationRequired))
		return re
	case errors.Is(err, transport.ErrAuthorizationFailed):
		body := suffixAfter(msg, transport.ErrAuthorizationFailed)
		re.Status, re.extra = http.StatusForbidden, transport.ErrAuthorizationFailed
		re.Detail = t.detail(body)
		re.Err = t.forbidden(body, nil)
		return re
	case errors.Is(err, transport.ErrRepositoryNotFound):
		re.Status, re.Err, re.extra = http.StatusNotFound, ErrRepoNotFound, transport.ErrRepositoryNotFound
		re.Detail = t.detail(suffixAfter(msg, transport.ErrRepositoryNotFound))
		return re
	}
	var ue *plumbing.UnexpectedError
	if errors.As(err, &ue) {
		var he *githttp.Err
		if errors.As(ue.Err, &he) && he.Response != nil {
			re.Status = he.Response.StatusCode
			re.Detail = t.detail(he.Reason)
			switch {
			case strings.Contains(he.Reason, "TF401041") || strings.Contains(strings.ToLower(he.Reason), "multi-ack"):
				re.Err = ErrMultiAck
				return re
			case he.Response.StatusCode == http.StatusTooManyRequests:
				re.Err = t.rateLimit(he.Response.Header, re.Detail)
				return re
			}
		}
	}
	if isMultiAckFailure(err) {
		re.Err = ErrMultiAck
		re.Detail = t.detail(msg)
		return re
	}
	return nil
}

// forbidden classifies a 403: SAML SSO, a rate limit, or a plain refusal.
func (t *target) forbidden(body string, h http.Header) error {
	if strings.Contains(body, "SAML") || strings.Contains(strings.ToLower(body), "single sign-on") {
		return &provider.SSOError{Host: t.host, URL: t.sanitize(ssoURL(body, h), maxDetail)}
	}
	if h != nil && h.Get("X-RateLimit-Remaining") == "0" {
		return t.rateLimit(h, t.detail(body))
	}
	if strings.Contains(strings.ToLower(body), "rate limit") {
		return t.rateLimit(h, t.detail(body))
	}
	return ErrAccessDenied
}

// ssoURL finds where to authorize the token: the X-GitHub-SSO header's url=,
// else the first https URL in the body.
func ssoURL(body string, h http.Header) string {
	if h != nil {
		for part := range strings.SplitSeq(h.Get("X-GitHub-SSO"), ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "url="); ok {
				return v
			}
		}
	}
	i := strings.Index(body, "https://")
	if i < 0 {
		// Test servers on loopback speak plain http.
		if i = strings.Index(body, "http://"); i < 0 {
			return ""
		}
	}
	end := strings.IndexAny(body[i:], " \t\r\n\"'<>")
	if end < 0 {
		end = len(body) - i
	}
	return strings.TrimRight(body[i:i+end], ".,;)")
}

// rateLimit builds a *provider.RateLimitError from the response headers.
func (t *target) rateLimit(h http.Header, msg string) *provider.RateLimitError {
	e := &provider.RateLimitError{Host: t.host, Message: msg}
	if h == nil {
		return e
	}
	if s := h.Get("Retry-After"); s != "" {
		e.Secondary = true
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			e.Reset = time.Now().Add(time.Duration(n) * time.Second)
		} else if at, err := http.ParseTime(s); err == nil {
			e.Reset = at
		}
	}
	if e.Reset.IsZero() {
		if n, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			e.Reset = time.Unix(n, 0)
		}
	}
	return e
}

// isMultiAckFailure reports an error go-git gives when a server answered
// multi_ack negotiation in a way its v5 client cannot read: the wrapped
// "multi_ack and multi_ack_detailed are not supported" decode error, or an
// Azure DevOps TF401041 refusal.
func isMultiAckFailure(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "multi_ack") || strings.Contains(msg, "TF401041") || errors.Is(err, ErrMultiAck)
}
