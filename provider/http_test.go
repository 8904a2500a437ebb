package provider_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patgit/patgit/provider"
)

// statusServer answers every request with code and counts them.
func statusServer(t *testing.T, code int, header http.Header) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestNewHTTPClientRetries(t *testing.T) {
	cases := []struct {
		name, method string
		code         int
		header       http.Header
		wantRequests int32
		wantErr      error // nil: the answer comes back as a response
	}{
		{"GET 503", http.MethodGet, 503, nil, 3, provider.ErrServerError},
		{"HEAD 502", http.MethodHead, 502, nil, 3, provider.ErrServerError},
		{"OPTIONS 504", http.MethodOptions, 504, nil, 3, provider.ErrServerError},
		{"GET 503, Retry-After 60", http.MethodGet, 503, http.Header{"Retry-After": {"60"}}, 1, provider.ErrServerError},
		{"POST 503 is not retried", http.MethodPost, 503, nil, 1, nil},
		{"PUT 503 is not retried", http.MethodPut, 503, nil, 1, nil},
		{"GET 500 is not retried", http.MethodGet, 500, nil, 1, nil},
		{"GET 429 is not retried", http.MethodGet, 429, http.Header{"Retry-After": {"0"}}, 1, nil},
		{"GET 401 is not retried", http.MethodGet, 401, nil, 1, nil},
		{"GET 200", http.MethodGet, 200, nil, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := statusServer(t, tc.code, tc.header)
			c := provider.NewHTTPClient(nil, 3*time.Second)
			var body io.Reader
			if tc.method == http.MethodPost || tc.method == http.MethodPut {
				body = strings.NewReader("x")
			}
			req, _ := http.NewRequest(tc.method, srv.URL+"/x", body)
			resp, err := c.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			if got := n.Load(); got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			if tc.wantErr == nil {
				if err != nil || resp.StatusCode != tc.code {
					t.Errorf("Do = %v, %v; want the %d answer", resp, err, tc.code)
				}
				return
			}
			var he *provider.HostError
			if !errors.As(err, &he) || !errors.Is(err, tc.wantErr) || he.Status != tc.code || he.Attempts != int(tc.wantRequests) {
				t.Errorf("Do = %v; want a HostError (status %d, %d attempts) matching %v", err, tc.code, tc.wantRequests, tc.wantErr)
			}
		})
	}
}

// TestNewHTTPClientBackoffHonoursContext: a caller that gives up during a
// backoff is not kept waiting.
func TestNewHTTPClientBackoffHonoursContext(t *testing.T) {
	srv, n := statusServer(t, 503, http.Header{"Retry-After": {"2"}})
	c := provider.NewHTTPClient(nil, 10*time.Second)
	// The deadline leaves the first request time even on a loaded machine,
	// and ends before the host's Retry-After of 2 s.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	start := time.Now()
	_, err := c.Do(req)
	if d := time.Since(start); d >= 1900*time.Millisecond {
		t.Errorf("took %v; the backoff outlived the caller's deadline", d)
	}
	if !errors.Is(err, provider.ErrServerError) || n.Load() != 1 {
		t.Errorf("err, requests = %v, %d; want a server error after 1 request", err, n.Load())
	}
}

func TestNewHTTPClientBodyCap(t *testing.T) {
	for _, tc := range []struct {
		size    int
		wantErr bool
	}{
		{provider.MaxResponseBody, false},
		{provider.MaxResponseBody + 1, true},
		{8 * provider.MaxResponseBody, true},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(strings.Repeat("a", tc.size)))
		}))
		u, _ := url.Parse(srv.URL)
		resp, err := provider.NewHTTPClient(nil, 0).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if len(b) > provider.MaxResponseBody {
			t.Errorf("size %d: read %d bytes, more than the cap", tc.size, len(b))
		}
		if !tc.wantErr {
			if err != nil || len(b) != tc.size {
				t.Errorf("size %d: read %d bytes, %v; want all", tc.size, len(b), err)
			}
			continue
		}
		var he *provider.HostError
		if !errors.As(err, &he) || !errors.Is(err, provider.ErrResponseTooLarge) || he.Host != u.Host {
			t.Errorf("size %d: err = %v; want a HostError for %s matching ErrResponseTooLarge", tc.size, err, u.Host)
		}
	}
}

// TestNewHTTPClientKeepsCallerClient: the caller's client is copied, not
// modified, and wrapping twice does not retry twice over.
func TestNewHTTPClientKeepsCallerClient(t *testing.T) {
	srv, n := statusServer(t, 503, nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	mine := &http.Client{Transport: tr, Timeout: 7 * time.Second}
	c := provider.NewHTTPClient(provider.NewHTTPClient(mine, 0), 0)
	if mine.Transport != tr || mine.CheckRedirect != nil || mine.Timeout != 7*time.Second {
		t.Errorf("the caller's client was modified: %+v", mine)
	}
	resp, err := c.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
	}
	if got := n.Load(); got != 1+provider.MaxRetries {
		t.Errorf("requests = %d, want %d", got, 1+provider.MaxRetries)
	}
}

// TestNewHTTPClientRedirectLoop: a loop ends after ten redirects with a
// HostError matching ErrRedirect.
func TestNewHTTPClientRedirectLoop(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/loop", http.StatusFound)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, err := provider.NewHTTPClient(nil, 0).Get(srv.URL + "/loop")
	var he *provider.HostError
	if !errors.As(err, &he) || !errors.Is(err, provider.ErrRedirect) || he.Host != u.Host || !strings.Contains(err.Error(), "redirect loop") {
		t.Errorf("err = %v; want a HostError naming %s and the loop", err, u.Host)
	}
	if n.Load() != 10 {
		t.Errorf("requests = %d, want 10", n.Load())
	}
}

// TestNewHTTPClientRedirectOrigin: credentials (Authorization, Basic
// included, Cookie, PRIVATE-TOKEN, JOB-TOKEN) follow a redirect only to
// the same origin: scheme, host and port.
func TestNewHTTPClientRedirectOrigin(t *testing.T) {
	type seen struct{ auth, cookie, private, job string }
	got := make(chan seen, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("Private-Token"), r.Header.Get("Job-Token")}
	}))
	defer target.Close()
	var to string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			got <- seen{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("Private-Token"), r.Header.Get("Job-Token")}
			return
		}
		http.Redirect(w, r, to, http.StatusFound)
	}))
	defer origin.Close()
	tu, _ := url.Parse(target.URL)
	for _, tc := range []struct {
		name, to string
		keep     bool
	}{
		{"same origin", origin.URL + "/final", true},
		{"same host name, other port", "http://127.0.0.1:" + tu.Port() + "/x", false},
		{"other host name, same server", strings.Replace(target.URL, "127.0.0.1", "localhost", 1) + "/x", false},
	} {
		to = tc.to
		req, _ := http.NewRequest(http.MethodGet, origin.URL+"/start", nil)
		req.SetBasicAuth("user", "secret")
		req.Header.Set("Cookie", "c=1")
		req.Header.Set("Private-Token", "glpat-x")
		req.Header.Set("Job-Token", "glcbt-x")
		resp, err := provider.NewHTTPClient(nil, 5*time.Second).Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		s := <-got
		if kept := s.auth != "" || s.cookie != "" || s.private != "" || s.job != ""; kept != tc.keep {
			t.Errorf("%s: credentials %+v; want kept %v", tc.name, s, tc.keep)
		}
		if tc.keep && (s.auth == "" || s.private == "" || s.job == "") {
			t.Errorf("%s: credentials %+v; want all kept", tc.name, s)
		}
	}
}

// TestConfigURLErrorsHoldNoUserinfo: a configured URL that is refused is
// quoted without its user information, whatever follows it.
func TestConfigURLErrorsHoldNoUserinfo(t *testing.T) {
	for _, raw := range []string{
		"ftp://user:s3cr3t-pw@ghe.example.com/x@y",
		"http://user:s3cr3t-pw@ghe.example.com",
		"://user:s3cr3t-pw@ghe.example.com/a@b",
		"https://user:s3cr3t-pw@ghe.example.com/%zz",
	} {
		_, err := provider.NewGitHub(provider.Config{BaseURL: raw})
		if err == nil {
			t.Errorf("NewGitHub(%q) accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t-pw") || strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("NewGitHub(%q) = %v", raw, err)
		}
	}
}
