package provider

import (
	"net/url"
	"strings"
)

// githubReserved are first path segments of GitHub web pages that are not
// owners (https://github.com/orgs/acme, /settings/tokens, /api/v3/...).
// GitHub reserves them, so no user or organization has these names.
var githubReserved = [...]string{
	"about", "account", "api", "apps", "codespaces", "collections", "dashboard",
	"enterprise", "enterprises", "explore", "features", "issues", "login",
	"logout", "marketplace", "new", "notifications", "organizations", "orgs",
	"pricing", "pulls", "search", "sessions", "settings", "signup", "sponsors",
	"topics", "trending", "users",
}

// ParseRepo parses a repository URL of the provider's host and returns the
// repository it names. It accepts:
//
//   - https://HOST/OWNER/REPO, with or without ".git" and trailing slashes,
//     with user information (dropped) and any host case;
//   - web URLs below a repository: .../OWNER/REPO/tree/main/dir,
//     .../blob/..., .../pulls, ?tab=..., #fragment;
//   - ssh://git@HOST[:22]/OWNER/REPO.git and git@HOST:OWNER/REPO.git (on
//     GHE.com the ssh user is the subdomain: SUB@SUB.ghe.com:OWNER/REPO.git;
//     on github.com also ssh://git@ssh.github.com:443/OWNER/REPO.git);
//   - for a Config.BaseURL with a path (https://example.com/github), https
//     URLs below that path.
//
// A provider parses only its own host: github.com for the zero Config, the
// host of Config.BaseURL otherwise. Owners and names are GitHub's: ASCII
// letters, digits, '-', '_' and '.'. Errors wrap [ErrUnsupportedURL], or
// [ErrInsecureURL] for http:// to a host that is not loopback; they never
// hold the URL's user information.
func (g *GitHub) ParseRepo(rawURL string) (Repo, error) {
	if err := g.ready(); err != nil {
		return Repo{}, err
	}
	r, err := lexRemote(rawURL)
	if err != nil {
		return Repo{}, err
	}
	return g.parse(&r)
}

func (g *GitHub) parse(r *remote) (Repo, error) {
	if err := r.checkTransport(); err != nil {
		return Repo{}, err
	}
	segs := r.segs
	if r.scheme == "ssh" {
		if !g.sshHost(r) {
			if r.hostname == hostOnly(g.host) {
				return Repo{}, r.fail("ssh to %s uses port 22", r.hostname)
			}
			return Repo{}, g.otherHost(r)
		}
		if r.hasUser && r.user != "git" && (g.ghecom == "" || !strings.EqualFold(r.user, g.ghecom)) {
			want := "git"
			if g.ghecom != "" {
				want = g.ghecom
			}
			return Repo{}, r.fail("the ssh user of %s is %q", g.host, want)
		}
		if len(segs) != 2 {
			return Repo{}, r.fail("want %s", g.sshForm())
		}
	} else {
		if r.host != g.host {
			return Repo{}, g.otherHost(r)
		}
		if prefix := g.basePath(); len(prefix) > 0 {
			if len(segs) < len(prefix) || !equalFoldSegs(segs[:len(prefix)], prefix) {
				return Repo{}, r.fail("want %s", g.httpsForm())
			}
			segs = segs[len(prefix):]
		}
	}
	if len(segs) < 2 {
		return Repo{}, r.fail("want %s or %s", g.httpsForm(), g.sshForm())
	}
	owner, name := segs[0], strings.TrimSuffix(segs[1], ".git")
	if !githubName(owner) || !githubName(name) {
		return Repo{}, r.fail("GitHub owner and repository names hold only ASCII letters, digits, '-', '_' and '.'; want %s", g.httpsForm())
	}
	for _, s := range githubReserved {
		if strings.EqualFold(owner, s) {
			return Repo{}, r.fail("not a repository URL (%q is a GitHub page, not an owner); want %s", owner, g.httpsForm())
		}
	}
	return Repo{Host: g.host, Owner: owner, Name: name}, nil
}

// sshHost reports whether the ssh URL r reaches this provider's git host.
func (g *GitHub) sshHost(r *remote) bool {
	if r.hostname == hostOnly(g.host) {
		return r.sshPort22()
	}
	// GitHub serves ssh on port 443 of ssh.github.com for networks that block 22.
	return g.host == "github.com" && r.hostname == "ssh.github.com" && (r.sshPort22() || r.port == "443")
}

func (g *GitHub) otherHost(r *remote) error {
	return r.fail("this GitHub provider serves %s; use provider.ForURL, or set Config.BaseURL to the repository's host", g.host)
}

func (g *GitHub) httpsForm() string {
	return g.scheme + "://" + g.host + g.escapedBasePath() + "/OWNER/REPO"
}

func (g *GitHub) sshForm() string {
	user := "git"
	if g.ghecom != "" {
		user = g.ghecom
	}
	return user + "@" + hostOnly(g.host) + ":OWNER/REPO.git"
}

// basePath returns the unescaped segments of the path of Config.BaseURL,
// nil when it has none.
func (g *GitHub) basePath() []string {
	b := strings.TrimSpace(g.cfg.BaseURL)
	i := strings.Index(b, "://")
	if i < 0 {
		return nil
	}
	rest := b[i+3:]
	k := strings.IndexByte(rest, '/')
	if k < 0 {
		return nil
	}
	p := strings.Trim(rest[k:], "/")
	if p == "" {
		return nil
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return splitPath(p)
}

func (g *GitHub) escapedBasePath() string {
	var b strings.Builder
	for _, s := range g.basePath() {
		b.WriteByte('/')
		b.WriteString(escapeName(s))
	}
	return b.String()
}

// CloneURL returns SCHEME://HOST/OWNER/NAME.git with owner and name
// path-escaped. The scheme is https, or http for the host of a loopback
// Config.BaseURL; a BaseURL path (https://example.com/github) is kept for
// its host. An empty r.Host means the provider's host.
func (g *GitHub) CloneURL(r Repo) string {
	if g == nil {
		return ""
	}
	host := r.Host
	if host == "" {
		host = g.host
	}
	scheme, prefix := "https", ""
	if strings.EqualFold(host, g.host) {
		scheme, prefix = g.scheme, g.escapedBasePath()
	}
	return scheme + "://" + host + prefix + "/" + escapeName(r.Owner) + "/" + escapeName(r.Name) + ".git"
}

// githubName reports whether s is a possible GitHub owner or repository
// name: ASCII letters, digits, '-', '_' and '.', and not "." or "..".
func githubName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func equalFoldSegs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
