package pat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// credEqual compares two credentials, attribute values and secrets included.
func credEqual(a, b Credential) bool {
	if a.Protocol != b.Protocol || a.Host != b.Host || a.Path != b.Path || a.Username != b.Username ||
		a.URL != b.URL || a.Password.Secret() != b.Password.Secret() || a.Password.IsZero() != b.Password.IsZero() ||
		len(a.Extra) != len(b.Extra) {
		return false
	}
	for i := range a.Extra {
		if a.Extra[i].Key != b.Extra[i].Key || a.Extra[i].Value() != b.Extra[i].Value() {
			return false
		}
	}
	return true
}

func TestReadCredential(t *testing.T) {
	secret := genToken(GitHubClassic, "cred")
	cases := []struct {
		name    string
		in      string
		want    Credential
		wantErr bool
		inErr   string
	}{
		{"git fill answer", "protocol=https\nhost=github.com\nusername=bob\npassword=" + secret + "\n",
			Credential{Protocol: "https", Host: "github.com", Username: "bob", Password: mustNew(t, secret)}, false, ""},
		{"stops at blank line", "host=a\n\nhost=b\ngarbage\n", Credential{Host: "a"}, false, ""},
		{"EOF without newline", "host=a\npath=o/r.git", Credential{Host: "a", Path: "o/r.git"}, false, ""},
		{"empty input", "", Credential{}, false, ""},
		{"blank line only", "\n", Credential{}, false, ""},
		{"value with '='", "wwwauth[]=Basic realm=\"GitHub\"\n", Credential{Extra: []Attribute{NewAttribute("wwwauth[]", `Basic realm="GitHub"`)}}, false, ""},
		{"repeated [] keys kept in order", "capability[]=authtype\nhost=h\ncapability[]=state\nwwwauth[]=x\n",
			Credential{Host: "h", Extra: []Attribute{NewAttribute("capability[]", "authtype"), NewAttribute("capability[]", "state"), NewAttribute("wwwauth[]", "x")}}, false, ""},
		{"unknown attribute kept", "password_expiry_utc=1700000000\nhost=h\n", Credential{Host: "h", Extra: []Attribute{NewAttribute("password_expiry_utc", "1700000000")}}, false, ""},
		{"empty password", "host=h\npassword=\n", Credential{Host: "h"}, false, ""},
		{"url kept", "url=https://bob@dev.azure.com/org/p/_git/r\n", Credential{URL: "https://bob@dev.azure.com/org/p/_git/r"}, false, ""},
		{"empty value", "username=\n", Credential{}, false, ""},
		{"missing '='", "protocol=https\nhost github.com\n", Credential{}, true, "line 2: no '='"},
		{"bare secret line", "protocol=https\n" + secret + "\n", Credential{}, true, "line 2: no '='"},
		{"empty key", "=value\n", Credential{}, true, "empty key"},
		{"NUL", "host=git\x00hub.com\n", Credential{}, true, "NUL"},
		{"CR", "host=github.com\r\n", Credential{}, true, "carriage return"},
		{"CR mid value", "password=" + secret[:10] + "\r" + secret[10:] + "\n", Credential{}, true, "carriage return"},
		{"duplicate host", "host=a\nhost=b\n", Credential{}, true, `"host" appears twice`},
		{"duplicate unknown", secret + "=1\n" + secret + "=2\n", Credential{}, true, "a key appears twice"},
		{"password with space", "password=" + secret[:10] + " " + secret[10:] + "\n", Credential{}, true, "password is not a usable token"},
		{"password with tab", "password=\t" + secret + "\tx\n", Credential{}, true, "password"},
		{"url with password", "url=https://bob:" + secret + "@github.com/o/r\n", Credential{}, true, "url holds a password"},
		{"bad url", "url=https://[::1\n", Credential{}, true, "not a valid URL"},
		{"enormous line", "host=" + strings.Repeat("a", MaxCredentialLine) + "\n", Credential{}, true, "longer than 65536"},
		{"enormous line at EOF", "host=" + strings.Repeat("a", MaxCredentialLine), Credential{}, true, "longer than 65536"},
		{"too many lines", strings.Repeat("capability[]=x\n", MaxCredentialLines+1), Credential{}, true, "more than 1024 lines"},
		{"too much input", strings.Repeat("wwwauth[]="+strings.Repeat("b", 60000)+"\n", 20), Credential{}, true, "longer than 1048576 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadCredential(strings.NewReader(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("ReadCredential() error = %v; want ErrProtocol", err)
				}
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *ProtocolError", err)
				}
				if !strings.Contains(err.Error(), tc.inErr) {
					t.Errorf("error %q does not say %q", err, tc.inErr)
				}
				assertNoLeak(t, err.Error(), secret)
				return
			}
			if err != nil {
				t.Fatalf("ReadCredential() error = %v", err)
			}
			if !credEqual(got, tc.want) {
				t.Errorf("ReadCredential() = %v; want %v", got, tc.want)
			}
		})
	}
}

// errReader fails after its data.
type errReader struct{ data string }

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("connection reset")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadCredentialIOError(t *testing.T) {
	_, err := ReadCredential(&errReader{data: "host=a\nhost"})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("error = %v; want the read error", err)
	}
}

func TestReadCredentialBufioStopsAtBlank(t *testing.T) {
	// Through a *bufio.Reader, what follows the blank line stays readable.
	r := strings.NewReader("host=a\n\nhost=b\n")
	br := newBufReader(r)
	first, err := ReadCredential(br)
	if err != nil || first.Host != "a" {
		t.Fatalf("first: %v %v", first, err)
	}
	second, err := ReadCredential(br)
	if err != nil || second.Host != "b" {
		t.Fatalf("second: %v %v", second, err)
	}
}

func TestWriteCredential(t *testing.T) {
	secret := genToken(GitHubClassic, "write")
	tok := mustNew(t, secret)
	cases := []struct {
		name    string
		in      Credential
		want    string
		wantErr string
	}{
		{"full", Credential{Protocol: "https", Host: "github.com", Path: "o/r", Username: "x-access-token", Password: tok,
			Extra: []Attribute{NewAttribute("password_expiry_utc", "1"), NewAttribute("capability[]", "")}},
			"protocol=https\nhost=github.com\npath=o/r\nusername=x-access-token\npassword=" + secret + "\npassword_expiry_utc=1\ncapability[]=\n", ""},
		{"empty fields left out", Credential{Host: "h"}, "host=h\n", ""},
		{"zero", Credential{}, "", ""},
		{"newline in host", Credential{Host: "github.com\nhost=evil.example"}, "", `"host": its value holds a newline`},
		{"newline in path", Credential{Host: "h", Path: "a\nb"}, "", `"path"`},
		{"NUL in username", Credential{Username: "a\x00b"}, "", "NUL"},
		{"CR in protocol", Credential{Protocol: "https\r"}, "", "CR"},
		{"newline in extra value", Credential{Extra: []Attribute{NewAttribute("wwwauth[]", "a\npassword=x")}}, "", "an attribute"},
		{"'=' in extra key", Credential{Extra: []Attribute{NewAttribute("a=b", "c")}}, "", "key"},
		{"empty extra key", Credential{Extra: []Attribute{NewAttribute("", "c")}}, "", "key"},
		{"known key in extra", Credential{Extra: []Attribute{NewAttribute("password", "c")}}, "", "field of its own"},
		{"url with password", Credential{URL: "https://u:" + secret + "@h/"}, "", "url holds a password"},
		{"huge line", Credential{Host: strings.Repeat("h", MaxCredentialLine)}, "", "longer than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteCredential(&buf, tc.in)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("WriteCredential() error = %v; want ErrProtocol saying %q", err, tc.wantErr)
				}
				if buf.Len() != 0 {
					t.Errorf("wrote %q before failing", buf.String())
				}
				assertNoLeak(t, err.Error(), secret)
				return
			}
			if err != nil {
				t.Fatalf("WriteCredential() error = %v", err)
			}
			if buf.String() != tc.want {
				t.Errorf("WriteCredential() wrote %q; want %q", buf.String(), tc.want)
			}
			back, err := ReadCredential(&buf)
			if err != nil || !credEqual(back, tc.in) {
				t.Errorf("round trip: %v, %v", back, err)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteCredentialWriterError(t *testing.T) {
	if err := WriteCredential(failWriter{}, Credential{Host: "h"}); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("error = %v; want the writer's", err)
	}
}

func TestCredentialValues(t *testing.T) {
	c, err := ReadCredential(strings.NewReader("capability[]=authtype\ncapability[]=state\nwwwauth[]=Basic\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.Values("capability[]")); got != "[authtype state]" {
		t.Errorf("Values(capability[]) = %s", got)
	}
	if got := c.Values("nothing"); got != nil {
		t.Errorf("Values(nothing) = %v", got)
	}
}
