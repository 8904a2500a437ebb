package gitauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// richHistory pushes to host's repository a history worth comparing clones
// of: more commits on main, a branch "dev" with its own commit, an annotated
// tag on main, a lightweight tag on dev, and a tag on a commit no branch
// holds.
func (f *fixture) richHistory(t *testing.T, host, writeSecret string) {
	t.Helper()
	ctx := context.Background()
	work := filepath.Join(t.TempDir(), "work")
	opts := f.opts(t, host, writeSecret)
	run := func(args ...string) {
		t.Helper()
		cmd, err := Command(ctx, f.url(host), opts, args...)
		if err != nil {
			t.Fatalf("Command: %v", err)
		}
		cmd.Dir = work
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@patgit.invalid", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@patgit.invalid", "GIT_AUTHOR_DATE=2026-01-02T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-02T00:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Clone(ctx, f.url(host), work, opts, nil); err != nil {
		t.Fatalf("Clone: %v", err)
	}
	write("docs/one.md", "one\n")
	run("add", "-A")
	run("commit", "-q", "-m", "one")
	run("tag", "-a", "-m", "release 1", "v1")
	write("src/main.go", "package main\n\nfunc main() {}\n")
	write("bin/tool.sh", "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(work, "bin", "tool.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	run("add", "-A")
	run("commit", "-q", "-m", "two")
	run("checkout", "-q", "-b", "dev")
	write("dev.txt", "dev\n")
	run("add", "-A")
	run("commit", "-q", "-m", "dev")
	run("tag", "v1-dev")
	run("checkout", "-q", "--detach")
	write("orphan.txt", "x\n")
	run("add", "-A")
	run("commit", "-q", "-m", "only tagged")
	run("tag", "-a", "-m", "side", "side")
	run("checkout", "-q", "main")
	run("push", "-q", f.url(host), "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*")
}

// cloneState is what a clone holds that the two ways of cloning must agree
// on.
type cloneState struct {
	Head     string            // "ref: NAME" or a hash
	Refs     map[string]string // hash references, without refs/remotes/*/HEAD
	Shallow  []string
	Remotes  map[string]string // name -> URLs and refspecs
	Branches map[string]string // name -> remote and merge
	Bare     bool
	Files    map[string]string // worktree path -> mode and content hash
}

func stateOf(t *testing.T, repo *git.Repository, dir string) cloneState {
	t.Helper()
	s := cloneState{Refs: map[string]string{}, Remotes: map[string]string{}, Branches: map[string]string{}, Files: map[string]string{}}
	head, err := repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	if head.Type() == plumbing.SymbolicReference {
		s.Head = "ref: " + head.Target().String()
	} else {
		s.Head = head.Hash().String()
	}
	refs, err := repo.References()
	if err != nil {
		t.Fatal(err)
	}
	_ = refs.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference && r.Name() != plumbing.HEAD {
			s.Refs[r.Name().String()] = r.Hash().String()
		}
		return nil
	})
	shallow, err := repo.Storer.Shallow()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range shallow {
		s.Shallow = append(s.Shallow, h.String())
	}
	sort.Strings(s.Shallow)
	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	s.Bare = cfg.Core.IsBare
	for name, r := range cfg.Remotes {
		s.Remotes[name] = fmt.Sprint(r.URLs, r.Fetch, r.Mirror)
	}
	for name, b := range cfg.Branches {
		s.Branches[name] = b.Remote + " " + b.Merge.String()
	}
	if s.Bare {
		return s
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".git" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil // a submodule's gitfile
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s.Files[filepath.ToSlash(rel)] = fmt.Sprintf("%v %x", info.Mode().Perm()&0o100, sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCloneCLIMatchesClone(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	hosts := []struct{ host, read, write string }{
		{"github", f.ghRead, f.ghWrite},
		{"azure", f.azRead, f.azWrite},
	}
	cases := []struct {
		name string
		opts *git.CloneOptions
	}{
		{"nil options", nil},
		{"defaults", &git.CloneOptions{}},
		{"depth 1", &git.CloneOptions{Depth: 1}},
		{"depth 2 single branch", &git.CloneOptions{Depth: 2, SingleBranch: true, ReferenceName: "refs/heads/main", Tags: git.NoTags}},
		{"branch dev", &git.CloneOptions{ReferenceName: plumbing.NewBranchReferenceName("dev")}},
		{"single branch dev", &git.CloneOptions{ReferenceName: plumbing.NewBranchReferenceName("dev"), SingleBranch: true, Tags: git.NoTags}},
		{"no tags", &git.CloneOptions{Tags: git.NoTags}},
		{"all tags", &git.CloneOptions{Tags: git.AllTags}},
		{"no checkout", &git.CloneOptions{NoCheckout: true}},
		{"remote name", &git.CloneOptions{RemoteName: "upstream"}},
		{"mirror", &git.CloneOptions{Mirror: true}},
		{"progress", &git.CloneOptions{Progress: &bytes.Buffer{}}},
	}
	for _, h := range hosts {
		f.richHistory(t, h.host, h.write)
		for _, tc := range cases {
			t.Run(h.host+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				opts := f.opts(t, h.host, h.read)
				dirGo, dirCLI := filepath.Join(t.TempDir(), "go"), filepath.Join(t.TempDir(), "cli")
				var in *git.CloneOptions
				if tc.opts != nil {
					c := *tc.opts
					in = &c
				}
				before := fmt.Sprintf("%#v", in)
				want, err := Clone(ctx, f.url(h.host), dirGo, opts, tc.opts)
				if err != nil {
					t.Fatalf("Clone: %v", err)
				}
				got, err := CloneCLI(ctx, f.url(h.host), dirCLI, opts, in)
				if err != nil {
					testkit.NoLeak(t, "error", err, f.secrets()...)
					t.Fatalf("CloneCLI: %v", err)
				}
				if after := fmt.Sprintf("%#v", in); after != before {
					t.Errorf("CloneCLI modified the caller's options")
				}
				ws, gs := stateOf(t, want, dirGo), stateOf(t, got, dirCLI)
				if !reflect.DeepEqual(gs, ws) {
					t.Errorf("CloneCLI's clone differs from Clone's:\n got %+v\nwant %+v", gs, ws)
				}
				gitDir := filepath.Join(dirCLI, ".git")
				if ws.Bare {
					gitDir = dirCLI
				}
				cfg := readFile(t, filepath.Join(gitDir, "config"))
				for _, bad := range []string{h.read, "helper", "PATGIT", "extraheader", "proactive"} {
					if strings.Contains(strings.ToLower(cfg), strings.ToLower(bad)) {
						t.Errorf(".git/config holds %q:\n%s", bad, cfg)
					}
				}
			})
		}
	}
}

// TestCloneCLISingleBranchTags: with SingleBranch, git follows the tags
// that point into the branch (go-git, given an exact refspec, follows
// none), and records the branch HEAD names.
func TestCloneCLISingleBranchTags(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	f.richHistory(t, "github", f.ghWrite)
	for _, tags := range []git.TagMode{git.InvalidTagMode, git.TagFollowing} {
		dir := filepath.Join(t.TempDir(), "c")
		repo, err := CloneCLI(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{SingleBranch: true, Tags: tags})
		if err != nil {
			t.Fatalf("CloneCLI: %v", err)
		}
		s := stateOf(t, repo, dir)
		var names []string
		for name := range s.Refs {
			names = append(names, name)
		}
		sort.Strings(names)
		if want := []string{"refs/heads/main", "refs/remotes/origin/main", "refs/tags/v1"}; !reflect.DeepEqual(names, want) {
			t.Errorf("Tags %v: refs %q; want %q", tags, names, want)
		}
	}
}

// TestCloneCLITag: a tag as ReferenceName leaves HEAD detached at the
// tag's commit, as Clone does.
func TestCloneCLITag(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	f.richHistory(t, "github", f.ghWrite)
	ctx := context.Background()
	for _, tag := range []string{"v1", "side"} {
		opts := f.opts(t, "github", f.ghRead)
		co := &git.CloneOptions{ReferenceName: plumbing.NewTagReferenceName(tag)}
		want, err := Clone(ctx, f.ghURL, filepath.Join(t.TempDir(), "go"), opts, co)
		if err != nil {
			t.Fatalf("Clone: %v", err)
		}
		got, err := CloneCLI(ctx, f.ghURL, filepath.Join(t.TempDir(), "cli"), opts, co)
		if err != nil {
			t.Fatalf("CloneCLI: %v", err)
		}
		wh, err := want.Head()
		if err != nil {
			t.Fatal(err)
		}
		gh, err := got.Head()
		if err != nil {
			t.Fatal(err)
		}
		if gh.Name() != plumbing.HEAD || gh.Hash() != wh.Hash() {
			t.Errorf("tag %s: HEAD = %v; want detached at %v", tag, gh, wh.Hash())
		}
	}
}

func TestCloneCLIRefusesOptions(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		field string
		opts  git.CloneOptions
	}{
		{"Auth", git.CloneOptions{Auth: &githttp.BasicAuth{Username: "u", Password: "p"}}},
		{"URL", git.CloneOptions{URL: "http://127.0.0.1:1/elsewhere.git"}},
		{"InsecureSkipTLS", git.CloneOptions{InsecureSkipTLS: true}},
		{"ClientCert", git.CloneOptions{ClientCert: []byte("cert")}},
		{"ClientKey", git.CloneOptions{ClientKey: []byte("key")}},
		{"CABundle", git.CloneOptions{CABundle: []byte("ca")}},
		{"ProxyOptions", git.CloneOptions{ProxyOptions: transport.ProxyOptions{URL: "http://127.0.0.1:3128"}}},
		{"Shared", git.CloneOptions{Shared: true}},
		{"Depth", git.CloneOptions{Depth: -1}},
		{"ReferenceName", git.CloneOptions{ReferenceName: "refs/pull/1/head"}},
		{"ReferenceName", git.CloneOptions{ReferenceName: "refs/heads/-x"}},
		{"RemoteName", git.CloneOptions{RemoteName: "--upload-pack=touch /tmp/x"}},
		{"RemoteName", git.CloneOptions{RemoteName: "a/b"}},
		{"Tags", git.CloneOptions{Tags: git.TagFollowing}},
		{"Tags", git.CloneOptions{Tags: git.AllTags, SingleBranch: true}},
		{"Tags", git.CloneOptions{Tags: 42}},
		{"RecurseSubmodules", git.CloneOptions{RecurseSubmodules: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			f.gh.ResetCounts()
			dir := filepath.Join(t.TempDir(), "c")
			_, err := CloneCLI(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &tc.opts)
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Field != tc.field || !errors.Is(err, ErrUnsupportedOption) {
				t.Fatalf("CloneCLI = %v; want an *OptionError for %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name the field", err)
			}
			if n := f.gh.Requests("git info/refs"); n != 0 {
				t.Errorf("%d git requests before the refusal", n)
			}
			if _, serr := os.Stat(dir); !errors.Is(serr, fs.ErrNotExist) {
				t.Errorf("refused CloneCLI created %s", dir)
			}
		})
	}
}

func TestCloneCLIErrors(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	cases := []struct {
		name, host, secret, raw string
		want                    error
		status                  int
	}{
		{name: "github unknown token", host: "github", secret: f.ghBad, want: provider.ErrUnauthorized, status: 401},
		{name: "github no access", host: "github", secret: f.ghNone, want: ErrRepoNotFound, status: 404},
		{name: "github missing repo", host: "github", secret: f.ghRead, raw: "/octo/nope.git", want: ErrRepoNotFound, status: 404},
		{name: "github SAML SSO", host: "github", secret: f.ghSSO, want: provider.ErrSSORequired, status: 403},
		{name: "azure unknown token", host: "azure", secret: f.azBad, want: provider.ErrUnauthorized, status: 401},
		{name: "azure token without vso.code", host: "azure", secret: f.azNone, want: provider.ErrUnauthorized, status: 401},
		{name: "azure missing repo", host: "azure", secret: f.azRead, raw: "/" + azOrg + "/My%20Project/_git/nope", want: ErrRepoNotFound, status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := f.url(tc.host)
			if tc.raw != "" {
				raw = f.gh.URL + tc.raw
				if tc.host == "azure" {
					raw = f.az.URL + tc.raw
				}
			}
			opts := f.opts(t, tc.host, tc.secret)
			if tc.host == "github" {
				opts.Provider.Username = ghLogin
			}
			for _, pre := range []bool{false, true} {
				dir := filepath.Join(t.TempDir(), "a", "b")
				if pre {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				var progress bytes.Buffer
				_, err := CloneCLI(context.Background(), raw, dir, opts, &git.CloneOptions{Progress: &progress})
				if !errors.Is(err, tc.want) {
					t.Fatalf("CloneCLI = %v; want %v", err, tc.want)
				}
				testkit.NoLeak(t, "error", err, f.secrets()...)
				if strings.Contains(progress.String(), tc.secret) {
					t.Errorf("Progress holds the token")
				}
				var re *RemoteError
				if !errors.As(err, &re) || re.Status != tc.status {
					t.Fatalf("CloneCLI error %#v; want a *RemoteError with status %d", err, tc.status)
				}
				if !strings.Contains(err.Error(), raw) {
					t.Errorf("error %q does not name the remote %s", err, raw)
				}
				if pre {
					if entries, serr := os.ReadDir(dir); serr != nil || len(entries) != 0 {
						t.Errorf("failed CloneCLI did not leave the pre-existing %s as it was: %v %v", dir, entries, serr)
					}
				} else if _, serr := os.Stat(filepath.Dir(dir)); !errors.Is(serr, fs.ErrNotExist) {
					t.Errorf("failed CloneCLI left %s behind (%v)", filepath.Dir(dir), serr)
				}
			}
		})
	}
}

func TestCloneCLIDestination(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	opts := f.opts(t, "github", f.ghRead)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CloneCLI(context.Background(), f.ghURL, full, opts, nil); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("CloneCLI into a non-empty dir = %v; want ErrNotEmpty", err)
	}
	if got := readFile(t, filepath.Join(full, "keep.txt")); got != "mine" {
		t.Errorf("CloneCLI touched a pre-existing file")
	}
	if _, err := CloneCLI(context.Background(), f.ghURL, "", opts, nil); err == nil {
		t.Errorf("CloneCLI into an empty dir name succeeded")
	}
	// A URL of the same repository in another form is accepted.
	dir := filepath.Join(t.TempDir(), "c")
	if _, err := CloneCLI(context.Background(), f.ghURL, dir, opts, &git.CloneOptions{URL: f.gh.URL + "/" + ghOwner + "/" + ghName}); err != nil {
		t.Fatalf("CloneCLI with the same repository's URL: %v", err)
	}
}

func TestCloneCLIProgressScrubbed(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	var progress bytes.Buffer
	dir := filepath.Join(t.TempDir(), "c")
	if _, err := CloneCLI(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	out := progress.String()
	if !strings.Contains(out, "Cloning into") && !strings.Contains(out, "objects") {
		t.Errorf("Progress got no git output: %q", out)
	}
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("Progress line holds control characters: %q", line)
		}
	}
}

func TestCloneCLIOutputScrubsSplitToken(t *testing.T) {
	tok, err := pat.New(providertest.Token(pat.GitHubClassic, "progress"))
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	o := &cliOutput{progress: newProgress(&progress, tok)}
	secret := tok.Secret()
	// The server's line arrives in pieces, the secret split across writes,
	// with an escape sequence in front.
	for _, part := range []string{"remote: \x1b[31mleak ", secret[:7], secret[7:], " here\r", "remote: done\n", "tail"} {
		if _, err := o.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	o.flush()
	got := progress.String()
	if strings.Contains(got, secret) || strings.Contains(got, "\x1b") {
		t.Fatalf("Progress = %q; holds the token or an escape", got)
	}
	if want := []string{"leak", "here\r", "remote: done\n", "tail"}; !containsAll(got, want) {
		t.Errorf("Progress = %q; want lines %q", got, want)
	}
	if !strings.Contains(o.text(), secret) {
		t.Errorf("the kept text (for the error, which redacts it) lost the original")
	}
}

func TestCloneCLINoGit(t *testing.T) {
	f := newFixture(t)
	t.Setenv("PATH", t.TempDir())
	_, err := CloneCLI(context.Background(), f.ghURL, filepath.Join(t.TempDir(), "c"), f.opts(t, "github", f.ghRead), nil)
	if !errors.Is(err, ErrGitNotFound) {
		t.Fatalf("CloneCLI without git = %v; want ErrGitNotFound", err)
	}
}

func containsAll(s string, parts []string) bool {
	return !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(s, p) })
}

// sameHostSubmodule gives the fixture's GitHub repository a submodule "lib"
// on the same host that the read token may fetch.
func (f *fixture) sameHostSubmodule(t *testing.T) {
	t.Helper()
	if err := f.gh.AddRepo(ghOwner, "lib", map[string]string{"lib.go": "package lib\n"}); err != nil {
		t.Fatal(err)
	}
	f.gh.AddToken(f.ghRead, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{
		ghOwner + "/" + ghName: providertest.AccessRead, ghOwner + "/lib": providertest.AccessRead,
	}})
	out, err := exec.Command("git", "--git-dir", f.gh.RepoDir(ghOwner, "lib"), "rev-parse", "main").Output()
	if err != nil {
		t.Fatal(err)
	}
	addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), "../lib.git", strings.TrimSpace(string(out)))
}

func TestCloneCLISubmodules(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	f.sameHostSubmodule(t)
	for _, shallow := range []bool{false, true} {
		co := &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth, ShallowSubmodules: shallow}
		dirGo, dirCLI := filepath.Join(t.TempDir(), "go"), filepath.Join(t.TempDir(), "cli")
		want, err := Clone(context.Background(), f.ghURL, dirGo, f.opts(t, "github", f.ghRead), co)
		if err != nil {
			t.Fatalf("Clone: %v", err)
		}
		got, err := CloneCLI(context.Background(), f.ghURL, dirCLI, f.opts(t, "github", f.ghRead), co)
		if err != nil {
			testkit.NoLeak(t, "error", err, f.secrets()...)
			t.Fatalf("CloneCLI: %v", err)
		}
		ws, gs := stateOf(t, want, dirGo), stateOf(t, got, dirCLI)
		if !reflect.DeepEqual(gs, ws) {
			t.Errorf("shallow %v: CloneCLI's clone differs from Clone's:\n got %+v\nwant %+v", shallow, gs, ws)
		}
		if _, ok := gs.Files["lib/lib.go"]; !ok {
			t.Errorf("submodule not checked out: %v", gs.Files)
		}
		cfg := readFile(t, filepath.Join(dirCLI, ".git", "modules", "lib", "config"))
		if strings.Contains(cfg, f.ghRead) || strings.Contains(cfg, "helper") {
			t.Errorf("the submodule's config holds credentials:\n%s", cfg)
		}
	}
}

func TestCloneCLISubmoduleOnOtherHostGetsNoToken(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), rec.OtherURL+"/evil/lib.git", "1111111111111111111111111111111111111111")
	dir := filepath.Join(t.TempDir(), "c")
	_, err = CloneCLI(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
	testkit.NoLeak(t, "error", err, f.secrets()...)
	if len(rec.Requests()) == 0 {
		t.Fatalf("the submodule's host was never asked (clone error: %v)", err)
	}
	if n := rec.Credentialed(); n != 0 {
		t.Fatalf("%d requests to the submodule's host carried credentials: %+v", n, rec.Requests())
	}
	var se *SubmoduleError
	if !errors.As(err, &se) || se.Path != "lib" {
		t.Errorf("err = %v; want a SubmoduleError for lib", err)
	}
}

func TestCloneCLISubmoduleFailureNamesTheSubmodule(t *testing.T) {
	for _, tc := range []struct{ name, gitmodulesURL string }{
		{"absolute URL", ""},
		{"relative URL", "../missing.git"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			isolateGit(t)
			want := f.gh.URL + "/" + ghOwner + "/missing.git"
			subURL := tc.gitmodulesURL
			if subURL == "" {
				subURL = want
			}
			addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), subURL, "1111111111111111111111111111111111111111")
			dir := filepath.Join(t.TempDir(), "c")
			_, err := CloneCLI(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
			testkit.NoLeak(t, "error", err, f.secrets()...)
			var se *SubmoduleError
			if !errors.As(err, &se) || se.Path != "lib" || se.URL != want || se.Super != f.ghURL {
				t.Fatalf("err = %#v (%v); want a SubmoduleError for lib at %s", err, err, want)
			}
			var re *RemoteError
			if !errors.As(err, &re) || re.Remote != want || re.Repo != ghOwner+"/missing" || !errors.Is(err, ErrRepoNotFound) {
				t.Errorf("err = %v; want a RemoteError for %s matching ErrRepoNotFound", err, want)
			}
			if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
				t.Errorf("a failed clone left %s behind", dir)
			}
		})
	}
}

func TestCloneCLINestedSubmoduleFailure(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	if err := f.gh.AddRepo(ghOwner, "lib", map[string]string{"lib.go": "package lib\n"}); err != nil {
		t.Fatal(err)
	}
	f.gh.AddToken(f.ghRead, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{
		ghOwner + "/" + ghName: providertest.AccessRead, ghOwner + "/lib": providertest.AccessRead,
	}})
	libDir := f.gh.RepoDir(ghOwner, "lib")
	addSubmodule(t, libDir, "../missing.git", "1111111111111111111111111111111111111111")
	out, err := exec.Command("git", "--git-dir", libDir, "rev-parse", "main").Output()
	if err != nil {
		t.Fatal(err)
	}
	addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), "../lib.git", strings.TrimSpace(string(out)))
	_, err = CloneCLI(context.Background(), f.ghURL, filepath.Join(t.TempDir(), "c"), f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
	testkit.NoLeak(t, "error", err, f.secrets()...)
	var se *SubmoduleError
	if !errors.As(err, &se) || se.Path != "lib/lib" || se.URL != f.gh.URL+"/"+ghOwner+"/missing.git" || !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("err = %v; want a SubmoduleError for lib/lib at %s/%s/missing.git matching ErrRepoNotFound", err, f.gh.URL, ghOwner)
	}
}

// A caller running inside a repository or a hook (GIT_DIR, GIT_WORK_TREE,
// GIT_INDEX_FILE set) still gets an ordinary clone in dir.
func TestCloneCLIIgnoresCallersRepository(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	elsewhere := t.TempDir()
	t.Setenv("GIT_WORK_TREE", filepath.Join(elsewhere, "wt"))
	t.Setenv("GIT_DIR", filepath.Join(elsewhere, "gitdir"))
	t.Setenv("GIT_INDEX_FILE", filepath.Join(elsewhere, "index"))
	dir := filepath.Join(t.TempDir(), "c")
	if _, err := CloneCLI(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), nil); err != nil {
		t.Fatalf("CloneCLI: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "src", "main.go")); got != "package main\n" {
		t.Errorf("src/main.go = %q", got)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("git wrote to the caller's repository variables' paths: %v", entries)
	}
}
