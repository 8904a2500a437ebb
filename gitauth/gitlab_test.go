package gitauth

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// glFixture is a fake self-managed GitLab below a relative URL root with one
// project in a nested namespace, and a token of every kind.
type glFixture struct {
	s   *providertest.GitLabServer
	url string          // clean clone URL
	cfg provider.Config // BaseURL and Name of the server

	read, write, dev, userOnly, job, deploy, oauth string
}

const (
	glPath       = "acme/platform/app"
	glDeployUser = "gitlab+deploy-token-4"
)

func newGitLabFixture(t testing.TB) *glFixture {
	t.Helper()
	testkit.RequireGit(t)
	s, err := providertest.NewGitLabServerAt("/gitlab")
	if err != nil {
		t.Fatalf("fake GitLab: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.AddProject(glPath, providertest.GitLabProjectOptions{Files: map[string]string{"README.md": "# hello\n"}}); err != nil {
		t.Fatal(err)
	}
	f := &glFixture{
		s:        s,
		url:      s.URL + "/" + glPath + ".git",
		cfg:      provider.Config{BaseURL: s.URL, Name: "gitlab"},
		read:     providertest.GitLabPersonalToken("gitauth-read"),
		write:    providertest.GitLabPersonalToken("gitauth-write"),
		dev:      providertest.GitLabPersonalToken("gitauth-dev"),
		userOnly: providertest.GitLabPersonalToken("gitauth-user"),
		job:      providertest.GitLabJobToken("gitauth-job", time.Now().Add(time.Hour)),
		deploy:   providertest.GitLabDeployToken("gitauth-deploy"),
		oauth:    providertest.GitLabOAuthToken("gitauth-oauth"),
	}
	role := func(r providertest.GitLabRole) map[string]providertest.GitLabRole {
		return map[string]providertest.GitLabRole{glPath: r}
	}
	s.AddToken(f.read, providertest.GitLabToken{Username: "ada", Scopes: []string{"read_api"}, Groups: map[string]providertest.GitLabRole{"acme": providertest.GitLabMaintainer}})
	s.AddToken(f.write, providertest.GitLabToken{Username: "ada", Scopes: []string{"api"}, Projects: role(providertest.GitLabMaintainer)})
	s.AddToken(f.dev, providertest.GitLabToken{Username: "dev", Scopes: []string{"write_repository"}, Projects: role(providertest.GitLabDeveloper)})
	s.AddToken(f.userOnly, providertest.GitLabToken{Username: "ada", Scopes: []string{"read_user"}, Projects: role(providertest.GitLabMaintainer)})
	s.AddToken(f.job, providertest.GitLabToken{Type: providertest.GitLabJob, Username: "runner", Projects: role(providertest.GitLabDeveloper)})
	s.AddToken(f.deploy, providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: glDeployUser, Scopes: []string{"read_repository"}, Projects: role(providertest.GitLabReporter)})
	s.AddToken(f.oauth, providertest.GitLabToken{Type: providertest.GitLabOAuth, Username: "olivia", Scopes: []string{"read_repository"}, Projects: role(providertest.GitLabReporter)})
	return f
}

func (f *glFixture) secrets() []string {
	return []string{f.read, f.write, f.dev, f.userOnly, f.job, f.deploy, f.oauth}
}

// opts returns Options for the server with secret as the token.
func (f *glFixture) opts(t testing.TB, secret string) Options {
	t.Helper()
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.cfg
	if tok.Kind() == pat.GitLabDeploy {
		cfg.Username = glDeployUser
	}
	return Options{Provider: cfg, Source: pat.Static(tok)}
}

// isolateGitLab is isolateGit with GitLab's variables cleared too.
func isolateGitLab(t *testing.T) string {
	t.Helper()
	home := isolateGit(t)
	for _, name := range []string{"GITLAB_TOKEN", "GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN", "GITLAB_HOST", "CI_JOB_TOKEN", "CI_SERVER_URL", "CI_API_V4_URL"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	return home
}

func TestGitLabClone(t *testing.T) {
	f := newGitLabFixture(t)
	for _, tc := range []struct{ name, secret string }{
		{"personal", f.read},
		{"job", f.job},
		{"deploy", f.deploy},
		{"oauth", f.oauth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			// A web URL of the project names the same repository.
			_, err := Clone(context.Background(), f.s.URL+"/"+glPath+"/-/tree/main", dir, f.opts(t, tc.secret), nil)
			if err != nil {
				testkit.NoLeak(t, "error", err, f.secrets()...)
				t.Fatalf("Clone: %v", err)
			}
			if got := readFile(t, filepath.Join(dir, "README.md")); got != "# hello\n" {
				t.Errorf("README.md = %q", got)
			}
			if got := gitConfigURL(t, dir); got != f.url {
				t.Errorf("remote.origin.url = %q; want %q", got, f.url)
			}
			testkit.NoLeakInDir(t, dir, f.secrets()...)
		})
	}
	// A deploy token without its user name is refused before any request.
	opts := f.opts(t, f.deploy)
	opts.Provider.Username = ""
	f.s.ResetCounts()
	if _, err := Clone(context.Background(), f.url, filepath.Join(t.TempDir(), "d"), opts, nil); !errors.Is(err, provider.ErrUsernameRequired) || f.s.TotalRequests() != 0 {
		t.Errorf("deploy token without Username: %v, %d requests", err, f.s.TotalRequests())
	}
}

func TestGitLabPush(t *testing.T) {
	f := newGitLabFixture(t)
	ctx := context.Background()
	repo, err := Clone(ctx, f.url, filepath.Join(t.TempDir(), "a"), f.opts(t, f.write), nil)
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	commitFile(t, repo, "new.txt", "pushed\n")
	// read_api can clone and cannot push: GitLab refuses before the project.
	err = Push(ctx, repo, f.url, f.opts(t, f.read), nil)
	if !errors.Is(err, ErrAccessDenied) {
		t.Errorf("Push with read_api = %v; want ErrAccessDenied", err)
	}
	// A developer may not push to the protected main branch: go-git says
	// the hook declined, and the hook's "GitLab: …" line reaches the
	// progress writer.
	var progress bytes.Buffer
	err = Push(ctx, repo, f.url, f.opts(t, f.dev), &git.PushOptions{Progress: &progress})
	if err == nil || !strings.Contains(err.Error(), "pre-receive hook declined") ||
		!strings.Contains(progress.String(), "GitLab: You are not allowed to push code to protected branches on this project.") {
		t.Errorf("developer Push to main = %v; progress %q", err, progress.String())
	}
	testkit.NoLeak(t, "error", err, f.secrets()...)
	testkit.NoLeak(t, "progress", progress.String(), f.secrets()...)
	// To another branch it may; a maintainer may push to main.
	feature := &git.PushOptions{RefSpecs: []config.RefSpec{"refs/heads/main:refs/heads/feature"}}
	if err := Push(ctx, repo, f.url, f.opts(t, f.dev), feature); err != nil {
		t.Errorf("developer Push to a feature branch: %v", err)
	}
	if err := Push(ctx, repo, f.url, f.opts(t, f.write), nil); err != nil {
		t.Errorf("maintainer Push to main: %v", err)
	}
}

func TestGitLabProbe(t *testing.T) {
	f := newGitLabFixture(t)
	basicFor := func(secret, user string) *githttp.BasicAuth {
		return &githttp.BasicAuth{Username: user, Password: secret}
	}
	cases := []struct {
		name   string
		path   string
		auth   *githttp.BasicAuth
		access Access
		want   error
		says   string
	}{
		{"read_api reads", glPath, basicFor(f.read, "oauth2"), Read, nil, ""},
		{"read_api cannot write", glPath, basicFor(f.read, "oauth2"), Write, ErrAccessDenied, "You are not allowed to upload code."},
		{"api writes", glPath, basicFor(f.write, "oauth2"), Write, nil, ""},
		{"read_user cannot read, project unseen", "acme/missing", basicFor(f.userOnly, "oauth2"), Read, ErrAccessDenied, "You are not allowed to download code."},
		{"job token", glPath, basicFor(f.job, "gitlab-ci-token"), Read, nil, ""},
		{"deploy token", glPath, basicFor(f.deploy, glDeployUser), Read, nil, ""},
		{"deploy token, wrong user", glPath, basicFor(f.deploy, "oauth2"), Read, provider.ErrUnauthorized, ""},
		{"unknown token", glPath, basicFor(providertest.GitLabPersonalToken("nope"), "oauth2"), Read, provider.ErrUnauthorized, ""},
		{"missing project", "acme/missing", basicFor(f.read, "oauth2"), Read, ErrRepoNotFound, "acme/missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.s.ResetCounts()
			err := Options{Provider: f.cfg}.Probe(context.Background(), f.s.URL+"/"+tc.path, tc.auth, tc.access)
			if n := f.s.TotalRequests(); n != 1 {
				t.Errorf("Probe made %d requests; want 1", n)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Probe = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Probe = %v; want %v saying %q", err, tc.want, tc.says)
			}
			testkit.NoLeak(t, "error", err, f.secrets()...)
		})
	}
	// A GitLab token is not probed against another provider's host.
	gh := testkit.GitHub(t)
	err := Options{Provider: provider.Config{BaseURL: gh.URL}}.Probe(context.Background(), gh.URL+"/o/r.git", basicFor(f.read, "oauth2"), Read)
	if !errors.Is(err, provider.ErrTokenMismatch) || gh.TotalRequests() != 0 {
		t.Errorf("GitLab token to GitHub: %v, %d requests", err, gh.TotalRequests())
	}
}

// TestGitLabEnvironment: the binding. GITLAB_TOKEN goes to the configured
// GitLab; CI_JOB_TOKEN only to the server CI_SERVER_URL names, which
// configures itself; neither goes to another host.
func TestGitLabEnvironment(t *testing.T) {
	f := newGitLabFixture(t)
	isolateGitLab(t)
	ctx := context.Background()

	t.Setenv("GITLAB_TOKEN", f.read)
	if _, err := Clone(ctx, f.url, filepath.Join(t.TempDir(), "env"), Options{Provider: f.cfg}, nil); err != nil {
		t.Fatalf("Clone with GITLAB_TOKEN: %v", err)
	}
	// Not to a GitHub host, even a configured one.
	gh := testkit.GitHub(t)
	if _, err := Resolve(ctx, gh.URL+"/o/r.git", Options{Provider: provider.Config{BaseURL: gh.URL}}); !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("GITLAB_TOKEN offered to GitHub: %v", err)
	}
	os.Unsetenv("GITLAB_TOKEN")

	// A GitLab CI job: CI_SERVER_URL and CI_JOB_TOKEN are all it needs.
	t.Setenv("CI_SERVER_URL", f.s.URL)
	t.Setenv("CI_JOB_TOKEN", f.job)
	r, err := Resolve(ctx, f.url, Options{})
	if err != nil {
		t.Fatalf("Resolve in a CI job: %v", err)
	}
	auth, err := r.BasicAuth(ctx)
	if err != nil || auth.Username != "gitlab-ci-token" || r.Provider.Name() != "gitlab" {
		t.Errorf("CI job: provider %s, user %q, %v", r.Provider.Name(), auth.Username, err)
	}
	if _, err := Clone(ctx, f.url, filepath.Join(t.TempDir(), "ci"), Options{}, nil); err != nil {
		t.Errorf("Clone in a CI job: %v", err)
	}
	// The job's token is not for another server, nor for gitlab.com.
	t.Setenv("CI_SERVER_URL", providertest.OtherHost(f.s.URL))
	f.s.ResetCounts()
	if _, err := Resolve(ctx, f.url, Options{Provider: f.cfg}); !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("CI_JOB_TOKEN offered to a server that does not run the job: %v", err)
	}
	if _, err := Resolve(ctx, "https://gitlab.com/acme/app.git", Options{}); !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("CI_JOB_TOKEN offered to gitlab.com: %v", err)
	}
	if n := f.s.TotalRequests(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestGitLabCommand(t *testing.T) {
	f := newGitLabFixture(t)
	home := isolateGitLab(t)
	marker := userHelper(t, home)
	for _, tc := range []struct{ name, secret string }{
		{"job", f.job},
		{"deploy", f.deploy},
		{"personal", f.read},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			cmd, err := Command(context.Background(), f.url, f.opts(t, tc.secret), "clone", "-q", f.url, dir)
			if err != nil {
				t.Fatalf("Command: %v", err)
			}
			if args := strings.Join(cmd.Args, " "); strings.Contains(args, tc.secret) {
				t.Fatalf("argv holds the token")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("git clone: %v\n%s", err, stderr.String())
			}
			testkit.NoLeak(t, "stderr", stderr.String(), f.secrets()...)
			testkit.NoLeakInDir(t, dir, f.secrets()...)
			if got := readFile(t, filepath.Join(dir, "README.md")); got != "# hello\n" {
				t.Errorf("README.md = %q", got)
			}
		})
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the user's own credential helper was called")
	}
}

func TestGitLabCredentialHelper(t *testing.T) {
	f := newGitLabFixture(t)
	isolateGitLab(t)
	host := strings.TrimPrefix(strings.TrimSuffix(f.s.URL, "/gitlab"), "http://")
	get := func(t *testing.T, opts Options, req string) string {
		t.Helper()
		var out bytes.Buffer
		if err := CredentialHelper(context.Background(), "get", strings.NewReader(req), &out, opts); err != nil {
			t.Fatalf("CredentialHelper: %v", err)
		}
		return out.String()
	}
	req := "protocol=http\nhost=" + host + "\n\n"
	t.Setenv("GITLAB_TOKEN", f.read)
	if out := get(t, Options{Provider: f.cfg}, req); !strings.Contains(out, "username=oauth2\n") || !strings.Contains(out, "password="+f.read+"\n") {
		t.Errorf("GITLAB_TOKEN: %q", testkit.Label(out))
	}
	// With git's path (credential.useHttpPath) below the relative root.
	if out := get(t, Options{Provider: f.cfg}, "protocol=http\nhost="+host+"\npath=gitlab/"+glPath+".git\n\n"); !strings.Contains(out, "password="+f.read) {
		t.Errorf("with a path: %q", testkit.Label(out))
	}
	// Unconfigured, the host is not GitLab's: silence.
	if out := get(t, Options{}, req); out != "" {
		t.Errorf("unconfigured host answered")
	}
	os.Unsetenv("GITLAB_TOKEN")
	// In a CI job, the job's token with its user name, no configuration.
	t.Setenv("CI_SERVER_URL", f.s.URL)
	t.Setenv("CI_JOB_TOKEN", f.job)
	if out := get(t, Options{}, req); !strings.Contains(out, "username=gitlab-ci-token\n") || !strings.Contains(out, "password="+f.job+"\n") {
		t.Errorf("CI_JOB_TOKEN: %q", testkit.Label(out))
	}

	// And through git: a clone with the patgit helper in a CI job.
	exe, err := os.Executable()
	if err != nil || strings.ContainsAny(exe, "'\n") {
		t.Skip("cannot run the test binary as a helper")
	}
	dir := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "clone", "-q", f.url, dir)
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_COUNT=2",
		"GIT_CONFIG_KEY_0=credential.helper", "GIT_CONFIG_VALUE_0=",
		"GIT_CONFIG_KEY_1=credential.helper", "GIT_CONFIG_VALUE_1=!'"+exe+"'",
		envHelperMode+"=1",
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone with the patgit helper: %v\n%s", err, out)
	}
	if got := readFile(t, filepath.Join(dir, "README.md")); got != "# hello\n" {
		t.Errorf("README.md = %q", got)
	}
	testkit.NoLeakInDir(t, dir, f.secrets()...)
}
