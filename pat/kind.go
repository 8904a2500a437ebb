package pat

import "strings"

// Kind is the format family of a token, recognised from its prefix or shape.
// The zero value is [Unknown].
type Kind int

// The kinds of token patgit recognises.
const (
	// Unknown is any token whose shape patgit does not recognise: a pipeline's
	// JWT SYSTEM_ACCESSTOKEN, an Azure DevOps Server PAT, an old 40-hex GitHub token.
	// Unknown tokens are never refused for their shape.
	Unknown Kind = iota
	// GitHubClassic is a classic personal access token ("ghp_").
	GitHubClassic
	// GitHubFineGrained is a fine-grained personal access token ("github_pat_").
	GitHubFineGrained
	// GitHubOAuth is an OAuth app access token ("gho_").
	GitHubOAuth
	// GitHubUser is a GitHub App user-to-server token ("ghu_").
	GitHubUser
	// GitHubInstallation is a GitHub App installation token or an Actions
	// GITHUB_TOKEN ("ghs_"), in the old 40-character and the new long form.
	GitHubInstallation
	// GitHubRefresh is a GitHub App refresh token ("ghr_").
	GitHubRefresh
	// AzureDevOps is an Azure DevOps PAT: 52 characters of lower-case base32
	// (legacy) or 84 characters with the "AZDO" signature at offset 76.
	AzureDevOps
)

var kindNames = [...]string{
	Unknown:            "unknown",
	GitHubClassic:      "github-classic",
	GitHubFineGrained:  "github-fine-grained",
	GitHubOAuth:        "github-oauth",
	GitHubUser:         "github-user",
	GitHubInstallation: "github-installation",
	GitHubRefresh:      "github-refresh",
	AzureDevOps:        "azure-devops",
}

// String returns the kind's stable name, such as "github-classic".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Provider returns "github", "azure-devops", or "" for [Unknown].
func (k Kind) Provider() string {
	switch k {
	case GitHubClassic, GitHubFineGrained, GitHubOAuth, GitHubUser, GitHubInstallation, GitHubRefresh:
		return "github"
	case AzureDevOps:
		return "azure-devops"
	}
	return ""
}

// Prefix returns the literal prefix that marks tokens of this kind ("ghp_",
// "github_pat_", ...), or "" for kinds recognised by shape alone.
func (k Kind) Prefix() string {
	switch k {
	case GitHubClassic:
		return "ghp_"
	case GitHubFineGrained:
		return "github_pat_"
	case GitHubOAuth:
		return "gho_"
	case GitHubUser:
		return "ghu_"
	case GitHubInstallation:
		return "ghs_"
	case GitHubRefresh:
		return "ghr_"
	}
	return ""
}

// MarshalText encodes the kind as its name, so JSON reports read "github-classic".
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// githubPrefixes is ordered so that no entry is a prefix of a later one.
var githubPrefixes = [...]struct {
	prefix string
	kind   Kind
}{
	{"github_pat_", GitHubFineGrained},
	{"ghp_", GitHubClassic},
	{"gho_", GitHubOAuth},
	{"ghu_", GitHubUser},
	{"ghs_", GitHubInstallation},
	{"ghr_", GitHubRefresh},
}

// Identify classifies secret by its prefix (GitHub) or shape (Azure DevOps).
// It does not trim, validate checksums, or allocate. GitHub tokens are never
// classified by length: GitHub documents tokens up to 255 characters and its
// newer installation tokens are longer still.
func Identify(secret string) Kind {
	for _, p := range githubPrefixes {
		if len(secret) > len(p.prefix) && strings.HasPrefix(secret, p.prefix) {
			return p.kind
		}
	}
	if isAzureLegacy(secret) || isAzureAnnotated(secret) {
		return AzureDevOps
	}
	return Unknown
}

// isAzureLegacy reports the 52-character lower-case base32 PAT format.
func isAzureLegacy(s string) bool {
	if len(s) != 52 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// isAzureAnnotated reports the 84-character format with "AZDO" at offset 76
// (and its 88-character long form ending in "==").
func isAzureAnnotated(s string) bool {
	n := len(s)
	if n == 88 && s[86:] == "==" {
		n = 86
	} else if n != 84 {
		return false
	}
	if s[76:80] != "AZDO" {
		return false
	}
	for i := 0; i < n; i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
