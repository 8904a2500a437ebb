package gitauth

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/provider/providertest"
)

// addSubmodule commits to the bare repository dir a submodule "lib" whose
// URL is subURL: a gitlink to commit and a .gitmodules entry.
func addSubmodule(t *testing.T, dir, subURL, commit string) {
	t.Helper()
	work := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(),
			"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_TERMINAL_PROMPT=0",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@patgit.invalid",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@patgit.invalid")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("clone", "-q", dir, ".")
	gitmodules := "[submodule \"lib\"]\n\tpath = lib\n\turl = " + subURL + "\n"
	if err := os.WriteFile(filepath.Join(work, ".gitmodules"), []byte(gitmodules), 0o644); err != nil {
		t.Fatal(err)
	}
	run("add", ".gitmodules")
	run("update-index", "--add", "--cacheinfo", "160000,"+commit+",lib")
	run("commit", "-q", "-m", "add submodule")
	run("push", "-q", "origin", "HEAD:main")
}

// A submodule on another host must not receive the token go-git was given
// for the superproject: go-git hands CloneOptions.Auth to every submodule.
func TestCloneSubmoduleOnOtherHostGetsNoToken(t *testing.T) {
	f := newFixture(t)
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), rec.OtherURL+"/evil/lib.git", "1111111111111111111111111111111111111111")

	dir := filepath.Join(t.TempDir(), "c")
	_, err = Clone(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
	testkit.NoLeak(t, "error", err, f.secrets()...)
	if len(rec.Requests()) == 0 {
		t.Fatalf("the submodule's host was never asked (clone error: %v)", err)
	}
	if n := rec.Credentialed(); n != 0 {
		t.Fatalf("%d requests to the submodule's host carried credentials: %+v", n, rec.Requests())
	}
}

// A submodule on the remote's own host gets the credentials.
func TestCloneSubmoduleOnSameHost(t *testing.T) {
	f := newFixture(t)
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
	addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), f.gh.URL+"/"+ghOwner+"/lib.git", strings.TrimSpace(string(out)))

	dir := filepath.Join(t.TempDir(), "c")
	if _, err := Clone(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth}); err != nil {
		testkit.NoLeak(t, "error", err, f.secrets()...)
		t.Fatalf("Clone: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lib", "lib.go")); err != nil {
		t.Fatalf("submodule not checked out: %v", err)
	}
}

// A submodule the token cannot fetch fails the clone with an error about the
// submodule and its own remote, not the superproject the token can read; the
// clone leaves nothing behind.
func TestCloneSubmoduleFailureNamesTheSubmodule(t *testing.T) {
	for _, tc := range []struct{ name, gitmodulesURL string }{
		{"absolute URL", ""}, // filled in below: the fake's own URL
		{"relative URL", "../missing.git"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			want := f.gh.URL + "/" + ghOwner + "/missing.git"
			subURL := tc.gitmodulesURL
			if subURL == "" {
				subURL = want
			}
			addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), subURL, "1111111111111111111111111111111111111111")

			dir := filepath.Join(t.TempDir(), "c")
			_, err := Clone(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
			testkit.NoLeak(t, "error", err, f.secrets()...)
			var se *SubmoduleError
			if !errors.As(err, &se) || se.Path != "lib" || se.URL != want || se.Super != f.ghURL {
				t.Fatalf("err = %#v (%v); want a SubmoduleError for lib at %s", err, err, want)
			}
			var re *RemoteError
			if !errors.As(err, &re) || re.Remote != want || re.Repo != ghOwner+"/missing" || !errors.Is(err, ErrRepoNotFound) {
				t.Errorf("err = %v; want a RemoteError for %s (%s/missing) matching ErrRepoNotFound", err, want, ghOwner)
			}
			if !strings.Contains(err.Error(), `submodule "lib"`) {
				t.Errorf("err = %v; want it to name the submodule", err)
			}
			if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
				t.Errorf("a failed clone left %s behind", dir)
			}
		})
	}
}

// A nested submodule's failure names its whole path; RecurseSubmodules
// counts levels as go-git does, so depth 1 never fetches the nested one.
func TestCloneNestedSubmodule(t *testing.T) {
	f := newFixture(t)
	if err := f.gh.AddRepo(ghOwner, "lib", map[string]string{"lib.go": "package lib\n"}); err != nil {
		t.Fatal(err)
	}
	f.gh.AddToken(f.ghRead, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, Repos: map[string]providertest.Access{
		ghOwner + "/" + ghName: providertest.AccessRead, ghOwner + "/lib": providertest.AccessRead,
	}})
	// lib has a submodule "lib" of its own, in a repository that does not exist.
	libDir := f.gh.RepoDir(ghOwner, "lib")
	addSubmodule(t, libDir, "../missing.git", "1111111111111111111111111111111111111111")
	out, err := exec.Command("git", "--git-dir", libDir, "rev-parse", "main").Output()
	if err != nil {
		t.Fatal(err)
	}
	addSubmodule(t, f.gh.RepoDir(ghOwner, ghName), "../lib.git", strings.TrimSpace(string(out)))

	dir := filepath.Join(t.TempDir(), "one-level")
	if _, err := Clone(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: 1}); err != nil {
		t.Fatalf("Clone with RecurseSubmodules 1: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "lib", "lib.go")); err != nil {
		t.Errorf("first-level submodule not checked out: %v", err)
	}

	dir = filepath.Join(t.TempDir(), "all-levels")
	_, err = Clone(context.Background(), f.ghURL, dir, f.opts(t, "github", f.ghRead), &git.CloneOptions{RecurseSubmodules: git.DefaultSubmoduleRecursionDepth})
	testkit.NoLeak(t, "error", err, f.secrets()...)
	var se *SubmoduleError
	if !errors.As(err, &se) || se.Path != "lib/lib" || se.URL != f.gh.URL+"/"+ghOwner+"/missing.git" || !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("err = %v; want a SubmoduleError for lib/lib at %s/%s/missing.git matching ErrRepoNotFound", err, f.gh.URL, ghOwner)
	}
}
