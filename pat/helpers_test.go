package pat

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"
)

const (
	alnumChars  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	base32Lower = "abcdefghijklmnopqrstuvwxyz234567"
)

// The public sample token from GitHub's token-format write-ups, whose
// checksum has a leading zero. It is held in two halves so that secret
// scanners do not flag this file; it grants nothing.
const (
	sampleHead   = "ghp_zQWBuTSOoRi4A9spHcVY"
	sampleTail   = "5ncnsDkxkJ0mLq17"
	sampleVector = sampleHead + sampleTail
)

// pick returns n characters of alphabet derived deterministically from seed.
func pick(seed, alphabet string, n int) string {
	var b strings.Builder
	var block [32]byte
	used := len(block)
	for ctr := uint64(0); b.Len() < n; {
		if used == len(block) {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], ctr)
			ctr++
			block = sha256.Sum256(append([]byte("pat-test\x00"+seed+"\x00"), c[:]...))
			used = 0
		}
		b.WriteByte(alphabet[int(block[used])%len(alphabet)])
		used++
	}
	return b.String()
}

// genToken returns a synthetic secret of kind (valid checksum where the
// kind has one); no generated token is valid anywhere.
func genToken(kind Kind, seed string) string {
	seed = kind.String() + "/" + seed
	switch kind {
	case GitHubClassic, GitHubOAuth, GitHubUser, GitHubInstallation, GitHubRefresh:
		r := pick(seed, alnumChars, 30)
		return kind.Prefix() + r + Checksum(r)
	case GitHubFineGrained:
		return "github_pat_11" + pick(seed+"a", alnumChars, 20) + "_" + pick(seed+"b", alnumChars, 59)
	case AzureDevOps:
		return pick(seed+"a", alnumChars, 52) + "JQQJ99CA" + pick(seed+"b", alnumChars, 12) + "AAAAAZDO" + pick(seed+"c", alnumChars, 4)
	case AzureDevOpsEntra:
		return genJWT(seed, `{"aud":"`+azureDevOpsAppID+`","iss":"https://sts.windows.net/72f988bf-0000-0000-0000-000000000000/","exp":1893456000}`)
	case GitLabPersonal, GitLabDeploy, GitLabJob:
		return genGitLab(kind.Prefix(), seed)
	}
	return "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + pick(seed+"a", alnumChars, 40) + "." + pick(seed+"b", alnumChars, 20)
}

// genJWT returns a JWT-shaped secret with the given payload and a made-up
// signature (an RS256 header, so it looks like what hosts issue).
func genJWT(seed, payload string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + pick("sig/"+seed, alnumChars+"-_", 86)
}

// genGitLab returns a routable GitLab token with a valid checksum.
func genGitLab(prefix, seed string) string {
	var r [16]byte
	copy(r[:], pick(prefix+seed, alnumChars, 16))
	return GitLabRoutable(prefix, r, "o:1\nu:"+pick(seed, "0123456789abcdefghijklmnopqrstuvwxyz", 3))
}

// genGitLabLegacy returns a legacy GitLab token: prefix and 20 characters.
func genGitLabLegacy(prefix, seed string) string {
	return prefix + pick("gitlab-legacy/"+seed, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789_-", 20)
}

func genLegacyAzure(seed string) string { return pick("azure-legacy/"+seed, base32Lower, 52) }

func genLongInstallation(seed string) string {
	return "ghs_123456_" + pick(seed+"a", alnumChars, 200) + "." + pick(seed+"b", alnumChars, 250) + "." + pick(seed+"c", alnumChars, 60)
}

// allKinds lists every recognised kind with a generated secret.
func allSecrets() []struct {
	name   string
	secret string
	kind   Kind
} {
	return []struct {
		name   string
		secret string
		kind   Kind
	}{
		{"classic", genToken(GitHubClassic, "x"), GitHubClassic},
		{"fine-grained", genToken(GitHubFineGrained, "x"), GitHubFineGrained},
		{"oauth", genToken(GitHubOAuth, "x"), GitHubOAuth},
		{"user", genToken(GitHubUser, "x"), GitHubUser},
		{"installation", genToken(GitHubInstallation, "x"), GitHubInstallation},
		{"installation-long", genLongInstallation("x"), GitHubInstallation},
		{"refresh", genToken(GitHubRefresh, "x"), GitHubRefresh},
		{"azure-84", genToken(AzureDevOps, "x"), AzureDevOps},
		{"azure-legacy", genLegacyAzure("x"), AzureDevOps},
		{"azure-entra", genToken(AzureDevOpsEntra, "x"), AzureDevOpsEntra},
		{"gitlab-personal", genToken(GitLabPersonal, "x"), GitLabPersonal},
		{"gitlab-personal-legacy", genGitLabLegacy("glpat-", "x"), GitLabPersonal},
		{"gitlab-deploy", genToken(GitLabDeploy, "x"), GitLabDeploy},
		{"gitlab-job", genToken(GitLabJob, "x"), GitLabJob},
		{"gitlab-job-jwt", "glcbt-" + genJWT("x", `{"sub":"job_1","exp":1893456000}`), GitLabJob},
		{"unknown-jwt", genToken(Unknown, "x"), Unknown},
	}
}

// assertNoLeak fails when out holds secret or any 8-character piece of it
// that is not wholly inside the kind's public prefix.
func assertNoLeak(t testing.TB, out, secret string) {
	t.Helper()
	if msg := leak(out, secret); msg != "" {
		t.Fatalf("%s: %q", msg, out)
	}
}

// leak says how out leaks secret, or "" when it does not.
func leak(out, secret string) string {
	if secret != "" && strings.Contains(out, secret) {
		return "output leaks the whole secret"
	}
	prefix := len(Identify(secret).Prefix())
	for i := 0; i+8 <= len(secret); i++ {
		if i+8 <= prefix {
			continue
		}
		if sub := secret[i : i+8]; strings.Contains(out, sub) {
			return fmt.Sprintf("output leaks the secret's bytes %d..%d (%q)", i, i+8, sub)
		}
	}
	return ""
}

func mustNew(t testing.TB, secret string) Token {
	t.Helper()
	tok, err := New(secret)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tok
}

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }
