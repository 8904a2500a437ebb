//lint:file-ignore ST1008 scenario funcs return (values, err, dirs), as security_test.go's scenarios do
package patgit_test

import (
	"context"
	"testing"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// TestLeakSweepGitLab sweeps every GitLab failure path (the provider's
// check, user names and URLs, gitauth's clone, probe and command against
// the fake GitLab) for the tokens involved, in every encoding.
func TestLeakSweepGitLab(t *testing.T) {
	isolateEnv(t)
	s, err := providertest.NewGitLabServerAt("/gitlab")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	const path = "acme/sub/app"
	proj := map[string]providertest.GitLabRole{path: providertest.GitLabDeveloper}
	tok := func(seed string, gt providertest.GitLabToken) string {
		secret := providertest.GitLabPersonalToken(seed)
		switch gt.Type {
		case providertest.GitLabJob:
			secret = providertest.GitLabJobToken(seed, time.Now().Add(time.Hour))
		case providertest.GitLabDeploy:
			secret = providertest.GitLabDeployToken(seed)
		case providertest.GitLabOAuth:
			secret = providertest.GitLabOAuthToken(seed)
		}
		s.AddToken(secret, gt)
		return secret
	}
	var (
		readAPI  = tok("sweep-read-api", providertest.GitLabToken{Scopes: []string{"read_api"}, Projects: proj})
		userOnly = tok("sweep-user", providertest.GitLabToken{Scopes: []string{"read_user"}, Projects: proj})
		expired  = tok("sweep-expired", providertest.GitLabToken{Scopes: []string{"api"}, ExpiresAt: "2020-01-01", Projects: proj})
		revoked  = tok("sweep-revoked", providertest.GitLabToken{Scopes: []string{"api"}, Revoked: true, Projects: proj})
		throttle = tok("sweep-429", providertest.GitLabToken{Scopes: []string{"api"}, RateLimit: providertest.GitLabRateLimitThrottle})
		bare     = tok("sweep-429-bare", providertest.GitLabToken{Scopes: []string{"api"}, RateLimit: providertest.GitLabRateLimitBare})
		endpoint = tok("sweep-429-endpoint", providertest.GitLabToken{Scopes: []string{"api"}, RateLimit: providertest.GitLabRateLimitEndpoint})
		done     = tok("sweep-job-done", providertest.GitLabToken{Type: providertest.GitLabJob, JobFinished: true})
		deploy   = tok("sweep-deploy", providertest.GitLabToken{Type: providertest.GitLabDeploy, Username: "gitlab+deploy-token-1", Scopes: []string{"read_repository"}, Projects: proj})
		oauth    = tok("sweep-oauth", providertest.GitLabToken{Type: providertest.GitLabOAuth, Scopes: []string{"read_repository"}})
		unknown  = providertest.GitLabPersonalToken("sweep-unknown")
		github   = providertest.Token(pat.GitHubClassic, "sweep-gitlab")
	)
	good := providertest.GitLabPersonalToken("sweep-checksum")
	mistyped := good[:len(good)-1] + map[bool]string{true: "a", false: "b"}[good[len(good)-1] != 'a']
	all := []string{readAPI, userOnly, expired, revoked, throttle, bare, endpoint, done, deploy, oauth, unknown, github, mistyped}
	cfg := provider.Config{BaseURL: s.URL, Name: "gitlab", CacheTTL: -1}
	url := s.URL + "/" + path + ".git"
	if providertest.GitAvailable() == nil {
		if err := s.AddProject(path, providertest.GitLabProjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	gl := func(c provider.Config) *provider.GitLab {
		g, err := provider.NewGitLab(c)
		if err != nil {
			panic(err)
		}
		return g
	}
	var list []scenario
	add := func(sc scenario) {
		sc.secrets = all
		list = append(list, sc)
	}
	for _, c := range []struct {
		name, secret string
		want         error
		scopes       []string
	}{
		{"unknown", unknown, provider.ErrUnauthorized, nil},
		{"expired", expired, provider.ErrUnauthorized, nil},
		{"revoked", revoked, provider.ErrUnauthorized, nil},
		{"finished job", done, provider.ErrUnauthorized, nil},
		{"unknown OAuth", providertest.GitLabOAuthToken("sweep-unknown"), provider.ErrUnauthorized, nil},
		{"github token", github, provider.ErrTokenMismatch, nil},
		{"mistyped", mistyped, pat.ErrChecksum, nil},
		{"missing scope", userOnly, provider.ErrMissingScope, []string{"write_repository", "read_api"}},
		{"throttled", throttle, provider.ErrRateLimited, nil},
		{"throttled without headers", bare, provider.ErrRateLimited, nil},
		{"endpoint limit", endpoint, provider.ErrRateLimited, nil},
		{"deploy without user name", deploy, provider.ErrUsernameRequired, nil},
		{"oauth, scopes unverified", oauth, nil, []string{"read_repository"}},
	} {
		add(scenario{name: "GitLab.CheckScopes/" + c.name, want: c.want, either: c.want == nil, run: func(t *testing.T) (any, error, []string) {
			r, err := gl(cfg).CheckScopes(sweepCtx(t), token(t, c.secret), c.scopes...)
			return r, err, nil
		}})
		add(scenario{name: "GitLab.BasicAuth/" + c.name, either: true, run: func(t *testing.T) (any, error, []string) {
			a, err := gl(cfg).BasicAuth(sweepCtx(t), token(t, c.secret))
			if a != nil {
				return a.Username, err, nil
			}
			return nil, err, nil
		}})
	}
	add(scenario{name: "GitLab.CheckScopes/canceled", want: context.Canceled, run: func(t *testing.T) (any, error, []string) {
		r, err := gl(cfg).CheckScopes(canceledCtx(), token(t, readAPI))
		return r, err, nil
	}})
	add(scenario{name: "GitLab.AuthenticatedURL/other host", want: provider.ErrUnsupportedURL, run: func(t *testing.T) (any, error, []string) {
		u, err := gl(cfg).AuthenticatedURL(sweepCtx(t), provider.Repo{Host: "gitlab.com.evil.example", Owner: "a", Name: "b"}, token(t, readAPI))
		return len(u), err, nil
	}})
	add(scenario{name: "NewGitLab/insecure", want: provider.ErrInsecureURL, run: func(t *testing.T) (any, error, []string) {
		g, err := provider.NewGitLab(provider.Config{BaseURL: "http://x:" + readAPI + "@git.example.com/gitlab"})
		return g, err, nil
	}})
	opts := func(t *testing.T, secret string) gitauth.Options {
		return gitauth.Options{Provider: cfg, Source: pat.Static(token(t, secret))}
	}
	for _, c := range []struct {
		name, secret, url string
		want              error
	}{
		{"unknown", unknown, url, provider.ErrUnauthorized},
		{"expired", expired, url, provider.ErrUnauthorized},
		{"read_user cannot download", userOnly, url, gitauth.ErrAccessDenied},
		{"missing project", readAPI, s.URL + "/acme/sub/missing.git", gitauth.ErrRepoNotFound},
		{"github token", github, url, provider.ErrTokenMismatch},
	} {
		add(scenario{name: "Clone/" + c.name, want: c.want, git: true, run: func(t *testing.T) (any, error, []string) {
			dir, sweep := cloneDir(t)
			r, err := gitauth.Clone(sweepCtx(t), c.url, dir, opts(t, c.secret), nil)
			return r, err, sweep
		}})
		add(scenario{name: "Command/" + c.name, either: true, git: true, run: func(t *testing.T) (any, error, []string) {
			cmd, err := gitauth.Command(sweepCtx(t), c.url, opts(t, c.secret), "ls-remote", c.url)
			if err != nil {
				return nil, err, nil
			}
			return commandValues(t, cmd, c.secret), nil, nil
		}})
	}
	add(scenario{name: "Probe write/read_api", want: gitauth.ErrAccessDenied, git: true, run: func(t *testing.T) (any, error, []string) {
		o := gitauth.Options{Provider: cfg}
		return nil, o.Probe(sweepCtx(t), url, &githttp.BasicAuth{Username: "oauth2", Password: readAPI}, gitauth.Write), nil
	}})
	n := runScenarios(t, list)
	t.Logf("GitLab leak sweep: %d failure paths swept", n)
}
