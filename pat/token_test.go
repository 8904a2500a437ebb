package pat

import (
	"errors"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	classic := genToken(GitHubClassic, "new")
	cases := []struct {
		name    string
		in      string
		want    string // secret kept; "" when an error is expected
		wantErr error
		inErr   string // substring the error must hold
	}{
		{"plain", classic, classic, nil, ""},
		{"trailing newline", classic + "\n", classic, nil, ""},
		{"surrounding space and CRLF", "  \t" + classic + "\r\n", classic, nil, ""},
		{"unicode space trimmed", "\u00a0" + classic + "\u2003", classic, nil, ""},
		{"empty", "", "", ErrEmpty, ""},
		{"only white space", " \t\r\n ", "", ErrEmpty, ""},
		{"inner space", classic[:20] + " " + classic[20:], "", ErrMalformed, "white space inside the token at byte 20"},
		{"inner tab", classic[:10] + "\t" + classic[10:], "", ErrMalformed, "white space"},
		{"two lines", classic + "\n" + classic, "", ErrMalformed, "more than one line"},
		{"control char", classic[:5] + "\x01" + classic[5:], "", ErrMalformed, "control character at byte 5"},
		{"NUL", classic[:5] + "\x00" + classic[5:], "", ErrMalformed, "control character"},
		{"DEL", classic[:7] + "\x7f" + classic[7:], "", ErrMalformed, "control character at byte 7"},
		{"non-ASCII", classic[:8] + "é" + classic[8:], "", ErrMalformed, "non-ASCII byte at byte 8"},
		{"invalid UTF-8", classic[:8] + "\xff" + classic[8:], "", ErrMalformed, "non-ASCII"},
		{"too long", "x" + strings.Repeat(classic, MaxLen/len(classic)+1), "", ErrMalformed, "longer than"},
		{"exactly MaxLen", strings.Repeat("a", MaxLen), strings.Repeat("a", MaxLen), nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := New(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("New() error = %v; want %v", err, tc.wantErr)
				}
				if !tok.IsZero() {
					t.Errorf("New() returned a non-zero Token with an error")
				}
				if !strings.Contains(err.Error(), tc.inErr) {
					t.Errorf("error %q does not say %q", err, tc.inErr)
				}
				assertNoLeak(t, err.Error(), strings.TrimSpace(tc.in))
				if tc.wantErr == ErrMalformed {
					var me *MalformedError
					if !errors.As(err, &me) {
						t.Errorf("error %T is not a *MalformedError", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("New() error = %v", err)
			}
			if got := tok.Secret(); got != tc.want {
				t.Errorf("Secret() = %q; want %q", got, tc.want)
			}
			if tok.IsZero() {
				t.Errorf("IsZero() = true for a token")
			}
			if tok.Origin() != "" {
				t.Errorf("Origin() = %q; want empty", tok.Origin())
			}
		})
	}
}

func TestZeroToken(t *testing.T) {
	var z Token
	if !z.IsZero() || z.Secret() != "" || z.Kind() != Unknown {
		t.Errorf("zero Token: IsZero=%v Secret=%q Kind=%v", z.IsZero(), z.Secret(), z.Kind())
	}
	if got := z.String(); got != "<empty>" {
		t.Errorf("String() = %q; want <empty>", got)
	}
	if err := z.Validate(); !errors.Is(err, ErrEmpty) {
		t.Errorf("Validate() = %v; want ErrEmpty", err)
	}
}

func TestWithOrigin(t *testing.T) {
	tok := mustNew(t, genToken(GitHubClassic, "origin"))
	o := tok.WithOrigin("env GH_TOKEN")
	if o.Origin() != "env GH_TOKEN" || tok.Origin() != "" {
		t.Errorf("WithOrigin: got %q, original now %q", o.Origin(), tok.Origin())
	}
	if o.Secret() != tok.Secret() || o.Kind() != tok.Kind() {
		t.Errorf("WithOrigin changed the token")
	}
}

func TestIdentify(t *testing.T) {
	azure := genToken(AzureDevOps, "id")
	legacy := genLegacyAzure("id")
	cases := []struct {
		name string
		in   string
		want Kind
	}{
		{"classic", genToken(GitHubClassic, "id"), GitHubClassic},
		{"fine-grained", genToken(GitHubFineGrained, "id"), GitHubFineGrained},
		{"oauth", genToken(GitHubOAuth, "id"), GitHubOAuth},
		{"user-to-server", genToken(GitHubUser, "id"), GitHubUser},
		{"installation 40", genToken(GitHubInstallation, "id"), GitHubInstallation},
		{"installation long with dots", genLongInstallation("id"), GitHubInstallation},
		{"refresh", genToken(GitHubRefresh, "id"), GitHubRefresh},
		{"refresh long", "ghr_" + pick("r", alnumChars, 72), GitHubRefresh},
		{"sample vector", sampleVector, GitHubClassic},
		{"classic any length", "ghp_abc", GitHubClassic},
		{"azure 84 AZDO", azure, AzureDevOps},
		{"azure 88 long form", azure + "xy==", AzureDevOps},
		{"azure legacy 52", legacy, AzureDevOps},
		{"empty", "", Unknown},
		{"prefix only ghp_", "ghp_", Unknown},
		{"prefix only github_pat_", "github_pat_", Unknown},
		{"upper-case prefix", "GHP_" + genToken(GitHubClassic, "id")[4:], Unknown},
		{"jwt", genToken(Unknown, "id"), Unknown},
		{"old 40 hex", pick("hex", "0123456789abcdef", 40), Unknown},
		{"azure AZDO at offset 75", azure[:75] + "AZDO" + azure[79:], Unknown},
		{"azure AZDO at offset 77", azure[:77] + "AZDO" + azure[81:], Unknown},
		{"azure 83", azure[:83], Unknown},
		{"azure 85", azure + "x", Unknown},
		{"azure 84 with symbol", azure[:10] + "+" + azure[11:], Unknown},
		{"azure 88 without ==", azure + "xyz=", Unknown},
		{"azure 86", azure + "==", Unknown},
		{"legacy 51", legacy[:51], Unknown},
		{"legacy 53", legacy + "a", Unknown},
		{"legacy upper-case", strings.ToUpper(legacy), Unknown},
		{"legacy with 8", legacy[:51] + "8", Unknown},
		{"legacy with 1", "1" + legacy[1:], Unknown},
		{"leading space", " " + genToken(GitHubClassic, "id"), Unknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Identify(tc.in); got != tc.want {
				t.Errorf("Identify(%d chars) = %v; want %v", len(tc.in), got, tc.want)
			}
			if tc.in == "" || strings.TrimSpace(tc.in) != tc.in {
				return
			}
			if tok, err := New(tc.in); err == nil && tok.Kind() != tc.want {
				t.Errorf("New().Kind() = %v; want %v", tok.Kind(), tc.want)
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	cases := []struct {
		kind            Kind
		name, prov, pfx string
	}{
		{Unknown, "unknown", "", ""},
		{GitHubClassic, "github-classic", "github", "ghp_"},
		{GitHubFineGrained, "github-fine-grained", "github", "github_pat_"},
		{GitHubOAuth, "github-oauth", "github", "gho_"},
		{GitHubUser, "github-user", "github", "ghu_"},
		{GitHubInstallation, "github-installation", "github", "ghs_"},
		{GitHubRefresh, "github-refresh", "github", "ghr_"},
		{AzureDevOps, "azure-devops", "azure-devops", ""},
		{AzureDevOpsEntra, "azure-devops-entra", "azure-devops", ""},
		{GitLabPersonal, "gitlab-personal", "gitlab", "glpat-"},
		{GitLabDeploy, "gitlab-deploy", "gitlab", "gldt-"},
		{GitLabJob, "gitlab-job", "gitlab", "glcbt-"},
		{Kind(-1), "unknown", "", ""},
		{Kind(99), "unknown", "", ""},
	}
	for _, tc := range cases {
		if got := tc.kind.String(); got != tc.name {
			t.Errorf("Kind(%d).String() = %q; want %q", int(tc.kind), got, tc.name)
		}
		if got := tc.kind.Provider(); got != tc.prov {
			t.Errorf("Kind(%d).Provider() = %q; want %q", int(tc.kind), got, tc.prov)
		}
		if got := tc.kind.Prefix(); got != tc.pfx {
			t.Errorf("Kind(%d).Prefix() = %q; want %q", int(tc.kind), got, tc.pfx)
		}
		if b, _ := tc.kind.MarshalText(); string(b) != tc.name {
			t.Errorf("Kind(%d).MarshalText() = %q; want %q", int(tc.kind), b, tc.name)
		}
	}
}

func TestValidate(t *testing.T) {
	classic := genToken(GitHubClassic, "val")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	type tc struct {
		name    string
		in      string
		wantErr error
		inErr   string
	}
	cases := []tc{
		{"sample vector", sampleVector, nil, ""},
		{"fine-grained", genToken(GitHubFineGrained, "val"), nil, ""},
		{"long installation", genLongInstallation("val"), nil, ""},
		{"azure 84", genToken(AzureDevOps, "val"), nil, ""},
		{"azure legacy", genLegacyAzure("val"), nil, ""},
		{"unknown", genToken(Unknown, "val"), nil, ""},
		{"sample flipped in random part", flip(sampleVector, 10), ErrChecksum, "mistyped"},
		{"sample flipped in checksum", flip(sampleVector, 38), ErrChecksum, "last 6 characters"},
		{"flipped in random part", flip(classic, 4), ErrChecksum, "mistyped"},
		{"flipped in checksum", flip(classic, 39), ErrChecksum, "mistyped"},
		{"truncated by one", classic[:39], ErrChecksum, "truncated"},
		{"truncated by half", classic[:20], ErrChecksum, "truncated"},
		{"symbol in body", classic[:20] + "-" + classic[21:], ErrChecksum, "character GitHub never puts"},
		{"case swapped", sampleVector[:4] + strings.ToLower(sampleVector[4:34]) + sampleVector[34:], ErrChecksum, ""},
	}
	for _, k := range []Kind{GitHubClassic, GitHubOAuth, GitHubUser, GitHubInstallation, GitHubRefresh} {
		for _, seed := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			cases = append(cases, tc{"generated " + k.String() + " " + seed, genToken(k, seed), nil, ""})
		}
		cases = append(cases, tc{"flipped " + k.String(), flip(genToken(k, "z"), 20), ErrChecksum, ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := mustNew(t, c.in)
			err := tok.Validate()
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Validate() = %v; want %v", err, c.wantErr)
			}
			var ce *ChecksumError
			if !errors.As(err, &ce) || ce.Kind != tok.Kind() {
				t.Errorf("Validate() = %#v; want a *ChecksumError of kind %v", err, tok.Kind())
			}
			if !strings.Contains(err.Error(), c.inErr) {
				t.Errorf("Validate() = %q; want it to say %q", err, c.inErr)
			}
			assertNoLeak(t, err.Error(), c.in)
		})
	}
}

func TestChecksum(t *testing.T) {
	if got := Checksum(sampleVector[4:34]); got != sampleVector[34:] {
		t.Errorf("Checksum(sample) = %q; want %q", got, sampleVector[34:])
	}
	if got := Checksum(""); got != "000000" {
		t.Errorf(`Checksum("") = %q; want "000000"`, got)
	}
}
