// Command demo shows patgit's whole flow, offline: it starts fake GitHub and
// Azure DevOps servers on loopback (real repositories behind git
// http-backend), generates tokens, and walks through finding a token,
// checking it, probing read and write access, cloning with progress and
// pushing, then one of each common failure with patgit's message for it.
//
//	go run ./examples/demo
//
// It exits 0 when everything behaved as expected, 1 otherwise. It needs git.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	os.Exit(run(ctx, os.Stdout))
}

// demo holds the fakes, the scratch directory and the tally of outcomes.
type demo struct {
	out        io.Writer
	gh         *providertest.GitHubServer
	az         *providertest.AzureServer
	dir        string
	unexpected int
}

func run(ctx context.Context, out io.Writer) int {
	if err := providertest.GitAvailable(); err != nil {
		fmt.Fprintln(out, "demo:", err)
		return 1
	}
	d := &demo{out: out}
	if err := d.setup(); err != nil {
		fmt.Fprintln(out, "demo: setting up the fake servers:", err)
		d.close()
		return 1
	}
	defer d.close()

	fmt.Fprintln(out, "patgit demo: fake GitHub and Azure DevOps servers on loopback, generated tokens, real git repositories.")
	d.azure(ctx)
	d.github(ctx)
	d.failures(ctx)

	fmt.Fprintln(out)
	if d.unexpected > 0 {
		fmt.Fprintf(out, "%d step(s) did not behave as expected.\n", d.unexpected)
		return 1
	}
	fmt.Fprintln(out, "Every step behaved as expected.")
	return 0
}

// Generated tokens: synthetic, deterministic, valid on no real host.
var (
	ghWriter  = providertest.Token(pat.GitHubClassic, "demo-writer")
	ghReader  = providertest.Token(pat.GitHubFineGrained, "demo-reader")
	ghExpired = providertest.Token(pat.GitHubClassic, "demo-expired")
	ghNarrow  = providertest.Token(pat.GitHubClassic, "demo-narrow")
	azWriter  = providertest.Token(pat.AzureDevOps, "demo-writer")
	azReader  = providertest.Token(pat.AzureDevOps, "demo-reader")
)

var files = map[string]string{
	"README.md":      "# hello\n\nA repository served by patgit's fake servers.\n",
	"main.go":        "package main\n\nfunc main() { println(\"hello\") }\n",
	"docs/guide.md":  "# Guide\n",
	"scripts/run.sh": "#!/bin/sh\necho run\n",
}

func (d *demo) setup() error {
	var err error
	if d.dir, err = os.MkdirTemp("", "patgit-demo-"); err != nil {
		return err
	}
	if d.gh, err = providertest.NewGitHubServer(); err != nil {
		return err
	}
	if d.az, err = providertest.NewAzureServer(); err != nil {
		return err
	}
	soon := time.Now().Add(5 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05 UTC")
	later := time.Now().Add(60 * 24 * time.Hour).Format("2006-01-02 15:04:05 -0700")
	d.gh.AddToken(ghWriter, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo", "read:org"}, Expiration: soon,
		Repos: map[string]providertest.Access{"octo-org/hello": providertest.AccessWrite}})
	d.gh.AddToken(ghReader, providertest.GitHubToken{Login: "octocat", Expiration: later,
		Repos: map[string]providertest.Access{"octo-org/hello": providertest.AccessRead}})
	d.gh.AddToken(ghExpired, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Expiration: "2026-01-01 00:00:00 UTC"})
	d.gh.AddToken(ghNarrow, providertest.GitHubToken{Login: "octocat", Scopes: []string{"public_repo"},
		Repos: map[string]providertest.Access{"octo-org/hello": providertest.AccessRead}})
	if err := d.gh.AddRepo("octo-org", "hello", files); err != nil {
		return err
	}
	d.az.AddToken(azWriter, providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}})
	d.az.AddToken(azReader, providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	return d.az.AddRepo("contoso", "Web Site", "site", files)
}

func (d *demo) close() {
	if d.gh != nil {
		d.gh.Close()
	}
	if d.az != nil {
		d.az.Close()
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// step prints one outcome and counts it when it is not what was expected.
func (d *demo) step(label string, ok bool, detail string) {
	mark := "ok  "
	if !ok {
		mark = "FAIL"
		d.unexpected++
	}
	fmt.Fprintf(d.out, "  %s %-14s %s\n", mark, label, detail)
}

func (d *demo) section(title string) { fmt.Fprintf(d.out, "\n== %s\n", title) }

// hostFlow is the happy path for one host: token, check, probes, clone, push.
func (d *demo) hostFlow(ctx context.Context, remote string, opts gitauth.Options, need []string) {
	r, err := gitauth.Resolve(ctx, remote, opts)
	if err != nil {
		d.step("token", false, err.Error())
		return
	}
	d.step("token", true, fmt.Sprintf("%s %s from %s", r.Token.Kind(), r.Token, r.Token.Origin()))
	rep, err := r.Provider.CheckScopes(ctx, r.Token, need...)
	d.step("check", err == nil, describeReport(rep, err, need))
	auth, err := gitauth.Auth(ctx, remote, opts)
	if err != nil {
		d.step("auth", false, err.Error())
		return
	}
	d.step("auth", true, fmt.Sprintf("go-git BasicAuth, user name %q, password = the token", auth.Username))
	err = gitauth.Probe(ctx, remote, auth, gitauth.Read)
	d.step("probe read", err == nil, errOr(err, "the token can read "+r.Repo.String()))
	err = gitauth.Probe(ctx, remote, auth, gitauth.Write)
	d.step("probe write", err == nil, errOr(err, "the token can push to "+r.Repo.String()))

	dir := filepath.Join(d.dir, r.Provider.Name())
	fmt.Fprintf(d.out, "       clone          %s -> %s\n", r.CloneURL, filepath.Base(dir))
	repo, err := gitauth.Clone(ctx, remote, dir, opts, &git.CloneOptions{Progress: &indent{w: d.out, prefix: "         | "}})
	if err != nil {
		d.step("clone", false, err.Error())
		return
	}
	head, _ := repo.Head()
	d.step("clone", true, fmt.Sprintf("HEAD %s, %d files", head.Hash().String()[:7], countFiles(dir)))
	cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	clean := !strings.Contains(string(cfg), r.Token.Secret()) && strings.Contains(string(cfg), r.CloneURL)
	d.step(".git/config", clean, "url = "+r.CloneURL+" (no credentials)")

	if err := commitFile(repo, dir, "CHANGELOG.md", "pushed by the patgit demo\n"); err != nil {
		d.step("commit", false, err.Error())
		return
	}
	err = gitauth.Push(ctx, repo, remote, opts, nil)
	d.step("push", err == nil, errOr(err, "one new commit pushed with go-git"))
}

func (d *demo) azure(ctx context.Context) {
	remote := d.az.OrgURL("contoso") + "/Web%20Site/_git/site"
	d.section("Azure DevOps (fake organization contoso at " + d.az.URL + ")")
	fmt.Fprintf(d.out, "       remote         %s\n", remote)

	// go-git v5 alone cannot clone from Azure DevOps: it does not offer
	// multi_ack, which Azure requires. This runs before patgit's first
	// transfer, since patgit's fix applies to the whole process.
	_, err := git.PlainCloneContext(ctx, filepath.Join(d.dir, "plain-go-git"), false, &git.CloneOptions{
		URL: remote, Auth: &githttp.BasicAuth{Password: azReader},
	})
	d.step("plain go-git", err != nil && strings.Contains(err.Error(), "400"),
		"without patgit: "+firstLine(errString(err))+" (Azure's TF401041: clients must support multi_ack)")

	os.Setenv("AZURE_DEVOPS_EXT_PAT", azWriter)
	defer os.Unsetenv("AZURE_DEVOPS_EXT_PAT")
	d.hostFlow(ctx, remote, gitauth.Options{Provider: provider.Config{BaseURL: d.az.OrgURL("contoso")}}, []string{"vso.code", "vso.code_write"})
}

func (d *demo) github(ctx context.Context) {
	remote := d.gh.URL + "/octo-org/hello.git"
	d.section("GitHub (fake GitHub Enterprise Server at " + d.gh.URL + ")")
	fmt.Fprintf(d.out, "       remote         %s\n", remote)
	os.Setenv("GH_ENTERPRISE_TOKEN", ghWriter)
	defer os.Unsetenv("GH_ENTERPRISE_TOKEN")
	opts := gitauth.Options{Provider: provider.Config{BaseURL: d.gh.URL}}
	d.hostFlow(ctx, remote, opts, []string{"repo"})

	fmt.Fprintln(d.out, "\n  A fine-grained token: GitHub discloses no scopes for it, so the probes are the proof.")
	ro := gitauth.Options{Provider: opts.Provider, Source: pat.Static(mustToken(ghReader, "env DEMO_FINE_GRAINED"))}
	r, err := gitauth.Resolve(ctx, remote, ro)
	if err != nil {
		d.step("token", false, err.Error())
		return
	}
	rep, err := r.Provider.CheckScopes(ctx, r.Token, "repo")
	d.step("check", err == nil && rep != nil && len(rep.Unverified) == 1, describeReport(rep, err, []string{"repo"}))
	auth, _ := gitauth.Auth(ctx, remote, ro)
	err = gitauth.Probe(ctx, remote, auth, gitauth.Read)
	d.step("probe read", err == nil, errOr(err, "the token can read octo-org/hello"))
	err = gitauth.Probe(ctx, remote, auth, gitauth.Write)
	d.step("probe write", errors.Is(err, gitauth.ErrAccessDenied), "refused, as it should be: "+errString(err))
}

func (d *demo) failures(ctx context.Context) {
	d.section("Failures, and what patgit says about them")
	gh, _ := provider.NewGitHub(provider.Config{BaseURL: d.gh.URL})
	az, _ := provider.NewAzureDevOps(provider.Config{BaseURL: d.az.OrgURL("contoso")})

	_, err := gh.CheckScopes(ctx, mustToken(ghExpired, ""))
	d.step("expired", errors.Is(err, provider.ErrUnauthorized), errString(err))

	_, err = gh.CheckScopes(ctx, mustToken(ghNarrow, ""), "repo", "workflow")
	var missing *provider.MissingScopeError
	d.step("missing scope", errors.As(err, &missing), errString(err))

	_, err = az.CheckScopes(ctx, mustToken(ghWriter, ""), "vso.code")
	d.step("wrong provider", errors.Is(err, provider.ErrTokenMismatch), errString(err)+" (nothing was sent)")

	truncated := ghWriter[:len(ghWriter)-3]
	_, err = gh.CheckScopes(ctx, mustToken(truncated, ""))
	d.step("truncated", errors.Is(err, pat.ErrChecksum), errString(err)+" (nothing was sent)")

	_, err = gitauth.Clone(ctx, d.gh.URL+"/octo-org/missing.git", filepath.Join(d.dir, "missing"),
		gitauth.Options{Provider: provider.Config{BaseURL: d.gh.URL}, Source: pat.Static(mustToken(ghWriter, ""))}, nil)
	d.step("no such repo", errors.Is(err, gitauth.ErrRepoNotFound), errString(err))
}

func describeReport(rep *provider.Report, err error, need []string) string {
	if rep == nil {
		return errString(err)
	}
	var parts []string
	parts = append(parts, "user "+rep.User)
	switch {
	case rep.Scopes == nil:
		parts = append(parts, "scopes not disclosed")
	case len(rep.Scopes) == 0:
		parts = append(parts, "no scopes")
	default:
		parts = append(parts, "scopes "+strings.Join(rep.Scopes, ", "))
	}
	var proven []string
	for _, n := range need {
		if !slices.Contains(rep.Missing, n) && !slices.Contains(rep.Unverified, n) {
			proven = append(proven, n)
		}
	}
	if len(proven) > 0 {
		parts = append(parts, "proven "+strings.Join(proven, ", "))
	}
	if len(rep.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(rep.Missing, ", "))
	}
	if len(rep.Unverified) > 0 {
		parts = append(parts, "unverified "+strings.Join(rep.Unverified, ", ")+" (a read cannot prove it)")
	}
	if !rep.ExpiresAt.IsZero() {
		exp := "expires " + rep.ExpiresAt.UTC().Format("2006-01-02")
		if rep.ExpiresWithin(7 * 24 * time.Hour) {
			exp += " (WARNING: within 7 days)"
		}
		parts = append(parts, exp)
	}
	if err != nil {
		parts = append(parts, err.Error())
	}
	return strings.Join(parts, "; ")
}

func mustToken(secret, origin string) pat.Token {
	t, err := pat.New(secret)
	if err != nil {
		panic("demo: generated token refused: " + err.Error())
	}
	return t.WithOrigin(origin)
}

func errOr(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

func errString(err error) string {
	if err == nil {
		return "no error (unexpected)"
	}
	return err.Error()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func countFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.IsDir() && e.Name() == ".git" {
			return filepath.SkipDir
		}
		if err == nil && !e.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func commitFile(repo *git.Repository, dir, name, content string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		return err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if _, err := wt.Add(name); err != nil {
		return err
	}
	sig := &object.Signature{Name: "patgit demo", Email: "demo@patgit.invalid", When: time.Now()}
	_, err = wt.Commit("Add "+name, &git.CommitOptions{Author: sig})
	return err
}

// indent prefixes each finished line of git's progress output and drops the
// in-place updates (lines ended by a carriage return), keeping the totals.
type indent struct {
	w      io.Writer
	prefix string
	line   []byte
}

func (p *indent) Write(b []byte) (int, error) {
	for _, c := range b {
		switch c {
		case '\r':
			p.line = p.line[:0]
		case '\n':
			if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.line); err != nil {
				return 0, err
			}
			p.line = p.line[:0]
		default:
			p.line = append(p.line, c)
		}
	}
	return len(b), nil
}
