package bench

// The request budgets of DESIGN.md, asserted as ordinary tests: request
// counts are deterministic, times are not (the benchmarks report those).
//
//	GitHub CheckScopes          1 request per check; concurrent checks of one token share it
//	Azure DevOps CheckScopes    1 to validate + 1 per distinct probed scope; no SDK discovery
//	gitauth.Probe               1 request
//	BasicAuth after CheckScopes 0 more requests
//	gitauth.Clone               go-git's own requests (+1 user look-up, once per token)

import (
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

func TestBudgetGitHubCheckScopes(t *testing.T) {
	e := newGitHub(t)
	fine := providertest.Token(pat.GitHubFineGrained, "budget")
	e.srv.AddToken(fine, providertest.GitHubToken{Login: ghLogin})
	inst := providertest.Token(pat.GitHubInstallation, "budget")
	e.srv.AddToken(inst, providertest.GitHubToken{})
	tests := []struct {
		name   string
		secret string
		ttl    time.Duration // negative: no cache
		checks int
		want   int
	}{
		{"classic, uncached: one per check", e.secret, -1, 3, 3},
		{"classic, cached: one in all", e.secret, 0, 3, 1},
		{"fine-grained, uncached", fine, -1, 2, 2},
		{"installation, uncached", inst, -1, 2, 2},
		{"installation, cached", inst, 0, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := pat.New(tt.secret)
			mustCheck(t, err)
			g := e.provider(t, provider.Config{CacheTTL: tt.ttl})
			e.srv.ResetCounts()
			for range tt.checks {
				if _, err := g.CheckScopes(background, tok); err != nil {
					t.Fatalf("CheckScopes: %v", err)
				}
			}
			if got := e.srv.TotalRequests(); got != tt.want {
				t.Errorf("%d checks sent %d requests, want %d", tt.checks, got, tt.want)
			}
		})
	}
}

func TestBudgetGitHubConcurrent(t *testing.T) {
	for _, n := range []int{20, concurrentChecks} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			// A server of its own: the check cache is process-wide.
			e := newGitHub(t)
			g := e.provider(t, provider.Config{})
			e.srv.ResetCounts()
			var wg sync.WaitGroup
			errs := make(chan error, n)
			start := make(chan struct{})
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					rep, err := g.CheckScopes(background, e.tok, "repo")
					if err == nil && rep.User != ghLogin {
						err = errors.New("report user " + rep.User)
					}
					errs <- err
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("CheckScopes: %v", err)
				}
			}
			if got := e.srv.Requests("GET /user"); got != 1 || e.srv.TotalRequests() != 1 {
				t.Errorf("%d concurrent checks of one token: GET /user %d, total %d; want 1", n, got, e.srv.TotalRequests())
			}
		})
	}
}

func TestBudgetAzureCheckScopes(t *testing.T) {
	e := newAzure(t)
	tests := []struct {
		name     string
		required []string
		want     int
		missing  bool
	}{
		{"validate only", nil, 1, false},
		{"one read scope", []string{"vso.code"}, 2, false},
		{"the same scope twice", []string{"vso.code", "vso.code"}, 2, false},
		{"a write scope probes its read scope", []string{"vso.code_write"}, 2, false},
		{"a write scope and its read scope share a probe", []string{"vso.code", "vso.code_write"}, 2, false},
		{"two distinct scopes", []string{"vso.code", "vso.build"}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.provider(t, provider.Config{CacheTTL: -1})
			e.srv.ResetCounts()
			_, err := a.CheckScopes(background, e.tok, tt.required...)
			if tt.missing != errors.Is(err, provider.ErrMissingScope) || (!tt.missing && err != nil) {
				t.Fatalf("CheckScopes(%v): %v", tt.required, err)
			}
			if got := e.srv.TotalRequests(); got != tt.want {
				t.Errorf("CheckScopes(%v) sent %d requests, want %d", tt.required, got, tt.want)
			}
			if n := e.srv.Requests("GET connectionData"); n != 1 {
				t.Errorf("connectionData requests = %d, want 1", n)
			}
			for _, route := range []string{"OPTIONS /_apis", "GET ResourceAreas"} {
				if n := e.srv.Requests(route); n != 0 {
					t.Errorf("%s requests = %d, want 0 (the SDK's discovery is not paid)", route, n)
				}
			}
		})
	}
}

func TestBudgetProbe(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	gh := newGitHub(t)
	gh.addSmall(t)
	az := newAzure(t)
	if err := az.srv.AddRepo(azOrg, azProject, azRepo, nil); err != nil {
		t.Fatalf("AddRepo: %v", err)
	}
	type server interface {
		ResetCounts()
		TotalRequests() int
	}
	tests := []struct {
		name    string
		srv     server
		url     string
		auth    *githttp.BasicAuth
		access  gitauth.Access
		wantErr bool
	}{
		{"github read", gh.srv, gh.repoURL(ghSmall), &githttp.BasicAuth{Username: ghLogin, Password: gh.secret}, gitauth.Read, false},
		{"github write, read-only token", gh.srv, gh.repoURL(ghSmall), &githttp.BasicAuth{Username: ghLogin, Password: gh.secret}, gitauth.Write, true},
		{"github read, bad token", gh.srv, gh.repoURL(ghSmall), &githttp.BasicAuth{Username: ghLogin, Password: providertest.Token(pat.GitHubClassic, "nobody")}, gitauth.Read, true},
		{"azure read", az.srv, az.srv.OrgURL(azOrg) + "/" + azProject + "/_git/" + azRepo, &githttp.BasicAuth{Password: az.secret}, gitauth.Read, false},
		{"azure write, read-only token", az.srv, az.srv.OrgURL(azOrg) + "/" + azProject + "/_git/" + azRepo, &githttp.BasicAuth{Password: az.secret}, gitauth.Write, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := gh.srv.URL
			if tt.srv == az.srv {
				base = az.srv.OrgURL(azOrg)
			}
			opts := gitauth.Options{Provider: provider.Config{BaseURL: base}}
			tt.srv.ResetCounts()
			err := opts.Probe(background, tt.url, tt.auth, tt.access)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Probe: %v, want error %v", err, tt.wantErr)
			}
			if got := tt.srv.TotalRequests(); got != 1 {
				t.Errorf("Probe sent %d requests, want 1", got)
			}
		})
	}
}

func TestBudgetBasicAuthAfterCheck(t *testing.T) {
	gh := newGitHub(t)
	az := newAzure(t)
	t.Run("github", func(t *testing.T) {
		g := gh.provider(t, provider.Config{})
		_, err := g.CheckScopes(background, gh.tok, "repo")
		mustCheck(t, err)
		gh.srv.ResetCounts()
		auth, err := g.BasicAuth(background, gh.tok)
		mustCheck(t, err)
		if auth.Username != ghLogin {
			t.Errorf("user name %q, want %q", auth.Username, ghLogin)
		}
		if n := gh.srv.TotalRequests(); n != 0 {
			t.Errorf("BasicAuth after CheckScopes sent %d requests, want 0", n)
		}
	})
	t.Run("azure", func(t *testing.T) {
		a := az.provider(t, provider.Config{})
		_, err := a.CheckScopes(background, az.tok, "vso.code")
		mustCheck(t, err)
		az.srv.ResetCounts()
		_, err = a.BasicAuth(background, az.tok)
		mustCheck(t, err)
		if n := az.srv.TotalRequests(); n != 0 {
			t.Errorf("BasicAuth after CheckScopes sent %d requests, want 0", n)
		}
	})
}

// TestBudgetClone: gitauth.Clone makes go-git's own requests, plus the
// GitHub user-name look-up on the first clone with a token.
func TestBudgetClone(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	e := newGitHub(t)
	e.addSmall(t)
	root := t.TempDir()
	url := e.repoURL(ghSmall)

	e.srv.ResetCounts()
	_, err := git.PlainCloneContext(background, filepath.Join(root, "go-git"), false,
		&git.CloneOptions{URL: url, Auth: &githttp.BasicAuth{Username: ghLogin, Password: e.secret}})
	mustCheck(t, err)
	goGit := e.srv.TotalRequests()

	for i, wantREST := range []int{1, 0} {
		e.srv.ResetCounts()
		_, err := gitauth.Clone(background, url, filepath.Join(root, "patgit"+strconv.Itoa(i)), e.options(), nil)
		mustCheck(t, err)
		rest := e.srv.Requests("GET /user")
		if rest != wantREST || e.srv.TotalRequests()-rest != goGit {
			t.Errorf("clone %d: %d git requests (go-git: %d) and %d user look-ups (want %d)",
				i+1, e.srv.TotalRequests()-rest, goGit, rest, wantREST)
		}
	}
}
