package pat

import (
	"bytes"
	"encoding/base32"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// genAzureLegacyChecked returns a legacy 52-character Azure DevOps PAT whose
// embedded CRC32 holds (user-PAT seed).
func genAzureLegacyChecked(seed string) string {
	var data [28]byte
	copy(data[:], pick("azure-legacy-checked/"+seed, alnumChars, 28))
	var b [32]byte
	copy(b[0:2], data[0:2])
	copy(b[3:7], data[2:6])
	copy(b[9:22], data[6:19])
	copy(b[23:32], data[19:28])
	crc := crcIEEE(data[:]) ^ azureUserPatSeed
	b[22], b[8], b[7], b[2] = byte(crc), byte(crc>>8), byte(crc>>16), byte(crc>>24)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// corrupt changes one character of s, keeping its shape.
func corrupt(s string, at int) string {
	b := []byte(s)
	switch c := b[at]; {
	case c == 'a':
		b[at] = 'b'
	case c >= 'a' && c <= 'z', c >= '2' && c <= '7':
		b[at] = 'a'
	case c == 'Q':
		b[at] = 'R'
	default:
		b[at] = 'Q'
	}
	return string(b)
}

type planted struct {
	secret  string
	kind    Kind
	checked bool
}

// findable lists a token of every shape Find reports, with and without a
// valid checksum where the kind has one.
func findable(seed string) []planted {
	classic := genToken(GitHubClassic, seed)
	routable := genGitLab("glpat-", seed)
	return []planted{
		{classic, GitHubClassic, true},
		{corrupt(classic, 10), GitHubClassic, false},
		{genToken(GitHubOAuth, seed), GitHubOAuth, true},
		{genToken(GitHubUser, seed), GitHubUser, true},
		{genToken(GitHubInstallation, seed), GitHubInstallation, true},
		{corrupt(genToken(GitHubInstallation, seed), 39), GitHubInstallation, false},
		{genToken(GitHubRefresh, seed), GitHubRefresh, true},
		{"ghr_" + pick(seed, alnumChars, 72), GitHubRefresh, false},
		{genLongInstallation(seed), GitHubInstallation, false},
		{"ghs_42_" + strings.ReplaceAll(genJWT(seed, `{"exp":1}`), "-", "A"), GitHubInstallation, false},
		{genToken(GitHubFineGrained, seed), GitHubFineGrained, false},
		{routable, GitLabPersonal, true},
		{corrupt(routable, 12), GitLabPersonal, false},
		{genGitLab("acme-glpat-", seed), GitLabPersonal, true},
		{genGitLabLegacy("glpat-", seed), GitLabPersonal, false},
		{"corp-" + genGitLabLegacy("glpat-", seed), GitLabPersonal, false},
		{genGitLab("gldt-", seed), GitLabDeploy, true},
		{genGitLabLegacy("gldt-", seed), GitLabDeploy, false},
		{genGitLab("glcbt-", seed), GitLabJob, true},
		{"glcbt-64_" + pick(seed, alnumChars, 20), GitLabJob, false},
		{"glcbt-" + genJWT(seed, `{"sub":"job_1","exp":1893456000}`), GitLabJob, false},
		{genToken(AzureDevOps, seed), AzureDevOps, false},
		{genToken(AzureDevOps, seed+"long") + "Xy==", AzureDevOps, false},
		{genAzureLegacyChecked(seed), AzureDevOps, true},
		{genToken(AzureDevOpsEntra, seed), AzureDevOpsEntra, false},
	}
}

func TestFindEachKind(t *testing.T) {
	for _, p := range findable("each") {
		for _, frame := range []struct{ before, after string }{{"", ""}, {"token: ", "\n"}, {`"`, `",`}, {"(", ")"}, {"x=", "&y=1"}, {"\t", ". Next"}} {
			text := frame.before + p.secret + frame.after
			got := Find([]byte(text))
			if len(got) != 1 || got[0].Start != len(frame.before) || got[0].End != len(frame.before)+len(p.secret) ||
				got[0].Token.Kind() != p.kind || got[0].Checked != p.checked || got[0].Token.Secret() != p.secret {
				t.Errorf("Find(%q) = %s; want one %v (checked %v) at %d", text, describe(got), p.kind, p.checked, len(frame.before))
			}
		}
	}
}

func describe(ms []Match) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "[%d:%d %v checked=%v] ", m.Start, m.End, m.Token.Kind(), m.Checked)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

func TestFindRejects(t *testing.T) {
	classic := genToken(GitHubClassic, "rej")
	legacy := genAzureLegacyChecked("rej")
	azure := genToken(AzureDevOps, "rej")
	cases := map[string]string{
		"glued before":                "x" + classic,
		"glued before by underscore":  "_" + classic,
		"glued after by underscore":   classic + "_x",
		"classic too short":           classic[:39],
		"classic too long":            "ghp_" + pick("long", alnumChars, 252),
		"prefix only":                 "ghp_ gho_ github_pat_ glpat- gldt- glcbt-",
		"gitlab body too short":       "glpat-" + pick("s", alnumChars, 19),
		"gitlab body too long":        "glpat-" + pick("l", alnumChars, 301),
		"gitlab glued":                "xglpat-" + pick("g", alnumChars, 20),
		"other gitlab types":          "glft-" + pick("f", alnumChars, 20) + " glrt-" + pick("r", alnumChars, 20),
		"azure legacy bad checksum":   corrupt(legacy, 20),
		"azure legacy shape (sha256)": strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(bytes.Repeat([]byte{7}, 32))),
		"azure legacy glued":          "a" + legacy,
		"azure legacy longer":         legacy + "a",
		"azure 84 glued":              azure + "_",
		"azure 84 AZDO misplaced":     azure[:75] + "AZDO" + azure[79:],
		"azure 85":                    azure + "b",
		"JWT other audience":          genJWT("other", `{"aud":"https://graph.microsoft.com","exp":1}`),
		"JWT after a dash":            "x-" + genToken(AzureDevOpsEntra, "dash"),
		"JWT four parts":              genToken(AzureDevOpsEntra, "four") + ".x",
		"JWT empty part":              strings.Replace(genToken(AzureDevOpsEntra, "empty"), ".", "..", 1),
		"upper-case prefix":           "GHP_" + classic[4:],
		"instance prefix too long":    strings.Repeat("a", 33) + "-" + genGitLab("glpat-", "x")[0:0] + "z",
	}
	for name, text := range cases {
		if got := Find([]byte(text)); len(got) != 0 {
			t.Errorf("%s: Find(%q) = %s; want nothing", name, text, describe(got))
		}
	}
}

func TestFindAdjacentAndEdges(t *testing.T) {
	a, b := genToken(GitHubClassic, "adj-a"), genToken(GitHubOAuth, "adj-b")
	gl := genGitLab("glpat-", "adj")
	for _, tc := range []struct {
		text string
		want []string
	}{
		{a + "," + b, []string{a, b}},
		{a + "." + b, []string{a, b}},
		{a + "-" + b, []string{a, b}},
		{a + " " + b + " " + a, []string{a, b, a}},
		{gl + ";" + gl, []string{gl, gl}},
		{gl + "." + a, []string{gl, a}},
		{"prefix-" + a, []string{a}},
		{`"line\n` + a + `\t` + b + `"`, []string{a, b}},
		{"token%3D" + a + "%26x=" + gl, []string{a, gl}},
		{"%0a" + a + "%zz" + b, []string{a}},
		{a, []string{a}},
	} {
		got := Find([]byte(tc.text))
		if len(got) != len(tc.want) {
			t.Errorf("Find(%q) = %s; want %d tokens", tc.text, describe(got), len(tc.want))
			continue
		}
		for i, m := range got {
			if tc.text[m.Start:m.End] != tc.want[i] || m.Token.Secret() != tc.want[i] {
				t.Errorf("Find(%q)[%d] = %q; want %q", tc.text, i, tc.text[m.Start:m.End], tc.want[i])
			}
		}
	}
	// An instance prefix whose CRC fails, before a token whose CRC holds: the
	// word before was no instance prefix.
	text := "export-" + gl
	got := Find([]byte(text))
	if len(got) != 1 || got[0].Start != len("export-") || !got[0].Checked {
		t.Errorf("Find(%q) = %s; want the token after the word, checked", text, describe(got))
	}
}

// filler returns text that holds no token but many near misses.
func filler(r *rand.Rand, n int) string {
	words := []string{
		"the", "token", "func", "return", "err", "nil", "if", "{", "}", "//", "package", "import", "ghp", "gh_", "glpat",
		"AZDO", "eyJhbGciOiJIUzI1NiJ9", "0x7fffffff", "sha256:", "deadbeef", "github", "pat_", "gldt", "glcbt",
		"Bearer", "Basic", "dXNlcjpwYXNz", "=", "==", ":", ";", "\n", "\t", "(", ")", "\"", "'", ",", "https://example.com/a/b",
		pick("fill-a", alnumChars, 40), pick("fill-b", base32Lower, 52), pick("fill-c", alnumChars, 84),
		genJWT("fill", `{"aud":"api://other","exp":1}`), "ghp_" + pick("fill-d", alnumChars, 20), "glpat-" + pick("fill-e", alnumChars, 10),
		"ghp_" + pick("fill-f", alnumChars, 36) + "_suffix", "x" + genToken(GitHubClassic, "glued"),
	}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		seps := " \n\t,;:()[]{}\"'"
		b.WriteByte(seps[r.IntN(len(seps))])
	}
	return b.String()
}

// The planted-token corpus: generated text with tokens of every kind, with
// and without valid checksums, at the buffer's edges and next to each other,
// yields exactly the planted tokens.
func TestFindPlantedCorpus(t *testing.T) {
	seps := []string{" ", "\n", ",", ";", "\"", "'", "(", ")", "=", ": ", "\t", "|", "/", "@"}
	for round := range 20 {
		r := rand.New(rand.NewPCG(uint64(round), 1))
		var text strings.Builder
		type want struct {
			start int
			p     planted
		}
		var wants []want
		all := findable(fmt.Sprint("round", round))
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		for i, p := range all {
			switch {
			case i == 0: // at the very start
			case r.IntN(3) == 0: // right after the previous token
				text.WriteString(seps[r.IntN(len(seps))])
			default:
				text.WriteString(seps[r.IntN(len(seps))])
				text.WriteString(filler(r, r.IntN(300)))
			}
			wants = append(wants, want{text.Len(), p})
			text.WriteString(p.secret)
		}
		// The last token ends the buffer.
		got := Find([]byte(text.String()))
		if len(got) != len(wants) {
			t.Fatalf("round %d: %d matches; want %d\n%s", round, len(got), len(wants), describe(got))
		}
		for i, w := range wants {
			m := got[i]
			if m.Start != w.start || m.End != w.start+len(w.p.secret) || m.Token.Kind() != w.p.kind || m.Checked != w.p.checked {
				t.Errorf("round %d: match %d = [%d:%d %v %v]; want [%d:%d %v %v]", round, i, m.Start, m.End, m.Token.Kind(), m.Checked,
					w.start, w.start+len(w.p.secret), w.p.kind, w.p.checked)
			}
		}
	}
}

func TestFindAllocatesNothingWhenNothingFound(t *testing.T) {
	texts := map[string][]byte{
		"empty":     nil,
		"filler":    []byte(filler(rand.New(rand.NewPCG(1, 2)), 64<<10)),
		"other JWT": []byte("Authorization: Bearer " + genJWT("alloc", `{"aud":"https://graph.microsoft.com","exp":1,"pad":"`+strings.Repeat("p", 3000)+`"}`)),
		"long runs": []byte(strings.Repeat("eyJ", 10000) + " " + strings.Repeat("a.", 10000) + " " + strings.Repeat("ghs_.", 5000)),
		"near misses": []byte(strings.Join([]string{corrupt(genAzureLegacyChecked("n"), 3), "glpat-" + pick("n", alnumChars, 19),
			"acme-glpat-", genToken(AzureDevOps, "n")[:83], "github_pat_short"}, " ")),
	}
	for name, text := range texts {
		if got := Find(text); got != nil {
			t.Fatalf("%s: found %s", name, describe(got))
		}
		if n := testing.AllocsPerRun(20, func() { Find(text) }); n != 0 {
			t.Errorf("%s: %v allocations per Find; want 0", name, n)
		}
	}
}

// Find stays linear on inputs built to make a naive scanner rescan: the
// bytes its candidate checks read stay within a small multiple of the
// input (a rescanning scanner reads each run once per candidate in it).
func TestFindHostileInputsStayLinear(t *testing.T) {
	for name, unit := range map[string]string{
		"glcbt JWT starts": "glcbt-eyJa-",
		"ghs starts":       "ghs_a.",
		"instance starts":  "a-",
		"jwt dots":         "eyJa.",
		"gitlab dots":      "glpat-aaaaaaaaaaaaaaaaaaa.01.",
		"gitlab instances": "a-glpat-",
		"azure-ish":        strings.Repeat("a", 80) + "AZDO-",
		"fine-grained":     "github_pat_-",
		"dotted JWTs":      "eyJ" + strings.Repeat("a.", 3) + " ",
	} {
		for _, n := range []int{1000, 100000} {
			text := bytes.Repeat([]byte(unit), n)
			f := finder{text: text, runFrom: -1, runEnd: -1, b64From: -1, b64End: -1}
			f.find()
			if f.work > 64*len(text) {
				t.Errorf("%s ×%d: candidate checks read %d bytes of %d", name, n, f.work, len(text))
			}
		}
	}
}

func FuzzFind(f *testing.F) {
	for _, p := range findable("fuzz") {
		f.Add([]byte(p.secret))
		f.Add([]byte("a " + p.secret + "," + p.secret + "."))
	}
	f.Add([]byte(filler(rand.New(rand.NewPCG(3, 4)), 2000)))
	f.Add([]byte("acme-glpat-aaaaaaaaaaaaaaaaaaaa.01.0w0000000"))
	f.Fuzz(func(t *testing.T, text []byte) {
		ms := Find(text)
		last := 0
		for _, m := range ms {
			if m.Start < last || m.End <= m.Start || m.End > len(text) {
				t.Fatalf("bad offsets [%d:%d] after %d in %d bytes", m.Start, m.End, last, len(text))
			}
			last = m.End
			s := string(text[m.Start:m.End])
			if m.Token.Secret() != s {
				t.Fatalf("Token %q != text %q", m.Token.Secret(), s)
			}
			if k := Identify(s); k != m.Token.Kind() || k == Unknown {
				t.Fatalf("Identify(%q) = %v; match says %v", s, k, m.Token.Kind())
			}
			if m.Checked && m.Token.Validate() != nil {
				t.Fatalf("checked match %q fails Validate: %v", s, m.Token.Validate())
			}
		}
	})
}

// scannerRegexp is what a regexp-based scanner would run for the same shapes.
var scannerRegexp = regexp.MustCompile(`\b(?:` +
	`(?:ghp|gho|ghu|ghr)_[A-Za-z0-9]{36,251}|ghs_[A-Za-z0-9._]{36,}|github_pat_[A-Za-z0-9_]{36,244}|` +
	`(?:[A-Za-z0-9][A-Za-z0-9_-]{0,31}-)?(?:glpat|gldt|glcbt)-[A-Za-z0-9_-]{20,300}(?:\.(?:[0-9a-z]{2}\.)?[0-9a-z]{9})?|` +
	`[A-Za-z0-9]{84}(?:[A-Za-z0-9]{2}==)?|[a-z2-7]{52}|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+` +
	`)\b`)

func benchCorpus() []byte {
	r := rand.New(rand.NewPCG(9, 9))
	var b strings.Builder
	for b.Len() < 1<<20 {
		b.WriteString(filler(r, 16<<10))
		for _, p := range findable(fmt.Sprint(b.Len()))[:3] {
			b.WriteString(" " + p.secret + " ")
		}
	}
	return []byte(b.String())
}

func BenchmarkFind(b *testing.B) {
	corpus := benchCorpus()
	clean := []byte(filler(rand.New(rand.NewPCG(5, 5)), 1<<20))
	b.Run("pat.Find/tokens", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		b.ReportAllocs()
		for b.Loop() {
			Find(corpus)
		}
	})
	b.Run("regexp/tokens", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		b.ReportAllocs()
		for b.Loop() {
			scannerRegexp.FindAllIndex(corpus, -1)
		}
	})
	b.Run("pat.Find/clean", func(b *testing.B) {
		b.SetBytes(int64(len(clean)))
		b.ReportAllocs()
		for b.Loop() {
			Find(clean)
		}
	})
	b.Run("regexp/clean", func(b *testing.B) {
		b.SetBytes(int64(len(clean)))
		b.ReportAllocs()
		for b.Loop() {
			scannerRegexp.FindAllIndex(clean, -1)
		}
	})
}
