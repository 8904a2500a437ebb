package provider_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// newFakeClock starts at the real time, so that what judges expiry by the
// real clock (git's password_expiry_utc) agrees with the fakes until a test
// moves it.
func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	appID       = 4242
	appClientID = "Iv23liTESTAPP0000001"
)

// appEnv is a fake GitHub with one App installed on the organization acme
// (all repositories; contents write) and the user ada (notes only; contents
// read), sharing one fake clock, with the repositories ("owner/name") given.
type appEnv struct {
	srv   *providertest.GitHubServer
	g     *provider.GitHub
	clock *fakeClock
	pem   []byte
	git   bool // the fake serves git
}

func newAppEnv(t *testing.T, repos ...string) *appEnv {
	t.Helper()
	key, pemKey, err := providertest.GitHubAppKey()
	if err != nil {
		t.Fatal(err)
	}
	e := &appEnv{srv: ghFake(t), clock: newFakeClock(), pem: pemKey, git: true}
	e.srv.SetClock(e.clock.Now)
	err = e.srv.AddApp(providertest.GitHubApp{
		ID: appID, ClientID: appClientID, PublicKey: &key.PublicKey,
		Installations: []providertest.GitHubInstallation{
			{ID: 77, Account: "acme", Permissions: map[string]string{"contents": "write", "metadata": "read", "issues": "write"}},
			{ID: 78, Account: "ada", User: true, Repositories: []string{"notes"}, Permissions: map[string]string{"contents": "read", "metadata": "read"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		owner, name, _ := strings.Cut(r, "/")
		if err := e.srv.AddRepo(owner, name, nil); errors.Is(err, providertest.ErrNoGit) {
			e.git = false
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	e.g = ghProvider(t, e.srv, provider.Config{})
	return e
}

func (e *appEnv) app() provider.GitHubApp {
	return provider.GitHubApp{ID: appClientID, PrivateKey: e.pem, Now: e.clock.Now}
}

func (e *appEnv) source(t *testing.T, app provider.GitHubApp, owner, repo string) pat.Source {
	t.Helper()
	src, err := e.g.InstallationSource(app, owner, repo)
	if err != nil {
		t.Fatalf("InstallationSource: %v", err)
	}
	return src
}

// clone clones owner/name from the fake with go-git and tok's BasicAuth.
func (e *appEnv) clone(t *testing.T, tok pat.Token, owner, name string) error {
	t.Helper()
	if !e.git {
		t.Skip("git is not installed: the fake cannot serve repositories")
	}
	auth, err := e.g.BasicAuth(context.Background(), tok)
	if err != nil {
		return err
	}
	if auth.Username != "x-access-token" {
		t.Errorf("BasicAuth user = %q, want x-access-token", auth.Username)
	}
	_, err = git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: e.srv.URL + "/" + owner + "/" + name + ".git", Auth: auth})
	return err
}

func TestInstallationSourceMintClone(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t, "acme/widgets")
	src := e.source(t, e.app(), "acme", "widgets")
	ctx := context.Background()
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if tok.Kind() != pat.GitHubInstallation || tok.Validate() != nil {
		t.Fatalf("kind %v, Validate %v; want a valid installation token", tok.Kind(), tok.Validate())
	}
	if n := e.srv.Requests("GET /repos/{owner}/{repo}/installation"); n != 1 {
		t.Errorf("installation look-ups = %d, want 1", n)
	}
	if n := e.srv.Requests("POST /app/installations/{id}/access_tokens"); n != 1 {
		t.Errorf("mints = %d, want 1", n)
	}
	if !strings.Contains(tok.Origin(), appClientID) {
		t.Errorf("Origin = %q, want the App named", tok.Origin())
	}
	e.srv.ResetCounts()
	if err := e.clone(t, tok, "acme", "widgets"); err != nil {
		t.Fatalf("clone: %v", err)
	}
	if n := e.srv.Requests("GET /user"); n != 0 {
		t.Errorf("GET /user = %d: the user name of an installation token is decided offline", n)
	}
	// The check an installation token can make.
	rep, err := e.g.CheckScopes(ctx, tok, "repo")
	if err != nil || rep.Scopes != nil || len(rep.Unverified) != 1 || !rep.ExpiresAt.Equal(tok.ExpiresAt()) || rep.ExpiresAt.IsZero() {
		t.Errorf("CheckScopes = %+v, %v; want valid, scopes undisclosed", rep, err)
	}
	// The installation is looked up once: the next mint goes straight to it.
	e.srv.ResetCounts()
	e.clock.Add(time.Hour)
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Requests("GET /repos/{owner}/{repo}/installation"); n != 0 {
		t.Errorf("second mint looked the installation up again (%d)", n)
	}
}

func TestInstallationSourceLookups(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t, "acme/widgets", "ada/notes", "ada/diary")
	ctx := context.Background()
	tests := []struct {
		name        string
		owner, repo string
		install     int64
		routes      map[string]int
		wantErr     error
	}{
		{"repository", "acme", "widgets", 0, map[string]int{"GET /repos/{owner}/{repo}/installation": 1}, nil},
		{"organization", "acme", "", 0, map[string]int{"GET /orgs/{org}/installation": 1}, nil},
		{"user after organization", "ada", "", 0, map[string]int{"GET /orgs/{org}/installation": 1, "GET /users/{user}/installation": 1}, nil},
		{"given ID", "", "", 78, map[string]int{"GET /repos/{owner}/{repo}/installation": 0}, nil},
		{"repository outside the installation", "ada", "diary", 0, nil, provider.ErrAppNotInstalled},
		{"owner without the App", "other", "", 0, nil, provider.ErrAppNotInstalled},
		{"unknown installation", "", "", 999, nil, provider.ErrAppNotInstalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := e.app()
			app.InstallationID = tt.install
			src := e.source(t, app, tt.owner, tt.repo)
			before := map[string]int{}
			for r := range tt.routes {
				before[r] = e.srv.Requests(r)
			}
			_, err := src.Token(ctx)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Token error = %v, want %v", err, tt.wantErr)
			}
			for r, n := range tt.routes {
				if got := e.srv.Requests(r) - before[r]; got != n {
					t.Errorf("%s: %d requests, want %d", r, got, n)
				}
			}
		})
	}
}

func TestInstallationSourceNarrowing(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t, "acme/widgets", "acme/gadgets", "ada/diary")
	ctx := context.Background()

	// Read-only, one repository: clones it, cannot clone the other one.
	app := e.app()
	app.Repositories = []string{"widgets"}
	app.Permissions = map[string]string{"contents": "read"}
	tok, err := e.source(t, app, "acme", "widgets").Token(ctx)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if e.git {
		if err := e.clone(t, tok, "acme", "widgets"); err != nil {
			t.Errorf("clone of the narrowed repository: %v", err)
		}
		if err := e.clone(t, tok, "acme", "gadgets"); err == nil {
			t.Errorf("clone of a repository outside the narrowed token succeeded")
		}
	}

	for _, tt := range []struct {
		name  string
		repos []string
		perms map[string]string
		want  string
	}{
		{"repository outside the installation", []string{"diary"}, nil, providertest.GitHubAppReposDenied},
		{"permission above the installation's", nil, map[string]string{"contents": "admin"}, providertest.GitHubAppPermsDenied},
		{"permission the installation lacks", nil, map[string]string{"administration": "read"}, providertest.GitHubAppPermsDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := e.app()
			app.Repositories, app.Permissions = tt.repos, tt.perms
			_, err := e.source(t, app, "acme", "").Token(ctx)
			if !errors.Is(err, provider.ErrMissingScope) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want ErrMissingScope with %q", err, tt.want)
			}
		})
	}
}

func TestInstallationSourceStatelessToken(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t, "acme/widgets")
	e.srv.SetStatelessTokens(true)
	tok, err := e.source(t, e.app(), "acme", "widgets").Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// GitHub's documented shape: ghs_APPID_JWT, about 520 characters of [A-Za-z0-9._].
	sec := tok.Secret()
	if !regexp.MustCompile(`^ghs_4242_[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$`).MatchString(sec) || len(sec) < 450 || len(sec) > 600 {
		t.Fatalf("stateless token has the wrong shape (%d characters)", len(sec))
	}
	if tok.Kind() != pat.GitHubInstallation || tok.Validate() != nil {
		t.Fatalf("kind %v, Validate %v", tok.Kind(), tok.Validate())
	}
	if err := e.clone(t, tok, "acme", "widgets"); err != nil {
		t.Fatalf("clone with a stateless token: %v", err)
	}
}

// TestInstallationSourceJWT checks the JWT patgit signs through the fake's
// checks: the App's key, the issuer (client ID or app ID), integer times,
// exp inside GitHub's ten minutes even with a clock a little off.
func TestInstallationSourceJWT(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t)
	otherRSA := mustOtherRSAKey(t)
	for _, tt := range []struct {
		name    string
		id      string
		key     []byte
		skew    time.Duration // the source's clock minus the server's
		wantErr string
	}{
		{"client ID", appClientID, e.pem, 0, ""},
		{"app ID", "4242", e.pem, 0, ""},
		{"clock two minutes fast", appClientID, e.pem, 2 * time.Minute, ""},
		{"clock seven minutes slow", appClientID, e.pem, -7 * time.Minute, ""},
		{"clock three minutes fast", appClientID, e.pem, 3 * time.Minute, providertest.GitHubJWTIatInvalid},
		{"clock ten minutes slow", appClientID, e.pem, -10 * time.Minute, providertest.GitHubJWTExpInvalid},
		{"another key", appClientID, otherRSA, 0, providertest.GitHubJWTUndecodable},
		{"unknown issuer", "Iv23liNOSUCHAPP00001", e.pem, 0, providertest.GitHubJWTUndecodable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := e.app()
			app.ID, app.PrivateKey, app.InstallationID = tt.id, tt.key, 77
			app.Now = func() time.Time { return e.clock.Now().Add(tt.skew) }
			_, err := e.source(t, app, "", "").Token(context.Background())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Token: %v", err)
				}
				return
			}
			if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want ErrUnauthorized with %q", err, tt.wantErr)
			}
			if strings.Contains(tt.wantErr, "claim") && !strings.Contains(err.Error(), "clock") {
				t.Errorf("error does not point at the clock: %v", err)
			}
		})
	}
}

// otherKeyPEM is a second App key (PKCS#8), not registered with the fake.
var otherKeyPEM = sync.OnceValue(func() []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
})

func mustOtherRSAKey(t *testing.T) []byte {
	t.Helper()
	k := otherKeyPEM()
	if k == nil {
		t.Fatal("generating a second RSA key failed")
	}
	return k
}

// TestInstallationSourceKeys checks the key forms accepted and that no
// refusal shows any part of the key.
func TestInstallationSourceKeys(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t)
	key, _, _ := providertest.GitHubAppKey()
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	pkcs8PEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	block, _ := pem.Decode(e.pem)
	truncated := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: block.Bytes[:len(block.Bytes)/2]})
	swapped := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: block.Bytes}) // PKCS#1 bytes labelled PKCS#8
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: block.Bytes})
	body := string(e.pem[len("-----BEGIN RSA PRIVATE KEY-----\n") : len(e.pem)-len("-----END RSA PRIVATE KEY-----\n")]) // without the armour

	ok := e.app()
	ok.PrivateKey, ok.InstallationID = pkcs8PEM, 77
	if _, err := e.source(t, ok, "", "").Token(context.Background()); err != nil {
		t.Errorf("PKCS#8 key: %v", err)
	}
	for name, k := range map[string][]byte{
		"nil": nil, "not PEM": []byte(body), "EC key": ecPEM, "truncated": truncated,
		"PKCS#1 labelled PKCS#8": swapped, "encrypted": encrypted,
		"certificate":          pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}),
		"PEM with junk around": append(append([]byte("junk "), truncated...), " junk"...),
	} {
		app := e.app()
		app.PrivateKey = k
		_, err := e.g.InstallationSource(app, "acme", "widgets")
		if !errors.Is(err, provider.ErrInvalidApp) {
			t.Errorf("%s: error = %v, want ErrInvalidApp", name, err)
			continue
		}
		appNoKeyMaterial(t, name, e.pem, err)
	}
}

// appNoKeyMaterial fails when any form of vs (every fmt verb, the error
// chain, JSON, slog) shows a piece of the private key: of the PEM's base64
// body, or of the key's bytes in any encoding (testkit's leak scanner).
func appNoKeyMaterial(t *testing.T, what string, pemKey []byte, vs ...any) {
	t.Helper()
	block, _ := pem.Decode(pemKey)
	if block == nil {
		t.Fatal("appNoKeyMaterial: not PEM")
	}
	body := strings.Join(strings.Fields(string(pemKey[bytes.Index(pemKey, []byte("-----\n"))+6:bytes.LastIndex(pemKey, []byte("-----END"))])), "")
	for i, v := range vs {
		testkit.NoLeak(t, fmt.Sprintf("%s[%d]", what, i), v, body, string(block.Bytes))
	}
}

func TestInstallationSourceRefusals(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t)
	for _, tt := range []struct {
		name        string
		edit        func(*provider.GitHubApp)
		owner, repo string
	}{
		{"no ID", func(a *provider.GitHubApp) { a.ID = "" }, "acme", ""},
		{"ID with a newline", func(a *provider.GitHubApp) { a.ID = "Iv23\nx" }, "acme", ""},
		{"no owner, no installation", func(*provider.GitHubApp) {}, "", ""},
		{"repository without owner", func(*provider.GitHubApp) {}, "", "widgets"},
		{"owner with a slash", func(*provider.GitHubApp) {}, "acme/x", ""},
		{"repository ..", func(*provider.GitHubApp) {}, "acme", ".."},
		{"negative installation", func(a *provider.GitHubApp) { a.InstallationID = -1 }, "acme", ""},
		{"repository with owner", func(a *provider.GitHubApp) { a.Repositories = []string{"acme/widgets"} }, "acme", ""},
		{"bad permission level", func(a *provider.GitHubApp) { a.Permissions = map[string]string{"contents": "all"} }, "acme", ""},
		{"bad permission name", func(a *provider.GitHubApp) { a.Permissions = map[string]string{"Contents\n": "read"} }, "acme", ""},
		{"too many repositories", func(a *provider.GitHubApp) { a.Repositories = make([]string, 501) }, "acme", ""},
	} {
		app := e.app()
		tt.edit(&app)
		if _, err := e.g.InstallationSource(app, tt.owner, tt.repo); !errors.Is(err, provider.ErrInvalidApp) {
			t.Errorf("%s: error = %v, want ErrInvalidApp", tt.name, err)
		} else if strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("%s: error spans lines: %q", tt.name, err)
		}
	}
	// Zero values: an error, never a panic.
	var nilGitHub *provider.GitHub
	if _, err := nilGitHub.InstallationSource(e.app(), "acme", ""); !errors.Is(err, provider.ErrInvalidApp) {
		t.Errorf("nil GitHub: %v", err)
	}
	if _, err := (&provider.GitHub{}).InstallationSource(e.app(), "acme", ""); !errors.Is(err, provider.ErrInvalidApp) {
		t.Errorf("zero GitHub: %v", err)
	}
}

// TestInstallationSourceHostileServer: a server that echoes the JWT back in
// a multi-line message, in every encoding, and then serves a bad token.
func TestInstallationSourceHostileServer(t *testing.T) {
	t.Parallel()
	_, pemKey, err := providertest.GitHubAppKey()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var jwts []string
	mode := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		jwts = append(jwts, strings.TrimPrefix(auth, "Bearer "))
		m := mode
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch m {
		case 0:
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"message": "bad\n\x1b[31m" + auth + "\nagain " + strings.ReplaceAll(auth, ".", "%2E")})
		case 1:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"token":"ghp_notaninstallationtoken000000000000","expires_at":"2099-01-01T00:00:00Z"}`)
		case 2:
			w.WriteHeader(http.StatusCreated)
			w.Write(bytes.Repeat([]byte(" "), 200<<10))
		}
	}))
	defer srv.Close()
	g, err := provider.NewGitHub(provider.Config{BaseURL: srv.URL, APIURL: srv.URL + "/api/v3/"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := g.InstallationSource(provider.GitHubApp{ID: "4242", PrivateKey: pemKey, InstallationID: 1}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for m := range 3 {
		mu.Lock()
		mode = m
		mu.Unlock()
		_, err := src.Token(context.Background())
		if err == nil {
			t.Fatalf("mode %d: no error", m)
		}
		if strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("mode %d: error carries control characters: %q", m, err)
		}
		mu.Lock()
		for _, j := range jwts {
			testkit.NoLeak(t, fmt.Sprintf("mode %d", m), err, j, strings.Split(j, ".")[2]) // the JWT, its signature alone
		}
		mu.Unlock()
	}
}

// TestInstallationSourcePrints: the source prints as a description in every
// form, never showing the key.
func TestInstallationSourcePrints(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t)
	src := e.source(t, e.app(), "acme", "widgets")
	appNoKeyMaterial(t, "source", e.pem, src, []any{src}, struct{ S pat.Source }{src}, &struct{ s pat.Source }{src})
	if got := fmt.Sprint(src); !strings.Contains(got, "acme/widgets") || !strings.Contains(got, appClientID) {
		t.Errorf("String = %q, want the App and the repository", got)
	}
}

// TestInstallationSourceRefresh: mint → clone → expiry → refresh → clone,
// on a fake clock shared by the source and the server.
func TestInstallationSourceRefresh(t *testing.T) {
	t.Parallel()
	for _, stateless := range []bool{false, true} {
		t.Run(fmt.Sprintf("stateless=%v", stateless), func(t *testing.T) {
			t.Parallel()
			e := newAppEnv(t, "acme/widgets")
			e.srv.SetStatelessTokens(stateless)
			src := e.source(t, e.app(), "acme", "widgets")
			ctx := context.Background()
			start := e.clock.Now()
			first, err := src.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := first.ExpiresAt(), start.Add(time.Hour); !got.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v (GitHub's expires_at)", got, want)
			}
			if err := e.clone(t, first, "acme", "widgets"); err != nil {
				t.Fatalf("first clone: %v", err)
			}
			// Before 80 % of the hour: the same token, no request.
			e.clock.Add(47 * time.Minute)
			e.srv.ResetCounts()
			again, err := src.Token(ctx)
			if err != nil || again.Secret() != first.Secret() || e.srv.TotalRequests() != 0 {
				t.Fatalf("at 47 min: same token %v, %d requests, err %v; want the token reused without a request",
					again.Secret() == first.Secret(), e.srv.TotalRequests(), err)
			}
			// Past the expiry: the old token is refused, the source mints anew.
			e.clock.Add(14 * time.Minute)
			expiredErr := e.clone(t, first, "acme", "widgets")
			if expiredErr == nil {
				t.Fatalf("clone with an expired token succeeded")
			}
			second, err := src.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if second.Secret() == first.Secret() {
				t.Fatal("the source returned the expired token")
			}
			if n := e.srv.MintedTokens(); n != 2 {
				t.Errorf("minted %d tokens, want 2", n)
			}
			if err := e.clone(t, second, "acme", "widgets"); err != nil {
				t.Fatalf("clone after refresh: %v", err)
			}
			// Nothing shows a minted token or the key.
			for _, v := range []any{expiredErr, src, first, second} {
				testkit.NoLeak(t, "refresh", v, first.Secret(), second.Secret())
			}
			appNoKeyMaterial(t, "refresh", e.pem, expiredErr, src, first, second)
		})
	}
}

// TestInstallationSourceOneMint: 100 callers asking while a refresh is under
// way share its one mint.
func TestInstallationSourceOneMint(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t)
	gate := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			<-gate
		}
		e.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	g, err := provider.NewGitHub(provider.Config{BaseURL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	app := e.app()
	app.InstallationID = 77
	src, err := g.InstallationSource(app, "", "")
	if err != nil {
		t.Fatal(err)
	}
	const callers = 100
	var started, done sync.WaitGroup
	toks := make([]pat.Token, callers)
	errs := make([]error, callers)
	for i := range callers {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			toks[i], errs[i] = src.Token(context.Background())
		}()
	}
	started.Wait()
	close(gate)
	done.Wait()
	for i := range callers {
		if errs[i] != nil || toks[i].Secret() != toks[0].Secret() {
			t.Fatalf("caller %d: err %v, same token %v", i, errs[i], toks[i].Secret() == toks[0].Secret())
		}
	}
	if n := e.srv.MintedTokens(); n != 1 {
		t.Errorf("%d callers caused %d mints, want 1", callers, n)
	}
}

// TestInstallationSourceRetriesFailedMint: a failed mint is not cached; the
// next call mints.
func TestInstallationSourceRetriesFailedMint(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t)
	app := e.app()
	app.InstallationID = 77
	src := e.source(t, app, "", "")
	route := "POST /app/installations/{id}/access_tokens"
	e.srv.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Status: http.StatusInternalServerError, Route: route, Count: 1})
	if _, err := src.Token(context.Background()); err == nil {
		t.Fatal("the failing mint returned a token")
	}
	tok, err := src.Token(context.Background())
	if err != nil || tok.IsZero() {
		t.Fatalf("second call: %v", err)
	}
	if n := e.srv.Requests(route); n != 2 {
		t.Errorf("%d mint requests, want 2", n)
	}
}

// TestInstallationSourceRequestsPerClone counts the requests of gitauth.Clone
// with an App source: the first clone looks the installation up and mints;
// later clones within 80 % of the token's hour add nothing to git's own.
func TestInstallationSourceRequestsPerClone(t *testing.T) {
	t.Parallel()
	e := newAppEnv(t, "acme/widgets")
	if !e.git {
		t.Skip("git is not installed")
	}
	app := e.app()
	app.Repositories = []string{"widgets"}
	app.Permissions = map[string]string{"contents": "read"}
	src := e.source(t, app, "acme", "widgets")
	opts := gitauth.Options{Provider: provider.Config{BaseURL: e.srv.URL}, Source: src}
	url := e.srv.URL + "/acme/widgets.git"
	var counts []int
	for i := range 3 {
		e.srv.ResetCounts()
		if _, err := gitauth.Clone(context.Background(), url, "", opts, nil); err != nil {
			t.Fatalf("clone %d: %v", i, err)
		}
		api := e.srv.TotalRequests() - e.srv.Requests("git info/refs") - e.srv.Requests("git upload-pack")
		counts = append(counts, e.srv.TotalRequests())
		t.Logf("clone %d: %d requests (%d API: look-up %d, mint %d; git: info/refs %d, upload-pack %d)", i, e.srv.TotalRequests(), api,
			e.srv.Requests("GET /repos/{owner}/{repo}/installation"), e.srv.Requests("POST /app/installations/{id}/access_tokens"),
			e.srv.Requests("git info/refs"), e.srv.Requests("git upload-pack"))
		if want := map[int]int{0: 2, 1: 0, 2: 0}[i]; api != want {
			t.Errorf("clone %d: %d API requests, want %d", i, api, want)
		}
		e.clock.Add(20 * time.Minute)
	}
	if counts[1] != counts[2] {
		t.Errorf("later clones differ: %v", counts)
	}
}
