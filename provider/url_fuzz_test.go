package provider_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/patgit/patgit/provider"
)

// urlSeeds are the fuzzers' seed corpus: every form the tables cover, and
// tricks.
var urlSeeds = []string{
	"https://github.com/octocat/Hello-World",
	"https://user:pw@github.com/octocat/Hello-World.git/",
	"https://github.com/octocat/Hello-World/tree/main/dir?tab=x#frag",
	"https://github.com/octocat/Hello-World/blob/main/node_modules/@types/x.d.ts",
	"https://u:8675309/x@github.com/o/r",
	"https://dev.azure.com/contoso/P/_git/R?path=/@types&version=GBmain",
	"https://pw/x@tfs.example.com/tfs/C/P/_git/R",
	"git@github.com:octocat/Hello-World.git",
	"ssh://git@github.com:22/octocat/Hello-World.git",
	"ssh://git@ssh.github.com:443/octocat/Hello-World.git",
	"octocorp@octocorp.ghe.com:octocat/Hello-World.git",
	"https://octocorp.ghe.com/octocat/Hello-World",
	"https://ghe.example.com/octocat/Hello-World",
	"https://dev.azure.com/contoso/Fabrikam/_git/Fiber",
	"https://contoso@dev.azure.com/contoso/My%20Project/_git/My%20Repo",
	"https://dev.azure.com/contoso/_git/Fiber",
	"https://dev.azure.com/contoso/Fabrikam/_git/_optimized/Fiber?path=/x&version=GBmain",
	"https://dev.azure.com/contoso/Fabrikam/_git/Fiber/pullrequest/12",
	"https://contoso.visualstudio.com/DefaultCollection/Fabrikam/Team/_git/_full/Fiber",
	"https://contoso.visualstudio.com/_git/Fiber",
	"git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber",
	"ssh://git@ssh.dev.azure.com:22/v3/contoso/Fabrikam/_full/Fiber",
	"contoso@vs-ssh.visualstudio.com:v3/contoso/Fabrikam/Fiber",
	"ssh://contoso@vs-ssh.visualstudio.com:22/DefaultCollection/Fabrikam/_ssh/Fiber",
	"https://tfs.example.com/tfs/DefaultCollection/Fabrikam/_git/Fiber",
	"http://127.0.0.1:8080/contoso/Fabrikam/_git/Fiber",
	"http://127.0.0.1:8080/octocat/Hello-World",
	"http://[::1]:8080/o/p/_git/r",
	"https://dev.azure.com/contoso/Proj%C3%A9t/_git/%E6%97%A5",
	"https://dev.azure.com.evil.example/contoso/Fabrikam/_git/Fiber",
	"https://github.com.evil.example/o/r",
	"https://a.b.visualstudio.com/P/_git/R",
	"https://x.y.ghe.com/o/r",
	"https://a@b@github.com/o/r",
	"https://github.com\\@evil.example/o/r",
	"https://github%2ecom/o/r",
	"https://xn--gthub-n4a.com/o/r",
	"https://0x7f.1/o/r",
	"https://github.com/o/%2e%2e",
	"https://github.com/o/r\x00",
	"git://github.com/o/r",
	"file:///o/_git/r",
	"C:/Users/o/r",
	"",
}

// urlWellKnown reports whether a repository host is one of the well-known
// forms exactly.
func urlWellKnown(host string) bool {
	switch host {
	case "github.com", "dev.azure.com":
		return true
	}
	for _, suffix := range []string{".ghe.com", ".visualstudio.com"} {
		if label, ok := strings.CutSuffix(host, suffix); ok {
			return label != "" && label != "vs-ssh" && !strings.ContainsAny(label, ".:")
		}
	}
	return false
}

// urlBorrowsName reports whether host carries a well-known host's name.
func urlBorrowsName(host string) bool {
	for _, s := range []string{"github", "azure", "visualstudio", "ghe.com"} {
		if strings.Contains(host, s) {
			return true
		}
	}
	return false
}

// urlInjectPassword returns raw with user information holding secret, or
// false when raw has no place for it.
func urlInjectPassword(raw, secret string) (string, bool) {
	if i := strings.Index(raw, "://"); i >= 0 {
		return raw[:i+3] + "fz:" + secret + "@" + raw[i+3:], true
	}
	return "", false
}

// urlFuzzError checks an error's type and that it holds no password.
func urlFuzzError(t *testing.T, what, raw string, err error) {
	t.Helper()
	if !errors.Is(err, provider.ErrUnsupportedURL) && !errors.Is(err, provider.ErrInsecureURL) {
		t.Fatalf("%s(%q) = %v; want ErrUnsupportedURL or ErrInsecureURL", what, raw, err)
	}
}

func urlFuzzNoLeak(t *testing.T, what, raw string, parse func(string) error) {
	t.Helper()
	const secret = "Pw9FuzzSecretValue"
	if strings.Contains(raw, secret) {
		return
	}
	withPw, ok := urlInjectPassword(raw, secret)
	if !ok {
		return
	}
	if err := parse(withPw); err != nil && strings.Contains(err.Error(), secret) {
		t.Fatalf("%s(%q) leaks the password: %v", what, withPw, err)
	}
}

func FuzzParseRepo(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	providers := []struct {
		p    provider.Provider
		host string // the configured host, also acceptable
	}{
		{urlGitHub(f, ""), "github.com"},
		{urlGitHub(f, "https://octocorp.ghe.com"), "octocorp.ghe.com"},
		{urlGitHub(f, "https://ghe.example.com:8443/github"), "ghe.example.com:8443"},
		{urlGitHub(f, "http://127.0.0.1:8080"), "127.0.0.1:8080"},
		{urlAzure(f, ""), ""},
		{urlAzure(f, "https://tfs.example.com/tfs/DefaultCollection"), "tfs.example.com"},
		{urlAzure(f, "http://127.0.0.1:8080"), "127.0.0.1:8080"},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, pc := range providers {
			r, err := pc.p.ParseRepo(raw)
			urlFuzzNoLeak(t, "ParseRepo", raw, func(s string) error { _, err := pc.p.ParseRepo(s); return err })
			if err != nil {
				urlFuzzError(t, "ParseRepo", raw, err)
				continue
			}
			if r.Host != pc.host && !urlWellKnown(r.Host) {
				t.Fatalf("%s ParseRepo(%q) host %q: neither configured nor well-known", pc.p.Name(), raw, r.Host)
			}
			if r.Owner == "" || r.Name == "" || (pc.p.Name() == "azure-devops") != (r.Project != "") {
				t.Fatalf("ParseRepo(%q) = %+v: incomplete", raw, r)
			}
			clone := pc.p.CloneURL(r)
			again, err := pc.p.ParseRepo(clone)
			if err != nil || again != r {
				t.Fatalf("ParseRepo(CloneURL(ParseRepo(%q)) = %q) = %+v, %v; want %+v", raw, clone, again, err, r)
			}
		}
	})
}

func FuzzForURL(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	cfgs := []provider.Config{{}, {BaseURL: "http://127.0.0.1:8080"}, {BaseURL: "https://tfs.example.com/tfs/DefaultCollection"}}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, cfg := range cfgs {
			p, r, err := provider.ForURL(raw, cfg)
			urlFuzzNoLeak(t, "ForURL", raw, func(s string) error { _, _, err := provider.ForURL(s, cfg); return err })
			if err != nil {
				if p != nil {
					t.Fatalf("ForURL(%q) returned a provider with error %v", raw, err)
				}
				urlFuzzError(t, "ForURL", raw, err)
				continue
			}
			configured := cfg.BaseURL != "" && strings.Contains(cfg.BaseURL, "://"+r.Host)
			if !urlWellKnown(r.Host) && !configured && urlBorrowsName(r.Host) {
				t.Fatalf("ForURL(%q) accepted look-alike host %q", raw, r.Host)
			}
			if again, err := p.ParseRepo(raw); err != nil || again != r {
				t.Fatalf("ForURL(%q) = %+v, but its provider's ParseRepo = %+v, %v", raw, r, again, err)
			}
			clone := p.CloneURL(r)
			if again, err := p.ParseRepo(clone); err != nil || again != r {
				t.Fatalf("ParseRepo(CloneURL = %q) = %+v, %v; want %+v", clone, again, err, r)
			}
		}
	})
}
