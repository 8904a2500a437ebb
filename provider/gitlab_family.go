package provider

import (
	"strings"

	"github.com/patgit/patgit/pat"
)

// nameGitLab is the GitLab row's provider name.
const nameGitLab = "gitlab"

// gitlabFamily is GitLab's row of the host-family table: gitlab.com by
// name, a self-managed instance only when Config.Name says "gitlab" (its
// BaseURL, relative URL root included, looks like any other server's).
var gitlabFamily = &family{
	name:     nameGitLab,
	title:    "GitLab",
	hosted:   gitlabHosted,
	borrowed: []string{"gitlab.com"},
	server:   serverNamed,
	serverHint: func(host string) string {
		return "to https://" + host + "[/RELATIVE_ROOT] with Config.Name \"gitlab\" for self-managed GitLab"
	},
	forHosted: func(r *remote, cfg Config, srv *server) (Provider, Repo, error) {
		return forGitLab(r, cfg, srv != nil && srv.host == "gitlab.com", "https://gitlab.com")
	},
	forServer: func(r *remote, cfg Config) (Provider, Repo, error) {
		return forGitLab(r, cfg, true, cfg.BaseURL)
	},
	forHost: gitlabForHost,
	env: []binding{
		// glab's order. glab sends them to whatever host it targets;
		// patgit only to gitlab.com, the host GITLAB_HOST names and a
		// self-managed host Config.BaseURL names.
		{"GITLAB_TOKEN", gitlabUserToken},
		{"GITLAB_ACCESS_TOKEN", gitlabUserToken},
		{"OAUTH_TOKEN", gitlabUserToken},
		// GitLab CI: the job's token, only for the server that runs the job.
		{"CI_JOB_TOKEN", func(t *bindTarget) bool {
			return t.envHost("CI_SERVER_URL") == strings.ToLower(t.repo.Host)
		}},
	},
	// CI_SERVER_URL is taken as the instance's web root, relative URL root
	// included (unverified: GitLab documents it as "https://gitlab.example.com:8080").
	// Safer either way: the token is bound to its host only, and a root it
	// lacks makes URLs below the root refused, never sent elsewhere.
	ci: func(getenv func(string) string) (string, string) {
		base := strings.TrimSpace(getenv("CI_SERVER_URL"))
		api := strings.TrimSpace(getenv("CI_API_V4_URL"))
		if base == "" {
			return "", ""
		}
		// The REST root is taken only on the server's own host.
		b, err1 := parseBaseURL(base)
		a, err2 := parseBaseURL(api)
		if err1 != nil || err2 != nil || canonicalHost(a) != canonicalHost(b) {
			api = ""
		}
		return base, api
	},
	gitUser: func(_ Repo, _ pat.Token, basic, _ string) string {
		if basic != "" {
			return basic
		}
		return GitLabOAuthUser
	},
	tokenPage: func(p Provider, _ Repo) string {
		if g, ok := p.(*GitLab); ok && g.ok() {
			return g.tokensPage()
		}
		return ""
	},
	gitScopes: "the read_repository scope (write_repository to push)",
}

// gitlabHosted reports gitlab.com and its ssh alias altssh.gitlab.com.
func gitlabHosted(h string) bool { return h == "gitlab.com" || h == "altssh.gitlab.com" }

// gitlabUserToken: GITLAB_TOKEN and its siblings go to gitlab.com, the host
// GITLAB_HOST names (a host name or a URL, as glab takes it) and a
// self-managed host Config.BaseURL names.
func gitlabUserToken(t *bindTarget) bool {
	if t.hosted || t.configured {
		return true
	}
	v := strings.TrimSpace(t.getenv("GITLAB_HOST"))
	if v == "" {
		return false
	}
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := parseBaseURL(v)
	return err == nil && canonicalHost(u) == strings.ToLower(t.repo.Host)
}

// forGitLab builds a GitLab provider for r, bound to the repository: from
// cfg when keep is set, else from cfg with BaseURL base and no APIURL.
func forGitLab(r *remote, cfg Config, keep bool, base string) (Provider, Repo, error) {
	if !keep {
		cfg.BaseURL, cfg.APIURL = base, ""
	}
	cfg.Name = nameGitLab
	g, err := NewGitLab(cfg)
	if err != nil {
		return nil, Repo{}, err
	}
	repo, err := g.parse(r)
	if err != nil {
		return nil, Repo{}, err
	}
	return g.bind(repo), repo, nil
}

func gitlabForHost(r *remote, cfg Config, srv *server) (Provider, Repo, error) {
	switch {
	case gitlabHosted(r.hostname):
		if r.hostname != "gitlab.com" || r.host != r.hostname {
			return nil, Repo{}, r.fail("not a GitLab web host")
		}
		if srv == nil || srv.host != r.hostname {
			cfg.BaseURL, cfg.APIURL = "https://gitlab.com", ""
		}
	case srv == nil || srv.host != r.host:
		return nil, Repo{}, unknownHost(r)
	}
	cfg.Name = nameGitLab
	g, err := NewGitLab(cfg)
	if err != nil {
		return nil, Repo{}, err
	}
	return g, Repo{Host: g.host}, nil
}
