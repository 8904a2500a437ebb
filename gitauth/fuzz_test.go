package gitauth_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// FuzzCredentialHelper feeds CredentialHelper arbitrary requests with a
// different token in each host family's environment variable. It must never
// panic, answer only for the hosts it knows (github.com, *.ghe.com,
// dev.azure.com, *.visualstudio.com and the configured GitHub Enterprise
// Server), answer with the host it was asked about, and hand each host only
// its own token.
func FuzzCredentialHelper(f *testing.F) {
	ghTok := providertest.Token(pat.GitHubClassic, "fuzz-github")
	gheTok := providertest.Token(pat.GitHubFineGrained, "fuzz-enterprise")
	azTok := providertest.Token(pat.AzureDevOps, "fuzz-azure")
	f.Setenv("GH_TOKEN", ghTok)
	f.Setenv("GITHUB_TOKEN", "")
	f.Setenv("GH_ENTERPRISE_TOKEN", gheTok)
	f.Setenv("GITHUB_ENTERPRISE_TOKEN", "")
	f.Setenv("AZURE_DEVOPS_EXT_PAT", azTok)
	f.Setenv("SYSTEM_ACCESSTOKEN", "")
	const enterprise = "ghe.example.com"
	opts := gitauth.Options{Provider: provider.Config{BaseURL: "https://" + enterprise, Username: "octocat"}}

	for _, seed := range []string{
		"protocol=https\nhost=github.com\n",
		"protocol=https\nhost=github.com\npath=octo/hello.git\n",
		"protocol=https\nhost=contoso.ghe.com\n",
		"protocol=https\nhost=ghe.example.com\n",
		"protocol=https\nhost=ghe.example.com:443\n",
		"protocol=https\nhost=dev.azure.com\nusername=contoso\n",
		"protocol=https\nhost=dev.azure.com\npath=contoso/Web/_git/site\n",
		"protocol=https\nhost=contoso.visualstudio.com\n",
		"protocol=https\nhost=github.com.evil.example\n",
		"protocol=https\nhost=evil.example\npath=org/p/_git/r\n",
		"protocol=http\nhost=github.com\n",
		"protocol=https\nhost=GitHub.COM:443\n\nprotocol=https\nhost=evil.example\n",
		"protocol=https\nhost=github.com\x00evil\n",
		"protocol=https\nhost=evil.example@github.com\n",
		"url=https://github.com/o/r\n",
		"capability[]=authtype\nprotocol=https\nhost=dev.azure.com\nwwwauth[]=Basic realm=\"x\"\n",
	} {
		f.Add("get", []byte(seed))
	}
	f.Add("store", []byte("protocol=https\nhost=github.com\nusername=u\npassword=p\n"))
	f.Add("erase", []byte("protocol=https\n"))

	f.Fuzz(func(t *testing.T, op string, in []byte) {
		var out bytes.Buffer
		err := gitauth.CredentialHelper(context.Background(), op, bytes.NewReader(in), &out, opts)
		if out.Len() == 0 {
			return
		}
		if err != nil {
			t.Fatalf("answered %q and failed: %v", out.String(), err)
		}
		if op != "get" {
			t.Fatalf("op %q answered %q", op, out.String())
		}
		req, rerr := pat.ReadCredential(bytes.NewReader(in))
		if rerr != nil {
			t.Fatalf("answered a request ReadCredential refuses (%v)", rerr)
		}
		ans, aerr := pat.ReadCredential(bytes.NewReader(out.Bytes()))
		if aerr != nil {
			t.Fatalf("answer %q is malformed: %v", out.String(), aerr)
		}
		if ans.Host != req.Host || !strings.EqualFold(ans.Protocol, "https") {
			t.Fatalf("asked about %s://%s, answered for %s://%s", req.Protocol, req.Host, ans.Protocol, ans.Host)
		}
		host := strings.ToLower(ans.Host)
		if h, port, ok := strings.Cut(host, ":"); ok {
			if port != "443" && h != enterprise {
				t.Fatalf("answered for port %s of %s", port, h)
			}
			host = h
		}
		var want string
		switch {
		case host == "github.com" || (strings.HasSuffix(host, ".ghe.com") && !strings.Contains(strings.TrimSuffix(host, ".ghe.com"), ".")):
			want = ghTok
		case host == enterprise:
			want = gheTok
		case host == "dev.azure.com" || strings.HasSuffix(host, ".visualstudio.com"):
			want = azTok
		default:
			t.Fatalf("answered for unknown host %q", ans.Host)
		}
		if got := ans.Password.Secret(); got != want {
			t.Fatalf("host %q got the token of another host (%s)", ans.Host, ans.Password.Kind())
		}
		if ans.Username == "" {
			t.Fatalf("empty user name for %q", ans.Host)
		}
		for _, other := range []string{ghTok, gheTok, azTok} {
			if other != want && strings.Contains(out.String(), other) {
				t.Fatalf("answer for %q holds another host's token", ans.Host)
			}
		}
	})
}
