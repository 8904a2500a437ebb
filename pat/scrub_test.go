package pat

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestScrubEncodings(t *testing.T) {
	sec := "ghp_" + strings.Repeat("A1b2C3", 5) + Checksum(strings.Repeat("A1b2C3", 5))
	tok, err := New(sec)
	if err != nil {
		t.Fatal(err)
	}
	var pct strings.Builder
	for i := 0; i < len(sec); i++ {
		pct.WriteString("%" + strings.ToUpper(hex2(sec[i])))
	}
	cases := map[string]string{
		"raw":            "token " + sec + " echoed",
		"percent all":    "u=" + pct.String(),
		"percent lower":  "u=" + strings.ToLower(pct.String()),
		"query escaped":  url.QueryEscape("x:" + sec),
		"adjacent twice": sec + sec,
	}
	for prefixLen := range 7 {
		user := strings.Repeat("u", prefixLen) + ":"
		for name, enc := range map[string]*base64.Encoding{"std": base64.StdEncoding, "raw-std": base64.RawStdEncoding, "url": base64.URLEncoding, "raw-url": base64.RawURLEncoding} {
			cases["basic "+name+" "+user] = "Authorization: Basic " + enc.EncodeToString([]byte(user+sec)) + " end"
			cases["suffix "+name+" "+user] = "x " + enc.EncodeToString([]byte(user+sec+"@host")) + " end"
		}
	}
	for name, text := range cases {
		got := tok.Scrub(text)
		if leaked(got, sec) {
			t.Errorf("%s: Scrub(%q) = %q still holds the secret", name, text, got)
		}
		if !strings.Contains(got, mask) {
			t.Errorf("%s: Scrub(%q) = %q has no mask", name, text, got)
		}
	}
	if got := tok.Scrub("nothing here"); got != "nothing here" {
		t.Errorf("clean text changed: %q", got)
	}
	if got := (Token{}).Scrub("text"); got != "text" {
		t.Errorf("zero token changed text: %q", got)
	}
}

func hex2(c byte) string {
	return strings.ToUpper(string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15]))
}

// leaked reports whether text holds sec raw or any 12-byte piece of its base64.
func leaked(text, sec string) bool {
	if strings.Contains(text, sec) {
		return true
	}
	for align := range 3 {
		b := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(":", align) + sec))
		if len(b) > 20 && strings.Contains(text, b[4:16]) {
			return true
		}
	}
	return false
}

func TestSanitize(t *testing.T) {
	tok, _ := New("glpat-0123456789abcdefghij")
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"two\nlines\r\nhere", "two lines here"},
		{"esc \x1b[31mred\x1b[0m", "esc [31mred[0m"},
		{"bidi \u202eevil", "bidi evil"},
		{"tok glpat-0123456789abcdefghij end", "tok " + tok.Redacted() + " end"},
		{"split glpat-01234\x00\x1b56789abcdefghij!", "split " + tok.Redacted() + "!"},
		{"bad utf8 \xff\xfe x", "bad utf8 x"},
	}
	for _, c := range cases {
		if got := Sanitize(c.in, 0, tok); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := strings.Repeat("é", 100)
	got := Sanitize(long, 11)
	if len(got) > 11 || !strings.HasSuffix(got, "…") {
		t.Errorf("Sanitize cut = %q (%d bytes)", got, len(got))
	}
	// A secret straddling the cut is scrubbed before the cut.
	got = Sanitize(strings.Repeat("x", 20)+tok.Secret(), 30, tok)
	if strings.Contains(got, "glpat-0123") {
		t.Errorf("partial secret survived the cut: %q", got)
	}
}

// encodings returns the secret sec written in every way Scrub must catch,
// keyed by a description.
func encodings(sec string, r *rand.Rand) map[string]string {
	out := map[string]string{
		"raw":             sec,
		"hex":             hex.EncodeToString([]byte(sec)),
		"HEX":             strings.ToUpper(hex.EncodeToString([]byte(sec))),
		"percent all":     percentSome(sec, func(int) bool { return true }, true),
		"percent all low": percentSome(sec, func(int) bool { return true }, false),
		"percent twice":   strings.ReplaceAll(percentSome(sec, func(int) bool { return true }, true), "%", "%25"),
		"json unicode":    jsonUnicode(sec),
		"query escaped":   url.QueryEscape(sec),
		"path escaped":    url.PathEscape(sec),
	}
	for i := range 8 {
		out[fmt.Sprint("percent random subset ", i)] = percentSome(sec, func(int) bool { return r.IntN(2) == 0 }, i%2 == 0)
	}
	for n := range 7 {
		user := strings.Repeat("u", n) + ":"
		for name, enc := range map[string]*base64.Encoding{"std": base64.StdEncoding, "raw-std": base64.RawStdEncoding, "url": base64.URLEncoding, "raw-url": base64.RawURLEncoding} {
			b := enc.EncodeToString([]byte(user + sec))
			out[fmt.Sprintf("base64 %s user %d", name, n)] = b
			out[fmt.Sprintf("base64 %s user %d with suffix", name, n)] = enc.EncodeToString([]byte(user + sec + "@host"))
			out[fmt.Sprintf("base64 %s user %d query-escaped", name, n)] = url.QueryEscape(b)
			out[fmt.Sprintf("base64 %s user %d json slashes", name, n)] = strings.ReplaceAll(b, "/", `\/`)
		}
	}
	return out
}

func percentSome(s string, pick func(int) bool, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if pick(i) {
			h := fmt.Sprintf("%%%02x", s[i])
			if upper {
				h = strings.ToUpper(h)
			}
			b.WriteString(h)
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func jsonUnicode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i%3 == 0 {
			fmt.Fprintf(&b, `\u%04x`, s[i])
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Every kind's secret, in every encoding, alone, framed, next to itself and
// next to another encoding, is gone after Scrub.
func TestScrubEveryEncodingEveryKind(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, s := range allSecrets() {
		tok := mustNew(t, s.secret)
		encs := encodings(s.secret, r)
		for name, enc := range encs {
			for _, text := range []string{
				enc,
				"error: " + enc + "\n",
				`{"message":"` + enc + `"}`,
				enc + enc,
				enc + "," + encs["raw"] + " " + encs["base64 std user 3"],
			} {
				got := tok.Scrub(text)
				if msg := scrubLeak(got, s.secret); msg != "" {
					t.Errorf("%s, %s: %s: Scrub(%q) = %q", s.name, name, msg, text, got)
				}
				if !strings.Contains(got, mask) {
					t.Errorf("%s, %s: no mask in %q", s.name, name, got)
				}
			}
		}
	}
}

// scrubLeak reports any piece of sec, raw or in one of its encodings, that
// is left in out.
func scrubLeak(out, sec string) string {
	if msg := leak(out, sec); msg != "" {
		return msg
	}
	if strings.Contains(out, hex.EncodeToString([]byte(sec))[2:18]) {
		return "hex leaked"
	}
	for align := range 3 {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			b := enc.EncodeToString([]byte(strings.Repeat(":", align) + sec))
			if len(b) > 20 && strings.Contains(out, b[4:16]) {
				return "base64 leaked"
			}
		}
	}
	return ""
}

// Text without the secret is returned as it was, whatever it holds.
func TestScrubLeavesOtherTextAlone(t *testing.T) {
	tok := mustNew(t, genToken(GitHubClassic, "alone"))
	other := genToken(GitHubClassic, "other")
	for _, text := range []string{
		"",
		"plain text",
		"100% sure, 50%% off, %zz, %4, trailing %",
		`C:\path\u00zz \/ \u0041`,
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("x:"+other)),
		other,
		strings.Repeat("%41", 1000),
		hex.EncodeToString([]byte(other)),
	} {
		if got := tok.Scrub(text); got != text {
			t.Errorf("Scrub(%q) = %q; want it unchanged", text, got)
		}
	}
}

// A short secret is scrubbed raw and percent-encoded, but its base64 (a
// few characters any text may hold) is not searched.
func TestScrubShortSecret(t *testing.T) {
	tok := mustNew(t, "abc")
	if got := tok.Scrub("x abc %61bc y"); got != "x "+mask+" "+mask+" y" {
		t.Errorf("short secret: %q", got)
	}
	if text := "YWJj is base64 of it; 616263 its hex"; tok.Scrub(text) != text {
		t.Errorf("short secret's encodings masked: %q", tok.Scrub(text))
	}
}

// Huge and hostile inputs: many partial matches, many full ones, one
// endless base64 run holding the secret many times.
func TestScrubHugeInputs(t *testing.T) {
	long := genToken(AzureDevOpsEntra, "huge")
	tok := mustNew(t, long)
	b64 := base64.StdEncoding.EncodeToString([]byte(":" + long))
	cases := map[string]string{
		"near misses":    strings.Repeat(long[:len(long)-1]+"!", 2000),
		"many matches":   strings.Repeat(long+" ", 2000),
		"one base64 run": strings.Repeat(strings.TrimRight(b64, "="), 500),
		"percent":        strings.Repeat(percentSome(long, func(i int) bool { return i%2 == 0 }, true)+"%", 500),
	}
	for name, text := range cases {
		got := tok.Scrub(text)
		if name == "near misses" {
			if got != text {
				t.Errorf("%s: text changed", name)
			}
			continue
		}
		if msg := scrubLeak(got, long); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
}

func BenchmarkScrub(b *testing.B) {
	long := genToken(AzureDevOpsEntra, "bench")
	tok := mustNew(b, long)
	for _, size := range []int{1 << 20, 8 << 20} {
		texts := map[string]string{
			"clean":       strings.Repeat("remote: counting objects 100% done, ok\n", size/40),
			"near misses": strings.Repeat(long[:len(long)-1]+"!", size/len(long)),
			"echoes":      strings.Repeat("auth "+base64.StdEncoding.EncodeToString([]byte("x:"+long))+" "+long+"\n", size/(len(long)*2+10)),
		}
		for name, text := range texts {
			b.Run(fmt.Sprintf("%s/%dMiB", name, size>>20), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					tok.Scrub(text)
				}
			})
		}
	}
}

// FuzzScrub surrounds an encoded secret with fuzzed text: whatever is
// around it, no piece of the secret survives.
func FuzzScrub(f *testing.F) {
	f.Add("Authorization: Basic ", " end", uint8(0), uint8(3))
	f.Add("%", "%2", uint8(5), uint8(0))
	f.Add(`{"m":"\`, `\u00"}`, uint8(9), uint8(1))
	f.Add("", "", uint8(200), uint8(6))
	secrets := []string{genToken(GitHubClassic, "fuzz-scrub"), genToken(AzureDevOpsEntra, "fuzz-scrub"), genToken(GitLabPersonal, "fuzz-scrub")}
	f.Fuzz(func(t *testing.T, before, after string, mode, user uint8) {
		sec := secrets[int(mode)%len(secrets)]
		tok := mustNew(t, sec)
		encs := encodings(sec, rand.New(rand.NewPCG(uint64(mode), uint64(user))))
		names := make([]string, 0, len(encs))
		for name := range encs {
			names = append(names, name)
		}
		slices.Sort(names)
		enc := encs[names[int(mode)*7%len(names)]]
		got := tok.Scrub(before + enc + after)
		if msg := scrubLeak(got, sec); msg != "" && scrubLeak(before+after, sec) == "" {
			t.Fatalf("%s: Scrub(%q) = %q", msg, before+enc+after, got)
		}
	})
}
