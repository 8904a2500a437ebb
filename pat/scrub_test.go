package pat

import (
	"encoding/base64"
	"net/url"
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
