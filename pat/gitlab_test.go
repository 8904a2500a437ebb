package pat

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// The existing kinds keep their numbers: the new ones are appended.
func TestKindNumbersStable(t *testing.T) {
	want := []Kind{Unknown, GitHubClassic, GitHubFineGrained, GitHubOAuth, GitHubUser, GitHubInstallation, GitHubRefresh, AzureDevOps,
		AzureDevOpsEntra, GitLabPersonal, GitLabDeploy, GitLabJob}
	for i, k := range want {
		if int(k) != i {
			t.Errorf("%v = %d; want %d", k, int(k), i)
		}
	}
}

func TestIdentifyGitLabAndEntra(t *testing.T) {
	routable := genGitLab("glpat-", "id")
	cases := []struct {
		name string
		in   string
		want Kind
	}{
		{"personal routable", routable, GitLabPersonal},
		{"personal legacy 20", genGitLabLegacy("glpat-", "id"), GitLabPersonal},
		{"personal any body", "glpat-x", GitLabPersonal},
		{"deploy routable", genGitLab("gldt-", "id"), GitLabDeploy},
		{"deploy legacy", genGitLabLegacy("gldt-", "id"), GitLabDeploy},
		{"job routable", genGitLab("glcbt-", "id"), GitLabJob},
		{"job random with partition", "glcbt-64_" + pick("job", alnumChars, 20), GitLabJob},
		{"job JWT", "glcbt-" + genJWT("id", `{"exp":1893456000}`), GitLabJob},
		{"instance prefix personal", "acme-" + routable, GitLabPersonal},
		{"instance prefix with hyphen", "acme-corp-" + routable, GitLabPersonal},
		{"instance prefix deploy", "my_co-" + genGitLab("gldt-", "id"), GitLabDeploy},
		{"instance prefix 32", strings.Repeat("a", 32) + "-glcbt-x", GitLabJob},
		{"instance prefix 33", strings.Repeat("a", 33) + "-glcbt-x", Unknown},
		{"instance prefix starting with hyphen", "-glpat-x", Unknown},
		{"instance prefix with dot", "a.b-glpat-x", Unknown},
		{"prefix only", "glpat-", Unknown},
		{"instance and prefix only", "acme-glpat-", Unknown},
		{"other GitLab type (feed)", "glft-" + pick("f", alnumChars, 20), Unknown},
		{"upper-case prefix", "GLPAT-" + pick("u", alnumChars, 20), Unknown},
		{"entra GUID audience", genToken(AzureDevOpsEntra, "id"), AzureDevOpsEntra},
		{"entra resource URI audience", genJWT("uri", `{"aud":"https://app.vssps.visualstudio.com/","exp":1}`), AzureDevOpsEntra},
		{"entra audience array", genJWT("arr", `{"aud":["api://other","`+azureDevOpsAppID+`"]}`), AzureDevOpsEntra},
		{"entra upper-case GUID", genJWT("up", `{"aud":"`+strings.ToUpper(azureDevOpsAppID)+`"}`), Unknown}, // the prefilter is exact: Entra writes lower case
		{"JWT for another audience", genJWT("graph", `{"aud":"https://graph.microsoft.com","exp":1}`), Unknown},
		{"JWT naming the GUID elsewhere", genJWT("elsewhere", `{"aud":"x","appid":"`+azureDevOpsAppID+`"}`), Unknown},
		{"JWT with nested aud only", genJWT("nested", `{"x":{"aud":"`+azureDevOpsAppID+`"}}`), Unknown},
		{"JWT payload not JSON", "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(azureDevOpsAppID)) + ".sig", Unknown},
		{"JWT payload not base64", "eyJhbGciOiJub25lIn0.!!!.sig", Unknown},
		{"JWT without signature", strings.TrimRight(genToken(AzureDevOpsEntra, "nosig"), alnumChars+"-_"), Unknown},
		{"JWE (five parts)", genToken(AzureDevOpsEntra, "jwe") + ".a.b", Unknown},
		{"JWT payload too long", genJWT("long", `{"aud":"`+azureDevOpsAppID+`","pad":"`+strings.Repeat("x", maxJWTPayload)+`"}`), Unknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Identify(tc.in); got != tc.want {
				t.Errorf("Identify(%q) = %v; want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestGitLabRoutable(t *testing.T) {
	var r [16]byte
	for i := range r {
		r[i] = byte(i * 17)
	}
	tok := GitLabRoutable("glpat-", r, "o:1\nu:2")
	// The reference shape: payload "o:1\nu:2" gives a 51-character token.
	if len(tok) != 51 || !strings.HasPrefix(tok, "glpat-") || tok[38:42] != ".01." || tok[42:44] != "0w" {
		t.Fatalf("GitLabRoutable = %q (%d chars)", tok, len(tok))
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok[6:38])
	if err != nil || string(raw[:16]) != string(r[:]) || string(raw[16:len(raw)-1]) != "o:1\nu:2" || raw[len(raw)-1] != 7 {
		t.Fatalf("body decodes to %q, %v", raw, err)
	}
	if sum := GitLabChecksum(tok[:44]); sum != tok[44:] || len(sum) != 7 {
		t.Fatalf("GitLabChecksum = %q; token ends %q", sum, tok[44:])
	}
	if got := GitLabChecksum(""); got != "0000000" {
		t.Errorf(`GitLabChecksum("") = %q`, got)
	}
	// CRC32 of 0xffffffff is "1z141z3" in base 36: seven digits always suffice.
	if long := GitLabRoutable("x-gldt-", r, strings.Repeat("k", 500)); Identify(long) != GitLabDeploy || mustNew(t, long).Validate() != nil {
		t.Errorf("long routing payload: %q", long)
	}
}

func TestValidateGitLab(t *testing.T) {
	routable := genGitLab("glpat-", "val")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	var r [16]byte
	unversioned := "glpat-" + base64.RawURLEncoding.EncodeToString(append([]byte("o:1\nu:2"), append(r[:], 16)...)) + ".0w"
	unversioned += GitLabChecksum(unversioned)
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"routable", routable, nil},
		{"routable deploy", genGitLab("gldt-", "val"), nil},
		{"routable job", genGitLab("glcbt-", "val"), nil},
		{"routable with instance prefix", genGitLab("acme-glpat-", "val"), nil},
		{"unversioned routable", unversioned, nil},
		{"legacy 20", genGitLabLegacy("glpat-", "val"), nil},
		{"legacy with instance prefix", "acme-" + genGitLabLegacy("glpat-", "val"), nil},
		{"legacy any length", "glpat-abc", nil},
		{"job JWT", "glcbt-" + genJWT("val", `{"exp":1}`), nil},
		{"unknown dotted shape", "glpat-abc.def", nil},
		{"checksum flipped", flip(routable, len(routable)-1), ErrChecksum},
		{"body flipped", flip(routable, 10), ErrChecksum},
		{"length digits flipped", flip(routable, len(routable)-8), ErrChecksum},
		{"unversioned flipped", flip(unversioned, 12), ErrChecksum},
		{"prefix changed", "gldt-" + routable[len("glpat-"):], ErrChecksum},
		{"instance prefix added", "acme-" + routable, ErrChecksum},
		{"instance prefix dropped", routable[0:0] + genGitLab("acme-glpat-", "val")[len("acme-"):], ErrChecksum},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustNew(t, tc.in)
			err := tok.Validate()
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate(%q) = %v; want %v", tc.in, err, tc.want)
			}
			if err != nil {
				var ce *ChecksumError
				if !errors.As(err, &ce) || ce.Kind != tok.Kind() {
					t.Errorf("error %#v is not a *ChecksumError of kind %v", err, tok.Kind())
				}
				assertNoLeak(t, err.Error(), tc.in)
			}
		})
	}
}
