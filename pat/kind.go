package pat

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

	// The kinds below came later; they are appended so that the kinds above
	// keep their numbers.

	// AzureDevOpsEntra is a Microsoft Entra ID access token (a JWT) whose
	// audience ("aud" claim) is Azure DevOps: its application ID
	// 499b84ac-1321-427f-aa17-267ca6975798 or its resource URI
	// https://app.vssps.visualstudio.com. The claim is read, never verified.
	AzureDevOpsEntra
	// GitLabPersonal is a GitLab personal, project, group or impersonation
	// access token ("glpat-"), in the legacy 20-character and the routable
	// form, also behind an instance prefix ("acme-glpat-").
	GitLabPersonal
	// GitLabDeploy is a GitLab deploy token ("gldt-").
	GitLabDeploy
	// GitLabJob is a GitLab CI/CD job token, CI_JOB_TOKEN ("glcbt-"), random
	// or JWT-shaped.
	GitLabJob
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
	AzureDevOpsEntra:   "azure-devops-entra",
	GitLabPersonal:     "gitlab-personal",
	GitLabDeploy:       "gitlab-deploy",
	GitLabJob:          "gitlab-job",
}

// String returns the kind's stable name, such as "github-classic".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Provider returns "github", "azure-devops", "gitlab", or "" for [Unknown].
func (k Kind) Provider() string {
	switch k {
	case GitHubClassic, GitHubFineGrained, GitHubOAuth, GitHubUser, GitHubInstallation, GitHubRefresh:
		return "github"
	case AzureDevOps, AzureDevOpsEntra:
		return "azure-devops"
	case GitLabPersonal, GitLabDeploy, GitLabJob:
		return "gitlab"
	}
	return ""
}

// Prefix returns the literal prefix that marks tokens of this kind ("ghp_",
// "github_pat_", "glpat-", ...), or "" for kinds recognised by shape alone.
// A GitLab token may carry an instance prefix before it ("acme-glpat-").
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
	case GitLabPersonal:
		return "glpat-"
	case GitLabDeploy:
		return "gldt-"
	case GitLabJob:
		return "glcbt-"
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

// Identify classifies secret by its prefix (GitHub, GitLab), its shape
// (Azure DevOps PATs) or the audience of a JWT (Entra ID tokens for Azure
// DevOps, read without verifying the signature). It does not trim or
// validate checksums, and it allocates only for a JWT that names Azure
// DevOps. Prefixed tokens are never classified by length: GitHub documents
// tokens up to 255 characters and its newer installation tokens are longer
// still; GitLab has had several formats.
//
// A GitLab prefix may follow an instance prefix that a GitLab administrator
// configured: "acme-glpat-…" is a [GitLabPersonal] token (the instance
// prefix is 1 to 32 letters, digits, '_' or '-', starting with a letter or
// digit). A custom personal-access-token prefix that replaces "glpat-"
// entirely cannot be recognised: such a token is [Unknown], which is never
// refused.
func Identify(secret string) Kind { return identify(secret) }

// byteseq lets the recognisers run on strings and on the byte slices Find
// scans, without converting (and so allocating).
type byteseq interface{ ~string | ~[]byte }

func identify[S byteseq](secret S) Kind {
	if k, _ := githubPrefix(secret); k != Unknown {
		return k
	}
	if k, _ := gitlabPrefix(secret); k != Unknown {
		return k
	}
	if isAzureLegacy(secret) || isAzureAnnotated(secret) {
		return AzureDevOps
	}
	if isEntraForAzureDevOps(secret) {
		return AzureDevOpsEntra
	}
	return Unknown
}

// githubPrefix returns the kind whose prefix s starts with (followed by at
// least one byte) and the prefix's length.
func githubPrefix[S byteseq](s S) (Kind, int) {
	for _, p := range githubPrefixes {
		if len(s) > len(p.prefix) && hasPrefix(s, p.prefix) {
			return p.kind, len(p.prefix)
		}
	}
	return Unknown, 0
}

// hasPrefix is strings.HasPrefix for either kind of byte sequence.
func hasPrefix[S byteseq](s S, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i] != prefix[i] {
			return false
		}
	}
	return true
}

// isAzureLegacy reports the 52-character lower-case base32 PAT format.
func isAzureLegacy[S byteseq](s S) bool {
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
func isAzureAnnotated[S byteseq](s S) bool {
	n := len(s)
	if n == 88 && hasPrefix(s[86:], "==") {
		n = 86
	} else if n != 84 {
		return false
	}
	if !hasPrefix(s[76:], "AZDO") {
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
