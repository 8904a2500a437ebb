package gitauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/provider"
)

func TestProbe(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, host, secret string
		access             Access
		path               string // instead of the fixture's repository
		want               error  // nil: access granted
		says               string
	}{
		{name: "github read with read token", host: "github", secret: f.ghRead, access: Read},
		{name: "github write with write token", host: "github", secret: f.ghWrite, access: Write},
		{name: "github write with read token", host: "github", secret: f.ghRead, access: Write, want: ErrAccessDenied, says: "token can read but not write octo/hello"},
		{name: "github no access", host: "github", secret: f.ghNone, access: Read, want: ErrRepoNotFound, says: "repository octo/hello not found or the token cannot see it"},
		{name: "github unknown repo", host: "github", secret: f.ghRead, access: Read, path: "/octo/nope.git", want: ErrRepoNotFound, says: "octo/nope"},
		{name: "github bad token", host: "github", secret: f.ghBad, access: Read, want: provider.ErrUnauthorized, says: "token rejected"},
		{name: "github SAML", host: "github", secret: f.ghSSO, access: Read, want: provider.ErrSSORequired, says: f.gh.SSOURL(ghOwner)},
		{name: "azure read", host: "azure", secret: f.azRead, access: Read},
		{name: "azure write", host: "azure", secret: f.azWrite, access: Write},
		{name: "azure write with read token", host: "azure", secret: f.azRead, access: Write, want: provider.ErrUnauthorized, says: "vso.code_write"},
		{name: "azure bad token", host: "azure", secret: f.azBad, access: Read, want: provider.ErrUnauthorized, says: "TF400813"},
		{name: "azure unknown repo", host: "azure", secret: f.azRead, access: Read, path: "/" + azOrg + "/My%20Project/_git/nope", want: ErrRepoNotFound, says: "TF401019"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := f.url(tc.host)
			if tc.path != "" {
				raw = f.gh.URL + tc.path
				if tc.host == "azure" {
					raw = f.az.URL + tc.path
				}
			}
			f.gh.ResetCounts()
			f.az.ResetCounts()
			err := Probe(context.Background(), raw, basic(tc.host, tc.secret), tc.access)
			if got := f.gh.TotalRequests() + f.az.TotalRequests(); got != 1 {
				t.Errorf("Probe made %d requests; want exactly 1", got)
			}
			if n := f.gh.Requests("git info/refs") + f.az.Requests("git info/refs"); n != 1 {
				t.Errorf("Probe made %d info/refs requests; want 1", n)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Probe = %v; want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Probe = %v; want %v", err, tc.want)
			}
			testkit.NoLeak(t, "error", err, f.secrets()...)
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Probe error %q does not say %q", err, tc.says)
			}
		})
	}
}

func TestProbeWithOptions(t *testing.T) {
	f := newFixture(t)
	o := Options{Provider: f.ghCfg}
	f.gh.ResetCounts()
	if err := o.Probe(context.Background(), f.gh.URL+"/octo/hello", basic("github", f.ghWrite), Write); err != nil {
		t.Fatalf("Options.Probe: %v", err)
	}
	if n := f.gh.TotalRequests(); n != 1 {
		t.Errorf("requests = %d; want 1", n)
	}
	// With Auth's credentials (the GitHub login looked up first).
	auth, err := Auth(context.Background(), f.ghURL, f.opts(t, "github", f.ghRead))
	if err != nil {
		t.Fatal(err)
	}
	f.gh.ResetCounts()
	if err := o.Probe(context.Background(), f.ghURL, auth, Read); err != nil {
		t.Fatalf("Probe with Auth's credentials: %v", err)
	}
	if n := f.gh.TotalRequests(); n != 1 {
		t.Errorf("requests = %d; want 1", n)
	}
}

// fakeGit serves handler at /o/r.git/info/refs and counts requests.
func fakeGit(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func advertise(service string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/o/r.git/info/refs" || r.URL.Query().Get("service") != service {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-"+service+"-advertisement")
		line := "# service=" + service + "\n"
		fmt.Fprintf(w, "%04x%s0000", len(line)+4, line)
		io.WriteString(w, "003f0000000000000000000000000000000000000000 capabilities^{}\x00\n0000")
	}
}

func TestProbeAnswers(t *testing.T) {
	const secret = "not-a-real-token-0123456789"
	signIn := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			io.WriteString(w, "<html><title>Azure DevOps Services | Sign In</title></html>")
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		access  Access
		want    error
		also    error
	}{
		{"upload-pack advertisement", advertise("git-upload-pack"), Read, nil, nil},
		{"receive-pack advertisement", advertise("git-receive-pack"), Write, nil, nil},
		{"advertisement of the other service", advertise("git-upload-pack"), Write, ErrRepoNotFound, nil},
		{"203 sign-in page", signIn(http.StatusNonAuthoritativeInfo), Read, provider.ErrUnauthorized, ErrNotSmartHTTP},
		{"200 sign-in page", signIn(http.StatusOK), Read, provider.ErrUnauthorized, ErrNotSmartHTTP},
		{"200 right type, wrong body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			io.WriteString(w, "hello")
		}, Read, provider.ErrUnauthorized, ErrNotSmartHTTP},
		{"401", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Error(w, "Bad credentials for "+secret, http.StatusUnauthorized)
		}, Read, provider.ErrUnauthorized, transport.ErrAuthenticationRequired},
		{"403 write", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Write access to repository not granted.", http.StatusForbidden)
		}, Write, ErrAccessDenied, transport.ErrAuthorizationFailed},
		{"403 rate limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "2000000000")
			http.Error(w, "API rate limit exceeded", http.StatusForbidden)
		}, Read, provider.ErrRateLimited, nil},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "Too many requests", http.StatusTooManyRequests)
		}, Read, provider.ErrRateLimited, nil},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, Read, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := fakeGit(t, tc.handler)
			err := Probe(context.Background(), srv.URL+"/o/r.git", &githttp.BasicAuth{Username: "u", Password: secret}, tc.access)
			if n.Load() != 1 {
				t.Errorf("requests = %d; want 1", n.Load())
			}
			testkit.NoLeak(t, "error", err, secret)
			if tc.name == "500" {
				var re *RemoteError
				if !errors.As(err, &re) || re.Status != 500 || !strings.Contains(err.Error(), "o/r") {
					t.Errorf("Probe = %v; want a RemoteError with status 500 naming o/r", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Probe = %v; want %v", err, tc.want)
			}
			if tc.also != nil && !errors.Is(err, tc.also) {
				t.Errorf("Probe = %v; want it to match %v too", err, tc.also)
			}
			if err != nil && !strings.Contains(err.Error(), "o/r") {
				t.Errorf("error %q does not name the repository", err)
			}
		})
	}
}

func TestProbeRateLimitReset(t *testing.T) {
	srv, _ := fakeGit(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	err := Probe(context.Background(), srv.URL+"/o/r.git", nil, Read)
	var rl *provider.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("Probe = %v; want *provider.RateLimitError", err)
	}
	if d := time.Until(rl.Reset); d < 100*time.Second || d > 130*time.Second {
		t.Errorf("Reset in %v; want about 120s", d)
	}
}

func TestProbeCredentials(t *testing.T) {
	var got atomic.Value
	srv, _ := fakeGit(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		advertise("git-upload-pack")(w, r)
	})
	cases := []struct {
		name string
		auth transport.AuthMethod
		want string
	}{
		{"basic", &githttp.BasicAuth{Username: "u", Password: "p"}, "Basic dTpw"},
		{"token", &githttp.TokenAuth{Token: "t0k"}, "Bearer t0k"},
		{"anonymous", nil, ""},
	}
	for _, tc := range cases {
		if err := Probe(context.Background(), srv.URL+"/o/r.git", tc.auth, Read); err != nil {
			t.Errorf("%s: Probe = %v", tc.name, err)
		}
		if g, _ := got.Load().(string); g != tc.want {
			t.Errorf("%s: Authorization = %q; want %q", tc.name, g, tc.want)
		}
	}
}

func TestProbeRedirectDropsCredentials(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		advertise("git-upload-pack")(w, r)
	}))
	t.Cleanup(other.Close)
	// "localhost" and "127.0.0.1" are different host names.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	srv, _ := fakeGit(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.RequestURI(), http.StatusFound)
	})
	_ = Probe(context.Background(), srv.URL+"/o/r.git", &githttp.BasicAuth{Username: "u", Password: "secret-password"}, Read)
	if v, _ := leaked.Load().(string); v != "" {
		t.Errorf("credentials followed a redirect to another host: %q", v)
	}
}

func TestProbeRefusesPlainHTTP(t *testing.T) {
	err := Probe(context.Background(), "http://git.example.com/o/r.git", &githttp.BasicAuth{Username: "u", Password: "p"}, Read)
	if !errors.Is(err, provider.ErrInsecureURL) {
		t.Errorf("Probe over http to a remote host = %v; want ErrInsecureURL", err)
	}
}

func TestIsAdvertisement(t *testing.T) {
	const svc = "git-upload-pack"
	ct := "application/x-git-upload-pack-advertisement"
	cases := []struct {
		name, ct, body string
		want           bool
	}{
		{"ok", ct, "001e# service=git-upload-pack\n0000", true},
		{"ok no newline", ct, "001d# service=git-upload-pack0000", true},
		{"params in type", ct + "; charset=utf-8", "001e# service=git-upload-pack\n", true},
		{"wrong type", "text/html", "001e# service=git-upload-pack\n", false},
		{"other service", ct, "001f# service=git-receive-pack\n", false},
		{"short", ct, "00", false},
		{"bad length", ct, "zzzz# service=git-upload-pack\n", false},
		{"length past end", ct, "00ff# service=git-upload-pack\n", false},
	}
	for _, tc := range cases {
		if got := isAdvertisement(tc.ct, []byte(tc.body), svc); got != tc.want {
			t.Errorf("%s: isAdvertisement = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// A token of one provider's kind is never sent to the other's host.
func TestProbeRefusesOtherProvidersToken(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, host, secret string
		auth               func(string) transport.AuthMethod
	}{
		{"github token to azure", "azure", f.ghRead, func(s string) transport.AuthMethod { return &githttp.BasicAuth{Username: "x", Password: s} }},
		{"azure token to github", "github", f.azRead, func(s string) transport.AuthMethod { return &githttp.BasicAuth{Username: ghLogin, Password: s} }},
		{"github bearer to azure", "azure", f.ghRead, func(s string) transport.AuthMethod { return &githttp.TokenAuth{Token: s} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.gh.ResetCounts()
			f.az.ResetCounts()
			o := f.opts(t, tc.host, tc.secret)
			err := o.Probe(context.Background(), f.url(tc.host), tc.auth(tc.secret), Read)
			if !errors.Is(err, provider.ErrTokenMismatch) {
				t.Fatalf("Probe: %v, want ErrTokenMismatch", err)
			}
			testkit.NoLeak(t, "error", err, f.secrets()...)
			if n := f.gh.TotalRequests() + f.az.TotalRequests(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
