// Command demo shows patgit's whole flow, offline: it starts fake GitHub and
// Azure DevOps servers on loopback (real repositories behind git
// http-backend), generates tokens, and walks through finding a token,
// checking it, probing read and write access, cloning with progress and
// pushing, then one of each common failure with patgit's message for it.
//
// Usage:
//
//	demo          run the whole flow once and exit
//	demo -serve   start the fake servers, print what to export and the
//	              commands that try check, clone and credential-helper
//	              against them, and keep them running until interrupted
//
// Without -serve it exits 0 when everything behaved as expected, 1
// otherwise; -serve exits 0 when interrupted (SIGINT or SIGTERM). Usage
// errors exit 2. It needs git.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/examples/internal/cli"
	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

const usage = `usage: demo [-serve]

  demo          run patgit's whole flow once against fake servers, offline
  demo -serve   keep the fake servers running until interrupted and print
                the exports and commands to try check, clone and
                credential-helper against them
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the command line and runs the demo or the servers.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	serve := fs.Bool("serve", false, "keep the fake servers running until interrupted")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "demo: %v\n\n%s", err, usage)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return 2
	}
	if *serve {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return serveFakes(ctx, stdout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return walkThrough(ctx, stdout)
}

// demo holds the fakes, the scratch directory and the tally of outcomes.
type demo struct {
	out        io.Writer
	fakes      []*fake
	gh         *providertest.GitHubServer
	az         *providertest.AzureServer
	dir        string
	unexpected int
}

// hosts start the fake hosts, one line each; the walk-through and -serve
// use every one.
var hosts = []func(*demo) (*fake, error){
	(*demo).startGitHub,
	(*demo).startAzure,
}

// walkThrough runs the whole flow once and reports whether every step
// behaved as expected.
func walkThrough(ctx context.Context, out io.Writer) int {
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

// setup makes the scratch directory and starts every host of hosts.
func (d *demo) setup() error {
	var err error
	if d.dir, err = os.MkdirTemp("", "patgit-demo-"); err != nil {
		return err
	}
	for _, start := range hosts {
		f, err := start(d)
		if f != nil {
			d.fakes = append(d.fakes, f)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// startGitHub starts the fake GitHub Enterprise Server with its tokens and
// the repository octo-org/hello.
func (d *demo) startGitHub() (*fake, error) {
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		return nil, err
	}
	d.gh = gh
	f := &fake{name: "github", title: "GitHub Enterprise Server", close: gh.Close}
	soon := time.Now().Add(5 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05 UTC")
	later := time.Now().Add(60 * 24 * time.Hour).Format("2006-01-02 15:04:05 -0700")
	gh.AddToken(ghWriter, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo", "read:org"}, Expiration: soon,
		Repos: map[string]providertest.Access{"octo-org/hello": providertest.AccessWrite}})
	gh.AddToken(ghReader, providertest.GitHubToken{Login: "octocat", Expiration: later,
		Repos: map[string]providertest.Access{"octo-org/hello": providertest.AccessRead}})
	gh.AddToken(ghExpired, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, Expiration: "2026-01-01 00:00:00 UTC"})
	gh.AddToken(ghNarrow, providertest.GitHubToken{Login: "octocat", Scopes: []string{"public_repo"},
		Repos: map[string]providertest.Access{"octo-org/hello": providertest.AccessRead}})
	if err := gh.AddRepo("octo-org", "hello", files); err != nil {
		return f, err
	}
	f.base, f.remote, f.envVar = gh.URL, gh.URL+"/octo-org/hello.git", "GH_ENTERPRISE_TOKEN"
	f.tokens = []fakeToken{
		{"github-writer", ghWriter, "classic, scopes repo and read:org, may push to octo-org/hello, expires in 5 days"},
		{"github-narrow", ghNarrow, "classic, scope public_repo only, may read octo-org/hello"},
		{"github-fine-grained", ghReader, "fine-grained (scopes not disclosed), may read octo-org/hello"},
		{"github-expired", ghExpired, "classic, expired"},
	}
	f.tries = []try{
		{"a valid token with every scope and the access asked for: exit 0", "", "check", "-need repo -write"},
		{"a scope proven missing: exit 1", "github-narrow", "check", "-need repo"},
		{"scopes not disclosed, and no git request proves workflow: exit 4", "github-fine-grained", "check", "-need workflow"},
		{"an expired token, as JSON: exit 1, \"error_kind\": \"unauthorized\"", "github-expired", "check", "-json"},
	}
	return f, nil
}

// startAzure starts the fake Azure DevOps with its tokens and the
// repository contoso/Web Site/site.
func (d *demo) startAzure() (*fake, error) {
	az, err := providertest.NewAzureServer()
	if err != nil {
		return nil, err
	}
	d.az = az
	f := &fake{name: "azure", title: "Azure DevOps", close: az.Close}
	d.az.AddToken(azWriter, providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code_write"}})
	d.az.AddToken(azReader, providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}})
	if err := d.az.AddRepo("contoso", "Web Site", "site", files); err != nil {
		return f, err
	}
	f.base, f.remote, f.envVar = az.OrgURL("contoso"), az.OrgURL("contoso")+"/Web%20Site/_git/site", "AZURE_DEVOPS_EXT_PAT"
	f.tokens = []fakeToken{
		{"azure-writer", azWriter, "scope vso.code_write (Code: read & write)"},
		{"azure-reader", azReader, "scope vso.code (Code: read)"},
	}
	f.tries = []try{
		{"read and write proven by one request each: exit 0", "", "check", "-need vso.code_write"},
		{"a read-only token asked to write: the write probe says no: exit 1", "azure-reader", "check", "-need vso.code_write"},
		{"no request can prove vso.code_manage either way: exit 4", "", "check", "-need vso.code_manage"},
		{"a GitHub scope name for an Azure DevOps repository: exit 2", "", "check", "-need repo"},
	}
	return f, nil
}

func (d *demo) close() {
	for _, f := range slices.Backward(d.fakes) {
		f.close()
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
		d.step("token", false, errString(err))
		return
	}
	d.step("token", true, fmt.Sprintf("%s %s from %s", r.Token.Kind(), r.Token, r.Token.Origin()))
	rep, err := r.Provider.CheckScopes(ctx, r.Token, need...)
	d.step("check", err == nil, describeReport(rep, err, need))
	auth, err := gitauth.Auth(ctx, remote, opts)
	if err != nil {
		d.step("auth", false, errString(err))
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
		d.step("clone", false, errString(err))
		return
	}
	head, _ := repo.Head()
	d.step("clone", true, fmt.Sprintf("HEAD %s, %d files", head.Hash().String()[:7], countFiles(dir)))
	cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	clean := !strings.Contains(string(cfg), r.Token.Secret()) && strings.Contains(string(cfg), r.CloneURL)
	d.step(".git/config", clean, "url = "+r.CloneURL+" (no credentials)")

	if err := commitFile(repo, dir, "CHANGELOG.md", "pushed by the patgit demo\n"); err != nil {
		d.step("commit", false, errString(err))
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
		d.step("token", false, errString(err))
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
		parts = append(parts, errString(err))
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
		return errString(err)
	}
	return ok
}

// errString says err in words: one line, without the library's prefixes.
func errString(err error) string {
	if err == nil {
		return "no error (unexpected)"
	}
	return cli.Words{}.Message(err)
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
