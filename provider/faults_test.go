package provider_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// faultTimeout is Config.Timeout in tests of slow faults: short, so they end
// quickly; retryTimeout leaves room for every retry's backoff (at most
// 100 + 200 ms); faultBound is what every faulted call must stay under.
const (
	faultTimeout = 300 * time.Millisecond
	retryTimeout = 3 * time.Second
	faultBound   = 5 * time.Second
)

// faultTarget is one provider under test with its fake, set up for one case.
type faultTarget struct {
	name   string
	route  string // the route CheckScopes calls first
	host   string // the API host errors must name
	secret string
	check  func(ctx context.Context) error
	fault  func(providertest.Fault)
	count  func(route string) int
}

func ghFaultTarget(t *testing.T, cfg provider.Config) *faultTarget {
	t.Helper()
	s := ghFake(t)
	secret := providertest.Token(pat.GitHubClassic, "faults")
	s.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	cfg.CacheTTL = -1
	g := ghProvider(t, s, cfg)
	tok := ghToken(t, secret)
	u, _ := url.Parse(s.URL)
	return &faultTarget{
		name: "github", route: "GET /user", host: u.Host, secret: secret,
		check: func(ctx context.Context) error { _, err := g.CheckScopes(ctx, tok); return err },
		fault: s.SetFault, count: s.Requests,
	}
}

func azFaultTarget(t *testing.T, cfg provider.Config) *faultTarget {
	t.Helper()
	s := azFake(t)
	tok := azToken(t, s, "faults", azAda("vso.code"))
	cfg.BaseURL = s.OrgURL("contoso")
	cfg.CacheTTL = -1
	a := azProvider(t, cfg)
	u, _ := url.Parse(s.URL)
	return &faultTarget{
		name: "azure", route: "GET connectionData", host: u.Host, secret: tok.Secret(),
		check: func(ctx context.Context) error { _, err := a.CheckScopes(ctx, tok); return err },
		fault: s.SetFault, count: s.Requests,
	}
}

var faultTargets = []struct {
	name string
	new  func(*testing.T, provider.Config) *faultTarget
}{{"github", ghFaultTarget}, {"azure", azFaultTarget}}

// wantHostError fails unless err is a *provider.HostError naming host and
// matching target (when not nil).
func wantHostError(t *testing.T, err error, host string, target error) *provider.HostError {
	t.Helper()
	var he *provider.HostError
	if !errors.As(err, &he) {
		t.Fatalf("err = %v (%T), want a *provider.HostError", err, err)
	}
	if he.Host != host {
		t.Errorf("HostError.Host = %q, want %q", he.Host, host)
	}
	if !strings.Contains(err.Error(), host) {
		t.Errorf("error does not name the host %s: %v", host, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("err = %v, want errors.Is %v", err, target)
	}
	return he
}

// TestCheckScopesFaults runs every fault of the fakes against GitHub and
// Azure DevOps CheckScopes.
func TestCheckScopesFaults(t *testing.T) {
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()

	type result struct {
		err      error
		requests int // at the faulted route
		recorded []providertest.RecordedRequest
	}
	cases := []struct {
		name  string
		fault providertest.Fault
		want  func(t *testing.T, ft *faultTarget, r result)
		slow  bool // the case waits for Config.Timeout
	}{
		{"slow headers", providertest.Fault{Kind: providertest.FaultSlowHeaders},
			func(t *testing.T, ft *faultTarget, r result) {
				wantHostError(t, r.err, ft.host, context.DeadlineExceeded)
			}, true},
		{"slow headers, shorter than the timeout", providertest.Fault{Kind: providertest.FaultSlowHeaders, Delay: 20 * time.Millisecond},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err != nil || r.requests != 1 {
					t.Errorf("err, requests = %v, %d; want nil, 1", r.err, r.requests)
				}
			}, false},
		{"slow body", providertest.Fault{Kind: providertest.FaultSlowBody},
			func(t *testing.T, ft *faultTarget, r result) {
				wantHostError(t, r.err, ft.host, context.DeadlineExceeded)
			}, true},
		{"resets, every request", providertest.Fault{Kind: providertest.FaultReset},
			func(t *testing.T, ft *faultTarget, r result) {
				he := wantHostError(t, r.err, ft.host, nil)
				if he.Attempts != 1+provider.MaxRetries || r.requests != 1+provider.MaxRetries {
					t.Errorf("attempts, requests = %d, %d; want %d", he.Attempts, r.requests, 1+provider.MaxRetries)
				}
			}, false},
		{"resets, two", providertest.Fault{Kind: providertest.FaultReset, Count: 2},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err != nil || r.requests != 3 {
					t.Errorf("err, requests = %v, %d; want nil, 3", r.err, r.requests)
				}
			}, false},
		{"503 burst of 2", providertest.Fault{Kind: providertest.FaultStatus, Count: 2},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err != nil || r.requests != 3 {
					t.Errorf("err, requests = %v, %d; want nil, 3", r.err, r.requests)
				}
			}, false},
		{"502 burst of 5", providertest.Fault{Kind: providertest.FaultStatus, Status: 502, Count: 5},
			func(t *testing.T, ft *faultTarget, r result) {
				he := wantHostError(t, r.err, ft.host, provider.ErrServerError)
				if he.Status != 502 || r.requests != 3 {
					t.Errorf("status, requests = %d, %d; want 502, 3", he.Status, r.requests)
				}
			}, false},
		{"504 with a long Retry-After", providertest.Fault{Kind: providertest.FaultStatus, Status: 504, Header: http.Header{"Retry-After": {"120"}}},
			func(t *testing.T, ft *faultTarget, r result) {
				wantHostError(t, r.err, ft.host, provider.ErrServerError)
				if r.requests != 1 {
					t.Errorf("requests = %d, want 1 (Retry-After too long to wait)", r.requests)
				}
			}, false},
		{"503 with Retry-After 0", providertest.Fault{Kind: providertest.FaultStatus, Count: 1, Header: http.Header{"Retry-After": {"0"}}},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err != nil || r.requests != 2 {
					t.Errorf("err, requests = %v, %d; want nil, 2", r.err, r.requests)
				}
			}, false},
		{"401 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 401},
			func(t *testing.T, ft *faultTarget, r result) {
				if !errors.Is(r.err, provider.ErrUnauthorized) || r.requests != 1 {
					t.Errorf("err, requests = %v, %d; want ErrUnauthorized, 1", r.err, r.requests)
				}
			}, false},
		{"403 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 403},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err == nil || !strings.Contains(r.err.Error(), "403") || r.requests != 1 {
					t.Errorf("err, requests = %v, %d; want a 403, 1", r.err, r.requests)
				}
			}, false},
		{"404 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 404},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err == nil || !strings.Contains(r.err.Error(), "404") || r.requests != 1 {
					t.Errorf("err, requests = %v, %d; want a 404, 1", r.err, r.requests)
				}
			}, false},
		{"429 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 429, Header: http.Header{"Retry-After": {"1"}}},
			func(t *testing.T, ft *faultTarget, r result) {
				var rl *provider.RateLimitError
				if !errors.As(r.err, &rl) || r.requests != 1 {
					t.Errorf("err, requests = %v, %d; want a RateLimitError, 1", r.err, r.requests)
				}
			}, false},
		{"500 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 500},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err == nil || !strings.Contains(r.err.Error(), "500") || r.requests != 1 {
					t.Errorf("err, requests = %v, %d; want a 500, 1", r.err, r.requests)
				}
			}, false},
		{"redirect to another host name", providertest.Fault{Kind: providertest.FaultRedirect, Location: rec.OtherURL},
			func(t *testing.T, ft *faultTarget, r result) {
				if r.err == nil {
					t.Error("a redirect to the recorder succeeded")
				}
				for _, q := range r.recorded {
					if q.Authorization != "" || q.Cookie != "" {
						t.Errorf("credentials reached another host: %s %s", q.Method, q.Path)
					}
				}
				if ft.name == "github" && len(r.recorded) != 1 {
					t.Errorf("recorder saw %d requests, want 1 (followed without credentials)", len(r.recorded))
				}
				if ft.name == "azure" && len(r.recorded) != 0 {
					t.Errorf("recorder saw %d requests, want 0 (Azure DevOps redirects a rejected token to sign-in: not followed)", len(r.recorded))
				}
			}, false},
		{"307 to another host name", providertest.Fault{Kind: providertest.FaultRedirect, Status: 307, Location: rec.OtherURL},
			func(t *testing.T, ft *faultTarget, r result) {
				for _, q := range r.recorded {
					if q.Authorization != "" || q.Cookie != "" {
						t.Errorf("credentials reached another host: %s %s", q.Method, q.Path)
					}
				}
			}, false},
		{"redirect to the same host name, other port", providertest.Fault{Kind: providertest.FaultRedirect, Location: rec.URL},
			func(t *testing.T, ft *faultTarget, r result) {
				// Another port is another origin: credentials are dropped
				// (GitHub follows without them; Azure DevOps does not follow).
				for _, q := range r.recorded {
					if q.Authorization != "" || q.Cookie != "" {
						t.Errorf("credentials reached another port: %s %s", q.Method, q.Path)
					}
				}
				if want := map[string]int{"github": 1, "azure": 0}[ft.name]; len(r.recorded) != want {
					t.Errorf("recorder saw %d requests, want %d", len(r.recorded), want)
				}
			}, false},
		{"redirect loop", providertest.Fault{Kind: providertest.FaultRedirectLoop},
			func(t *testing.T, ft *faultTarget, r result) {
				wantHostError(t, r.err, ft.host, provider.ErrRedirect)
				if r.requests != 10 {
					t.Errorf("requests = %d, want 10", r.requests)
				}
			}, false},
		{"truncated body", providertest.Fault{Kind: providertest.FaultTruncatedBody},
			func(t *testing.T, ft *faultTarget, r result) {
				wantHostError(t, r.err, ft.host, io.ErrUnexpectedEOF)
			}, false},
		{"oversized body", providertest.Fault{Kind: providertest.FaultOversizedBody},
			func(t *testing.T, ft *faultTarget, r result) {
				wantHostError(t, r.err, ft.host, provider.ErrResponseTooLarge)
			}, false},
		{"HTML page", providertest.Fault{Kind: providertest.FaultHTML},
			func(t *testing.T, ft *faultTarget, r result) {
				switch {
				case r.err == nil:
					t.Error("an HTML page passed the check")
				case ft.name == "github" && !strings.Contains(r.err.Error(), "not the GitHub API"):
					t.Errorf("err = %v, want one saying the answer is not the API's", r.err)
				case ft.name == "azure" && !errors.Is(r.err, provider.ErrUnauthorized):
					// Azure DevOps answers a rejected token with a sign-in page.
					t.Errorf("err = %v, want ErrUnauthorized", r.err)
				}
			}, false},
	}
	for _, target := range faultTargets {
		for _, tc := range cases {
			t.Run(target.name+"/"+tc.name, func(t *testing.T) {
				timeout := retryTimeout
				if tc.slow {
					timeout = faultTimeout
				}
				ft := target.new(t, provider.Config{Timeout: timeout})
				f := tc.fault
				f.Route = ft.route
				ft.fault(f)
				before := len(rec.Requests())
				start := time.Now()
				err := ft.check(context.Background())
				if d := time.Since(start); d > faultBound {
					t.Errorf("took %v, want < %v", d, faultBound)
				}
				ghNoSecret(t, ft.secret, err)
				tc.want(t, ft, result{err: err, requests: ft.count(ft.route), recorded: rec.Requests()[before:]})
			})
		}
	}
}

// TestCheckScopesFaultOnProbe: a failing scope probe is retried like any
// GET, and a host that keeps failing is a HostError, not a verdict on the
// scope.
func TestCheckScopesFaultOnProbe(t *testing.T) {
	s := azFake(t)
	tok := azToken(t, s, "probe-faults", azAda("vso.code"))
	u, _ := url.Parse(s.URL)
	for _, tc := range []struct {
		name      string
		count     int
		wantErr   bool
		wantProbe int
	}{
		{"burst of 2", 2, false, 3},
		{"burst of 5", 5, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := azProvider(t, provider.Config{BaseURL: s.OrgURL("contoso"), CacheTTL: -1, Timeout: retryTimeout})
			s.ResetCounts()
			s.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Route: "GET git/repositories", Count: tc.count})
			defer s.SetFault(providertest.Fault{})
			rep, err := a.CheckScopes(context.Background(), tok, "vso.code")
			if tc.wantErr {
				wantHostError(t, err, u.Host, provider.ErrServerError)
			} else if err != nil || len(rep.Missing)+len(rep.Unverified) != 0 {
				t.Errorf("CheckScopes = %+v, %v; want vso.code proven", rep, err)
			}
			if got := s.Requests("GET git/repositories"); got != tc.wantProbe {
				t.Errorf("probe requests = %d, want %d", got, tc.wantProbe)
			}
			if got := s.Requests("GET connectionData"); got != 1 {
				t.Errorf("connectionData requests = %d, want 1", got)
			}
		})
	}
}

// TestFaultsCallerHTTPClient: Config.Timeout bounds requests of a client
// the caller gives, which has no timeout of its own.
func TestFaultsCallerHTTPClient(t *testing.T) {
	for _, target := range faultTargets {
		t.Run(target.name, func(t *testing.T) {
			ft := target.new(t, provider.Config{HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, Timeout: faultTimeout})
			ft.fault(providertest.Fault{Kind: providertest.FaultSlowHeaders})
			start := time.Now()
			err := ft.check(context.Background())
			wantHostError(t, err, ft.host, context.DeadlineExceeded)
			if d := time.Since(start); d > faultBound {
				t.Errorf("took %v, want < %v", d, faultBound)
			}
		})
	}
}

// TestFaultsCallerDeadline: a caller's deadline sooner than Config.Timeout
// wins.
func TestFaultsCallerDeadline(t *testing.T) {
	for _, target := range faultTargets {
		t.Run(target.name, func(t *testing.T) {
			ft := target.new(t, provider.Config{}) // default timeout: 30 s
			ft.fault(providertest.Fault{Kind: providertest.FaultSlowHeaders})
			ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
			defer cancel()
			start := time.Now()
			err := ft.check(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded", err)
			}
			if d := time.Since(start); d > faultBound {
				t.Errorf("took %v, want < %v", d, faultBound)
			}
		})
	}
}

// TestFaultsUntrustedTLS: a host whose certificate the client does not
// trust gives a HostError naming the host and the certificate failure, and
// is not retried.
func TestFaultsUntrustedTLS(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	tok := ghToken(t, providertest.Token(pat.GitHubClassic, "tls"))
	azTok := mustToken(t, providertest.Token(pat.AzureDevOps, "tls"))

	g, err := provider.NewGitHub(provider.Config{BaseURL: srv.URL, Timeout: retryTimeout})
	if err != nil {
		t.Fatal(err)
	}
	a := azProvider(t, provider.Config{BaseURL: srv.URL + "/contoso", Timeout: retryTimeout})
	for name, check := range map[string]func() error{
		"github": func() error { _, err := g.CheckScopes(context.Background(), tok); return err },
		"azure":  func() error { _, err := a.CheckScopes(context.Background(), azTok); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := check()
			he := wantHostError(t, err, u.Host, nil)
			var cert *tls.CertificateVerificationError
			if !errors.As(err, &cert) || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("err = %v, want a certificate verification failure", err)
			}
			if he.Attempts != 1 {
				t.Errorf("attempts = %d, want 1", he.Attempts)
			}
			ghNoSecret(t, tok.Secret(), err)
			ghNoSecret(t, azTok.Secret(), err)
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the TLS server answered %d requests", n)
	}
}
