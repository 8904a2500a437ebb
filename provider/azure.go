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
}

var _ Provider = (*AzureDevOps)(nil)

// NewAzureDevOps returns an Azure DevOps provider. The zero Config is hosted
// Azure DevOps with no organization configured: URLs of dev.azure.com and
// *.visualstudio.com parse, but checks need the organization, which
// [ForURL] takes from the URL. It returns an error wrapping [ErrInsecureURL]
// for an http:// BaseURL whose host is not loopback.
func NewAzureDevOps(cfg Config) (*AzureDevOps, error) {
	a := &AzureDevOps{cfg: cfg, scheme: "https", client: newHTTPClient(cfg.HTTPClient)}
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

// Name returns "azure-devops".
func (a *AzureDevOps) Name() string { return "azure-devops" }

// BasicAuth returns go-git credentials for tok.
func (a *AzureDevOps) BasicAuth(ctx context.Context, tok pat.Token) (*githttp.BasicAuth, error) {
	return nil, fmt.Errorf("azure-devops BasicAuth: %w", errNotImplemented)
}

// AuthenticatedURL returns the org:token@ clone URL for the git CLI.
func (a *AzureDevOps) AuthenticatedURL(ctx context.Context, r Repo, tok pat.Token) (string, error) {
	return "", fmt.Errorf("azure-devops AuthenticatedURL: %w", errNotImplemented)
}

// CheckScopes validates tok and proves each required scope it can.
func (a *AzureDevOps) CheckScopes(ctx context.Context, tok pat.Token, required ...string) (*Report, error) {
	return nil, fmt.Errorf("azure-devops CheckScopes: %w", errNotImplemented)
}
