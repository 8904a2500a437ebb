package provider_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/patgit/patgit/provider"
)

func urlGitLab(t testing.TB, base string) *provider.GitLab {
	t.Helper()
	g, err := provider.NewGitLab(provider.Config{BaseURL: base})
	if err != nil {
		t.Fatalf("NewGitLab(%q): %v", base, err)
	}
	return g
}

// glDeep is a namespace of 21 segments: a group with 20 ancestors.
var glDeep = func() string {
	s := make([]string, 21)
	for i := range s {
		s[i] = "g" + string(rune('a'+i))
	}
	return strings.Join(s, "/")
}()

func TestGitLabParseRepoGitLabCom(t *testing.T) {
	p := provider.Repo{Host: "gitlab.com", Owner: "gitlab-org", Name: "gitlab"}
	const clone = "https://gitlab.com/gitlab-org/gitlab.git"
	sub := provider.Repo{Host: "gitlab.com", Owner: "acme/platform/tools", Name: "cli.v2"}
	const subClone = "https://gitlab.com/acme/platform/tools/cli.v2.git"
	deep := provider.Repo{Host: "gitlab.com", Owner: glDeep, Name: "p"}
	cases := []urlCase{
		{raw: "https://gitlab.com/gitlab-org/gitlab", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab/", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab.git/", want: p, clone: clone},
		{raw: "https://GitLab.COM:443/gitlab-org/gitlab", want: p, clone: clone},
		{raw: "https://oauth2:" + urlSecret + "@gitlab.com/gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "https://gitlab-ci-token:" + urlSecret + "@gitlab.com/gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab?x=1#readme", want: p, clone: clone},
		// Web URLs: the project path ends at /-/.
		{raw: "https://gitlab.com/gitlab-org/gitlab/-/tree/master/app", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab/-/blob/master/README.md", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab/-/blob/main/node_modules/@types/x.d.ts", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab/-/merge_requests/1", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab/-/merge_requests/1/diffs?commit_id=abc", want: p, clone: clone},
		{raw: "https://gitlab.com/gitlab-org/gitlab/-/issues", want: p, clone: clone},
		{raw: "https://gitlab.com/acme/platform/tools/cli.v2/-/tree/main", want: sub, clone: subClone},
		// Nested subgroups.
		{raw: "https://gitlab.com/acme/platform/tools/cli.v2.git", want: sub, clone: subClone},
		{raw: "https://gitlab.com/" + glDeep + "/p.git", want: deep},
		{raw: "https://gitlab.com/" + glDeep + "/x/p.git", err: errURL},
		// ssh.
		{raw: "git@gitlab.com:gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "git@gitlab.com:gitlab-org/gitlab", want: p, clone: clone},
		{raw: "git@gitlab.com:acme/platform/tools/cli.v2.git", want: sub, clone: subClone},
		{raw: "ssh://git@gitlab.com/gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "ssh://git@gitlab.com:22/gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "ssh://git@altssh.gitlab.com:443/gitlab-org/gitlab.git", want: p, clone: clone},
		{raw: "ssh://git@gitlab.com:2222/gitlab-org/gitlab.git", err: errURL},
		{raw: "ssh://git@altssh.gitlab.com/gitlab-org/gitlab.git", err: errURL},
		{raw: "ssh://root@gitlab.com/gitlab-org/gitlab.git", err: errURL},
		// Not repositories.
		{raw: "https://gitlab.com/gitlab-org", err: errURL},
		{raw: "https://gitlab.com/", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/-/tree/main", err: errURL},
		{raw: "https://gitlab.com/groups/gitlab-org/-/epics", err: errURL},
		{raw: "https://gitlab.com/-/user_settings/personal_access_tokens", err: errURL},
		{raw: "https://gitlab.com/api/v4/projects", err: errURL},
		{raw: "https://gitlab.com/users/sign_in", err: errURL},
		{raw: "https://gitlab.com/explore/projects", err: errURL},
		{raw: "https://gitlab.com/help/user", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab/tree/master", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab/blob/master/README.md", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab/raw/master/README.md", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab/snippets/1.git", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab.git/info/lfs/objects", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/environments/folders", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab.wiki.git", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab.design.git", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/-bad", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/.hidden", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/feed.atom", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/my%20project", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/caf%C3%A9", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/a%2Fb", err: errURL},
		{raw: "https://gitlab.com/gitlab-org//gitlab", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/../gitlab", err: errURL},
		// Other hosts, look-alikes and tricks.
		{raw: "https://gitlab.com.evil.example/gitlab-org/gitlab", err: errURL},
		{raw: "https://evil.example/gitlab.com/gitlab-org/gitlab", err: errURL},
		{raw: "https://gitlab.com:8443/gitlab-org/gitlab", err: errURL},
		{raw: "https://gitlab.com@evil.example/gitlab-org/gitlab", err: errURL},
		{raw: "https://gitlab.com./gitlab-org/gitlab", err: errURL},
		{raw: "http://gitlab.com/gitlab-org/gitlab", err: errInsecure},
		{raw: "https:/gitlab.com/gitlab-org/gitlab", err: errURL},
		{raw: "https:gitlab.com/gitlab-org/gitlab", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab\\x", err: errURL},
		{raw: "https://gitlab.com/gitlab-org/gitlab\n", err: errURL},
		{raw: "https://a@b@gitlab.com/gitlab-org/gitlab", err: errURL},
		{raw: "ftp://gitlab.com/gitlab-org/gitlab", err: errURL},
		{raw: "", err: errURL},
	}
	urlCheck(t, urlGitLab(t, ""), cases)
}

func TestGitLabParseRepoSelfManaged(t *testing.T) {
	root := urlGitLab(t, "https://git.example.com/gitlab/")
	p := provider.Repo{Host: "git.example.com", Owner: "group/sub", Name: "project"}
	const clone = "https://git.example.com/gitlab/group/sub/project.git"
	urlCheck(t, root, []urlCase{
		{raw: "https://git.example.com/gitlab/group/sub/project.git", want: p, clone: clone},
		{raw: "https://git.example.com/gitlab/group/sub/project", want: p, clone: clone},
		{raw: "https://git.example.com/gitlab/group/sub/project/-/merge_requests/7", want: p, clone: clone},
		{raw: "git@git.example.com:group/sub/project.git", want: p, clone: clone},
		{raw: "ssh://git@git.example.com:2222/group/sub/project.git", want: p, clone: clone},
		{raw: "ssh://gitlab@git.example.com/group/sub/project.git", want: p, clone: clone},
		// The root comes from BaseURL only: without it, the URL is refused,
		// never read as a group "group".
		{raw: "https://git.example.com/group/sub/project.git", err: errURL},
		{raw: "https://git.example.com/GitLab/group/sub/project.git", err: errURL},
		{raw: "https://git.example.com/gitlab/project.git", err: errURL},
		{raw: "https://git.example.com:8443/gitlab/group/sub/project.git", err: errURL},
		{raw: "https://gitlab.com/group/sub/project.git", err: errURL},
	})
	// Without a root in BaseURL, "gitlab" is a top-level group.
	plain := urlGitLab(t, "https://git.example.com:8443")
	urlCheck(t, plain, []urlCase{
		{raw: "https://git.example.com:8443/gitlab/group/sub/project.git",
			want: provider.Repo{Host: "git.example.com:8443", Owner: "gitlab/group/sub", Name: "project"}},
		{raw: "git@git.example.com:gitlab/group/sub/project.git",
			want:  provider.Repo{Host: "git.example.com:8443", Owner: "gitlab/group/sub", Name: "project"},
			clone: "https://git.example.com:8443/gitlab/group/sub/project.git"},
		{raw: "https://git.example.com/gitlab/group/sub/project.git", err: errURL},
	})
	loop := urlGitLab(t, "http://127.0.0.1:8080/gl")
	urlCheck(t, loop, []urlCase{
		{raw: "http://127.0.0.1:8080/gl/a/b.git", want: provider.Repo{Host: "127.0.0.1:8080", Owner: "a", Name: "b"}, clone: "http://127.0.0.1:8080/gl/a/b.git"},
	})
	for _, base := range []string{"http://git.example.com", "https://git.example.com/git%20lab", "https://u:p@git.example.com", "ftp://git.example.com", "https://git.example.com/-bad"} {
		if _, err := provider.NewGitLab(provider.Config{BaseURL: base}); err == nil {
			t.Errorf("NewGitLab(%q) accepted", base)
		} else if base == "http://git.example.com" && !errors.Is(err, provider.ErrInsecureURL) {
			t.Errorf("NewGitLab(%q): %v, want ErrInsecureURL", base, err)
		}
	}
}

func TestGitLabCloneURL(t *testing.T) {
	g := urlGitLab(t, "https://git.example.com/gitlab")
	for _, tc := range []struct {
		r    provider.Repo
		want string
	}{
		{provider.Repo{Owner: "a/b", Name: "c"}, "https://git.example.com/gitlab/a/b/c.git"},
		{provider.Repo{Host: "git.example.com", Owner: "a", Name: "c"}, "https://git.example.com/gitlab/a/c.git"},
		{provider.Repo{Host: "other.example", Owner: "a", Name: "c"}, "https://other.example/a/c.git"},
		{provider.Repo{Owner: "a b", Name: "c@d"}, "https://git.example.com/gitlab/a%20b/c%40d.git"},
	} {
		if got := g.CloneURL(tc.r); got != tc.want {
			t.Errorf("CloneURL(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
	var zero *provider.GitLab
	if got := zero.CloneURL(provider.Repo{Host: "gitlab.com", Owner: "a", Name: "b"}); got != "https://gitlab.com/a/b.git" {
		t.Errorf("nil CloneURL = %q", got)
	}
}

func BenchmarkGitLabForms(b *testing.B) {
	g := urlGitLab(b, "https://git.example.com/gitlab")
	forms := []string{
		"https://git.example.com/gitlab/group/sub/project.git",
		"https://git.example.com/gitlab/group/sub/project/-/tree/main/dir",
		"git@git.example.com:group/sub/project.git",
		"ssh://git@git.example.com:2222/group/sub/project.git",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := g.ParseRepo(forms[i%len(forms)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForURLGitLab: ForURL on GitLab's forms (gitlab.com and a
// self-managed server with a relative URL root).
func BenchmarkForURLGitLab(b *testing.B) {
	sm := provider.Config{BaseURL: "https://git.example.com/gitlab", Name: "gitlab"}
	forms := []struct {
		raw string
		cfg provider.Config
	}{
		{"https://gitlab.com/gitlab-org/gitlab.git", provider.Config{}},
		{"https://gitlab.com/acme/platform/tools/cli/-/tree/main", provider.Config{}},
		{"git@gitlab.com:acme/platform/tools/cli.git", provider.Config{}},
		{"https://git.example.com/gitlab/acme/platform/tools/cli.git", sm},
		{"ssh://git@git.example.com:2222/acme/platform/tools/cli.git", sm},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := forms[i%len(forms)]
		if _, _, err := provider.ForURL(f.raw, f.cfg); err != nil {
			b.Fatal(err)
		}
	}
}
