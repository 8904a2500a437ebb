package provider_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// envOf returns a lookup function over vars.
func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// TestTokenEnv checks the binding ("Which token goes where") row by row:
// which variables may hold a token for a remote, in order.
func TestTokenEnv(t *testing.T) {
	const (
		ghesBase = "https://ghe.example.com"
		tfsBase  = "https://tfs.example.com/tfs/DefaultCollection"
	)
	actions := map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com"}
	pipelines := func(coll string) map[string]string { return map[string]string{"SYSTEM_COLLECTIONURI": coll} }
	cases := []struct {
		name string
		raw  string
		cfg  provider.Config
		env  map[string]string
		want []string
	}{
		{"github.com", "https://github.com/o/r", provider.Config{}, nil, []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"github.com with a GHES configured", "https://github.com/o/r", provider.Config{BaseURL: ghesBase}, actions, []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"ghe.com", "https://octocorp.ghe.com/o/r", provider.Config{}, nil, []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"GHES named by BaseURL", "https://ghe.example.com/o/r", provider.Config{BaseURL: ghesBase}, nil, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}},
		{"GHES in Actions", "https://ghe.example.com/o/r", provider.Config{BaseURL: ghesBase}, actions, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GITHUB_TOKEN"}},
		{"GHES, Actions on another server", "https://ghe.example.com/o/r", provider.Config{BaseURL: ghesBase}, map[string]string{"GITHUB_SERVER_URL": "https://other.example.com"}, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}},
		{"GHES, Actions on its other port", "https://ghe.example.com/o/r", provider.Config{BaseURL: ghesBase}, map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com:8443"}, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}},
		{"GHES with a port", "https://ghe.example.com:8443/o/r", provider.Config{BaseURL: "https://ghe.example.com:8443"}, map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com:8443/"}, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GITHUB_TOKEN"}},

		{"dev.azure.com", "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, nil, []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"visualstudio.com", "https://contoso.visualstudio.com/P/_git/R", provider.Config{}, nil, []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"Azure DevOps Server named by BaseURL", "https://tfs.example.com/tfs/DefaultCollection/P/_git/R", provider.Config{BaseURL: tfsBase}, nil, []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"pipeline of the organization", "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, pipelines("https://dev.azure.com/contoso/"), []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"pipeline of the organization, case", "https://dev.azure.com/Contoso/P/_git/R", provider.Config{}, pipelines("https://dev.azure.com/contoso"), []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"pipeline of another organization", "https://dev.azure.com/fabrikam/P/_git/R", provider.Config{}, pipelines("https://dev.azure.com/contoso/"), []string{"AZURE_DEVOPS_EXT_PAT"}},
		{"pipeline, legacy URL of the organization", "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, pipelines("https://contoso.visualstudio.com/"), []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"pipeline, legacy URL of another organization", "https://fabrikam.visualstudio.com/P/_git/R", provider.Config{}, pipelines("https://contoso.visualstudio.com/"), []string{"AZURE_DEVOPS_EXT_PAT"}},
		{"pipeline on a server", "https://tfs.example.com/tfs/DefaultCollection/P/_git/R", provider.Config{BaseURL: tfsBase}, pipelines("https://tfs.example.com/tfs/DefaultCollection/"), []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"server pipeline, hosted remote", "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, pipelines("https://tfs.example.com/tfs/DefaultCollection/"), []string{"AZURE_DEVOPS_EXT_PAT"}},
		{"hosted pipeline, server remote", "https://tfs.example.com/tfs/DefaultCollection/P/_git/R", provider.Config{BaseURL: tfsBase}, pipelines("https://dev.azure.com/contoso/"), []string{"AZURE_DEVOPS_EXT_PAT"}},
		{"pipeline URI malformed", "https://dev.azure.com/contoso/P/_git/R", provider.Config{}, pipelines("not a URL"), []string{"AZURE_DEVOPS_EXT_PAT"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, r, err := provider.ForURL(tc.raw, tc.cfg)
			if err != nil {
				t.Fatalf("ForURL: %v", err)
			}
			if got := provider.TokenEnv(p, r, tc.cfg, envOf(tc.env)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("TokenEnv = %v; want %v", got, tc.want)
			}
		})
	}
	// A Repo no configuration names gets no enterprise variable, whatever
	// provider it is given with.
	g, _ := provider.NewGitHub(provider.Config{})
	if got := provider.TokenEnv(g, provider.Repo{Host: "evil.example"}, provider.Config{}, envOf(nil)); got != nil {
		t.Errorf("TokenEnv(unconfigured host) = %v; want none", got)
	}
	if got := provider.TokenEnv(g, provider.Repo{Host: "github.com:8443"}, provider.Config{}, envOf(nil)); got != nil {
		t.Errorf("TokenEnv(github.com on another port) = %v; want none", got)
	}
	if got := provider.TokenEnv(nil, provider.Repo{Host: "github.com"}, provider.Config{}, nil); got != nil {
		t.Errorf("TokenEnv(nil provider) = %v", got)
	}
}

func TestEnvNames(t *testing.T) {
	cases := []struct {
		provider, host string
		env            map[string]string
		want           []string
	}{
		{"github", "github.com", nil, []string{"GH_TOKEN", "GITHUB_TOKEN"}},
		{"github", "ghe.example.com", nil, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}},
		{"github", "ghe.example.com", map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com"}, []string{"GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GITHUB_TOKEN"}},
		{"azure-devops", "dev.azure.com", map[string]string{"SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/"}, []string{"AZURE_DEVOPS_EXT_PAT"}},
		{"azure-devops", "contoso.visualstudio.com", map[string]string{"SYSTEM_COLLECTIONURI": "https://dev.azure.com/contoso/"}, []string{"AZURE_DEVOPS_EXT_PAT", "SYSTEM_ACCESSTOKEN"}},
		{"github", "evil.example/a.visualstudio.com", nil, nil},
		{"gitlab-ish", "example.com", nil, nil},
	}
	for _, tc := range cases {
		if got := provider.EnvNames(tc.provider, tc.host, envOf(tc.env)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("EnvNames(%q, %q, %v) = %v; want %v", tc.provider, tc.host, tc.env, got, tc.want)
		}
	}
}

func TestCIConfig(t *testing.T) {
	actions := map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com", "GITHUB_API_URL": "https://ghe.example.com/api/v3"}
	pipelines := map[string]string{"SYSTEM_COLLECTIONURI": "https://tfs.example.com/tfs/DefaultCollection/"}
	cases := []struct {
		name             string
		raw              string
		cfg              provider.Config
		env              map[string]string
		base, name2, api string // want; base "" means cfg unchanged
	}{
		{"Actions on GHES", "https://ghe.example.com/o/r", provider.Config{}, actions, "https://ghe.example.com", "github", "https://ghe.example.com/api/v3"},
		{"Actions on GHES, ssh URL", "git@ghe.example.com:o/r.git", provider.Config{}, actions, "https://ghe.example.com", "github", "https://ghe.example.com/api/v3"},
		{"Actions API on another host", "https://ghe.example.com/o/r", provider.Config{}, map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com", "GITHUB_API_URL": "https://evil.example/api/v3"}, "https://ghe.example.com", "github", ""},
		{"Actions, other host", "https://other.example.com/o/r", provider.Config{}, actions, "", "", ""},
		{"Actions on github.com", "https://github.com/o/r", provider.Config{}, map[string]string{"GITHUB_SERVER_URL": "https://github.com"}, "", "", ""},
		{"configured", "https://ghe.example.com/o/r", provider.Config{BaseURL: "https://ghe2.example.com"}, actions, "", "", ""},
		{"Name says another provider", "https://ghe.example.com/o/r", provider.Config{Name: "azure-devops"}, actions, "", "", ""},
		{"Pipelines on a server", "https://tfs.example.com/tfs/DefaultCollection/P/_git/R", provider.Config{}, pipelines, "https://tfs.example.com/tfs/DefaultCollection/", "azure-devops", ""},
		{"Pipelines on a server root", "https://ado.example.com/Coll/P/_git/R", provider.Config{}, map[string]string{"SYSTEM_COLLECTIONURI": "https://ado.example.com/"}, "https://ado.example.com/", "azure-devops", ""},
		{"Pipelines, look-alike", "https://tfs.example.com.evil.example/tfs/DefaultCollection/P/_git/R", provider.Config{}, pipelines, "", "", ""},
		{"Pipelines over http", "http://tfs.example.com/tfs/DefaultCollection/P/_git/R", provider.Config{}, map[string]string{"SYSTEM_COLLECTIONURI": "http://tfs.example.com/tfs/DefaultCollection/"}, "", "", ""},
		{"malformed URL", "https:/tfs.example.com/x", provider.Config{}, pipelines, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := provider.CIConfig(tc.raw, tc.cfg, envOf(tc.env))
			want := tc.cfg
			if tc.base != "" {
				want.BaseURL, want.Name, want.APIURL = tc.base, tc.name2, tc.api
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("CIConfig = %+v; want %+v", got, want)
			}
		})
	}
	// The configuration found makes the server's URLs parse, and only its.
	cfg := provider.CIConfig("https://tfs.example.com/tfs/DefaultCollection/P/_git/R", provider.Config{}, envOf(pipelines))
	if p, r, err := provider.ForURL("https://tfs.example.com/tfs/DefaultCollection/P/_git/R", cfg); err != nil || p.Name() != "azure-devops" || r.Owner != "DefaultCollection" {
		t.Errorf("ForURL with the pipeline's configuration = %v, %+v, %v", p, r, err)
	}
}

func TestForHost(t *testing.T) {
	ghes := provider.Config{BaseURL: "https://ghe.example.com"}
	tfs := provider.Config{BaseURL: "https://tfs.example.com/tfs/DefaultCollection"}
	cases := []struct {
		scheme, host string
		cfg          provider.Config
		prov         string // "" : refused
		repo         provider.Repo
	}{
		{"https", "github.com", provider.Config{}, "github", provider.Repo{Host: "github.com"}},
		{"https", "GitHub.com:443", provider.Config{}, "github", provider.Repo{Host: "github.com"}},
		{"https", "octocorp.ghe.com", provider.Config{}, "github", provider.Repo{Host: "octocorp.ghe.com"}},
		{"https", "ghe.example.com", ghes, "github", provider.Repo{Host: "ghe.example.com"}},
		{"https", "dev.azure.com", provider.Config{}, "azure-devops", provider.Repo{Host: "dev.azure.com"}},
		{"https", "dev.azure.com", provider.Config{BaseURL: "https://dev.azure.com/contoso"}, "azure-devops", provider.Repo{Host: "dev.azure.com", Owner: "contoso"}},
		{"https", "fabrikam.visualstudio.com", provider.Config{}, "azure-devops", provider.Repo{Host: "fabrikam.visualstudio.com", Owner: "fabrikam"}},
		{"https", "tfs.example.com", tfs, "azure-devops", provider.Repo{Host: "tfs.example.com", Owner: "DefaultCollection", VirtualDir: "tfs"}},
		{"http", "127.0.0.1:8080", provider.Config{BaseURL: "http://127.0.0.1:8080", Name: "azure-devops"}, "azure-devops", provider.Repo{Host: "127.0.0.1:8080"}},
		{"https", "[::1]:8443", provider.Config{BaseURL: "https://[::1]:8443"}, "github", provider.Repo{Host: "[::1]:8443"}},

		{"https", "evil.example/a.visualstudio.com", provider.Config{}, "", provider.Repo{}},
		{"https", "evil.example/github.com", provider.Config{}, "", provider.Repo{}},
		{"https", "evil.example?x=.visualstudio.com", provider.Config{}, "", provider.Repo{}},
		{"https", "evil.example#dev.azure.com", provider.Config{}, "", provider.Repo{}},
		{"https", "evil.example\\dev.azure.com", provider.Config{}, "", provider.Repo{}},
		{"https", "github.com@evil.example", provider.Config{}, "", provider.Repo{}},
		{"https", "github.com.", provider.Config{}, "", provider.Repo{}},
		{"https", "github.com.evil.example", provider.Config{}, "", provider.Repo{}},
		{"https", "xn--gthub-n4a.com", provider.Config{}, "", provider.Repo{}},
		{"https", "dev.azure.com:8443", provider.Config{}, "", provider.Repo{}},
		{"https", "ssh.dev.azure.com", provider.Config{}, "", provider.Repo{}},
		{"https", "ssh.github.com", provider.Config{}, "", provider.Repo{}},
		{"https", "github.com ", provider.Config{}, "", provider.Repo{}},
		{"https", "ghe.example.com", provider.Config{}, "", provider.Repo{}},
		{"https", "ghe.example.com:8443", ghes, "", provider.Repo{}},
		{"http", "github.com", provider.Config{}, "", provider.Repo{}},
		{"ssh", "github.com", provider.Config{}, "", provider.Repo{}},
		{"https", "", provider.Config{}, "", provider.Repo{}},
	}
	for _, tc := range cases {
		p, r, err := provider.ForHost(tc.scheme, tc.host, tc.cfg)
		if tc.prov == "" {
			if err == nil || !(errors.Is(err, provider.ErrUnsupportedURL) || errors.Is(err, provider.ErrInsecureURL)) {
				t.Errorf("ForHost(%q, %q) = %v, %+v, %v; want refused", tc.scheme, tc.host, p, r, err)
			}
			continue
		}
		if err != nil || p.Name() != tc.prov || r != tc.repo {
			t.Errorf("ForHost(%q, %q) = %v, %+v, %v; want %s %+v", tc.scheme, tc.host, p, r, err, tc.prov, tc.repo)
		}
	}
}

func TestPlainURL(t *testing.T) {
	cases := []struct {
		raw  string
		cfg  provider.Config
		want string // "" : refused
	}{
		{"https://git.example.com/o/r.git", provider.Config{}, "https://git.example.com/o/r.git"},
		{"https://git.example.com:8443/o/r?x=1#y", provider.Config{}, "https://git.example.com:8443/o/r"},
		{"http://127.0.0.1:8080/o/r.git", provider.Config{}, "http://127.0.0.1:8080/o/r.git"},

		{"https://github.com.evil.example/o/r", provider.Config{}, ""},
		{"https://github.com@evil.example/o/r", provider.Config{}, ""},
		{"https://user@git.example.com/o/r", provider.Config{}, ""},
		{"https://git.example.com/o/@r", provider.Config{}, ""},
		{"https://xn--gthub-n4a.com/o/r", provider.Config{}, ""},
		{"https://github.com./o/r", provider.Config{}, ""},
		{"https://git.example.com./o/r", provider.Config{}, ""},
		{"https://evil-github.com/o/r", provider.Config{}, ""},
		{"https://dev.azure.com.evil.example/o/r", provider.Config{}, ""},
		{"https://notvisualstudio.com/o/r", provider.Config{}, ""},
		{"https://x.y.ghe.com/o/r", provider.Config{}, ""},
		{"https:/git.example.com/o/r", provider.Config{}, ""},
		{"git@git.example.com:o/r.git", provider.Config{}, ""},
		{"http://git.example.com/o/r", provider.Config{}, ""},
		{"https://git.example.com", provider.Config{}, ""},
		{"https://github.com/o", provider.Config{}, ""},
		{"https://github.com/o/r", provider.Config{}, ""},
		{"https://ghe.example.com/o/r", provider.Config{BaseURL: "https://ghe.example.com"}, ""},
	}
	for _, tc := range cases {
		got, err := provider.PlainURL(tc.raw, tc.cfg)
		if tc.want == "" {
			if err == nil {
				t.Errorf("PlainURL(%q) = %q; want refused", tc.raw, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("PlainURL(%q) = %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
}

func TestGitUsername(t *testing.T) {
	gh, _ := provider.NewGitHub(provider.Config{})
	az, _ := provider.NewAzureDevOps(provider.Config{})
	tok, _ := pat.New("opaque-token-of-unknown-kind")
	cases := []struct {
		p                   provider.Provider
		owner, basic, asked string
		want                string
	}{
		{gh, "octo", "octocat", "", "octocat"},
		{gh, "octo", "", "", "x-access-token"},
		{gh, "octo", "", "someone", "x-access-token"},
		{az, "contoso", "", "", "contoso"},
		{az, "contoso", "ada", "", "ada"},
		{az, "contoso", "ada", "someone", "someone"},
		{az, "", "", "", "patgit"},
		{nil, "", "", "", "patgit"},
	}
	for _, tc := range cases {
		if got := provider.GitUsername(tc.p, provider.Repo{Owner: tc.owner}, tok, tc.basic, tc.asked); got != tc.want {
			t.Errorf("GitUsername(%v, %q, %q, %q) = %q; want %q", tc.p, tc.owner, tc.basic, tc.asked, got, tc.want)
		}
	}
}

func TestTokenHint(t *testing.T) {
	for _, tc := range []struct{ raw, cfgBase, want string }{
		{"https://github.com/o/r", "", "https://github.com/settings/tokens"},
		{"https://ghe.example.com/o/r", "https://ghe.example.com", "https://ghe.example.com/settings/tokens"},
		{"https://dev.azure.com/contoso/P/_git/R", "", "https://dev.azure.com/contoso/_usersSettings/tokens"},
	} {
		p, r, err := provider.ForURL(tc.raw, provider.Config{BaseURL: tc.cfgBase})
		if err != nil {
			t.Fatal(err)
		}
		if got := provider.TokenHint(p, r); !strings.Contains(got, tc.want) {
			t.Errorf("TokenHint(%s) = %q; want it to hold %q", tc.raw, got, tc.want)
		}
	}
	if got := provider.TokenHint(nil, provider.Repo{}); got != "" {
		t.Errorf("TokenHint(nil) = %q", got)
	}
}
