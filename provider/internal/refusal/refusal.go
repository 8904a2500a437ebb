// Package refusal is the one refusal classifier of patgit's providers: an
// HTTP answer that is not a success (status, headers, a capped body) becomes
// one Refusal, whose kind the providers turn into their typed errors. It
// holds the one body cap and the one parser of the headers that say when to
// try again (Retry-After, X-RateLimit-Reset, RateLimit-Reset).
//
// Every server-controlled byte that a Refusal carries (the message, the
// single sign-on URL) is cut to one line, stripped of control characters,
// capped and scrubbed of the tokens given ([pat.Sanitize]).
package refusal

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/patgit/patgit/pat"
)

// MaxBody caps every body read into an error or decoded: 64 KiB.
const MaxBody = 64 << 10

// MaxMessage caps the server's message in a Refusal.
const MaxMessage = 300

// ErrTooLarge: a body longer than MaxBody.
var ErrTooLarge = errors.New("response body too large")

// ReadBody reads at most MaxBody bytes of r (and one more, to know): a
// longer body is cut to MaxBody with ErrTooLarge, the rest never read. A
// read error is returned with what was read. A refusal's body is used
// whatever the error; a success's only without one.
func ReadBody(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if len(b) > MaxBody {
		b, err = b[:MaxBody], ErrTooLarge
	}
	return b, err
}

// Kind is what a refusal means.
type Kind int

// Kinds of refusal.
const (
	// None: a success or a redirect, not a refusal.
	None Kind = iota
	// Unauthorized: 401, the credentials were refused.
	Unauthorized
	// Forbidden: 403 that is neither a rate limit nor single sign-on.
	Forbidden
	// SSORequired: 403 with X-GitHub-SSO "required".
	SSORequired
	// RateLimited: 429, or 403 with a rate-limit header or message.
	RateLimited
	// NotFound: 404.
	NotFound
	// ServerError: 5xx.
	ServerError
	// Other: any other 4xx.
	Other
)

// Refusal is one classified answer.
type Refusal struct {
	Kind   Kind
	Status int
	// Reset is when to try again, for RateLimited; zero when unsaid.
	Reset time.Time
	// Secondary marks GitHub's secondary (abuse) limits: a Retry-After or
	// a message saying so.
	Secondary bool
	// SSOURL is where a person authorizes the token, for SSORequired.
	SSOURL string
	// Message is the server's message: one line, capped, scrubbed.
	Message string
}

var ssoURL = regexp.MustCompile(`\burl=([^;\s]+)`)

// Classify classifies an answer of status with header h and body (already
// capped by ReadBody), at time now, scrubbing tokens from what it keeps.
func Classify(status int, h http.Header, body []byte, now time.Time, tokens ...pat.Token) Refusal {
	r := Refusal{Status: status}
	if h == nil {
		h = http.Header{}
	}
	if status < 400 {
		return r
	}
	r.Message = Message(h, body, tokens...)
	lower := strings.ToLower(r.Message)
	switch {
	case status == http.StatusUnauthorized:
		r.Kind = Unauthorized
	case status == http.StatusForbidden && strings.HasPrefix(strings.TrimSpace(h.Get("X-GitHub-SSO")), "required"):
		r.Kind = SSORequired
		if m := ssoURL.FindStringSubmatch(h.Get("X-GitHub-SSO")); m != nil {
			r.SSOURL = pat.Sanitize(m[1], 2048, tokens...)
		}
	case status == http.StatusTooManyRequests || status == http.StatusForbidden && limited(h, lower):
		r.Kind = RateLimited
		r.Secondary = h.Get("Retry-After") != "" || strings.Contains(lower, "secondary") || strings.Contains(lower, "abuse")
		r.Reset = Reset(h, now)
	case status == http.StatusForbidden:
		r.Kind = Forbidden
	case status == http.StatusNotFound:
		r.Kind = NotFound
	case status >= 500:
		r.Kind = ServerError
	default:
		r.Kind = Other
	}
	return r
}

// limited reports the signs of a rate limit on a 403.
func limited(h http.Header, lowerMessage string) bool {
	return h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0" || h.Get("RateLimit-Remaining") == "0" ||
		strings.Contains(lowerMessage, "rate limit") || strings.Contains(lowerMessage, "secondary") || strings.Contains(lowerMessage, "abuse")
}

// Reset returns when to try again, from the first of Retry-After (seconds
// or an HTTP date), X-RateLimit-Reset (Unix seconds: GitHub) and
// RateLimit-Reset (Unix seconds: GitLab; a small number is taken as
// seconds from now, as the IETF draft has it) that parses; zero when none
// does. The result is UTC, whole seconds.
func Reset(h http.Header, now time.Time) time.Time {
	if d, ok := RetryAfter(h.Get("Retry-After"), now); ok {
		return now.Add(d).UTC().Truncate(time.Second)
	}
	for _, name := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		n, err := strconv.ParseInt(strings.TrimSpace(h.Get(name)), 10, 64)
		switch {
		case err != nil || n < 0:
		case n < 1e9: // before 2001: a number of seconds, not a time
			return now.Add(time.Duration(n) * time.Second).UTC().Truncate(time.Second)
		case n < 1e11:
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Time{}
}

// RetryAfter reads a Retry-After value at time now: seconds, or an HTTP
// date (a past date is 0).
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > 1e9 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Message returns the server's message in an error answer: the JSON body's
// "message" (GitHub, Azure DevOps, GitLab), "error_description" or "error"
// (OAuth-style answers), else the X-TFS-ServiceError header (Azure DevOps,
// percent-decoded), else a short text/plain body. It is sanitized: one
// line, no control characters, at most MaxMessage bytes, tokens scrubbed.
func Message(h http.Header, body []byte, tokens ...pat.Token) string {
	if len(body) > MaxBody {
		body = body[:MaxBody]
	}
	var msg string
	var j struct {
		Message          json.RawMessage `json:"message"`
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if json.Unmarshal(body, &j) == nil {
		msg = jsonText(j.Message)
		if msg == "" {
			msg = j.ErrorDescription
		}
		if msg == "" {
			msg = jsonText(j.Error)
		}
	}
	if msg == "" && h != nil {
		if v := h.Get("X-TFS-ServiceError"); v != "" {
			if u, err := url.QueryUnescape(v); err == nil {
				v = u
			}
			msg = v
		}
	}
	if msg == "" && h != nil {
		if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && mt == "text/plain" {
			msg = string(body)
		}
	}
	return pat.Sanitize(msg, MaxMessage, tokens...)
}

// jsonText returns a JSON string's value, or the text of any other JSON
// value (GitLab's messages may be objects); "" for none.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
