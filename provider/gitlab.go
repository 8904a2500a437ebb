package provider

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
)

// Git user names GitLab expects (see [GitLab.BasicAuth]).
const (
	// GitLabOAuthUser is the user name for personal, project, group and
	// OAuth tokens: GitLab ignores the user name of a personal token and
	// requires "oauth2" with an OAuth token (older versions; current code
	// does not check it, docs still say "oauth2"), so one name serves both.
	GitLabOAuthUser = "oauth2"
	// GitLabJobUser is the user name GitLab requires with a CI/CD job token.
	GitLabJobUser = "gitlab-ci-token"
)

// ErrUsernameRequired: the token cannot be used without a user name that
// only the caller knows (a GitLab deploy token's own user name, set in
// Config.Username).
var ErrUsernameRequired = errors.New("a user name is required for this token")

// errZeroGitLab is the error of the methods of a zero or nil GitLab.
func errZeroGitLab() error { return notConfigured("GitLab", "NewGitLab") }

// GitLab is the [Provider] for gitlab.com and self-managed GitLab
// (including a relative URL root, "https://example.com/gitlab"). Make one
// with [NewGitLab]; it is safe for concurrent use. A zero or nil *GitLab
// returns errors wrapping [ErrNotConfigured] from every method, never
// panics. A nil context is context.Background.
//
// GitLab is spoken with net/http and encoding/json: its official Go client
// would bring protobuf, CEL and an OS keyring into every program that
// imports this package, for two GET requests.
type GitLab struct {
	cfg    Config
	scheme string   // "https", or "http" for a loopback BaseURL
	host   string   // web and git host, lower case, port kept: "gitlab.com"
	root   []string // the relative URL root's segments, unescaped; nil for none
	api    string   // REST root with a trailing slash: "https://gitlab.com/api/v4/"
	client *http.Client
	// repo is the repository a provider from ForURL is bound to: a deploy
	// token, which may call no REST route, is checked against it.
	repo *Repo
	now  func() time.Time
}

var _ Provider = (*GitLab)(nil)

// NewGitLab returns a GitLab provider. The zero Config is gitlab.com.
// Config.BaseURL names a self-managed instance, with its relative URL root
// if it has one ("https://git.example.com/gitlab"): the root comes from
// BaseURL only, never from a parsed URL, since a clone URL cannot tell a
// root from a top-level group. Config.APIURL defaults to BaseURL + "/api/v4".
// It returns an error wrapping [ErrInsecureURL] for an http:// BaseURL or
// APIURL whose host is not loopback, and [ErrUnsupportedURL] for one it
// cannot use.
func NewGitLab(cfg Config) (*GitLab, error) {
	if err := checkName(cfg, nameGitLab); err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = "https://gitlab.com"
	}
	u, err := parseBaseURL(base)
	if err != nil {
		return nil, err
	}
	g := &GitLab{cfg: cfg, scheme: strings.ToLower(u.Scheme), host: canonicalHost(u), now: time.Now}
	for _, s := range splitPath(u.Path) {
		if !gitlabSegment(s) {
			return nil, fmt.Errorf("%w: the relative URL root of base URL %q is not a GitLab path", ErrUnsupportedURL, withoutUserinfo(base))
		}
		g.root = append(g.root, s)
	}
	g.api = g.scheme + "://" + g.host + g.escapedRoot() + "/api/v4/"
	if cfg.APIURL != "" {
		a, err := parseBaseURL(cfg.APIURL)
		if err != nil {
			return nil, fmt.Errorf("APIURL: %w", err)
		}
		g.api = strings.TrimSuffix(a.String(), "/") + "/"
	}
	// The check sends PRIVATE-TOKEN and JOB-TOKEN headers, which Go's
	// client would carry along a redirect to another host: the check
	// follows no redirect at all.
	c := newHTTPClient(cfg)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	g.client = c
	return g, nil
}

// ok reports whether g was made by NewGitLab.
func (g *GitLab) ok() bool { return g != nil && g.host != "" && g.client != nil && g.now != nil }

// bind returns a copy of g bound to repository r (see GitLab.repo).
func (g *GitLab) bind(r Repo) *GitLab {
	c := *g
	c.repo = &r
	return &c
}

// Name returns "gitlab".
func (g *GitLab) Name() string { return "gitlab" }

// Host returns the web and git host this provider serves, e.g. "gitlab.com".
func (g *GitLab) Host() string {
	if g == nil {
		return ""
	}
	return g.host
}

// APIURL returns the REST root in use, with a trailing slash
// ("https://gitlab.com/api/v4/").
func (g *GitLab) APIURL() string {
	if g == nil {
		return ""
	}
	return g.api
}

// escapedRoot returns the relative URL root, escaped, with a leading slash
// and none at the end; "" for none.
func (g *GitLab) escapedRoot() string {
	var b strings.Builder
	for _, s := range g.root {
		b.WriteByte('/')
		b.WriteString(escapeName(s))
	}
	return b.String()
}

// webRoot returns SCHEME://HOST/ROOT, without a trailing slash.
func (g *GitLab) webRoot() string { return g.scheme + "://" + g.host + g.escapedRoot() }

// tokensPage is where a person creates personal access tokens.
func (g *GitLab) tokensPage() string {
	return g.webRoot() + "/-/user_settings/personal_access_tokens"
}

// refuse rejects, before any request, a token that must not or cannot be
// sent: the zero Token, another provider's kind ([ErrTokenMismatch]), a
// routable GitLab token failing its checksum ([pat.ErrChecksum]), and plain
// http to a host that is not loopback.
func (g *GitLab) refuse(tok pat.Token) error {
	if !g.ok() {
		return errZeroGitLab()
	}
	if err := checkKind("gitlab", g.host, tok); err != nil {
		return err
	}
	if err := tok.Validate(); err != nil {
		return fmt.Errorf("gitlab %s: %w; copy the token again", g.host, err)
	}
	for _, raw := range [...]string{g.webRoot(), g.api} {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("%w: %q", ErrUnsupportedURL, withoutUserinfo(raw))
		}
		if err := checkScheme(u); err != nil {
			return err
		}
	}
	return nil
}

// username returns the git user name for tok: "gitlab-ci-token" for job
// tokens; Config.Username for deploy tokens (required: a deploy token works
// only with its own user name); "oauth2" for personal, project and group
// tokens; for tokens of unknown kind (OAuth tokens, legacy tokens without a
// prefix) Config.Username when set, else "oauth2".
func (g *GitLab) username(tok pat.Token) (string, error) {
	if g.isJobToken(tok) {
		return GitLabJobUser, nil
	}
	switch tok.Kind() {
	case pat.GitLabDeploy:
		if g.cfg.Username == "" {
			return "", fmt.Errorf("%w: gitlab %s: a deploy token works only with its own user name (gitlab+deploy-token-N): set Config.Username", ErrUsernameRequired, g.host)
		}
		return g.cfg.Username, nil
	case pat.GitLabPersonal:
		return GitLabOAuthUser, nil
	}
	if g.cfg.Username != "" {
		return g.cfg.Username, nil
	}
	return GitLabOAuthUser, nil
}

// isJobToken reports whether tok is a CI/CD job token: of kind
// [pat.GitLabJob] ("glcbt-"), or of unknown kind and equal to this
// process's CI_JOB_TOKEN (GitLab before 16.8 issued job tokens without a
// prefix; the variable is the only way to tell them).
func (g *GitLab) isJobToken(tok pat.Token) bool {
	if tok.Kind() == pat.GitLabJob {
		return true
	}
	if tok.Kind() != pat.Unknown {
		return false
	}
	env := os.Getenv("CI_JOB_TOKEN")
	return env != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(env)), []byte(tok.Secret())) == 1
}

// BasicAuth returns go-git credentials for tok, with no request: the token
// as password and the user name GitLab expects for its kind —
// "gitlab-ci-token" for a CI/CD job token (a "glcbt-" token, or a token
// equal to this process's CI_JOB_TOKEN), Config.Username for a deploy
// token (required: [ErrUsernameRequired] without it), "oauth2" for
// personal, project and group tokens, and for a token of unknown kind
// (OAuth, legacy) Config.Username if set, else "oauth2". The user name is
// never empty and never the token.
//
// It refuses another provider's token ([ErrTokenMismatch]) and a routable
// GitLab token failing its checksum ([pat.ErrChecksum]).
func (g *GitLab) BasicAuth(ctx context.Context, tok pat.Token) (*githttp.BasicAuth, error) {
	_ = orBackground(ctx) // BasicAuth sends no request
	if err := g.refuse(tok); err != nil {
		return nil, err
	}
	user, err := g.username(tok)
	if err != nil {
		return nil, err
	}
	return &githttp.BasicAuth{Username: user, Password: tok.Secret()}, nil
}

// AuthenticatedURL returns SCHEME://USER:TOKEN@HOST/ROOT/NAMESPACE/NAME.git,
// the clone URL of r with [GitLab.BasicAuth]'s user name and the token as
// password. It is the last resort for the git CLI: the URL holds the
// secret, so it shows in the process list and, if used as a remote, in
// .git/config. Prefer gitauth.Command, and never give this URL to go-git.
//
// It refuses a repository on another host ([ErrUnsupportedURL]), plain http
// to a host that is not loopback ([ErrInsecureURL]), and the tokens
// BasicAuth refuses.
func (g *GitLab) AuthenticatedURL(ctx context.Context, r Repo, tok pat.Token) (string, error) {
	if err := g.refuse(tok); err != nil {
		return "", err
	}
	if r.Host != "" && !strings.EqualFold(r.Host, g.host) {
		return "", fmt.Errorf("%w: repository host %s is not this provider's host %s; the token is not sent there", ErrUnsupportedURL, r.Host, g.host)
	}
	if _, err := gitlabCheckRepo(r); err != nil {
		return "", err
	}
	u, err := url.Parse(g.CloneURL(r))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: no clone URL for %s on %s", ErrUnsupportedURL, r.String(), g.host)
	}
	if err := checkScheme(u); err != nil {
		return "", err
	}
	user, err := g.username(tok)
	if err != nil {
		return "", err
	}
	u.User = url.UserPassword(user, tok.Secret())
	return u.String(), nil
}
