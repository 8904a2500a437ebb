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
	for _, s := range []string{genJWT("f", `{"exp":1e308}`), genJWT("f", `{"exp":-1,"aud":["`+azureDevOpsAppID+`"]}`), "glcbt-" + genJWT("f", `{"exp":"x"}`), "ghs_1_eyJ.eyJ.x",
		"", " ", "ghp_", "a b", "\x00", "\x7f", "é", sampleVector, " " + sampleVector + "\n", "ghp_\t1", strings.Repeat("a", 100)} {
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
		if exp := tok.ExpiresAt(); !exp.IsZero() && (exp.Unix() <= 0 || exp.Unix() > maxUnix+1) {
			t.Fatalf("ExpiresAt() = %v", exp)
		}
		if len(s) < 8 {
			return
		}
		// A fuzzed secret may be made of the redaction's own characters
		// ("\"*******"): only bytes that the same output for another token
		// of the kind does not hold count as a leak.
		ref, err := New(genToken(tok.Kind(), "fuzz-reference"))
		if err != nil {
			t.Fatal(err)
		}
		outputs := func(tok Token) []string {
			return []string{
				tok.String(), tok.GoString(), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%d", tok, tok, tok, tok, tok, tok, tok),
				fmt.Sprintf(fuzzFormat, struct{ t Token }{tok}, struct{ T Token }{tok}, struct{ t *Token }{&tok}, struct{ t Token }{tok}),
			}
		}
		refOuts := outputs(ref)
		for i, out := range outputs(tok) {
			if msg := leakBeyond(out, refOuts[i], s); msg != "" {
				t.Fatalf("%s: %q", msg, out)
			}
		}
		b, _ := json.Marshal(tok)
		rb, _ := json.Marshal(ref)
		if msg := leakBeyond(string(b), string(rb), s); msg != "" {
			t.Fatalf("JSON %s: %s", msg, b)
		}
	})
}

func FuzzIdentify(f *testing.F) {
	for _, s := range allSecrets() {
		f.Add(s.secret)
	}
	azure := genToken(AzureDevOps, "fuzz")
	for _, s := range []string{"", "ghp_", "github_pat_", "ghs_x", azure + "ab==", azure[:75] + "AZDO" + azure[79:], genLegacyAzure("f")[:51],
		"glpat-", "acme-glpat-x", "-glpat-x", "a.b-glpat-x", "eyJ.eyJ.x", genJWT("f", `{"aud":["x","`+azureDevOpsAppID+`"]}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		k := Identify(in)
		if k < Unknown || k > GitLabJob {
			t.Fatalf("Identify() = %d", k)
		}
		if p := k.Prefix(); p != "" && !strings.HasPrefix(in, p) && !(k.Provider() == "gitlab" && strings.Contains(in, "-"+p)) {
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

// leakBeyond is leak for fuzzed secrets: a piece of secret counts only when
// out holds it and ref, the same output for another token, does not. ref
// differs from out only where the pointer addresses fmt prints differ, and
// those are hexadecimal: the check skips pieces made only of hex digits and
// "x" when they appear in ref's shape.
func leakBeyond(out, ref, secret string) string {
	if strings.Contains(out, secret) && !strings.Contains(ref, secret) {
		return "output leaks the whole secret"
	}
	for i := 0; i+8 <= len(secret); i++ {
		if sub := secret[i : i+8]; strings.Contains(out, sub) && !strings.Contains(ref, sub) && !isHexish(sub) {
			return fmt.Sprintf("output leaks the secret's bytes %d..%d (%q)", i, i+8, sub)
		}
	}
	return ""
}

func isHexish(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == 'x') {
			return false
		}
	}
	return true
}
