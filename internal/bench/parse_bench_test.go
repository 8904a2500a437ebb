package bench

import (
	"hash/crc32"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// tokenPatterns is the anchor for Identify: the list of regular expressions
// a secret scanner would try in turn.
var tokenPatterns = []struct {
	kind pat.Kind
	re   *regexp.Regexp
}{
	{pat.GitHubClassic, regexp.MustCompile(`^ghp_[A-Za-z0-9]{36}$`)},
	{pat.GitHubFineGrained, regexp.MustCompile(`^github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}$`)},
	{pat.GitHubOAuth, regexp.MustCompile(`^gho_[A-Za-z0-9]{36}$`)},
	{pat.GitHubUser, regexp.MustCompile(`^ghu_[A-Za-z0-9]{36}$`)},
	{pat.GitHubInstallation, regexp.MustCompile(`^ghs_[A-Za-z0-9]{36}$`)},
	{pat.GitHubRefresh, regexp.MustCompile(`^ghr_[A-Za-z0-9]{36}$`)},
	{pat.AzureDevOps, regexp.MustCompile(`^[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9]{18}AZDO[A-Za-z0-9]{4}$`)},
	{pat.AzureDevOps, regexp.MustCompile(`^[a-z2-7]{52}$`)},
}

func identifyRegexp(s string) pat.Kind {
	for _, p := range tokenPatterns {
		if p.re.MatchString(s) {
			return p.kind
		}
	}
	return pat.Unknown
}

var parseSecrets = []struct {
	name   string
	secret string
}{
	{"classic", providertest.Token(pat.GitHubClassic, "parse")},
	{"fine-grained", providertest.Token(pat.GitHubFineGrained, "parse")},
	{"installation", providertest.Token(pat.GitHubInstallation, "parse")},
	{"azure-84", providertest.Token(pat.AzureDevOps, "parse")},
	{"azure-legacy", providertest.LegacyAzureToken("parse")},
	{"unknown-jwt", providertest.Token(pat.Unknown, "parse")},
}

// parseURLs are the common URL forms; anchor is the same remote as a URL
// net/url can parse (scp-like forms are not URLs).
var parseURLs = []struct{ name, raw, anchor string }{
	{"github-https", "https://github.com/octocat/Hello-World.git", ""},
	{"github-scp", "git@github.com:octocat/Hello-World.git", "ssh://git@github.com/octocat/Hello-World.git"},
	{"dev.azure.com", "https://contoso@dev.azure.com/contoso/My%20Project/_git/My%20Repo", ""},
	{"visualstudio.com", "https://contoso.visualstudio.com/DefaultCollection/Fabrikam/_git/Fiber", ""},
	{"azure-ssh-v3", "git@ssh.dev.azure.com:v3/contoso/Fabrikam/Fiber", "ssh://git@ssh.dev.azure.com/v3/contoso/Fabrikam/Fiber"},
}

// BenchmarkParse measures token identification and validation and URL
// parsing against the standard library's floor: Identify against the
// regular expressions a scanner would use, Validate (a CRC32 checksum)
// against crc32 alone, ForURL against one url.Parse.
func BenchmarkParse(b *testing.B) {
	for _, s := range parseSecrets {
		want := pat.Identify(s.secret)
		b.Run("Identify/"+s.name+"/regexp", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if identifyRegexp(s.secret) != want {
					b.Fatalf("regexp: kind %v, want %v", identifyRegexp(s.secret), want)
				}
			}
		})
		b.Run("Identify/"+s.name+"/patgit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if pat.Identify(s.secret) != want {
					b.Fatal("wrong kind")
				}
			}
		})
	}
	for _, s := range parseSecrets[:2] {
		tok, err := pat.New(s.secret)
		mustCheck(b, err)
		if s.name == "classic" {
			body := s.secret[4:34]
			b.Run("Validate/"+s.name+"/crc32", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if crc32.ChecksumIEEE([]byte(body)) == 0 {
						b.Fatal("zero checksum")
					}
				}
			})
		}
		b.Run("Validate/"+s.name+"/patgit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tok.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	client := &http.Client{}
	for _, u := range parseURLs {
		anchor := u.anchor
		if anchor == "" {
			anchor = u.raw
		}
		b.Run("ForURL/"+u.name+"/url.Parse", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := url.Parse(anchor); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("ForURL/"+u.name+"/patgit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := provider.ForURL(u.raw, provider.Config{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("ForURL/"+u.name+"/patgit-client", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := provider.ForURL(u.raw, provider.Config{HTTPClient: client}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
