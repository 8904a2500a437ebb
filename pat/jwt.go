package pat

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// maxJWTPayload is the longest JWT payload segment (encoded) patgit reads
// for a claim. Entra ID and GitLab job tokens are far shorter; a longer one
// is treated as carrying no claims patgit knows.
const maxJWTPayload = 8 << 10

// azureDevOpsAppID is the Entra ID application (resource) ID of Azure DevOps.
const azureDevOpsAppID = "499b84ac-1321-427f-aa17-267ca6975798"

// azureDevOpsResourceURI is Azure DevOps' resource URI, the audience of
// tokens requested for it instead of the application ID.
const azureDevOpsResourceURI = "https://app.vssps.visualstudio.com"

// jwtPayload returns the payload segment of s when s has the shape of a
// signed JWT in compact form: three non-empty URL-safe base64 segments
// joined by '.', the first one the encoding of a JSON object ("eyJ").
func jwtPayload[S byteseq](s S) (S, bool) {
	var none S
	if !hasPrefix(s, "eyJ") {
		return none, false
	}
	dot1, dot2 := -1, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isURLBase64(c):
		case c == '.' && dot1 < 0:
			dot1 = i
		case c == '.' && dot2 < 0:
			dot2 = i
		default:
			return none, false
		}
	}
	if dot2 < 0 || dot2 == dot1+1 || dot2 == len(s)-1 {
		return none, false
	}
	return s[dot1+1 : dot2], true
}

// decodePayload decodes a JWT payload segment (unpadded URL-safe base64)
// into buf, which must hold maxJWTPayload*3/4 bytes. It does not allocate.
func decodePayload[S byteseq](seg S, buf []byte) ([]byte, bool) {
	if len(seg) > maxJWTPayload || len(seg)%4 == 1 {
		return nil, false
	}
	var acc uint32
	bits, n := 0, 0
	for i := 0; i < len(seg); i++ {
		v := b64URLValue(seg[i])
		if v < 0 {
			return nil, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			buf[n] = byte(acc >> bits)
			n++
		}
	}
	return buf[:n], true
}

func b64URLValue(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// isEntraForAzureDevOps reports whether s is a JWT whose "aud" claim names
// Azure DevOps. The signature is not verified: the answer classifies the
// token, it proves nothing. Only a payload that holds one of the audience
// strings is parsed, so other JWTs cost no allocation.
func isEntraForAzureDevOps[S byteseq](s S) bool {
	seg, ok := jwtPayload(s)
	if !ok {
		return false
	}
	var buf [maxJWTPayload * 3 / 4]byte
	p, ok := decodePayload(seg, buf[:])
	if !ok || !bytes.Contains(p, []byte(azureDevOpsAppID)) && !bytes.Contains(p, []byte("app.vssps.visualstudio.com")) {
		return false
	}
	var claims struct {
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(bytes.Clone(p), &claims) != nil || len(claims.Aud) == 0 {
		return false
	}
	var one string
	if json.Unmarshal(claims.Aud, &one) == nil {
		return isAzureDevOpsAudience(one)
	}
	var many []string
	if json.Unmarshal(claims.Aud, &many) == nil {
		for _, a := range many {
			if isAzureDevOpsAudience(a) {
				return true
			}
		}
	}
	return false
}

func isAzureDevOpsAudience(a string) bool {
	return strings.EqualFold(a, azureDevOpsAppID) || strings.EqualFold(strings.TrimSuffix(a, "/"), azureDevOpsResourceURI)
}

// jwtOf returns the part of secret that is a JWT for the kinds that carry
// one: the whole secret (Entra ID and unknown tokens, e.g. a pipeline's
// SYSTEM_ACCESSTOKEN), a GitLab job token after its prefix, a long GitHub
// installation token after "ghs_" and its numeric app ID.
func jwtOf(kind Kind, secret string) string {
	switch kind {
	case AzureDevOpsEntra, Unknown:
		return secret
	case GitLabJob:
		_, n := gitlabPrefix(secret)
		return secret[n:]
	case GitHubInstallation:
		if len(secret) <= classicLen {
			return ""
		}
		rest := secret[len("ghs_"):]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i > 0 && i < len(rest) && rest[i] == '_' {
			return rest[i+1:]
		}
		return rest
	}
	return ""
}

// maxUnix is the last second of the year 9999: a later "exp" is treated as
// no expiry.
const maxUnix = 253402300799

// jwtExpiry returns the time in the "exp" claim of the JWT in secret, or the
// zero time when there is none or it is unusable. Nothing is verified.
func jwtExpiry(kind Kind, secret string) time.Time {
	seg, ok := jwtPayload(jwtOf(kind, secret))
	if !ok {
		return time.Time{}
	}
	var buf [maxJWTPayload * 3 / 4]byte
	p, ok := decodePayload(seg, buf[:])
	if !ok || !bytes.Contains(p, []byte(`"exp"`)) {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(bytes.Clone(p), &claims) != nil {
		return time.Time{}
	}
	f, err := claims.Exp.Float64()
	if err != nil || math.IsNaN(f) || f <= 0 || f > maxUnix {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}
