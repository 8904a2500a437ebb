package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/refusal"
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
	unique := make([]pat.Token, 0, len(tokens))
	seen := make(map[string]bool, len(tokens))
	for i, tok := range tokens {
		if err := refuseRevoke(i, tok); err != nil {
			return err
		}
		if s := tok.Secret(); !seen[s] {
			seen[s] = true
			unique = append(unique, tok)
		}
	}
	if len(unique) == 0 {
		return nil
	}
	batches := (len(unique) + RevokeBatch - 1) / RevokeBatch
	if batches > RevokeRequestsPerHour {
		return &RateLimitError{Host: g.host, Message: fmt.Sprintf("%d tokens need %d requests and github.com takes %d an hour: revoke at most %d at a time",
			len(unique), batches, RevokeRequestsPerHour, RevokeBatch*RevokeRequestsPerHour)}
	}
	for i := 0; i < len(unique); i += RevokeBatch {
		if err := g.revokeBatch(ctx, unique[:min(i+RevokeBatch, len(unique))], i); err != nil {
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

// revokeBatch sends one revocation request, for sent[from:]: the tokens
// before from went in earlier requests to the same API, and are scrubbed
// from its answer too.
func (g *GitHub) revokeBatch(ctx context.Context, sent []pat.Token, from int) error {
	batch := sent[from:]
	creds := make([]string, len(batch))
	for i, t := range batch {
		creds[i] = t.Secret()
	}
	body, err := json.Marshal(struct {
		Credentials []string `json:"credentials"`
	}{creds})
	if err != nil {
		return fmt.Errorf("github %s: encoding the revocation request: %w", g.host, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.api+"credentials/revoke", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: API URL %q: %v", ErrUnsupportedURL, g.api, err)
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
		var uerr *url.Error
		switch {
		case errors.As(err, &he):
			return he
		case ctx.Err() != nil:
			return &HostError{Host: g.apiURL.Host, Op: op, Attempts: 1, Err: ctx.Err()}
		case errors.As(err, &uerr):
			err = uerr.Err
		}
		return &HostError{Host: g.apiURL.Host, Op: op, Attempts: 1, Err: err}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK, http.StatusNoContent:
		return nil
	}
	raw, err := refusal.ReadBody(resp.Body)
	if errors.Is(err, refusal.ErrTooLarge) {
		// A refusal longer than the cap is hostile, and its cut may end in
		// part of a token that no scrubber recognises: show none of it.
		raw = nil
	}
	return g.revokeRefusal(resp.StatusCode, resp.Header, raw, sent, from, op)
}

// revokeRefusal turns a refused revocation request into an error with the
// one classifier: rate limits (also github.com's 422 with an exhausted
// window, and any answer with Retry-After) to *RateLimitError, 5xx to
// *HostError, anything else to *RevokeError. The server's message is
// scrubbed of every token sent to it.
func (g *GitHub) revokeRefusal(status int, h http.Header, body []byte, sent []pat.Token, from int, op string) error {
	now := time.Now()
	r := refusal.Classify(status, h, body, now, sent[from:]...)
	// The message is short by now: scrub the earlier requests' tokens too.
	r.Message = pat.Sanitize(r.Message, refusal.MaxMessage, sent[:from]...)
	if r.Kind != refusal.RateLimited && (h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != "") {
		// github.com answers the 61st request of an hour with 422
		// "Validation failed, or the endpoint has been spammed." and an
		// exhausted window.
		r.Kind, r.Secondary, r.Reset = refusal.RateLimited, h.Get("Retry-After") != "", refusal.Reset(h, now)
	}
	if err := sharedRefusal(g.host, g.apiURL.Host, op, r); err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) && from > 0 {
			rl.Message = strings.TrimSpace(rl.Message + fmt.Sprintf(" (%d tokens were revoked by earlier requests)", from))
		}
		return err
	}
	e := &RevokeError{Host: g.host, Status: status, Message: r.Message, Sent: from}
	switch {
	case status == http.StatusForbidden:
		e.Hint = "github.com refuses authenticated revocation requests: check that Config.HTTPClient adds no Authorization header"
	case status == http.StatusNotFound, status == http.StatusMethodNotAllowed:
		e.Hint = "the API at " + g.api + " has no credential revocation endpoint; check Config.APIURL"
	case status == http.StatusUnprocessableEntity:
		e.Hint = "GitHub takes at most 1000 well-formed tokens a request and a limited number of requests an hour"
	case status >= 300 && status < 400:
		e.Hint = "the API redirected the request, which is never followed for a request holding tokens; check Config.APIURL"
	}
	return e
}
