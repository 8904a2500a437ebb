//lint:file-ignore ST1008 scenario funcs return (values, err, dirs): the order the brief of the sweep gives its table
package patgit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// pieceLen is the length of the smallest piece of a secret that counts as a
// leak: any 8 consecutive characters of it that are not all part of its
// kind's public prefix ("github_pat_").
const pieceLen = 8

// leakScanner finds secrets, and pieces of them, in text.
type leakScanner struct {
	pieces map[string]string // piece -> which secret it belongs to
	b64    map[string]string // 16-character pieces of base64 encodings (Authorization headers)
}

func newLeakScanner(secrets ...string) *leakScanner {
	s := &leakScanner{pieces: map[string]string{}, b64: map[string]string{}}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		label := redactedLabel(secret)
		prefix := pat.Identify(strings.TrimSpace(secret)).Prefix()
		if len(secret) < pieceLen {
			s.pieces[secret] = label
			continue
		}
		for i := 0; i+pieceLen <= len(secret); i++ {
			w := secret[i : i+pieceLen]
			if strings.Contains(prefix, w) {
				continue // the public prefix, which redaction prints
			}
			s.pieces[w] = label
		}
		// The secret base64-encoded after 0, 1 or 2 bytes of a user name:
		// the characters that depend on the secret alone.
		for align := 0; align < 3; align++ {
			enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(":", align) + secret))
			if len(enc) < 16+8 {
				continue
			}
			enc = enc[4 : len(enc)-4]
			for i := 0; i+16 <= len(enc); i++ {
				s.b64[enc[i:i+16]] = label + " (base64)"
			}
		}
	}
	return s
}

// redactedLabel names a secret in a failure message without printing it.
func redactedLabel(secret string) string {
	return fmt.Sprintf("secret %s… (%d bytes)", secret[:min(4, len(secret))], len(secret))
}

// find returns a description of the first secret piece in text.
func (s *leakScanner) find(text string) (string, bool) {
	for i := 0; i+pieceLen <= len(text); i++ {
		if label, ok := s.pieces[text[i:i+pieceLen]]; ok {
			return fmt.Sprintf("%s: piece at byte %d", label, i), true
		}
	}
	for i := 0; i+16 <= len(text); i++ {
		if label, ok := s.b64[text[i:i+16]]; ok {
			return fmt.Sprintf("%s: piece at byte %d", label, i), true
		}
	}
	for p, label := range s.pieces {
		if len(p) < pieceLen && strings.Contains(text, p) {
			return label, true
		}
	}
	return "", false
}

// outcome is what one call of the library gave back.
type outcome struct {
	values []any    // every returned value other than the error
	err    error    // the returned error
	dirs   []string // directories the call wrote to (clone directories)
}

// leaks formats, logs, encodes and reads everything in o and returns a line
// for each place that holds one of the secrets (or a piece of one).
func leaks(o outcome, secrets ...string) []string {
	scan := newLeakScanner(secrets...)
	var found []string
	check := func(where, text string) {
		if what, ok := scan.find(text); ok {
			found = append(found, where+": "+what)
		}
	}
	if o.err != nil {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			check("error "+verb, fmt.Sprintf(verb, o.err))
		}
		for i, e := range errorChain(o.err) {
			check(fmt.Sprintf("error chain [%d] %%#v", i), fmt.Sprintf("%#v", e))
			check(fmt.Sprintf("error chain [%d] Error()", i), e.Error())
		}
	}
	for i, v := range o.values {
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			check(fmt.Sprintf("value[%d] %s", i, verb), fmt.Sprintf(verb, v))
		}
		if b, err := json.Marshal(v); err == nil {
			check(fmt.Sprintf("value[%d] JSON", i), string(b))
		}
	}
	if o.err != nil {
		if b, err := json.Marshal(o.err); err == nil {
			check("error JSON", string(b))
		}
	}
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog text", func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, &slog.HandlerOptions{AddSource: true})
		}},
		{"slog JSON", func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, &slog.HandlerOptions{AddSource: true})
		}},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		args := []any{"err", o.err}
		attrs := []slog.Attr{slog.Any("err", o.err)}
		for i, v := range o.values {
			args = append(args, fmt.Sprintf("value%d", i), v)
			attrs = append(attrs, slog.Any(fmt.Sprintf("value%d", i), v))
		}
		log.Error("operation failed", args...)
		log.LogAttrs(context.Background(), slog.LevelError, "operation failed", attrs...)
		log.Error("operation failed", slog.Group("result", args...))
		check(h.name, buf.String())
	}
	for _, dir := range o.dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // gone or unreadable: nothing to read
			}
			check("file name "+path, path)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, _ := os.Readlink(path)
				check("symlink "+path, target)
			case d.Type().IsRegular():
				b, err := os.ReadFile(path)
				if err == nil {
					check("file "+path, string(b))
				}
			}
			return nil
		})
		if err != nil {
			found = append(found, "walking "+dir+": "+err.Error())
		}
	}
	return found
}

// errorChain returns err and every error it wraps, depth first.
func errorChain(err error) []error {
	var out []error
	var walk func(error, int)
	walk = func(e error, depth int) {
		if e == nil || depth > 32 {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x, depth+1)
			}
		}
	}
	walk(err, 0)
	return out
}

// assertNoLeak fails t for every place of o that holds one of the secrets.
func assertNoLeak(t testing.TB, o outcome, secrets ...string) {
	t.Helper()
	for _, l := range leaks(o, secrets...) {
		t.Errorf("leak: %s", l)
	}
}

// noPanic runs f and turns a panic into a test failure naming the case.
func noPanic(t testing.TB, name string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v\n%s", name, r, debug.Stack())
		}
	}()
	f()
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// requestSecret returns the token a request carries, whatever the scheme.
func requestSecret(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return ""
		}
		_, pass, _ := strings.Cut(string(b), ":")
		return pass
	case "token", "bearer":
		return rest
	}
	return ""
}

// reply is one way a hostile server answers: every request the same way.
// Bodies and headers may say {TOKEN} and {AUTH}: the server echoes the
// request's token and Authorization header back, as a careless proxy or a
// hostile host would.
type reply struct {
	name     string
	status   int
	ctype    string
	header   map[string]string
	body     string
	truncate bool  // declare a longer Content-Length than the body sent
	oversize int64 // stream this many bytes of body (the token, repeated)
	reset    bool  // close the connection without an answer
}

func (rp reply) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secret := requestSecret(r)
	fill := func(s string) string {
		return strings.NewReplacer("{TOKEN}", secret, "{AUTH}", r.Header.Get("Authorization")).Replace(s)
	}
	if rp.reset {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
		}
		return
	}
	for k, v := range rp.header {
		w.Header().Set(k, fill(v))
	}
	if rp.ctype != "" {
		w.Header().Set("Content-Type", rp.ctype)
	}
	body := fill(rp.body)
	switch {
	case rp.truncate:
		w.Header().Set("Content-Length", fmt.Sprint(len(body)+4096))
		w.WriteHeader(rp.status)
		w.Write([]byte(body))
		return
	case rp.oversize > 0:
		w.WriteHeader(rp.status)
		chunk := []byte(strings.Repeat(fill("{TOKEN} \n"), 1+(32<<10)/(len(secret)+2)))
		for n := int64(0); n < rp.oversize; n += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	}
	w.WriteHeader(rp.status)
	w.Write([]byte(body))
}

// hostileServer serves h on loopback (over TLS with a certificate no client
// trusts when tls is set) and closes it after the test.
func hostileServer(t testing.TB, h http.Handler, tls bool) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func TestLeakCheckerCatchesLeaks(t *testing.T) {
	secret := "ghp_" + strings.Repeat("A1b2C3d4E5", 3) + pat.Checksum(strings.Repeat("A1b2C3d4E5", 3))
	fine := "github_pat_11" + strings.Repeat("Zz9Yy8Xx7W", 8)
	tok, err := pat.New(fine)
	if err != nil {
		t.Fatal(err)
	}
	ghTok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	leakFile := t.TempDir()
	if err := os.MkdirAll(filepath.Join(leakFile, ".git"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(leakFile, ".git", "config"), []byte("[remote \"origin\"]\n\turl = https://x:"+secret+"@github.com/o/r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cleanDir := t.TempDir()
	os.WriteFile(filepath.Join(cleanDir, "config"), []byte("url = https://github.com/o/r\n"), 0o600)

	cases := []struct {
		name  string
		o     outcome
		leaks bool
	}{
		{"whole secret in error", outcome{err: fmt.Errorf("bad token %s", secret)}, true},
		{"8 characters in error", outcome{err: errors.New("token ends in " + secret[len(secret)-8:])}, true},
		{"7 characters are no leak", outcome{err: errors.New("token ends in " + secret[len(secret)-7:])}, false},
		{"wrapped error only in %+v chain", outcome{err: fmt.Errorf("outer: %w", &hiddenErr{secret})}, true},
		{"secret in exported field", outcome{values: []any{struct{ S string }{secret}}}, true},
		{"secret behind a pointer", outcome{values: []any{&struct{ S string }{secret}}}, true},
		{"only JSON leaks", outcome{values: []any{jsonOnly{secret}}}, true},
		{"only slog leaks", outcome{values: []any{slogOnly{secret}}}, true},
		{"base64 Authorization header", outcome{err: errors.New("sent Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("octocat:"+secret)))}, true},
		{"file in .git", outcome{dirs: []string{leakFile}}, true},
		{"redacted tokens", outcome{values: []any{tok, ghTok, &tok, []pat.Token{tok}}, err: fmt.Errorf("token %v %s %q %#v", tok, tok, ghTok, ghTok)}, false},
		{"clean directory", outcome{dirs: []string{cleanDir}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := leaks(tc.o, secret, fine)
			if (len(got) > 0) != tc.leaks {
				t.Errorf("leaks = %q; want leak %v", got, tc.leaks)
			}
		})
	}
}

// hiddenErr leaks only through its Error method.
type hiddenErr struct{ s string }

func (e *hiddenErr) Error() string { return "token " + e.s }

// jsonOnly prints redacted but encodes the secret.
type jsonOnly struct{ s string }

func (j jsonOnly) String() string                        { return "redacted" }
func (j jsonOnly) Format(f fmt.State, verb rune)         { fmt.Fprint(f, "redacted") }
func (j jsonOnly) MarshalJSON() ([]byte, error)          { return json.Marshal(j.s) }
func (j jsonOnly) LogValue() slog.Value                  { return slog.StringValue("redacted") }
func (s slogOnly) String() string                        { return "redacted" }
func (s slogOnly) Format(f fmt.State, verb rune)         { fmt.Fprint(f, "redacted") }
func (s slogOnly) MarshalJSON() ([]byte, error)          { return []byte(`"redacted"`), nil }
func (s slogOnly) LogValue() slog.Value                  { return slog.StringValue(s.s) }
func (s slogOnly) MarshalText() (text []byte, err error) { return []byte("redacted"), nil }

// slogOnly prints and encodes redacted but logs the secret.
type slogOnly struct{ s string }

// scenario is one failure path of the library (or a success path whose
// returned values are swept too): run calls the library and returns what it
// gave back; secrets are the tokens involved.
type scenario struct {
	name    string
	secrets []string
	want    error // errors.Is target of the error; nil: any error
	ok      bool  // a success path: the error must be nil
	either  bool  // success and failure are both fine (the values are swept)
	git     bool  // needs the git binary
	run     func(t *testing.T) (values any, err error, dirs []string)
}

// runScenarios runs every scenario as a subtest, sweeps what it returned
// and reports how many ran.
func runScenarios(t *testing.T, scenarios []scenario) int {
	t.Helper()
	ran := 0
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.git {
				if err := providertest.GitAvailable(); err != nil {
					t.Skip(err)
				}
			}
			var values any
			var err error
			var dirs []string
			noPanic(t, sc.name, func() { values, err, dirs = sc.run(t) })
			ran++
			switch {
			case sc.either:
			case sc.ok && err != nil:
				t.Errorf("err = %v; want success", err)
			case !sc.ok && err == nil:
				t.Errorf("err = nil; want an error")
			case sc.want != nil && !errors.Is(err, sc.want):
				t.Errorf("err = %v; want errors.Is %v", err, sc.want)
			}
			var vals []any
			if vs, ok := values.([]any); ok {
				vals = vs
			} else if values != nil {
				vals = []any{values}
			}
			assertNoLeak(t, outcome{values: vals, err: err, dirs: dirs}, sc.secrets...)
		})
	}
	return ran
}

// sweepTimeout bounds every call of the sweep: each failure path answers at
// once, so a call that takes this long is a hang.
const sweepTimeout = 20 * time.Second

func sweepCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout)
	t.Cleanup(cancel)
	return ctx
}

// canceledCtx returns a context that is already canceled.
func canceledCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// token returns a Token for secret, failing the test when New refuses it.
func token(t testing.TB, secret string) pat.Token {
	t.Helper()
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatalf("pat.New: %v", err)
	}
	return tok
}

// isolateEnv keeps the machine's git configuration, credential helpers and
// token variables out of the test.
func isolateEnv(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, ".gitconfig"))
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
	for _, name := range []string{"GIT_CONFIG_COUNT", "GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}

// withHelper configures git's global credential helper to the shell snippet
// script (run as `sh -c`), for pat.GitCredential.
func withHelper(t *testing.T, script string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "helper.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(cfg, []byte("[credential]\n\thelper = \"!"+path+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
}

// writeFile writes a token file with mode perm and returns its path.
func writeFile(t testing.TB, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

// sweepFixture is a fake GitHub and a fake Azure DevOps, each with one
// repository, and tokens in every state the hosts know.
type sweepFixture struct {
	gh *providertest.GitHubServer
	az *providertest.AzureServer

	ghURL, azURL string
	ghCfg, azCfg provider.Config

	ghRead, ghWrite, ghNone, ghSSO, ghExpired, ghRevoked, ghUnknown string
	ghRate403, ghRate429, ghSecondary, ghFine, ghInstall            string
	azRead, azWrite, azBuild, azExpired, azRevoked, azUnknown       string
	azOtherOrg                                                      string
}

func newSweepFixture(t *testing.T) *sweepFixture {
	t.Helper()
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gh.Close)
	az, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	seed := func(k pat.Kind, s string) string { return providertest.Token(k, "sweep-"+s) }
	f := &sweepFixture{
		gh: gh, az: az,
		ghCfg:       provider.Config{BaseURL: gh.URL},
		azCfg:       provider.Config{BaseURL: az.OrgURL("contoso")},
		ghURL:       gh.URL + "/octo/hello.git",
		azURL:       az.URL + "/contoso/My%20Project/_git/widgets",
		ghRead:      seed(pat.GitHubClassic, "read"),
		ghWrite:     seed(pat.GitHubClassic, "write"),
		ghNone:      seed(pat.GitHubClassic, "none"),
		ghSSO:       seed(pat.GitHubClassic, "sso"),
		ghExpired:   seed(pat.GitHubClassic, "expired"),
		ghRevoked:   seed(pat.GitHubClassic, "revoked"),
		ghUnknown:   seed(pat.GitHubClassic, "unknown"),
		ghRate403:   seed(pat.GitHubClassic, "rate403"),
		ghRate429:   seed(pat.GitHubClassic, "rate429"),
		ghSecondary: seed(pat.GitHubClassic, "secondary"),
		ghFine:      seed(pat.GitHubFineGrained, "fine"),
		ghInstall:   providertest.LongInstallationToken("sweep-install"),
		azRead:      seed(pat.AzureDevOps, "read"),
		azWrite:     seed(pat.AzureDevOps, "write"),
		azBuild:     seed(pat.AzureDevOps, "build"),
		azExpired:   seed(pat.AzureDevOps, "expired"),
		azRevoked:   providertest.LegacyAzureToken("sweep-revoked"),
		azUnknown:   seed(pat.AzureDevOps, "unknown"),
		azOtherOrg:  seed(pat.AzureDevOps, "other-org"),
	}
	repo := "octo/hello"
	read := map[string]providertest.Access{repo: providertest.AccessRead}
	write := map[string]providertest.Access{repo: providertest.AccessWrite}
	gh.AddToken(f.ghRead, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: read})
	gh.AddToken(f.ghWrite, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: write})
	gh.AddToken(f.ghNone, providertest.GitHubToken{Login: "octocat", Scopes: []string{"read:user"}})
	gh.AddToken(f.ghSSO, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, SSOOrgs: []string{"octo"}, Repos: write})
	gh.AddToken(f.ghExpired, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Expiration: "2001-01-02 03:04:05 UTC", Repos: write})
	gh.AddToken(f.ghRevoked, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Revoked: true, Repos: write})
	gh.AddToken(f.ghRate403, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, RateLimit: providertest.RateLimitPrimary403, Repos: write})
	gh.AddToken(f.ghRate429, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, RateLimit: providertest.RateLimitPrimary429, Repos: write})
	gh.AddToken(f.ghSecondary, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, RateLimit: providertest.RateLimitSecondary403, Repos: write})
	gh.AddToken(f.ghFine, providertest.GitHubToken{Login: "octocat", Repos: read})
	gh.AddToken(f.ghInstall, providertest.GitHubToken{Repos: read})
	az.AddOrg("contoso", false)
	az.AddOrg("public", true)
	az.AddToken(f.azRead, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	az.AddToken(f.azWrite, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}})
	az.AddToken(f.azBuild, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.build"}})
	az.AddToken(f.azExpired, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}, Expired: true})
	az.AddToken(f.azRevoked, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}, Revoked: true})
	az.AddToken(f.azOtherOrg, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}, Orgs: []string{"fabrikam"}})
	if providertest.GitAvailable() == nil {
		if err := gh.AddRepo("octo", "hello", nil); err != nil {
			t.Fatal(err)
		}
		if err := az.AddRepo("contoso", "My Project", "widgets", nil); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *sweepFixture) all() []string {
	return []string{f.ghRead, f.ghWrite, f.ghNone, f.ghSSO, f.ghExpired, f.ghRevoked, f.ghUnknown,
		f.ghRate403, f.ghRate429, f.ghSecondary, f.ghFine, f.ghInstall,
		f.azRead, f.azWrite, f.azBuild, f.azExpired, f.azRevoked, f.azUnknown, f.azOtherOrg}
}

// opts returns gitauth Options for the fake of host ("github" or "azure")
// with secret as the only token.
func (f *sweepFixture) opts(t testing.TB, host, secret string) gitauth.Options {
	t.Helper()
	cfg := f.ghCfg
	if host == "azure" {
		cfg = f.azCfg
	}
	return gitauth.Options{Provider: cfg, Source: pat.Static(token(t, secret))}
}

func (f *sweepFixture) url(host string) string {
	if host == "azure" {
		return f.azURL
	}
	return f.ghURL
}

// cloneDir returns a fresh clone destination and the directory to sweep.
func cloneDir(t *testing.T) (dir string, sweep []string) {
	parent := t.TempDir()
	return filepath.Join(parent, "clone"), []string{parent}
}

// memRepo returns an in-memory repository with an "origin" remote at url.
func memRepo(t *testing.T, url string) *git.Repository {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}}); err != nil {
		t.Fatal(err)
	}
	return repo
}

// basicFor returns the credentials the fakes accept for secret.
func basicFor(host, secret string) *githttp.BasicAuth {
	if host == "azure" {
		return &githttp.BasicAuth{Password: secret}
	}
	return &githttp.BasicAuth{Username: "octocat", Password: secret}
}

func TestLeakSweep(t *testing.T) {
	isolateEnv(t)
	f := newSweepFixture(t)
	groups := []struct {
		name      string
		scenarios []scenario
	}{
		{"pat", patScenarios()},
		{"url", urlScenarios()},
		{"hostile", hostileScenarios(t)},
		{"fake", f.scenarios()},
		{"transport", transportScenarios(t, f)},
		{"redirect", redirectScenarios(t)},
		{"faults", faultScenarios(t, f)},
	}
	total := 0
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			n := runScenarios(t, g.scenarios)
			total += n
			t.Logf("%s: %d failure paths swept", g.name, n)
		})
	}
	t.Logf("leak sweep: %d scenarios swept", total)
}

// patScenarios are the failure paths of package pat: New, Validate, the
// sources and the credential protocol, each handed a secret to keep.
func patScenarios() []scenario {
	s := providertest.Token(pat.GitHubClassic, "pat-sweep")
	s2 := providertest.Token(pat.GitHubClassic, "pat-sweep-2")
	az := providertest.Token(pat.AzureDevOps, "pat-sweep")
	long := strings.Repeat(s, pat.MaxLen/len(s)+1)
	mistyped := s[:10] + string(s[10]^1) + s[11:]
	one := func(name string, want error, secrets []string, run func(t *testing.T) (any, error, []string)) scenario {
		return scenario{name: name, want: want, secrets: secrets, run: run}
	}
	newTok := func(secret string) func(t *testing.T) (any, error, []string) {
		return func(t *testing.T) (any, error, []string) {
			tok, err := pat.New(secret)
			return tok, err, nil
		}
	}
	source := func(src func(t *testing.T) pat.Source) func(t *testing.T) (any, error, []string) {
		return func(t *testing.T) (any, error, []string) {
			sc := src(t)
			tok, err := sc.Token(sweepCtx(t))
			return []any{tok, sc}, err, nil
		}
	}
	env := func(value string) func(t *testing.T) pat.Source {
		return func(t *testing.T) pat.Source {
			t.Setenv("PATGIT_SWEEP_TOKEN", value)
			return pat.Env("PATGIT_SWEEP_TOKEN")
		}
	}
	file := func(content string, perm os.FileMode) func(t *testing.T) pat.Source {
		return func(t *testing.T) pat.Source { return pat.File(writeFile(t, content, perm)) }
	}
	read := func(in string) func(t *testing.T) (any, error, []string) {
		return func(t *testing.T) (any, error, []string) {
			c, err := pat.ReadCredential(strings.NewReader(in))
			return c, err, nil
		}
	}
	write := func(c func(t *testing.T) pat.Credential) func(t *testing.T) (any, error, []string) {
		return func(t *testing.T) (any, error, []string) {
			var buf bytes.Buffer
			cred := c(t)
			err := pat.WriteCredential(&buf, cred) // cred holds the secret by design: sweep only the output
			return buf.String(), err, nil
		}
	}
	helper := func(script string) func(t *testing.T) pat.Source {
		return func(t *testing.T) pat.Source {
			withHelper(t, script)
			return pat.GitCredential("https://github.com/o/r")
		}
	}
	both := []string{s, s2}
	list := []scenario{
		one("New empty", pat.ErrEmpty, nil, newTok("  \n")),
		one("New inner space", pat.ErrMalformed, both, newTok(s+" "+s2)),
		one("New two lines", pat.ErrMalformed, both, newTok(s+"\n"+s2)),
		one("New control character", pat.ErrMalformed, both, newTok(s+"\x1b"+s2)),
		one("New NUL", pat.ErrMalformed, both, newTok(s+"\x00"+s2)),
		one("New non-ASCII", pat.ErrMalformed, both, newTok(s+"é"+s2)),
		one("New too long", pat.ErrMalformed, []string{s}, newTok(long)),
		one("Validate mistyped", pat.ErrChecksum, []string{mistyped}, func(t *testing.T) (any, error, []string) {
			tok := token(t, mistyped)
			return tok, tok.Validate(), nil
		}),
		one("Validate truncated", pat.ErrChecksum, []string{s[:len(s)-3]}, func(t *testing.T) (any, error, []string) {
			tok := token(t, s[:len(s)-3])
			return tok, tok.Validate(), nil
		}),
		one("Env malformed", pat.ErrMalformed, both, source(env(s+" "+s2))),
		one("Env control character", pat.ErrMalformed, both, source(env(s+"\t\x07"+s2))),
		one("Env unset", pat.ErrNotFound, nil, source(func(t *testing.T) pat.Source { return pat.Env("PATGIT_SWEEP_UNSET") })),
		one("File readable by others", pat.ErrInsecureFile, []string{s}, source(file(s+"\n", 0o644))),
		one("File two lines", pat.ErrMalformed, both, source(file(s+"\n"+s2+"\n", 0o600))),
		one("File too big", nil, []string{s}, source(file(strings.Repeat(s+"\n", pat.MaxFileSize/len(s)+2), 0o600))),
		one("File binary", pat.ErrMalformed, both, source(file(s+"\x00\x01"+s2, 0o600))),
		one("File directory", nil, nil, source(func(t *testing.T) pat.Source { return pat.File(t.TempDir()) })),
		one("File symlink to readable file", pat.ErrInsecureFile, []string{s}, source(func(t *testing.T) pat.Source {
			target := writeFile(t, s, 0o644)
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(target, link); err != nil {
				t.Skip(err)
			}
			return pat.File(link)
		})),
		one("Chain stops at malformed Env", pat.ErrMalformed, both, source(func(t *testing.T) pat.Source {
			t.Setenv("PATGIT_SWEEP_TOKEN", s+" "+s2)
			return pat.Chain(pat.Env("PATGIT_SWEEP_TOKEN"), pat.Static(token(t, az)))
		})),
		one("ReadCredential password with space", pat.ErrProtocol, both, read("protocol=https\nhost=github.com\npassword="+s+" "+s2+"\n")),
		one("ReadCredential line without =", pat.ErrProtocol, []string{s}, read("protocol=https\n"+s+"\n")),
		one("ReadCredential NUL", pat.ErrProtocol, both, read("password="+s+"\x00"+s2+"\n")),
		one("ReadCredential CR", pat.ErrProtocol, both, read("password="+s+"\r"+s2+"\n")),
		one("ReadCredential url with password", pat.ErrProtocol, []string{s}, read("url=https://x:"+s+"@github.com/o/r\n")),
		one("ReadCredential bad url", pat.ErrProtocol, []string{s}, read("url=https://x:"+s+"@[::1\n")),
		one("ReadCredential repeated password", pat.ErrProtocol, both, read("password="+s+"\npassword="+s2+"\n")),
		one("ReadCredential enormous line", pat.ErrProtocol, []string{s}, read("password="+strings.Repeat(s, pat.MaxCredentialLine/len(s)+1)+"\n")),
		one("ReadCredential enormous key", pat.ErrProtocol, []string{s}, read(strings.Repeat(s, pat.MaxCredentialLine/len(s)+1)+"=x\n")),
		one("WriteCredential url with password", pat.ErrProtocol, []string{s}, write(func(t *testing.T) pat.Credential {
			return pat.Credential{Protocol: "https", Host: "github.com", URL: "https://x:" + s + "@github.com/"}
		})),
		one("WriteCredential injected line", pat.ErrProtocol, []string{s}, write(func(t *testing.T) pat.Credential {
			return pat.Credential{Protocol: "https", Host: "github.com", Username: "x\npassword=" + s}
		})),
		one("WriteCredential extra with newline", pat.ErrProtocol, []string{s, s2}, write(func(t *testing.T) pat.Credential {
			return pat.Credential{Protocol: "https", Host: "github.com", Password: token(t, s), Extra: []pat.Attribute{pat.NewAttribute("oauth_refresh_token", s2+"\nx=y")}}
		})),
	}
	gitList := []scenario{
		one("GitCredential password with space", pat.ErrProtocol, both, source(helper(`printf 'username=u\npassword=`+s+` `+s2+`\n'`))),
		one("GitCredential helper prints fatal with the token", nil, []string{s}, source(helper(`echo "fatal: cannot use `+s+`" >&2; echo "error: `+s+`" >&2; exit 1`))),
		one("GitCredential helper prints junk", nil, []string{s}, source(helper(`printf '`+s+`\n'`))),
		one("GitCredential url with password", nil, []string{s}, source(func(t *testing.T) pat.Source {
			withHelper(t, "cat >/dev/null")
			return pat.GitCredential("https://x:" + s + "@github.com/o/r")
		})),
		one("GitCredential bad url", nil, []string{s}, source(func(t *testing.T) pat.Source {
			return pat.GitCredential("https://x:" + s + "@[::1/o/r")
		})),
		one("GitCredential canceled", context.Canceled, []string{s}, func(t *testing.T) (any, error, []string) {
			withHelper(t, `printf 'username=u\npassword=`+s+`\n'`)
			tok, err := pat.GitCredential("https://github.com/o/r").Token(canceledCtx())
			return tok, err, nil
		}),
	}
	for i := range gitList {
		gitList[i].git = true
	}
	return append(list, gitList...)
}

// credentialURLs are malformed or refused URLs carrying a token in their
// user information (or in place of it), and a few good ones.
func credentialURLs(s string) []struct {
	name   string
	raw    string
	parses bool // a URL ForURL accepts (its Repo and clone URL are swept)
} {
	return []struct {
		name   string
		raw    string
		parses bool
	}{
		{"look-alike github host", "https://x:" + s + "@github.com.evil.example/o/r", false},
		{"look-alike azure host", "https://x:" + s + "@dev.azure.com.evil.example/org/p/_git/r", false},
		{"look-alike visualstudio host", "https://x:" + s + "@notvisualstudio.com/p/_git/r", false},
		{"no repository", "https://x:" + s + "@github.com/o", false},
		{"azure without _git", "https://x:" + s + "@dev.azure.com/org", false},
		{"two at signs", "https://x:" + s + "@a@github.com/o/r", false},
		{"token as second user", "https://x@" + s + "@github.com/o/r", false},
		{"NUL in path", "https://x:" + s + "@github.com/o/r\x00", false},
		{"newline in path", "https://x:" + s + "@github.com/o/r\nHost: evil", false},
		{"backslashes", "https://x:" + s + "@github.com\\o\\r", false},
		{"plain http", "http://x:" + s + "@github.com/o/r", false},
		{"ftp", "ftp://x:" + s + "@github.com/o/r", false},
		{"unclosed bracket", "https://x:" + s + "@[::1/o/r", false},
		{"bad port", "https://x:" + s + "@github.com:port/o/r", false},
		{"bad escape", "https://x:" + s + "@github.com/o/r%zz", false},
		{"space in host", "https://x:" + s + "@git hub.com/o/r", false},
		{"too long", "https://x:" + s + "@github.com/o/" + strings.Repeat("r", provider.MaxURLLength), false},
		{"scp-like without path", s + "@github.com:o", false},
		{"bad escape in user info", "https://x:" + s + "%zz@github.com/o/r", false},
		{"password on github", "https://x:" + s + "@github.com/o/r.git", true},
		{"token as user on github", "https://" + s + "@github.com/o/r", true},
		{"password on azure", "https://org:" + s + "@dev.azure.com/org/p/_git/r", true},
		{"token as user on azure", "https://" + s + "@dev.azure.com/org/p/_git/r", true},
		{"password on ssh URL", "ssh://git:" + s + "@github.com/o/r.git", true},
		{"token in query and fragment", "https://github.com/o/r?access_token=" + s + "#" + s, true},
	}
}

// urlScenarios hand every URL-taking function of the module a URL with a
// token in it.
func urlScenarios() []scenario {
	s := providertest.Token(pat.GitHubClassic, "url-sweep")
	other := providertest.Token(pat.Unknown, "url-sweep-source") // good for both providers
	secrets := []string{s, other}
	var list []scenario
	for _, u := range credentialURLs(s) {
		add := func(fn string, needsNet bool, run func(t *testing.T) (any, error, []string)) {
			if needsNet && u.parses {
				return // a good github.com URL would reach the network
			}
			list = append(list, scenario{name: fn + "/" + u.name, secrets: secrets, ok: u.parses && !needsNet, run: run})
		}
		add("ForURL", false, func(t *testing.T) (any, error, []string) {
			p, r, err := provider.ForURL(u.raw, provider.Config{})
			vals := []any{r, p}
			if err == nil {
				vals = append(vals, p.CloneURL(r))
			}
			return vals, err, nil
		})
		list = append(list, scenario{name: "GitHub.ParseRepo/" + u.name, secrets: secrets, run: func(t *testing.T) (any, error, []string) {
			g, _ := provider.NewGitHub(provider.Config{})
			r, err := g.ParseRepo(u.raw)
			if err == nil {
				return []any{r, g.CloneURL(r)}, nil, nil
			}
			return r, err, nil
		}, either: true})
		list = append(list, scenario{name: "AzureDevOps.ParseRepo/" + u.name, secrets: secrets, run: func(t *testing.T) (any, error, []string) {
			a, _ := provider.NewAzureDevOps(provider.Config{})
			r, err := a.ParseRepo(u.raw)
			if err == nil {
				return []any{r, a.CloneURL(r)}, nil, nil
			}
			return r, err, nil
		}, either: true})
		add("Resolve", false, func(t *testing.T) (any, error, []string) {
			r, err := gitauth.Resolve(sweepCtx(t), u.raw, gitauth.Options{Source: pat.Static(token(t, other))})
			return r, err, nil
		})
		add("Command", false, func(t *testing.T) (any, error, []string) {
			opts := gitauth.Options{Source: pat.Static(token(t, other)), Provider: provider.Config{Username: "octocat"}}
			cmd, err := gitauth.Command(sweepCtx(t), u.raw, opts, "ls-remote")
			if cmd == nil {
				return nil, err, nil
			}
			return commandValues(t, cmd, other), err, nil
		})
		add("Auth", true, func(t *testing.T) (any, error, []string) {
			a, err := gitauth.Auth(sweepCtx(t), u.raw, gitauth.Options{Source: pat.Static(token(t, other))})
			if a != nil {
				t.Errorf("Auth returned credentials for a refused URL")
			}
			return nil, err, nil
		})
		add("Probe", true, func(t *testing.T) (any, error, []string) {
			return nil, gitauth.Probe(sweepCtx(t), u.raw, &githttp.BasicAuth{Username: "u", Password: other}, gitauth.Read), nil
		})
		add("Clone", true, func(t *testing.T) (any, error, []string) {
			dir, sweep := cloneDir(t)
			r, err := gitauth.Clone(sweepCtx(t), u.raw, dir, gitauth.Options{Source: pat.Static(token(t, other))}, nil)
			return r, err, sweep
		})
	}
	return list
}

// commandValues returns what of cmd may be printed: everything but the one
// environment entry that carries the token to the credential helper, which
// must hold it (and be the only one that does).
func commandValues(t *testing.T, cmd *exec.Cmd, secret string) []any {
	t.Helper()
	var env []string
	holders := 0
	for _, kv := range cmd.Env {
		if strings.Contains(kv, secret) {
			holders++
			if !strings.HasPrefix(kv, gitauth.EnvToken+"=") {
				t.Errorf("environment entry %q… holds the token", kv[:min(len(kv), 16)])
			}
			continue
		}
		env = append(env, kv)
	}
	if holders != 1 {
		t.Errorf("%d environment entries hold the token; want 1 (%s)", holders, gitauth.EnvToken)
	}
	return []any{cmd.Path, cmd.Args, env, cmd.Dir}
}

// hostileReplies are the ways a broken or hostile server answers, each
// echoing the token back where it can.
func hostileReplies() []reply {
	jsonCT, htmlCT := "application/json; charset=utf-8", "text/html; charset=utf-8"
	return []reply{
		{name: "401 echo", status: 401, ctype: jsonCT, header: map[string]string{"WWW-Authenticate": `Basic realm="{TOKEN}"`}, body: `{"message":"Bad credentials: {TOKEN}","documentation_url":"{AUTH}"}`},
		{name: "403 echo", status: 403, ctype: jsonCT, body: `{"message":"Forbidden for {TOKEN}","errors":[{"message":"{AUTH}"}]}`},
		{name: "404 echo", status: 404, ctype: jsonCT, body: `{"message":"Not Found {TOKEN}","typeKey":"TF401019 {TOKEN}"}`},
		{name: "429 echo", status: 429, ctype: jsonCT, header: map[string]string{"Retry-After": "{TOKEN}", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "{TOKEN}"}, body: `{"message":"slow down {TOKEN}"}`},
		{name: "500 echo", status: 500, ctype: "text/plain", body: "internal error handling {AUTH}\n{TOKEN}"},
		{name: "502 HTML", status: 502, ctype: htmlCT, body: "<html><body>Bad gateway {TOKEN}</body></html>"},
		{name: "503 empty", status: 503},
		{name: "500 token across the detail cut", status: 500, ctype: "text/plain", body: strings.Repeat("x", 190) + "{TOKEN}"},
		{name: "401 Authorization across the detail cut", status: 401, ctype: "text/plain", body: strings.Repeat("x", 185) + "{AUTH}"},
		{name: "200 HTML echo", status: 200, ctype: htmlCT, body: "<html><title>Sign in {TOKEN}</title><body>{AUTH}</body></html>"},
		{name: "203 sign-in page", status: 203, ctype: htmlCT, body: "<html>Azure DevOps Services | Sign In {TOKEN}</html>"},
		{name: "200 invalid JSON", status: 200, ctype: jsonCT, body: `{"login": "{TOKEN}`},
		{name: "200 JSON of the wrong shape", status: 200, ctype: jsonCT, header: map[string]string{"X-OAuth-Scopes": "{TOKEN}"}, body: `{"login": 42, "authenticatedUser": "{TOKEN}", "id": [1]}`},
		{name: "200 truncated", status: 200, ctype: jsonCT, body: `{"login":"{TOKEN}"`, truncate: true},
		{name: "200 oversized", status: 200, ctype: jsonCT, oversize: 1 << 20},
		{name: "500 oversized", status: 500, ctype: "text/plain", oversize: 1 << 20},
		{name: "connection reset", reset: true},
		{name: "redirect loop", status: 302, header: map[string]string{"Location": "/loop?t={TOKEN}"}},
		{name: "redirect to other scheme", status: 302, header: map[string]string{"Location": "ftp://127.0.0.1/{TOKEN}"}},
	}
}

// hostileOps are the calls that send a token to a server at base.
func hostileOps() []struct {
	name string
	kind pat.Kind
	git  bool
	run  func(t *testing.T, ctx context.Context, base, secret string, client *http.Client) (any, error, []string)
} {
	type op = struct {
		name string
		kind pat.Kind
		git  bool
		run  func(t *testing.T, ctx context.Context, base, secret string, client *http.Client) (any, error, []string)
	}
	return []op{
		{"GitHub.CheckScopes", pat.GitHubClassic, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			g, err := provider.NewGitHub(provider.Config{BaseURL: base, HTTPClient: c})
			if err != nil {
				return nil, err, nil
			}
			r, err := g.CheckScopes(ctx, token(t, secret), "repo")
			return r, err, nil
		}},
		{"GitHub.BasicAuth", pat.GitHubFineGrained, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			g, err := provider.NewGitHub(provider.Config{BaseURL: base, HTTPClient: c})
			if err != nil {
				return nil, err, nil
			}
			a, err := g.BasicAuth(ctx, token(t, secret))
			if a != nil {
				return a.Username, err, nil
			}
			return nil, err, nil
		}},
		{"GitHub.AuthenticatedURL", pat.GitHubClassic, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			g, err := provider.NewGitHub(provider.Config{BaseURL: base, HTTPClient: c})
			if err != nil {
				return nil, err, nil
			}
			r, err := g.ParseRepo(base + "/o/r")
			if err != nil {
				return nil, err, nil
			}
			u, err := g.AuthenticatedURL(ctx, r, token(t, secret))
			if err == nil && u != "" {
				t.Logf("AuthenticatedURL succeeded against a hostile server")
			}
			return nil, err, nil
		}},
		{"AzureDevOps.CheckScopes", pat.AzureDevOps, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			a, err := provider.NewAzureDevOps(provider.Config{BaseURL: base + "/org", HTTPClient: c})
			if err != nil {
				return nil, err, nil
			}
			r, err := a.CheckScopes(ctx, token(t, secret), "vso.code", "vso.build")
			return r, err, nil
		}},
		{"gitauth.Auth GitHub", pat.GitHubClassic, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			a, err := gitauth.Auth(ctx, base+"/o/r.git", gitauth.Options{Provider: provider.Config{BaseURL: base, HTTPClient: c}, Source: pat.Static(token(t, secret))})
			if a != nil {
				return a.Username, err, nil
			}
			return nil, err, nil
		}},
		{"gitauth.Probe GitHub read", pat.GitHubClassic, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			o := gitauth.Options{Provider: provider.Config{BaseURL: base, HTTPClient: c}}
			return nil, o.Probe(ctx, base+"/o/r.git", &githttp.BasicAuth{Username: "octocat", Password: secret}, gitauth.Read), nil
		}},
		{"gitauth.Probe Azure write", pat.AzureDevOps, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			o := gitauth.Options{Provider: provider.Config{BaseURL: base + "/org", HTTPClient: c}}
			return nil, o.Probe(ctx, base+"/org/p/_git/r", &githttp.BasicAuth{Password: secret}, gitauth.Write), nil
		}},
		{"gitauth.Probe bearer", pat.GitHubFineGrained, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			o := gitauth.Options{Provider: provider.Config{BaseURL: base, HTTPClient: c}}
			return nil, o.Probe(ctx, base+"/o/r.git", &githttp.TokenAuth{Token: secret}, gitauth.Read), nil
		}},
		{"gitauth.Clone GitHub", pat.GitHubClassic, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			dir, sweep := cloneDir(t)
			r, err := gitauth.Clone(ctx, base+"/o/r.git", dir, gitauth.Options{Provider: provider.Config{BaseURL: base, HTTPClient: c, Username: "octocat"}, Source: pat.Static(token(t, secret))}, nil)
			return r, err, sweep
		}},
		{"gitauth.Clone Azure", pat.AzureDevOps, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			dir, sweep := cloneDir(t)
			r, err := gitauth.Clone(ctx, base+"/org/p/_git/r", dir, gitauth.Options{Provider: provider.Config{BaseURL: base + "/org", HTTPClient: c}, Source: pat.Static(token(t, secret))}, nil)
			return r, err, sweep
		}},
		{"gitauth.Fetch GitHub", pat.GitHubClassic, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			repo := memRepo(t, base+"/o/r.git")
			err := gitauth.Fetch(ctx, repo, base+"/o/r.git", gitauth.Options{Provider: provider.Config{BaseURL: base, HTTPClient: c, Username: "octocat"}, Source: pat.Static(token(t, secret))}, nil)
			return nil, err, nil
		}},
		{"gitauth.Push Azure", pat.AzureDevOps, false, func(t *testing.T, ctx context.Context, base, secret string, c *http.Client) (any, error, []string) {
			repo := memRepo(t, base+"/org/p/_git/r")
			err := gitauth.Push(ctx, repo, base+"/org/p/_git/r", gitauth.Options{Provider: provider.Config{BaseURL: base + "/org", HTTPClient: c}, Source: pat.Static(token(t, secret))}, nil)
			return nil, err, nil
		}},
	}
}

// hostileScenarios send tokens to servers that fail in every way: each
// reply of hostileReplies, a certificate nobody trusts, a port nobody
// listens on, and a canceled context.
func hostileScenarios(t *testing.T) []scenario {
	type target struct {
		name   string
		base   string
		client *http.Client
		ctx    func(t *testing.T) context.Context
	}
	var targets []target
	for _, rp := range hostileReplies() {
		srv := hostileServer(t, rp, false)
		targets = append(targets, target{name: rp.name, base: srv.URL, ctx: sweepCtx})
	}
	tlsSrv := hostileServer(t, reply{status: 200, body: "{TOKEN}"}, true)
	targets = append(targets,
		target{name: "untrusted TLS certificate", base: tlsSrv.URL, ctx: sweepCtx},
		target{name: "unreachable host", base: "http://" + closedAddr(t), ctx: sweepCtx},
		target{name: "canceled context", base: hostileServer(t, reply{status: 200, body: "{TOKEN}"}, false).URL, ctx: func(*testing.T) context.Context { return canceledCtx() }},
		target{name: "client timeout", base: hostileServer(t, slowReply{}, false).URL, ctx: sweepCtx,
			client: &http.Client{Timeout: 100 * time.Millisecond}},
	)
	var list []scenario
	for _, tg := range targets {
		for _, op := range hostileOps() {
			secret := providertest.Token(op.kind, "hostile "+tg.name+" "+op.name)
			list = append(list, scenario{
				name:    op.name + "/" + tg.name,
				secrets: []string{secret},
				git:     op.git,
				run: func(t *testing.T) (any, error, []string) {
					return op.run(t, tg.ctx(t), tg.base, secret, tg.client)
				},
			})
		}
	}
	return list
}

// slowReply answers after a pause longer than the clients' timeout in the
// sweep, or when the request is canceled.
type slowReply struct{}

func (slowReply) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(500 * time.Millisecond):
	}
	w.WriteHeader(http.StatusNoContent)
}

// scenarios are the refusals of the fake GitHub and Azure DevOps, which
// behave like the real hosts: bad, expired, revoked, unknown and
// wrong-provider tokens, missing scopes, SSO, rate limits, 404s, pushes
// without write access; plus the success paths whose clone directories must
// stay clean.
func (f *sweepFixture) scenarios() []scenario {
	all := f.all()
	var list []scenario
	add := func(sc scenario) {
		sc.secrets = all
		list = append(list, sc)
	}
	gh := func(secret string) *provider.GitHub {
		g, err := provider.NewGitHub(provider.Config{BaseURL: f.gh.URL, CacheTTL: -1})
		if err != nil {
			panic(err)
		}
		return g
	}
	az := func(org string) *provider.AzureDevOps {
		a, err := provider.NewAzureDevOps(provider.Config{BaseURL: f.az.OrgURL(org), CacheTTL: -1})
		if err != nil {
			panic(err)
		}
		return a
	}
	for _, c := range []struct {
		name   string
		secret string
		want   error
		scopes []string
	}{
		{"unknown", f.ghUnknown, provider.ErrUnauthorized, nil},
		{"expired", f.ghExpired, provider.ErrUnauthorized, nil},
		{"revoked", f.ghRevoked, provider.ErrUnauthorized, nil},
		{"azure token", f.azRead, provider.ErrTokenMismatch, nil},
		{"unknown kind", "opaque-" + f.ghUnknown[4:], provider.ErrUnauthorized, nil},
		{"missing scope", f.ghNone, provider.ErrMissingScope, []string{"repo", "admin:org"}},
		{"primary rate limit 403", f.ghRate403, provider.ErrRateLimited, nil},
		{"primary rate limit 429", f.ghRate429, provider.ErrRateLimited, nil},
		{"secondary rate limit", f.ghSecondary, provider.ErrRateLimited, nil},
	} {
		add(scenario{name: "GitHub.CheckScopes/" + c.name, want: c.want, run: func(t *testing.T) (any, error, []string) {
			r, err := gh(c.secret).CheckScopes(sweepCtx(t), token(t, c.secret), c.scopes...)
			return r, err, nil
		}})
		add(scenario{name: "GitHub.BasicAuth/" + c.name, run: func(t *testing.T) (any, error, []string) {
			if c.want == provider.ErrMissingScope {
				return nil, errors.New("not a failure for BasicAuth"), nil
			}
			a, err := gh(c.secret).BasicAuth(sweepCtx(t), token(t, c.secret))
			if a != nil {
				return a.Username, err, nil
			}
			return nil, err, nil
		}})
	}
	for _, c := range []struct {
		name, secret, org string
		want              error
		scopes            []string
	}{
		{"unknown", f.azUnknown, "contoso", provider.ErrUnauthorized, nil},
		{"expired", f.azExpired, "contoso", provider.ErrUnauthorized, nil},
		{"revoked", f.azRevoked, "contoso", provider.ErrUnauthorized, nil},
		{"other organization", f.azOtherOrg, "contoso", provider.ErrUnauthorized, nil},
		{"anonymous on a public organization", f.azUnknown, "public", provider.ErrUnauthorized, nil},
		{"github token", f.ghRead, "contoso", provider.ErrTokenMismatch, nil},
		{"missing scope", f.azBuild, "contoso", provider.ErrMissingScope, []string{"vso.code", "vso.code_write", "vso.work"}},
	} {
		add(scenario{name: "AzureDevOps.CheckScopes/" + c.name, want: c.want, run: func(t *testing.T) (any, error, []string) {
			r, err := az(c.org).CheckScopes(sweepCtx(t), token(t, c.secret), c.scopes...)
			return r, err, nil
		}})
	}
	add(scenario{name: "AzureDevOps.BasicAuth/github token", want: provider.ErrTokenMismatch, run: func(t *testing.T) (any, error, []string) {
		a, err := az("contoso").BasicAuth(sweepCtx(t), token(t, f.ghRead))
		return a, err, nil
	}})
	add(scenario{name: "AzureDevOps.AuthenticatedURL/github token", want: provider.ErrTokenMismatch, run: func(t *testing.T) (any, error, []string) {
		a := az("contoso")
		r, err := a.ParseRepo(f.azURL)
		if err != nil {
			return nil, err, nil
		}
		u, err := a.AuthenticatedURL(sweepCtx(t), r, token(t, f.ghRead))
		return len(u), err, nil
	}})
	add(scenario{name: "GitHub.AuthenticatedURL/azure token", want: provider.ErrTokenMismatch, run: func(t *testing.T) (any, error, []string) {
		g := gh(f.azRead)
		r, err := g.ParseRepo(f.ghURL)
		if err != nil {
			return nil, err, nil
		}
		u, err := g.AuthenticatedURL(sweepCtx(t), r, token(t, f.azRead))
		return len(u), err, nil
	}})
	add(scenario{name: "GitHub.AuthenticatedURL/revoked", want: provider.ErrUnauthorized, run: func(t *testing.T) (any, error, []string) {
		g := gh(f.ghRevoked)
		r, err := g.ParseRepo(f.ghURL)
		if err != nil {
			return nil, err, nil
		}
		u, err := g.AuthenticatedURL(sweepCtx(t), r, token(t, f.ghRevoked))
		return len(u), err, nil
	}})
	add(scenario{name: "GitHub.CheckScopes/canceled", want: context.Canceled, run: func(t *testing.T) (any, error, []string) {
		r, err := gh(f.ghRead).CheckScopes(canceledCtx(), token(t, f.ghRead), "repo")
		return r, err, nil
	}})
	add(scenario{name: "AzureDevOps.CheckScopes/canceled", want: context.Canceled, run: func(t *testing.T) (any, error, []string) {
		r, err := az("contoso").CheckScopes(canceledCtx(), token(t, f.azRead), "vso.code")
		return r, err, nil
	}})
	add(scenario{name: "NewGitHub/insecure", want: provider.ErrInsecureURL, run: func(t *testing.T) (any, error, []string) {
		g, err := provider.NewGitHub(provider.Config{BaseURL: "http://x:" + f.ghRead + "@ghe.example.com"})
		return g, err, nil
	}})
	add(scenario{name: "NewAzureDevOps/insecure", want: provider.ErrInsecureURL, run: func(t *testing.T) (any, error, []string) {
		a, err := provider.NewAzureDevOps(provider.Config{BaseURL: "http://x:" + f.azRead + "@tfs.example.com/tfs/DefaultCollection"})
		return a, err, nil
	}})

	// gitauth against the fakes.
	for _, c := range []struct {
		name, host, secret string
		want               error
	}{
		{"github unknown", "github", f.ghUnknown, provider.ErrUnauthorized},
		{"github expired", "github", f.ghExpired, provider.ErrUnauthorized},
		{"github revoked", "github", f.ghRevoked, provider.ErrUnauthorized},
		{"github no access", "github", f.ghNone, gitauth.ErrRepoNotFound},
		{"github sso", "github", f.ghSSO, provider.ErrSSORequired},
		{"github azure token", "github", f.azRead, provider.ErrTokenMismatch},
		{"azure unknown", "azure", f.azUnknown, provider.ErrUnauthorized},
		{"azure expired", "azure", f.azExpired, provider.ErrUnauthorized},
		{"azure revoked", "azure", f.azRevoked, provider.ErrUnauthorized},
		{"azure no code scope", "azure", f.azBuild, provider.ErrUnauthorized},
		{"azure github token", "azure", f.ghRead, provider.ErrTokenMismatch},
	} {
		add(scenario{name: "Clone/" + c.name, want: c.want, git: true, run: func(t *testing.T) (any, error, []string) {
			dir, sweep := cloneDir(t)
			r, err := gitauth.Clone(sweepCtx(t), f.url(c.host), dir, f.opts(t, c.host, c.secret), nil)
			return r, err, sweep
		}})
		add(scenario{name: "Auth/" + c.name, run: func(t *testing.T) (any, error, []string) {
			a, err := gitauth.Auth(sweepCtx(t), f.url(c.host), f.opts(t, c.host, c.secret))
			if err == nil {
				// Auth looks up no more than the user name: a refusal by the
				// repository shows up later. Sweep the user name.
				return a.Username, errors.New("auth succeeded"), nil
			}
			return nil, err, nil
		}})
		add(scenario{name: "Probe read/" + c.name, want: c.want, git: true, run: func(t *testing.T) (any, error, []string) {
			if errors.Is(c.want, provider.ErrTokenMismatch) {
				return nil, provider.ErrTokenMismatch, nil // Probe takes credentials, not a kind
			}
			o := gitauth.Options{Provider: f.opts(t, c.host, c.secret).Provider}
			return nil, o.Probe(sweepCtx(t), f.url(c.host), basicFor(c.host, c.secret), gitauth.Read), nil
		}})
		add(scenario{name: "Command/" + c.name, either: true, run: func(t *testing.T) (any, error, []string) {
			cmd, err := gitauth.Command(sweepCtx(t), f.url(c.host), f.opts(t, c.host, c.secret), "ls-remote", f.url(c.host))
			if err != nil {
				return nil, err, nil
			}
			return commandValues(t, cmd, c.secret), nil, nil
		}})
	}
	add(scenario{name: "Probe write/github read-only", want: gitauth.ErrAccessDenied, git: true, run: func(t *testing.T) (any, error, []string) {
		o := gitauth.Options{Provider: f.ghCfg}
		return nil, o.Probe(sweepCtx(t), f.ghURL, basicFor("github", f.ghRead), gitauth.Write), nil
	}})
	add(scenario{name: "Probe write/azure read-only", want: provider.ErrUnauthorized, git: true, run: func(t *testing.T) (any, error, []string) {
		o := gitauth.Options{Provider: f.azCfg}
		return nil, o.Probe(sweepCtx(t), f.azURL, basicFor("azure", f.azRead), gitauth.Write), nil
	}})
	add(scenario{name: "Probe read/canceled", want: context.Canceled, git: true, run: func(t *testing.T) (any, error, []string) {
		o := gitauth.Options{Provider: f.ghCfg}
		return nil, o.Probe(canceledCtx(), f.ghURL, basicFor("github", f.ghRead), gitauth.Read), nil
	}})
	add(scenario{name: "Clone/canceled", want: context.Canceled, git: true, run: func(t *testing.T) (any, error, []string) {
		dir, sweep := cloneDir(t)
		r, err := gitauth.Clone(canceledCtx(), f.ghURL, dir, f.opts(t, "github", f.ghRead), nil)
		return r, err, sweep
	}})
	add(scenario{name: "Clone/not empty", want: gitauth.ErrNotEmpty, git: true, run: func(t *testing.T) (any, error, []string) {
		dir, sweep := cloneDir(t)
		os.MkdirAll(dir, 0o700)
		os.WriteFile(filepath.Join(dir, "x"), []byte("x"), 0o600)
		r, err := gitauth.Clone(sweepCtx(t), f.ghURL, dir, f.opts(t, "github", f.ghRead), nil)
		return r, err, sweep
	}})
	for _, host := range []string{"github", "azure"} {
		read, write := f.ghRead, f.ghWrite
		if host == "azure" {
			read, write = f.azRead, f.azWrite
		}
		add(scenario{name: "Clone and push/" + host + " read-only", git: true, run: func(t *testing.T) (any, error, []string) {
			dir, sweep := cloneDir(t)
			// The URL names the token in its user information: it must
			// reach neither the clone's files nor any error.
			raw := strings.Replace(f.url(host), "http://", "http://someone:"+write+"@", 1)
			repo, err := gitauth.Clone(sweepCtx(t), raw, dir, f.opts(t, host, read), nil)
			if err != nil {
				return nil, fmt.Errorf("clone: %w", err), sweep
			}
			commitTo(t, repo)
			err = gitauth.Push(sweepCtx(t), repo, f.url(host), f.opts(t, host, read), nil)
			if err == nil {
				return nil, errors.New("push with a read-only token succeeded"), sweep
			}
			// Fetch with a revoked token into the same clone.
			bad := f.ghRevoked
			if host == "azure" {
				bad = f.azRevoked
			}
			if ferr := gitauth.Fetch(sweepCtx(t), repo, f.url(host), f.opts(t, host, bad), nil); ferr == nil || !errors.Is(ferr, provider.ErrUnauthorized) {
				t.Errorf("Fetch with a revoked token: %v; want ErrUnauthorized", ferr)
			} else {
				assertNoLeak(t, outcome{err: ferr}, all...)
			}
			return repo, err, sweep
		}})
	}
	add(scenario{name: "CredentialHelper/github token for azure host", want: provider.ErrTokenMismatch, run: func(t *testing.T) (any, error, []string) {
		var out bytes.Buffer
		err := gitauth.CredentialHelper(sweepCtx(t), "get", strings.NewReader("protocol=https\nhost=dev.azure.com\npath=org/p/_git/r\n"), &out, gitauth.Options{Source: pat.Static(token(t, f.ghRead))})
		return out.String(), err, nil
	}})
	add(scenario{name: "CredentialHelper/malformed request", want: pat.ErrProtocol, run: func(t *testing.T) (any, error, []string) {
		var out bytes.Buffer
		err := gitauth.CredentialHelper(sweepCtx(t), "get", strings.NewReader("protocol=https\nhost=github.com\npassword="+f.ghWrite+" "+f.ghRead+"\n"), &out, gitauth.Options{Source: pat.Static(token(t, f.ghRead))})
		return out.String(), err, nil
	}})
	add(scenario{name: "CredentialHelper/unknown op", run: func(t *testing.T) (any, error, []string) {
		var out bytes.Buffer
		err := gitauth.CredentialHelper(sweepCtx(t), "fill", strings.NewReader("protocol=https\nhost=github.com\n"), &out, gitauth.Options{Source: pat.Static(token(t, f.ghRead))})
		return out.String(), err, nil
	}})
	add(scenario{name: "CredentialHelper/malformed env token", want: pat.ErrMalformed, run: func(t *testing.T) (any, error, []string) {
		t.Setenv("GH_TOKEN", f.ghRead+" "+f.ghWrite)
		var out bytes.Buffer
		err := gitauth.CredentialHelper(sweepCtx(t), "get", strings.NewReader("protocol=https\nhost=github.com\n"), &out, gitauth.Options{Provider: provider.Config{Username: "octocat"}})
		return out.String(), err, nil
	}})
	add(scenario{name: "Resolve/malformed env token", want: pat.ErrMalformed, run: func(t *testing.T) (any, error, []string) {
		t.Setenv("AZURE_DEVOPS_EXT_PAT", f.azRead+"\x01"+f.azWrite)
		r, err := gitauth.Resolve(sweepCtx(t), "https://dev.azure.com/org/p/_git/r", gitauth.Options{})
		return r, err, nil
	}})
	add(scenario{name: "Resolve/insecure token file", want: pat.ErrInsecureFile, run: func(t *testing.T) (any, error, []string) {
		r, err := gitauth.Resolve(sweepCtx(t), "https://github.com/o/r", gitauth.Options{Source: pat.File(writeFile(t, f.ghRead, 0o640))})
		return r, err, nil
	}})
	add(scenario{name: "Command/git ls-remote with a revoked token", git: true, run: func(t *testing.T) (any, error, []string) {
		opts := f.opts(t, "github", f.ghRevoked)
		opts.Provider.Username = "octocat"
		cmd, err := gitauth.Command(sweepCtx(t), f.ghURL, opts, "ls-remote", f.ghURL)
		if err != nil {
			return nil, err, nil
		}
		out, err := cmd.CombinedOutput()
		return []any{string(out), commandValues(t, cmd, f.ghRevoked)}, err, nil
	}})
	return list
}

// commitTo commits one file to repo's worktree.
func commitTo(t *testing.T, repo *git.Repository) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	fh, err := wt.Filesystem.Create("new.txt")
	if err != nil {
		t.Fatal(err)
	}
	fh.Write([]byte("new\n"))
	fh.Close()
	if _, err := wt.Add("new.txt"); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Test", Email: "test@patgit.invalid", When: time.Unix(1700000000, 0)}
	if _, err := wt.Commit("new", &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

// transportScenarios put a proxy between go-git and the fake GitHub that
// breaks the Git transfer itself: garbage, truncated and reset pack
// streams, so that go-git's transport errors are swept too.
func transportScenarios(t *testing.T, f *sweepFixture) []scenario {
	target, err := url.Parse(f.gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	modes := []struct {
		name   string
		break_ func(w http.ResponseWriter, r *http.Request) bool // true: answered
	}{
		{"garbage pack", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			fmt.Fprintf(w, "0008NAK\n%04xPACK%s", 8+len(requestSecret(r)), requestSecret(r))
			return true
		}},
		{"pkt-line echo", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			msg := "ERR " + requestSecret(r) + " " + r.Header.Get("Authorization")
			fmt.Fprintf(w, "%04x%s", 4+len(msg), msg)
			return true
		}},
		{"truncated pack", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			w.Header().Set("Content-Length", "100000")
			w.Write([]byte("0008NAK\n0020\x01PACK\x00\x00\x00\x02\x00\x00\x00\x03"))
			return true
		}},
		{"reset during pack", func(w http.ResponseWriter, r *http.Request) bool {
			reply{reset: true}.ServeHTTP(w, r)
			return true
		}},
		{"500 during pack", func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "upstream failed for "+r.Header.Get("Authorization"), 500)
			return true
		}},
		{"ERR advertisement", func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasSuffix(r.URL.Path, "/info/refs") {
				return false
			}
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			msg := "ERR access denied for " + requestSecret(r) + "\n"
			fmt.Fprintf(w, "001e# service=git-upload-pack\n0000%04x%s", 4+len(msg), msg)
			return true
		}},
	}
	var list []scenario
	for _, m := range modes {
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.ErrorLog = log.New(io.Discard, "", 0)
		srv := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if (strings.HasSuffix(r.URL.Path, "/git-upload-pack") || m.name == "ERR advertisement") && m.break_(w, r) {
				return
			}
			proxy.ServeHTTP(w, r)
		}), false)
		raw := srv.URL + "/octo/hello.git"
		opts := gitauth.Options{Provider: provider.Config{BaseURL: srv.URL, Username: "octocat"}}
		list = append(list,
			scenario{name: "Clone/" + m.name, git: true, secrets: f.all(), run: func(t *testing.T) (any, error, []string) {
				o := opts
				o.Source = pat.Static(token(t, f.ghRead))
				dir, sweep := cloneDir(t)
				r, err := gitauth.Clone(sweepCtx(t), raw, dir, o, nil)
				return r, err, sweep
			}},
			scenario{name: "Fetch/" + m.name, git: true, secrets: f.all(), run: func(t *testing.T) (any, error, []string) {
				o := opts
				o.Source = pat.Static(token(t, f.ghRead))
				err := gitauth.Fetch(sweepCtx(t), memRepo(t, raw), raw, o, nil)
				return nil, err, nil
			}},
		)
	}
	return list
}

// redirectScenarios send every token-carrying call to a server that
// redirects to another host name (localhost instead of 127.0.0.1), whose
// server must never see the token.
func redirectScenarios(t *testing.T) []scenario {
	var mu sync.Mutex
	var seen []string
	other := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+" "+r.URL.String())
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}), false)
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
	otherBase := "http://localhost:" + port
	from := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherBase+r.URL.RequestURI(), http.StatusFound)
	}), false)
	var list []scenario
	for _, op := range hostileOps() {
		secret := providertest.Token(op.kind, "redirect "+op.name)
		list = append(list, scenario{
			name:    op.name + "/redirect to another host",
			secrets: []string{secret},
			run: func(t *testing.T) (any, error, []string) {
				mu.Lock()
				seen = nil
				mu.Unlock()
				v, err, dirs := op.run(t, sweepCtx(t), from.URL, secret, nil)
				mu.Lock()
				assertNoLeak(t, outcome{values: []any{seen}}, secret)
				mu.Unlock()
				return v, err, dirs
			},
		})
	}
	return list
}

// faultScenarios run checks, probes and clones against the fakes while they
// misbehave in every way providertest knows (slow headers and bodies,
// resets, 5xx, redirects to another host and in loops, truncated, oversized
// and HTML bodies). Some of these calls may succeed (a slow answer within
// the timeout); all are swept.
func faultScenarios(t *testing.T, f *sweepFixture) []scenario {
	var mu sync.Mutex
	var seen []string
	other := hostileServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}), false)
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
	ghCfg := provider.Config{BaseURL: f.gh.URL, Timeout: 300 * time.Millisecond, CacheTTL: -1}
	azCfg := provider.Config{BaseURL: f.az.OrgURL("contoso"), Timeout: 300 * time.Millisecond, CacheTTL: -1}
	ops := []struct {
		name  string
		azure bool
		run   func(t *testing.T) (any, error, []string)
	}{
		{"GitHub.CheckScopes", false, func(t *testing.T) (any, error, []string) {
			g, err := provider.NewGitHub(ghCfg)
			if err != nil {
				return nil, err, nil
			}
			r, err := g.CheckScopes(sweepCtx(t), token(t, f.ghRead), "repo")
			return r, err, nil
		}},
		{"AzureDevOps.CheckScopes", true, func(t *testing.T) (any, error, []string) {
			a, err := provider.NewAzureDevOps(azCfg)
			if err != nil {
				return nil, err, nil
			}
			r, err := a.CheckScopes(sweepCtx(t), token(t, f.azRead), "vso.code")
			return r, err, nil
		}},
		{"Probe GitHub", false, func(t *testing.T) (any, error, []string) {
			return nil, gitauth.Options{Provider: ghCfg}.Probe(sweepCtx(t), f.ghURL, basicFor("github", f.ghRead), gitauth.Read), nil
		}},
		{"Probe Azure", true, func(t *testing.T) (any, error, []string) {
			return nil, gitauth.Options{Provider: azCfg}.Probe(sweepCtx(t), f.azURL, basicFor("azure", f.azRead), gitauth.Read), nil
		}},
		{"Clone GitHub", false, func(t *testing.T) (any, error, []string) {
			dir, sweep := cloneDir(t)
			o := f.opts(t, "github", f.ghRead)
			o.Provider.Timeout = 300 * time.Millisecond
			r, err := gitauth.Clone(sweepCtx(t), f.ghURL, dir, o, nil)
			return r, err, sweep
		}},
		{"Clone Azure", true, func(t *testing.T) (any, error, []string) {
			dir, sweep := cloneDir(t)
			o := f.opts(t, "azure", f.azRead)
			o.Provider.Timeout = 300 * time.Millisecond
			r, err := gitauth.Clone(sweepCtx(t), f.azURL, dir, o, nil)
			return r, err, sweep
		}},
	}
	var list []scenario
	for _, kind := range providertest.FaultKinds() {
		fault := providertest.Fault{Kind: kind, Delay: 500 * time.Millisecond, Location: "http://localhost:" + port, Size: 2 << 20}
		for _, op := range ops {
			list = append(list, scenario{name: op.name + "/" + kind.String(), secrets: f.all(), either: true, git: true, run: func(t *testing.T) (any, error, []string) {
				if op.azure {
					f.az.SetFault(fault)
					defer f.az.SetFault(providertest.Fault{})
				} else {
					f.gh.SetFault(fault)
					defer f.gh.SetFault(providertest.Fault{})
				}
				mu.Lock()
				seen = nil
				mu.Unlock()
				v, err, dirs := op.run(t)
				mu.Lock()
				for _, h := range seen {
					if h != "" {
						t.Errorf("the other host received credentials after a redirect")
					}
				}
				mu.Unlock()
				return v, err, dirs
			}})
		}
	}
	return list
}
