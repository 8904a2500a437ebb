package provider

import (
	"fmt"
	"strings"
)

// gitlabMaxSegments is the longest project path: a group has at most 20
// ancestors, so a namespace has at most 21 segments, and the project is one
// more.
const gitlabMaxSegments = 22

// gitlabTopReserved are names no top-level group or user may have: the
// first path segment of GitLab's own pages and routes.
var gitlabTopReserved = map[string]bool{
	"-": true, ".well-known": true, "404.html": true, "422.html": true, "500.html": true,
	"502.html": true, "503.html": true, "admin": true, "api": true, "apple-touch-icon.png": true,
	"assets": true, "dashboard": true, "deploy.html": true, "explore": true, "favicon.ico": true,
	"favicon.png": true, "files": true, "groups": true, "health_check": true, "help": true,
	"import": true, "jwt": true, "login": true, "oauth": true, "profile": true, "projects": true,
	"public": true, "robots.txt": true, "s": true, "search": true, "sitemap": true,
	"sitemap.xml": true, "sitemap.xml.gz": true, "slash-command-logo.png": true, "snippets": true,
	"u": true, "unsubscribes": true, "uploads": true, "users": true, "v2": true,
}

// gitlabSubReserved are names no subgroup or project may have: they are
// the routes below a project (legacy web URLs without "/-/" such as
// ".../project/tree/main" end up here). "snippets" is added: a project's
// snippet repositories live at .../project/snippets/ID.git.
var gitlabSubReserved = map[string]bool{
	"-": true, "badges": true, "blame": true, "blob": true, "builds": true, "commits": true,
	"create": true, "create_dir": true, "edit": true, "files": true, "find_file": true,
	"new": true, "preview": true, "raw": true, "refs": true, "snippets": true, "tree": true,
	"update": true, "wikis": true,
}

// gitlabReservedRuns are reserved routes of more than one segment.
var gitlabReservedRuns = [...][]string{
	{"environments", "folders"},
	{"gitlab-lfs", "objects"},
	{"info", "lfs", "objects"},
}

// ParseRepo parses a repository URL of the provider's host and returns the
// repository it names: Owner is the namespace path, subgroups included
// ("group/sub/sub2"), Name the project path. It accepts:
//
//   - https://HOST[/ROOT]/NAMESPACE/PROJECT, with or without ".git" and
//     trailing slashes, with user information (dropped);
//   - nested subgroups: a namespace of up to 21 segments (20 ancestors);
//   - web URLs, whose project path ends at "/-/": .../PROJECT/-/tree/main,
//     .../-/blob/main/README.md, .../-/merge_requests/1, ?query, #fragment;
//   - git@HOST:NAMESPACE/PROJECT.git and ssh://git@HOST[:PORT]/NAMESPACE/PROJECT.git
//     (on gitlab.com: port 22, or altssh.gitlab.com:443, user git; a
//     self-managed host's ssh may use any port and user).
//
// ROOT is the relative URL root of Config.BaseURL
// ("https://example.com/gitlab"), required on https URLs and never guessed:
// without it in BaseURL, "gitlab" would be a top-level group. Path segments
// are GitLab's: ASCII letters, digits, '_', '-' and '.', not starting with
// '-' or '.', not ending in ".git" or ".atom"; names GitLab reserves for its
// own routes (a first segment "groups", "api", "users", ...; a later one
// "tree", "blob", "raw", ...) are refused, as are wiki and design
// repositories. Errors wrap [ErrUnsupportedURL], or [ErrInsecureURL] for
// http:// to a host that is not loopback; they never hold the URL's user
// information.
func (g *GitLab) ParseRepo(rawURL string) (Repo, error) {
	if !g.ok() {
		return Repo{}, errZeroGitLab()
	}
	r, err := lexRemote(rawURL)
	if err != nil {
		return Repo{}, err
	}
	return g.parse(&r)
}

func (g *GitLab) parse(r *remote) (Repo, error) {
	if err := r.checkTransport(); err != nil {
		return Repo{}, err
	}
	segs := r.segs
	if r.scheme == "ssh" {
		if !g.sshHost(r) {
			if r.hostname == hostOnly(g.host) || r.hostname == "altssh.gitlab.com" {
				return Repo{}, r.fail("ssh to gitlab.com uses port 22, or port 443 of altssh.gitlab.com")
			}
			return Repo{}, g.otherHost(r)
		}
		if g.host == "gitlab.com" && r.hasUser && r.user != "git" {
			return Repo{}, r.fail("the ssh user of gitlab.com is \"git\"")
		}
	} else {
		if r.host != g.host {
			return Repo{}, g.otherHost(r)
		}
		if n := len(g.root); n > 0 {
			if len(segs) < n || !equalSegs(segs[:n], g.root) {
				return Repo{}, r.fail("this GitLab lives below %s; want %s", g.escapedRoot(), g.httpsForm())
			}
			segs = segs[n:]
		}
	}
	web := false
	for i, s := range segs {
		if s == "-" && i > 0 {
			segs, web = segs[:i], true
			break
		}
	}
	if len(segs) < 2 {
		return Repo{}, r.fail("want %s or %s", g.httpsForm(), g.sshForm())
	}
	if len(segs) > gitlabMaxSegments {
		return Repo{}, r.fail("a GitLab namespace has at most 21 segments (a group has at most 20 ancestors)")
	}
	name := segs[len(segs)-1]
	if !web {
		name = strings.TrimSuffix(name, ".git")
	}
	if strings.HasSuffix(name, ".wiki") || strings.HasSuffix(name, ".design") {
		return Repo{}, r.fail("wiki and design repositories are not supported; want the project's own repository")
	}
	full := append(append(make([]string, 0, len(segs)), segs[:len(segs)-1]...), name)
	if reason := gitlabReserved(full); reason != "" {
		return Repo{}, r.fail("%s; want %s", reason, g.httpsForm())
	}
	return Repo{Host: g.host, Owner: strings.Join(full[:len(full)-1], "/"), Name: name}, nil
}

// gitlabReserved returns why a project path (namespace segments and the
// project) is not one GitLab can have, or "".
func gitlabReserved(segs []string) string {
	for _, s := range segs {
		if !gitlabSegment(s) {
			return "GitLab paths hold only ASCII letters, digits, '_', '-' and '.', do not start with '-' or '.' and do not end in .git or .atom"
		}
	}
	if gitlabTopReserved[strings.ToLower(segs[0])] {
		return fmt.Sprintf("not a repository URL (%q is a GitLab route, not a group or user)", segs[0])
	}
	for i, s := range segs[1:] {
		if gitlabSubReserved[strings.ToLower(s)] {
			return fmt.Sprintf("not a repository URL (%q is a GitLab route, not a subgroup or project)", s)
		}
		for _, run := range gitlabReservedRuns {
			if rest := segs[1+i:]; len(rest) >= len(run) && equalFoldSegs(rest[:len(run)], run) {
				return fmt.Sprintf("not a repository URL (%q is a GitLab route)", strings.Join(run, "/"))
			}
		}
	}
	return ""
}

// gitlabSegment reports whether s is a valid GitLab path segment: ASCII
// letters, digits, '_', '-' and '.', not starting with '-' or '.', not
// ending in ".git" or ".atom", at most 255 bytes.
func gitlabSegment(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '-' || s[0] == '.' || strings.HasSuffix(s, ".git") || strings.HasSuffix(s, ".atom") {
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

// gitlabCheckRepo returns the segments of r's project path, or an error
// when r is not a repository GitLab can have.
func gitlabCheckRepo(r Repo) ([]string, error) {
	if r.Owner == "" || r.Name == "" {
		return nil, fmt.Errorf("%w: repository %q needs a namespace and a name", ErrUnsupportedURL, r.String())
	}
	segs := append(strings.Split(r.Owner, "/"), r.Name)
	if len(segs) > gitlabMaxSegments {
		return nil, fmt.Errorf("%w: a GitLab namespace has at most 21 segments", ErrUnsupportedURL)
	}
	if reason := gitlabReserved(segs); reason != "" {
		return nil, fmt.Errorf("%w: repository %q: %s", ErrUnsupportedURL, r.String(), reason)
	}
	return segs, nil
}

// sshHost reports whether the ssh URL r reaches this provider's git host.
func (g *GitLab) sshHost(r *remote) bool {
	if g.host == "gitlab.com" {
		// ssh.gitlab.com is treated as an alias by some tools, unverified
		// by GitLab's documentation: it is refused (the safer reading).
		// gitlab.com serves ssh on port 443 of altssh.gitlab.com for
		// networks that block 22.
		return r.hostname == "gitlab.com" && r.sshPort22() || r.hostname == "altssh.gitlab.com" && r.port == "443"
	}
	// A self-managed instance may serve ssh on any port.
	return r.hostname == hostOnly(g.host)
}

func (g *GitLab) otherHost(r *remote) error {
	return r.fail("this GitLab provider serves %s; use provider.ForURL, or set Config.BaseURL to the repository's GitLab (with its relative URL root, if any)", g.host)
}

func (g *GitLab) httpsForm() string { return g.webRoot() + "/NAMESPACE/PROJECT" }

func (g *GitLab) sshForm() string { return "git@" + hostOnly(g.host) + ":NAMESPACE/PROJECT.git" }

// CloneURL returns SCHEME://HOST[/ROOT]/NAMESPACE/NAME.git with every
// segment path-escaped. The scheme is https, or http for the host of a
// loopback Config.BaseURL, whose relative URL root is kept for its host. An
// empty r.Host means the provider's host.
func (g *GitLab) CloneURL(r Repo) string {
	host := r.Host
	if host == "" && g != nil {
		host = g.host
	}
	scheme, prefix := "https", ""
	if g != nil && g.host != "" && strings.EqualFold(host, g.host) {
		scheme, prefix = g.scheme, g.escapedRoot()
	}
	var b strings.Builder
	b.WriteString(scheme + "://" + host + prefix)
	if r.Owner != "" {
		for _, s := range strings.Split(r.Owner, "/") {
			b.WriteByte('/')
			b.WriteString(escapeName(s))
		}
	}
	b.WriteByte('/')
	b.WriteString(escapeName(r.Name))
	b.WriteString(".git")
	return b.String()
}

// equalSegs reports whether a and b hold the same segments, case
// included: a relative URL root is a path prefix, matched exactly.
func equalSegs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
