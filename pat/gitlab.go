package pat

import (
	"encoding/base64"
	"hash/crc32"
)

// crcIEEE is crc32.ChecksumIEEE for either kind of byte sequence, without
// converting (a conversion of more than 32 bytes allocates).
func crcIEEE[S byteseq](s S) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ crc>>8
	}
	return ^crc
}

// gitlabPrefixes are GitLab's token-type prefixes that patgit knows.
var gitlabPrefixes = [...]struct {
	prefix string
	kind   Kind
}{
	{"glpat-", GitLabPersonal},
	{"gldt-", GitLabDeploy},
	{"glcbt-", GitLabJob},
}

// maxInstancePrefix is the longest instance prefix ("acme" in
// "acme-glpat-…") that Identify recognises.
const maxInstancePrefix = 32

// gitlabPrefix returns the kind of a GitLab token and the length of its
// whole prefix (instance prefix, hyphen and type prefix), or Unknown. The
// type prefix must be followed by at least one byte.
func gitlabPrefix[S byteseq](s S) (Kind, int) {
	if k, n := gitlabTypePrefix(s); k != Unknown {
		return k, n
	}
	if len(s) == 0 || !isAlnum(s[0]) {
		return Unknown, 0
	}
	for i := 1; i <= maxInstancePrefix && i < len(s); i++ {
		c := s[i]
		if c == '-' {
			if k, n := gitlabTypePrefix(s[i+1:]); k != Unknown {
				return k, i + 1 + n
			}
			continue
		}
		if !isAlnum(c) && c != '_' {
			return Unknown, 0
		}
	}
	return Unknown, 0
}

func gitlabTypePrefix[S byteseq](s S) (Kind, int) {
	for _, p := range gitlabPrefixes {
		if len(s) > len(p.prefix) && hasPrefix(s, p.prefix) {
			return p.kind, len(p.prefix)
		}
	}
	return Unknown, 0
}

// gitlabSumLen is the length of a routable token's checksum.
const gitlabSumLen = 7

// validateGitLab checks the CRC32 of a routable GitLab token. Legacy and
// random bodies (no '.'), JWT job tokens and bodies of a shape patgit does
// not know pass: GitLab authenticates every token by lookup, and an
// administrator may have configured a prefix patgit cannot see.
func validateGitLab(kind Kind, s string) error {
	_, n := gitlabPrefix(s)
	if !isGitLabRoutable(s[n:]) {
		return nil
	}
	if !gitlabChecksumOK(s) {
		return &ChecksumError{Kind: kind, Reason: "the last 7 characters do not match the rest: it was probably mistyped, truncated or altered"}
	}
	return nil
}

// isGitLabRoutable reports whether body (a token without its prefix) has
// the shape of a routable token: B "." [VV "."] LL CCCCCCC, where B is
// URL-safe base64 and VV, LL and CCCCCCC are lower-case base 36.
func isGitLabRoutable[S byteseq](body S) bool {
	n := len(body)
	if n < 1+1+2+gitlabSumLen || body[n-10] != '.' || !isBase36(body[n-9:]) {
		return false
	}
	b := body[:n-10]
	if len(b) >= 4 && b[len(b)-3] == '.' && isBase36(b[len(b)-2:]) {
		b = b[:len(b)-3]
	}
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		if !isURLBase64(b[i]) {
			return false
		}
	}
	return true
}

func isBase36[S byteseq](s S) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func isURLBase64(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// gitlabChecksumOK reports whether the last 7 characters of s are the
// checksum of the rest. It does not allocate.
func gitlabChecksumOK[S byteseq](s S) bool {
	if len(s) <= gitlabSumLen {
		return false
	}
	sum := gitlabChecksum(s[:len(s)-gitlabSumLen])
	return hasPrefix(s[len(s)-gitlabSumLen:], string(sum[:]))
}

func gitlabChecksum[S byteseq](s S) [gitlabSumLen]byte {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	crc := crcIEEE(s)
	var out [gitlabSumLen]byte
	for i := gitlabSumLen - 1; i >= 0; i-- {
		out[i] = digits[crc%36]
		crc /= 36
	}
	return out
}

// GitLabChecksum returns the 7-character checksum that ends a routable
// GitLab token: the CRC32 (IEEE) of everything before it, prefix and dots
// included, in lower-case base 36, zero-padded. Tests use it (or
// [GitLabRoutable]) to generate tokens with a valid checksum.
func GitLabChecksum(s string) string {
	c := gitlabChecksum(s)
	return string(c[:])
}

// maxRoutingPayload is the longest routing payload GitLab encodes.
const maxRoutingPayload = 159

// GitLabRoutable returns a routable GitLab token of the current form
// (version 1), as GitLab generates it: prefix (e.g. "glpat-" or
// "acme-glpat-"), the unpadded URL-safe base64 of random ‖ routing ‖ one
// byte holding len(routing), ".01.", the length of that base64 in base 36
// (two digits), and [GitLabChecksum] of all of it. routing is GitLab's
// routing payload, e.g. "o:1\nu:2", cut to 159 bytes. Tests and fake
// servers use it to make tokens with a valid checksum; the result grants
// nothing anywhere.
func GitLabRoutable(prefix string, random [16]byte, routing string) string {
	if len(routing) > maxRoutingPayload {
		routing = routing[:maxRoutingPayload]
	}
	raw := make([]byte, 0, len(random)+len(routing)+1)
	raw = append(raw, random[:]...)
	raw = append(raw, routing...)
	raw = append(raw, byte(len(routing)))
	b := base64.RawURLEncoding.EncodeToString(raw)
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	l := len(b) // at most 236, two base-36 digits
	s := prefix + b + ".01." + string([]byte{digits[l/36], digits[l%36]})
	return s + GitLabChecksum(s)
}
