package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patgit/patgit/pat"
)

// GitHub's credential revocation API limits.
const (
	// RevokeBatch is how many tokens one revocation request may carry;
	// [GitHub.Revoke] splits longer lists.
	RevokeBatch = 1000
	// RevokeRequestsPerHour is how many unauthenticated revocation requests
	// github.com takes from one client in an hour.
	RevokeRequestsPerHour = 60
)

var (
	// ErrNotRevocable: a token the credential revocation API does not accept
	// (an installation token, another provider's token, an empty or
	// mistyped one). It is the errors.Is target of *NotRevocableError.
	ErrNotRevocable = errors.New("token cannot be revoked with GitHub's credential revocation API")
	// ErrRevokeUnsupported: the host offers no revocation API patgit speaks
	// (GitHub Enterprise Server, GHE.com): only github.com, for now.
	ErrRevokeUnsupported = errors.New("credential revocation is supported on github.com only")
	// ErrRevokeRejected is the errors.Is target of *RevokeError.
	ErrRevokeRejected = errors.New("revocation request rejected")
)

// NotRevocableError names a token [GitHub.Revoke] refused before sending
// anything, by its position in the list and its kind, never its secret. It
// matches [ErrNotRevocable], and the cause when there is one (e.g.
// [pat.ErrChecksum], [pat.ErrEmpty]).
type NotRevocableError struct {
	// Index is the token's position in the arguments of Revoke.
	Index int
	Kind  pat.Kind
	// Reason says why, and what to do instead.
	Reason string
	// Err is the cause, if any.
	Err error
}

func (e *NotRevocableError) Error() string {
	return fmt.Sprintf("token %d (%s): %s", e.Index, e.Kind, e.Reason)
}

// Is reports whether target is [ErrNotRevocable].
func (e *NotRevocableError) Is(target error) bool { return target == ErrNotRevocable }

// Unwrap returns the cause.
func (e *NotRevocableError) Unwrap() error { return e.Err }

// RevokeError reports a revocation request that GitHub refused (422:
// "Validation failed, or the endpoint has been spammed."; 403 for a
// request that carried credentials; 404 from a host without the API). It
// matches [ErrRevokeRejected]. Its Message is the host's, cut to one line and
// scrubbed of every token of the request.
type RevokeError struct {
	Host    string
	Status  int
	Message string
	// Hint says what to check.
	Hint string
	// Sent is how many tokens earlier requests of the same call had already
	// handed over (accepted with 202); the rest were not sent.
	Sent int
}

func (e *RevokeError) Error() string {
	msg := fmt.Sprintf("%s: the credential revocation API refused the request with %d", e.Host, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Sent > 0 {
		msg += fmt.Sprintf(" (%d tokens were revoked by earlier requests)", e.Sent)
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Is reports whether target is [ErrRevokeRejected].
func (e *RevokeError) Is(target error) bool { return target == ErrRevokeRejected }

// revocable reports whether github.com's revocation API accepts tokens of
// kind k: classic and fine-grained PATs, OAuth app tokens, App user tokens
// and refresh tokens. Installation tokens are revoked by their holder
// (DELETE /installation/token).
func revocable(k pat.Kind) bool {
	switch k {
	case pat.GitHubClassic, pat.GitHubFineGrained, pat.GitHubOAuth, pat.GitHubUser, pat.GitHubRefresh:
		return true
	}
	return false
}

// Revoke asks GitHub to revoke tokens found leaked, with its credential
// revocation API: POST {API}/credentials/revoke with {"credentials":
// [...]}. GitHub notifies each token's owner; a revoked token cannot be
// reactivated. Anyone may call it: the request is unauthenticated and
// carries no Authorization header (github.com answers 403 to authenticated
// callers; a Config.HTTPClient whose transport adds credentials gets that
// 403). A 202 says GitHub accepted the list, not what each token was:
// GitHub does not say which tokens it knew.
//
// Every token is checked before any request: the API takes classic (ghp_)
// and fine-grained (github_pat_) PATs, OAuth (gho_), App user (ghu_) and
// refresh (ghr_) tokens; an installation token (ghs_), another provider's
// token, an empty or unknown one, or one failing its checksum is a
// [*NotRevocableError]. Duplicates are sent once. At most [RevokeBatch]
// tokens go in one request: longer lists are split and sent one request
// after another, stopping at the first refusal. github.com takes
// [RevokeRequestsPerHour] requests an hour from one client: a list that
// needs more is refused before any request with a [*RateLimitError]; a
// rate limit GitHub reports is a [*RateLimitError] too, with its reset
// time. Other refusals (422, 403, 404) are a [*RevokeError]; no answer or a
// 5xx is a [*HostError]. No error holds a token.
//
// Only github.com, for now: a provider for GitHub Enterprise Server or
// GHE.com returns an error matching [ErrRevokeUnsupported] before any
// request (Enterprise Server 3.18+ has an authenticated variant of the API,
// not supported yet). The provider is github.com's when its BaseURL is
// github.com (the zero Config); the request goes to its API URL,
// api.github.com or Config.APIURL when set, which is how tests reach a
// fake server (providertest serves github.com's behaviour of the endpoint
// under its API URL).
//
// The zero GitHub and a nil context return an error, never panic; no
// tokens: nil, no request.
func (g *GitHub) Revoke(ctx context.Context, tokens ...pat.Token) error {
	if g == nil || g.apiURL == nil || g.client == nil {
		return fmt.Errorf("%w: the GitHub provider was not made with NewGitHub", ErrRevokeUnsupported)
	}
	if g.host != "github.com" {
		return fmt.Errorf("%w: %s is GitHub Enterprise (its revocation API needs an authenticated request, not supported yet); revoke the token in the owner's settings at %s or ask the instance's administrator",
			ErrRevokeUnsupported, g.host, g.settingsURL())
	}
	if ctx == nil {
		return fmt.Errorf("github %s: Revoke: nil context", g.host)
	}
	secrets := make([]string, 0, len(tokens))
	seen := make(map[string]bool, len(tokens))
	for i, tok := range tokens {
		if err := refuseRevoke(i, tok); err != nil {
			return err
		}
		if s := tok.Secret(); !seen[s] {
			seen[s] = true
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return nil
	}
	batches := (len(secrets) + RevokeBatch - 1) / RevokeBatch
	if batches > RevokeRequestsPerHour {
		return &RateLimitError{Host: g.host, Message: fmt.Sprintf("%d tokens need %d requests and github.com takes %d an hour: revoke at most %d at a time",
			len(secrets), batches, RevokeRequestsPerHour, RevokeBatch*RevokeRequestsPerHour)}
	}
	for i := 0; i < len(secrets); i += RevokeBatch {
		batch := secrets[i:min(i+RevokeBatch, len(secrets))]
		if err := g.revokeBatch(ctx, batch, tokens, i); err != nil {
			return err
		}
	}
	return nil
}

// refuseRevoke returns why token number i cannot be revoked, or nil.
func refuseRevoke(i int, tok pat.Token) error {
	k := tok.Kind()
	switch {
	case tok.IsZero():
		return &NotRevocableError{Index: i, Kind: k, Reason: "the token is empty", Err: pat.ErrEmpty}
	case k == pat.GitHubInstallation:
		return &NotRevocableError{Index: i, Kind: k, Reason: "an installation token (ghs_) is revoked by its holder with DELETE /installation/token, or expires within the hour"}
	case k.Provider() != "" && k.Provider() != "github":
		return &NotRevocableError{Index: i, Kind: k, Reason: "not a GitHub token: revoke it on its own host", Err: ErrTokenMismatch}
	case !revocable(k):
		return &NotRevocableError{Index: i, Kind: k, Reason: "not a GitHub token kind the API accepts (ghp_, github_pat_, gho_, ghu_, ghr_)"}
	}
	if err := tok.Validate(); err != nil {
		return &NotRevocableError{Index: i, Kind: k, Reason: "it fails its checksum, so it is no real token", Err: err}
	}
	return nil
}

// revokeMessageMax bounds the server message a RevokeError shows; a longer
// one is not shown at all.
const revokeMessageMax = 1 << 10

// revokeBatch sends one revocation request; sent is how many tokens earlier
// requests handed over, tokens every token of the call (for scrubbing).
func (g *GitHub) revokeBatch(ctx context.Context, batch []string, tokens []pat.Token, sent int) error {
	body, err := json.Marshal(struct {
		Credentials []string `json:"credentials"`
	}{batch})
	if err != nil {
		return fmt.Errorf("github %s: encoding the revocation request: %w", g.host, err)
	}
	endpoint := g.api + "credentials/revoke"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: API URL %q: %v", ErrUnsupportedURL, redactURL(g.api), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "patgit")
	// The body holds secrets: a redirect is never followed (a 307 or 308
	// would send it to wherever the Location says).
	c := *g.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	op := "POST " + g.apiURL.Path + "credentials/revoke"
	resp, err := c.Do(req)
	if err != nil {
		var he *HostError
		if errors.As(err, &he) {
			return he
		}
		if ctx.Err() != nil {
			return &HostError{Host: g.apiURL.Host, Op: op, Attempts: 1, Err: ctx.Err()}
		}
		return &HostError{Host: g.apiURL.Host, Op: op, Attempts: 1, Err: errors.New(pat.Sanitize(err.Error(), 300, tokens...))}
	}
	defer resp.Body.Close()
	raw, rerr := io.ReadAll(io.LimitReader(resp.Body, revokeBodyCap))
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if rerr != nil {
		var he *HostError
		if errors.As(rerr, &he) {
			return he
		}
	}
	return g.revokeRefusal(resp, revokeMessage(raw, tokens), sent)
}

// revokeBodyCap bounds how much of a refusal's body is read.
const revokeBodyCap = 64 << 10

// revokeMessage returns the "message" of a GitHub error body, one line,
// scrubbed of every token; "" when there is none or it is too long to show.
func revokeMessage(raw []byte, tokens []pat.Token) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Message == "" || len(e.Message) > revokeMessageMax {
		return ""
	}
	return pat.Sanitize(e.Message, 300, tokens...)
}

// revokeRefusal maps a refused revocation request to an error: rate limits
// (X-RateLimit-Remaining: 0 or a Retry-After, whatever the status, and
// 429) to *RateLimitError, 5xx to *HostError, anything else to
// *RevokeError.
func (g *GitHub) revokeRefusal(resp *http.Response, message string, sent int) error {
	h := resp.Header
	code := resp.StatusCode
	retryAfter, hasRetry := parseRetryAfter(h.Get("Retry-After"))
	if h.Get("X-RateLimit-Remaining") == "0" || hasRetry || code == http.StatusTooManyRequests {
		e := &RateLimitError{Host: g.host, Secondary: hasRetry, Message: message}
		if hasRetry {
			e.Reset = time.Now().Add(retryAfter).UTC().Truncate(time.Second)
		} else if n, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && n > 0 {
			e.Reset = time.Unix(n, 0).UTC()
		}
		if sent > 0 {
			e.Message = strings.TrimSpace(e.Message + fmt.Sprintf(" (%d tokens were revoked by earlier requests)", sent))
		}
		return e
	}
	if code >= 500 {
		return &HostError{Host: g.apiURL.Host, Op: "POST " + g.apiURL.Path + "credentials/revoke", Status: code, Attempts: 1,
			Err: fmt.Errorf("%w: the host answered %d", ErrServerError, code)}
	}
	e := &RevokeError{Host: g.host, Status: code, Message: message, Sent: sent}
	switch code {
	case http.StatusForbidden:
		e.Hint = "github.com refuses authenticated revocation requests: check that Config.HTTPClient adds no Authorization header"
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		e.Hint = "the API at " + g.api + " has no credential revocation endpoint; check Config.APIURL"
	case http.StatusUnprocessableEntity:
		e.Hint = "GitHub takes at most 1000 well-formed tokens a request and a limited number of requests an hour"
	default:
		if code >= 300 && code < 400 {
			e.Hint = "the API redirected the request, which is never followed for a request holding tokens; check Config.APIURL"
		}
	}
	return e
}
