package contract_test

// Every public operation of patgit against fakes in hostile mode
// (providertest.Hostile): hosts that echo the credentials they receive in
// their status lines, headers, bodies, sideband lines and redirect
// Locations. Nothing patgit returns, prints, logs, encodes or writes may
// hold a token in any encoding. Top-level names in this file start with
// "hs".

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// hsHost is one fake host with a repository and a read-write token.
type hsHost struct {
	name     string // "github" or "azure"
	setMode  func(providertest.Hostile)
	cfg      provider.Config
	url      string // clean clone URL
	secret   string
	scope    string // a scope CheckScopes is asked for
	prov     provider.Provider
	repo     provider.Repo
	clone    *git.Repository // made before the host turned hostile
	cloneDir string
}

func hsHosts(t *testing.T) []*hsHost {
	gh := testkit.GitHub(t)
	ghSecret := providertest.Token(pat.GitHubClassic, "hostile-sweep")
	gh.AddToken(ghSecret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Repos: map[string]providertest.Access{"octo/hello": providertest.AccessWrite}})
	if err := gh.AddRepo("octo", "hello", map[string]string{"README.md": "hello\n"}); err != nil {
		t.Fatal(err)
	}
	az := testkit.Azure(t)
	azSecret := providertest.Token(pat.AzureDevOps, "hostile-sweep")
	az.AddToken(azSecret, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}})
	if err := az.AddRepo("contoso", "Proj", "widgets", map[string]string{"README.md": "azure\n"}); err != nil {
		t.Fatal(err)
	}
	hosts := []*hsHost{
		{name: "github", setMode: gh.SetHostile, cfg: provider.Config{BaseURL: gh.URL, CacheTTL: -1}, url: gh.URL + "/octo/hello.git", secret: ghSecret, scope: "repo"},
		{name: "azure", setMode: az.SetHostile, cfg: provider.Config{BaseURL: az.OrgURL("contoso"), CacheTTL: -1}, url: az.URL + "/contoso/Proj/_git/widgets", secret: azSecret, scope: "vso.code"},
	}
	for _, h := range hosts {
		p, r, err := provider.ForURL(h.url, h.cfg)
		if err != nil {
			t.Fatalf("ForURL(%s): %v", h.url, err)
		}
		h.prov, h.repo = p, r
		h.cloneDir = filepath.Join(t.TempDir(), h.name)
		h.clone, err = gitauth.Clone(context.Background(), h.url, h.cloneDir, h.opts(), nil)
		if err != nil {
			t.Fatalf("setup clone of %s: %v", h.name, err)
		}
	}
	return hosts
}

func (h *hsHost) token(t *testing.T) pat.Token {
	tok, err := pat.New(h.secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// opts are gitauth's options for h. On GitHub they name the user, so that
// gitauth's own paths meet the hostile host rather than the provider's
// user look-up (which provider.BasicAuth covers).
func (h *hsHost) opts() gitauth.Options {
	tok, _ := pat.New(h.secret)
	cfg := h.cfg
	if h.name == "github" {
		cfg.Username = "octocat"
	}
	return gitauth.Options{Provider: cfg, Source: pat.Static(tok)}
}

// hsResult is what one operation gave back.
type hsResult struct {
	values []any    // returned values that must not show the token
	err    error    // the returned error
	texts  []string // output: progress, stdout, stderr
	dirs   []string // what it wrote
}

// hsOp is one public operation.
type hsOp struct {
	name string
	git  bool // needs the git binary
	run  func(t *testing.T, h *hsHost) hsResult
}

func hsOps() []hsOp {
	ctx := func(t *testing.T) context.Context {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		t.Cleanup(cancel)
		return c
	}
	return []hsOp{
		{name: "provider.CheckScopes", run: func(t *testing.T, h *hsHost) hsResult {
			rep, err := h.prov.CheckScopes(ctx(t), h.token(t), h.scope)
			return hsResult{values: []any{rep}, err: err}
		}},
		// BasicAuth and AuthenticatedURL return the token by design (go-git's
		// BasicAuth shows its Password under %#v and JSON; the URL is for the
		// git CLI): their errors are checked.
		{name: "provider.BasicAuth", run: func(t *testing.T, h *hsHost) hsResult {
			_, err := h.prov.BasicAuth(ctx(t), h.token(t))
			return hsResult{err: err}
		}},
		{name: "provider.AuthenticatedURL", run: func(t *testing.T, h *hsHost) hsResult {
			_, err := h.prov.AuthenticatedURL(ctx(t), h.repo, h.token(t))
			return hsResult{err: err}
		}},
		{name: "gitauth.Auth", run: func(t *testing.T, h *hsHost) hsResult {
			_, err := gitauth.Auth(ctx(t), h.url, h.opts())
			return hsResult{err: err}
		}},
		{name: "gitauth.Resolve", run: func(t *testing.T, h *hsHost) hsResult {
			r, err := gitauth.Resolve(ctx(t), h.url, h.opts())
			return hsResult{values: []any{r}, err: err}
		}},
		{name: "gitauth.Probe read", run: func(t *testing.T, h *hsHost) hsResult {
			return hsResult{err: gitauth.Options{Provider: h.cfg}.Probe(ctx(t), h.url, hsBasic(h), gitauth.Read)}
		}},
		{name: "gitauth.Probe write", run: func(t *testing.T, h *hsHost) hsResult {
			return hsResult{err: gitauth.Options{Provider: h.cfg}.Probe(ctx(t), h.url, hsBasic(h), gitauth.Write)}
		}},
		{name: "gitauth.Clone", git: true, run: func(t *testing.T, h *hsHost) hsResult {
			var progress bytes.Buffer
			dir := filepath.Join(t.TempDir(), "clone")
			repo, err := gitauth.Clone(ctx(t), h.url, dir, h.opts(), &git.CloneOptions{Progress: &progress, RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
			return hsResult{values: []any{repo}, err: err, texts: []string{progress.String()}, dirs: []string{dir}}
		}},
		{name: "gitauth.Fetch", git: true, run: func(t *testing.T, h *hsHost) hsResult {
			var progress bytes.Buffer
			err := gitauth.Fetch(ctx(t), h.clone, h.url, h.opts(), &git.FetchOptions{Progress: &progress})
			if err == git.NoErrAlreadyUpToDate {
				err = nil
			}
			return hsResult{err: err, texts: []string{progress.String()}, dirs: []string{h.cloneDir}}
		}},
		{name: "gitauth.Push", git: true, run: func(t *testing.T, h *hsHost) hsResult {
			hsCommit(t, h.clone)
			var progress bytes.Buffer
			err := gitauth.Push(ctx(t), h.clone, h.url, h.opts(), &git.PushOptions{Progress: &progress})
			return hsResult{err: err, texts: []string{progress.String()}, dirs: []string{h.cloneDir}}
		}},
		{name: "gitauth.Command ls-remote", git: true, run: func(t *testing.T, h *hsHost) hsResult {
			cmd, err := gitauth.Command(ctx(t), h.url, h.opts(), "ls-remote", h.url)
			if err != nil {
				return hsResult{err: err}
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			return hsResult{values: []any{cmd.Args}, err: err, texts: []string{stdout.String(), stderr.String()}}
		}},
		{name: "gitauth.Command clone", git: true, run: func(t *testing.T, h *hsHost) hsResult {
			dir := filepath.Join(t.TempDir(), "cli")
			cmd, err := gitauth.Command(ctx(t), h.url, h.opts(), "clone", h.url, dir)
			if err != nil {
				return hsResult{err: err}
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			return hsResult{err: err, texts: []string{stdout.String(), stderr.String()}, dirs: []string{dir}}
		}},
		// The helper's answer carries the token by design: its error is checked.
		{name: "gitauth.CredentialHelper", run: func(t *testing.T, h *hsHost) hsResult {
			in := strings.NewReader("protocol=http\nhost=" + strings.TrimPrefix(strings.TrimPrefix(h.cfg.BaseURL, "http://"), "https://") + "\n\n")
			if i := strings.Index(h.cfg.BaseURL[len("http://"):], "/"); i >= 0 {
				in = strings.NewReader("protocol=http\nhost=" + h.cfg.BaseURL[len("http://"):len("http://")+i] + "\n\n")
			}
			var out bytes.Buffer
			err := gitauth.CredentialHelper(ctx(t), "get", in, &out, h.opts())
			return hsResult{err: err}
		}},
		{name: "pat sources", run: func(t *testing.T, h *hsHost) hsResult {
			file := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(file, []byte(h.secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATGIT_HOSTILE_TOKEN", h.secret)
			var values []any
			var errs []error
			for _, src := range []pat.Source{pat.Env("PATGIT_HOSTILE_TOKEN"), pat.File(file), pat.Static(h.token(t)),
				pat.Chain(pat.Env("PATGIT_UNSET_VARIABLE"), pat.File(file)), pat.GitCredential(h.url)} {
				tok, err := src.Token(ctx(t))
				values = append(values, tok, src)
				errs = append(errs, err)
			}
			return hsResult{values: values, err: hsJoin(errs)}
		}},
	}
}

// hsBasic returns the credentials the fake accepts, as Auth would.
func hsBasic(h *hsHost) *githttp.BasicAuth {
	if h.name == "github" {
		return &githttp.BasicAuth{Username: "octocat", Password: h.secret}
	}
	return &githttp.BasicAuth{Password: h.secret}
}

func hsJoin(errs []error) error {
	var msgs []string
	var first error
	for _, e := range errs {
		if e != nil {
			msgs = append(msgs, e.Error())
			if first == nil {
				first = e
			}
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("%s (%w)", strings.Join(msgs, "; "), first)
}

var hsCommits int

func hsCommit(t *testing.T, repo *git.Repository) {
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	hsCommits++
	name := fmt.Sprintf("hostile-%d.txt", hsCommits)
	f, err := wt.Filesystem.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("x\n"))
	f.Close()
	if _, err := wt.Add(name); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "T", Email: "t@patgit.invalid", When: time.Now()}
	if _, err := wt.Commit("add "+name, &git.CommitOptions{Author: sig, Committer: sig}); err != nil {
		t.Fatal(err)
	}
}

// hsModes are the hostile behaviours every operation meets.
var hsModes = []struct {
	name string
	mode providertest.Hostile
}{
	{"echo", providertest.Hostile{Echo: true}},
	{"refuse 401", providertest.Hostile{Refuse: http.StatusUnauthorized}},
	{"refuse 403", providertest.Hostile{Refuse: http.StatusForbidden}},
	{"refuse 404", providertest.Hostile{Refuse: http.StatusNotFound}},
	{"refuse 429", providertest.Hostile{Refuse: http.StatusTooManyRequests}},
	{"refuse 500", providertest.Hostile{Refuse: http.StatusInternalServerError}},
	{"redirect", providertest.Hostile{Redirect: true, Echo: true}},
}

// hsCLISideband: the git CLI prints a server's sideband lines to the
// caller's stderr itself; Command hands the caller the *exec.Cmd and
// cannot filter that stream.
const hsCLISideband = "git prints the server's sideband (\"remote:\" lines) to the stderr the caller gives Command's *exec.Cmd; patgit cannot filter it (see SECURITY.md)"

func TestHostileServerSweep(t *testing.T) {
	gaIsolate(t)
	testkit.RequireGit(t)
	hosts := hsHosts(t)
	var secrets []string
	for _, h := range hosts {
		secrets = append(secrets, h.secret)
	}
	scan := testkit.NewScanner(secrets...)
	for _, h := range hosts {
		for _, m := range hsModes {
			for _, op := range hsOps() {
				name := h.name + "/" + m.name + "/" + op.name
				t.Run(name, func(t *testing.T) {
					if op.name == "gitauth.Command clone" && m.mode.Echo && os.Getenv("PATGIT_SWEEP_CLI_STDERR") == "" {
						t.Skip(hsCLISideband)
					}
					h.setMode(m.mode)
					defer h.setMode(providertest.Hostile{})
					var res hsResult
					testkit.NoPanic(t, name, func() { res = op.run(t, h) })
					var leaks []testkit.Leak
					leaks = append(leaks, scan.Value("error", res.err)...)
					for i, v := range res.values {
						leaks = append(leaks, scan.Value(fmt.Sprintf("value[%d]", i), v)...)
					}
					for i, text := range res.texts {
						leaks = append(leaks, scan.String(fmt.Sprintf("output[%d]", i), text)...)
					}
					for _, d := range res.dirs {
						leaks = append(leaks, scan.Dir(d)...)
					}
					for _, l := range leaks {
						t.Errorf("leak: %s", l)
					}
				})
			}
		}
	}
}
