package provider_test

import (
	"net/http"
	"testing"

	"github.com/patgit/patgit/provider"
)

var urlBenchForms = []struct{ name, raw string }{
	{"github-https", "https://github.com/octocat/Hello-World.git"},
	{"github-scp", "git@github.com:octocat/Hello-World.git"},
	{"dev.azure.com", "https://contoso@dev.azure.com/contoso/My%20Project/_git/My%20Repo"},
	{"visualstudio.com", "https://contoso.visualstudio.com/DefaultCollection/Fabrikam/_git/Fiber"},
	{"ssh-v3", "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber"},
}

// BenchmarkForURL measures ForURL on the common forms with the zero Config
// (each call builds a provider and its default HTTP client) and with a
// caller's HTTPClient.
func BenchmarkForURL(b *testing.B) {
	for _, cfg := range []struct {
		name string
		cfg  provider.Config
	}{
		{"default", provider.Config{}},
		{"client", provider.Config{HTTPClient: &http.Client{}}},
	} {
		for _, form := range urlBenchForms {
			b.Run(cfg.name+"/"+form.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := provider.ForURL(form.raw, cfg.cfg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkParseRepo measures the parsers alone, on a provider made once.
func BenchmarkParseRepo(b *testing.B) {
	gh := urlGitHub(b, "")
	az := urlAzure(b, "")
	for _, form := range urlBenchForms {
		var p provider.Provider = az
		if form.name[:6] == "github" {
			p = gh
		}
		b.Run(form.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.ParseRepo(form.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCloneURL measures building the canonical clone URL.
func BenchmarkCloneURL(b *testing.B) {
	az := urlAzure(b, "")
	r := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "My Repo"}
	b.ReportAllocs()
	for b.Loop() {
		_ = az.CloneURL(r)
	}
}
