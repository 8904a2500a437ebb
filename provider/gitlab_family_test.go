package provider_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// TestGitLabForURL: ForURL takes gitlab.com by name and a self-managed
// GitLab only when Config.Name says "gitlab"; nothing is guessed from a
// path or a host name that holds "gitlab".
func TestGitLabForURL(t *testing.T) {
	sm := provider.Config{BaseURL: "https://git.example.com/gitlab", Name: "gitlab"}
	repo := func(host, owner, name string) provider.Repo {
		return provider.Repo{Host: host, Owner: owner, Name: name}
	}
	cases := []struct {
		raw   string
		cfg   provider.Config
		want  provider.Repo
		clone string
		err   error
		hint  string
	}{
		{raw: "https://gitlab.com/gitlab-org/gitlab", want: repo("gitlab.com", "gitlab-org", "gitlab"), clone: "https://gitlab.com/gitlab-org/gitlab.git"},
		{raw: "https://gitlab.com/a/b/c/d/-/blob/main/x.go", want: repo("gitlab.com", "a/b/c", "d"), clone: "https://gitlab.com/a/b/c/d.git"},
		{raw: "git@gitlab.com:a/b/c.git", want: repo("gitlab.com", "a/b", "c"), clone: "https://gitlab.com/a/b/c.git"},
		{raw: "ssh://git@altssh.gitlab.com:443/a/b.git", want: repo("gitlab.com", "a", "b"), clone: "https://gitlab.com/a/b.git"},
		// A configured self-managed server does not change gitlab.com.
		{raw: "https://gitlab.com/a/b", cfg: sm, want: repo("gitlab.com", "a", "b"), clone: "https://gitlab.com/a/b.git"},
		{raw: "https://git.example.com/gitlab/a/b/c.git", cfg: sm, want: repo("git.example.com", "a/b", "c"), clone: "https://git.example.com/gitlab/a/b/c.git"},
		{raw: "git@git.example.com:a/b/c.git", cfg: sm, want: repo("git.example.com", "a/b", "c"), clone: "https://git.example.com/gitlab/a/b/c.git"},
		{raw: "ssh://git@git.example.com:2222/a/b/c.git", cfg: sm, want: repo("git.example.com", "a/b", "c"), clone: "https://git.example.com/gitlab/a/b/c.git"},
		{raw: "https://git.example.com/a/b/c.git", cfg: sm, err: provider.ErrUnsupportedURL, hint: "/gitlab"},
		// Without Config.Name, a BaseURL with a path is an Azure DevOps
		// Server collection, one without a GitHub Enterprise Server.
		{raw: "https://git.example.com/gitlab/a/b/c.git", cfg: provider.Config{BaseURL: "https://git.example.com/gitlab"}, err: provider.ErrUnsupportedURL},
		{raw: "https://gitlab.example.com/a/b.git", err: provider.ErrUnsupportedURL, hint: `Config.Name "gitlab"`},
		{raw: "https://gitlab.com.evil.example/a/b", err: provider.ErrUnsupportedURL, hint: "borrows"},
		{raw: "https://evil-gitlab.com/a/b", err: provider.ErrUnsupportedURL, hint: "borrows"},
		{raw: "https://gitlab.com:8443/a/b", err: provider.ErrUnsupportedURL},
		{raw: "https://gitlab.com/a/b", cfg: provider.Config{BaseURL: "https://gitlab.com", Name: "github"}, err: provider.ErrUnsupportedURL},
		{raw: "https://github.com/a/b", cfg: provider.Config{BaseURL: "https://gitlab.com"}, want: repo("github.com", "a", "b"), clone: "https://github.com/a/b.git"},
		{raw: "http://git.example.com/gitlab/a/b", cfg: sm, err: provider.ErrInsecureURL},
	}
	for _, tc := range cases {
		p, got, err := provider.ForURL(tc.raw, tc.cfg)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || p != nil || !strings.Contains(errString(err), tc.hint) {
				t.Errorf("ForURL(%q, %+v) = %v, %+v, %v; want %v holding %q", tc.raw, tc.cfg, p, got, err, tc.err, tc.hint)
			}
			continue
		}
		if err != nil || got != tc.want || p.CloneURL(got) != tc.clone {
			t.Errorf("ForURL(%q) = %+v, %v; want %+v, clone %s", tc.raw, got, err, tc.want, tc.clone)
			continue
		}
		if tc.want.Host == "gitlab.com" || tc.cfg.Name == "gitlab" {
			if p.Name() != "gitlab" {
				t.Errorf("ForURL(%q): provider %s", tc.raw, p.Name())
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestGitLabForURLBindsRepository: the provider ForURL returns checks a
// deploy token against the repository of the URL.
func TestGitLabForURLBindsRepository(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	s := glFake(t, "/gitlab")
	if err := s.AddProject("acme/sub/app", providertest.GitLabProjectOptions{}); err != nil {
		t.Fatal(err)
	}
	secret := providertest.GitLabDeployToken("bind")
	s.AddToken(secret, providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: "gitlab+deploy-token-2", Scopes: []string{"read_repository"},
		Projects: map[string]providertest.GitLabRole{"acme/sub/app": providertest.GitLabReporter}})
	cfg := provider.Config{BaseURL: s.URL, Name: "gitlab", Username: "gitlab+deploy-token-2"}
	p, _, err := provider.ForURL(s.URL+"/acme/sub/app/-/tree/main", cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.CheckScopes(context.Background(), ghToken(t, secret), "read_repository")
	if err != nil || rep.User != "gitlab+deploy-token-2" || len(rep.Missing)+len(rep.Unverified) != 0 {
		t.Errorf("%+v, %v", rep, err)
	}
	if s.Requests("git info/refs") != 1 || s.TotalRequests() != 1 {
		t.Errorf("requests: %d info/refs, %d in all", s.Requests("git info/refs"), s.TotalRequests())
	}
}

func TestGitLabTokenEnv(t *testing.T) {
	sm := provider.Config{BaseURL: "https://git.example.com/gitlab", Name: "gitlab"}
	user := []string{"GITLAB_TOKEN", "GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN"}
	withJob := append(append([]string{}, user...), "CI_JOB_TOKEN")
	ci := func(url string) map[string]string { return map[string]string{"CI_SERVER_URL": url} }
	cases := []struct {
		name string
		raw  string
		cfg  provider.Config
		env  map[string]string
		want []string
	}{
		{"gitlab.com", "https://gitlab.com/a/b", provider.Config{}, nil, user},
		{"gitlab.com, job on gitlab.com", "https://gitlab.com/a/b", provider.Config{}, ci("https://gitlab.com"), withJob},
		{"gitlab.com, job on a server", "https://gitlab.com/a/b", provider.Config{}, ci("https://git.example.com/gitlab"), user},
		{"self-managed named by BaseURL", "https://git.example.com/gitlab/a/b", sm, nil, user},
		{"self-managed, its job", "https://git.example.com/gitlab/a/b", sm, ci("https://git.example.com/gitlab"), withJob},
		{"self-managed, job on another port", "https://git.example.com/gitlab/a/b", sm, ci("https://git.example.com:8443/gitlab"), user},
		{"self-managed, job on gitlab.com", "https://git.example.com/gitlab/a/b", sm, ci("https://gitlab.com"), user},
		{"self-managed, CI_SERVER_URL malformed", "https://git.example.com/gitlab/a/b", sm, ci("git.example.com"), user},
		{"self-managed over ssh", "git@git.example.com:a/b.git", sm, ci("https://git.example.com/gitlab"), withJob},
	}
	for _, tc := range cases {
		p, r, err := provider.ForURL(tc.raw, tc.cfg)
		if err != nil {
			t.Fatalf("%s: ForURL: %v", tc.name, err)
		}
		if got := provider.TokenEnv(p, r, tc.cfg, envOf(tc.env)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: TokenEnv = %v; want %v", tc.name, got, tc.want)
		}
	}
	// GITLAB_HOST (a host name or a URL, as glab takes it) binds the user
	// tokens to its host, and only that host.
	g, _ := provider.NewGitLab(provider.Config{})
	for _, tc := range []struct {
		host, gitlabHost string
		want             []string
	}{
		{"git.example.com", "git.example.com", user},
		{"git.example.com", "https://git.example.com/", user},
		{"git.example.com:8443", "git.example.com:8443", user},
		{"git.example.com", "git.example.com:8443", nil},
		{"git.example.com", "other.example.com", nil},
		{"git.example.com", "", nil},
		{"git.example.com", "http://git.example.com", nil},
	} {
		got := provider.TokenEnv(g, provider.Repo{Host: tc.host}, provider.Config{}, envOf(map[string]string{"GITLAB_HOST": tc.gitlabHost}))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GITLAB_HOST=%q, host %s: %v; want %v", tc.gitlabHost, tc.host, got, tc.want)
		}
	}
	if got := provider.EnvNames("gitlab", "gitlab.com", envOf(nil)); !reflect.DeepEqual(got, user) {
		t.Errorf("EnvNames(gitlab.com) = %v", got)
	}
	if got := provider.EnvNames("gitlab", "git.example.com", envOf(ci("https://git.example.com"))); !reflect.DeepEqual(got, withJob) {
		t.Errorf("EnvNames(self-managed in CI) = %v", got)
	}
}

func TestGitLabCIConfig(t *testing.T) {
	job := map[string]string{"CI_SERVER_URL": "https://git.example.com/gitlab", "CI_API_V4_URL": "https://git.example.com/gitlab/api/v4"}
	cases := []struct {
		name                string
		raw                 string
		cfg                 provider.Config
		env                 map[string]string
		base, name2, apiURL string // "" base: unchanged
	}{
		{"the job's server", "https://git.example.com/gitlab/a/b.git", provider.Config{}, job, "https://git.example.com/gitlab", "gitlab", "https://git.example.com/gitlab/api/v4"},
		{"the job's server over ssh", "git@git.example.com:a/b.git", provider.Config{}, job, "https://git.example.com/gitlab", "gitlab", "https://git.example.com/gitlab/api/v4"},
		{"API on another host", "https://git.example.com/gitlab/a/b.git", provider.Config{}, map[string]string{"CI_SERVER_URL": "https://git.example.com/gitlab", "CI_API_V4_URL": "https://api.evil.example/api/v4"}, "https://git.example.com/gitlab", "gitlab", ""},
		{"another host", "https://other.example.com/a/b.git", provider.Config{}, job, "", "", ""},
		{"gitlab.com needs nothing", "https://gitlab.com/a/b.git", provider.Config{}, map[string]string{"CI_SERVER_URL": "https://gitlab.com"}, "", "", ""},
		{"BaseURL set", "https://git.example.com/gitlab/a/b.git", provider.Config{BaseURL: "https://x.example"}, job, "", "", ""},
		{"Name says another provider", "https://git.example.com/gitlab/a/b.git", provider.Config{Name: "github"}, job, "", "", ""},
		{"plain http job server", "http://git.example.com/gitlab/a/b.git", provider.Config{}, map[string]string{"CI_SERVER_URL": "http://git.example.com/gitlab"}, "", "", ""},
	}
	for _, tc := range cases {
		got := provider.CIConfig(tc.raw, tc.cfg, envOf(tc.env))
		want := tc.cfg
		if tc.base != "" {
			want.BaseURL, want.Name, want.APIURL = tc.base, tc.name2, tc.apiURL
		}
		if got != want {
			t.Errorf("%s: CIConfig = %+v; want %+v", tc.name, got, want)
		}
	}
	// The configuration works: ForURL parses the job's repository below
	// the server's relative URL root.
	cfg := provider.CIConfig("https://git.example.com/gitlab/a/b.git", provider.Config{}, envOf(job))
	if p, r, err := provider.ForURL("https://git.example.com/gitlab/a/b.git", cfg); err != nil || p.Name() != "gitlab" || r.Owner != "a" || r.Name != "b" {
		t.Errorf("ForURL with the CI configuration: %v, %+v, %v", p, r, err)
	}
}

func TestGitLabFamilyAnswers(t *testing.T) {
	p, r, err := provider.ForURL("https://gitlab.com/a/b", provider.Config{})
	if err != nil {
		t.Fatal(err)
	}
	job, _ := pat.New(providertest.GitLabJobToken("family", time.Time{}))
	personal, _ := pat.New(providertest.GitLabPersonalToken("family"))
	for _, tc := range []struct {
		tok          pat.Token
		basic, asked string
		want         string
	}{
		{job, "gitlab-ci-token", "", "gitlab-ci-token"},
		{personal, "oauth2", "someone", "oauth2"},
		{personal, "", "", "oauth2"},
	} {
		if got := provider.GitUsername(p, r, tc.tok, tc.basic, tc.asked); got != tc.want {
			t.Errorf("GitUsername(%v, %q, %q) = %q; want %q", tc.tok.Kind(), tc.basic, tc.asked, got, tc.want)
		}
	}
	if h := provider.TokenHint(p, r); !strings.Contains(h, "read_repository") || !strings.Contains(h, "https://gitlab.com/-/user_settings/personal_access_tokens") {
		t.Errorf("TokenHint = %q", h)
	}
	sm := provider.Config{BaseURL: "https://git.example.com/gitlab", Name: "gitlab"}
	for _, tc := range []struct {
		scheme, host string
		cfg          provider.Config
		ok           bool
	}{
		{"https", "gitlab.com", provider.Config{}, true},
		{"https", "GitLab.com:443", provider.Config{}, true},
		{"https", "git.example.com", sm, true},
		{"https", "altssh.gitlab.com", provider.Config{}, false},
		{"https", "gitlab.com:8443", provider.Config{}, false},
		{"https", "gitlab.com.evil.example", provider.Config{}, false},
		{"https", "git.example.com", provider.Config{}, false},
		{"https", "evil.example/gitlab.com", provider.Config{}, false},
		{"http", "gitlab.com", provider.Config{}, false},
	} {
		p, r, err := provider.ForHost(tc.scheme, tc.host, tc.cfg)
		if tc.ok != (err == nil) || tc.ok && (p.Name() != "gitlab" || r.Host != strings.TrimSuffix(strings.ToLower(tc.host), ":443")) {
			t.Errorf("ForHost(%q, %q) = %v, %+v, %v", tc.scheme, tc.host, p, r, err)
		}
	}
	for raw, ok := range map[string]bool{
		"https://gitlab.example.com/a/b":      true,
		"https://gitlab.com.evil.example/a/b": false,
		"https://gitlab.com/a/b":              false,
	} {
		if _, err := provider.PlainURL(raw, provider.Config{}); ok != (err == nil) {
			t.Errorf("PlainURL(%q): %v", raw, err)
		}
	}
}
