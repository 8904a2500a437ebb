package gitauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// TestProbeFaults runs every fault of the fakes against Probe on GitHub and
// Azure DevOps: bounded time, bounded retries, a HostError naming the host,
// no credentials to another host.
func TestProbeFaults(t *testing.T) {
	f := newFixture(t)
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()

	const (
		slowTimeout  = 300 * time.Millisecond
		retryTimeout = 3 * time.Second // room for every retry's backoff
		bound        = 5 * time.Second
	)
	type result struct {
		err      error
		requests int // info/refs requests at the fake
		recorded []providertest.RecordedRequest
		host     string
	}
	hostErr := func(t *testing.T, r result, target error) *provider.HostError {
		t.Helper()
		var he *provider.HostError
		if !errors.As(r.err, &he) || he.Host != r.host || !strings.Contains(r.err.Error(), r.host) {
			t.Fatalf("Probe = %v; want a *provider.HostError naming %s", r.err, r.host)
		}
		if target != nil && !errors.Is(r.err, target) {
			t.Errorf("Probe = %v; want errors.Is %v", r.err, target)
		}
		return he
	}
	remoteErr := func(t *testing.T, r result, target error, requests int) {
		t.Helper()
		var re *RemoteError
		if !errors.As(r.err, &re) || !errors.Is(r.err, target) || r.requests != requests {
			t.Errorf("Probe, requests = %v, %d; want a RemoteError matching %v after %d", r.err, r.requests, target, requests)
		}
	}
	ok := func(requests int) func(*testing.T, result) {
		return func(t *testing.T, r result) {
			if r.err != nil || r.requests != requests {
				t.Errorf("Probe, requests = %v, %d; want nil, %d", r.err, r.requests, requests)
			}
		}
	}
	cases := []struct {
		name  string
		fault providertest.Fault
		slow  bool
		want  func(*testing.T, result)
	}{
		{"slow headers", providertest.Fault{Kind: providertest.FaultSlowHeaders}, true,
			func(t *testing.T, r result) { hostErr(t, r, context.DeadlineExceeded) }},
		{"slow headers, shorter than the timeout", providertest.Fault{Kind: providertest.FaultSlowHeaders, Delay: 20 * time.Millisecond}, false, ok(1)},
		{"slow body", providertest.Fault{Kind: providertest.FaultSlowBody}, true,
			func(t *testing.T, r result) { hostErr(t, r, context.DeadlineExceeded) }},
		{"resets, every request", providertest.Fault{Kind: providertest.FaultReset}, false,
			func(t *testing.T, r result) {
				if he := hostErr(t, r, nil); he.Attempts != 3 || r.requests != 3 {
					t.Errorf("attempts, requests = %d, %d; want 3", he.Attempts, r.requests)
				}
			}},
		{"resets, two", providertest.Fault{Kind: providertest.FaultReset, Count: 2}, false, ok(3)},
		{"503 burst of 2", providertest.Fault{Kind: providertest.FaultStatus, Count: 2}, false, ok(3)},
		{"503 burst of 5", providertest.Fault{Kind: providertest.FaultStatus, Count: 5}, false,
			func(t *testing.T, r result) {
				if he := hostErr(t, r, provider.ErrServerError); he.Status != 503 || r.requests != 3 {
					t.Errorf("status, requests = %d, %d; want 503, 3", he.Status, r.requests)
				}
			}},
		{"401 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 401}, false,
			func(t *testing.T, r result) { remoteErr(t, r, provider.ErrUnauthorized, 1) }},
		{"403 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 403}, false,
			func(t *testing.T, r result) { remoteErr(t, r, ErrAccessDenied, 1) }},
		{"404 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 404}, false,
			func(t *testing.T, r result) { remoteErr(t, r, ErrRepoNotFound, 1) }},
		{"429 is not retried", providertest.Fault{Kind: providertest.FaultStatus, Status: 429, Header: http.Header{"Retry-After": {"0"}}}, false,
			func(t *testing.T, r result) { remoteErr(t, r, provider.ErrRateLimited, 1) }},
		{"redirect to another host name", providertest.Fault{Kind: providertest.FaultRedirect, Location: rec.OtherURL}, false,
			func(t *testing.T, r result) {
				if len(r.recorded) != 1 || r.recorded[0].Authorization != "" || r.recorded[0].Cookie != "" {
					t.Errorf("recorder saw %+v; want one request without credentials", r.recorded)
				}
				if r.err == nil {
					t.Error("Probe through a redirect to the recorder succeeded")
				}
			}},
		{"redirect loop", providertest.Fault{Kind: providertest.FaultRedirectLoop}, false,
			func(t *testing.T, r result) {
				hostErr(t, r, provider.ErrRedirect)
				if r.requests != 10 {
					t.Errorf("requests = %d, want 10", r.requests)
				}
			}},
		{"truncated body", providertest.Fault{Kind: providertest.FaultTruncatedBody}, false,
			func(t *testing.T, r result) { hostErr(t, r, io.ErrUnexpectedEOF) }},
		{"oversized body", providertest.Fault{Kind: providertest.FaultOversizedBody}, false,
			func(t *testing.T, r result) {
				// Probe reads the first bytes only: not a Git answer.
				remoteErr(t, r, ErrNotSmartHTTP, 1)
			}},
		{"HTML page", providertest.Fault{Kind: providertest.FaultHTML}, false,
			func(t *testing.T, r result) { remoteErr(t, r, ErrNotSmartHTTP, 1) }},
	}
	for _, host := range []string{"github", "azure"} {
		for _, tc := range cases {
			t.Run(host+"/"+tc.name, func(t *testing.T) {
				cfg, secret := f.ghCfg, f.ghRead
				setFault, count := f.gh.SetFault, f.gh.Requests
				if host == "azure" {
					cfg, secret = f.azCfg, f.azRead
					setFault, count = f.az.SetFault, f.az.Requests
				}
				cfg.Timeout = retryTimeout
				if tc.slow {
					cfg.Timeout = slowTimeout
				}
				fault := tc.fault
				fault.Route = "git info/refs"
				setFault(fault)
				defer setFault(providertest.Fault{})
				f.gh.ResetCounts()
				f.az.ResetCounts()
				before := len(rec.Requests())
				start := time.Now()
				err := Options{Provider: cfg}.Probe(context.Background(), f.url(host), basic(host, secret), Read)
				if d := time.Since(start); d > bound {
					t.Errorf("Probe took %v, want < %v", d, bound)
				}
				testkit.NoLeak(t, "error", err, f.secrets()...)
				u, _ := url.Parse(f.url(host))
				tc.want(t, result{err: err, requests: count("git info/refs"), recorded: rec.Requests()[before:], host: u.Host})
			})
		}
	}
}

// TestProbeDefaultTimeout: Probe without Options bounds a request by the
// caller's context too.
func TestProbeCallerDeadline(t *testing.T) {
	f := newFixture(t)
	f.gh.SetFault(providertest.Fault{Kind: providertest.FaultSlowHeaders})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Probe(ctx, f.ghURL, basic("github", f.ghRead), Read)
	var he *provider.HostError
	if !errors.As(err, &he) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Probe = %v; want a HostError matching context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Probe took %v", d)
	}
}
