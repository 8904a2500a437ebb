package providertest

import (
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"strconv"
	"strings"
	"time"
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

// gitlabRoutable builds a version-1 routable token for prefix.
func gitlabRoutable(prefix, seed string) string {
	s := &stream{seed: "gitlab-routable\x00" + prefix + "\x00" + seed}
	payload := "o:1\nu:" + strconv.FormatUint(uint64(s.next())+2, 36)
	raw := make([]byte, 0, 16+len(payload)+1)
	for i := 0; i < 16; i++ {
		raw = append(raw, s.next())
	}
	raw = append(raw, payload...)
	raw = append(raw, byte(len(payload)))
	b := base64.RawURLEncoding.EncodeToString(raw)
	body := prefix + b + ".01." + base36Pad(uint64(len(b)), 2)
	return body + base36Pad(uint64(crc32.ChecksumIEEE([]byte(body))), 7)
}

func base36Pad(n uint64, width int) string {
	s := strconv.FormatUint(n, 36)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
