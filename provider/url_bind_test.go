package provider

import (
	"net/http"
	"testing"
	"time"
)

// urlRoundTripper is a transport no test request reaches.
type urlRoundTripper struct{}

func (urlRoundTripper) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, http.ErrNotSupported
}

// TestForURLBinding checks which host, organization and API root the
// provider ForURL builds is bound to, and which Config fields it keeps.
func TestForURLBinding(t *testing.T) {
	client := &http.Client{Transport: urlRoundTripper{}, Timeout: 7 * time.Second}
	base := func(baseURL, apiURL string) Config {
		return Config{BaseURL: baseURL, APIURL: apiURL, HTTPClient: client, Username: "robot", CacheTTL: 3 * time.Minute}
	}
	named := func(c Config, name string) Config { c.Name = name; return c }
	cases := []struct {
		name    string
		cfg     Config
		raw     string
		host    string // provider's host
		org     string // Azure: organization / collection bound to
		vdir    string
		api     string
		keepAPI bool // cfg.APIURL survives
	}{
		{"github.com", base("", ""), "https://github.com/o/r", "github.com", "", "", "https://api.github.com/", false},
		{"github.com, GHES config", base("https://ghe.example.com", "https://ghe.example.com/custom/api"), "git@github.com:o/r.git", "github.com", "", "", "https://api.github.com/", false},
		{"github.com configured", base("https://github.com", "https://api.example.test/gh"), "https://github.com/o/r", "github.com", "", "", "https://api.example.test/gh/", true},
		{"ghe.com", base("", ""), "https://octocorp.ghe.com/o/r", "octocorp.ghe.com", "", "", "https://api.octocorp.ghe.com/", false},
		{"ghe.com ssh", base("https://ghe.example.com", "https://ghe.example.com/custom/api"), "octocorp@octocorp.ghe.com:o/r.git", "octocorp.ghe.com", "", "", "https://api.octocorp.ghe.com/", false},
		{"GHES", base("https://ghe.example.com", "https://ghe.example.com/custom/api"), "https://ghe.example.com/o/r", "ghe.example.com", "", "", "https://ghe.example.com/custom/api/", true},
		{"GHES ssh", base("https://ghe.example.com", ""), "git@ghe.example.com:o/r.git", "ghe.example.com", "", "", "https://ghe.example.com/api/v3/", false},
		{"GitHub loopback", base("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/"), "http://127.0.0.1:8080/o/r", "127.0.0.1:8080", "", "", "http://127.0.0.1:8080/api/", true},

		{"dev.azure.com", base("", ""), "https://dev.azure.com/contoso/P/_git/R", "dev.azure.com", "contoso", "", "https://dev.azure.com/contoso", false},
		{"dev.azure.com ssh", base("", ""), "git@ssh.dev.azure.com:v3/contoso/P/R", "dev.azure.com", "contoso", "", "https://dev.azure.com/contoso", false},
		{"visualstudio.com", base("", ""), "https://Contoso.visualstudio.com/DefaultCollection/P/_git/R", "contoso.visualstudio.com", "contoso", "", "https://contoso.visualstudio.com", false},
		{"vs-ssh", base("", ""), "contoso@vs-ssh.visualstudio.com:v3/contoso/P/R", "contoso.visualstudio.com", "contoso", "", "https://contoso.visualstudio.com", false},
		{"same organization keeps APIURL", base("https://dev.azure.com/contoso", "https://api.example.test/contoso"), "https://dev.azure.com/contoso/P/_git/R", "dev.azure.com", "contoso", "", "https://api.example.test/contoso", true},
		{"other organization", base("https://dev.azure.com/contoso", "https://api.example.test/contoso"), "https://dev.azure.com/fabrikam/P/_git/R", "dev.azure.com", "fabrikam", "", "https://dev.azure.com/fabrikam", false},
		{"same organization, other host", base("https://dev.azure.com/contoso", "https://api.example.test/contoso"), "https://contoso.visualstudio.com/P/_git/R", "contoso.visualstudio.com", "contoso", "", "https://contoso.visualstudio.com", false},
		{"GHES config, Azure URL", base("https://ghe.example.com", "https://ghe.example.com/api/v3"), "https://dev.azure.com/contoso/P/_git/R", "dev.azure.com", "contoso", "", "https://dev.azure.com/contoso", false},
		{"server", base("https://tfs.example.com/tfs/DefaultCollection", "https://tfs.example.com/tfs/DefaultCollection"), "https://tfs.example.com/tfs/DefaultCollection/P/_git/R", "tfs.example.com", "DefaultCollection", "tfs", "https://tfs.example.com/tfs/DefaultCollection", true},
		{"server, other collection", base("https://tfs.example.com/tfs/DefaultCollection", "https://tfs.example.com/tfs/DefaultCollection"), "https://tfs.example.com/tfs/Other%20One/P/_git/R", "tfs.example.com", "Other One", "tfs", "https://tfs.example.com/tfs/Other%20One", false},
		{"loopback root", named(base("http://127.0.0.1:8080", "http://127.0.0.1:8080"), "azure-devops"), "http://127.0.0.1:8080/contoso/P/_git/R", "127.0.0.1:8080", "contoso", "", "http://127.0.0.1:8080/contoso", false},
		{"loopback root ssh", named(base("http://127.0.0.1:8080", ""), "azure-devops"), "ssh://git@127.0.0.1/contoso/P/_git/R", "127.0.0.1:8080", "contoso", "", "http://127.0.0.1:8080/contoso", false},
		{"server root named", named(base("https://ado.corp.example:8443", ""), "azure-devops"), "https://ado.corp.example:8443/Coll/P/_git/R", "ado.corp.example:8443", "Coll", "", "https://ado.corp.example:8443/Coll", false},
		{"GHES with a path named", named(base("https://example.com/github", ""), "github"), "https://example.com/github/o/r", "example.com", "", "", "https://example.com/github/api/v3/", false},
		{"Azure config, GitHub URL", named(base("http://127.0.0.1:8080", "http://127.0.0.1:8080"), "azure-devops"), "https://github.com/o/r", "github.com", "", "", "https://api.github.com/", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := ForURL(tc.raw, tc.cfg)
			if err != nil {
				t.Fatalf("ForURL(%q): %v", tc.raw, err)
			}
			var cfg Config
			var hc *http.Client
			switch p := p.(type) {
			case *GitHub:
				if tc.org != "" {
					t.Fatalf("ForURL(%q) = GitHub; want Azure DevOps", tc.raw)
				}
				if p.host != tc.host || p.api != tc.api {
					t.Errorf("GitHub host, api = %q, %q; want %q, %q", p.host, p.api, tc.host, tc.api)
				}
				cfg, hc = p.cfg, p.client
			case *AzureDevOps:
				if tc.org == "" {
					t.Fatalf("ForURL(%q) = Azure DevOps; want GitHub", tc.raw)
				}
				if p.host != tc.host || p.org != tc.org || p.vdir != tc.vdir || p.api != tc.api {
					t.Errorf("Azure host, org, vdir, api = %q, %q, %q, %q; want %q, %q, %q, %q", p.host, p.org, p.vdir, p.api, tc.host, tc.org, tc.vdir, tc.api)
				}
				cfg, hc = p.cfg, p.client
			default:
				t.Fatalf("ForURL(%q) = %T", tc.raw, p)
			}
			if ht, ok := hc.Transport.(*hostTransport); cfg.HTTPClient != client || hc.Timeout != client.Timeout || !ok || ht.base != client.Transport {
				t.Errorf("HTTPClient not kept: %+v", hc)
			}
			if cfg.Username != "robot" || cfg.CacheTTL != 3*time.Minute {
				t.Errorf("Username, CacheTTL = %q, %v; want kept", cfg.Username, cfg.CacheTTL)
			}
			if kept := cfg.APIURL != "" && cfg.APIURL == tc.cfg.APIURL; kept != tc.keepAPI {
				t.Errorf("APIURL = %q (configured %q); kept = %v, want %v", cfg.APIURL, tc.cfg.APIURL, kept, tc.keepAPI)
			}
		})
	}
}

// TestLexHost covers the host rules shared by every parser.
func TestLexHost(t *testing.T) {
	cases := []struct {
		raw  string
		host string // "" : refused
	}{
		{"https://GitHub.com/o/r", "github.com"},
		{"https://github.com:443/o/r", "github.com"},
		{"http://localhost:80/o/r", "localhost"},
		{"https://a-b.example:8443/o/r", "a-b.example:8443"},
		{"https://10.0.0.1/o/r", "10.0.0.1"},
		{"https://[2001:db8::1]:8443/o/r", "[2001:db8::1]:8443"},
		{"git@[2001:db8::1]:o/r", "[2001:db8::1]"},
		{"https://[2001:DB8::1]/o/r", "[2001:db8::1]"},
		{"https://[2001:db8:0::1]/o/r", ""},
		{"https://[::ffff:10.0.0.1]/o/r", ""},
		{"https://[fe80::1%25en0]/o/r", ""},
		{"https://10.0.0/o/r", ""},
		{"https://010.0.0.1/o/r", ""},
		{"https://0x0a.0.0.1/o/r", ""},
		{"https://167772161/o/r", ""},
		{"https://example.123/o/r", ""},
		{"https://-a.example/o/r", ""},
		{"https://a-.example/o/r", ""},
		{"https://a..example/o/r", ""},
		{"https://.example/o/r", ""},
		{"https://a_b.example/o/r", ""},
		{"https://xn--80ak6aa92e.com/o/r", ""},
		{"https://exämple.com/o/r", ""},
		{"https://example.com:65536/o/r", ""},
		{"https://example.com:0/o/r", ""},
		{"https://example.com:+1/o/r", ""},
		{"https://example.com:1:2/o/r", ""},
		{"https:///o/r", ""},
		{"https://u@/o/r", ""},
		{"https://exa%6dple.com/o/r", ""},
		{"https://" + repeatLabel(64) + ".com/o/r", ""},
	}
	for _, tc := range cases {
		r, err := lexRemote(tc.raw)
		if tc.host == "" {
			if err == nil {
				t.Errorf("lexRemote(%q) host %q; want an error", tc.raw, r.host)
			}
			continue
		}
		if err != nil || r.host != tc.host {
			t.Errorf("lexRemote(%q) = %q, %v; want %q", tc.raw, r.host, err, tc.host)
		}
	}
}

func repeatLabel(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}
