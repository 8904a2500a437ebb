package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	azgit "github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// azFake starts a fake Azure DevOps server with organizations "contoso"
// (private), "fabrikam" (private) and "public" (public projects).
func azFake(t testing.TB) *providertest.AzureServer {
	t.Helper()
	s, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddOrg("contoso", false)
	s.AddOrg("fabrikam", false)
	s.AddOrg("public", true)
	return s
}

// azToken registers a token with scopes on s and returns it.
func azToken(t testing.TB, s *providertest.AzureServer, seed string, tok providertest.AzureToken) pat.Token {
	t.Helper()
	secret := providertest.Token(pat.AzureDevOps, seed)
	s.AddToken(secret, tok)
	pt, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func azAda(scopes ...string) providertest.AzureToken {
	return providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: scopes}
}

func azProvider(t testing.TB, cfg provider.Config) *provider.AzureDevOps {
	t.Helper()
	a, err := provider.NewAzureDevOps(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// azNoSecret fails when any formatting of vs holds the secret.
func azNoSecret(t *testing.T, secret string, vs ...any) {
	t.Helper()
	for _, v := range vs {
		if v == nil {
			continue
		}
		b, _ := json.Marshal(v)
		for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(b)} {
			if strings.Contains(s, secret) {
				t.Errorf("the token leaked: %s", s)
			}
		}
		if err, ok := v.(error); ok && strings.Contains(err.Error(), secret) {
			t.Errorf("the token leaked in an error: %v", err)
		}
	}
}

func TestAzureCheckScopes(t *testing.T) {
	s := azFake(t)
	a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso")})
	tests := []struct {
		name           string
		granted        []string
		required       []string
		missing        []string
		unverified     []string
		requests       int
		probes         map[string]int
		wantMissingErr bool
	}{
		{name: "no scope required", granted: []string{"vso.code"}, requests: 1},
		{name: "vso.code", granted: []string{"vso.code"}, required: []string{"vso.code"}, requests: 2,
			probes: map[string]int{"GET git/repositories": 1}},
		{name: "app_token proves every read", granted: []string{"app_token"},
			required: []string{"vso.code", "vso.build", "vso.work", "vso.packaging", "vso.project", "vso.agentpools"}, requests: 7,
			probes: map[string]int{"GET git/repositories": 1, "GET build/resourceusage": 1, "GET wit/workitemrelationtypes": 1, "GET packaging/feeds": 1, "GET teams": 1, "GET distributedtask/pools": 1}},
		{name: "code_write proves vso.code, not itself", granted: []string{"vso.code_write"},
			required: []string{"vso.code", "vso.code_write"}, unverified: []string{"vso.code_write"}, requests: 2,
			probes: map[string]int{"GET git/repositories": 1}},
		{name: "write scope alone", granted: []string{"vso.code_full"},
			required: []string{"vso.code_write"}, unverified: []string{"vso.code_write"}, requests: 2},
		{name: "missing vso.build", granted: []string{"vso.code"},
			required: []string{"vso.code", "vso.build"}, missing: []string{"vso.build"}, requests: 3, wantMissingErr: true},
		{name: "write scope whose read is missing", granted: []string{"vso.build"},
			required: []string{"vso.code_write", "vso.build_execute"}, missing: []string{"vso.code_write"},
			unverified: []string{"vso.build_execute"}, requests: 3, wantMissingErr: true},
		{name: "project is not proven by vso.profile", granted: []string{"vso.packaging"},
			required: []string{"vso.packaging", "vso.project"}, missing: []string{"vso.project"}, requests: 3, wantMissingErr: true},
		{name: "scopes with no probe", granted: []string{"vso.code"},
			required: []string{"vso.code_status", "app_token", "vso.release"}, unverified: []string{"vso.code_status", "app_token", "vso.release"}, requests: 1},
		{name: "duplicates share one probe", granted: []string{"vso.work_write"},
			required: []string{"vso.work", "VSO.WORK", "work_write"}, unverified: []string{"work_write"}, requests: 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := azToken(t, s, fmt.Sprint("check-", i), azAda(tt.granted...))
			s.ResetCounts()
			rep, err := a.CheckScopes(context.Background(), tok, tt.required...)
			if tt.wantMissingErr {
				var me *provider.MissingScopeError
				if !errors.As(err, &me) || !errors.Is(err, provider.ErrMissingScope) {
					t.Fatalf("err = %v, want *MissingScopeError", err)
				}
				if !slices.Equal(me.Missing, tt.missing) {
					t.Errorf("MissingScopeError.Missing = %q, want %q", me.Missing, tt.missing)
				}
				if !strings.Contains(me.Hint, s.OrgURL("contoso")+"/_usersSettings/tokens") {
					t.Errorf("hint %q does not name the tokens page", me.Hint)
				}
				if rep == nil {
					t.Fatal("no Report with the MissingScopeError")
				}
			} else if err != nil {
				t.Fatalf("CheckScopes: %v", err)
			}
			if rep.Provider != "azure-devops" || rep.User != "ada@contoso.example" || rep.Kind != pat.AzureDevOps || rep.Scopes != nil {
				t.Errorf("report = %+v", rep)
			}
			if !slices.Equal(rep.Missing, tt.missing) {
				t.Errorf("Missing = %q, want %q", rep.Missing, tt.missing)
			}
			if !slices.Equal(rep.Unverified, tt.unverified) {
				t.Errorf("Unverified = %q, want %q", rep.Unverified, tt.unverified)
			}
			if got := s.TotalRequests(); got != tt.requests {
				t.Errorf("requests = %d, want %d", got, tt.requests)
			}
			if s.Requests("GET connectionData") != 1 || s.Requests("OPTIONS /_apis") != 0 || s.Requests("GET ResourceAreas") != 0 {
				t.Errorf("connectionData %d, OPTIONS %d, ResourceAreas %d; want 1, 0, 0",
					s.Requests("GET connectionData"), s.Requests("OPTIONS /_apis"), s.Requests("GET ResourceAreas"))
			}
			for route, n := range tt.probes {
				if got := s.Requests(route); got != n {
					t.Errorf("Requests(%q) = %d, want %d", route, got, n)
				}
			}
			azNoSecret(t, tok.Secret(), rep, err)
		})
	}
}

func TestAzureCheckScopesRejected(t *testing.T) {
	s := azFake(t)
	expired := azAda("vso.code")
	expired.Expired = true
	scoped := azAda("vso.code")
	scoped.Orgs = []string{"fabrikam"}
	revoked := azAda("vso.code")
	revoked.Revoked = true
	tests := []struct {
		name, org string
		tok       pat.Token
		want      string
	}{
		{"unknown token", "contoso", mustToken(t, providertest.Token(pat.AzureDevOps, "never-registered")), "invalid, revoked, or not valid for this organization"},
		{"revoked token", "contoso", azToken(t, s, "revoked", revoked), "invalid, revoked"},
		{"expired token", "contoso", azToken(t, s, "expired", expired), "the token has expired"},
		{"anonymous user", "public", mustToken(t, providertest.Token(pat.AzureDevOps, "never-registered")), "anonymous"},
		{"org-scoped token on another org", "contoso", azToken(t, s, "scoped", scoped), "valid but not for organization contoso"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := azProvider(t, provider.Config{BaseURL: s.OrgURL(tt.org)})
			s.ResetCounts()
			rep, err := a.CheckScopes(context.Background(), tt.tok, "vso.code")
			if !errors.Is(err, provider.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			if rep != nil {
				t.Errorf("report %+v for a rejected token", rep)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to say %q", err, tt.want)
			}
			// The probe went out with the validation (one round trip);
			// its answer was discarded.
			if got := s.TotalRequests(); got != 2 {
				t.Errorf("requests = %d, want 2 (connectionData and the probe, together)", got)
			}
			azNoSecret(t, tt.tok.Secret(), err)
		})
	}
	t.Run("org-scoped token on its org", func(t *testing.T) {
		a := azProvider(t, provider.Config{BaseURL: s.OrgURL("fabrikam")})
		if _, err := a.CheckScopes(context.Background(), azToken(t, s, "scoped", scoped), "vso.code"); err != nil {
			t.Fatal(err)
		}
	})
}

func mustToken(t testing.TB, secret string) pat.Token {
	t.Helper()
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// azStub serves connectionData with a fixed answer and records the requests.
type azStub struct {
	srv     *httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newAzStub(t *testing.T, h http.HandlerFunc) *azStub {
	st := &azStub{}
	st.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		st.headers = append(st.headers, r.Header.Clone())
		st.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(st.srv.Close)
	return st
}

func TestAzureCheckScopesAnswers(t *testing.T) {
	const goodJSON = `{"authenticatedUser":{"id":"6b28f906-0c6a-4a7e-9d5c-1a2b3c4d5e6f","providerDisplayName":"Grace Hopper","properties":{}},"instanceId":"9d4a3b2c-1e0f-4a5b-8c7d-6e5f4a3b2c1d","deploymentType":"hosted"}`
	tests := []struct {
		name         string
		status       int
		ctype        string
		header       map[string]string
		body         string
		unauthorized bool
		want         string
	}{
		{"200 user", 200, "application/json; charset=utf-8", nil, goodJSON, false, ""},
		{"203 sign-in page", 203, "text/html; charset=utf-8", nil, "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head></html>", true, "sign-in page"},
		{"200 HTML", 200, "text/html", nil, "<html>hi</html>", true, "sign-in page"},
		{"200 HTML without content type", 200, "", nil, "<!DOCTYPE html><html></html>", true, "sign-in page"},
		{"302 to sign-in", 302, "", map[string]string{"Location": "https://app.vssps.visualstudio.com/_signin?realm=dev.azure.com"}, "", true, "sign-in page"},
		{"303 to login", 303, "", map[string]string{"Location": "https://login.microsoftonline.com/common/oauth2/authorize"}, "", true, "sign-in page"},
		{"401 empty", 401, "", nil, "", true, "401 Unauthorized"},
		{"401 HTML", 401, "text/html", nil, "<html>no</html>", true, "sign-in page"},
		{"401 expired header only", 401, "text/plain", map[string]string{"X-TFS-ServiceError": "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired."}, "", true, "expired"},
		{"401 anonymous TF400813", 401, "application/json", nil, `{"message":"TF400813: The user 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' is not authorized to access this resource."}`, true, "not valid for this organization"},
		{"403", 403, "application/json", nil, `{"message":"conditional access"}`, true, "403"},
		{"200 anonymous", 200, "application/json", nil, `{"authenticatedUser":{"id":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"}}`, true, "anonymous"},
		{"200 no user", 200, "application/json", nil, `{}`, true, "no authenticated user"},
		{"200 not JSON", 200, "application/json", nil, `{"authenticatedUser":`, false, "not Azure DevOps connection data"},
		{"200 bad UUID", 200, "application/json", nil, `{"authenticatedUser":{"id":"user-1"}}`, false, "not Azure DevOps connection data"},
		{"404", 404, "text/plain", nil, "not found", false, "404"},
		{"429", 429, "application/json", map[string]string{"Retry-After": "30"}, `{"message":"slow down"}`, false, "rate limit"},
		{"500", 500, "application/json", nil, `{"message":"TF400898: An Internal Error Occurred."}`, false, "TF400898"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newAzStub(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			tok := mustToken(t, providertest.Token(pat.AzureDevOps, "stub"))
			a := azProvider(t, provider.Config{BaseURL: st.srv.URL + "/contoso"})
			rep, err := a.CheckScopes(context.Background(), tok)
			if tt.want == "" {
				if err != nil || rep.User != "Grace Hopper" {
					t.Fatalf("rep %+v, err %v", rep, err)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want it to say %q", err, tt.want)
				}
				if got := errors.Is(err, provider.ErrUnauthorized); got != tt.unauthorized {
					t.Errorf("errors.Is(err, ErrUnauthorized) = %v, want %v (%v)", got, tt.unauthorized, err)
				}
				var se *json.SyntaxError
				var ute *json.UnmarshalTypeError
				var we azuredevops.WrappedError
				var wep *azuredevops.WrappedError
				if errors.As(err, &se) || errors.As(err, &ute) || errors.As(err, &we) || errors.As(err, &wep) {
					t.Errorf("err %T leaks a JSON or SDK error type", err)
				}
			}
			if tt.status == 429 && !errors.Is(err, provider.ErrRateLimited) {
				t.Errorf("429: %v is not ErrRateLimited", err)
			}
			if len(st.headers) != 1 {
				t.Fatalf("%d requests, want 1", len(st.headers))
			}
			h := st.headers[0]
			if h.Get("X-TFS-FedAuthRedirect") != "Suppress" || h.Get("Accept") != "application/json;api-version=7.1-preview.1" {
				t.Errorf("request headers %v", h)
			}
			req := &http.Request{Header: h}
			if user, pass, ok := req.BasicAuth(); !ok || user != "" || pass != tok.Secret() {
				t.Errorf("Basic credentials: user %q ok %v", user, ok)
			}
			azNoSecret(t, tok.Secret(), rep, err)
		})
	}
}

func TestAzureCheckScopesBodyCap(t *testing.T) {
	st := newAzStub(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"authenticatedUser":{"providerDisplayName":"`)
		chunk := strings.Repeat("x", 64<<10)
		for i := 0; i < 64; i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `"}}`)
	})
	a := azProvider(t, provider.Config{BaseURL: st.srv.URL + "/contoso"})
	_, err := a.CheckScopes(context.Background(), mustToken(t, providertest.Token(pat.AzureDevOps, "cap")))
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("err = %v, want a size error", err)
	}
}

func TestAzureCheckScopesRedirectToSignInHost(t *testing.T) {
	var signinHits atomic.Int32
	signin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		signinHits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>sign in</html>")
	}))
	defer signin.Close()
	// "localhost" and 127.0.0.1 are different host names: a cross-host redirect.
	target := strings.Replace(signin.URL, "127.0.0.1", "localhost", 1) + "/_signin"
	st := newAzStub(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
	tok := mustToken(t, providertest.Token(pat.AzureDevOps, "redirect"))
	a := azProvider(t, provider.Config{BaseURL: st.srv.URL + "/contoso"})
	_, err := a.CheckScopes(context.Background(), tok)
	if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "sign-in page") {
		t.Fatalf("err = %v", err)
	}
	if signinHits.Load() != 0 {
		t.Error("the redirect to another host was followed")
	}
}

func TestAzureRefusals(t *testing.T) {
	s := azFake(t)
	a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso")})
	ctx := context.Background()
	repo := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "P", Name: "R"}
	for _, kind := range []pat.Kind{pat.GitHubClassic, pat.GitHubFineGrained, pat.GitHubInstallation, pat.GitHubOAuth} {
		t.Run(kind.String(), func(t *testing.T) {
			tok := mustToken(t, providertest.Token(kind, "mismatch"))
			s.ResetCounts()
			rep, err := a.CheckScopes(ctx, tok, "vso.code")
			if !errors.Is(err, provider.ErrTokenMismatch) || rep != nil {
				t.Errorf("CheckScopes: %v, %v", rep, err)
			}
			if _, err := a.BasicAuth(ctx, tok); !errors.Is(err, provider.ErrTokenMismatch) {
				t.Errorf("BasicAuth: %v", err)
			}
			if u, err := a.AuthenticatedURL(ctx, repo, tok); !errors.Is(err, provider.ErrTokenMismatch) || u != "" {
				t.Errorf("AuthenticatedURL: %q, %v", u, err)
			}
			if n := s.TotalRequests(); n != 0 {
				t.Errorf("%d requests sent with a GitHub token", n)
			}
			azNoSecret(t, tok.Secret(), err)
		})
	}
	t.Run("empty token", func(t *testing.T) {
		if _, err := a.CheckScopes(ctx, pat.Token{}); !errors.Is(err, pat.ErrEmpty) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unknown kinds are accepted", func(t *testing.T) {
		for _, secret := range []string{providertest.Token(pat.Unknown, "pipeline-jwt"), providertest.LegacyAzureToken("legacy"), "onprem-pat-of-any-shape"} {
			s.AddToken(secret, azAda("vso.code"))
			tok := mustToken(t, secret)
			rep, err := a.CheckScopes(ctx, tok, "vso.code")
			if err != nil || rep.Kind != tok.Kind() || len(rep.Missing)+len(rep.Unverified) != 0 {
				t.Errorf("%s: %+v, %v", tok.Kind(), rep, err)
			}
			if ba, err := a.BasicAuth(ctx, tok); err != nil || ba.Password != secret {
				t.Errorf("%s BasicAuth: %v", tok.Kind(), err)
			}
		}
	})
	t.Run("no organization", func(t *testing.T) {
		for _, cfg := range []provider.Config{{}, {BaseURL: "https://dev.azure.com"}} {
			b := azProvider(t, cfg)
			tok := mustToken(t, providertest.Token(pat.AzureDevOps, "x"))
			_, err := b.CheckScopes(ctx, tok)
			if !errors.Is(err, provider.ErrNoOrganization) || !errors.Is(err, provider.ErrUnsupportedURL) || !strings.Contains(err.Error(), "Config.BaseURL") {
				t.Errorf("%+v: err = %v", cfg, err)
			}
		}
	})
	t.Run("http to a host that is not loopback", func(t *testing.T) {
		for _, cfg := range []provider.Config{
			{BaseURL: "http://dev.azure.com/contoso"},
			{BaseURL: "http://tfs.example.com/tfs/DefaultCollection"},
			{BaseURL: "https://dev.azure.com/contoso", APIURL: "http://10.0.0.1/contoso"},
		} {
			if _, err := provider.NewAzureDevOps(cfg); !errors.Is(err, provider.ErrInsecureURL) {
				t.Errorf("%+v: err = %v, want ErrInsecureURL", cfg, err)
			}
		}
		tok := mustToken(t, providertest.Token(pat.AzureDevOps, "x"))
		u, err := azProvider(t, provider.Config{}).AuthenticatedURL(ctx, provider.Repo{Host: "dev.azure.com", Owner: "o", Project: "p", Name: "r"}, tok)
		if err != nil || !strings.HasPrefix(u, "https://") {
			t.Errorf("hosted AuthenticatedURL = %v", err)
		}
	})
}

type azCountingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *azCountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestAzureHTTPClientHonoured(t *testing.T) {
	s := azFake(t)
	rt := &azCountingTransport{base: http.DefaultTransport}
	client := &http.Client{Transport: rt}
	a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), HTTPClient: client})
	tok := azToken(t, s, "client", azAda("vso.code"))
	if _, err := a.CheckScopes(context.Background(), tok, "vso.code"); err != nil {
		t.Fatal(err)
	}
	if rt.n.Load() != 2 {
		t.Errorf("the caller's transport saw %d requests, want 2", rt.n.Load())
	}
	if client.CheckRedirect != nil {
		t.Error("the caller's client was modified")
	}
}

func TestAzureCacheAndSingleflight(t *testing.T) {
	s := azFake(t)
	ctx := context.Background()
	tok := azToken(t, s, "cache", azAda("vso.code"))
	a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso")})

	s.ResetCounts()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Go(func() {
			rep, err := a.CheckScopes(ctx, tok, "vso.code")
			if err == nil && rep.User != "ada@contoso.example" {
				err = fmt.Errorf("user %q", rep.User)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.TotalRequests(); got != 2 {
		t.Errorf("20 concurrent checks sent %d requests, want 2", got)
	}
	if _, err := a.CheckScopes(ctx, tok, "vso.code"); err != nil || s.TotalRequests() != 2 {
		t.Errorf("a cached check sent requests: %d, %v", s.TotalRequests(), err)
	}
	// A new scope costs only its probe.
	if _, err := a.CheckScopes(ctx, tok, "vso.code", "vso.build"); err == nil || s.TotalRequests() != 3 {
		t.Errorf("requests = %d, err %v; want 3 and missing vso.build", s.TotalRequests(), err)
	}
	// Reports are fresh copies.
	r1, _ := a.CheckScopes(ctx, tok, "vso.code_write")
	r1.Unverified[0] = "changed"
	if r2, _ := a.CheckScopes(ctx, tok, "vso.code_write"); r2.Unverified[0] != "vso.code_write" {
		t.Error("a caller's change to a Report leaked into the cache")
	}

	t.Run("another organization is another key", func(t *testing.T) {
		all := azToken(t, s, "cache-all", azAda("vso.code"))
		s.ResetCounts()
		for _, org := range []string{"contoso", "fabrikam", "contoso"} {
			b := azProvider(t, provider.Config{BaseURL: s.OrgURL(org)})
			if _, err := b.CheckScopes(ctx, all); err != nil {
				t.Fatal(err)
			}
		}
		// Providers share the process-wide cache, keyed by organization:
		// contoso twice is one request.
		if got := s.TotalRequests(); got != 2 {
			t.Errorf("requests = %d, want 2", got)
		}
	})
	t.Run("negative TTL never reuses", func(t *testing.T) {
		b := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), CacheTTL: -1})
		s.ResetCounts()
		for i := 0; i < 3; i++ {
			if _, err := b.CheckScopes(ctx, tok, "vso.code"); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.TotalRequests(); got != 6 {
			t.Errorf("requests = %d, want 6", got)
		}
	})
	t.Run("short TTL expires", func(t *testing.T) {
		now := time.Now()
		defer provider.SetCheckClock(func() time.Time { return now })()
		short := azToken(t, s, "cache-short", azAda("vso.code"))
		b := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), CacheTTL: 250 * time.Millisecond})
		s.ResetCounts()
		b.CheckScopes(ctx, short)
		now = now.Add(249 * time.Millisecond)
		b.CheckScopes(ctx, short)
		now = now.Add(time.Millisecond)
		b.CheckScopes(ctx, short)
		if got := s.TotalRequests(); got != 2 {
			t.Errorf("requests = %d, want 2", got)
		}
	})
	t.Run("rejections are cached too", func(t *testing.T) {
		bad := mustToken(t, providertest.Token(pat.AzureDevOps, "cache-bad"))
		s.ResetCounts()
		for i := 0; i < 3; i++ {
			if _, err := a.CheckScopes(ctx, bad); !errors.Is(err, provider.ErrUnauthorized) {
				t.Fatal(err)
			}
		}
		if got := s.TotalRequests(); got != 1 {
			t.Errorf("requests = %d, want 1", got)
		}
	})
}

func TestAzureContextCancelled(t *testing.T) {
	s := azFake(t)
	a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tok := azToken(t, s, "cancel", azAda("vso.code"))
	if _, err := a.CheckScopes(ctx, tok); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	// A cancelled check is not cached.
	if _, err := a.CheckScopes(context.Background(), tok); err != nil {
		t.Errorf("err = %v", err)
	}
}

func TestAzureServerCollection(t *testing.T) {
	s := azFake(t)
	coll := s.AddCollection("DefaultCollection")
	secret := "onprem-pat-" + strings.Repeat("7", 20)
	s.AddToken(secret, providertest.AzureToken{DisplayName: `CONTOSO\ada`, Scopes: []string{"vso.code_write"}})
	tok := mustToken(t, secret)
	a := azProvider(t, provider.Config{BaseURL: coll})
	rep, err := a.CheckScopes(context.Background(), tok, "vso.code", "vso.build")
	var me *provider.MissingScopeError
	if !errors.As(err, &me) || rep == nil {
		t.Fatalf("err = %v", err)
	}
	if rep.User != `CONTOSO\ada` || !slices.Equal(rep.Missing, []string{"vso.build"}) || rep.Kind != pat.Unknown {
		t.Errorf("report %+v", rep)
	}
	if !strings.Contains(me.Hint, coll+"/_usersSettings/tokens") {
		t.Errorf("hint %q", me.Hint)
	}
	if s.Requests("GET git/repositories") != 1 || s.Requests("GET build/resourceusage") != 1 {
		t.Error("probes did not reach the collection")
	}
}

func TestAzureBasicAuth(t *testing.T) {
	s := azFake(t)
	tok := azToken(t, s, "basic", azAda("vso.code"))
	ctx := context.Background()
	for _, user := range []string{"", "ada"} {
		a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), Username: user})
		s.ResetCounts()
		ba, err := a.BasicAuth(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if ba.Username != user || ba.Password != tok.Secret() {
			t.Errorf("BasicAuth user %q, want %q", ba.Username, user)
		}
		if s.TotalRequests() != 0 {
			t.Error("BasicAuth sent a request")
		}
		if strings.Contains(ba.String(), tok.Secret()) {
			t.Error("BasicAuth.String shows the token")
		}
	}
}

func TestAzureAuthenticatedURL(t *testing.T) {
	ctx := context.Background()
	tok := mustToken(t, providertest.Token(pat.AzureDevOps, "authurl"))
	hosted := azProvider(t, provider.Config{})
	tests := []struct {
		a    *provider.AzureDevOps
		repo provider.Repo
		want string // with TOKEN for the secret
	}{
		{hosted, provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "My Repo"},
			"https://contoso:TOKEN@dev.azure.com/contoso/My%20Project/_git/My%20Repo"},
		{hosted, provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "Web", Name: "site"},
			"https://contoso:TOKEN@contoso.visualstudio.com/Web/_git/site"},
		{azProvider(t, provider.Config{BaseURL: "https://tfs.example.com/tfs/DefaultCollection"}),
			provider.Repo{Host: "tfs.example.com", Owner: "DefaultCollection", VirtualDir: "tfs", Project: "P", Name: "R"},
			"https://DefaultCollection:TOKEN@tfs.example.com/tfs/DefaultCollection/P/_git/R"},
	}
	for _, tt := range tests {
		got, err := tt.a.AuthenticatedURL(ctx, tt.repo, tok)
		if err != nil {
			t.Errorf("%v: %v", tt.repo, err)
			continue
		}
		if want := strings.Replace(tt.want, "TOKEN", tok.Secret(), 1); got != want {
			t.Errorf("AuthenticatedURL(%v) = %q, want %q", tt.repo, strings.ReplaceAll(got, tok.Secret(), "TOKEN"), tt.want)
		}
		u, err := url.Parse(got)
		if err != nil || u.User.Username() == "" {
			t.Errorf("user name empty in %v", err)
		}
	}
	// The token goes only to hosts the provider serves.
	server := azProvider(t, provider.Config{BaseURL: "https://tfs.example.com/tfs/DefaultCollection"})
	contoso := azProvider(t, provider.Config{BaseURL: "https://dev.azure.com/contoso"})
	for _, tt := range []struct {
		a    *provider.AzureDevOps
		host string
	}{
		{hosted, "github.com"},
		{hosted, "evil.example"},
		{hosted, "dev.azure.com.evil.example"},
		{contoso, "tfs.example.com"},
		{server, "dev.azure.com"},
		{server, "other.example.com"},
	} {
		u, err := tt.a.AuthenticatedURL(ctx, provider.Repo{Host: tt.host, Owner: "o", Project: "p", Name: "r"}, tok)
		if !errors.Is(err, provider.ErrUnsupportedURL) || u != "" {
			t.Errorf("AuthenticatedURL to %s = %q, %v; want ErrUnsupportedURL", tt.host, strings.ReplaceAll(u, tok.Secret(), "TOKEN"), err)
		}
		azNoSecret(t, tok.Secret(), err)
	}
	if _, err := contoso.AuthenticatedURL(ctx, provider.Repo{Host: "fabrikam.visualstudio.com", Owner: "fabrikam", Project: "p", Name: "r"}, tok); err != nil {
		t.Errorf("hosted provider refused another Azure DevOps Services host: %v", err)
	}
	if _, err := hosted.AuthenticatedURL(ctx, provider.Repo{Host: "dev.azure.com"}, tok); err == nil {
		t.Error("AuthenticatedURL accepted a repository with no organization")
	} else {
		azNoSecret(t, tok.Secret(), err)
	}
}

func TestAzureGitCLIWithAuthenticatedURL(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	s := azFake(t)
	if err := s.AddRepo("contoso", "My Project", "My Repo", map[string]string{"a.txt": "a\n"}); err != nil {
		t.Fatal(err)
	}
	tok := azToken(t, s, "cli", azAda("vso.code"))
	p, repo, err := provider.ForURL(s.OrgURL("contoso")+"/My%20Project/_git/My%20Repo", provider.Config{BaseURL: s.URL, Name: "azure-devops"})
	if err != nil {
		t.Fatalf("ForURL: %v", err)
	}
	a, ok := p.(*provider.AzureDevOps)
	if !ok {
		t.Fatalf("ForURL gave %T", p)
	}
	rep, err := a.CheckScopes(context.Background(), tok, "vso.code")
	if err != nil || rep.User != "ada@contoso.example" {
		t.Fatalf("CheckScopes through ForURL: %+v, %v", rep, err)
	}
	authURL, err := a.AuthenticatedURL(context.Background(), repo, tok)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("git", "clone", "-q", authURL, "w")
	cmd.Dir = dir
	cmd.Env = []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + dir, "GIT_TERMINAL_PROMPT=0", "PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, strings.ReplaceAll(string(out), tok.Secret(), "TOKEN"))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "w", "a.txt")); err != nil || string(b) != "a\n" {
		t.Errorf("a.txt = %q, %v", b, err)
	}
}

// BenchmarkAzureCheckScopes measures one uncached check with one read scope
// (connectionData + one probe) and one cached check.
func BenchmarkAzureCheckScopes(b *testing.B) {
	s := azFake(b)
	tok := azToken(b, s, "bench", azAda("vso.code"))
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"uncached", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			a := azProvider(b, provider.Config{BaseURL: s.OrgURL("contoso"), CacheTTL: bc.ttl})
			s.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.CheckScopes(ctx, tok, "vso.code"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.TotalRequests())/float64(b.N), "requests/op")
		})
	}
}

// azColdSeq names a new organization per cold SDK call.
var azColdSeq atomic.Int64

// BenchmarkAzureSDKConnection measures what Microsoft's Go SDK costs for the
// same answer: NewPatConnection, GetConnectionData and git GetRepositories.
// The SDK caches OPTIONS /_apis per base URL for the whole process, and
// ResourceAreas per Connection: "cold" uses a new organization (a new base
// URL) each time, "warm" the same organization with a new Connection.
func BenchmarkAzureSDKConnection(b *testing.B) {
	s := azFake(b)
	secret := providertest.Token(pat.AzureDevOps, "sdk-bench")
	s.AddToken(secret, azAda("vso.code"))
	ctx := context.Background()
	call := func(b *testing.B, orgURL string) {
		conn := azuredevops.NewPatConnection(orgURL, secret)
		if _, err := location.NewClient(ctx, conn).GetConnectionData(ctx, location.GetConnectionDataArgs{}); err != nil {
			b.Fatal(err)
		}
		gc, err := azgit.NewClient(ctx, conn)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := gc.GetRepositories(ctx, azgit.GetRepositoriesArgs{}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		s.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			org := fmt.Sprintf("sdkcold-%d", azColdSeq.Add(1))
			s.AddOrg(org, false)
			call(b, s.OrgURL(org))
		}
		b.ReportMetric(float64(s.TotalRequests())/float64(b.N), "requests/op")
	})
	b.Run("warm", func(b *testing.B) {
		s.AddOrg("sdkwarm", false)
		call(b, s.OrgURL("sdkwarm"))
		s.ResetCounts()
		b.ReportAllocs()
		for b.Loop() {
			call(b, s.OrgURL("sdkwarm"))
		}
		b.ReportMetric(float64(s.TotalRequests())/float64(b.N), "requests/op")
	})
}

type azRecordingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (rt *azRecordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.URL.String())
	rt.mu.Unlock()
	return &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized", Header: http.Header{},
		Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// A dev.azure.com BaseURL longer than the organization (a project page
// pasted as the base) names the organization in its first segment; the
// rest is no virtual directory.
func TestAzureBaseURLWithProjectPath(t *testing.T) {
	rt := &azRecordingTransport{}
	a := azProvider(t, provider.Config{BaseURL: "https://dev.azure.com/contoso/My%20Project", HTTPClient: &http.Client{Transport: rt}})
	repo := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "P", Name: "R"}
	if got, want := a.CloneURL(repo), "https://dev.azure.com/contoso/P/_git/R"; got != want {
		t.Errorf("CloneURL = %q, want %q", got, want)
	}
	tok := mustToken(t, providertest.Token(pat.AzureDevOps, "project-base"))
	if _, err := a.CheckScopes(context.Background(), tok); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("CheckScopes: %v", err)
	}
	if want := []string{"https://dev.azure.com/contoso/_apis/connectionData"}; !slices.Equal(rt.urls, want) {
		t.Errorf("requests %q, want %q", rt.urls, want)
	}
}

// TestAzureCheckScopesOneRoundTrip: validation and the scope probes are in
// flight together (DESIGN: one round trip); when validation fails, the
// error is the validation's and no Report comes back, whatever the probes
// said.
func TestAzureCheckScopesOneRoundTrip(t *testing.T) {
	t.Parallel()
	s := azFake(t)
	// Requests sent together overlap within this latency, even on a loaded
	// machine; requests sent one after another never do.
	s.SetLatency(500 * time.Millisecond)
	ctx := context.Background()
	tok := azToken(t, s, "one-round-trip", azAda("vso.code", "vso.build"))
	a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), CacheTTL: -1})
	s.ResetCounts()
	rep, err := a.CheckScopes(ctx, tok, "vso.code", "vso.build", "vso.code_write")
	if err != nil || rep == nil {
		t.Fatalf("CheckScopes = %v, %v", rep, err)
	}
	if n, in := s.TotalRequests(), s.MaxInFlight(); n != 3 || in != 3 {
		t.Errorf("requests %d, at most %d in flight; want 3 (connectionData + 2 probes), all in flight together", n, in)
	}

	t.Run("validation fails", func(t *testing.T) {
		bad := mustToken(t, providertest.Token(pat.AzureDevOps, "one-round-trip-bad"))
		rep, err := a.CheckScopes(ctx, bad, "vso.code")
		if !errors.Is(err, provider.ErrUnauthorized) || rep != nil || errors.Is(err, provider.ErrMissingScope) {
			t.Errorf("bad token: %v, %v; want only the validation's ErrUnauthorized", rep, err)
		}
	})
	t.Run("validation fails, probes succeed", func(t *testing.T) {
		b := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), CacheTTL: -1, Timeout: 5 * time.Second})
		s.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Route: "GET connectionData", Status: 500})
		defer s.SetFault(providertest.Fault{})
		rep, err := b.CheckScopes(ctx, tok, "vso.code")
		if err == nil || rep != nil || !strings.Contains(err.Error(), "500") {
			t.Errorf("connectionData 500: %v, %v; want its error and no Report", rep, err)
		}
	})
}
