package pat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// fuzzFormat is a variable so that vet lets %s meet a struct: fmt's
// bad-verb path is one of those under test.
var fuzzFormat = "%v|%+v|%#v|%s"

func FuzzNew(f *testing.F) {
	for _, s := range allSecrets() {
		f.Add(s.secret)
	}
	for _, s := range []string{"", " ", "ghp_", "a b", "\x00", "\x7f", "é", sampleVector, " " + sampleVector + "\n", "ghp_\t1", strings.Repeat("a", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := New(in)
		if err != nil {
			if !tok.IsZero() {
				t.Fatal("non-zero Token with an error")
			}
			if s := strings.TrimSpace(in); len(s) >= 8 {
				assertNoLeak(t, err.Error(), s)
			}
			return
		}
		s := tok.Secret()
		if s == "" || s != strings.TrimSpace(in) {
			t.Fatalf("Secret() = %q for input %q", s, in)
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c >= 0x7f {
				t.Fatalf("accepted byte %#x at %d", c, i)
			}
		}
		_ = tok.Validate()
		if len(s) < 8 {
			return
		}
		for _, out := range []string{
			tok.String(), tok.GoString(), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%d", tok, tok, tok, tok, tok, tok, tok),
			fmt.Sprintf(fuzzFormat, struct{ t Token }{tok}, struct{ T Token }{tok}, struct{ t *Token }{&tok}, struct{ t Token }{tok}),
		} {
			if s := leak(out, s); s != "" && !strings.Contains(tok.Redacted(), s) {
				t.Fatalf("%s: %q", s, out)
			}
		}
		b, _ := json.Marshal(tok)
		assertNoLeakUnlessPrefix(t, string(b), tok)
	})
}

// assertNoLeakUnlessPrefix is assertNoLeak for fuzzed secrets, which may be
// made only of their prefix and mask-like characters.
func assertNoLeakUnlessPrefix(t *testing.T, out string, tok Token) {
	t.Helper()
	s := tok.Secret()
	if strings.Contains(s, "*") || strings.Contains(s, "\"") {
		return
	}
	assertNoLeak(t, out, s)
}

func FuzzIdentify(f *testing.F) {
	for _, s := range allSecrets() {
		f.Add(s.secret)
	}
	azure := genToken(AzureDevOps, "fuzz")
	for _, s := range []string{"", "ghp_", "github_pat_", "ghs_x", azure + "ab==", azure[:75] + "AZDO" + azure[79:], genLegacyAzure("f")[:51]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		k := Identify(in)
		if k < Unknown || k > AzureDevOps {
			t.Fatalf("Identify() = %d", k)
		}
		if p := k.Prefix(); p != "" && !strings.HasPrefix(in, p) {
			t.Fatalf("Identify(%q) = %v without its prefix", in, k)
		}
		if tok, err := New(in); err == nil && tok.Secret() == in && tok.Kind() != k {
			t.Fatalf("New(%q).Kind() = %v; Identify = %v", in, tok.Kind(), k)
		}
	})
}

func FuzzReadCredential(f *testing.F) {
	secret := genToken(GitHubClassic, "fuzzcred")
	for _, s := range []string{
		"",
		"\n",
		"protocol=https\nhost=github.com\nusername=bob\npassword=" + secret + "\n",
		"capability[]=authtype\ncapability[]=state\nwwwauth[]=Basic realm=\"x\"\n\nhost=after\n",
		"url=https://bob@dev.azure.com/org/_git/r\n",
		"host=a\nhost=b\n",
		"password=a b\n",
		"garbage\n",
		"=x\n",
		"host=a\r\n",
		"host=\x00\n",
		"password_expiry_utc=1\noauth_refresh_token=" + secret + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ReadCredential(strings.NewReader(in))
		if err != nil {
			return
		}
		_ = c.String()
		var buf bytes.Buffer
		if err := WriteCredential(&buf, c); err != nil {
			t.Fatalf("WriteCredential of what ReadCredential accepted: %v", err)
		}
		back, err := ReadCredential(&buf)
		if err != nil {
			t.Fatalf("ReadCredential of what WriteCredential wrote: %v", err)
		}
		if !credEqual(c, back) {
			t.Fatalf("round trip changed the credential: %v -> %v", c, back)
		}
	})
}
