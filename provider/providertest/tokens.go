package providertest

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"

	"github.com/patgit/patgit/pat"
)

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// stream is a deterministic byte stream derived from a seed, so generated
// tokens are the same on every run and never real.
type stream struct {
	seed  string
	block [32]byte
	n     int
	ctr   uint64
}

func (s *stream) next() byte {
	if s.n == 0 {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], s.ctr)
		s.ctr++
		s.block = sha256.Sum256(append([]byte("patgit-test-token\x00"+s.seed+"\x00"), c[:]...))
		s.n = len(s.block)
	}
	s.n--
	return s.block[s.n]
}

func (s *stream) pick(alphabet string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < n; i++ {
		b.WriteByte(alphabet[int(s.next())%len(alphabet)])
	}
	return b.String()
}

// Token returns a synthetic, deterministic secret of the given kind derived
// from seed: the same seed and kind give the same secret, different seeds
// different ones. Checksummed GitHub kinds carry a valid checksum; Azure
// DevOps tokens use the 84-character AZDO format; GitLab personal tokens the
// routable form with a valid checksum, job tokens a JWT-shaped body. Unknown gives a JWT-like
// opaque string. No generated token is valid on any real host.
func Token(kind pat.Kind, seed string) string {
	s := &stream{seed: kind.String() + "\x00" + seed}
	switch kind {
	case pat.GitHubClassic, pat.GitHubOAuth, pat.GitHubUser, pat.GitHubInstallation, pat.GitHubRefresh:
		random := s.pick(alnum, 30)
		return kind.Prefix() + random + pat.Checksum(random)
	case pat.GitHubFineGrained:
		return "github_pat_11" + s.pick(alnum, 20) + "_" + s.pick(alnum, 59)
	case pat.GitLabPersonal:
		return GitLabPersonalToken(seed)
	case pat.GitLabDeploy:
		return GitLabDeployToken(seed)
	case pat.GitLabJob:
		return GitLabJobToken(seed, time.Time{})
	case pat.AzureDevOps:
		// 52 random, "JQQJ99", date (2026-01: "CA"), 12 reserved, "AAAA", "AZDO", 4 checksum-like.
		return s.pick(alnum, 52) + "JQQJ99CA" + s.pick(alnum, 12) + "AAAAAZDO" + s.pick(alnum, 4)
	}
	return "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + s.pick(alnum, 40) + "." + s.pick(alnum, 20)
}

// LegacyAzureToken returns a synthetic 52-character legacy-format Azure
// DevOps PAT (lower-case base32) derived from seed.
func LegacyAzureToken(seed string) string {
	s := &stream{seed: "azure-legacy\x00" + seed}
	return s.pick("abcdefghijklmnopqrstuvwxyz234567", 52)
}

// LongInstallationToken returns a synthetic token in GitHub's newer, long
// installation-token form ("ghs_" + app id + "_" + a JWT-like string with
// dots), which carries no CRC checksum.
func LongInstallationToken(seed string) string {
	s := &stream{seed: "ghs-long\x00" + seed}
	return "ghs_123456_" + s.pick(alnum, 200) + "." + s.pick(alnum, 250) + "." + s.pick(alnum, 60)
}
