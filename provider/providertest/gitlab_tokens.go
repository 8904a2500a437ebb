package providertest

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/patgit/patgit/pat"
)

// gitlabFriendly is the alphabet of GitLab's legacy random token bodies:
// URL-safe base64 with l, I, O and 0 replaced (Devise's friendly_token).
const gitlabFriendly = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789_-"

// GitLabPersonalToken returns a synthetic, deterministic personal access
// token (also the shape of project, group and impersonation tokens) in
// GitLab's routable version-1 form, with a valid CRC32 checksum:
// "glpat-" + base64url(16 random bytes ‖ "o:1\nu:<id>" ‖ length) + ".01." +
// the length in base 36 + 7 base-36 checksum characters.
func GitLabPersonalToken(seed string) string {
	return gitlabRoutable("glpat-", seed)
}

// GitLabLegacyPersonalToken returns a synthetic personal access token in
// GitLab's older form: "glpat-" and 20 random characters, no checksum.
func GitLabLegacyPersonalToken(seed string) string {
	s := &stream{seed: "gitlab-legacy-pat\x00" + seed}
	return "glpat-" + s.pick(gitlabFriendly, 20)
}

// GitLabDeployToken returns a synthetic deploy token: "gldt-" and 20
// random characters.
func GitLabDeployToken(seed string) string {
	s := &stream{seed: "gitlab-deploy\x00" + seed}
	return "gldt-" + s.pick(gitlabFriendly, 20)
}

// GitLabJobToken returns a synthetic CI/CD job token: "glcbt-" and a
// JWT-shaped string (RS256 header, a payload with exp, a fake signature)
// that expires at exp (a zero exp: one hour after 2026-01-01).
func GitLabJobToken(seed string, exp time.Time) string {
	s := &stream{seed: "gitlab-job\x00" + seed}
	if exp.IsZero() {
		exp = time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	}
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": s.pick(alnum, 16), "typ": "JWT"})
	body, _ := json.Marshal(map[string]any{
		"iss": "gitlab.example.invalid",
		"sub": "job_" + strconv.Itoa(int(s.next())+1000),
		"jti": s.pick(alnum, 24),
		"iat": exp.Add(-time.Hour).Unix(),
		"nbf": exp.Add(-time.Hour).Unix(),
		"exp": exp.Unix(),
	})
	return "glcbt-" + enc.EncodeToString(head) + "." + enc.EncodeToString(body) + "." + s.pick(alnum+"-_", 86)
}

// GitLabOAuthToken returns a synthetic OAuth 2.0 access token: 64 lower-case
// hexadecimal characters, no prefix (GitLab documents none).
func GitLabOAuthToken(seed string) string {
	s := &stream{seed: "gitlab-oauth\x00" + seed}
	return s.pick("0123456789abcdef", 64)
}

// gitlabRoutable builds a version-1 routable token for prefix with
// [pat.GitLabRoutable], routing payload "o:1\nu:<user id>".
func gitlabRoutable(prefix, seed string) string {
	s := &stream{seed: "gitlab-routable\x00" + prefix + "\x00" + seed}
	var random [16]byte
	for i := range random {
		random[i] = s.next()
	}
	return pat.GitLabRoutable(prefix, random, "o:1\nu:"+strconv.FormatUint(uint64(s.next())+2, 36))
}
