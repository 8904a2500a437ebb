package contract_test

// Black-box tests of package gitauth: what its exported API and documentation
// promise, checked from outside against the fake hosts. Top-level names in
// this file start with "ga"; pat_provider_test.go shares the package.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// ---------------------------------------------------------------------------------------------
// fixtures

const (
	gaOwner   = "octo"
	gaRepo    = "hello"
	gaLogin   = "ada"
	gaOrg     = "contoso"
	gaProject = "Proj"
	gaAzRepo  = "widgets"
)

// gaUnsetenv removes k for the test and restores it afterwards.
func gaUnsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "")
	os.Unsetenv(k)
}

// gaIsolate isolates git's configuration and clears every token and CI variable
// ([testkit.Isolate]), so that neither the environment nor a credential helper of the
// machine can supply a token. It returns HOME.
func gaIsolate(t *testing.T) string {
	t.Helper()
	return testkit.Isolate(t)
}

// gaNeedGit skips when git is missing (the fakes serve repositories through git http-backend).
func gaNeedGit(t *testing.T) {
	t.Helper()
	if err := providertest.GitAvailable(); err != nil {
		t.Skipf("skipping: %v", err)
	}
}

// gaGH is a fake GitHub Enterprise Server with one repository and a set of tokens.
type gaGH struct {
	s                                   *providertest.GitHubServer
	read, write, none, sso, inst, unreg string
	url                                 string // repository URL as a user writes it
}

func gaGitHub(t *testing.T) *gaGH {
	t.Helper()
	gaNeedGit(t)
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatalf("NewGitHubServer: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.AddRepo(gaOwner, gaRepo, map[string]string{"README.md": "hello\n", "dir/a.txt": "a\n"}); err != nil {
		t.Fatalf("AddRepo: %v", err)
	}
	f := &gaGH{
		s:     s,
		read:  providertest.Token(pat.GitHubClassic, "ga-read"),
		write: providertest.Token(pat.GitHubClassic, "ga-write"),
		none:  providertest.Token(pat.GitHubFineGrained, "ga-none"),
		sso:   providertest.Token(pat.GitHubClassic, "ga-sso"),
		inst:  providertest.Token(pat.GitHubInstallation, "ga-inst"),
		unreg: providertest.Token(pat.GitHubClassic, "ga-unregistered"),
		url:   s.URL + "/" + gaOwner + "/" + gaRepo,
	}
	full := gaOwner + "/" + gaRepo
	s.AddToken(f.read, providertest.GitHubToken{Login: gaLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{full: providertest.AccessRead}})
	s.AddToken(f.write, providertest.GitHubToken{Login: gaLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{full: providertest.AccessWrite}})
	s.AddToken(f.none, providertest.GitHubToken{Login: gaLogin})
	s.AddToken(f.sso, providertest.GitHubToken{Login: gaLogin, Scopes: []string{"repo"}, SSOOrgs: []string{gaOwner}, Repos: map[string]providertest.Access{full: providertest.AccessRead}})
	s.AddToken(f.inst, providertest.GitHubToken{Repos: map[string]providertest.Access{full: providertest.AccessRead}})
	return f
}

func (f *gaGH) opts(tok string) gitauth.Options {
	o := gitauth.Options{Provider: provider.Config{BaseURL: f.s.URL}}
	if tok != "" {
		o.Source = gaStatic(tok)
	}
	return o
}

func (f *gaGH) secrets() []string {
	return []string{f.read, f.write, f.none, f.sso, f.inst, f.unreg}
}

// gaAZ is a fake Azure DevOps organization with one repository and a set of tokens.
type gaAZ struct {
	s                                    *providertest.AzureServer
	read, write, noscope, expired, unreg string
	otherOrg                             string
	url                                  string
}

func gaAzure(t *testing.T) *gaAZ {
	t.Helper()
	gaNeedGit(t)
	s, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatalf("NewAzureServer: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.AddRepo(gaOrg, gaProject, gaAzRepo, map[string]string{"README.md": "azure\n"}); err != nil {
		t.Fatalf("AddRepo: %v", err)
	}
	f := &gaAZ{
		s:        s,
		read:     providertest.Token(pat.AzureDevOps, "ga-az-read"),
		write:    providertest.Token(pat.AzureDevOps, "ga-az-write"),
		noscope:  providertest.Token(pat.AzureDevOps, "ga-az-noscope"),
		expired:  providertest.Token(pat.AzureDevOps, "ga-az-expired"),
		unreg:    providertest.Token(pat.AzureDevOps, "ga-az-unregistered"),
		otherOrg: providertest.Token(pat.AzureDevOps, "ga-az-otherorg"),
		url:      s.OrgURL(gaOrg) + "/" + gaProject + "/_git/" + gaAzRepo,
	}
	s.AddToken(f.read, providertest.AzureToken{UniqueName: "ada@contoso.example", DisplayName: "Ada", Scopes: []string{"vso.code"}})
	s.AddToken(f.write, providertest.AzureToken{UniqueName: "ada@contoso.example", DisplayName: "Ada", Scopes: []string{"vso.code_write"}})
	s.AddToken(f.noscope, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.build"}})
	s.AddToken(f.expired, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}, Expired: true})
	s.AddToken(f.otherOrg, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}, Orgs: []string{"fabrikam"}})
	return f
}

func (f *gaAZ) opts(tok string) gitauth.Options {
	o := gitauth.Options{Provider: provider.Config{BaseURL: f.s.OrgURL(gaOrg)}}
	if tok != "" {
		o.Source = gaStatic(tok)
	}
	return o
}

func (f *gaAZ) secrets() []string {
	return []string{f.read, f.write, f.noscope, f.expired, f.unreg, f.otherOrg}
}

func gaStatic(secret string) pat.Source {
	tok, err := pat.New(secret)
	if err != nil {
		panic(fmt.Sprintf("pat.New of a generated token: %v", err))
	}
	return pat.Static(tok)
}

func gaCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// gaCleanURL is the canonical clone URL the provider names for rawURL.
func gaCleanURL(t *testing.T, rawURL string, cfg provider.Config) string {
	t.Helper()
	p, r, err := provider.ForURL(rawURL, cfg)
	if err != nil {
		t.Fatalf("provider.ForURL(%q): %v", rawURL, err)
	}
	return p.CloneURL(r)
}

// gaNoSecret fails when any formatting of v shows any of the secrets.
func gaNoSecret(t *testing.T, what string, v any, secrets ...string) {
	t.Helper()
	if v == nil {
		return
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		s := fmt.Sprintf(verb, v)
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				t.Errorf("%s formatted with %s holds a secret: %s", what, verb, s)
			}
		}
	}
	if err, ok := v.(error); ok {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(err.Error(), sec) {
				t.Errorf("%s: Error() holds a secret", what)
			}
		}
	}
}

// gaNoSecretInFiles fails when any file under dir holds any of the secrets.
func gaNoSecretInFiles(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, sec := range secrets {
			if sec != "" && bytes.Contains(b, []byte(sec)) {
				t.Errorf("file %s holds a secret", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
}

// gaGuardClient is an HTTP client that refuses (and counts) every request to a host that is not
// loopback: tests that name real hosts (github.com, dev.azure.com) must never reach them.
type gaGuard struct{ n atomic.Int32 }

func (g *gaGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	h := r.URL.Hostname()
	if ip := net.ParseIP(h); (ip != nil && ip.IsLoopback()) || h == "localhost" {
		return http.DefaultTransport.RoundTrip(r)
	}
	g.n.Add(1)
	return nil, fmt.Errorf("contract test: refused request to %s", r.URL.Host)
}

// none fails t if any request was refused: the test reached for a real host.
func (g *gaGuard) none(t *testing.T) {
	t.Helper()
	if n := g.n.Load(); n != 0 {
		t.Errorf("%d requests to a real host", n)
	}
}

func gaGuardClient() (*http.Client, *gaGuard) {
	g := &gaGuard{}
	return &http.Client{Transport: g}, g
}

func gaWantRemoteErr(t *testing.T, err error, op string, status int) *gitauth.RemoteError {
	t.Helper()
	var re *gitauth.RemoteError
	if !errors.As(err, &re) {
		t.Errorf("error is not a *gitauth.RemoteError: %T %v", err, err)
		return nil
	}
	if op != "" && re.Op != op {
		t.Errorf("RemoteError.Op = %q, want %q", re.Op, op)
	}
	if status != 0 && re.Status != status {
		t.Errorf("RemoteError.Status = %d, want %d", re.Status, status)
	}
	return re
}

// ---------------------------------------------------------------------------------------------
// Auth and token sources

func TestGitauthAuthFromSource(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	ctx := gaCtx(t)
	t.Setenv("GH_TOKEN", f.write)            // must be ignored: Source wins
	t.Setenv("GH_ENTERPRISE_TOKEN", f.write) // idem
	f.s.ResetCounts()
	a, err := gitauth.Auth(ctx, f.url, f.opts(f.read))
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Password != f.read {
		t.Errorf("Auth password is not the Source's token")
	}
	if a.Username != gaLogin {
		t.Errorf("Auth user name = %q, want the login %q", a.Username, gaLogin)
	}
	gaNoSecret(t, "BasicAuth (String)", fmt.Sprint(a), f.secrets()...)
	// The login is remembered per token and host: a second Auth does not look it up again.
	if _, err := gitauth.Auth(ctx, f.url, f.opts(f.read)); err != nil {
		t.Fatalf("second Auth: %v", err)
	}
	if n := f.s.Requests("GET /user"); n != 1 {
		t.Errorf("two Auth calls with one token made %d GET /user requests, want 1 (cached)", n)
	}
}

func TestGitauthAuthUsernameConfigSkipsLookup(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	o := f.opts(f.read)
	o.Provider.Username = "configured"
	f.s.ResetCounts()
	a, err := gitauth.Auth(gaCtx(t), f.url, o)
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Username != "configured" || a.Password != f.read {
		t.Errorf("Auth = user %q (password is token: %v), want Config.Username", a.Username, a.Password == f.read)
	}
	if n := f.s.TotalRequests(); n != 0 {
		t.Errorf("Auth with Config.Username made %d requests, want 0", n)
	}
}

func TestGitauthAuthInstallationToken(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	a, err := gitauth.Auth(gaCtx(t), f.url, f.opts(f.inst))
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Username != "x-access-token" {
		t.Errorf("installation token user name = %q, want x-access-token", a.Username)
	}
	if a.Password != f.inst {
		t.Errorf("password is not the token")
	}
}

func TestGitauthAuthGitHubUsernameNeverEmptyNorToken(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	for _, tok := range []string{f.read, f.inst} {
		a, err := gitauth.Auth(gaCtx(t), f.url, f.opts(tok))
		if err != nil {
			t.Fatalf("Auth: %v", err)
		}
		if a.Username == "" || a.Username == tok || strings.Contains(a.Username, tok) {
			t.Errorf("GitHub user name is empty or the token")
		}
	}
}

// github.com and *.ghe.com read GH_TOKEN before GITHUB_TOKEN. Username is configured so that no
// request is made; a guard client proves it.
func TestGitauthAuthEnvGitHubDotCom(t *testing.T) {
	for _, rawURL := range []string{"https://github.com/octo/hello", "https://octo.ghe.com/octo/hello"} {
		t.Run(rawURL, func(t *testing.T) {
			gaIsolate(t)
			client, guard := gaGuardClient()
			o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}}
			ghTok := providertest.Token(pat.GitHubClassic, "ga-env-gh")
			githubTok := providertest.Token(pat.GitHubClassic, "ga-env-github")
			entTok := providertest.Token(pat.GitHubClassic, "ga-env-ent")
			t.Setenv("GH_TOKEN", ghTok)
			t.Setenv("GITHUB_TOKEN", githubTok)
			t.Setenv("GH_ENTERPRISE_TOKEN", entTok)
			a, err := gitauth.Auth(gaCtx(t), rawURL, o)
			if err != nil {
				t.Fatalf("Auth: %v", err)
			}
			if a.Password != ghTok {
				t.Errorf("with GH_TOKEN and GITHUB_TOKEN set, Auth did not use GH_TOKEN")
			}
			if a.Username != gaLogin {
				t.Errorf("user name = %q, want %q", a.Username, gaLogin)
			}
			gaUnsetenv(t, "GH_TOKEN")
			a, err = gitauth.Auth(gaCtx(t), rawURL, o)
			if err != nil {
				t.Fatalf("Auth with GITHUB_TOKEN only: %v", err)
			}
			if a.Password != githubTok {
				t.Errorf("with only GITHUB_TOKEN set, Auth did not use it")
			}
			// GH_TOKEN set but empty counts as unset (first non-empty variable).
			t.Setenv("GH_TOKEN", "")
			if a, err = gitauth.Auth(gaCtx(t), rawURL, o); err != nil || a.Password != githubTok {
				t.Errorf("with empty GH_TOKEN: err=%v, GITHUB_TOKEN used=%v", err, err == nil && a.Password == githubTok)
			}
			// The Enterprise variable is not for github.com.
			gaUnsetenv(t, "GITHUB_TOKEN")
			_, err = gitauth.Auth(gaCtx(t), rawURL, o)
			if !errors.Is(err, pat.ErrNotFound) {
				t.Errorf("only GH_ENTERPRISE_TOKEN set: err = %v, want pat.ErrNotFound", err)
			}
			gaNoSecret(t, "error", err, ghTok, githubTok, entTok)
			guard.none(t)
		})
	}
}

// GitHub Enterprise Server (the fake) reads GH_ENTERPRISE_TOKEN before GITHUB_ENTERPRISE_TOKEN and
// never GH_TOKEN/GITHUB_TOKEN.
func TestGitauthAuthEnvGHES(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	ctx := gaCtx(t)
	o := f.opts("")
	t.Setenv("GH_ENTERPRISE_TOKEN", f.read)
	t.Setenv("GITHUB_ENTERPRISE_TOKEN", f.write)
	t.Setenv("GH_TOKEN", f.sso)
	t.Setenv("GITHUB_TOKEN", f.sso)
	a, err := gitauth.Auth(ctx, f.url, o)
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Password != f.read {
		t.Errorf("GHES: GH_ENTERPRISE_TOKEN was not used first")
	}
	gaUnsetenv(t, "GH_ENTERPRISE_TOKEN")
	if a, err = gitauth.Auth(ctx, f.url, o); err != nil || a.Password != f.write {
		t.Errorf("GHES with only GITHUB_ENTERPRISE_TOKEN: err=%v, used=%v", err, err == nil && a.Password == f.write)
	}
	gaUnsetenv(t, "GITHUB_ENTERPRISE_TOKEN")
	_, err = gitauth.Auth(ctx, f.url, o)
	if err == nil {
		t.Fatalf("GHES with only GH_TOKEN/GITHUB_TOKEN set: Auth found a token, want none (those are github.com's)")
	}
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("err = %v, want pat.ErrNotFound", err)
	}
	var nte *gitauth.NoTokenError
	if !errors.As(err, &nte) {
		t.Errorf("err is %T, want *gitauth.NoTokenError", err)
	} else {
		msg := err.Error()
		i, j := strings.Index(msg, "GH_ENTERPRISE_TOKEN"), strings.Index(msg, "GITHUB_ENTERPRISE_TOKEN")
		if i < 0 || j < 0 || i > j {
			t.Errorf("NoTokenError does not name GH_ENTERPRISE_TOKEN then GITHUB_ENTERPRISE_TOKEN: %q", msg)
		}
		if !strings.Contains(strings.ToLower(msg), "credential") {
			t.Errorf("NoTokenError does not say the git credential helper was tried: %q", msg)
		}
	}
	gaNoSecret(t, "NoTokenError", err, f.secrets()...)
}

func TestGitauthAuthEnvAzure(t *testing.T) {
	gaIsolate(t)
	client, guard := gaGuardClient()
	o := gitauth.Options{Provider: provider.Config{HTTPClient: client}}
	rawURL := "https://dev.azure.com/contoso/Proj/_git/widgets"
	extTok := providertest.Token(pat.AzureDevOps, "ga-env-ext")
	sysTok := providertest.Token(pat.Unknown, "ga-env-sys") // a pipeline JWT
	ghTok := providertest.Token(pat.GitHubClassic, "ga-env-gh-for-az")
	t.Setenv("AZURE_DEVOPS_EXT_PAT", extTok)
	t.Setenv("SYSTEM_ACCESSTOKEN", sysTok)
	t.Setenv("GH_TOKEN", ghTok)
	t.Setenv("GITHUB_TOKEN", ghTok)
	ctx := gaCtx(t)
	a, err := gitauth.Auth(ctx, rawURL, o)
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Password != extTok {
		t.Errorf("Azure: AZURE_DEVOPS_EXT_PAT was not used first")
	}
	if a.Username == extTok {
		t.Errorf("Azure user name is the token")
	}
	if a.Username != "" {
		t.Errorf("Azure Auth user name = %q, want empty (the documented default)", a.Username)
	}
	gaUnsetenv(t, "AZURE_DEVOPS_EXT_PAT")
	if a, err = gitauth.Auth(ctx, rawURL, o); err != nil || a.Password != sysTok {
		t.Errorf("Azure with only SYSTEM_ACCESSTOKEN: err=%v, used=%v", err, err == nil && a.Password == sysTok)
	}
	gaUnsetenv(t, "SYSTEM_ACCESSTOKEN")
	_, err = gitauth.Auth(ctx, rawURL, o)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Azure with only GH_TOKEN: err = %v, want pat.ErrNotFound", err)
	} else {
		msg := err.Error()
		i, j := strings.Index(msg, "AZURE_DEVOPS_EXT_PAT"), strings.Index(msg, "SYSTEM_ACCESSTOKEN")
		if i < 0 || j < 0 || i > j {
			t.Errorf("NoTokenError does not name AZURE_DEVOPS_EXT_PAT then SYSTEM_ACCESSTOKEN: %q", msg)
		}
	}
	gaNoSecret(t, "error", err, extTok, sysTok, ghTok)
	guard.none(t)
}

// The Azure fake (an Azure DevOps host configured by BaseURL) reads the same variables.
func TestGitauthAuthEnvAzureFake(t *testing.T) {
	gaIsolate(t)
	f := gaAzure(t)
	t.Setenv("SYSTEM_ACCESSTOKEN", f.write)
	t.Setenv("AZURE_DEVOPS_EXT_PAT", f.read)
	a, err := gitauth.Auth(gaCtx(t), f.url, f.opts(""))
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Password != f.read {
		t.Errorf("AZURE_DEVOPS_EXT_PAT not used first")
	}
}

func TestGitauthNoTokenErrorGitHub(t *testing.T) {
	gaIsolate(t)
	client, guard := gaGuardClient()
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}}
	_, err := gitauth.Auth(gaCtx(t), "https://github.com/octo/hello.git", o)
	if err == nil {
		t.Fatal("Auth with no token anywhere succeeded")
	}
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("errors.Is(err, pat.ErrNotFound) = false: %v", err)
	}
	var nte *gitauth.NoTokenError
	if !errors.As(err, &nte) {
		t.Fatalf("err is %T, want *gitauth.NoTokenError", err)
	}
	if nte.Host != "github.com" {
		t.Errorf("NoTokenError.Host = %q, want github.com", nte.Host)
	}
	msg := err.Error()
	i, j := strings.Index(msg, "GH_TOKEN"), strings.Index(msg, "GITHUB_TOKEN")
	if i < 0 || j < 0 || i > j {
		t.Errorf("error does not name GH_TOKEN then GITHUB_TOKEN: %q", msg)
	}
	if !strings.Contains(strings.ToLower(msg), "credential") {
		t.Errorf("error does not say the git credential helper was tried: %q", msg)
	}
	var nfe *pat.NotFoundError
	if !errors.As(err, &nfe) {
		t.Errorf("errors.As does not reach *pat.NotFoundError")
	}
	// Resolve reports the same.
	if _, err := gitauth.Resolve(gaCtx(t), "https://github.com/octo/hello.git", o); !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Resolve: %v, want pat.ErrNotFound", err)
	}
	guard.none(t)
}

// gaGlobalHelper writes a global git config whose credential helper answers tok and touches a
// marker file per operation; it returns the marker directory.
func gaGlobalHelper(t *testing.T, home, tok string) string {
	t.Helper()
	markers := filepath.Join(home, "markers")
	if err := os.MkdirAll(markers, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(home, "gitconfig")
	script := fmt.Sprintf(`!f() { touch %q/"$1"; if [ "$1" = get ]; then echo username=helperuser; echo password=%s; fi; }; f`, markers, tok)
	out, err := exec.Command("git", "config", "--file", cfg, "credential.helper", script).CombinedOutput()
	if err != nil {
		t.Fatalf("git config: %v: %s", err, out)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	return markers
}

func gaMarkers(t *testing.T, dir string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// With Source nil, the environment comes before the git credential helper, which is asked last.
func TestGitauthAuthGitCredentialHelperLast(t *testing.T) {
	gaNeedGit(t)
	home := gaIsolate(t)
	helperTok := providertest.Token(pat.GitHubClassic, "ga-helper")
	envTok := providertest.Token(pat.GitHubClassic, "ga-env-first")
	markers := gaGlobalHelper(t, home, helperTok)
	client, guard := gaGuardClient()
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}}
	rawURL := "https://github.com/octo/hello"
	t.Setenv("GH_TOKEN", envTok)
	a, err := gitauth.Auth(gaCtx(t), rawURL, o)
	if err != nil {
		t.Fatalf("Auth: %v", err)
	}
	if a.Password != envTok {
		t.Errorf("GH_TOKEN set: Auth did not prefer it to the credential helper")
	}
	gaUnsetenv(t, "GH_TOKEN")
	a, err = gitauth.Auth(gaCtx(t), rawURL, o)
	if err != nil {
		t.Fatalf("Auth with only the credential helper: %v", err)
	}
	if a.Password != helperTok {
		t.Errorf("Auth did not take the token from the git credential helper")
	}
	if a.Username == "" || a.Username == helperTok {
		t.Errorf("user name empty or the token")
	}
	if got := gaMarkers(t, markers); len(got) == 0 {
		t.Errorf("the git credential helper was never asked")
	}
	guard.none(t)
}

func TestGitauthResolveFormatting(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	t.Setenv("GH_ENTERPRISE_TOKEN", f.read)
	r, err := gitauth.Resolve(gaCtx(t), f.url, f.opts(""))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if r.Token.Secret() != f.read {
		t.Errorf("Resolved.Token is not the env token")
	}
	if !strings.Contains(r.Token.Origin(), "GH_ENTERPRISE_TOKEN") {
		t.Errorf("Token.Origin() = %q, want it to name GH_ENTERPRISE_TOKEN", r.Token.Origin())
	}
	if want := gaCleanURL(t, f.url, f.opts("").Provider); r.CloneURL != want {
		t.Errorf("CloneURL = %q, want %q", r.CloneURL, want)
	}
	gaNoSecret(t, "*Resolved", r, f.secrets()...)
	gaNoSecret(t, "Resolved", *r, f.secrets()...)
	a, err := r.BasicAuth(gaCtx(t))
	if err != nil || a.Password != f.read || a.Username != gaLogin {
		t.Errorf("Resolved.BasicAuth: err=%v", err)
	}
}

// ---------------------------------------------------------------------------------------------
// Clone

func gaReadConfig(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if err != nil {
		t.Fatalf("reading .git/config: %v", err)
	}
	return string(b)
}

func gaCheckClone(t *testing.T, repo *git.Repository, dir, remote, cleanURL string, secrets []string) {
	t.Helper()
	cfg := gaReadConfig(t, dir)
	if !strings.Contains(cfg, "url = "+cleanURL+"\n") {
		t.Errorf(".git/config does not hold the clean URL %q:\n%s", cleanURL, cfg)
	}
	for _, s := range secrets {
		if strings.Contains(cfg, s) {
			t.Errorf(".git/config holds a secret")
		}
	}
	rem, err := repo.Remote(remote)
	if err != nil {
		t.Fatalf("Remote(%q): %v", remote, err)
	}
	if urls := rem.Config().URLs; len(urls) != 1 || urls[0] != cleanURL {
		t.Errorf("remote URLs = %q, want [%q]", urls, cleanURL)
	}
	head, err := repo.Head()
	if err != nil {
		t.Errorf("Head: %v", err)
	} else if head.Name().Short() != "main" {
		t.Errorf("HEAD = %s, want main", head.Name())
	}
	gaNoSecret(t, "*git.Repository", repo, secrets...)
	gaNoSecretInFiles(t, dir, secrets...)
}

func TestGitauthCloneGitHub(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	ctx := gaCtx(t)
	clean := gaCleanURL(t, f.url, f.opts("").Provider)
	for _, rawURL := range []string{f.url, f.url + ".git"} {
		dir := filepath.Join(t.TempDir(), "clone")
		repo, err := gitauth.Clone(ctx, rawURL, dir, f.opts(f.read), nil)
		if err != nil {
			t.Fatalf("Clone(%q) with nil options: %v", rawURL, err)
		}
		gaCheckClone(t, repo, dir, "origin", clean, f.secrets())
		if b, err := os.ReadFile(filepath.Join(dir, "dir", "a.txt")); err != nil || string(b) != "a\n" {
			t.Errorf("worktree file dir/a.txt: %q, %v", b, err)
		}
	}
	if !gitauth.MultiAckEnabled() {
		t.Errorf("MultiAckEnabled() = false after Clone (Clone calls EnableMultiAck)")
	}
}

func TestGitauthCloneInstallationToken(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	dir := filepath.Join(t.TempDir(), "clone")
	repo, err := gitauth.Clone(gaCtx(t), f.url, dir, f.opts(f.inst), nil)
	if err != nil {
		t.Fatalf("Clone with an installation token: %v", err)
	}
	gaCheckClone(t, repo, dir, "origin", gaCleanURL(t, f.url, f.opts("").Provider), f.secrets())
}

func TestGitauthCloneDropsURLCredentials(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	u, _ := url.Parse(f.url)
	junk := "hunter2hunter2junkpassword"
	u.User = url.UserPassword("someone", junk)
	dir := filepath.Join(t.TempDir(), "clone")
	repo, err := gitauth.Clone(gaCtx(t), u.String(), dir, f.opts(f.read), nil)
	if err != nil {
		gaNoSecret(t, "error", err, append(f.secrets(), junk)...)
		t.Fatalf("Clone of a URL with user info: %v", err)
	}
	gaCheckClone(t, repo, dir, "origin", gaCleanURL(t, f.url, f.opts("").Provider), append(f.secrets(), junk, "someone@"))
}

func TestGitauthCloneOptionsNotModified(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	callerAuth := &githttp.BasicAuth{Username: "caller", Password: "caller-password"}
	opts := &git.CloneOptions{
		URL:          "https://example.invalid/not/this.git",
		Auth:         callerAuth,
		RemoteName:   "upstream",
		Depth:        1,
		SingleBranch: true,
		Tags:         git.NoTags,
	}
	before := *opts
	authBefore := *callerAuth
	dir := filepath.Join(t.TempDir(), "clone")
	repo, err := gitauth.Clone(gaCtx(t), f.url, dir, f.opts(f.read), opts)
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	if !reflect.DeepEqual(*opts, before) {
		t.Errorf("caller's CloneOptions modified:\nbefore %+v\nafter  %+v", before, *opts)
	}
	if opts.Auth != transport.AuthMethod(callerAuth) || *callerAuth != authBefore {
		t.Errorf("caller's Auth modified")
	}
	gaCheckClone(t, repo, dir, "upstream", gaCleanURL(t, f.url, f.opts("").Provider), f.secrets())
	if _, err := os.Stat(filepath.Join(dir, ".git", "shallow")); err != nil {
		t.Errorf("Depth 1 was not kept (no .git/shallow): %v", err)
	}
}

func TestGitauthCloneInMemory(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	repo, err := gitauth.Clone(gaCtx(t), f.url, "", f.opts(f.read), nil)
	if err != nil {
		t.Fatalf("in-memory Clone: %v", err)
	}
	if _, err := repo.Head(); err != nil {
		t.Errorf("Head: %v", err)
	}
}

func TestGitauthCloneAzure(t *testing.T) {
	gaIsolate(t)
	f := gaAzure(t)
	clean := gaCleanURL(t, f.url, f.opts("").Provider)
	if strings.HasSuffix(clean, ".git") {
		t.Errorf("Azure clone URL %q ends in .git", clean)
	}
	for _, tok := range []string{f.read, f.write} {
		dir := filepath.Join(t.TempDir(), "clone")
		repo, err := gitauth.Clone(gaCtx(t), f.url, dir, f.opts(tok), nil)
		if err != nil {
			t.Fatalf("Azure Clone (needs multi_ack): %v", err)
		}
		gaCheckClone(t, repo, dir, "origin", clean, f.secrets())
		if b, err := os.ReadFile(filepath.Join(dir, "README.md")); err != nil || string(b) != "azure\n" {
			t.Errorf("README.md: %q, %v", b, err)
		}
	}
	// Shallow clone too, with caller options that must stay untouched.
	opts := &git.CloneOptions{Depth: 1}
	before := *opts
	dir := filepath.Join(t.TempDir(), "shallow")
	if _, err := gitauth.Clone(gaCtx(t), f.url, dir, f.opts(f.read), opts); err != nil {
		t.Fatalf("shallow Azure Clone: %v", err)
	}
	if !reflect.DeepEqual(*opts, before) {
		t.Errorf("caller's CloneOptions modified")
	}
}

// gaCloneFails runs a clone that must fail, and checks the error and that nothing is left.
func gaCloneFails(t *testing.T, rawURL string, o gitauth.Options, secrets []string, preexisting bool) error {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	if preexisting {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	repo, err := gitauth.Clone(gaCtx(t), rawURL, dir, o, nil)
	if err == nil {
		t.Fatalf("Clone succeeded, want an error")
	}
	if repo != nil {
		t.Errorf("failed Clone returned a non-nil repository")
	}
	gaNoSecret(t, "Clone error", err, secrets...)
	if preexisting {
		ents, serr := os.ReadDir(dir)
		if serr != nil {
			t.Errorf("pre-existing empty dir is gone after a failed clone: %v", serr)
		} else if len(ents) != 0 {
			t.Errorf("failed clone left %d entries in the pre-existing dir", len(ents))
		}
	} else if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Errorf("failed clone left the directory it created (stat: %v)", serr)
	}
	return err
}

func TestGitauthCloneFailuresGitHub(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	sec := f.secrets()
	missing := f.s.URL + "/" + gaOwner + "/nope"
	withUser := func(tok string) gitauth.Options { o := f.opts(tok); o.Provider.Username = gaLogin; return o }
	for _, pre := range []bool{false, true} {
		t.Run(fmt.Sprintf("preexisting=%v", pre), func(t *testing.T) {
			// Bad token, found out by the user look-up.
			err := gaCloneFails(t, f.url, f.opts(f.unreg), sec, pre)
			if !errors.Is(err, provider.ErrUnauthorized) {
				t.Errorf("bad token: %v, want provider.ErrUnauthorized", err)
			}
			// Bad token, found out by git itself (user name configured).
			err = gaCloneFails(t, f.url, withUser(f.unreg), sec, pre)
			if !errors.Is(err, provider.ErrUnauthorized) {
				t.Errorf("bad token (git): %v, want provider.ErrUnauthorized", err)
			}
			if re := gaWantRemoteErr(t, err, "clone", 401); re != nil {
				if want := gaCleanURL(t, f.url, f.opts("").Provider); re.Remote != want {
					t.Errorf("RemoteError.Remote = %q, want %q", re.Remote, want)
				}
				if re.Repo != gaOwner+"/"+gaRepo {
					t.Errorf("RemoteError.Repo = %q", re.Repo)
				}
			}
			if !errors.Is(err, transport.ErrAuthenticationRequired) {
				t.Errorf("401 does not also match transport.ErrAuthenticationRequired: %v", err)
			}
			// No access: GitHub hides the repository (404).
			err = gaCloneFails(t, f.url, f.opts(f.none), sec, pre)
			if !errors.Is(err, gitauth.ErrRepoNotFound) {
				t.Errorf("no access: %v, want gitauth.ErrRepoNotFound", err)
			}
			gaWantRemoteErr(t, err, "clone", 404)
			// Repository not found.
			err = gaCloneFails(t, missing, f.opts(f.read), sec, pre)
			if !errors.Is(err, gitauth.ErrRepoNotFound) {
				t.Errorf("missing repo: %v, want gitauth.ErrRepoNotFound", err)
			}
			// SAML SSO.
			err = gaCloneFails(t, f.url, f.opts(f.sso), sec, pre)
			if !errors.Is(err, provider.ErrSSORequired) {
				t.Errorf("SSO: %v, want provider.ErrSSORequired", err)
			}
			var ssoErr *provider.SSOError
			if !errors.As(err, &ssoErr) {
				t.Errorf("SSO: errors.As *provider.SSOError failed")
			}
			gaWantRemoteErr(t, err, "clone", 403)
			// A token of the other provider's kind never goes to the host.
			azTok := providertest.Token(pat.AzureDevOps, "ga-mismatch")
			f.s.ResetCounts()
			err = gaCloneFails(t, f.url, f.opts(azTok), append(sec, azTok), pre)
			if !errors.Is(err, provider.ErrTokenMismatch) {
				t.Errorf("AZDO token to GitHub: %v, want provider.ErrTokenMismatch", err)
			}
			if n := f.s.Requests("git info/refs") + f.s.Requests("git upload-pack"); n != 0 {
				t.Errorf("AZDO token to GitHub: %d git requests reached the host", n)
			}
		})
	}
}

func TestGitauthCloneFailuresAzure(t *testing.T) {
	gaIsolate(t)
	f := gaAzure(t)
	sec := f.secrets()
	for _, c := range []struct {
		name, url, tok string
		want           error
	}{
		{"bad token", f.url, f.unreg, provider.ErrUnauthorized},
		{"expired", f.url, f.expired, provider.ErrUnauthorized},
		{"no vso.code", f.url, f.noscope, provider.ErrUnauthorized},
		{"other org only", f.url, f.otherOrg, provider.ErrUnauthorized},
		{"missing repo", f.s.OrgURL(gaOrg) + "/" + gaProject + "/_git/nope", f.read, gitauth.ErrRepoNotFound},
		{"ghp to azure", f.url, providertest.Token(pat.GitHubClassic, "ga-mismatch-az"), provider.ErrTokenMismatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.s.ResetCounts()
			err := gaCloneFails(t, c.url, f.opts(c.tok), append(sec, c.tok), false)
			if !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if c.want == provider.ErrTokenMismatch {
				if n := f.s.TotalRequests(); n != 0 {
					t.Errorf("%d requests reached the host with the other provider's token", n)
				}
			} else {
				gaWantRemoteErr(t, err, "clone", 0)
			}
		})
	}
}

func TestGitauthCloneTruncatedTransferLeavesNothing(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultTruncatedBody, Route: "git upload-pack"})
	for _, pre := range []bool{false, true} {
		gaCloneFails(t, f.url, f.opts(f.read), f.secrets(), pre)
	}
}

func TestGitauthCloneRefusesNonEmptyDir(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := gitauth.Clone(gaCtx(t), f.url, dir, f.opts(f.read), nil)
	if !errors.Is(err, gitauth.ErrNotEmpty) {
		t.Errorf("clone into a non-empty dir: %v, want ErrNotEmpty", err)
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Errorf("the caller's file was touched")
	}
	// A directory that holds a repository.
	dir2 := filepath.Join(t.TempDir(), "c")
	if _, err := gitauth.Clone(gaCtx(t), f.url, dir2, f.opts(f.read), nil); err != nil {
		t.Fatalf("Clone: %v", err)
	}
	_, err = gitauth.Clone(gaCtx(t), f.url, dir2, f.opts(f.read), nil)
	if !errors.Is(err, git.ErrRepositoryAlreadyExists) && !errors.Is(err, gitauth.ErrNotEmpty) {
		t.Errorf("clone over a repository: %v, want git.ErrRepositoryAlreadyExists", err)
	}
	if _, serr := os.Stat(filepath.Join(dir2, ".git", "config")); serr != nil {
		t.Errorf("refused clone damaged the existing repository: %v", serr)
	}
}

// ---------------------------------------------------------------------------------------------
// Probe

func gaProbeOnce(t *testing.T, reqs func() int, reset func(), o gitauth.Options, rawURL string, auth transport.AuthMethod, access gitauth.Access) error {
	t.Helper()
	reset()
	err := o.Probe(gaCtx(t), rawURL, auth, access)
	if n := reqs(); n != 1 {
		t.Errorf("Probe %s made %d requests, want exactly 1", access, n)
	}
	return err
}

func TestGitauthProbeGitHub(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	o := f.opts("")
	ba := func(tok string) *githttp.BasicAuth { return &githttp.BasicAuth{Username: gaLogin, Password: tok} }
	missing := f.s.URL + "/" + gaOwner + "/nope"
	total := f.s.TotalRequests
	cases := []struct {
		name   string
		url    string
		auth   transport.AuthMethod
		access gitauth.Access
		want   error
		status int
	}{
		{"read ok", f.url, ba(f.read), gitauth.Read, nil, 0},
		{"read ok .git", f.url + ".git", ba(f.read), gitauth.Read, nil, 0},
		{"write ok", f.url, ba(f.write), gitauth.Write, nil, 0},
		{"read with write token", f.url, ba(f.write), gitauth.Read, nil, 0},
		{"installation read", f.url, &githttp.BasicAuth{Username: "x-access-token", Password: f.inst}, gitauth.Read, nil, 0},
		{"write with read token", f.url, ba(f.read), gitauth.Write, gitauth.ErrAccessDenied, 403},
		{"bad token", f.url, ba(f.unreg), gitauth.Read, provider.ErrUnauthorized, 401},
		{"bad token write", f.url, ba(f.unreg), gitauth.Write, provider.ErrUnauthorized, 401},
		{"anonymous", f.url, nil, gitauth.Read, provider.ErrUnauthorized, 401},
		{"no access", f.url, ba(f.none), gitauth.Read, gitauth.ErrRepoNotFound, 404},
		{"missing repo", missing, ba(f.read), gitauth.Read, gitauth.ErrRepoNotFound, 404},
		{"sso", f.url, ba(f.sso), gitauth.Read, provider.ErrSSORequired, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := gaProbeOnce(t, total, f.s.ResetCounts, o, c.url, c.auth, c.access)
			if c.want == nil {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				if n := f.s.Requests("git upload-pack") + f.s.Requests("git receive-pack"); n != 0 {
					t.Errorf("Probe moved objects (%d pack requests)", n)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Probe err = %v, want %v", err, c.want)
			}
			op := "probe read"
			if c.access == gitauth.Write {
				op = "probe write"
			}
			re := gaWantRemoteErr(t, err, op, c.status)
			if re != nil && re.Repo != gaOwner+"/"+gaRepo && c.url != missing {
				t.Errorf("RemoteError.Repo = %q", re.Repo)
			}
			if !strings.Contains(err.Error(), gaOwner+"/") {
				t.Errorf("Probe error does not name the repository: %q", err.Error())
			}
			if c.want == provider.ErrSSORequired {
				var se *provider.SSOError
				if !errors.As(err, &se) {
					t.Errorf("errors.As *provider.SSOError failed")
				}
			}
			gaNoSecret(t, "Probe error", err, f.secrets()...)
		})
	}
	// Write refusal message.
	err := o.Probe(gaCtx(t), f.url, ba(f.read), gitauth.Write)
	if err == nil || !strings.Contains(err.Error(), "read but not write") {
		t.Errorf("write probe with a read-only token: %v, want \"token can read but not write ...\"", err)
	}
}

func TestGitauthProbeTokenMismatch(t *testing.T) {
	gaIsolate(t)
	client, guard := gaGuardClient()
	ghTok := providertest.Token(pat.GitHubClassic, "ga-probe-mm")
	azTok := providertest.Token(pat.AzureDevOps, "ga-probe-mm")
	o := gitauth.Options{Provider: provider.Config{HTTPClient: client}}
	err := o.Probe(gaCtx(t), "https://dev.azure.com/contoso/Proj/_git/widgets", &githttp.BasicAuth{Password: ghTok}, gitauth.Read)
	if !errors.Is(err, provider.ErrTokenMismatch) {
		t.Errorf("ghp_ to dev.azure.com: %v, want ErrTokenMismatch", err)
	}
	gaNoSecret(t, "error", err, ghTok)
	err = gitauth.Probe(gaCtx(t), "https://github.com/octo/hello", &githttp.BasicAuth{Username: "x", Password: azTok}, gitauth.Read)
	if !errors.Is(err, provider.ErrTokenMismatch) {
		t.Errorf("AZDO to github.com: %v, want ErrTokenMismatch", err)
	}
	gaNoSecret(t, "error", err, azTok)
	guard.none(t)
	// On the fakes: no request at all.
	gh := gaGitHub(t)
	gh.s.ResetCounts()
	err = gh.opts("").Probe(gaCtx(t), gh.url, &githttp.BasicAuth{Username: gaLogin, Password: azTok}, gitauth.Read)
	if !errors.Is(err, provider.ErrTokenMismatch) {
		t.Errorf("AZDO token to the GitHub fake: %v, want ErrTokenMismatch", err)
	}
	if n := gh.s.TotalRequests(); n != 0 {
		t.Errorf("mismatched Probe made %d requests, want 0", n)
	}
}

func TestGitauthProbeAzure(t *testing.T) {
	gaIsolate(t)
	f := gaAzure(t)
	o := f.opts("")
	ba := func(tok string) *githttp.BasicAuth { return &githttp.BasicAuth{Password: tok} }
	missing := f.s.OrgURL(gaOrg) + "/" + gaProject + "/_git/nope"
	cases := []struct {
		name   string
		url    string
		auth   transport.AuthMethod
		access gitauth.Access
		want   []error // any of
	}{
		{"read ok", f.url, ba(f.read), gitauth.Read, nil},
		{"read ok with org user", f.url, &githttp.BasicAuth{Username: gaOrg, Password: f.read}, gitauth.Read, nil},
		{"write ok", f.url, ba(f.write), gitauth.Write, nil},
		{"write with read token", f.url, ba(f.read), gitauth.Write, []error{provider.ErrUnauthorized, gitauth.ErrAccessDenied}},
		{"bad token", f.url, ba(f.unreg), gitauth.Read, []error{provider.ErrUnauthorized}},
		{"expired", f.url, ba(f.expired), gitauth.Read, []error{provider.ErrUnauthorized}},
		{"no vso.code", f.url, ba(f.noscope), gitauth.Read, []error{provider.ErrUnauthorized}},
		{"missing repo", missing, ba(f.read), gitauth.Read, []error{gitauth.ErrRepoNotFound}},
		{"anonymous", f.url, nil, gitauth.Read, []error{provider.ErrUnauthorized}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := gaProbeOnce(t, f.s.TotalRequests, f.s.ResetCounts, o, c.url, c.auth, c.access)
			if c.want == nil {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				return
			}
			t.Logf("Probe %s: %v", c.name, err)
			ok := false
			for _, w := range c.want {
				ok = ok || errors.Is(err, w)
			}
			if !ok {
				t.Fatalf("Probe err = %v, want one of %v", err, c.want)
			}
			var re *gitauth.RemoteError
			if !errors.As(err, &re) {
				t.Errorf("not a *RemoteError: %T", err)
			}
			gaNoSecret(t, "Probe error", err, f.secrets()...)
		})
	}
	// A 203 sign-in page is not a git answer: ErrUnauthorized and ErrNotSmartHTTP.
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultHTML, Status: 203, Route: "git info/refs"})
	err := gaProbeOnce(t, f.s.TotalRequests, f.s.ResetCounts, o, f.url, ba(f.read), gitauth.Read)
	if !errors.Is(err, provider.ErrUnauthorized) || !errors.Is(err, gitauth.ErrNotSmartHTTP) {
		t.Errorf("203 sign-in page: %v, want ErrUnauthorized and ErrNotSmartHTTP", err)
	}
	f.s.SetFault(providertest.Fault{})
}

// ---------------------------------------------------------------------------------------------
// Command

// gaEnvMap resolves cmd.Env as exec does: the last value of a key wins.
func gaEnvMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func gaCheckCmd(t *testing.T, cmd *exec.Cmd, args []string, secrets ...string) map[string]string {
	t.Helper()
	if cmd == nil {
		t.Fatal("Command returned a nil *exec.Cmd")
	}
	if filepath.Base(cmd.Path) != "git" && filepath.Base(cmd.Args[0]) != "git" {
		t.Errorf("command is not git: Path=%q Args[0]=%q", cmd.Path, cmd.Args[0])
	}
	if len(cmd.Args) < 1 || !reflect.DeepEqual(cmd.Args[1:], args) {
		t.Errorf("cmd.Args = %q, want git %q", cmd.Args, args)
	}
	for _, a := range cmd.Args {
		for _, s := range secrets {
			if strings.Contains(a, s) {
				t.Errorf("the token is in argv")
			}
		}
	}
	env := gaEnvMap(cmd.Env)
	for k, v := range env {
		if strings.HasPrefix(k, "GIT_CONFIG") {
			for _, s := range secrets {
				if strings.Contains(v, s) || strings.Contains(k, s) {
					t.Errorf("the token is in %s", k)
				}
			}
		}
	}
	for _, kv := range cmd.Env {
		for _, s := range secrets {
			if strings.Contains(kv, s) && !strings.HasPrefix(kv, gitauth.EnvToken+"=") {
				k, _, _ := strings.Cut(kv, "=")
				t.Errorf("the token is in environment variable %s (documented only in %s)", k, gitauth.EnvToken)
			}
		}
	}
	if env["GIT_TERMINAL_PROMPT"] != "0" {
		t.Errorf("GIT_TERMINAL_PROMPT = %q, want 0", env["GIT_TERMINAL_PROMPT"])
	}
	n, err := strconv.Atoi(env["GIT_CONFIG_COUNT"])
	if err != nil || n < 2 {
		t.Errorf("GIT_CONFIG_COUNT = %q, want the helper entries", env["GIT_CONFIG_COUNT"])
	}
	helpers := 0
	for i := 0; i < n; i++ {
		k := env["GIT_CONFIG_KEY_"+strconv.Itoa(i)]
		if strings.HasPrefix(k, "credential.") && strings.HasSuffix(k, ".helper") {
			helpers++
		}
	}
	if helpers < 2 {
		t.Errorf("want a reset and a helper entry among GIT_CONFIG_KEY_n, got %d helper keys", helpers)
	}
	if env["GIT_CONFIG_KEY_0"] == "credential.helper" {
		t.Errorf("the helper is not scoped to the remote's host")
	}
	return env
}

func TestGitauthCommandGitHub(t *testing.T) {
	home := gaIsolate(t)
	f := gaGitHub(t)
	ctx := gaCtx(t)
	markers := gaGlobalHelper(t, home, providertest.Token(pat.GitHubClassic, "ga-user-helper"))
	userHelperTok := providertest.Token(pat.GitHubClassic, "ga-user-helper")
	clean := gaCleanURL(t, f.url, f.opts("").Provider)
	args := []string{"ls-remote", clean}
	cmd, err := gitauth.Command(ctx, f.url, f.opts(f.read), args...)
	if err != nil {
		t.Fatalf("Command: %v", err)
	}
	gaCheckCmd(t, cmd, args, f.secrets()...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-remote: %v\n%s", err, gaStderr(err))
	}
	if !strings.Contains(string(out), "refs/heads/main") {
		t.Errorf("ls-remote output lacks refs/heads/main: %s", out)
	}
	if m := gaMarkers(t, markers); len(m) != 0 {
		t.Errorf("the user's own credential helper was used (%v): Command must reset the helper list", m)
	}
	// git clone with it: no token in any file of the clone.
	dir := filepath.Join(t.TempDir(), "cli")
	cmd, err = gitauth.Command(ctx, f.url, f.opts(f.read), "clone", "--quiet", clean, dir)
	if err != nil {
		t.Fatalf("Command: %v", err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, stderr.String())
	}
	for _, s := range f.secrets() {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("git's stderr holds the token")
		}
	}
	gaNoSecretInFiles(t, dir, append(f.secrets(), userHelperTok)...)
	gaNoSecretInFiles(t, home, f.secrets()...)
	if m := gaMarkers(t, markers); len(m) != 0 {
		t.Errorf("the user's own credential helper was asked or handed the token (%v)", m)
	}
	cfg := gaReadConfig(t, dir)
	if !strings.Contains(cfg, "url = "+clean) {
		t.Errorf("cli clone .git/config does not hold the clean URL:\n%s", cfg)
	}
	// A refused token fails rather than prompting.
	cmd, err = gitauth.Command(ctx, f.url, f.opts(f.unreg), "ls-remote", clean)
	if err == nil {
		cmd.Stdin = nil
		runErr := gaRunWithTimeout(t, cmd, 30*time.Second)
		if runErr == nil {
			t.Errorf("ls-remote with a bad token succeeded")
		}
	} else {
		gaNoSecret(t, "Command error", err, f.secrets()...)
	}
}

func gaStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

func gaRunWithTimeout(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("git hung (prompting?): %s", out.String())
		return errors.New("timeout")
	}
}

func TestGitauthCommandKeepsCallerConfig(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	t.Setenv("GIT_CONFIG_COUNT", "2")
	t.Setenv("GIT_CONFIG_KEY_0", "user.name")
	t.Setenv("GIT_CONFIG_VALUE_0", "Contract Tester")
	t.Setenv("GIT_CONFIG_KEY_1", "core.abbrev")
	t.Setenv("GIT_CONFIG_VALUE_1", "12")
	t.Cleanup(func() { os.Unsetenv("GIT_CONFIG_KEY_1"); os.Unsetenv("GIT_CONFIG_VALUE_1") })
	cmd, err := gitauth.Command(gaCtx(t), f.url, f.opts(f.read), "config", "--get", "user.name")
	if err != nil {
		t.Fatalf("Command: %v", err)
	}
	env := gaCheckCmd(t, cmd, []string{"config", "--get", "user.name"}, f.secrets()...)
	if env["GIT_CONFIG_KEY_0"] != "user.name" || env["GIT_CONFIG_VALUE_0"] != "Contract Tester" ||
		env["GIT_CONFIG_KEY_1"] != "core.abbrev" || env["GIT_CONFIG_VALUE_1"] != "12" {
		t.Errorf("caller's GIT_CONFIG entries replaced: %q", cmd.Env)
	}
	if n, _ := strconv.Atoi(env["GIT_CONFIG_COUNT"]); n < 4 {
		t.Errorf("GIT_CONFIG_COUNT = %d, want the caller's 2 plus patgit's", n)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git config: %v %s", err, gaStderr(err))
	}
	if strings.TrimSpace(string(out)) != "Contract Tester" {
		t.Errorf("git sees user.name = %q", out)
	}
	// And the credentials still work with the caller's entries present.
	clean := gaCleanURL(t, f.url, f.opts("").Provider)
	cmd, err = gitauth.Command(gaCtx(t), f.url, f.opts(f.read), "ls-remote", clean)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "refs/heads/main") {
		t.Errorf("ls-remote: %v %s %s", err, out, gaStderr(err))
	}
}

func TestGitauthCommandAzure(t *testing.T) {
	gaIsolate(t)
	f := gaAzure(t)
	ctx := gaCtx(t)
	clean := gaCleanURL(t, f.url, f.opts("").Provider)
	cmd, err := gitauth.Command(ctx, f.url, f.opts(f.read), "ls-remote", clean)
	if err != nil {
		t.Fatalf("Command: %v", err)
	}
	env := gaCheckCmd(t, cmd, []string{"ls-remote", clean}, f.secrets()...)
	if u := env[gitauth.EnvUser]; u == "" || u == f.read {
		t.Errorf("%s = %q: empty or the token", gitauth.EnvUser, u)
	} else if !strings.EqualFold(u, gaOrg) {
		t.Errorf("%s = %q, want the organization %q", gitauth.EnvUser, u, gaOrg)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-remote: %v\n%s", err, gaStderr(err))
	}
	if !strings.Contains(string(out), "refs/heads/main") {
		t.Errorf("ls-remote output: %s", out)
	}
	dir := filepath.Join(t.TempDir(), "cli")
	cmd, err = gitauth.Command(ctx, f.url, f.opts(f.read), "clone", "--quiet", clean, dir)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	gaNoSecretInFiles(t, dir, f.secrets()...)
}

func TestGitauthCommandNoToken(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	_, err := gitauth.Command(gaCtx(t), f.url, f.opts(""), "ls-remote", f.url)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Command with no token: %v, want pat.ErrNotFound", err)
	}
}

// ---------------------------------------------------------------------------------------------
// CredentialHelper

func gaHelper(t *testing.T, op, in string, o gitauth.Options) (string, error) {
	t.Helper()
	var out bytes.Buffer
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("CredentialHelper(%q, %q) panicked: %v", op, in, r)
			}
		}()
		err = gitauth.CredentialHelper(gaCtx(t), op, strings.NewReader(in), &out, o)
	}()
	return out.String(), err
}

func gaParseAnswer(t *testing.T, out string) pat.Credential {
	t.Helper()
	c, err := pat.ReadCredential(bufio.NewReader(strings.NewReader(out)))
	if err != nil {
		t.Fatalf("answer is not a credential message: %v", err)
	}
	return c
}

func TestGitauthCredentialHelperGitHubDotCom(t *testing.T) {
	gaIsolate(t)
	client, guard := gaGuardClient()
	tok := providertest.Token(pat.GitHubClassic, "ga-ch")
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}, Source: gaStatic(tok)}
	out, err := gaHelper(t, "get", "protocol=https\nhost=github.com\n\n", o)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	c := gaParseAnswer(t, out)
	if c.Username != gaLogin || c.Password.Secret() != tok {
		t.Errorf("answer user=%q password-is-token=%v", c.Username, c.Password.Secret() == tok)
	}
	if c.Protocol != "https" || c.Host != "github.com" {
		t.Errorf("answer protocol=%q host=%q", c.Protocol, c.Host)
	}
	if c.Path != "" {
		t.Errorf("answered a path git did not send: %q", c.Path)
	}
	// With a path, the path is echoed.
	out, err = gaHelper(t, "get", "protocol=https\nhost=github.com\npath=octo/hello.git\n", o)
	if err != nil {
		t.Fatalf("get with path: %v", err)
	}
	if c := gaParseAnswer(t, out); c.Path != "octo/hello.git" || c.Password.Secret() != tok {
		t.Errorf("with path: path=%q", c.Path)
	}
	// From the environment when Source is nil.
	o.Source = nil
	t.Setenv("GH_TOKEN", tok)
	out, err = gaHelper(t, "get", "protocol=https\nhost=github.com\n", o)
	if err != nil || !strings.Contains(out, "password=") {
		t.Errorf("get from GH_TOKEN: err=%v, answered=%v", err, strings.Contains(out, "password="))
	} else if c := gaParseAnswer(t, out); c.Password.Secret() != tok {
		t.Errorf("get from GH_TOKEN answered another token")
	}
	// *.ghe.com is known.
	out, err = gaHelper(t, "get", "protocol=https\nhost=octo.ghe.com\n", o)
	if err != nil || !strings.Contains(out, "password=") {
		t.Errorf("get for octo.ghe.com: err=%v, answered=%v", err, out != "")
	}
	guard.none(t)
}

func TestGitauthCredentialHelperFakes(t *testing.T) {
	gaIsolate(t)
	gh := gaGitHub(t)
	az := gaAzure(t)
	ghHost := strings.TrimPrefix(gh.s.URL, "http://")
	out, err := gaHelper(t, "get", "protocol=http\nhost="+ghHost+"\n", gh.opts(gh.read))
	if err != nil {
		t.Fatalf("get (GHES fake over loopback http): %v", err)
	}
	if out == "" {
		t.Fatalf("no answer for the configured loopback GitHub host")
	}
	c := gaParseAnswer(t, out)
	if c.Username != gaLogin || c.Password.Secret() != gh.read {
		t.Errorf("GHES: user=%q, password-is-token=%v", c.Username, c.Password.Secret() == gh.read)
	}
	// Azure: the organization as user name, unless git sent one.
	azHost := strings.TrimPrefix(az.s.URL, "http://")
	in := "protocol=http\nhost=" + azHost + "\npath=" + gaOrg + "/" + gaProject + "/_git/" + gaAzRepo + "\n"
	out, err = gaHelper(t, "get", in, az.opts(az.read))
	if err != nil || out == "" {
		t.Fatalf("Azure get: err=%v, answered=%v", err, out != "")
	}
	c = gaParseAnswer(t, out)
	if c.Password.Secret() != az.read {
		t.Errorf("Azure: password is not the token")
	}
	if c.Username == "" || c.Username == az.read {
		t.Errorf("Azure: user name empty or the token")
	} else if !strings.EqualFold(c.Username, gaOrg) {
		t.Errorf("Azure: user name = %q, want the organization", c.Username)
	}
	out, err = gaHelper(t, "get", in+"username=bob\n", az.opts(az.read))
	if err != nil {
		t.Fatalf("Azure get with username: %v", err)
	}
	if c := gaParseAnswer(t, out); c.Username != "bob" {
		t.Errorf("Azure: git sent username=bob, answered %q", c.Username)
	}
	// Without a path, Azure host (BaseURL names an organization): still answers, non-empty user.
	out, err = gaHelper(t, "get", "protocol=http\nhost="+azHost+"\n", az.opts(az.read))
	if err != nil || out == "" {
		t.Errorf("Azure get without path: err=%v answered=%v", err, out != "")
	} else if c := gaParseAnswer(t, out); c.Username == "" || c.Password.Secret() != az.read {
		t.Errorf("Azure without path: user=%q", c.Username)
	}
	// The real git CLI using the helper semantics end to end is covered by Command.
	gaNoSecret(t, "Credential", c, az.secrets()...)
}

func TestGitauthCredentialHelperSilent(t *testing.T) {
	home := gaIsolate(t)
	client, guard := gaGuardClient()
	tok := providertest.Token(pat.GitHubClassic, "ga-ch-silent")
	azTok := providertest.Token(pat.AzureDevOps, "ga-ch-silent")
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}, Source: gaStatic(tok)}
	oAz := gitauth.Options{Provider: provider.Config{HTTPClient: client}, Source: gaStatic(azTok)}
	cases := []struct {
		name string
		in   string
		o    gitauth.Options
	}{
		{"unknown host", "protocol=https\nhost=example.com\n", o},
		{"look-alike github", "protocol=https\nhost=github.com.evil\n", o},
		{"look-alike azure", "protocol=https\nhost=dev.azure.com.evil.example\n", oAz},
		{"not visualstudio", "protocol=https\nhost=notvisualstudio.com\n", oAz},
		{"azure-server-looking path on unknown host", "protocol=https\nhost=tfs.evil.example\npath=coll/proj/_git/repo\n", oAz},
		{"http to github.com", "protocol=http\nhost=github.com\n", o},
		{"http to dev.azure.com", "protocol=http\nhost=dev.azure.com\npath=contoso/p/_git/r\n", oAz},
		{"ssh", "protocol=ssh\nhost=github.com\n", o},
		{"unknown loopback host", "protocol=http\nhost=127.0.0.1:1\n", o},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := gaHelper(t, "get", c.in, c.o)
			if err != nil {
				t.Errorf("want silence (nil error), got %v", err)
				gaNoSecret(t, "error", err, tok, azTok)
			}
			if out != "" {
				t.Errorf("want no answer, got %d bytes (token handed over: %v)", len(out), strings.Contains(out, tok) || strings.Contains(out, azTok))
			}
		})
	}
	// No token anywhere: silent, and it never asks `git credential fill` (git would call it again).
	markers := gaGlobalHelper(t, home, providertest.Token(pat.GitHubClassic, "ga-ch-global"))
	o.Source = nil
	out, err := gaHelper(t, "get", "protocol=https\nhost=github.com\n", o)
	if err != nil || out != "" {
		t.Errorf("no token: want silence, got err=%v out=%d bytes", err, len(out))
	}
	if m := gaMarkers(t, markers); len(m) != 0 {
		t.Errorf("CredentialHelper asked git's credential helpers (%v)", m)
	}
	guard.none(t)
}

func TestGitauthCredentialHelperStoreErase(t *testing.T) {
	gaIsolate(t)
	tok := providertest.Token(pat.GitHubClassic, "ga-ch-store")
	client, _ := gaGuardClient()
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}, Source: gaStatic(tok)}
	other := providertest.Token(pat.GitHubClassic, "ga-ch-other")
	for _, op := range []string{"store", "erase"} {
		out, err := gaHelper(t, op, "protocol=https\nhost=github.com\nusername=ada\npassword="+other+"\n\n", o)
		if err != nil {
			t.Errorf("%s: %v", op, err)
		}
		if out != "" {
			t.Errorf("%s answered %d bytes, want nothing", op, len(out))
		}
	}
}

func TestGitauthCredentialHelperMalformed(t *testing.T) {
	gaIsolate(t)
	tok := providertest.Token(pat.GitHubClassic, "ga-ch-bad")
	client, _ := gaGuardClient()
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}, Source: gaStatic(tok)}
	badPw := "with space"
	cases := []struct{ name, op, in string }{
		{"unknown op", "frobnicate", "protocol=https\nhost=github.com\n"},
		{"empty op", "", "protocol=https\nhost=github.com\n"},
		{"no equals", "get", "protocol=https\nhost github.com\n"},
		{"empty key", "get", "=x\nhost=github.com\n"},
		{"repeated key", "get", "protocol=https\nhost=github.com\nhost=example.com\n"},
		{"NUL", "get", "protocol=https\nhost=github.com\x00\n"},
		{"CR", "get", "protocol=https\r\nhost=github.com\r\n"},
		{"long line", "get", "protocol=https\nhost=" + strings.Repeat("a", pat.MaxCredentialLine+10) + "\n"},
		{"bad password", "get", "protocol=https\nhost=github.com\npassword=" + badPw + "\n"},
		{"url with password", "get", "url=https://u:" + tok + "@github.com/x\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := gaHelper(t, c.op, c.in, o)
			if err == nil {
				t.Errorf("want an error, got nil (answer %d bytes)", len(out))
			}
			if strings.Contains(out, tok) {
				t.Errorf("answered the token to a malformed request")
			}
			gaNoSecret(t, "error", err, tok)
		})
	}
	// store/erase are documented as "read the input and answer nothing"; only "get" is documented
	// to parse strictly, so malformed store/erase input may be accepted, but never answered.
	for _, op := range []string{"store", "erase"} {
		if out, _ := gaHelper(t, op, "garbage\x00\r\n=\n", o); out != "" {
			t.Errorf("%s answered malformed input", op)
		}
	}
	// Odd but not necessarily malformed: must not panic.
	for _, in := range []string{"", "\n", "protocol=https\n", "host=github.com\n", "protocol=https\nhost=\n", "protocol=https\nhost=github.com:99999999999\n", "protocol=https\nhost=[::1\n"} {
		out, _ := gaHelper(t, "get", in, o)
		if strings.Contains(out, tok) && !strings.Contains(in, "github.com\n") {
			t.Errorf("input %q got the token", in)
		}
	}
}

// A reader that fails must give an error, not a panic or an answer.
type gaErrReader struct{}

func (gaErrReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

func TestGitauthCredentialHelperReadError(t *testing.T) {
	gaIsolate(t)
	tok := providertest.Token(pat.GitHubClassic, "ga-ch-rd")
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin}, Source: gaStatic(tok)}
	var out bytes.Buffer
	err := gitauth.CredentialHelper(gaCtx(t), "get", io.MultiReader(strings.NewReader("protocol=https\n"), gaErrReader{}), &out, o)
	if err == nil {
		t.Errorf("read error: want an error")
	}
	if out.Len() != 0 {
		t.Errorf("answered despite a read error")
	}
}

// ---------------------------------------------------------------------------------------------
// Cross-provider tokens, look-alike hosts, redirects, submodules

func TestGitauthTokenMismatchEveryEntryPoint(t *testing.T) {
	gaIsolate(t)
	az := gaAzure(t)
	gh := gaGitHub(t)
	ghTok := providertest.Token(pat.GitHubClassic, "ga-mm-gh")
	azTok := providertest.Token(pat.AzureDevOps, "ga-mm-az")
	az.s.ResetCounts()
	gh.s.ResetCounts()
	// Auth
	if a, err := gitauth.Auth(gaCtx(t), az.url, az.opts(ghTok)); err == nil {
		t.Logf("Auth ghp_ → Azure returned credentials (user %q)", a.Username)
		if a.Password == ghTok {
			t.Errorf("Auth handed a ghp_ token for an Azure DevOps remote")
		}
	} else if !errors.Is(err, provider.ErrTokenMismatch) {
		t.Errorf("Auth ghp_ → Azure: %v, want ErrTokenMismatch", err)
	}
	if a, err := gitauth.Auth(gaCtx(t), gh.url, gh.opts(azTok)); err == nil {
		if a.Password == azTok {
			t.Errorf("Auth handed an AZDO token for a GitHub remote")
		}
	} else if !errors.Is(err, provider.ErrTokenMismatch) {
		t.Errorf("Auth AZDO → GitHub: %v, want ErrTokenMismatch", err)
	}
	// Command
	if cmd, err := gitauth.Command(gaCtx(t), az.url, az.opts(ghTok), "ls-remote", az.url); err == nil {
		for _, kv := range cmd.Env {
			if strings.Contains(kv, ghTok) {
				t.Errorf("Command put a ghp_ token in the environment of a git for an Azure remote")
			}
		}
	} else {
		if !errors.Is(err, provider.ErrTokenMismatch) {
			t.Errorf("Command ghp_ → Azure: %v, want ErrTokenMismatch", err)
		}
		gaNoSecret(t, "error", err, ghTok)
	}
	// CredentialHelper
	azHost := strings.TrimPrefix(az.s.URL, "http://")
	out, err := gaHelper(t, "get", "protocol=http\nhost="+azHost+"\npath="+gaOrg+"/"+gaProject+"/_git/"+gaAzRepo+"\n", az.opts(ghTok))
	if strings.Contains(out, ghTok) {
		t.Errorf("CredentialHelper answered a ghp_ token for an Azure host (err=%v)", err)
	}
	ghHost := strings.TrimPrefix(gh.s.URL, "http://")
	out, err = gaHelper(t, "get", "protocol=http\nhost="+ghHost+"\n", gh.opts(azTok))
	if strings.Contains(out, azTok) {
		t.Errorf("CredentialHelper answered an AZDO token for a GitHub host (err=%v)", err)
	}
	gaNoSecret(t, "error", err, azTok)
	if n := az.s.TotalRequests(); n != 0 {
		t.Errorf("Azure fake got %d requests", n)
	}
	if n := gh.s.Requests("git info/refs"); n != 0 {
		t.Errorf("GitHub fake got %d git requests", n)
	}
}

func TestGitauthLookAlikeHostsRefused(t *testing.T) {
	gaIsolate(t)
	client, guard := gaGuardClient()
	ghTok := providertest.Token(pat.GitHubClassic, "ga-la-gh")
	azTok := providertest.Token(pat.AzureDevOps, "ga-la-az")
	t.Setenv("GH_TOKEN", ghTok)
	t.Setenv("GITHUB_TOKEN", ghTok)
	t.Setenv("AZURE_DEVOPS_EXT_PAT", azTok)
	t.Setenv("SYSTEM_ACCESSTOKEN", azTok)
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}}
	for _, u := range []string{
		"https://github.com.evil/octo/hello",
		"https://dev.azure.com.evil.example/contoso/Proj/_git/widgets",
		"https://notvisualstudio.com/DefaultCollection/Proj/_git/widgets",
		"https://github.com\\@evil.example/octo/hello",
		"https://a@b@github.com/octo/hello",
		"https://github.com/octo/hel\x01lo",
	} {
		a, err := gitauth.Auth(gaCtx(t), u, o)
		if err == nil {
			t.Errorf("Auth(%q) succeeded (password is a known token: %v)", u, a.Password == ghTok || a.Password == azTok)
			continue
		}
		gaNoSecret(t, "error", err, ghTok, azTok)
		if _, err := gitauth.Command(gaCtx(t), u, o, "ls-remote", "x"); err == nil {
			t.Errorf("Command(%q) succeeded", u)
		}
	}
	guard.none(t)
}

// Probe and Clone drop credentials on a redirect to another host name.
func TestGitauthRedirectDropsCredentials(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultRedirect, Location: rec.OtherURL, Route: "git info/refs"})
	err = f.opts("").Probe(gaCtx(t), f.url, &githttp.BasicAuth{Username: gaLogin, Password: f.read}, gitauth.Read)
	if err == nil {
		t.Errorf("Probe through a cross-host redirect to a 404 server succeeded")
	}
	gaNoSecret(t, "Probe error", err, f.secrets()...)
	gaCloneFails(t, f.url, f.opts(f.read), f.secrets(), false)
	cmd, cerr := gitauth.Command(gaCtx(t), f.url, f.opts(f.read), "ls-remote", gaCleanURL(t, f.url, f.opts("").Provider))
	if cerr == nil {
		_ = gaRunWithTimeout(t, cmd, 30*time.Second)
	}
	if len(rec.Requests()) == 0 {
		t.Errorf("the redirect never reached the recorder (test set-up)")
	}
	if n := rec.Credentialed(); n != 0 {
		for _, r := range rec.Requests() {
			t.Logf("recorder got %s %s%s auth=%v", r.Method, r.Host, r.Path, r.Authorization != "")
		}
		t.Errorf("%d requests carried credentials to another host after a redirect", n)
	}
}

func gaGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %q: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gaSuperRepo makes OWNER/name on the fake whose main holds gitlinks to hello at the given URLs.
func gaSuperRepo(t *testing.T, f *gaGH, name string, subs map[string]string) {
	t.Helper()
	if err := f.s.AddRepo(gaOwner, name, nil); err != nil {
		t.Fatal(err)
	}
	bare := f.s.RepoDir(gaOwner, name)
	work := filepath.Join(t.TempDir(), "work")
	gaGit(t, "", "clone", "--quiet", bare, work)
	helloSHA := gaGit(t, "", "--git-dir", f.s.RepoDir(gaOwner, gaRepo), "rev-parse", "main")
	var modules strings.Builder
	for path, u := range subs {
		gaGit(t, work, "update-index", "--add", "--cacheinfo", "160000,"+helloSHA+","+path)
		fmt.Fprintf(&modules, "[submodule %q]\n\tpath = %s\n\turl = %s\n", path, path, u)
	}
	if err := os.WriteFile(filepath.Join(work, ".gitmodules"), []byte(modules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	gaGit(t, work, "add", ".gitmodules")
	gaGit(t, work, "commit", "--quiet", "-m", "submodules")
	gaGit(t, work, "push", "--quiet", "origin", "HEAD:main")
}

// With RecurseSubmodules, a submodule on the remote's own host is fetched with the credentials,
// and one on another host without them.
func TestGitauthCloneSubmodules(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	helloURL := f.s.URL + "/" + gaOwner + "/" + gaRepo + ".git"
	gaSuperRepo(t, f, "same", map[string]string{"sub": helloURL})
	gaSuperRepo(t, f, "elsewhere", map[string]string{"sub": rec.OtherURL + "/" + gaOwner + "/" + gaRepo + ".git"})
	f.s.AddToken(f.read, providertest.GitHubToken{Login: gaLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{
		gaOwner + "/" + gaRepo: providertest.AccessRead, gaOwner + "/same": providertest.AccessRead, gaOwner + "/elsewhere": providertest.AccessRead}})
	rec1 := &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth}

	dir := filepath.Join(t.TempDir(), "same")
	if _, err := gitauth.Clone(gaCtx(t), f.s.URL+"/"+gaOwner+"/same", dir, f.opts(f.read), rec1); err != nil {
		t.Errorf("clone with a same-host private submodule: %v", err)
	} else {
		if _, err := os.Stat(filepath.Join(dir, "sub", "README.md")); err != nil {
			t.Errorf("same-host submodule not checked out: %v", err)
		}
		gaNoSecretInFiles(t, dir, f.secrets()...)
	}

	dir = filepath.Join(t.TempDir(), "elsewhere")
	superURL := gaCleanURL(t, f.s.URL+"/"+gaOwner+"/elsewhere", f.opts("").Provider)
	_, err = gitauth.Clone(gaCtx(t), f.s.URL+"/"+gaOwner+"/elsewhere", dir, f.opts(f.read), rec1)
	gaNoSecret(t, "error", err, f.secrets()...)
	if len(rec.Requests()) == 0 {
		t.Errorf("the other-host submodule was never fetched (test set-up)")
	}
	if n := rec.Credentialed(); n != 0 {
		t.Errorf("%d submodule requests carried credentials to another host", n)
	}
	if err != nil {
		// The submodule's host answered 404; the superproject was served fine.
		var re *gitauth.RemoteError
		if errors.As(err, &re) && re.Remote == superURL && errors.Is(err, gitauth.ErrRepoNotFound) {
			t.Errorf("a 404 from the submodule's host (%s) is reported as the superproject not found: Remote=%q Repo=%q: %v",
				rec.OtherURL, re.Remote, re.Repo, err)
		}
		if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
			t.Errorf("failed clone left its directory")
		}
	}
}

func TestGitauthCommandHelperScopedToHost(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	clean := gaCleanURL(t, f.url, f.opts("").Provider)
	u, _ := url.Parse(clean)
	for _, c := range []struct {
		target string
		want   bool
	}{
		{u.Scheme + "://" + u.Host + "/", true},
		{u.Scheme + "://" + providertest.OtherHost(u.Scheme + "://" + u.Host)[len(u.Scheme+"://"):] + "/", false},
		{"https://github.com/", false},
		{"http://127.0.0.1:1/", false},
	} {
		cmd, err := gitauth.Command(gaCtx(t), f.url, f.opts(f.read), "config", "--get-urlmatch", "credential.helper", c.target)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := cmd.Output()
		got := strings.TrimSpace(string(out))
		if c.want && got == "" {
			t.Errorf("no credential helper for the remote's own host %s", c.target)
		}
		if !c.want && got != "" {
			t.Errorf("a credential helper is configured for another host %s: %q", c.target, got)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Push, concurrency, cancellation

func TestGitauthPush(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	dir := filepath.Join(t.TempDir(), "clone")
	repo, err := gitauth.Clone(gaCtx(t), f.url, dir, f.opts(f.read), nil)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add("new.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("new", &git.CommitOptions{Author: &object.Signature{Name: "T", Email: "t@example.invalid", When: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	err = gitauth.Push(gaCtx(t), repo, f.url, f.opts(f.read), nil)
	if !errors.Is(err, gitauth.ErrAccessDenied) {
		t.Errorf("push with a read token: %v, want ErrAccessDenied", err)
	} else if !strings.Contains(err.Error(), "read but not write") {
		t.Errorf("push refusal does not say \"can read but not write\": %q", err)
	}
	gaNoSecret(t, "Push error", err, f.secrets()...)
	po := &git.PushOptions{RemoteName: "origin"}
	before := *po
	if err := gitauth.Push(gaCtx(t), repo, f.url, f.opts(f.write), po); err != nil {
		t.Fatalf("push with a write token: %v", err)
	}
	if !reflect.DeepEqual(*po, before) {
		t.Errorf("caller's PushOptions modified")
	}
	if err := gitauth.Push(gaCtx(t), repo, f.url, f.opts(f.write), nil); !errors.Is(err, git.NoErrAlreadyUpToDate) {
		t.Errorf("second push: %v, want git.NoErrAlreadyUpToDate", err)
	}
	if cfg := gaReadConfig(t, dir); strings.Contains(cfg, f.write) || strings.Contains(cfg, f.read) {
		t.Errorf(".git/config holds a token after Push")
	}
}

func TestGitauthConcurrentClones(t *testing.T) {
	gaIsolate(t)
	gh := gaGitHub(t)
	az := gaAzure(t)
	errs := make(chan error, 8)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := gitauth.Clone(context.Background(), az.url, "", az.opts(az.read), nil)
			errs <- err
		}()
		go func() {
			_, err := gitauth.Clone(context.Background(), gh.url, "", gh.opts(gh.read), nil)
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Errorf("concurrent clone: %v", err)
		}
	}
}

func TestGitauthCloneCanceledLeavesNothing(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "clone")
	if _, err := gitauth.Clone(ctx, f.url, dir, f.opts(f.read), nil); err == nil {
		t.Errorf("Clone with a canceled context succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("canceled clone left its directory")
	}
}

func TestGitauthProbeUsesConfiguredClient(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	var n atomic.Int32
	client := &http.Client{Transport: gaCountRT{&n}}
	o := f.opts("")
	o.Provider.HTTPClient = client
	if err := o.Probe(gaCtx(t), f.url, &githttp.BasicAuth{Username: gaLogin, Password: f.read}, gitauth.Read); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if n.Load() != 1 {
		t.Errorf("Options.Provider.HTTPClient made %d requests, want 1", n.Load())
	}
}

type gaCountRT struct{ n *atomic.Int32 }

func (c gaCountRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// gaCommitPush clones rawURL into memory-backed dir, commits a file and pushes it with tok.
func gaCommitPush(t *testing.T, rawURL string, o gitauth.Options, name string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pusher")
	repo, err := gitauth.Clone(gaCtx(t), rawURL, dir, o, nil)
	if err != nil {
		t.Fatalf("clone for push: %v", err)
	}
	wt, _ := repo.Worktree()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add(name); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit(name, &git.CommitOptions{Author: &object.Signature{Name: "T", Email: "t@example.invalid", When: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := gitauth.Push(gaCtx(t), repo, rawURL, o, nil); err != nil {
		t.Fatalf("push: %v", err)
	}
}

func TestGitauthFetch(t *testing.T) {
	gaIsolate(t)
	gh := gaGitHub(t)
	az := gaAzure(t)
	for _, c := range []struct {
		name, url   string
		read, write gitauth.Options
		secrets     []string
	}{
		{"github", gh.url, gh.opts(gh.read), gh.opts(gh.write), gh.secrets()},
		{"azure", az.url, az.opts(az.read), az.opts(az.write), az.secrets()},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			repo, err := gitauth.Clone(gaCtx(t), c.url, dir, c.read, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := gitauth.Fetch(gaCtx(t), repo, c.url, c.read, nil); !errors.Is(err, git.NoErrAlreadyUpToDate) {
				t.Errorf("fetch with nothing new: %v, want NoErrAlreadyUpToDate", err)
			}
			gaCommitPush(t, c.url, c.write, "second.txt")
			fo := &git.FetchOptions{}
			before := *fo
			if err := gitauth.Fetch(gaCtx(t), repo, c.url, c.read, fo); err != nil {
				t.Fatalf("fetch after a new commit: %v", err)
			}
			if !reflect.DeepEqual(*fo, before) {
				t.Errorf("caller's FetchOptions modified")
			}
			ref, err := repo.Reference("refs/remotes/origin/main", true)
			if err != nil {
				t.Fatalf("origin/main: %v", err)
			}
			commit, err := repo.CommitObject(ref.Hash())
			if err != nil || commit.Message != "second.txt" {
				t.Errorf("origin/main is not the pushed commit: %v", err)
			}
			gaNoSecretInFiles(t, dir, c.secrets...)
			// A bad token on fetch.
			bad := c.read
			bad.Source = gaStatic(providertest.Token(pat.Identify(gaFirst(c.secrets)), "ga-fetch-bad"))
			if c.name == "github" {
				bad.Provider.Username = gaLogin
			}
			err = gitauth.Fetch(gaCtx(t), repo, c.url, bad, nil)
			if !errors.Is(err, provider.ErrUnauthorized) {
				t.Errorf("fetch with a bad token: %v, want ErrUnauthorized", err)
			}
			gaWantRemoteErr(t, err, "fetch", 401)
		})
	}
}

func gaFirst(s []string) string { return s[0] }

func TestGitauthCommandEnvAndContext(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	t.Setenv("GA_CONTRACT_MARKER", "kept")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd, err := gitauth.Command(ctx, f.url, f.opts(f.read), "version")
	if err != nil {
		t.Fatal(err)
	}
	if gaEnvMap(cmd.Env)["GA_CONTRACT_MARKER"] != "kept" {
		t.Errorf("Command's environment does not inherit the current one")
	}
	if cmd.Cancel == nil {
		t.Errorf("Command is not bound to ctx (cmd.Cancel is nil)")
	}
	cancel()
	if err := cmd.Run(); err == nil {
		t.Errorf("Command ran with a canceled context")
	}
}

func TestGitauthMalformedEnvTokenStops(t *testing.T) {
	gaIsolate(t)
	client, guard := gaGuardClient()
	o := gitauth.Options{Provider: provider.Config{Username: gaLogin, HTTPClient: client}}
	badValue := "ghp_secretpart1 secretpart2"
	good := providertest.Token(pat.GitHubClassic, "ga-malformed-next")
	t.Setenv("GH_TOKEN", badValue)
	t.Setenv("GITHUB_TOKEN", good)
	a, err := gitauth.Auth(gaCtx(t), "https://github.com/octo/hello", o)
	if err == nil {
		t.Errorf("a malformed GH_TOKEN was skipped (used GITHUB_TOKEN: %v); pat says a malformed value stops a chain", a.Password == good)
	} else {
		if errors.Is(err, pat.ErrNotFound) {
			t.Errorf("malformed GH_TOKEN reported as not found: %v", err)
		}
		for _, part := range []string{badValue, "secretpart1", "secretpart2"} {
			if strings.Contains(err.Error(), part) || strings.Contains(fmt.Sprintf("%+v", err), part) {
				t.Errorf("error shows the malformed value: %q", err)
			}
		}
	}
	guard.none(t)
}

func TestGitauthProbeRetriesAndTimeouts(t *testing.T) {
	gaIsolate(t)
	f := gaGitHub(t)
	ba := &githttp.BasicAuth{Username: gaLogin, Password: f.read}
	o := f.opts("")
	// One 503, then a normal answer: retried, success, 2 requests.
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Status: 503, Count: 1, Route: "git info/refs"})
	f.s.ResetCounts()
	if err := o.Probe(gaCtx(t), f.url, ba, gitauth.Read); err != nil {
		t.Errorf("Probe after one 503: %v", err)
	}
	if n := f.s.TotalRequests(); n != 2 {
		t.Errorf("Probe after one 503 made %d requests, want 2", n)
	}
	// Always 503: at most 1+MaxRetries requests, a *provider.HostError.
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultStatus, Status: 503, Route: "git info/refs"})
	f.s.ResetCounts()
	err := o.Probe(gaCtx(t), f.url, ba, gitauth.Read)
	var he *provider.HostError
	if !errors.As(err, &he) {
		t.Errorf("Probe with 503s: %T %v, want *provider.HostError", err, err)
	}
	if n := f.s.TotalRequests(); n != 1+provider.MaxRetries {
		t.Errorf("Probe with 503s made %d requests, want %d", n, 1+provider.MaxRetries)
	}
	gaNoSecret(t, "error", err, f.secrets()...)
	// Slow headers with a short Timeout.
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultSlowHeaders, Route: "git info/refs"})
	o.Provider.Timeout = 300 * time.Millisecond
	start := time.Now()
	err = o.Probe(gaCtx(t), f.url, ba, gitauth.Read)
	if !errors.As(err, &he) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Probe with slow headers: %v, want *provider.HostError matching context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Probe took %v with a 300ms Timeout", d)
	}
	// 2xx that is not git on GitHub.
	f.s.SetFault(providertest.Fault{Kind: providertest.FaultHTML, Route: "git info/refs"})
	err = o.Probe(gaCtx(t), f.url, ba, gitauth.Read)
	if !errors.Is(err, provider.ErrUnauthorized) || !errors.Is(err, gitauth.ErrNotSmartHTTP) {
		t.Errorf("HTML 200: %v, want ErrUnauthorized and ErrNotSmartHTTP", err)
	}
	f.s.SetFault(providertest.Fault{})
}

func TestGitauthCloneURLForms(t *testing.T) {
	gaIsolate(t)
	gh := gaGitHub(t)
	az := gaAzure(t)
	ghClean := gaCleanURL(t, gh.url, gh.opts("").Provider)
	azClean := gaCleanURL(t, az.url, az.opts("").Provider)
	for _, c := range []struct {
		raw, clean string
		o          gitauth.Options
	}{
		{gh.url + "/", ghClean, gh.opts(gh.read)},
		{gh.url + "/tree/main", ghClean, gh.opts(gh.read)},
		{gh.url + "/blob/main/README.md", ghClean, gh.opts(gh.read)},
		{az.url + "?path=%2FREADME.md&version=GBmain", azClean, az.opts(az.read)},
		{az.s.OrgURL(gaOrg) + "/" + gaProject + "/_git/_optimized/" + gaAzRepo, azClean, az.opts(az.read)},
	} {
		dir := filepath.Join(t.TempDir(), "c")
		repo, err := gitauth.Clone(gaCtx(t), c.raw, dir, c.o, nil)
		if err != nil {
			t.Errorf("Clone(%q): %v", c.raw, err)
			continue
		}
		gaCheckClone(t, repo, dir, "origin", c.clean, append(gh.secrets(), az.secrets()...))
	}
}
