package provider

import (
	"fmt"
	"os"
	"strings"

	"github.com/patgit/patgit/pat"
)

// family is one host family: everything host-specific that code outside the
// family's own files (github_*.go, azure_*.go) needs. [ForURL], [ForHost],
// [PlainURL], [TokenEnv], [CIConfig], [GitUsername] and [TokenHint] answer
// from the table families; gitauth asks them and never names a host. Adding a
// host family is one more row (appended to families in init) and its own
// files; its constructor calls checkName. A family whose self-hosted servers
// cannot be told from their BaseURL (GitLab) keeps server at serverNamed:
// Config.Name says so.
type family struct {
	name  string // Provider.Name: "github", "azure-devops"
	title string // for messages: "GitHub", "Azure DevOps"

	// hosted reports whether a lower-case host name (no port) is one of the
	// family's well-known hosted names, ssh hosts included.
	hosted func(hostname string) bool
	// borrowed are substrings that mark a host name imitating the family's
	// well-known hosts ("github.com.evil.example"): such a host is never
	// taken for anything unless Config.BaseURL names it.
	borrowed []string
	// server says which Config.BaseURL, when Config.Name is empty and its
	// host is not well known, is this family's self-hosted server.
	server serverRule
	// serverHint completes "set Config.BaseURL …" for a self-hosted server
	// on host.
	serverHint func(host string) string

	// forHosted parses a URL on one of the well-known hosts; srv is the
	// server Config.BaseURL names, nil when it is empty.
	forHosted func(r *remote, cfg Config, srv *server) (Provider, Repo, error)
	// forServer parses a URL on the host of cfg.BaseURL.
	forServer func(r *remote, cfg Config) (Provider, Repo, error)
	// forHost returns the provider for a bare host (git's credential
	// protocol without a path) and what the host alone says of a Repo.
	forHost func(r *remote, cfg Config, srv *server) (Provider, Repo, error)

	// env is the binding: the variables read, in order, and where each
	// may go.
	env []binding
	// ci returns the web root (and REST root, "" to derive it) of the CI
	// server the environment names, "" when none.
	ci func(getenv func(string) string) (base, api string)

	// gitUser returns the git CLI user name for tok on r, never empty:
	// basic is the name BasicAuth gave, asked the one the remote URL or
	// git's request holds.
	gitUser func(r Repo, tok pat.Token, basic, asked string) string
	// tokenPage is where a person creates a token for r ("" unknown).
	tokenPage func(p Provider, r Repo) string
	// gitScopes names what a token needs for git over https.
	gitScopes string
}

// serverRule says which unnamed self-hosted BaseURLs belong to a family.
type serverRule int

const (
	serverNamed    serverRule = iota // only with Config.Name
	serverAtRoot                     // a BaseURL with no path (GitHub Enterprise Server)
	serverWithPath                   // a BaseURL with a path (Azure DevOps Server's collection)
)

// binding is one row of "which token goes where": the variable name and
// whether it may go to a target.
type binding struct {
	name string
	to   func(t *bindTarget) bool
}

// bindTarget is what a binding decides on.
type bindTarget struct {
	repo       Repo
	hostname   string // lower case, no port
	hosted     bool   // repo.Host is one of the family's well-known hosts (no port)
	configured bool   // Config.BaseURL names repo.Host
	getenv     func(string) string
}

// envHost is the canonical host of the URL in the variable name, "" when it
// is unset or not a URL patgit would use.
func (t *bindTarget) envHost(name string) string {
	v := strings.TrimSpace(t.getenv(name))
	if v == "" {
		return ""
	}
	u, err := parseBaseURL(v)
	if err != nil {
		return ""
	}
	return canonicalHost(u)
}

// Provider names of the table's rows.
const (
	nameGitHub = "github"
	nameAzure  = "azure-devops"
)

// families is the host-family table, in the order ForURL and CIConfig try
// them. It is filled in init: its rows refer to functions that read it.
var families []*family

func init() { families = []*family{githubFamily, azureFamily} }

var githubFamily = &family{
	name:     nameGitHub,
	title:    "GitHub",
	hosted:   githubHosted,
	borrowed: []string{"github", "ghe.com"},
	server:   serverAtRoot,
	serverHint: func(host string) string {
		return "to https://" + host + " for GitHub Enterprise Server"
	},
	forHosted: func(r *remote, cfg Config, srv *server) (Provider, Repo, error) {
		web, base := githubWebHost(r.hostname), "https://github.com"
		if web != "github.com" {
			base = "https://" + web
		}
		return forGitHub(r, cfg, srv != nil && srv.host == web, base)
	},
	forServer: func(r *remote, cfg Config) (Provider, Repo, error) {
		return forGitHub(r, cfg, true, cfg.BaseURL)
	},
	forHost: githubForHost,
	env: []binding{
		{"GH_TOKEN", func(t *bindTarget) bool { return t.hosted }},
		{"GITHUB_TOKEN", func(t *bindTarget) bool { return t.hosted }},
		{"GH_ENTERPRISE_TOKEN", githubEnterprise},
		{"GITHUB_ENTERPRISE_TOKEN", githubEnterprise},
		// GitHub Actions on Enterprise Server: the job's token, for the
		// server that runs the job.
		{"GITHUB_TOKEN", func(t *bindTarget) bool {
			return !t.hosted && t.envHost("GITHUB_SERVER_URL") == strings.ToLower(t.repo.Host)
		}},
	},
	ci: func(getenv func(string) string) (string, string) {
		base := strings.TrimSpace(getenv("GITHUB_SERVER_URL"))
		api := strings.TrimSpace(getenv("GITHUB_API_URL"))
		if base == "" {
			return "", ""
		}
		// The REST root is taken only on the server's own host: the token
		// goes there too.
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
		return installationUser
	},
	tokenPage: func(p Provider, _ Repo) string {
		if g, ok := p.(*GitHub); ok && g.host != "" {
			return g.settingsURL()
		}
		return ""
	},
	gitScopes: "the repo scope (classic) or Contents access (fine-grained)",
}

// githubHosted reports github.com, ssh.github.com and SUB.ghe.com.
func githubHosted(h string) bool {
	if h == "github.com" || h == "ssh.github.com" {
		return true
	}
	_, ok := isGHEcomHost(h)
	return ok
}

// githubWebHost returns the web host of a well-known GitHub host name.
func githubWebHost(h string) string {
	if h == "ssh.github.com" {
		return "github.com"
	}
	return h
}

// githubEnterprise: a GitHub Enterprise Server that configuration names.
func githubEnterprise(t *bindTarget) bool {
	return !t.hosted && (t.configured || t.envHost("GITHUB_SERVER_URL") == strings.ToLower(t.repo.Host))
}

func githubForHost(r *remote, cfg Config, srv *server) (Provider, Repo, error) {
	switch {
	case githubHosted(r.hostname):
		if r.hostname == "ssh.github.com" || r.host != r.hostname {
			return nil, Repo{}, r.fail("not a GitHub web host")
		}
		if srv == nil || srv.host != r.hostname {
			cfg.BaseURL, cfg.APIURL = "https://"+r.hostname, ""
		}
	case srv == nil || srv.host != r.host:
		return nil, Repo{}, unknownHost(r)
	}
	cfg.Name = nameGitHub
	g, err := NewGitHub(cfg)
	if err != nil {
		return nil, Repo{}, err
	}
	return g, Repo{Host: g.host}, nil
}

var azureFamily = &family{
	name:     nameAzure,
	title:    "Azure DevOps",
	hosted:   isAzureHostedName,
	borrowed: []string{"azure", "visualstudio"},
	server:   serverWithPath,
	serverHint: func(host string) string {
		return "to the collection URL, e.g. https://" + host + "/tfs/DefaultCollection, for Azure DevOps Server"
	},
	forHosted: func(r *remote, cfg Config, srv *server) (Provider, Repo, error) {
		repo, err := parseAzureHosted(r)
		if err != nil {
			return nil, Repo{}, err
		}
		orgBase := "https://dev.azure.com/" + escapeName(repo.Owner)
		if repo.Host != azureHost {
			orgBase = "https://" + repo.Host
		}
		a, err := newBoundAzure(cfg, srv, orgBase, repo)
		if err != nil {
			return nil, Repo{}, err
		}
		return a, repo, nil
	},
	forServer: func(r *remote, cfg Config) (Provider, Repo, error) {
		return forAzureServer(r, cfg)
	},
	forHost: azureForHost,
	env: []binding{
		{"AZURE_DEVOPS_EXT_PAT", func(t *bindTarget) bool { return t.hosted || t.configured }},
		{"SYSTEM_ACCESSTOKEN", func(t *bindTarget) bool {
			coll := strings.TrimSpace(t.getenv("SYSTEM_COLLECTIONURI"))
			if coll == "" {
				return t.hosted || t.configured
			}
			return inCollection(coll, t)
		}},
	},
	ci: func(getenv func(string) string) (string, string) {
		return strings.TrimSpace(getenv("SYSTEM_COLLECTIONURI")), ""
	},
	gitUser: func(r Repo, _ pat.Token, basic, asked string) string {
		// Any name works; the clone button shows the organization.
		for _, u := range []string{asked, basic, r.Owner} {
			if u != "" {
				return u
			}
		}
		return "patgit"
	},
	tokenPage: func(p Provider, _ Repo) string {
		if a, ok := p.(*AzureDevOps); ok && a.base != nil {
			return a.tokensPage()
		}
		return ""
	},
	gitScopes: "the Code (Read) scope, Code (Read & write) to push",
}

// inCollection reports whether t's repository is in the collection coll
// (SYSTEM_COLLECTIONURI): on its host, and on Azure DevOps Services in its
// organization (dev.azure.com/ORG and ORG.visualstudio.com are one).
func inCollection(coll string, t *bindTarget) bool {
	u, err := parseBaseURL(coll)
	if err != nil {
		return false
	}
	host := canonicalHost(u)
	org := ""
	switch {
	case host == azureHost:
		if segs := splitPath(u.Path); len(segs) > 0 {
			org = segs[0]
		}
	default:
		if o, ok := vsOrg(host); ok {
			org = o
		}
	}
	if org == "" {
		// Azure DevOps Server: its host.
		return !t.hosted && host == strings.ToLower(t.repo.Host)
	}
	return t.hosted && t.repo.Owner != "" && strings.EqualFold(org, t.repo.Owner)
}

func azureForHost(r *remote, cfg Config, srv *server) (Provider, Repo, error) {
	org, vs := vsOrg(r.hostname)
	switch {
	case isAzureHostedName(r.hostname):
		if r.host != r.hostname || !vs && r.hostname != azureHost {
			return nil, Repo{}, r.fail("not an Azure DevOps web host")
		}
		if srv == nil || srv.host != r.hostname {
			cfg.BaseURL, cfg.APIURL = "", ""
			if vs {
				cfg.BaseURL = "https://" + r.hostname
			}
		}
	case srv == nil || srv.host != r.host:
		return nil, Repo{}, unknownHost(r)
	}
	cfg.Name = nameAzure
	a, err := NewAzureDevOps(cfg)
	if err != nil {
		return nil, Repo{}, err
	}
	repo := Repo{Host: r.host, Owner: a.org, VirtualDir: a.vdir}
	if vs {
		repo.Owner = org
	}
	return a, repo, nil
}

// familyNamed returns the row for a provider name, nil when none.
func familyNamed(name string) *family {
	for _, f := range families {
		if f.name == name {
			return f
		}
	}
	return nil
}

// hostedFamily returns the family whose well-known hosts include the
// lower-case host name h, nil when none.
func hostedFamily(h string) *family {
	for _, f := range families {
		if f.hosted(h) {
			return f
		}
	}
	return nil
}

// borrowedFamily returns a family whose well-known names h borrows, nil
// when none.
func borrowedFamily(h string) *family {
	for _, f := range families {
		for _, s := range f.borrowed {
			if strings.Contains(h, s) {
				return f
			}
		}
	}
	return nil
}

func familyNames() string {
	q := make([]string, len(families))
	for i, f := range families {
		q[i] = "\"" + f.name + "\""
	}
	return strings.Join(q, ", ")
}

func familyTitles() string {
	q := make([]string, len(families))
	for i, f := range families {
		q[i] = f.title
	}
	return strings.Join(q, " or ")
}

// server is the self-hosted (or configured hosted) server Config.BaseURL
// names and the family it belongs to, decided from BaseURL and Config.Name
// alone.
type server struct {
	fam  *family
	base string // Config.BaseURL
	host string // its canonical host
}

// serves reports whether r is on s's host (over ssh, on its host name: the
// ssh port is the administrator's choice).
func (s *server) serves(r *remote) bool {
	return r.host == s.host || r.scheme == "ssh" && r.hostname == hostOnly(s.host)
}

// server returns the server c.BaseURL names, nil when BaseURL is empty.
func (c Config) server() (*server, error) {
	var named *family
	if c.Name != "" {
		if named = familyNamed(c.Name); named == nil {
			return nil, fmt.Errorf("%w: Config.Name %q is not a provider (want %s, or empty)", ErrUnsupportedURL, c.Name, familyNames())
		}
	}
	if c.BaseURL == "" {
		return nil, nil
	}
	u, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("Config.BaseURL: %w", err)
	}
	s := &server{base: c.BaseURL, host: canonicalHost(u)}
	hosted := hostedFamily(strings.ToLower(u.Hostname()))
	switch {
	case named != nil && hosted != nil && named != hosted:
		return nil, fmt.Errorf("%w: Config.Name is %q but Config.BaseURL's host %s is %s's", ErrUnsupportedURL, c.Name, s.host, hosted.title)
	case named != nil:
		s.fam = named
	case hosted != nil:
		s.fam = hosted
	default:
		rule := serverAtRoot
		if strings.Trim(u.Path, "/") != "" {
			rule = serverWithPath
		}
		for _, f := range families {
			if f.server == rule {
				s.fam = f
			}
		}
	}
	if s.fam == nil {
		return nil, fmt.Errorf("%w: set Config.Name for Config.BaseURL %s (%s)", ErrUnsupportedURL, s.host, familyNames())
	}
	return s, nil
}

// checkName refuses a Config.Name naming another provider than name.
func checkName(cfg Config, name string) error {
	if cfg.Name != "" && cfg.Name != name {
		return fmt.Errorf("%w: Config.Name is %q; this is the %s provider", ErrUnsupportedURL, cfg.Name, name)
	}
	return nil
}

// unknownHost is ForURL's refusal of a host no provider claims: it says how
// to configure the host.
func unknownHost(r *remote) error {
	host := r.host
	if r.scheme == "ssh" {
		host = r.hostname
	}
	if f := borrowedFamily(r.hostname); f != nil {
		return r.fail("%s is not a %s host, though its name borrows one; if it is your server, set Config.BaseURL to its URL and Config.Name to %q", r.host, f.title, f.name)
	}
	hints := make([]string, 0, len(families))
	for _, f := range families {
		hints = append(hints, f.serverHint(host))
	}
	return r.fail("%s is not a known %s host; set Config.BaseURL %s (and Config.Name to one of %s when BaseURL alone does not say which)",
		r.host, familyTitles(), strings.Join(hints, ", or "), familyNames())
}

// ForHost returns the provider for a bare host, as git's credential protocol
// names one (protocol "https", or "http" for a loopback host, and
// host[:port]), and a Repo holding what the host alone says: Host, and Owner
// where the host or Config.BaseURL names one organization or collection
// (ORG.visualstudio.com, https://dev.azure.com/ORG,
// https://tfs.example.com/tfs/Collection). The host is one of the
// well-known web hosts or the host of cfg.BaseURL, and a plain DNS name or
// bracketed IP literal with an optional port: anything else
// ("evil.example/a.visualstudio.com", "github.com.", "xn--…") is an error
// wrapping [ErrUnsupportedURL] (or [ErrInsecureURL]).
func ForHost(scheme, host string, cfg Config) (Provider, Repo, error) {
	r := remote{scheme: strings.ToLower(scheme)}
	if r.scheme != "https" && r.scheme != "http" {
		return nil, Repo{}, lexFail("protocol %q is not supported; use https", r.scheme)
	}
	if len(host) > 300 {
		return nil, Repo{}, lexFail("host is too long")
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c <= 0x20 || c >= 0x7f || strings.IndexByte("/\\@?#", c) >= 0 {
			return nil, Repo{}, lexFail("malformed host")
		}
	}
	if err := r.setHostPort(host); err != nil {
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
		return f.forHost(&r, cfg, srv)
	}
	if srv != nil && r.host == srv.host {
		return srv.fam.forHost(&r, cfg, srv)
	}
	return nil, Repo{}, unknownHost(&r)
}

// PlainURL returns rawURL as SCHEME://HOST/PATH (no user information, query
// or fragment) when no provider claims its host (it is neither a well-known
// host nor the host of cfg.BaseURL) and the URL is plain: https (http only
// to loopback), no user information, no '@' anywhere, a repository path, a
// host that is a plain DNS name or IP literal and borrows no well-known name
// ("github.com.evil.example"). Anything else is an error wrapping
// [ErrUnsupportedURL] or [ErrInsecureURL]; for a host a provider claims it
// is [ForURL]'s error, or one saying to use ForURL. gitauth.Probe uses it for
// hosts no configuration names.
func PlainURL(rawURL string, cfg Config) (string, error) {
	r, err := lexRemote(rawURL)
	if err != nil {
		return "", err
	}
	if err := r.checkTransport(); err != nil {
		return "", err
	}
	srv, err := cfg.server()
	if err != nil {
		return "", err
	}
	if hostedFamily(r.hostname) != nil || srv != nil && srv.serves(&r) {
		p, _, err := ForURL(rawURL, cfg)
		if err != nil {
			return "", err
		}
		return "", r.fail("a %s URL: use ForURL", p.Name())
	}
	switch {
	case r.scheme == "ssh":
		return "", r.fail("only https URLs of a host no provider claims are used")
	case r.hasUser || r.atInPath:
		return "", r.fail("a URL of a host no provider claims must hold no user information and no '@'")
	case len(r.segs) == 0:
		return "", r.fail("no repository path")
	}
	if f := borrowedFamily(r.hostname); f != nil {
		return "", unknownHost(&r)
	}
	return r.scheme + "://" + r.host + r.path, nil
}

// getenvOr returns getenv, or os.Getenv when it is nil.
func getenvOr(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// TokenEnv returns the environment variables that may hold a token for r, in
// the order they are read: the rows of the binding table ("Which token goes
// where" in the README) whose hosts include r's. p and r come from
// [ForURL] with cfg (after [CIConfig]); getenv reads only the CI variables
// that bind a token to a server (GITHUB_SERVER_URL, SYSTEM_COLLECTIONURI),
// never a token; nil means [os.Getenv].
//
//   - GH_TOKEN, GITHUB_TOKEN: github.com and SUB.ghe.com;
//   - GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN: a GitHub Enterprise
//     Server cfg.BaseURL or GITHUB_SERVER_URL names; then GITHUB_TOKEN for
//     the server GITHUB_SERVER_URL names (GitHub Actions on the server);
//   - AZURE_DEVOPS_EXT_PAT: dev.azure.com, ORG.visualstudio.com and an Azure
//     DevOps Server cfg.BaseURL names;
//   - SYSTEM_ACCESSTOKEN: the collection SYSTEM_COLLECTIONURI names (its
//     host; on Azure DevOps Services its organization only), or where
//     AZURE_DEVOPS_EXT_PAT goes when SYSTEM_COLLECTIONURI is unset.
//
// It returns nil for a provider the table does not know.
func TokenEnv(p Provider, r Repo, cfg Config, getenv func(string) string) []string {
	if p == nil {
		return nil
	}
	return tokenEnv(familyNamed(p.Name()), r, cfg, getenv)
}

func tokenEnv(f *family, r Repo, cfg Config, getenv func(string) string) []string {
	if f == nil || r.Host == "" {
		return nil
	}
	t := &bindTarget{repo: r, getenv: getenvOr(getenv)}
	host := strings.ToLower(r.Host)
	t.hostname = hostOnly(host)
	t.hosted = host == t.hostname && f.hosted(t.hostname)
	if cfg.BaseURL != "" {
		if u, err := parseBaseURL(cfg.BaseURL); err == nil {
			t.configured = canonicalHost(u) == host
		}
	}
	var names []string
	for _, b := range f.env {
		if b.to(t) && !contains(names, b.name) {
			names = append(names, b.name)
		}
	}
	return names
}

// EnvNames returns the variables that may hold a token for host, a web host
// of the provider named providerName ("github", "azure-devops"), taking a
// host that is not a well-known one for configured (Config.BaseURL names
// it): what gitauth.EnvVars answers. Without a repository, SYSTEM_ACCESSTOKEN
// is listed for dev.azure.com only when SYSTEM_COLLECTIONURI is unset.
// getenv as for [TokenEnv]; nil for an unknown provider or a malformed host.
func EnvNames(providerName, host string, getenv func(string) string) []string {
	f := familyNamed(providerName)
	if f == nil {
		return nil
	}
	r := remote{scheme: "https"}
	if err := r.setHostPort(strings.ToLower(host)); err != nil {
		return nil
	}
	repo := Repo{Host: r.host}
	if org, ok := vsOrg(r.hostname); ok && r.host == r.hostname {
		repo.Owner = org
	}
	return tokenEnv(f, repo, Config{BaseURL: "https://" + r.host}, getenv)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CIConfig returns cfg configured for the CI server that runs this process:
// when cfg.BaseURL is empty and rawURL's host is not a well-known one but the
// host GITHUB_SERVER_URL (GitHub Actions; GITHUB_API_URL on the same host
// becomes APIURL) or SYSTEM_COLLECTIONURI (Azure Pipelines) names, BaseURL
// and Name are set from that variable, so that an on-premises job needs no
// configuration. Otherwise, and when cfg.Name names another provider, cfg is
// returned as it is. getenv as for [TokenEnv].
func CIConfig(rawURL string, cfg Config, getenv func(string) string) Config {
	if cfg.BaseURL != "" {
		return cfg
	}
	r, err := lexRemote(rawURL)
	if err != nil || hostedFamily(r.hostname) != nil {
		return cfg
	}
	getenv = getenvOr(getenv)
	for _, f := range families {
		if f.ci == nil || cfg.Name != "" && cfg.Name != f.name {
			continue
		}
		base, api := f.ci(getenv)
		if base == "" {
			continue
		}
		u, err := parseBaseURL(base)
		if err != nil || hostedFamily(strings.ToLower(u.Hostname())) != nil {
			continue
		}
		s := server{fam: f, base: base, host: canonicalHost(u)}
		if s.serves(&r) {
			cfg.BaseURL, cfg.Name, cfg.APIURL = base, f.name, api
			return cfg
		}
	}
	return cfg
}

// GitUsername returns the user name to give the git CLI (a credential
// helper's answer, an authenticated URL) with tok for r, never empty: git
// sends no password with an empty one. basic is the name p's BasicAuth gave;
// asked the one the remote URL or git's request holds, kept where the host
// accepts any name (Azure DevOps). GitHub: basic, else "x-access-token";
// Azure DevOps: asked, basic, the organization, else "patgit".
func GitUsername(p Provider, r Repo, tok pat.Token, basic, asked string) string {
	if p != nil {
		if f := familyNamed(p.Name()); f != nil {
			return f.gitUser(r, tok, basic, asked)
		}
	}
	if basic != "" {
		return basic
	}
	return "patgit"
}

// TokenHint says where a person creates a token for r on p's host and what
// it needs for git, e.g. "create a token with the repo scope (classic) or
// Contents access (fine-grained) at https://github.com/settings/tokens";
// "" when p is not a provider of the table.
func TokenHint(p Provider, r Repo) string {
	if p == nil {
		return ""
	}
	f := familyNamed(p.Name())
	if f == nil {
		return ""
	}
	hint := "create a token with " + f.gitScopes
	if page := f.tokenPage(p, r); page != "" {
		hint += " at " + page
	}
	return hint
}
