package providertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/patgit/patgit/provider/providertest"
)

// get sends GET url with a plain client that follows no redirects and
// gives up after timeout; it returns the answer with its whole body.
func get(t *testing.T, url string, timeout time.Duration) (*http.Response, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	c := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestFaults(t *testing.T) {
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	root := s.APIURL // GET /: answered to anonymous clients
	normal, want, err := get(t, root, 5*time.Second)
	if err != nil || normal.StatusCode != 200 {
		t.Fatalf("GET / without a fault = %v, %v", normal, err)
	}
	// Cases that wait for the client to give up use a short deadline; every
	// other case gets a long one, so a loaded machine cannot fail it.
	const givesUp = 300 * time.Millisecond
	cases := []struct {
		fault   providertest.Fault
		timeout time.Duration // 0: 10s
		check   func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration)
	}{
		{providertest.Fault{Kind: providertest.FaultSlowHeaders, Delay: 100 * time.Millisecond}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || string(body) != string(want) || took < 100*time.Millisecond {
					t.Errorf("slow headers: %v, %q after %v; want the normal answer after 100ms", err, body, took)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultSlowHeaders}, givesUp,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("slow headers until the client gives up: %v", err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultSlowBody, Delay: 100 * time.Millisecond}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || string(body) != string(want) || took < 100*time.Millisecond {
					t.Errorf("slow body: %v, %q after %v; want the normal answer after 100ms", err, body, took)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultSlowBody}, givesUp,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if resp == nil || resp.StatusCode != 200 || !errors.Is(err, context.DeadlineExceeded) || len(body) != len(want)/2 {
					t.Errorf("slow body until the client gives up: %v, %d bytes; want 200 headers, half the body, a deadline", err, len(body))
				}
			}},
		{providertest.Fault{Kind: providertest.FaultReset}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err == nil || resp != nil {
					t.Errorf("reset: %v, %v; want a failure", resp, err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultStatus}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || resp.StatusCode != 503 {
					t.Errorf("status: %v, %v; want 503", resp, err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultStatus, Status: 429, Header: http.Header{"Retry-After": {"7"}}}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
					t.Errorf("status 429: %v, %v; want 429 with Retry-After", resp, err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultRedirect, Location: "http://localhost:1"}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || resp.StatusCode != 302 || resp.Header.Get("Location") != "http://localhost:1/api/v3/" {
					t.Errorf("redirect: %v, %v; want 302 to the same path on localhost:1", resp, err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultRedirect, Status: 308, Location: "http://localhost:1/elsewhere"}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || resp.StatusCode != 308 || resp.Header.Get("Location") != "http://localhost:1/elsewhere" {
					t.Errorf("redirect: %v, %v; want 308 to localhost:1/elsewhere", resp, err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultRedirectLoop}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || resp.StatusCode != 302 || resp.Header.Get("Location") != "/api/v3/" {
					t.Errorf("redirect loop: %v, %v; want 302 to itself", resp, err)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultTruncatedBody}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != len(want)/2 {
					t.Errorf("truncated: %v, %d bytes; want an unexpected EOF after %d", err, len(body), len(want)/2)
				}
			}},
		{providertest.Fault{Kind: providertest.FaultOversizedBody, Size: 3 << 20}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				var v struct{ Pad string }
				if err != nil || len(body) != 3<<20 || json.Unmarshal(body, &v) != nil || resp.ContentLength != -1 {
					t.Errorf("oversized: %v, %d bytes; want one JSON value of 3 MiB without a length", err, len(body))
				}
			}},
		{providertest.Fault{Kind: providertest.FaultHTML}, 0,
			func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
				if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html>") {
					t.Errorf("HTML: %v, %v; want a 200 HTML page", resp, err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.fault.Kind.String(), func(t *testing.T) {
			s.SetFault(tc.fault)
			defer s.SetFault(providertest.Fault{})
			s.ResetCounts()
			hits := s.FaultHits()
			start := time.Now()
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			resp, body, err := get(t, root, timeout)
			tc.check(t, resp, body, err, time.Since(start))
			if s.FaultHits() != hits+1 {
				t.Errorf("FaultHits went from %d to %d; want one more", hits, s.FaultHits())
			}
			if got := s.Requests("GET /"); got != 1 {
				t.Errorf("Requests(GET /) = %d, want 1", got)
			}
		})
	}
}

func TestFaultRouteAndCount(t *testing.T) {
	s, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddOrg("contoso", false)
	s.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Status: 502, Route: "GET connectionData", Count: 2})
	other := s.OrgURL("contoso") + "/_apis/projects"
	cd := s.OrgURL("contoso") + "/_apis/connectionData"
	for i, tc := range []struct {
		url  string
		want int
	}{
		{other, 203}, // another route: not hit (anonymous: the sign-in page)
		{cd, 502},
		{cd, 502},
		{cd, 203}, // Count spent: normal again
	} {
		resp, _, err := get(t, tc.url, 5*time.Second)
		if err != nil || resp.StatusCode != tc.want {
			t.Errorf("request %d: %v, %v; want %d", i, resp, err, tc.want)
		}
	}
	if s.FaultHits() != 2 || s.Requests("GET connectionData") != 3 {
		t.Errorf("FaultHits, requests = %d, %d; want 2, 3", s.FaultHits(), s.Requests("GET connectionData"))
	}
	s.SetFault(providertest.Fault{Kind: providertest.FaultStatus})
	s.SetFault(providertest.Fault{})
	if resp, _, err := get(t, cd, 5*time.Second); err != nil || resp.StatusCode != 203 {
		t.Errorf("after clearing: %v, %v; want 203", resp, err)
	}
}

func TestRecorderAndOtherHost(t *testing.T) {
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if !strings.HasPrefix(rec.URL, "http://127.0.0.1:") || rec.OtherURL != strings.Replace(rec.URL, "127.0.0.1", "localhost", 1) {
		t.Errorf("URL, OtherURL = %q, %q", rec.URL, rec.OtherURL)
	}
	if got := providertest.OtherHost(rec.OtherURL); got != rec.URL {
		t.Errorf("OtherHost(%q) = %q, want %q", rec.OtherURL, got, rec.URL)
	}
	req, _ := http.NewRequest(http.MethodGet, rec.OtherURL+"/x", nil)
	req.Header.Set("Authorization", "Basic c2VjcmV0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.Get(rec.URL + "/y")
	got := rec.Requests()
	if len(got) != 2 || got[0].Authorization != "Basic c2VjcmV0" || got[0].Path != "/x" || got[1].Authorization != "" || rec.Credentialed() != 1 {
		t.Errorf("recorded %+v, credentialed %d", got, rec.Credentialed())
	}
}
