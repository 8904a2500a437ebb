package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// hostileCheck is a provider check against one hostile server.
type hostileCheck struct {
	name   string
	secret string
	check  func(t *testing.T, baseURL string, hc *http.Client) error
}

func hostileChecks() []hostileCheck {
	gh := providertest.Token(pat.GitHubClassic, "hostile")
	az := providertest.Token(pat.AzureDevOps, "hostile")
	return []hostileCheck{
		{"github", gh, func(t *testing.T, base string, hc *http.Client) error {
			g, err := provider.NewGitHub(provider.Config{BaseURL: base, HTTPClient: hc, CacheTTL: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = g.CheckScopes(context.Background(), mustToken(t, gh), "repo")
			return err
		}},
		{"azure", az, func(t *testing.T, base string, hc *http.Client) error {
			a, err := provider.NewAzureDevOps(provider.Config{BaseURL: base + "/contoso", HTTPClient: hc, CacheTTL: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.CheckScopes(context.Background(), mustToken(t, az), "vso.code")
			return err
		}},
	}
}

// cleanError fails t when err's text (any verb, any wrapped error) holds
// secret in any form a server echoes, or is not one line free of control
// characters.
func cleanError(t *testing.T, err error, secret string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	forms := []string{secret, url.QueryEscape(secret)}
	for _, user := range []string{"", "x-access-token", "user", "token "} {
		sep := ":"
		if user == "token " {
			sep = ""
		}
		enc := base64.StdEncoding.EncodeToString([]byte(user + sep + secret))
		forms = append(forms, enc, enc[4:len(enc)-4])
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, verb := range []string{"%v", "%+v", "%s", "%q"} {
			out := fmt.Sprintf(verb, e)
			for _, f := range forms {
				if strings.Contains(out, f) {
					t.Errorf("%s of %T holds the token (%q): %s", verb, e, f, out)
				}
			}
		}
		if msg := e.Error(); strings.ContainsAny(msg, "\n\r\x1b\x07\x00") {
			t.Errorf("%T is not one clean line: %q", e, msg)
		}
	}
}

// TestRefusalEchoesScrubbed: a server that echoes the request's credentials
// (raw, base64, in the JSON message, in X-TFS-ServiceError) and writes
// line breaks and escape sequences into every message gets none of it into
// an error, for every refusal status.
func TestRefusalEchoesScrubbed(t *testing.T) {
	t.Parallel()
	for _, hc := range hostileChecks() {
		for _, code := range []int{401, 403, 404, 422, 429, 500} {
			for _, where := range []string{"message", "X-TFS-ServiceError", "text"} {
				t.Run(fmt.Sprint(hc.name, "/", code, "/", where), func(t *testing.T) {
					t.Parallel()
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						auth := r.Header.Get("Authorization")
						echo := "you sent " + auth + " (" + base64.StdEncoding.EncodeToString([]byte(auth)) + ")\n\x1b[2J\x1b]0;pwned\x07Injected: yes\r\n"
						if _, pass, ok := r.BasicAuth(); ok {
							echo += " password " + pass
						}
						switch where {
						case "message":
							w.Header().Set("Content-Type", "application/json")
							w.WriteHeader(code)
							json.NewEncoder(w).Encode(map[string]string{"message": echo})
						case "X-TFS-ServiceError":
							w.Header().Set("X-TFS-ServiceError", url.QueryEscape(echo))
							w.WriteHeader(code)
						default:
							w.Header().Set("Content-Type", "text/plain")
							w.WriteHeader(code)
							io.WriteString(w, echo)
						}
					}))
					defer srv.Close()
					cleanError(t, hc.check(t, srv.URL, nil), hc.secret)
				})
			}
		}
	}
}

// TestRedirectLocationScrubbed: a redirect's Location (the server's
// choice of path, here holding the token, a line break and an escape
// sequence) never reaches an error as it is.
func TestRedirectLocationScrubbed(t *testing.T) {
	t.Parallel()
	for _, hc := range hostileChecks() {
		t.Run(hc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.Contains(r.URL.Path, "/echo/") {
					enc := base64.StdEncoding.EncodeToString([]byte(":" + hc.secret))
					w.Header().Set("Location", "/echo/"+hc.secret+"/"+enc+"%0AInjected:%20yes%1B[31m")
					w.WriteHeader(http.StatusFound)
					return
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			err := hc.check(t, srv.URL, nil)
			var he *provider.HostError
			if !errors.As(err, &he) || !errors.Is(err, provider.ErrServerError) {
				t.Errorf("err = %v; want a HostError matching ErrServerError", err)
			}
			cleanError(t, err, hc.secret)
		})
	}
}

// countingTransport records the most body bytes any one of its responses
// delivered.
type countingTransport struct{ most atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if resp != nil {
		resp.Body = &countingBody{rc: resp.Body, most: &c.most}
	}
	return resp, err
}

type countingBody struct {
	rc   io.ReadCloser
	n    int64
	most *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	for {
		m := b.most.Load()
		if b.n <= m || b.most.CompareAndSwap(m, b.n) {
			break
		}
	}
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// TestRefusalBodyBounded: a refusal with an endless body costs at most the
// 64 KiB cap (and one byte to know) per request, not the body.
func TestRefusalBodyBounded(t *testing.T) {
	t.Parallel()
	for _, hc := range hostileChecks() {
		for _, code := range []int{401, 403, 404, 429, 500} {
			t.Run(fmt.Sprint(hc.name, "/", code), func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(code)
					io.WriteString(w, `{"message":"`)
					chunk := strings.Repeat("a", 32<<10)
					for range 256 << 20 / len(chunk) {
						if _, err := io.WriteString(w, chunk); err != nil {
							return
						}
					}
				}))
				defer srv.Close()
				ct := &countingTransport{}
				err := hc.check(t, srv.URL, &http.Client{Transport: ct})
				if err == nil {
					t.Fatal("no error")
				}
				// DESIGN: 64 KiB, and one byte to know there was more.
				if got := ct.most.Load(); got > 64<<10+1 || provider.MaxResponseBody != 64<<10 {
					t.Errorf("read %d bytes of an endless refusal; the cap is 64 KiB (MaxResponseBody %d)", got, provider.MaxResponseBody)
				}
			})
		}
	}
}

// TestRefusalErrorExported: the classifier's entry for code outside the
// package gives the typed errors, scrubbed.
func TestRefusalErrorExported(t *testing.T) {
	tok := mustToken(t, providertest.Token(pat.GitHubClassic, "exported"))
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + tok.Secret()))
	body := []byte(`{"message":"echo ` + basic + "\\n\\u001b[2J" + `"}`)
	for _, tc := range []struct {
		status int
		h      http.Header
		check  func(error) bool
	}{
		{401, nil, func(err error) bool { return errors.Is(err, provider.ErrUnauthorized) }},
		{429, http.Header{"Retry-After": {"30"}}, func(err error) bool {
			var rl *provider.RateLimitError
			return errors.As(err, &rl) && !rl.Reset.IsZero()
		}},
		{403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"2000000000"}}, func(err error) bool {
			var rl *provider.RateLimitError
			return errors.As(err, &rl) && rl.Reset.Unix() == 2000000000
		}},
		{403, http.Header{"X-Github-Sso": {"required; url=https://github.com/orgs/o/sso"}}, func(err error) bool {
			var sso *provider.SSOError
			return errors.As(err, &sso) && sso.URL == "https://github.com/orgs/o/sso"
		}},
		{503, nil, func(err error) bool { return errors.Is(err, provider.ErrServerError) }},
		{403, nil, func(err error) bool { return err == nil }},
		{404, nil, func(err error) bool { return err == nil }},
		{200, nil, func(err error) bool { return err == nil }},
	} {
		err := provider.RefusalError("github.com", tc.status, tc.h, body, tok)
		if !tc.check(err) {
			t.Errorf("%d %v: %v", tc.status, tc.h, err)
		}
		if err != nil {
			cleanError(t, err, tok.Secret())
		}
	}
}
