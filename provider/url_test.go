package provider_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/patgit/patgit/provider"
)

// urlCase is one URL a provider must accept (want, clone) or refuse (err).
type urlCase struct {
	raw   string
	want  provider.Repo
	clone string // "" in acceptance rows: the canonical form of want
	err   error  // nil: accepted
}

func urlGitHub(t testing.TB, base string) *provider.GitHub {
	t.Helper()
	g, err := provider.NewGitHub(provider.Config{BaseURL: base})
	if err != nil {
		t.Fatalf("NewGitHub(%q): %v", base, err)
	}
	return g
}

func urlAzure(t testing.TB, base string) *provider.AzureDevOps {
	t.Helper()
	a, err := provider.NewAzureDevOps(provider.Config{BaseURL: base})
	if err != nil {
		t.Fatalf("NewAzureDevOps(%q): %v", base, err)
	}
	return a
}

// urlCheck runs cases against p: accepted rows must give want and clone and
// round-trip; refused rows must match err and never echo a password.
func urlCheck(t *testing.T, p provider.Provider, cases []urlCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := p.ParseRepo(tc.raw)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ParseRepo(%q) = %+v, %v; want error %v", tc.raw, got, err, tc.err)
				}
				urlNoSecret(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ParseRepo(%q): %v", tc.raw, err)
			}
			if got != tc.want {
				t.Fatalf("ParseRepo(%q) = %+v; want %+v", tc.raw, got, tc.want)
			}
			clone := p.CloneURL(got)
			if tc.clone != "" && clone != tc.clone {
				t.Errorf("CloneURL(%+v) = %q; want %q", got, clone, tc.clone)
			}
			again, err := p.ParseRepo(clone)
			if err != nil || again != got {
				t.Errorf("ParseRepo(CloneURL) = %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

// urlSecret is the password the tables put in user information.
const urlSecret = "S3cr3tPassw0rd"

func urlNoSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), urlSecret) {
		t.Errorf("error leaks the password: %v", err)
	}
}

var (
	errURL      = provider.ErrUnsupportedURL
	errInsecure = provider.ErrInsecureURL
)

func TestGitHubParseRepoGitHubCom(t *testing.T) {
	hw := provider.Repo{Host: "github.com", Owner: "octocat", Name: "Hello-World"}
	const clone = "https://github.com/octocat/Hello-World.git"
	cases := []urlCase{
		{raw: "https://github.com/octocat/Hello-World", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World.git/", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World//", want: hw, clone: clone},
		{raw: "https://GitHub.COM/octocat/Hello-World", want: hw, clone: clone},
		{raw: "HTTPS://github.com/octocat/Hello-World", want: hw, clone: clone},
		{raw: "https://github.com:443/octocat/Hello-World", want: hw, clone: clone},
		{raw: "https://user:" + urlSecret + "@github.com/octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "https://x-access-token@github.com/octocat/Hello-World", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/tree/main/dir", want: hw, clone: clone},
		// One '@' past the host: a file path, a branch, a query.
		{raw: "https://github.com/octocat/Hello-World/blob/main/node_modules/@types/x.d.ts", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/tree/dependabot/npm_and_yarn/@babel/core-7.1.0", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World?tab=a@b", want: hw, clone: clone},
		{raw: "https://github.com/octo@cat/Hello-World", err: errURL},
		{raw: "https://u@github.com/octocat/Hello-World?tab=a@b", err: errURL},
		{raw: "https://u@github.com/octocat/Hello-World#a@b", err: errURL},
		{raw: "https://github.com/octocat/Hello-World/blob/main/README.md", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/pulls", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/pull/1/files", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/commit/7fd1a60b01f91b314f59955a4e4d4e80d8edf11d", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World?tab=readme-ov-file", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World#readme", want: hw, clone: clone},
		{raw: "https://github.com/octocat/Hello-World/issues?q=is%3Aopen+user@example.com#x", want: hw, clone: clone},
		{raw: "ssh://git@github.com/octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "ssh://git@github.com:22/octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "ssh://github.com/octocat/Hello-World", want: hw, clone: clone},
		{raw: "ssh://git@ssh.github.com:443/octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "git@github.com:octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "git@github.com:octocat/Hello-World", want: hw, clone: clone},
		{raw: "git@github.com:octocat/Hello-World.git/", want: hw, clone: clone},
		{raw: "git@github.com:/octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "git@GITHUB.com:octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "github.com:octocat/Hello-World.git", want: hw, clone: clone},
		{raw: "https://github.com/my_org/my.repo.js", want: provider.Repo{Host: "github.com", Owner: "my_org", Name: "my.repo.js"}, clone: "https://github.com/my_org/my.repo.js.git"},
		{raw: "https://github.com/octocat_acme/r.git.git", want: provider.Repo{Host: "github.com", Owner: "octocat_acme", Name: "r.git"}, clone: "https://github.com/octocat_acme/r.git.git"},
		{raw: "https://github.com/o/.github", want: provider.Repo{Host: "github.com", Owner: "o", Name: ".github"}, clone: "https://github.com/o/.github.git"},

		{raw: "https://github.com", err: errURL},
		{raw: "https://github.com/", err: errURL},
		{raw: "https://github.com/octocat", err: errURL},
		{raw: "https://github.com//Hello-World", err: errURL},
		{raw: "https://github.com/octocat//Hello-World", err: errURL},
		{raw: "https://github.com/octocat/.git", err: errURL},
		{raw: "https://github.com/octocat/My%20Repo", err: errURL},
		{raw: "https://github.com/octocat/%2e%2e", err: errURL},
		{raw: "https://github.com/octocat/../Hello-World", err: errURL},
		{raw: "https://github.com/./octocat/Hello-World", err: errURL},
		{raw: "https://github.com/octocat%2FHello-World/x", err: errURL},
		{raw: "https://github.com/orgs/acme/repositories", err: errURL},
		{raw: "https://github.com/settings/tokens", err: errURL},
		{raw: "https://github.com/octocat/Hello-World\n", err: errURL},
		{raw: "https://github.com/octocat/Hello-World\t", err: errURL},
		{raw: "https://github.com/octocat/Hello-World\x7f", err: errURL},
		{raw: "https://github.com/octocat/Hello%00World", err: errURL},
		{raw: "https://github.com\\octocat\\Hello-World", err: errURL},
		{raw: "https://a@b@github.com/octocat/Hello-World", err: errURL},
		{raw: "https://u:" + urlSecret + "@github.com@evil.example/o/r", err: errURL},
		{raw: "https://u:pa/" + urlSecret + "@github.com/o/r", err: errURL},
		{raw: "https://github%2ecom/octocat/Hello-World", err: errURL},
		{raw: "https://github.com./octocat/Hello-World", err: errURL},
		{raw: "https://github.com:8443/octocat/Hello-World", err: errURL},
		{raw: "https://github.com:/octocat/Hello-World", err: errURL},
		{raw: "https://github.com:0443/octocat/Hello-World", err: errURL},
		{raw: "https://www.github.com/octocat/Hello-World", err: errURL},
		{raw: "https://api.github.com/repos/octocat/Hello-World", err: errURL},
		{raw: "https://github.com.evil.example/octocat/Hello-World", err: errURL},
		{raw: "https://evil-github.com/octocat/Hello-World", err: errURL},
		{raw: "https://gіthub.com/octocat/Hello-World", err: errURL}, // Cyrillic i
		{raw: "https://xn--gthub-n4a.com/octocat/Hello-World", err: errURL},
		{raw: "https://140.82.112.3/octocat/Hello-World", err: errURL},
		{raw: "https://octocorp.ghe.com/octocat/Hello-World", err: errURL},
		{raw: "https://ghe.example.com/octocat/Hello-World", err: errURL},
		{raw: "ssh://git@github.com:2222/octocat/Hello-World.git", err: errURL},
		{raw: "ssh://git@ssh.github.com:2222/octocat/Hello-World.git", err: errURL},
		{raw: "ssh://git@github.com/octocat/Hello-World.git?x=1", err: errURL},
		{raw: "foo@github.com:octocat/Hello-World.git", err: errURL},
		{raw: "git@github.com:octocat/Hello-World/tree/main", err: errURL},
		{raw: "git@github.com:octocat", err: errURL},
		{raw: "git@github.com:octocat/Hello-World@v1", err: errURL},
		{raw: "git:" + urlSecret + "@github.com:octocat/Hello-World.git", err: errURL},
		{raw: "http://github.com/octocat/Hello-World", err: errInsecure},
		{raw: "git://github.com/octocat/Hello-World.git", err: errURL},
		{raw: "file:///srv/octocat/Hello-World.git", err: errURL},
		{raw: "ftp://github.com/octocat/Hello-World.git", err: errURL},
		{raw: "github.com/octocat/Hello-World", err: errURL},
		{raw: "octocat/Hello-World", err: errURL},
		{raw: "", err: errURL},
		{raw: "https://github.com/octocat/" + strings.Repeat("a", provider.MaxURLLength), err: errURL},
	}
	urlCheck(t, urlGitHub(t, ""), cases)
}

func TestGitHubParseRepoGHEcom(t *testing.T) {
	r := provider.Repo{Host: "octocorp.ghe.com", Owner: "octocat", Name: "Hello-World"}
	const clone = "https://octocorp.ghe.com/octocat/Hello-World.git"
	cases := []urlCase{
		{raw: "https://octocorp.ghe.com/octocat/Hello-World", want: r, clone: clone},
		{raw: "https://OctoCorp.GHE.com/octocat/Hello-World.git", want: r, clone: clone},
		{raw: "octocorp@octocorp.ghe.com:octocat/Hello-World.git", want: r, clone: clone},
		{raw: "OctoCorp@octocorp.ghe.com:octocat/Hello-World.git", want: r, clone: clone},
		{raw: "git@octocorp.ghe.com:octocat/Hello-World.git", want: r, clone: clone},
		{raw: "ssh://octocorp@octocorp.ghe.com/octocat/Hello-World.git", want: r, clone: clone},
		{raw: "https://octocorp.ghe.com/octocat/Hello-World/tree/main", want: r, clone: clone},

		{raw: "other@octocorp.ghe.com:octocat/Hello-World.git", err: errURL},
		{raw: "https://github.com/octocat/Hello-World", err: errURL},
		{raw: "https://x.octocorp.ghe.com/octocat/Hello-World", err: errURL},
		{raw: "https://api.octocorp.ghe.com/repos/octocat/Hello-World", err: errURL},
		{raw: "https://other.ghe.com/octocat/Hello-World", err: errURL},
	}
	urlCheck(t, urlGitHub(t, "https://octocorp.ghe.com"), cases)
}

func TestGitHubParseRepoEnterpriseServer(t *testing.T) {
	r := provider.Repo{Host: "ghe.example.com", Owner: "octocat", Name: "Hello-World"}
	const clone = "https://ghe.example.com/octocat/Hello-World.git"
	urlCheck(t, urlGitHub(t, "https://ghe.example.com"), []urlCase{
		{raw: "https://ghe.example.com/octocat/Hello-World.git", want: r, clone: clone},
		{raw: "https://GHE.Example.com/octocat/Hello-World/tree/x", want: r, clone: clone},
		{raw: "git@ghe.example.com:octocat/Hello-World.git", want: r, clone: clone},
		{raw: "ssh://git@ghe.example.com:22/octocat/Hello-World.git", want: r, clone: clone},

		{raw: "https://github.com/octocat/Hello-World", err: errURL},
		{raw: "https://ghe.example.com/api/v3/repos/octocat/Hello-World", err: errURL},
		{raw: "https://ghe.example.com.evil.example/octocat/Hello-World", err: errURL},
		{raw: "https://evil.example/ghe.example.com/octocat/Hello-World", err: errURL},
		{raw: "http://ghe.example.com/octocat/Hello-World", err: errInsecure},
	})

	// A BaseURL with a port and a path prefix.
	rp := provider.Repo{Host: "ghe.example.com:8443", Owner: "octocat", Name: "Hello-World"}
	const cloneP = "https://ghe.example.com:8443/github/octocat/Hello-World.git"
	urlCheck(t, urlGitHub(t, "https://ghe.example.com:8443/github/"), []urlCase{
		{raw: "https://ghe.example.com:8443/github/octocat/Hello-World", want: rp, clone: cloneP},
		{raw: "https://ghe.example.com:8443/GitHub/octocat/Hello-World.git/", want: rp, clone: cloneP},
		{raw: "git@ghe.example.com:octocat/Hello-World.git", want: rp, clone: cloneP},

		{raw: "https://ghe.example.com:8443/octocat/Hello-World", err: errURL},
		{raw: "https://ghe.example.com/github/octocat/Hello-World", err: errURL},
		{raw: "https://ghe.example.com:8443/github/octocat", err: errURL},
	})

	// Loopback test servers, over http.
	rl := provider.Repo{Host: "127.0.0.1:8080", Owner: "octocat", Name: "Hello-World"}
	const cloneL = "http://127.0.0.1:8080/octocat/Hello-World.git"
	urlCheck(t, urlGitHub(t, "http://127.0.0.1:8080"), []urlCase{
		{raw: "http://127.0.0.1:8080/octocat/Hello-World", want: rl, clone: cloneL},
		{raw: "https://127.0.0.1:8080/octocat/Hello-World.git", want: rl, clone: cloneL},
		{raw: "git@127.0.0.1:octocat/Hello-World.git", want: rl, clone: cloneL},

		{raw: "http://127.1:8080/octocat/Hello-World", err: errURL},
		{raw: "http://2130706433:8080/octocat/Hello-World", err: errURL},
		{raw: "http://0x7f.0.0.1:8080/octocat/Hello-World", err: errURL},
		{raw: "http://127.000.000.001:8080/octocat/Hello-World", err: errURL},
		{raw: "http://localhost:8080/octocat/Hello-World", err: errURL},
		{raw: "http://127.0.0.1:8081/octocat/Hello-World", err: errURL},
		{raw: "http://127.0.0.1:99999/octocat/Hello-World", err: errURL},
	})
	r6 := provider.Repo{Host: "[::1]:8080", Owner: "o", Name: "r"}
	urlCheck(t, urlGitHub(t, "http://[::1]:8080"), []urlCase{
		{raw: "http://[::1]:8080/o/r", want: r6, clone: "http://[::1]:8080/o/r.git"},
		{raw: "git@[::1]:o/r.git", want: r6, clone: "http://[::1]:8080/o/r.git"},
		{raw: "http://[0:0::1]:8080/o/r", err: errURL},
		{raw: "http://[::1%25eth0]:8080/o/r", err: errURL},
		{raw: "http://[::ffff:127.0.0.1]:8080/o/r", err: errURL},
	})
}

func TestAzureParseRepoServices(t *testing.T) {
	fiber := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Fabrikam", Name: "Fiber"}
	const clone = "https://dev.azure.com/contoso/Fabrikam/_git/Fiber"
	vsFiber := provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "Fabrikam", Name: "Fiber"}
	const vsClone = "https://contoso.visualstudio.com/Fabrikam/_git/Fiber"
	vsShort := provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "Fiber", Name: "Fiber"}
	const vsShortClone = "https://contoso.visualstudio.com/Fiber/_git/Fiber"
	spaces := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "My Repo"}
	const spacesClone = "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo"
	cases := []urlCase{
		// H1, H2: new-style https, with the organization (or anything) as user.
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "https://contoso@dev.azure.com/contoso/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "https://fabrikam@dev.azure.com/contoso/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "https://contoso:" + urlSecret + "@dev.azure.com/contoso/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "https://DEV.Azure.COM:443/contoso/Fabrikam/_git/Fiber/", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_GIT/Fiber", want: fiber, clone: clone},
		// H3: project elided.
		{raw: "https://dev.azure.com/contoso/_git/Fiber", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Fiber", Name: "Fiber"}, clone: "https://dev.azure.com/contoso/Fiber/_git/Fiber"},
		// H8: limited-refs views.
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/_optimized/Fiber", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/_full/Fiber", want: fiber, clone: clone},
		// Web URLs.
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber?path=/src/main.go&version=GBmain&_a=contents", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber?path=%2F&version=GBfeature%2Fx", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber/pullrequest/12", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber/pullrequest/12?_a=files", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber/commit/0123456789abcdef", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber#anchor", want: fiber, clone: clone},
		// H11: escapes.
		{raw: "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo", want: spaces, clone: spacesClone},
		{raw: "https://dev.azure.com/contoso/My Project/_git/My Repo", want: spaces, clone: spacesClone},
		{raw: "https://dev.azure.com/contoso/Proj%C3%A9t/_git/R%C3%A9po", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Projét", Name: "Répo"}, clone: "https://dev.azure.com/contoso/Proj%C3%A9t/_git/R%C3%A9po"},
		{raw: "https://dev.azure.com/contoso/日本/_git/リポ", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "日本", Name: "リポ"}, clone: "https://dev.azure.com/contoso/%E6%97%A5%E6%9C%AC/_git/%E3%83%AA%E3%83%9D"},
		{raw: "https://dev.azure.com/contoso/A%2BB/_git/C%26D%25E%3F", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "A+B", Name: "C&D%E?"}, clone: "https://dev.azure.com/contoso/A+B/_git/C&D%25E%3F"},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/a%40b", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Fabrikam", Name: "a@b"}, clone: "https://dev.azure.com/contoso/Fabrikam/_git/a%40b"},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/a@b", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Fabrikam", Name: "a@b"}, clone: "https://dev.azure.com/contoso/Fabrikam/_git/a%40b"},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber/commit/refs@main", want: fiber, clone: clone},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber?path=/node_modules/@types/x.d.ts&version=GBmain", want: fiber, clone: clone},
		{raw: "https://contoso@dev.azure.com/contoso/Fabrikam/_git/Fiber?path=/a@b", err: errURL},
		{raw: "https://contoso@dev.azure.com/contoso/Fabrikam/_git/Fiber#a@b", err: errURL},
		// X1: ".git" is part of the name on Azure DevOps.
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber.git", want: provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Fabrikam", Name: "Fiber.git"}, clone: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber.git"},

		// H4..H7, H9, H10: visualstudio.com.
		{raw: "https://contoso.visualstudio.com/Fabrikam/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://Contoso.VisualStudio.com/Fabrikam/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://contoso.visualstudio.com/DefaultCollection/Fabrikam/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://contoso.visualstudio.com/DeFaUlTcOlLeCtIoN/Fabrikam/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://contoso.visualstudio.com/defaultcollection/Fabrikam/_git/_full/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://contoso.visualstudio.com/_git/Fiber", want: vsShort, clone: vsShortClone},
		{raw: "https://contoso.visualstudio.com/DefaultCollection/_git/Fiber", want: vsShort, clone: vsShortClone},
		{raw: "https://contoso.visualstudio.com/Fabrikam/Team%20A/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://contoso.visualstudio.com/DefaultCollection/Fabrikam/Team/_git/_optimized/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://user@contoso.visualstudio.com/Fabrikam/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://alice-alt%40contoso.com@contoso.visualstudio.com/Fabrikam/_git/Fiber", want: vsFiber, clone: vsClone},
		{raw: "https://user:" + urlSecret + "@contoso.visualstudio.com/Fabrikam/_git/Fiber?version=GBmain", want: vsFiber, clone: vsClone},
		{raw: "https://contoso.visualstudio.com/DefaultCollection/DefaultCollection/_git/Fiber", want: provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "DefaultCollection", Name: "Fiber"}, clone: "https://contoso.visualstudio.com/DefaultCollection/DefaultCollection/_git/Fiber"},

		// S1, S3, S5: ssh.dev.azure.com.
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber", want: fiber, clone: clone},
		{raw: "git@SSH.dev.azure.com:V3/contoso/Fabrikam/Fiber", want: fiber, clone: clone},
		{raw: "ssh://git@ssh.dev.azure.com/v3/contoso/Fabrikam/Fiber", want: fiber, clone: clone},
		{raw: "ssh://git@ssh.dev.azure.com:22/v3/contoso/Fabrikam/Fiber", want: fiber, clone: clone},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/_full/Fiber", want: fiber, clone: clone},
		{raw: "git@ssh.dev.azure.com:v3/contoso/My%20Project/My%20Repo", want: spaces, clone: spacesClone},
		// S2, S4: vs-ssh.visualstudio.com.
		{raw: "contoso@vs-ssh.visualstudio.com:v3/contoso/Fabrikam/Fiber", want: vsFiber, clone: vsClone},
		{raw: "Contoso@vs-ssh.visualstudio.com:v3/Contoso/Fabrikam/Fiber", want: vsFiber, clone: vsClone},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com/v3/contoso/Fabrikam/Fiber", want: vsFiber, clone: vsClone},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com:22/Fabrikam/_ssh/Fiber", want: vsFiber, clone: vsClone},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com:22/DefaultCollection/Fabrikam/_ssh/Fiber", want: vsFiber, clone: vsClone},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com:22/_ssh/Fiber", want: vsShort, clone: vsShortClone},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com:22/DefaultCollection/_ssh/Fiber", want: vsShort, clone: vsShortClone},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com:22/DefaultCollection/Fabrikam/_ssh/_full/Fiber", want: vsFiber, clone: vsClone},

		// Refused.
		{raw: "https://dev.azure.com", err: errURL},
		{raw: "https://dev.azure.com/contoso", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_build", err: errURL},
		{raw: "https://dev.azure.com/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/_full", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/_apis", err: errURL},
		{raw: "https://dev.azure.com/contoso/_apis/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/Team/_git/Fiber", err: errURL},
		{raw: "https://contoso.visualstudio.com/a/b/c/_git/Fiber", err: errURL},
		{raw: "https://contoso.visualstudio.com/Fabrikam/_team/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso//_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com//contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/../Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/%2E%2E", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/.", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fab%2Frikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fab%5Crikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fab%0Arikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fab%E2%80%AErikam/_git/Fiber", err: errURL}, // U+202E
		{raw: "https://dev.azure.com/contoso/Fab%FFrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fab%zzrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/con%20toso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/-contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com:8443/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com./contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev%2eazure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com\\@evil.example/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://a@b@dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com.evil.example/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://testdev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://notvisualstudio.com/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://a.b.visualstudio.com/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://vs-ssh.contoso.visualstudio.com/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://vs-ssh.visualstudio.com/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://ssh.dev.azure.com/v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "https://contoso.visualstudio.com.evil.example/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.cοm/contoso/Fabrikam/_git/Fiber", err: errURL}, // Greek omicron
		{raw: "https://13.107.6.183/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://github.com/contoso/Fabrikam", err: errURL},
		{raw: "http://dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errInsecure},
		{raw: "http://contoso.visualstudio.com/Fabrikam/_git/Fiber", err: errInsecure},
		{raw: "git://dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "file:///dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam", err: errURL},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber/extra", err: errURL},
		{raw: "git@ssh.dev.azure.com:contoso/Fabrikam/Fiber", err: errURL},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "someone@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "ssh://ssh.dev.azure.com/v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "ssh://git@ssh.dev.azure.com:2222/v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "git@dev.azure.com:v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "fabrikam@vs-ssh.visualstudio.com:v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "vs-ssh@vs-ssh.visualstudio.com:v3/vs-ssh/Fabrikam/Fiber", err: errURL},
		{raw: "ssh://vs-ssh@vs-ssh.visualstudio.com/Fabrikam/_ssh/Fiber", err: errURL},
		{raw: "con.toso@vs-ssh.visualstudio.com:v3/con.toso/Fabrikam/Fiber", err: errURL},
		{raw: "vs-ssh.visualstudio.com:v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com:2222/Fabrikam/_ssh/Fiber", err: errURL},
		{raw: "ssh://contoso@vs-ssh.visualstudio.com/Fabrikam/_ssh/Fiber/x", err: errURL},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber\r", err: errURL},
	}
	urlCheck(t, urlAzure(t, ""), cases)

	// A provider bound to one organization still reads every organization's
	// URLs on the hosted service (the host, not the organization, is what
	// credentials are bound to).
	urlCheck(t, urlAzure(t, "https://dev.azure.com/contoso"), []urlCase{
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "https://fabrikam.visualstudio.com/P/_git/R", want: provider.Repo{Host: "fabrikam.visualstudio.com", Owner: "fabrikam", Project: "P", Name: "R"}},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
	})
}

func TestAzureParseRepoServer(t *testing.T) {
	fiber := provider.Repo{Host: "tfs.example.com", Owner: "DefaultCollection", Project: "Fabrikam", Name: "Fiber", VirtualDir: "tfs"}
	const clone = "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber"
	urlCheck(t, urlAzure(t, "https://tfs.example.com/tfs/DefaultCollection"), []urlCase{
		{raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "https://user:" + urlSecret + "@TFS.example.com:443/tfs/DefaultCollection/Fabrikam/_git/Fiber/", want: fiber, clone: clone},
		{raw: "https://tfs.example.com/TFS/defaultcollection/Fabrikam/_git/Fiber", want: provider.Repo{Host: "tfs.example.com", Owner: "defaultcollection", Project: "Fabrikam", Name: "Fiber", VirtualDir: "tfs"}, clone: "https://tfs.example.com/tfs/defaultcollection/Fabrikam/_git/Fiber"},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/Team/_git/_optimized/Fiber?path=/x&version=GBmain", want: fiber, clone: clone},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/_git/Fiber", want: provider.Repo{Host: "tfs.example.com", Owner: "DefaultCollection", Project: "Fiber", Name: "Fiber", VirtualDir: "tfs"}, clone: "https://tfs.example.com/tfs/DefaultCollection/Fiber/_git/Fiber"},
		{raw: "https://tfs.example.com/tfs/Other%20Collection/My%20Project/_git/My%20Repo", want: provider.Repo{Host: "tfs.example.com", Owner: "Other Collection", Project: "My Project", Name: "My Repo", VirtualDir: "tfs"}, clone: "https://tfs.example.com/tfs/Other%20Collection/My%20Project/_git/My%20Repo"},
		{raw: "ssh://tfs.example.com:22/tfs/DefaultCollection/Fabrikam/_git/Fiber", want: fiber, clone: clone},
		{raw: "ssh://git@tfs.example.com/DefaultCollection/Fabrikam/_ssh/Fiber", want: fiber, clone: clone},

		{raw: "https://tfs.example.com/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://tfs.example.com/tfs/_git/Fiber", err: errURL},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/Fiber", err: errURL},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/a/b/c/_git/Fiber", err: errURL},
		{raw: "https://tfs.example.com:8443/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://tfs.example.com.evil.example/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber", err: errURL},
		{raw: "http://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errInsecure},
	})

	port := provider.Repo{Host: "tfs.example.com:8080", Owner: "DefaultCollection", Project: "Fabrikam", Name: "Fiber", VirtualDir: "tfs"}
	urlCheck(t, urlAzure(t, "https://tfs.example.com:8080/tfs/DefaultCollection"), []urlCase{
		{raw: "https://tfs.example.com:8080/tfs/DefaultCollection/Fabrikam/_git/Fiber", want: port, clone: "https://tfs.example.com:8080/tfs/DefaultCollection/Fabrikam/_git/Fiber"},
		{raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
	})

	// A server root: the first segment is the organization (collection).
	root := provider.Repo{Host: "127.0.0.1:8080", Owner: "contoso", Project: "Fabrikam", Name: "Fiber"}
	const rootClone = "http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber"
	urlCheck(t, urlAzure(t, "http://127.0.0.1:8080"), []urlCase{
		{raw: "http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber", want: root, clone: rootClone},
		{raw: "http://contoso@127.0.0.1:8080/contoso/Fabrikam/_git/Fiber?version=GBmain", want: root, clone: rootClone},
		{raw: "http://127.0.0.1:8080/contoso/_git/Fiber", want: provider.Repo{Host: "127.0.0.1:8080", Owner: "contoso", Project: "Fiber", Name: "Fiber"}, clone: "http://127.0.0.1:8080/contoso/Fiber/_git/Fiber"},

		{raw: "http://127.0.0.1:8080/_git/Fiber", err: errURL},
		{raw: "http://localhost:8080/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber\x00", err: errURL},
	})
	urlCheck(t, urlAzure(t, "http://localhost:8081/tfs/DefaultCollection/"), []urlCase{
		{raw: "http://localhost:8081/tfs/DefaultCollection/Fabrikam/_git/Fiber", want: provider.Repo{Host: "localhost:8081", Owner: "DefaultCollection", Project: "Fabrikam", Name: "Fiber", VirtualDir: "tfs"}, clone: "http://localhost:8081/tfs/DefaultCollection/Fabrikam/_git/Fiber"},
	})
}

// urlForCase is one ForURL call: the provider it picks, the repository and
// the clone URL; or the error.
type urlForCase struct {
	cfg      provider.Config
	raw      string
	provider string
	want     provider.Repo
	clone    string
	err      error
	contains string // the error message holds this
}

func TestForURL(t *testing.T) {
	gh := func(host, owner, name string) provider.Repo {
		return provider.Repo{Host: host, Owner: owner, Name: name}
	}
	az := func(host, owner, project, name, vdir string) provider.Repo {
		return provider.Repo{Host: host, Owner: owner, Project: project, Name: name, VirtualDir: vdir}
	}
	ghes := provider.Config{BaseURL: "https://ghe.example.com"}
	tfs := provider.Config{BaseURL: "https://tfs.example.com/tfs/DefaultCollection"}
	loop := provider.Config{BaseURL: "http://127.0.0.1:8080"}
	loopAz := provider.Config{BaseURL: "http://127.0.0.1:8080", Name: "azure-devops"}
	tfsRoot := provider.Config{BaseURL: "https://ado.corp.example:8443", Name: "azure-devops"}
	cases := []urlForCase{
		{raw: "https://github.com/octocat/Hello-World", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},
		{raw: "git@github.com:octocat/Hello-World.git", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},
		{raw: "ssh://git@ssh.github.com:443/octocat/Hello-World.git", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},
		{cfg: ghes, raw: "https://github.com/octocat/Hello-World/tree/main", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},
		{cfg: tfs, raw: "https://github.com/octocat/Hello-World", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},
		{raw: "https://octocorp.ghe.com/octocat/Hello-World", provider: "github", want: gh("octocorp.ghe.com", "octocat", "Hello-World"), clone: "https://octocorp.ghe.com/octocat/Hello-World.git"},
		{raw: "octocorp@octocorp.ghe.com:octocat/Hello-World.git", provider: "github", want: gh("octocorp.ghe.com", "octocat", "Hello-World"), clone: "https://octocorp.ghe.com/octocat/Hello-World.git"},
		{cfg: ghes, raw: "https://octocorp.ghe.com/octocat/Hello-World", provider: "github", want: gh("octocorp.ghe.com", "octocat", "Hello-World"), clone: "https://octocorp.ghe.com/octocat/Hello-World.git"},
		{cfg: ghes, raw: "https://ghe.example.com/octocat/Hello-World", provider: "github", want: gh("ghe.example.com", "octocat", "Hello-World"), clone: "https://ghe.example.com/octocat/Hello-World.git"},
		{cfg: ghes, raw: "git@ghe.example.com:octocat/Hello-World.git", provider: "github", want: gh("ghe.example.com", "octocat", "Hello-World"), clone: "https://ghe.example.com/octocat/Hello-World.git"},
		{cfg: loop, raw: "http://127.0.0.1:8080/octocat/Hello-World", provider: "github", want: gh("127.0.0.1:8080", "octocat", "Hello-World"), clone: "http://127.0.0.1:8080/octocat/Hello-World.git"},

		{raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("dev.azure.com", "contoso", "Fabrikam", "Fiber", ""), clone: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber"},
		{raw: "https://contoso@dev.azure.com/contoso/My%20Project/_git/My%20Repo", provider: "azure-devops", want: az("dev.azure.com", "contoso", "My Project", "My Repo", ""), clone: "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo"},
		{raw: "https://contoso.visualstudio.com/DefaultCollection/_git/Fiber", provider: "azure-devops", want: az("contoso.visualstudio.com", "contoso", "Fiber", "Fiber", ""), clone: "https://contoso.visualstudio.com/Fiber/_git/Fiber"},
		{raw: "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber", provider: "azure-devops", want: az("dev.azure.com", "contoso", "Fabrikam", "Fiber", ""), clone: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber"},
		{raw: "contoso@vs-ssh.visualstudio.com:v3/contoso/Fabrikam/Fiber", provider: "azure-devops", want: az("contoso.visualstudio.com", "contoso", "Fabrikam", "Fiber", ""), clone: "https://contoso.visualstudio.com/Fabrikam/_git/Fiber"},
		{cfg: ghes, raw: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("dev.azure.com", "contoso", "Fabrikam", "Fiber", ""), clone: "https://dev.azure.com/contoso/Fabrikam/_git/Fiber"},
		{cfg: tfs, raw: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("tfs.example.com", "DefaultCollection", "Fabrikam", "Fiber", "tfs"), clone: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber"},
		{cfg: tfs, raw: "https://tfs.example.com/tfs/Other/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("tfs.example.com", "Other", "Fabrikam", "Fiber", "tfs"), clone: "https://tfs.example.com/tfs/Other/Fabrikam/_git/Fiber"},
		{cfg: tfs, raw: "ssh://tfs.example.com/tfs/DefaultCollection/Fabrikam/_ssh/Fiber", provider: "azure-devops", want: az("tfs.example.com", "DefaultCollection", "Fabrikam", "Fiber", "tfs"), clone: "https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber"},
		{cfg: loopAz, raw: "http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("127.0.0.1:8080", "contoso", "Fabrikam", "Fiber", ""), clone: "http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber"},
		// A server root named by Config.Name: each URL names its collection.
		{cfg: tfsRoot, raw: "https://ado.corp.example:8443/a/b/Coll/Fabrikam/_git/Fiber", err: errURL},
		{cfg: tfsRoot, raw: "https://ado.corp.example:8443/Coll/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("ado.corp.example:8443", "Coll", "Fabrikam", "Fiber", ""), clone: "https://ado.corp.example:8443/Coll/Fabrikam/_git/Fiber"},
		{cfg: tfsRoot, raw: "ssh://git@ado.corp.example/Coll/Fabrikam/_ssh/Fiber", provider: "azure-devops", want: az("ado.corp.example:8443", "Coll", "Fabrikam", "Fiber", ""), clone: "https://ado.corp.example:8443/Coll/Fabrikam/_git/Fiber"},

		// Unknown hosts are refused whatever their path: nothing is guessed
		// from a path (an Azure DevOps Server's "/_git/" included).
		{raw: "https://tfs.corp.example/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL, contains: "Config.BaseURL"},
		{raw: "https://tfs.corp.example/tfs/DefaultCollection/_git/Fiber", err: errURL, contains: "Config.Name"},
		{raw: "https://ado.corp.example/Coll/Fabrikam/_git/Fiber", err: errURL, contains: "Config.BaseURL"},
		{raw: "https://evil.com/org/project/_git/repo", err: errURL, contains: "Config.BaseURL"},
		{raw: "http://localhost:8080/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
		{raw: "ssh://git@ado.corp.example/Coll/Fabrikam/_ssh/Fiber", err: errURL},
		{raw: "https://10.1.2.3/tfs/DefaultCollection/Fabrikam/_git/Fiber", err: errURL},
		{cfg: ghes, raw: "https://ado.corp.example:8443/Coll/P/_git/R", err: errURL},

		// On the host of Config.BaseURL, BaseURL alone picks the provider,
		// never the path of the URL.
		{cfg: ghes, raw: "https://ghe.example.com/org/project/_git/repo", provider: "github", want: gh("ghe.example.com", "org", "project"), clone: "https://ghe.example.com/org/project.git"},
		{cfg: loop, raw: "http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber", provider: "github", want: gh("127.0.0.1:8080", "contoso", "Fabrikam"), clone: "http://127.0.0.1:8080/contoso/Fabrikam.git"},
		{cfg: tfs, raw: "https://tfs.example.com/octocat/Hello-World", err: errURL},
		{cfg: provider.Config{BaseURL: "https://tfs.example.com", Name: "azure-devops"}, raw: "https://tfs.example.com/octocat/Hello-World", err: errURL},
		{cfg: provider.Config{BaseURL: "https://example.com/github", Name: "github"}, raw: "https://example.com/github/octocat/Hello-World", provider: "github", want: gh("example.com", "octocat", "Hello-World"), clone: "https://example.com/github/octocat/Hello-World.git"},
		{cfg: provider.Config{BaseURL: "https://example.com/github", Name: "github"}, raw: "https://example.com/github/o/p/_git/r", provider: "github", want: gh("example.com", "o", "p"), clone: "https://example.com/github/o/p.git"},
		// Config.Name must agree with a well-known BaseURL, and name a provider.
		{cfg: provider.Config{BaseURL: "https://github.com", Name: "azure-devops"}, raw: "https://github.com/octocat/Hello-World", err: errURL, contains: "Config.Name"},
		{cfg: provider.Config{Name: "bitbucket"}, raw: "https://github.com/octocat/Hello-World", err: errURL, contains: "Config.Name"},
		{cfg: provider.Config{Name: "github"}, raw: "https://github.com/octocat/Hello-World", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},

		// A scheme without "//" is no scp-like URL of a host named "https".
		{raw: "https:/dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL, contains: `"//"`},
		{raw: "https:dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL, contains: `"//"`},
		{raw: "https:/github.com/octocat/Hello-World", err: errURL},
		{raw: "HTTPS:github.com/octocat/Hello-World", err: errURL},
		{raw: "ssh:github.com/octocat/Hello-World", err: errURL},
		{raw: "git@https:octocat/Hello-World", err: errURL},
		{cfg: provider.Config{BaseURL: "https://https"}, raw: "https:octocat/Hello-World", err: errURL},
		// User information RFC 3986 does not allow.
		{raw: "https://us er@github.com/octocat/Hello-World", err: errURL, contains: "RFC 3986"},
		{raw: "https://us\"er@github.com/octocat/Hello-World", err: errURL},
		{raw: "https://us%zzer@github.com/octocat/Hello-World", err: errURL},
		{raw: "https://us%4@github.com/octocat/Hello-World", err: errURL},
		{raw: "https://üser@github.com/octocat/Hello-World", err: errURL},
		{raw: "https://a[b]@github.com/octocat/Hello-World", err: errURL},
		{raw: "https://a{b}|c^@github.com/octocat/Hello-World", err: errURL},
		{raw: "us<er@github.com:octocat/Hello-World.git", err: errURL},
		{raw: "https://a-b.c_d~e!$&'()*+,;=:p%41ss@github.com/octocat/Hello-World", provider: "github", want: gh("github.com", "octocat", "Hello-World"), clone: "https://github.com/octocat/Hello-World.git"},

		// Refused.
		{raw: "https://ghe.example.com/octocat/Hello-World", err: errURL, contains: "Config.BaseURL"},
		{raw: "git@ghe.example.com:octocat/Hello-World.git", err: errURL, contains: "Config.BaseURL to https://ghe.example.com"},
		{raw: "https://gitlab.com/group/project", err: errURL, contains: "Config.BaseURL"},
		{raw: "https://github.com.evil.example/octocat/Hello-World", err: errURL},
		{raw: "https://github.com.evil.example/o/p/_git/r", err: errURL},
		{raw: "https://evil-github.com/octocat/Hello-World", err: errURL},
		{raw: "https://dev.azure.com.evil.example/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://testdev.azure.com/contoso/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://notvisualstudio.com/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://a.b.visualstudio.com/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://x.y.ghe.com/octocat/Hello-World", err: errURL},
		{raw: "https://ghe.com/octocat/Hello-World", err: errURL},
		{raw: "https://gіthub.com/octocat/Hello-World", err: errURL},
		{raw: "https://xn--gthub-n4a.com/o/p/_git/r", err: errURL},
		{raw: "https://140.82.112.3/octocat/Hello-World", err: errURL},
		{raw: "https://2130706433/o/p/_git/r", err: errURL},
		{raw: "https://ado.corp.example/_git/Fiber", err: errURL},
		{raw: "https://azure-devops.corp.example/Coll/Fabrikam/_git/Fiber", err: errURL, contains: "set Config.BaseURL"},
		{raw: "https://github.com.evil.example/octocat/Hello-World", err: errURL, contains: "Config.Name"},
		{cfg: provider.Config{BaseURL: "https://azure-devops.corp.example/Coll"}, raw: "https://azure-devops.corp.example/Coll/Fabrikam/_git/Fiber", provider: "azure-devops", want: az("azure-devops.corp.example", "Coll", "Fabrikam", "Fiber", ""), clone: "https://azure-devops.corp.example/Coll/Fabrikam/_git/Fiber"},
		{cfg: provider.Config{BaseURL: "https://github.corp.example"}, raw: "git@github.corp.example:o/r.git", provider: "github", want: gh("github.corp.example", "o", "r"), clone: "https://github.corp.example/o/r.git"},
		{raw: "http://ado.corp.example/Coll/Fabrikam/_git/Fiber", err: errInsecure},
		{raw: "http://github.com/octocat/Hello-World", err: errInsecure},
		{raw: "http://dev.azure.com/contoso/Fabrikam/_git/Fiber", err: errInsecure},
		{raw: "git://github.com/octocat/Hello-World.git", err: errURL},
		{raw: "file:///srv/x/_git/y", err: errURL},
		{raw: "ftp://ado.corp.example/Coll/Fabrikam/_git/Fiber", err: errURL},
		{raw: "https://u:" + urlSecret + "@evil.example/o/r", err: errURL},
		{raw: "https://u:" + urlSecret + "@ghe.example.com/o/r", err: errURL},
		{raw: "https://u:" + urlSecret + "@@github.com/o/r", err: errURL},
		{raw: "u:" + urlSecret + "@github.com:o/r", err: errURL},
		{raw: "https://github.com/" + strings.Repeat("o/", provider.MaxURLLength), err: errURL, contains: "limit"},
		{raw: "https://github.com/octocat/Hello-World\n", err: errURL, contains: "control character"},
		{raw: "https://github.com\\octocat\\Hello-World", err: errURL, contains: "backslash"},
		{cfg: provider.Config{BaseURL: "http://ghe.example.com"}, raw: "https://github.com/o/r", err: errInsecure},
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			p, got, err := provider.ForURL(tc.raw, tc.cfg)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || p != nil {
					t.Fatalf("ForURL(%q) = %v, %+v, %v; want error %v", tc.raw, p, got, err, tc.err)
				}
				if !strings.Contains(err.Error(), tc.contains) {
					t.Errorf("ForURL(%q) error %q; want it to hold %q", tc.raw, err, tc.contains)
				}
				urlNoSecret(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ForURL(%q): %v", tc.raw, err)
			}
			if p.Name() != tc.provider || got != tc.want {
				t.Fatalf("ForURL(%q) = %s, %+v; want %s, %+v", tc.raw, p.Name(), got, tc.provider, tc.want)
			}
			if c := p.CloneURL(got); c != tc.clone {
				t.Errorf("CloneURL = %q; want %q", c, tc.clone)
			}
			// The provider parses the URL it was picked for, and its clone URL.
			for _, raw := range []string{tc.raw, tc.clone} {
				if again, err := p.ParseRepo(raw); err != nil || again != got {
					t.Errorf("ParseRepo(%q) = %+v, %v; want %+v", raw, again, err, got)
				}
			}
		})
	}
}

// TestURLErrorsNeverHoldPasswords puts a password in the user information of
// URLs that every parser refuses, and checks no message shows it.
func TestURLErrorsNeverHoldPasswords(t *testing.T) {
	bad := []string{
		"https://%s@github.com/o",
		"https://%s@github.com/o/../r",
		"https://%s@evil.example/o/r",
		"https://%s@dev.azure.com/contoso/Fabrikam",
		"https://%s@dev.azure.com.evil.example/contoso/Fabrikam/_git/Fiber",
		"http://%s@dev.azure.com/contoso/Fabrikam/_git/Fiber",
		"http://%s@github.com/o/r",
		"ssh://%s@ssh.dev.azure.com/v3/contoso/Fabrikam",
		"ssh://%s@github.com:2222/o/r",
		"https://%s@github.com/o/r\n",
		"https://%s@github.com\\o\\r",
		"https://%s@a@github.com/o/r",
		"ftp://%s@github.com/o/r",
		"%s@github.com:o/r",
	}
	users := []string{
		"u:" + urlSecret,
		urlSecret,
		"x-access-token:" + urlSecret,
		"u:" + urlSecret + "%40x",
		"u:pa/" + urlSecret,
		"u:pa?" + urlSecret,
		"u:pa#" + urlSecret,
		"u:pa:" + urlSecret,
		// A password holding an unencoded '/' puts the '@' past the host,
		// and part of the password before it, in the host or the port.
		urlSecret + "/x",
		"u:" + urlSecret + "/x",
		"x-access-token:" + urlSecret + "/rest",
	}
	parsers := map[string]func(string) error{
		"github": func(s string) error { _, err := urlGitHub(t, "").ParseRepo(s); return err },
		"ghes":   func(s string) error { _, err := urlGitHub(t, "https://ghe.example.com").ParseRepo(s); return err },
		"azure":  func(s string) error { _, err := urlAzure(t, "").ParseRepo(s); return err },
		"tfs":    func(s string) error { _, err := urlAzure(t, "https://tfs.example.com/tfs/C").ParseRepo(s); return err },
		"ForURL": func(s string) error { _, _, err := provider.ForURL(s, provider.Config{}); return err },
		"ForURL2": func(s string) error {
			_, _, err := provider.ForURL(s, provider.Config{BaseURL: "http://127.0.0.1:1"})
			return err
		},
	}
	for _, f := range bad {
		for _, u := range users {
			raw := fmt.Sprintf(f, u)
			for name, parse := range parsers {
				err := parse(raw)
				if err == nil {
					// "u:pa?SECRET@..." puts the password in the query: the
					// URL is then something else, and a '?' never reaches
					// user information. Only such inputs may parse.
					if strings.ContainsAny(u, "?#") {
						continue
					}
					t.Errorf("%s(%q) accepted", name, raw)
					continue
				}
				if !errors.Is(err, provider.ErrUnsupportedURL) && !errors.Is(err, provider.ErrInsecureURL) {
					t.Errorf("%s(%q) = %v; want ErrUnsupportedURL or ErrInsecureURL", name, raw, err)
				}
				if strings.Contains(err.Error(), urlSecret) {
					t.Errorf("%s(%q) leaks the password: %v", name, raw, err)
				}
				var ue *provider.URLError
				if errors.As(err, &ue) && strings.Contains(ue.URL, urlSecret) {
					t.Errorf("%s(%q): URLError.URL leaks the password: %q", name, raw, ue.URL)
				}
			}
		}
	}
}

func TestURLErrorType(t *testing.T) {
	_, err := urlGitHub(t, "").ParseRepo("https://user:" + urlSecret + "@github.com/octocat")
	var ue *provider.URLError
	if !errors.As(err, &ue) {
		t.Fatalf("error %T is not a *URLError", err)
	}
	if ue.URL != "https://github.com/octocat" || ue.Err != provider.ErrUnsupportedURL || ue.Reason == "" {
		t.Errorf("URLError = %+v", ue)
	}
	_, err = urlGitHub(t, "").ParseRepo("http://github.com/o/r")
	if !errors.As(err, &ue) || !errors.Is(err, provider.ErrInsecureURL) || errors.Is(err, provider.ErrUnsupportedURL) {
		t.Errorf("http error = %v; want an ErrInsecureURL *URLError", err)
	}
}

// urlRandName returns a random Azure DevOps name: letters, digits, spaces,
// punctuation, accented letters, CJK and emoji; never starting with '_'.
func urlRandName(rng *rand.Rand) string {
	pool := []rune("abcXYZ019 -.+&=$!'(),;:~%@?#[]{}^`\"<>|éüßçñ日本語リポ한국어😀Ωж")
	for {
		n := 1 + rng.IntN(12)
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = pool[rng.IntN(len(pool))]
		}
		s := string(rs)
		if s != "." && s != ".." && s[0] != '_' {
			return s
		}
	}
}

func urlRandOrg(rng *rand.Rand) string {
	const pool = "abcdefghijklmnopqrstuvwxyz0123456789-"
	for {
		n := 1 + rng.IntN(20)
		b := make([]byte, n)
		for i := range b {
			b[i] = pool[rng.IntN(len(pool))]
		}
		if b[0] != '-' && b[n-1] != '-' {
			return string(b)
		}
	}
}

func urlRandGitHubName(rng *rand.Rand) string {
	const pool = "abcXYZ0189-_."
	for {
		n := 1 + rng.IntN(20)
		b := make([]byte, n)
		for i := range b {
			b[i] = pool[rng.IntN(len(pool))]
		}
		if s := string(b); s != "." && s != ".." {
			return s
		}
	}
}

// TestCloneURLRoundTrip checks ParseRepo(CloneURL(r)) == r for random
// names with spaces, punctuation and unicode.
func TestCloneURLRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	hosted := urlAzure(t, "")
	server := urlAzure(t, "https://tfs.example.com:8443/tfs/DefaultCollection")
	root := urlAzure(t, "http://127.0.0.1:9")
	github := urlGitHub(t, "")
	prefixed := urlGitHub(t, "https://ghe.example.com/git hub")
	for i := 0; i < 2000; i++ {
		org := urlRandOrg(rng)
		rows := []struct {
			p provider.Provider
			r provider.Repo
		}{
			{hosted, provider.Repo{Host: "dev.azure.com", Owner: org, Project: urlRandName(rng), Name: urlRandName(rng)}},
			{hosted, provider.Repo{Host: org + ".visualstudio.com", Owner: org, Project: urlRandName(rng), Name: urlRandName(rng)}},
			{server, provider.Repo{Host: "tfs.example.com:8443", Owner: urlRandName(rng), Project: urlRandName(rng), Name: urlRandName(rng), VirtualDir: "tfs"}},
			{root, provider.Repo{Host: "127.0.0.1:9", Owner: urlRandName(rng), Project: urlRandName(rng), Name: urlRandName(rng)}},
			{github, provider.Repo{Host: "github.com", Owner: "o-" + urlRandGitHubName(rng), Name: urlRandGitHubName(rng)}},
			{prefixed, provider.Repo{Host: "ghe.example.com", Owner: "o-" + urlRandGitHubName(rng), Name: urlRandGitHubName(rng)}},
		}
		for _, row := range rows {
			clone := row.p.CloneURL(row.r)
			got, err := row.p.ParseRepo(clone)
			if err != nil || got != row.r {
				t.Fatalf("ParseRepo(CloneURL(%+v) = %q) = %+v, %v", row.r, clone, got, err)
			}
			if row.p.Name() == "azure-devops" && strings.HasSuffix(clone, ".git") && !strings.HasSuffix(row.r.Name, ".git") {
				t.Fatalf("CloneURL(%+v) = %q added .git", row.r, clone)
			}
			if strings.ContainsAny(clone, " \t") || strings.Contains(clone, "@") {
				t.Fatalf("CloneURL(%+v) = %q holds a space or '@'", row.r, clone)
			}
			// ForURL agrees for the hosted service (a server needs its
			// configuration).
			if row.p == hosted || row.p == github {
				_, again, err := provider.ForURL(clone, provider.Config{})
				if err != nil || again != row.r {
					t.Fatalf("ForURL(%q) = %+v, %v; want %+v", clone, again, err, row.r)
				}
			}
		}
	}
}

func TestCloneURLDefaults(t *testing.T) {
	cases := []struct {
		p    provider.Provider
		r    provider.Repo
		want string
	}{
		{urlGitHub(t, ""), provider.Repo{Owner: "o", Name: "r"}, "https://github.com/o/r.git"},
		{urlGitHub(t, "http://127.0.0.1:8080"), provider.Repo{Owner: "o", Name: "r"}, "http://127.0.0.1:8080/o/r.git"},
		// Another host than the provider's: always https, no prefix.
		{urlGitHub(t, "http://127.0.0.1:8080/prefix"), provider.Repo{Host: "github.com", Owner: "o", Name: "r"}, "https://github.com/o/r.git"},
		{urlAzure(t, ""), provider.Repo{Owner: "contoso", Project: "P", Name: "R"}, "https://dev.azure.com/contoso/P/_git/R"},
		{urlAzure(t, ""), provider.Repo{Host: "dev.azure.com", Owner: "contoso", Name: "R"}, "https://dev.azure.com/contoso/R/_git/R"},
		{urlAzure(t, "https://dev.azure.com/contoso"), provider.Repo{Project: "My P", Name: "R"}, "https://dev.azure.com/contoso/My%20P/_git/R"},
		{urlAzure(t, "https://tfs.example.com/tfs/DefaultCollection"), provider.Repo{Host: "tfs.example.com", Project: "P", Name: "R"}, "https://tfs.example.com/tfs/DefaultCollection/P/_git/R"},
		{urlAzure(t, "http://127.0.0.1:8080"), provider.Repo{Host: "127.0.0.1:8080", Owner: "o", Project: "P", Name: "R.git"}, "http://127.0.0.1:8080/o/P/_git/R.git"},
	}
	for _, tc := range cases {
		if got := tc.p.CloneURL(tc.r); got != tc.want {
			t.Errorf("%s CloneURL(%+v) = %q; want %q", tc.p.Name(), tc.r, got, tc.want)
		}
	}
}

// A password of digits before an unencoded '/' reads as a port: the host
// and port of a refused URL with an '@' past the host are never shown.
func TestURLErrorsNeverShowAPasswordReadAsAPort(t *testing.T) {
	for _, raw := range []string{
		"https://u:8675309/x@github.com/o/r",
		"https://ghe.example.com:8675309/x@github.com/o/r",
		"https://u:8675309/x@dev.azure.com/contoso/P/_git/R",
		"http://u:8675309/x@dev.azure.com/contoso/P/_git/R",
	} {
		for _, cfg := range []provider.Config{{}, {BaseURL: "https://ghe.example.com"}, {BaseURL: "http://127.0.0.1:1"}} {
			_, _, err := provider.ForURL(raw, cfg)
			if err == nil {
				t.Errorf("ForURL(%q) accepted", raw)
				continue
			}
			if strings.Contains(err.Error(), "8675309") || strings.Contains(fmt.Sprintf("%#v", err), "8675309") {
				t.Errorf("ForURL(%q) = %v; shows the password", raw, err)
			}
		}
	}
}

// A repository whose clone URL would be over MaxURLLength is refused, even
// when the URL it was read from is not: a space becomes %20.
func TestAzureCloneURLWithinLimit(t *testing.T) {
	name := strings.Repeat(" x", 400) // 800 bytes as read, 1600 escaped twice over
	for _, tc := range []struct {
		raw string
		cfg provider.Config
	}{
		{"https://dev.azure.com/contoso/" + name + "/_git/" + name, provider.Config{}},
		{"https://tfs.example.com/tfs/C/" + name + "/_git/" + name, provider.Config{BaseURL: "https://tfs.example.com/tfs/C"}},
	} {
		if len(tc.raw) > provider.MaxURLLength {
			t.Fatalf("input is %d bytes; it must be within the limit", len(tc.raw))
		}
		if _, _, err := provider.ForURL(tc.raw, tc.cfg); !errors.Is(err, provider.ErrUnsupportedURL) || !strings.Contains(err.Error(), "clone URL would be") {
			t.Errorf("ForURL(%d bytes, %+v) = %v; want ErrUnsupportedURL for the clone URL's length", len(tc.raw), tc.cfg, err)
		}
	}
	// Just within: accepted, and the clone URL parses again.
	short := strings.Repeat(" x", 100)
	p, r, err := provider.ForURL("https://dev.azure.com/contoso/"+short+"/_git/"+short, provider.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := p.ParseRepo(p.CloneURL(r)); err != nil || again != r {
		t.Errorf("round trip = %+v, %v; want %+v", again, err, r)
	}
}
