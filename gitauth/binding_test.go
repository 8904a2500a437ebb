package gitauth

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// TestBinding sets one variable (or a CI pair) at a time and checks which
// remotes Resolve hands its token to: each variable goes only to the hosts
// the binding table names, and nothing is guessed from a URL's path.
func TestBinding(t *testing.T) {
	f := newFixture(t)
	ghOnGHES := f.gh.URL + "/contoso/project/_git/widgets" // a /_git/ path on the GitHub server
	azServer := provider.Config{BaseURL: f.az.URL, Name: "azure-devops"}
	cases := []struct {
		name   string
		env    map[string]string
		raw    string
		cfg    provider.Config
		origin string // "" : no token (a *NoTokenError), unless err is set
		err    error
	}{
		// The findings: a path never picks a provider or a token.
		{"AZURE_DEVOPS_EXT_PAT to an unknown host with /_git/", map[string]string{"AZURE_DEVOPS_EXT_PAT": f.azRead}, "https://evil.com/org/project/_git/repo", provider.Config{}, "", provider.ErrUnsupportedURL},
		{"AZURE_DEVOPS_EXT_PAT to GHES with /_git/", map[string]string{"AZURE_DEVOPS_EXT_PAT": f.azRead}, ghOnGHES, f.ghCfg, "", nil},
		{"GH_ENTERPRISE_TOKEN to Azure DevOps Server", map[string]string{"GH_ENTERPRISE_TOKEN": f.ghRead}, f.az.URL + "/octo/hello", azServer, "", provider.ErrUnsupportedURL},
		{"GH_ENTERPRISE_TOKEN to an Azure DevOps Server collection", map[string]string{"GH_ENTERPRISE_TOKEN": f.ghRead}, f.azURL, f.azCfg, "", nil},

		{"GH_TOKEN to github.com", map[string]string{"GH_TOKEN": f.ghRead}, "https://github.com/octo/hello", provider.Config{}, "env GH_TOKEN", nil},
		{"GH_TOKEN to ghe.com", map[string]string{"GH_TOKEN": f.ghRead}, "https://octocorp.ghe.com/octo/hello", provider.Config{}, "env GH_TOKEN", nil},
		{"GH_TOKEN not to GHES", map[string]string{"GH_TOKEN": f.ghRead}, f.ghURL, f.ghCfg, "", nil},
		{"GITHUB_TOKEN not to GHES", map[string]string{"GITHUB_TOKEN": f.ghRead}, f.ghURL, f.ghCfg, "", nil},
		{"GITHUB_TOKEN to github.com", map[string]string{"GITHUB_TOKEN": f.ghRead}, "https://github.com/octo/hello", provider.Config{}, "env GITHUB_TOKEN", nil},
		{"GH_ENTERPRISE_TOKEN to GHES", map[string]string{"GH_ENTERPRISE_TOKEN": f.ghRead}, f.ghURL, f.ghCfg, "env GH_ENTERPRISE_TOKEN", nil},
		{"GITHUB_ENTERPRISE_TOKEN to GHES", map[string]string{"GITHUB_ENTERPRISE_TOKEN": f.ghRead}, f.ghURL, f.ghCfg, "env GITHUB_ENTERPRISE_TOKEN", nil},
		{"GH_ENTERPRISE_TOKEN not to github.com", map[string]string{"GH_ENTERPRISE_TOKEN": f.ghRead}, "https://github.com/octo/hello", provider.Config{}, "", nil},
		{"GITHUB_TOKEN to the Actions server", map[string]string{"GITHUB_TOKEN": f.ghRead, "GITHUB_SERVER_URL": f.gh.URL}, f.ghURL, f.ghCfg, "env GITHUB_TOKEN", nil},
		{"enterprise variables before GITHUB_TOKEN", map[string]string{"GITHUB_TOKEN": f.ghWrite, "GITHUB_ENTERPRISE_TOKEN": f.ghRead, "GITHUB_SERVER_URL": f.gh.URL}, f.ghURL, f.ghCfg, "env GITHUB_ENTERPRISE_TOKEN", nil},
		{"GITHUB_TOKEN not to another server", map[string]string{"GITHUB_TOKEN": f.ghRead, "GITHUB_SERVER_URL": "https://ghe.other.example"}, f.ghURL, f.ghCfg, "", nil},
		{"Actions on GHES configures itself", map[string]string{"GITHUB_TOKEN": f.ghRead, "GITHUB_SERVER_URL": f.gh.URL, "GITHUB_API_URL": f.gh.URL + "/api/v3"}, f.ghURL, provider.Config{}, "env GITHUB_TOKEN", nil},
		{"Actions elsewhere configures nothing", map[string]string{"GITHUB_TOKEN": f.ghRead, "GITHUB_SERVER_URL": "https://github.com"}, f.ghURL, provider.Config{}, "", provider.ErrUnsupportedURL},

		{"AZURE_DEVOPS_EXT_PAT to dev.azure.com", map[string]string{"AZURE_DEVOPS_EXT_PAT": f.azRead}, "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, "env AZURE_DEVOPS_EXT_PAT", nil},
		{"AZURE_DEVOPS_EXT_PAT to visualstudio.com", map[string]string{"AZURE_DEVOPS_EXT_PAT": f.azRead}, "https://contoso.visualstudio.com/P/_git/R", provider.Config{}, "env AZURE_DEVOPS_EXT_PAT", nil},
		{"AZURE_DEVOPS_EXT_PAT to a configured server", map[string]string{"AZURE_DEVOPS_EXT_PAT": f.azRead}, f.azURL, f.azCfg, "env AZURE_DEVOPS_EXT_PAT", nil},
		{"AZURE_DEVOPS_EXT_PAT not to github.com", map[string]string{"AZURE_DEVOPS_EXT_PAT": f.azRead}, "https://github.com/octo/hello", provider.Config{}, "", nil},
		{"SYSTEM_ACCESSTOKEN alone, as AZURE_DEVOPS_EXT_PAT", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead}, f.azURL, f.azCfg, "env SYSTEM_ACCESSTOKEN", nil},
		{"SYSTEM_ACCESSTOKEN to its collection", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead, "SYSTEM_COLLECTIONURI": f.az.OrgURL(azOrg) + "/"}, f.azURL, f.azCfg, "env SYSTEM_ACCESSTOKEN", nil},
		{"SYSTEM_ACCESSTOKEN not to another host", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead, "SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/"}, f.azURL, f.azCfg, "", nil},
		{"SYSTEM_ACCESSTOKEN to its organization", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead, "SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/"}, "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, "env SYSTEM_ACCESSTOKEN", nil},
		{"SYSTEM_ACCESSTOKEN not to another organization", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead, "SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/"}, "https://dev.azure.com/fabrikam/P/_git/R", provider.Config{}, "", nil},
		{"Pipelines on a server configure themselves", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead, "SYSTEM_COLLECTIONURI": f.az.OrgURL(azOrg) + "/"}, f.azURL, provider.Config{}, "env SYSTEM_ACCESSTOKEN", nil},
		{"SYSTEM_ACCESSTOKEN not to GHES", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead}, f.ghURL, f.ghCfg, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			isolateGit(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r, err := Resolve(context.Background(), tc.raw, Options{Provider: tc.cfg})
			testkit.NoLeak(t, "error", err, f.secrets()...)
			switch {
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("Resolve = %+v, %v; want %v", r, err, tc.err)
				}
			case tc.origin == "":
				var nt *NoTokenError
				if !errors.As(err, &nt) {
					t.Fatalf("Resolve = %+v, %v; want no token", r, err)
				}
			default:
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				if got := r.Token.Origin(); got != tc.origin {
					t.Errorf("token from %q; want %q", got, tc.origin)
				}
			}
		})
	}
}

// An Actions job on Enterprise Server and a pipeline on Azure DevOps Server
// clone with no configuration, with the job's token.
func TestCISelfConfiguration(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name string
		env  map[string]string
		raw  string
	}{
		{"actions", map[string]string{"GITHUB_TOKEN": f.ghRead, "GITHUB_SERVER_URL": f.gh.URL, "GITHUB_API_URL": f.gh.URL + "/api/v3"}, f.ghURL},
		{"pipelines", map[string]string{"SYSTEM_ACCESSTOKEN": f.azRead, "SYSTEM_COLLECTIONURI": f.az.OrgURL(azOrg) + "/"}, f.azURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			isolateGit(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if _, err := Clone(context.Background(), tc.raw, "", Options{}, nil); err != nil {
				t.Fatalf("Clone with no configuration: %v", err)
			}
		})
	}
}

// countingTransport records requests and answers none.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("no network in tests")
}

// Probe refuses look-alikes and user-information tricks before any request,
// and never sends a token of a known kind to a host no provider claims.
func TestProbeUnclaimedHosts(t *testing.T) {
	ghTok := "ghp_" + strings.Repeat("a", 36)
	if k := pat.Identify(ghTok); k == pat.Unknown {
		t.Fatalf("test token is not of a known kind")
	}
	for _, raw := range []string{
		"https://github.com.evil.example/o/r",
		"https://github.com@evil.example/o/r",
		"https://x@evil.example/o/r",
		"https://xn--gthub-n4a.com/o/r",
		"https://github.com./o/r",
		"https://evil.example./o/r",
		"https://dev.azure.com.evil.example/contoso/P/_git/R",
		"https:/evil.example/o/r",
		"https://evil.example/o/@r",
	} {
		for _, auth := range []*githttp.BasicAuth{{Username: "u", Password: "opaque"}, {Username: "u", Password: ghTok}} {
			tr := &countingTransport{}
			o := Options{Provider: provider.Config{HTTPClient: &http.Client{Transport: tr}}}
			err := o.Probe(context.Background(), raw, auth, Read)
			if err == nil || tr.n.Load() != 0 {
				t.Errorf("Probe(%q) = %v after %d requests; want refused before any", raw, err, tr.n.Load())
			}
			testkit.NoLeak(t, "error", err, ghTok)
		}
	}
	// A plain URL of a host no provider claims: a token of a known kind is
	// refused, one of unknown kind is sent.
	tr := &countingTransport{}
	o := Options{Provider: provider.Config{HTTPClient: &http.Client{Transport: tr}}}
	if err := o.Probe(context.Background(), "https://git.example.com/o/r", &githttp.BasicAuth{Username: "u", Password: ghTok}, Read); !errors.Is(err, provider.ErrTokenMismatch) || tr.n.Load() != 0 {
		t.Errorf("Probe(unclaimed host, ghp_) = %v after %d requests; want ErrTokenMismatch before any", err, tr.n.Load())
	}
	if err := o.Probe(context.Background(), "https://git.example.com/o/r", &githttp.BasicAuth{Username: "u", Password: "opaque"}, Read); err == nil || tr.n.Load() == 0 {
		t.Errorf("Probe(unclaimed host, unknown kind) = %v after %d requests; want it sent", err, tr.n.Load())
	}
}

// CredentialHelper answers only for a host that is a plain DNS name or a
// bracketed IP literal with an optional port.
func TestCredentialHelperHostSyntax(t *testing.T) {
	isolateGit(t)
	t.Setenv("AZURE_DEVOPS_EXT_PAT", "opaque-azure-token")
	t.Setenv("GH_TOKEN", "opaque-github-token")
	for _, host := range []string{
		"evil.example/a.visualstudio.com",
		"evil.example/dev.azure.com",
		"evil.example/github.com",
		"evil.example?.visualstudio.com",
		"evil.example#.visualstudio.com",
		"evil.example\\a.visualstudio.com",
		"evil.example@github.com",
		"a.visualstudio.com.",
		"github.com.",
		"github.com.evil.example",
		"xn--gthub-n4a.com",
		"dev.azure.com:8443",
		"[::1",
	} {
		var out bytes.Buffer
		in := "protocol=https\nhost=" + host + "\n\n"
		err := CredentialHelper(context.Background(), "get", strings.NewReader(in), &out, Options{})
		if err != nil && !errors.Is(err, pat.ErrProtocol) || out.Len() != 0 {
			t.Errorf("host %q: answer %q, err %v; want silence", host, out.String(), err)
		}
	}
	// The same helper answers for the hosts it knows.
	var out bytes.Buffer
	if err := CredentialHelper(context.Background(), "get", strings.NewReader("protocol=https\nhost=contoso.visualstudio.com\n\n"), &out, Options{}); err != nil || !strings.Contains(out.String(), "password=opaque-azure-token") {
		t.Errorf("visualstudio.com: %q, %v", out.String(), err)
	}
}

// NoTokenError says where to create a token for the remote.
func TestNoTokenErrorHint(t *testing.T) {
	isolateGit(t)
	for raw, want := range map[string]string{
		"https://github.com/octo/hello":          "https://github.com/settings/tokens",
		"https://dev.azure.com/contoso/P/_git/R": "https://dev.azure.com/contoso/_usersSettings/tokens",
	} {
		_, err := Resolve(context.Background(), raw, Options{})
		var nt *NoTokenError
		if !errors.As(err, &nt) || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve(%q) = %v; want a NoTokenError naming %s", raw, err, want)
		}
	}
}
