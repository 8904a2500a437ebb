package gitauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

func TestClone(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, host, secret string
	}{
		{"github read token", "github", f.ghRead},
		{"github write token", "github", f.ghWrite},
		{"azure read token", "azure", f.azRead},
		{"azure write token", "azure", f.azWrite},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			repo, err := Clone(context.Background(), f.url(tc.host), dir, f.opts(t, tc.host, tc.secret), nil)
			if err != nil {
				testkit.NoLeak(t, "error", err, f.secrets()...)
				t.Fatalf("Clone: %v", err)
			}
			if got := readFile(t, filepath.Join(dir, "src", "main.go")); got != "package main\n" {
				t.Errorf("src/main.go = %q", got)
			}
			head, err := repo.Head()
			if err != nil || head.Name() != plumbing.NewBranchReferenceName("main") {
				t.Errorf("Head = %v, %v; want refs/heads/main", head, err)
			}
			cfg := readFile(t, filepath.Join(dir, ".git", "config"))
			if strings.Contains(cfg, tc.secret) {
				t.Fatalf(".git/config holds the token:\n%s", cfg)
			}
			if got := gitConfigURL(t, dir); got != f.url(tc.host) {
				t.Errorf("remote.origin.url = %q; want %q", got, f.url(tc.host))
			}
		})
	}
}

func TestCloneFromOtherURLForms(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, host, raw string
	}{
		{"github web URL", "github", f.gh.URL + "/" + ghOwner + "/" + ghName},
		{"github URL with credentials", "github", strings.Replace(f.gh.URL, "http://", "http://someone:"+f.ghNone+"@", 1) + "/" + ghOwner + "/" + ghName + ".git"},
		{"azure URL with org user", "azure", strings.Replace(f.azURL, "http://", "http://"+azOrg+"@", 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret := f.ghRead
			if tc.host == "azure" {
				secret = f.azRead
			}
			dir := filepath.Join(t.TempDir(), "c")
			_, err := Clone(context.Background(), tc.raw, dir, f.opts(t, tc.host, secret), nil)
			if err != nil {
				testkit.NoLeak(t, "error", err, f.secrets()...)
				t.Fatalf("Clone(%s): %v", tc.name, err)
			}
			if got := gitConfigURL(t, dir); got != f.url(tc.host) {
				t.Errorf("remote.origin.url = %q; want the clean %q", got, f.url(tc.host))
			}
			if cfg := readFile(t, filepath.Join(dir, ".git", "config")); strings.Contains(cfg, f.ghNone) || strings.Contains(cfg, "someone") {
				t.Errorf(".git/config keeps the URL's credentials:\n%s", cfg)
			}
		})
	}
}

func TestCloneInMemory(t *testing.T) {
	f := newFixture(t)
	repo, err := Clone(context.Background(), f.azURL, "", f.opts(t, "azure", f.azRead), &git.CloneOptions{Depth: 1, SingleBranch: true})
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	if _, err := repo.Head(); err != nil {
		t.Fatalf("Head: %v", err)
	}
}

func TestCloneKeepsCallerOptions(t *testing.T) {
	f := newFixture(t)
	decoy := &githttp.BasicAuth{Username: "decoy", Password: "decoy-password"}
	in := &git.CloneOptions{URL: "http://127.0.0.1:1/elsewhere.git", Auth: decoy, Depth: 1, Tags: git.NoTags}
	want := *in
	if _, err := Clone(context.Background(), f.ghURL, filepath.Join(t.TempDir(), "c"), f.opts(t, "github", f.ghRead), in); err != nil {
		t.Fatalf("Clone: %v", err)
	}
	if !reflect.DeepEqual(*in, want) {
		t.Errorf("Clone modified the caller's options: %+v; want %+v", *in, want)
	}
	if decoy.Password != "decoy-password" || decoy.Username != "decoy" {
		t.Errorf("Clone modified the caller's Auth")
	}
}

func TestCloneErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, host, secret, raw string
		want                    error
		status                  int
		says                    []string
	}{
		{name: "github unknown token", host: "github", secret: f.ghBad, want: provider.ErrUnauthorized, status: 401, says: []string{"token rejected", "octo/hello"}},
		{name: "github no access", host: "github", secret: f.ghNone, want: ErrRepoNotFound, status: 404, says: []string{"octo/hello not found or the token cannot see it"}},
		{name: "github missing repo", host: "github", secret: f.ghRead, raw: "/octo/nope.git", want: ErrRepoNotFound, status: 404, says: []string{"octo/nope"}},
		{name: "github SAML SSO", host: "github", secret: f.ghSSO, want: provider.ErrSSORequired, status: 403, says: []string{"single sign-on", "/orgs/octo/sso"}},
		{name: "azure unknown token", host: "azure", secret: f.azBad, want: provider.ErrUnauthorized, status: 401, says: []string{"token rejected", "vso.code"}},
		{name: "azure token without vso.code", host: "azure", secret: f.azNone, want: provider.ErrUnauthorized, status: 401},
		{name: "azure missing repo", host: "azure", secret: f.azRead, raw: "/" + azOrg + "/My%20Project/_git/nope", want: ErrRepoNotFound, status: 404, says: []string{"TF401019"}},
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
			dir := filepath.Join(t.TempDir(), "a", "b")
			opts := f.opts(t, tc.host, tc.secret)
			if tc.host == "github" {
				// Skip the login look-up: the git endpoint must answer.
				opts.Provider.Username = ghLogin
			}
			_, err := Clone(context.Background(), raw, dir, opts, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Clone = %v; want %v", err, tc.want)
			}
			testkit.NoLeak(t, "error", err, f.secrets()...)
			var re *RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("Clone error %T is not a *RemoteError", err)
			}
			if re.Status != tc.status {
				t.Errorf("Status = %d; want %d", re.Status, tc.status)
			}
			cleanURL := raw
			if tc.raw == "" {
				cleanURL = f.url(tc.host)
			}
			if !strings.Contains(err.Error(), cleanURL) {
				t.Errorf("error %q does not name the remote %s", err, cleanURL)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if _, serr := os.Stat(filepath.Dir(dir)); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("failed Clone left %s behind (%v)", filepath.Dir(dir), serr)
			}
		})
	}
}

func TestCloneLoginLookupFails(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(t.TempDir(), "c")
	_, err := Clone(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghBad), nil)
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Fatalf("Clone = %v; want ErrUnauthorized", err)
	}
	testkit.NoLeak(t, "error", err, f.secrets()...)
	if n := f.gh.Requests("git info/refs"); n != 0 {
		t.Errorf("Clone went on to git after the token was rejected (%d requests)", n)
	}
	if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("failed Clone created %s", dir)
	}
}

func TestUsernameCached(t *testing.T) {
	f := newFixture(t)
	opts := f.opts(t, "github", f.ghRead)
	for i := range 3 {
		if _, err := Clone(context.Background(), f.ghURL, "", opts, nil); err != nil {
			t.Fatal(err)
		}
		if n := f.gh.Requests("GET /user"); n != 1 {
			t.Errorf("after %d clones: %d GET /user requests; want 1", i+1, n)
		}
	}
	opts.Provider.CacheTTL = -1
	f.gh.ResetCounts()
	for range 2 {
		if _, err := Auth(context.Background(), f.ghURL, opts); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.gh.Requests("GET /user"); n != 2 {
		t.Errorf("with CacheTTL < 0: %d GET /user requests; want 2", n)
	}
}

func TestCloneSSOErrorNamesURL(t *testing.T) {
	f := newFixture(t)
	_, err := Clone(context.Background(), f.ghURL, "", f.opts(t, "github", f.ghSSO), nil)
	var sso *provider.SSOError
	if !errors.As(err, &sso) {
		t.Fatalf("Clone = %v; want *provider.SSOError", err)
	}
	if sso.URL != f.gh.SSOURL(ghOwner) {
		t.Errorf("SSOError.URL = %q; want %q", sso.URL, f.gh.SSOURL(ghOwner))
	}
	if !errors.Is(err, transport.ErrAuthorizationFailed) {
		t.Errorf("error does not match go-git's ErrAuthorizationFailed")
	}
}

func TestCloneDestination(t *testing.T) {
	f := newFixture(t)
	bad := f.opts(t, "github", f.ghBad)
	good := f.opts(t, "github", f.ghRead)

	t.Run("pre-existing empty dir is kept and emptied", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Clone(context.Background(), f.ghURL, dir, bad, nil); err == nil {
			t.Fatal("Clone with a bad token succeeded")
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("the pre-existing directory is gone: %v", err)
		}
		if len(entries) != 0 {
			t.Errorf("failed Clone left %d entries in %s", len(entries), dir)
		}
	})
	t.Run("non-empty dir is refused", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Clone(context.Background(), f.ghURL, dir, good, nil)
		if !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("Clone into a non-empty dir = %v; want ErrNotEmpty", err)
		}
		if got := readFile(t, filepath.Join(dir, "keep.txt")); got != "mine" {
			t.Errorf("keep.txt = %q", got)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			t.Errorf("Clone created .git in a non-empty directory")
		}
	})
	t.Run("existing repository", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "c")
		if _, err := Clone(context.Background(), f.ghURL, dir, good, nil); err != nil {
			t.Fatal(err)
		}
		_, err := Clone(context.Background(), f.ghURL, dir, good, nil)
		if !errors.Is(err, git.ErrRepositoryAlreadyExists) {
			t.Fatalf("second Clone = %v; want git.ErrRepositoryAlreadyExists", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		dir := filepath.Join(t.TempDir(), "c")
		if _, err := Clone(ctx, f.ghURL, dir, good, nil); err == nil {
			t.Fatal("Clone with a cancelled context succeeded")
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cancelled Clone left %s", dir)
		}
	})
}

func TestPushAndFetch(t *testing.T) {
	f := newFixture(t)
	for _, host := range []string{"github", "azure"} {
		t.Run(host, func(t *testing.T) {
			ctx := context.Background()
			write := f.opts(t, host, map[string]string{"github": f.ghWrite, "azure": f.azWrite}[host])
			read := f.opts(t, host, map[string]string{"github": f.ghRead, "azure": f.azRead}[host])
			a, err := Clone(ctx, f.url(host), filepath.Join(t.TempDir(), "a"), read, nil)
			if err != nil {
				t.Fatalf("Clone a: %v", err)
			}
			b, err := Clone(ctx, f.url(host), filepath.Join(t.TempDir(), "b"), write, nil)
			if err != nil {
				t.Fatalf("Clone b: %v", err)
			}
			commitFile(t, b, "new-"+host+".txt", "pushed\n")

			// A read token may not push.
			err = Push(ctx, b, f.url(host), read, nil)
			if host == "github" {
				if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "token can read but not write octo/hello") {
					t.Errorf("Push with a read token = %v; want ErrAccessDenied, token can read but not write", err)
				}
			} else if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "vso.code_write") {
				// Azure DevOps answers 401 to a PAT without vso.code_write.
				t.Errorf("Push with a read token = %v; want ErrUnauthorized naming vso.code_write", err)
			}
			testkit.NoLeak(t, "error", err, f.secrets()...)

			if err := Push(ctx, b, f.url(host), write, nil); err != nil {
				t.Fatalf("Push: %v", err)
			}
			if err := Push(ctx, b, f.url(host), write, nil); !errors.Is(err, git.NoErrAlreadyUpToDate) {
				t.Errorf("second Push = %v; want git.NoErrAlreadyUpToDate", err)
			}
			bHead, _ := b.Head()

			// A fetch into the existing clone a, with multi_ack negotiated
			// on Azure DevOps, must bring the new commit. Record whether
			// go-git managed it directly or Fetch had to recover.
			orig := repoFetch
			var direct error
			repoFetch = func(ctx context.Context, repo *git.Repository, o *git.FetchOptions) error {
				direct = orig(ctx, repo, o)
				return direct
			}
			err = Fetch(ctx, a, f.url(host), read, nil)
			repoFetch = orig
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if direct != nil {
				t.Logf("go-git's own fetch failed (%v); Fetch recovered", direct)
			}
			ref, err := a.Reference(plumbing.NewRemoteReferenceName("origin", "main"), true)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Hash() != bHead.Hash() {
				t.Errorf("origin/main after Fetch = %s; want %s", ref.Hash(), bHead.Hash())
			}
			if _, err := a.CommitObject(bHead.Hash()); err != nil {
				t.Errorf("fetched commit not in the repository: %v", err)
			}
			if err := Fetch(ctx, a, f.url(host), read, nil); !errors.Is(err, git.NoErrAlreadyUpToDate) {
				t.Errorf("second Fetch = %v; want git.NoErrAlreadyUpToDate", err)
			}

			// And the git CLI agrees the clone is sound.
			wt, _ := a.Worktree()
			if out, err := exec.Command("git", "-C", wt.Filesystem.Root(), "fsck", "--no-progress").CombinedOutput(); err != nil {
				t.Errorf("git fsck: %v\n%s", err, out)
			}
		})
	}
}

func TestFetchRecoversFromMultiAckFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	read := f.opts(t, "azure", f.azRead)
	write := f.opts(t, "azure", f.azWrite)
	a, err := Clone(ctx, f.azURL, filepath.Join(t.TempDir(), "a"), read, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Clone(ctx, f.azURL, filepath.Join(t.TempDir(), "b"), write, nil)
	if err != nil {
		t.Fatal(err)
	}
	commitFile(t, b, "later.txt", "later\n")
	if err := Push(ctx, b, f.azURL, write, nil); err != nil {
		t.Fatal(err)
	}
	bHead, _ := b.Head()

	// Make the first fetch fail the way go-git v5 fails to read a multi_ack
	// answer; the recovery must then bring the commit.
	var calls int
	var mu sync.Mutex
	orig := repoFetch
	t.Cleanup(func() { repoFetch = orig })
	repoFetch = func(ctx context.Context, repo *git.Repository, o *git.FetchOptions) error {
		mu.Lock()
		calls++
		mu.Unlock()
		return errors.New("multi_ack and multi_ack_detailed are not supported: unexpected EOF")
	}
	f.az.ResetCounts()
	if err := Fetch(ctx, a, f.azURL, read, nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if calls != 1 {
		t.Errorf("fetch attempts = %d; want 1", calls)
	}
	if n := f.az.Requests("git upload-pack"); n != 1 {
		t.Errorf("recovery made %d upload-pack requests; want 1", n)
	}
	ref, err := a.Reference(plumbing.NewRemoteReferenceName("origin", "main"), true)
	if err != nil || ref.Hash() != bHead.Hash() {
		t.Fatalf("origin/main = %v, %v; want %s", ref, err, bHead.Hash())
	}
	c, err := a.CommitObject(bHead.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.File("later.txt"); err != nil {
		t.Errorf("recovered commit lacks its tree: %v", err)
	}
	wt, _ := a.Worktree()
	if out, err := exec.Command("git", "-C", wt.Filesystem.Root(), "fsck", "--no-progress").CombinedOutput(); err != nil {
		t.Errorf("git fsck after recovery: %v\n%s", err, out)
	}

	// A packfile go-git could not decode after multi_ack negotiation is
	// recovered from too.
	commitFile(t, b, "later2.txt", "later\n")
	if err := Push(ctx, b, f.azURL, write, nil); err != nil {
		t.Fatal(err)
	}
	bHead, _ = b.Head()
	repoFetch = func(ctx context.Context, repo *git.Repository, o *git.FetchOptions) error {
		return fmt.Errorf("decoding: %w", packfile.ErrBadSignature)
	}
	if err := Fetch(ctx, a, f.azURL, read, nil); err != nil {
		t.Fatalf("Fetch after a packfile error: %v", err)
	}
	if ref, err := a.Reference(plumbing.NewRemoteReferenceName("origin", "main"), true); err != nil || ref.Hash() != bHead.Hash() {
		t.Fatalf("origin/main = %v, %v; want %s", ref, err, bHead.Hash())
	}

	// A failure that is not multi_ack is reported, not retried.
	repoFetch = func(ctx context.Context, repo *git.Repository, o *git.FetchOptions) error {
		return transport.ErrRepositoryNotFound
	}
	if err := Fetch(ctx, a, f.azURL, read, nil); !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("Fetch = %v; want ErrRepoNotFound", err)
	}
}

// TestRawGoGitFailsOnAzure shows that go-git alone, with the credentials
// patgit would use, cannot clone from Azure DevOps: the fake refuses it with
// TF401041, as Azure DevOps does. go-git's capability list is process-wide
// and patgit changes it, so the clone runs in a fresh test process that
// never calls patgit's transfers.
func TestRawGoGitFailsOnAzure(t *testing.T) {
	if os.Getenv("GITAUTH_TEST_RAW_GOGIT") == "1" {
		rawGoGitChild(t)
		return
	}
	if err := exec.Command("true").Run(); err != nil {
		t.Skip("cannot run subprocesses")
	}
	f := newFixture(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRawGoGitFailsOnAzure$", "-test.v")
	cmd.Env = append(os.Environ(), "GITAUTH_TEST_RAW_GOGIT=1", "GITAUTH_TEST_RAW_URL="+f.azURL, "GITAUTH_TEST_RAW_TOKEN="+f.azRead)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "raw go-git refused with TF401041") {
		t.Fatalf("child did not see TF401041:\n%s", out)
	}
	if strings.Contains(string(out), f.azRead) {
		t.Fatalf("child output holds the token")
	}
	// In this process, through patgit, the same clone works.
	if _, err := Clone(context.Background(), f.azURL, "", f.opts(t, "azure", f.azRead), nil); err != nil {
		t.Fatalf("Clone through patgit: %v", err)
	}
}

func rawGoGitChild(t *testing.T) {
	if MultiAckEnabled() {
		t.Fatal("multi_ack already enabled in a fresh process")
	}
	raw, secret := os.Getenv("GITAUTH_TEST_RAW_URL"), os.Getenv("GITAUTH_TEST_RAW_TOKEN")
	_, err := git.CloneContext(context.Background(), memory.NewStorage(), nil, &git.CloneOptions{
		URL:  raw,
		Auth: &githttp.BasicAuth{Password: secret},
	})
	if err == nil {
		t.Fatal("raw go-git cloned from the Azure fake without multi_ack")
	}
	tok, terr := pat.New(secret)
	if terr != nil {
		t.Fatal(terr)
	}
	tgt := &target{op: "clone", remote: raw, repo: "contoso/My Project/widgets", tokens: []pat.Token{tok}}
	mapped := tgt.mapError(err)
	if !errors.Is(mapped, ErrMultiAck) || !strings.Contains(mapped.Error(), "TF401041") {
		t.Fatalf("raw go-git error %v maps to %v; want ErrMultiAck with TF401041", err, mapped)
	}
	testkit.NoLeak(t, "error", mapped, secret)
	t.Log("raw go-git refused with TF401041:", mapped)
}

func TestConcurrentClones(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		host := "github"
		secret := f.ghRead
		if i%2 == 1 {
			host, secret = "azure", f.azRead
		}
		opts := f.opts(t, host, secret)
		dir := ""
		if i%4 < 2 {
			dir = filepath.Join(t.TempDir(), "c")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			repo, err := Clone(context.Background(), f.url(host), dir, opts, &git.CloneOptions{Depth: 1})
			if err == nil {
				_, err = repo.Head()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Clone: %v", err)
		}
	}
	if !MultiAckEnabled() {
		t.Errorf("MultiAckEnabled = false after Clone")
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, host, secret, user string
	}{
		{"github login", "github", f.ghRead, ghLogin},
		{"azure", "azure", f.azRead, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			auth, err := Auth(context.Background(), f.url(tc.host), f.opts(t, tc.host, tc.secret))
			if err != nil {
				t.Fatalf("Auth: %v", err)
			}
			if auth.Username != tc.user || auth.Password != tc.secret {
				t.Errorf("Auth = %q / (password %v); want user %q and the token", auth.Username, auth.Password == tc.secret, tc.user)
			}
		})
	}
	t.Run("token of the other provider", func(t *testing.T) {
		_, err := Auth(context.Background(), f.azURL, f.opts(t, "azure", f.ghRead))
		if !errors.Is(err, provider.ErrTokenMismatch) {
			t.Errorf("Auth = %v; want ErrTokenMismatch", err)
		}
		testkit.NoLeak(t, "error", err, f.ghRead)
	})
}

func TestResolveFromEnvironment(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	t.Setenv("GITHUB_ENTERPRISE_TOKEN", f.ghRead)
	t.Setenv("SYSTEM_ACCESSTOKEN", f.azRead)
	cases := []struct {
		host, origin, secret string
	}{
		{"github", "env GITHUB_ENTERPRISE_TOKEN", f.ghRead},
		{"azure", "env SYSTEM_ACCESSTOKEN", f.azRead},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			cfg := f.ghCfg
			if tc.host == "azure" {
				cfg = f.azCfg
			}
			r, err := Resolve(context.Background(), f.url(tc.host), Options{Provider: cfg})
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if r.Token.Origin() != tc.origin || r.Token.Secret() != tc.secret {
				t.Errorf("Token origin = %q; want %q", r.Token.Origin(), tc.origin)
			}
			if r.CloneURL != f.url(tc.host) {
				t.Errorf("CloneURL = %q; want %q", r.CloneURL, f.url(tc.host))
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				if s := fmt.Sprintf(verb, r) + fmt.Sprintf(verb, *r); strings.Contains(s, tc.secret) {
					t.Errorf("Resolved printed with %s shows the token", verb)
				}
			}
			if b, err := json.Marshal(r); err != nil || strings.Contains(string(b), tc.secret) {
				t.Errorf("Resolved as JSON shows the token (or fails: %v)", err)
			}
			if _, err := Clone(context.Background(), f.url(tc.host), "", Options{Provider: cfg}, nil); err != nil {
				t.Errorf("Clone with the token from the environment: %v", err)
			}
		})
	}
}

func TestResolveNoToken(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	cases := []struct {
		name, raw string
		cfg       provider.Config
		want      string
	}{
		{"github.com", "https://github.com/octo/hello", provider.Config{}, "gitauth: no token for github.com: GH_TOKEN, GITHUB_TOKEN unset; git credential helper had none for github.com"},
		{"ghe.com", "https://octocorp.ghe.com/octo/hello", provider.Config{}, "GH_TOKEN, GITHUB_TOKEN unset"},
		{"enterprise server", f.ghURL, f.ghCfg, "GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN unset"},
		{"azure devops", "https://dev.azure.com/contoso/p/_git/r", provider.Config{}, "gitauth: no token for dev.azure.com: AZURE_DEVOPS_EXT_PAT, SYSTEM_ACCESSTOKEN unset; git credential helper"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), tc.raw, Options{Provider: tc.cfg})
			if !errors.Is(err, pat.ErrNotFound) {
				t.Fatalf("Resolve = %v; want pat.ErrNotFound", err)
			}
			var nt *NoTokenError
			if !errors.As(err, &nt) {
				t.Fatalf("error %T is not a *NoTokenError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q; want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("configured source", func(t *testing.T) {
		_, err := Resolve(context.Background(), f.ghURL, Options{Provider: f.ghCfg, Source: pat.Env("PATGIT_TEST_UNSET_VARIABLE")})
		if !errors.Is(err, pat.ErrNotFound) || !strings.Contains(err.Error(), "PATGIT_TEST_UNSET_VARIABLE") {
			t.Errorf("Resolve = %v; want ErrNotFound naming the variable", err)
		}
	})
}

func TestEnvVars(t *testing.T) {
	cases := []struct {
		provider, host string
		want           []string
	}{
		{"github", "github.com", []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"github", "GitHub.com:443", []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"github", "octocorp.ghe.com", []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"github", "ghe.example.com", []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}},
		{"github", "127.0.0.1:8080", []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}},
		{"azure-devops", "dev.azure.com", []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"azure-devops", "contoso.visualstudio.com", []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"azure-devops", "tfs.example.com:8080", []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"other", "example.com", nil},
	}
	for _, tc := range cases {
		if got := EnvVars(tc.provider, tc.host); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("EnvVars(%q, %q) = %v; want %v", tc.provider, tc.host, got, tc.want)
		}
	}
}

func TestEnableMultiAck(t *testing.T) {
	EnableMultiAck()
	EnableMultiAck()
	if !MultiAckEnabled() {
		t.Fatal("MultiAckEnabled = false after EnableMultiAck")
	}
	if len(transport.UnsupportedCapabilities) != 1 || transport.UnsupportedCapabilities[0] != "thin-pack" {
		t.Errorf("UnsupportedCapabilities = %v; want [thin-pack] kept", transport.UnsupportedCapabilities)
	}
}

// TestFetchDiverged fetches into a clone that has commits of its own while
// the server gained several: the negotiation sends haves the server does not
// know, where go-git's multi_ack handling is weakest.
func TestFetchDiverged(t *testing.T) {
	f := newFixture(t)
	for _, host := range []string{"github", "azure"} {
		t.Run(host, func(t *testing.T) {
			ctx := context.Background()
			write := f.opts(t, host, map[string]string{"github": f.ghWrite, "azure": f.azWrite}[host])
			a, err := Clone(ctx, f.url(host), filepath.Join(t.TempDir(), "a"), write, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Clone(ctx, f.url(host), filepath.Join(t.TempDir(), "b"), write, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				commitFile(t, a, "local"+strconv.Itoa(i)+".txt", "local\n")
				commitFile(t, b, "remote"+strconv.Itoa(i)+".txt", "remote\n")
			}
			if err := Push(ctx, b, f.url(host), write, nil); err != nil {
				t.Fatal(err)
			}
			bHead, _ := b.Head()
			if err := Fetch(ctx, a, f.url(host), write, &git.FetchOptions{Tags: git.AllTags}); err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			ref, err := a.Reference(plumbing.NewRemoteReferenceName("origin", "main"), true)
			if err != nil || ref.Hash() != bHead.Hash() {
				t.Fatalf("origin/main = %v, %v; want %s", ref, err, bHead.Hash())
			}
			wt, _ := a.Worktree()
			if out, err := exec.Command("git", "-C", wt.Filesystem.Root(), "fsck", "--no-progress").CombinedOutput(); err != nil {
				t.Errorf("git fsck: %v\n%s", err, out)
			}
		})
	}
}
