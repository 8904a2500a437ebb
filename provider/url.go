package provider

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxURLLength is the longest repository URL, in bytes, that ParseRepo and
// [ForURL] accept. Real repository URLs are far shorter; the cap bounds the
// work an untrusted string can cause.
const MaxURLLength = 2048

// URLError reports a repository URL that patgit refuses. It matches
// [ErrUnsupportedURL], or [ErrInsecureURL] for plain http to a host that is
// not loopback. Its message never holds the URL's user information, query or
// fragment, so it never holds a password or token placed there.
type URLError struct {
	// URL is the URL as far as it could be read, without user information,
	// query or fragment ("https://github.com/octocat"); "" when the input
	// could not be read that far.
	URL string
	// Reason says what is wrong and, where it can, what to do.
	Reason string
	// Err is ErrUnsupportedURL or ErrInsecureURL.
	Err error
}

func (e *URLError) Error() string {
	if e.URL == "" {
		return e.Err.Error() + ": " + e.Reason
	}
	return e.Err.Error() + ": " + e.URL + ": " + e.Reason
}

// Unwrap returns Err.
func (e *URLError) Unwrap() error { return e.Err }

// remote is a repository URL read into its parts: https and http URLs,
// ssh:// URLs and scp-like "user@host:path" strings. The password of user
// information is never kept.
type remote struct {
	scheme   string // "https", "http" or "ssh" (ssh:// and scp-like)
	scp      bool   // scp-like user@host:path
	hasUser  bool   // user information was present (possibly empty)
	user     string // user name, unescaped
	hostname string // lower case; IPv6 literals keep their brackets
	port     string // "" when absent
	host     string // hostname[:port], without the scheme's default port
	path     string // the path as written (escaped), without query or fragment
	segs     []string
	// atInPath: the URL's one '@' is past the host ("…/blob/main/@types/x").
	// Such a URL may also be credentials whose password holds an unencoded
	// '/' ("https://user:pa/ss@host/…"), so a refusal shows none of it.
	atInPath bool
}

// display returns the URL for messages: scheme, host and path only.
func (r *remote) display() string {
	if r.hostname == "" || r.atInPath {
		return ""
	}
	if r.scp {
		return r.hostname + ":" + r.path
	}
	h := r.hostname
	if r.port != "" {
		h += ":" + r.port
	}
	return r.scheme + "://" + h + r.path
}

// fail returns a URLError matching ErrUnsupportedURL for r.
func (r *remote) fail(format string, args ...any) error {
	if r.atInPath {
		return lexFail("%s", atInPathReason)
	}
	return &URLError{URL: r.display(), Reason: fmt.Sprintf(format, args...), Err: ErrUnsupportedURL}
}

// atInPathReason is the only reason given for a refused URL with an '@'
// past its host: the specific one could show part of a password.
const atInPathReason = "not a URL of a known repository (it has an '@' after the host: if that is a user name and password, percent-encode '/' and '@' in them)"

// lexFail returns a URLError for input that could not be read far enough
// to show any of it safely.
func lexFail(format string, args ...any) error {
	return &URLError{Reason: fmt.Sprintf(format, args...), Err: ErrUnsupportedURL}
}

// checkTransport refuses plain http to a host that is not loopback.
func (r *remote) checkTransport() error {
	if r.scheme == "http" && !IsLoopback(r.hostname) {
		return &URLError{URL: r.display(), Reason: "use https://", Err: ErrInsecureURL}
	}
	return nil
}

// sshPort22 reports whether an ssh URL names no port or port 22.
func (r *remote) sshPort22() bool { return r.port == "" || r.port == "22" }

// lexRemote reads raw into a remote, applying the rules every URL form
// keeps: a length cap; no control characters (tab and DEL included), no
// backslashes, at most one '@' in the whole URL; no '%' in
// the host; an ASCII host name or a canonical IP literal; no empty, "." or
// ".." path segments, no encoded '/', '\' or control characters in them.
func lexRemote(raw string) (remote, error) {
	var r remote
	switch {
	case raw == "":
		return r, lexFail("empty URL")
	case len(raw) > MaxURLLength:
		return r, lexFail("URL is %d bytes long; the limit is %d", len(raw), MaxURLLength)
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c < 0x20 || c == 0x7f:
			return r, lexFail("URL holds a control character (byte %d)", i)
		case c == '\\':
			return r, lexFail("URL holds a backslash (byte %d); use '/'", i)
		}
	}
	if strings.Count(raw, "@") > 1 {
		return r, lexFail("URL holds more than one '@'; percent-encode '@' in user names (%%40)")
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		return lexURL(raw, i)
	}
	return lexSCP(raw)
}

// lexURL reads scheme://[userinfo@]host[:port][/path][?query][#fragment].
func lexURL(raw string, i int) (remote, error) {
	var r remote
	scheme := raw[:i]
	if !validScheme(scheme) {
		return r, lexFail("not a URL: use https://HOST/PATH")
	}
	r.scheme = strings.ToLower(scheme)
	switch r.scheme {
	case "https", "http", "ssh":
	default:
		return r, lexFail("scheme %q is not supported; use https:// (or ssh://)", r.scheme)
	}
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, after := rest[:end], rest[end:]
	path, extra := after, ""
	if k := strings.IndexAny(after, "?#"); k >= 0 {
		path, extra = after[:k], after[k:]
	}
	// The only '@' may be past the host: a web URL's file path
	// ("…/@types/…"), a branch ("…/tree/dependabot/…/@babel/…"), a query
	// ("?path=/a@b"), or a password holding '/' that was not percent-encoded.
	// A refusal then shows none of the URL.
	r.atInPath = strings.Contains(after, "@")
	hostport := authority
	if k := strings.LastIndexByte(authority, '@'); k >= 0 {
		r.hasUser = true
		userinfo := authority[:k]
		hostport = authority[k+1:]
		name := userinfo
		if c := strings.IndexByte(userinfo, ':'); c >= 0 {
			name = userinfo[:c]
		}
		if !validUserinfo(userinfo) {
			return r, lexFail("%s", badUserinfo)
		}
		u, err := url.PathUnescape(name)
		if err != nil || !printable(u) {
			return r, lexFail("malformed user name in the URL")
		}
		r.user = u
	}
	if err := r.setHostPort(hostport); err != nil {
		return r, err
	}
	if r.scheme == "ssh" && extra != "" {
		return r, r.fail("an ssh URL has no query or fragment")
	}
	r.path = path
	if path != "" && path[0] != '/' {
		return r, r.fail("malformed path")
	}
	segs, reason := splitSegments(strings.TrimPrefix(path, "/"))
	if reason != "" {
		return r, r.fail("%s", reason)
	}
	r.segs = segs
	return r, nil
}

// notAURL is the reason given for input that is no URL form at all.
const notAURL = "not a URL: use https://HOST/PATH, ssh://USER@HOST/PATH or USER@HOST:PATH"

// lexSCP reads the scp-like form [user@]host:path that git takes as ssh.
func lexSCP(raw string) (remote, error) {
	r := remote{scheme: "ssh", scp: true}
	s := raw
	if k := strings.IndexByte(s, '@'); k >= 0 {
		user := s[:k]
		if strings.ContainsAny(user, ":/") {
			return r, lexFail(notAURL)
		}
		if !validUserinfo(user) {
			return r, lexFail("%s", badUserinfo)
		}
		u, err := url.PathUnescape(user)
		if err != nil || !printable(u) {
			return r, lexFail("malformed user name in the URL")
		}
		r.hasUser, r.user = true, u
		s = s[k+1:]
	}
	var hostpart, path string
	if strings.HasPrefix(s, "[") {
		k := strings.IndexByte(s, ']')
		if k < 0 || k+1 >= len(s) || s[k+1] != ':' {
			return r, lexFail(notAURL)
		}
		hostpart, path = s[:k+1], s[k+2:]
	} else {
		k := strings.IndexByte(s, ':')
		if k < 0 || strings.IndexByte(s[:k], '/') >= 0 {
			return r, lexFail(notAURL)
		}
		hostpart, path = s[:k], s[k+1:]
	}
	if schemeNames[strings.ToLower(hostpart)] {
		// "https:/host/path" and "https:host/path" are no scp-like URLs of
		// a host named "https".
		return r, lexFail("a scheme needs \"//\": use https://HOST/PATH")
	}
	if len(hostpart) == 1 && !r.hasUser && (hostpart[0]|0x20) >= 'a' && (hostpart[0]|0x20) <= 'z' {
		return r, lexFail("a local path (drive %s:) is not a repository URL", hostpart)
	}
	if err := r.setHost(hostpart); err != nil {
		return r, err
	}
	r.path = path
	if strings.ContainsAny(path, "?#") {
		return r, r.fail("an ssh path has no query or fragment")
	}
	// git@github.com:/owner/repo.git names the same repository.
	segs, reason := splitSegments(strings.TrimPrefix(path, "/"))
	if reason != "" {
		return r, r.fail("%s", reason)
	}
	r.segs = segs
	return r, nil
}

// schemeNames are URL schemes git or a browser knows: never the host of an
// scp-like URL.
var schemeNames = map[string]bool{
	"http": true, "https": true, "ssh": true, "git": true, "file": true,
	"ftp": true, "ftps": true, "rsync": true, "git+ssh": true, "ssh+git": true,
}

// badUserinfo is the reason given for user information RFC 3986 does not allow.
const badUserinfo = "malformed user information in the URL (RFC 3986 allows letters, digits, \"-._~!$&'()*+,;=:\" and %XX there; percent-encode anything else)"

// validUserinfo reports whether s is RFC 3986 user information: unreserved
// characters, sub-delimiters, ':' and well-formed percent-encoding.
func validUserinfo(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func validScheme(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.'):
		default:
			return false
		}
	}
	return true
}

// setHostPort validates host[:port] of a URL and sets hostname, port and host.
func (r *remote) setHostPort(hp string) error {
	if strings.IndexByte(hp, '%') >= 0 {
		return lexFail("percent-encoding in the host is not allowed")
	}
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		k := strings.IndexByte(hp, ']')
		if k < 0 {
			return lexFail("malformed IPv6 host")
		}
		host, port = hp[:k+1], hp[k+1:]
		if port != "" {
			if port[0] != ':' {
				return lexFail("malformed host")
			}
			port = port[1:]
			if port == "" {
				return lexFail("empty port")
			}
		}
	} else if k := strings.IndexByte(hp, ':'); k >= 0 {
		host, port = hp[:k], hp[k+1:]
		if port == "" {
			return lexFail("empty port")
		}
	}
	if port != "" && !validPort(port) {
		return lexFail("malformed port")
	}
	if err := r.setHost(host); err != nil {
		return err
	}
	r.port = port
	if port != "" && port != defaultPort(r.scheme) {
		r.host = r.hostname + ":" + port
	}
	return nil
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return "22"
}

func validPort(p string) bool {
	if len(p) > 5 || p[0] == '0' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(p)
	return err == nil && n <= 65535
}

// setHost validates a host name or IP literal and sets hostname and host.
// Host names are ASCII letters, digits and hyphens in dot-separated labels
// (no IDNA, no "xn--" labels, no trailing dot); numeric hosts must be
// canonical IPv4 (no "127.1", "0x7f.1" or "2130706433") or bracketed,
// canonical IPv6 without a zone.
func (r *remote) setHost(h string) error {
	if h == "" {
		return lexFail("no host in the URL")
	}
	if strings.IndexByte(h, '%') >= 0 {
		return lexFail("percent-encoding in the host is not allowed")
	}
	lower := strings.ToLower(h)
	if strings.HasPrefix(lower, "[") {
		inner := strings.TrimSuffix(lower[1:], "]")
		a, err := netip.ParseAddr(inner)
		if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" || a.String() != inner {
			return lexFail("malformed or non-canonical IPv6 host")
		}
		r.hostname, r.host = lower, lower
		return nil
	}
	if reason := checkHostName(lower); reason != "" {
		return lexFail("%s", reason)
	}
	r.hostname, r.host = lower, lower
	return nil
}

// checkHostName returns why a lower-case host name is refused, or "".
func checkHostName(h string) string {
	if len(h) > 253 {
		return "host name too long"
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			return "internationalized (non-ASCII) host names are not supported"
		}
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "malformed host name"
		}
		if strings.HasPrefix(l, "xn--") {
			return "internationalized (IDNA) host names are not supported"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "malformed host name"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "malformed host name"
			}
		}
	}
	last := labels[len(labels)-1]
	if last[0] >= '0' && last[0] <= '9' {
		// A numeric last label makes an IP address (or a trick spelling of one).
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is4() {
			return "numeric host names must be canonical IPv4 addresses"
		}
	}
	return ""
}

// splitSegments splits an escaped path (no leading slash) into unescaped
// segments. Trailing slashes are dropped; any other empty segment, a "." or
// ".." segment, malformed percent-encoding, or a segment that decodes to '/',
// '\', invalid UTF-8 or a character that is not printable is refused.
func splitSegments(p string) ([]string, string) {
	p = strings.TrimRight(p, "/")
	if p == "" {
		return nil, ""
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for len(p) > 0 {
		s := p
		if k := strings.IndexByte(p, '/'); k >= 0 {
			s, p = p[:k], p[k+1:]
		} else {
			p = ""
		}
		if s == "" {
			return nil, "empty path segment ('//')"
		}
		if strings.IndexByte(s, '%') >= 0 {
			u, err := url.PathUnescape(s)
			if err != nil {
				return nil, "malformed percent-encoding in the path"
			}
			if strings.ContainsAny(u, "/\\") {
				return nil, "path segment holds an encoded '/' or '\\'"
			}
			s = u
		}
		if s == "." || s == ".." {
			return nil, "'.' and '..' path segments are not allowed"
		}
		if !printable(s) {
			return nil, "path segment holds a control, format or invalid UTF-8 character"
		}
		segs = append(segs, s)
	}
	return segs, ""
}

// printable reports whether s is valid UTF-8 made of printable characters
// (letters, marks, numbers, punctuation, symbols and the ASCII space).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			goto slow
		} else if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
slow:
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// hostOnly returns host without its port.
func hostOnly(host string) string {
	if strings.HasPrefix(host, "[") {
		if k := strings.IndexByte(host, ']'); k >= 0 {
			return host[:k+1]
		}
		return host
	}
	if k := strings.LastIndexByte(host, ':'); k >= 0 {
		return host[:k]
	}
	return host
}

// isGHEcomHost reports whether a lower-case host name is SUB.ghe.com with
// exactly one label before ".ghe.com", and returns SUB.
func isGHEcomHost(h string) (string, bool) {
	sub, ok := strings.CutSuffix(h, ".ghe.com")
	if !ok || sub == "" || strings.IndexByte(sub, '.') >= 0 || strings.IndexByte(sub, ':') >= 0 {
		return "", false
	}
	return sub, true
}

// hasSegment reports whether segs holds a segment equal to one of names,
// ignoring case.
func hasSegment(segs []string, names ...string) bool {
	for _, s := range segs {
		for _, n := range names {
			if strings.EqualFold(s, n) {
				return true
			}
		}
	}
	return false
}

// ForURL picks the provider for rawURL and parses it.
//
// The provider comes from the URL's host alone. Well-known hosts are
// recognised by name: github.com (and ssh.github.com), SUB.ghe.com (exactly
// one label before ".ghe.com"), dev.azure.com, ssh.dev.azure.com,
// ORG.visualstudio.com and vs-ssh.visualstudio.com. The host of
// cfg.BaseURL belongs to the provider cfg.Name says; with cfg.Name empty, a
// well-known host says, and any other BaseURL is GitHub Enterprise Server
// when it has no path and Azure DevOps Server when it has one (a collection
// URL). That is decided from BaseURL alone, never from the path of rawURL.
// Any other host is refused, whatever its path, with an error wrapping
// [ErrUnsupportedURL] that says how to configure it; so are URLs whose
// scheme has no "//" ("https:/host/…", "https:host/…"), scp-like URLs whose
// host is a scheme name, and user information with characters RFC 3986 does
// not allow there. No error shows the URL's user information.
//
// The provider is built from cfg, with BaseURL set for the URL's host when
// cfg.BaseURL names another host (or, on Azure DevOps, another
// organization or collection): an Azure DevOps provider is always bound to
// the URL's organization ("https://dev.azure.com/ORG",
// "https://ORG.visualstudio.com", "SERVER/VDIR/COLLECTION"), so that its
// checks know which organization to ask. HTTPClient, Username, CacheTTL and
// Timeout are kept; APIURL is kept only when BaseURL is kept; Name is the
// provider's.
func ForURL(rawURL string, cfg Config) (Provider, Repo, error) {
	r, err := lexRemote(rawURL)
	if err != nil {
		return nil, Repo{}, err
	}
	if err := r.checkTransport(); err != nil {
		return nil, Repo{}, err
	}
	srv, err := cfg.server()
	if err != nil {
		return nil, Repo{}, err
	}
	if f := hostedFamily(r.hostname); f != nil {
		return f.forHosted(&r, cfg, srv)
	}
	if srv != nil && srv.serves(&r) {
		return srv.fam.forServer(&r, cfg)
	}
	return nil, Repo{}, unknownHost(&r)
}

// forGitHub builds a GitHub provider for r: from cfg when keep is set, else
// from cfg with BaseURL base and no APIURL.
func forGitHub(r *remote, cfg Config, keep bool, base string) (Provider, Repo, error) {
	if !keep {
		cfg.BaseURL, cfg.APIURL = base, ""
	}
	cfg.Name = nameGitHub
	g, err := NewGitHub(cfg)
	if err != nil {
		return nil, Repo{}, err
	}
	repo, err := g.parse(r)
	if err != nil {
		return nil, Repo{}, err
	}
	return g, repo, nil
}

// newBoundAzure returns an Azure DevOps provider bound to orgBase, the web
// root of repo's organization: cfg itself when the Azure DevOps server srv
// it names is that organization, else cfg with BaseURL orgBase and no
// APIURL.
func newBoundAzure(cfg Config, srv *server, orgBase string, repo Repo) (*AzureDevOps, error) {
	cfg.Name = nameAzure
	if srv != nil && srv.fam.name == nameAzure {
		a, err := NewAzureDevOps(cfg)
		if err != nil {
			return nil, err
		}
		if a.host == repo.Host && strings.EqualFold(a.org, repo.Owner) && a.vdir == repo.VirtualDir {
			return a, nil
		}
	}
	cfg.BaseURL, cfg.APIURL = orgBase, ""
	return NewAzureDevOps(cfg)
}

// forAzureServer parses r with an Azure DevOps Server provider for
// cfg.BaseURL and returns a provider bound to the repository's collection.
func forAzureServer(r *remote, cfg Config) (Provider, Repo, error) {
	cfg.Name = nameAzure
	a, err := NewAzureDevOps(cfg)
	if err != nil {
		return nil, Repo{}, err
	}
	repo, err := a.parse(r)
	if err != nil {
		return nil, Repo{}, err
	}
	if a.org != "" && a.org == repo.Owner && a.vdir == repo.VirtualDir {
		return a, repo, nil
	}
	c := cfg
	c.BaseURL, c.APIURL = a.scheme+"://"+a.host+"/"+escapeSegments(repo.VirtualDir)+escapeName(repo.Owner), ""
	b, err := NewAzureDevOps(c)
	if err != nil {
		return nil, Repo{}, err
	}
	return b, repo, nil
}

// escapeSegments escapes each segment of a slash-separated path and returns
// it with a trailing slash, or "" for an empty path.
func escapeSegments(p string) string {
	if p == "" {
		return ""
	}
	var b strings.Builder
	for _, s := range strings.Split(p, "/") {
		b.WriteString(escapeName(s))
		b.WriteByte('/')
	}
	return b.String()
}

// escapeName escapes one path segment: [url.PathEscape], and '@' too, which
// patgit refuses after the host.
func escapeName(s string) string {
	e := url.PathEscape(s)
	if strings.IndexByte(e, '@') >= 0 {
		e = strings.ReplaceAll(e, "@", "%40")
	}
	return e
}
