package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/internal/refusal"
)

// ErrNoOrganization reports an Azure DevOps provider that does not know which
// organization (or collection) to check a token against. It wraps
// [ErrUnsupportedURL].
var ErrNoOrganization = fmt.Errorf("%w: no Azure DevOps organization configured", ErrUnsupportedURL)

const (
	// azAnonymousID is the identity id of the anonymous user, which
	// organizations with public projects report for a bad token.
	azAnonymousID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	// azConnectionDataVersion is the api-version Microsoft's SDKs send for
	// connectionData, a preview resource: a plain "7.1" may be refused.
	azConnectionDataVersion = "7.1-preview.1"
	// azMaxProbeBody caps how much of a probe's body is read (only its
	// status matters; the rest is drained so the connection is reused).
	azMaxProbeBody = refusal.MaxBody
)

// azState is the shared part of an AzureDevOps value: the HTTP client
// checks use.
type azState struct {
	// check is the provider's client, except that a redirect to another host
	// is returned to patgit rather than followed: Azure DevOps redirects a
	// rejected token to its sign-in host.
	check *http.Client
}

// azOutcome is the cacheable result of one request: connectionData (user or
// a rejection) or a scope probe (status).
type azOutcome struct {
	user   string
	err    error // a definitive rejection of the token (wraps ErrUnauthorized)
	status azProbeStatus
}

type azProbeStatus int

const (
	azUnknown azProbeStatus = iota // the probe said nothing definite
	azProven                       // the scope is present
	azMissing                      // the scope is absent
)

func newAzState(c *http.Client) *azState {
	check := *c
	next := c.CheckRedirect
	check.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, via[0].URL) {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &azState{check: &check}
}

// state returns the provider's shared state (see [AzureDevOps.ready]).
func (a *AzureDevOps) state() *azState { return a.st }

// azHost is the host named in reports and errors.
func (a *AzureDevOps) azHost() string {
	if a.host != "" {
		return a.host
	}
	return "dev.azure.com"
}

// azOrgName names the organization in messages.
func (a *AzureDevOps) azOrgName() string {
	if a.org != "" {
		return a.org
	}
	return a.api
}

// azHosted reports whether the provider talks to Azure DevOps Services.
func (a *AzureDevOps) azHosted() bool {
	return a.host == "dev.azure.com" || strings.HasSuffix(a.host, ".visualstudio.com")
}

// tokensPage is where a person creates or edits PATs for the organization.
func (a *AzureDevOps) tokensPage() string {
	switch {
	case a.host == "dev.azure.com" && a.org != "":
		return "https://dev.azure.com/" + url.PathEscape(a.org) + "/_usersSettings/tokens"
	case strings.HasSuffix(a.host, ".visualstudio.com"):
		return "https://" + a.host + "/_usersSettings/tokens"
	case a.api != "":
		return a.api + "/_usersSettings/tokens"
	}
	return "https://dev.azure.com/ORG/_usersSettings/tokens"
}

// azPreflight refuses, before any request, what must never be sent: an empty
// token, a GitHub token, credentials over http:// to a host that is not
// loopback.
func (a *AzureDevOps) azPreflight(tok pat.Token) error {
	if err := checkKind(a.Name(), a.azHost(), tok); err != nil {
		return err
	}
	if a.base != nil {
		if err := checkScheme(a.base); err != nil {
			return err
		}
	}
	if a.api != "" {
		u, err := url.Parse(a.api)
		if err != nil {
			return fmt.Errorf("%w: REST root %q", ErrUnsupportedURL, withoutUserinfo(a.api))
		}
		if err := checkScheme(u); err != nil {
			return err
		}
	}
	return nil
}

// azDo returns the outcome of one request (what) for tok from the
// process-wide check cache, or runs fn once for all concurrent callers and
// caches its outcome (a rejection included) for the TTL.
func (a *AzureDevOps) azDo(ctx context.Context, tok pat.Token, what string, fn func(context.Context) (azOutcome, error)) (azOutcome, error) {
	key := a.cfg.checkKey(a.Name(), a.api, what, tok)
	v, err := checks.Do(ctx, key, a.cfg.cacheTTL(), a.cfg.timeout(), func(ctx context.Context) (any, error) {
		return fn(ctx)
	})
	if err != nil {
		return azOutcome{}, err
	}
	return v.(azOutcome), nil
}

// CheckScopes validates tok against the configured organization and proves
// each required scope it can.
//
// It refuses, before any request, a GitHub token ([ErrTokenMismatch]) and
// http:// to a host that is not loopback ([ErrInsecureURL]); a token of
// unknown kind (a pipeline's System.AccessToken, an Azure DevOps Server PAT)
// is always tried. It needs an organization: Config.BaseURL
// "https://dev.azure.com/ORG" (or a collection URL on Azure DevOps Server),
// or a provider from [ForURL]; otherwise it returns [ErrNoOrganization].
//
// The token is validated with one GET {org}/_apis/connectionData (the call
// Microsoft's own tools use), sent together with the scope probes below:
// one round trip in all; when validation fails, the probes' answers are
// discarded and the error is the validation's. A 401, an HTML sign-in page (Azure DevOps
// answers 203 or redirects to its sign-in host for a bad token), an expired
// token, and the anonymous user (organizations with public projects answer a
// bad token that way) all give an error wrapping [ErrUnauthorized]. Global
// (all-organization) PATs stop working on 2026-12-01; organization-scoped
// PATs are what this validates, against the organization configured.
//
// Azure DevOps never discloses a PAT's scopes, so Report.Scopes is nil. Each
// required read scope that has a probe (vso.code, vso.build, vso.work,
// vso.packaging, vso.project, vso.agentpools) costs one more request, shared
// by every required scope of its family: a 401 proves the scope missing. A
// write, manage or execute scope cannot be proven by a read: it goes to
// Report.Unverified when its read scope is present, and to Report.Missing
// when its read scope is missing (a write scope includes its read scope).
// Scopes with no probe go to Unverified. When scopes are missing, the error
// is a *[MissingScopeError] and the Report is returned too.
//
// Results are cached per token and organization for Config.CacheTTL, and
// concurrent checks of one token share their requests.
func (a *AzureDevOps) CheckScopes(ctx context.Context, tok pat.Token, required ...string) (*Report, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	ctx = orBackground(ctx)
	if err := a.azPreflight(tok); err != nil {
		return nil, err
	}
	if a.api == "" {
		return nil, fmt.Errorf("%w: set Config.BaseURL to https://dev.azure.com/ORG (or the collection URL of an Azure DevOps Server), or get the provider from ForURL with a repository URL", ErrNoOrganization)
	}
	st := a.state()

	// Each distinct probe runs once, however many required scopes need it.
	type want struct {
		scope, norm, read string
		probed            bool
	}
	var wants []want
	seen := map[string]bool{}
	var reads []string
	for _, s := range required {
		norm := azNormalizeScope(s)
		if norm == "" || seen[norm] {
			continue
		}
		seen[norm] = true
		read, ok := azReadScope(norm)
		wants = append(wants, want{scope: strings.TrimSpace(s), norm: norm, read: read, probed: ok})
		if ok && !seen["probe\x00"+read] {
			seen["probe\x00"+read] = true
			reads = append(reads, read)
		}
	}

	// Validation and the probes go out together: one round trip in all.
	// When validation fails, the probes' answers are discarded and the
	// error is the validation's.
	var (
		out    azOutcome
		cdErr  error
		status = make([]azProbeStatus, len(reads))
		errs   = make([]error, len(reads))
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		out, cdErr = a.azDo(ctx, tok, "connectionData", func(ctx context.Context) (azOutcome, error) {
			return a.connectionData(ctx, st, tok)
		})
	})
	for i, read := range reads {
		wg.Go(func() {
			o, err := a.azDo(ctx, tok, "probe "+read, func(ctx context.Context) (azOutcome, error) {
				return a.probe(ctx, st, tok, azProbes[read])
			})
			status[i], errs[i] = o.status, err
		})
	}
	wg.Wait()
	if cdErr != nil {
		return nil, cdErr
	}
	if out.err != nil {
		return nil, out.err
	}
	rep := &Report{Provider: a.Name(), Host: a.azHost(), User: out.user, Kind: tok.Kind()}
	// The token itself was validated: a probe that failed (network, rate
	// limit) leaves its scopes unverified, and the Report is returned with
	// the error.
	probeErr := errors.Join(errs...)
	result := map[string]azProbeStatus{}
	for i, read := range reads {
		if errs[i] != nil {
			status[i] = azUnknown
		}
		result[read] = status[i]
	}
	for _, w := range wants {
		switch {
		case !w.probed:
			rep.Unverified = append(rep.Unverified, w.scope)
		case result[w.read] == azMissing:
			rep.Missing = append(rep.Missing, w.scope)
		case result[w.read] == azProven && w.norm == w.read:
			// Proven by its own probe.
		default:
			// A read cannot prove a write; or the probe said nothing definite.
			rep.Unverified = append(rep.Unverified, w.scope)
		}
	}
	if len(rep.Missing) > 0 {
		missing := &MissingScopeError{Host: rep.Host, Missing: append([]string(nil), rep.Missing...), Hint: a.missingHint(rep.Missing)}
		if probeErr != nil {
			return rep, errors.Join(missing, probeErr)
		}
		return rep, missing
	}
	return rep, probeErr
}

func (a *AzureDevOps) missingHint(missing []string) string {
	labels := make([]string, len(missing))
	for i, s := range missing {
		labels[i] = azScopeLabel(s)
	}
	return "edit the token (or create a new one) for organization " + a.azOrgName() + " at " + a.tokensPage() +
		" and add " + strings.Join(labels, ", ")
}

// newRequest builds a GET with the headers Microsoft's SDKs send, so Azure
// DevOps answers a rejected token with 401 rather than a sign-in page.
func (a *AzureDevOps) newRequest(ctx context.Context, tok pat.Token, rawURL, apiVersion string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("azure-devops: %w", err)
	}
	req.SetBasicAuth(a.cfg.Username, tok.Secret())
	req.Header.Set("Accept", "application/json;api-version="+apiVersion)
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	req.Header.Set("User-Agent", "patgit")
	return req, nil
}

// connectionData validates tok with GET {api}/_apis/connectionData.
func (a *AzureDevOps) connectionData(ctx context.Context, st *azState, tok pat.Token) (azOutcome, error) {
	endpoint := a.api + "/_apis/connectionData"
	req, err := a.newRequest(ctx, tok, endpoint, azConnectionDataVersion)
	if err != nil {
		return azOutcome{}, err
	}
	resp, err := st.check.Do(req)
	if err != nil {
		return azOutcome{}, a.azRequestErr(err, tok, endpoint)
	}
	defer resp.Body.Close()
	body, err := refusal.ReadBody(resp.Body)
	if err != nil && (resp.StatusCode == http.StatusOK || !errors.Is(err, refusal.ErrTooLarge)) {
		if err == refusal.ErrTooLarge {
			err = &HostError{Host: req.URL.Host, Op: requestOp(req), Attempts: 1,
				Err: fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, MaxResponseBody)}
		}
		return azOutcome{}, a.azRequestErr(err, tok, endpoint)
	}
	org := a.azOrgName()
	rejected := func(format string, args ...any) (azOutcome, error) {
		return azOutcome{err: fmt.Errorf("%w: "+format, append([]any{ErrUnauthorized}, args...)...)}, nil
	}
	signIn := func() (azOutcome, error) {
		return rejected("Azure DevOps answered with a sign-in page: the token is invalid, or not valid for organization %s; check it, or create one at %s", org, a.tokensPage())
	}
	// Every server-controlled byte goes through the one classifier: the
	// message is one line, capped and scrubbed of the token.
	r := refusal.Classify(resp.StatusCode, resp.Header, body, time.Now(), tok)
	msg := r.Message
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc := resp.Header.Get("Location")
		if azSignInLocation(loc) {
			return signIn()
		}
		return azOutcome{}, fmt.Errorf("azure-devops: %s answered %d redirecting to another host (%s); is Config.BaseURL the organization's URL?", endpoint, resp.StatusCode, pat.Sanitize(azHostOf(loc), maxServerText, tok))
	case resp.StatusCode == http.StatusNonAuthoritativeInfo, azIsHTML(resp, body):
		return signIn()
	case r.Kind == refusal.Unauthorized && azExpired(msg):
		return rejected("the token has expired (Azure DevOps: %q); create a new one at %s", msg, a.tokensPage())
	case r.Kind == refusal.Unauthorized:
		if id := azUserInMessage(msg); id != "" && id != azAnonymousID {
			return rejected("the token is valid but not for organization %s (Azure DevOps: %q); organization-scoped tokens work only for their organization: create one for %s at %s", org, msg, org, a.tokensPage())
		}
		if msg == "" {
			msg = "401 Unauthorized"
		}
		return rejected("Azure DevOps refused the token for organization %s: it is invalid, revoked, or not valid for this organization (%q)", org, msg)
	case r.Kind == refusal.Forbidden:
		return rejected("Azure DevOps forbade the token for organization %s (403 %q)", org, msg)
	case r.Kind == refusal.NotFound:
		return azOutcome{}, fmt.Errorf("%w: %s answered 404: no Azure DevOps organization or collection there; check Config.BaseURL", ErrUnsupportedURL, endpoint)
	case r.Kind != refusal.None:
		if err := sharedRefusal(a.azHost(), req.URL.Host, requestOp(req), r); err != nil {
			return azOutcome{}, err
		}
		return azOutcome{}, fmt.Errorf("azure-devops: %s answered %d %s (%q)", endpoint, resp.StatusCode, http.StatusText(resp.StatusCode), msg)
	case resp.StatusCode != http.StatusOK:
		return azOutcome{}, fmt.Errorf("azure-devops: %s answered %d %s", endpoint, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var cd location.ConnectionData
	if err := json.Unmarshal(body, &cd); err != nil {
		// Never hand the caller a JSON syntax error: say what happened.
		return azOutcome{}, fmt.Errorf("azure-devops: %s answered 200 with a body that is not Azure DevOps connection data (%s); is Config.BaseURL an Azure DevOps organization?", endpoint, azContentType(resp))
	}
	u := cd.AuthenticatedUser
	if u == nil || u.Id == nil {
		return rejected("Azure DevOps named no authenticated user for organization %s", org)
	}
	if strings.EqualFold(u.Id.String(), azAnonymousID) {
		return rejected("Azure DevOps treated the request as anonymous (organization %s has public projects): the token is invalid, revoked, or not valid for this organization", org)
	}
	// The name is the server's text: one line, capped, scrubbed.
	user := pat.Sanitize(azUserName(u.ProviderDisplayName, u.CustomDisplayName, u.Properties, u.Id.String()), maxServerText, tok)
	return azOutcome{user: user}, nil
}

// azUserName picks the unique account name ("ada@contoso.example") from the
// identity's properties, else its display name, else its id.
func azUserName(display, custom *string, props any, id string) string {
	if m, ok := props.(map[string]any); ok {
		for k, v := range m {
			if !strings.EqualFold(k, "Account") {
				continue
			}
			switch v := v.(type) {
			case string:
				if v != "" {
					return v
				}
			case map[string]any:
				if s, ok := v["$value"].(string); ok && s != "" {
					return s
				}
			}
		}
	}
	for _, p := range []*string{display, custom} {
		if p != nil && *p != "" {
			return *p
		}
	}
	return id
}

// probe runs one scope probe: 200 proves the scope; 401 (after a valid
// connectionData) proves it missing; 403 and 404 mean the scope is present
// but the user lacks a permission or sees nothing there, so the scope counts
// as proven.
func (a *AzureDevOps) probe(ctx context.Context, st *azState, tok pat.Token, p azProbe) (azOutcome, error) {
	endpoint := a.api + "/" + p.path
	if p.feeds && a.azHosted() && a.cfg.APIURL == "" && a.org != "" {
		endpoint = "https://feeds.dev.azure.com/" + url.PathEscape(a.org) + "/" + p.path
	}
	req, err := a.newRequest(ctx, tok, endpoint, p.apiVersion)
	if err != nil {
		return azOutcome{}, err
	}
	resp, err := st.check.Do(req)
	if err != nil {
		return azOutcome{}, a.azRequestErr(err, tok, azStripQuery(endpoint))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, azMaxProbeBody))
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return azOutcome{status: azMissing}, nil
	case resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusNotFound:
		return azOutcome{status: azProven}, nil
	case resp.StatusCode == http.StatusOK && !azIsHTML(resp, nil):
		return azOutcome{status: azProven}, nil
	}
	// 203 sign-in pages, redirects, a 500: nothing definite; the scope stays
	// unverified rather than being granted or denied on a guess. (502, 503
	// and 504 are retried, then fail with a *HostError.)
	return azOutcome{status: azUnknown}, nil
}

var azUserRE = regexp.MustCompile(`(?i)the user '([0-9a-f-]{36})'`)

// azUserInMessage returns the identity id in a TF400813 message, or "".
func azUserInMessage(msg string) string {
	if m := azUserRE.FindStringSubmatch(msg); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

func azExpired(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "expired")
}

// azIsHTML reports an HTML answer: its content type, or a body that starts
// like a page.
func azIsHTML(resp *http.Response, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	b := strings.TrimSpace(string(body[:min(len(body), 64)]))
	return strings.HasPrefix(b, "<")
}

func azContentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return "Content-Type " + pat.Sanitize(ct, maxServerText)
	}
	return "no Content-Type"
}

// azSignInLocation reports a redirect to Azure DevOps or Microsoft sign-in.
func azSignInLocation(loc string) bool {
	u, err := url.Parse(loc)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	p := strings.ToLower(u.Path)
	return strings.Contains(p, "signin") || strings.Contains(p, "login") ||
		strings.HasPrefix(h, "login.") || strings.Contains(h, "vssps.") || h == "aex.dev.azure.com"
}

func azHostOf(loc string) string {
	if u, err := url.Parse(loc); err == nil && u.Host != "" {
		return u.Host
	}
	return "an unknown host"
}

func azStripQuery(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i]
	}
	return s
}

// azRequestErr reports a failed request: the *HostError the client made
// (it names the host), scrubbed of the token, else the error, scrubbed.
func (a *AzureDevOps) azRequestErr(err error, tok pat.Token, endpoint string) error {
	var he *HostError
	if errors.As(err, &he) {
		return scrubErr(he, tok)
	}
	return fmt.Errorf("azure-devops: GET %s: %w", endpoint, scrubErr(err, tok))
}
