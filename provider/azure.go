package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/pat"
)

// AzureDevOps is the [Provider] for Azure DevOps Services (dev.azure.com,
// *.visualstudio.com) and Azure DevOps Server. Make one with
// [NewAzureDevOps]; it is safe for concurrent use.
//
// Tokens are checked against one organization (a collection on Azure DevOps
// Server): the one in Config.BaseURL, or the one a repository URL names when
// the provider comes from [ForURL]. Global (all-organization) PATs stop
// working on 2026-12-01; organization-scoped PATs, which patgit validates
// against the configured organization's connectionData, are what to create.
//
// Any Basic user name works on Azure DevOps: BasicAuth sends Config.Username
// (empty by default, as Microsoft's SDKs do) with the token as password.
type AzureDevOps struct {
	cfg Config
	// base is the parsed Config.BaseURL; nil for hosted Azure DevOps with no
	// organization configured.
	base   *url.URL
	scheme string // "https", or "http" for a loopback BaseURL
	host   string // lower case, port kept; "" when base is nil
	// org is the organization (collection on Server) named by BaseURL, if any.
	org string
	// vdir is the virtual directory before the collection on Server ("tfs").
	vdir string
	// api is the REST root of the organization, no trailing slash; "" when
	// no organization is configured.
	api    string
	client *http.Client
	// st holds the check cache and the client checks use; shared by copies.
	st *azState
}

var _ Provider = (*AzureDevOps)(nil)

// NewAzureDevOps returns an Azure DevOps provider. The zero Config is hosted
// Azure DevOps with no organization configured: URLs of dev.azure.com and
// *.visualstudio.com parse, but checks need the organization, which
// [ForURL] takes from the URL. It returns an error wrapping [ErrInsecureURL]
// for an http:// BaseURL whose host is not loopback.
func NewAzureDevOps(cfg Config) (*AzureDevOps, error) {
	if err := checkName(cfg, nameAzure); err != nil {
		return nil, err
	}
	a := &AzureDevOps{cfg: cfg, scheme: "https", client: newHTTPClient(cfg)}
	a.st = newAzState(a.client)
	if cfg.BaseURL == "" {
		return a, nil
	}
	u, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	a.base = u
	a.scheme = strings.ToLower(u.Scheme)
	a.host = canonicalHost(u)
	segs := splitPath(u.Path)
	hostname := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(hostname, ".visualstudio.com"):
		a.org = strings.TrimSuffix(hostname, ".visualstudio.com")
	case hostname == azureHost && len(segs) > 0:
		// dev.azure.com/ORG has no virtual directory: in a longer path
		// (a project's page pasted as the base) the first segment is the
		// organization.
		a.org = segs[0]
		u = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/" + a.org}
	case len(segs) > 0:
		a.org = segs[len(segs)-1]
		a.vdir = strings.Join(segs[:len(segs)-1], "/")
	}
	// With no organization in BaseURL (a server root such as a test server
	// on loopback), each repository URL names its organization; ForURL
	// returns a provider bound to it.
	if a.org != "" {
		a.api = strings.TrimSuffix(u.String(), "/")
	}
	if cfg.APIURL != "" {
		api, err := parseBaseURL(cfg.APIURL)
		if err != nil {
			return nil, fmt.Errorf("APIURL: %w", err)
		}
		a.api = strings.TrimSuffix(api.String(), "/")
	}
	return a, nil
}

// splitPath splits an unescaped URL path into its non-empty segments.
func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ready returns [ErrNotConfigured] for an AzureDevOps not made by
// [NewAzureDevOps].
func (a *AzureDevOps) ready() error {
	if a == nil || a.client == nil || a.st == nil {
		return notConfigured("AzureDevOps", "NewAzureDevOps")
	}
	return nil
}

// Name returns "azure-devops".
func (a *AzureDevOps) Name() string { return "azure-devops" }

// BasicAuth returns go-git credentials for tok: Config.Username (empty by
// default; Azure DevOps accepts any user name) and the token as password. It
// sends no request. It refuses a GitHub token ([ErrTokenMismatch]) and
// http:// to a host that is not loopback ([ErrInsecureURL]); tokens of
// unknown kind (pipeline tokens, Azure DevOps Server PATs) are accepted.
func (a *AzureDevOps) BasicAuth(ctx context.Context, tok pat.Token) (*githttp.BasicAuth, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	if err := a.azPreflight(tok); err != nil {
		return nil, err
	}
	return &githttp.BasicAuth{Username: a.cfg.Username, Password: tok.Secret()}, nil
}

// servesHost reports whether host (a Repo.Host) is one this provider may
// send its token to: its own host, or for Azure DevOps Services any of
// dev.azure.com and ORG.visualstudio.com.
func (a *AzureDevOps) servesHost(host string) bool {
	host = strings.ToLower(host)
	if a.host != "" && host == a.host {
		return true
	}
	if a.base != nil && !a.hosted() {
		return false
	}
	_, vs := vsOrg(host)
	return host == azureHost || vs
}

// AuthenticatedURL returns r's clone URL with "ORG:TOKEN@" in it, e.g.
// https://contoso:TOKEN@dev.azure.com/contoso/Project/_git/Repo, the form of
// Azure DevOps' clone button plus the token. The user name is the
// organization, never empty: git sends no password with an empty user name.
//
// It is the git CLI's last resort: the URL holds the secret, so never log
// it, store it, or hand it to go-git (use [AzureDevOps.BasicAuth]). It
// refuses a GitHub token, http:// to a host that is not loopback, and a
// repository on a host the provider does not serve ([ErrUnsupportedURL]).
func (a *AzureDevOps) AuthenticatedURL(ctx context.Context, r Repo, tok pat.Token) (string, error) {
	if err := a.ready(); err != nil {
		return "", err
	}
	if err := a.azPreflight(tok); err != nil {
		return "", err
	}
	if r.Host != "" && !a.servesHost(r.Host) {
		return "", fmt.Errorf("%w: repository host %s is not this provider's host %s; the token is not sent there", ErrUnsupportedURL, r.Host, a.azHost())
	}
	clone := a.CloneURL(r)
	if clone == "" {
		return "", fmt.Errorf("%w: no clone URL for repository %q", ErrUnsupportedURL, r.String())
	}
	u, err := url.Parse(clone)
	if err != nil {
		return "", fmt.Errorf("%w: clone URL of %q: %v", ErrUnsupportedURL, r.String(), err)
	}
	if err := checkScheme(u); err != nil {
		return "", err
	}
	user := r.Owner
	if user == "" {
		user = a.org
	}
	if user == "" {
		return "", fmt.Errorf("%w: repository %q names no organization for the user name", ErrNoOrganization, r.String())
	}
	u.User = url.UserPassword(user, tok.Secret())
	return u.String(), nil
}
