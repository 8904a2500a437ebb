package patgit_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/patgit/patgit/gitauth"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// hostile is one bad input and the error it must give.
type hostile struct {
	name string
	git  bool // needs the git binary
	run  func(t *testing.T) (out string, err error)
	// want is the errors.Is target; with errSilent, the call must succeed
	// and write nothing.
	want error
	// as, when set, must accept the error (for typed errors errors.As finds).
	as func(error) bool
	// mayPass: git itself accepts this input, so success is a right answer
	// too; an error must still be the typed one.
	mayPass bool
}

// errSilent marks a case whose right answer is no answer: nil error, no output.
var errSilent = errors.New("silent")

func isFileError(err error) bool   { var e *pat.FileError; return errors.As(err, &e) }
func isSourceError(err error) bool { var e *pat.SourceError; return errors.As(err, &e) }

func runHostile(t *testing.T, cases []hostile) int {
	t.Helper()
	n := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.git {
				if err := providertest.GitAvailable(); err != nil {
					t.Skip(err)
				}
			}
			var out string
			var err error
			noPanic(t, tc.name, func() { out, err = tc.run(t) })
			n++
			switch {
			case tc.want == errSilent:
				if err != nil || out != "" {
					t.Errorf("got (%q, %v); want no answer and no error", out, err)
				}
			case err == nil && tc.mayPass:
			case err == nil:
				t.Errorf("err = nil (out %q); want %v", out, tc.want)
			case tc.want != nil && !matches(err, tc.want):
				t.Errorf("err = %v; want errors.Is %v", err, tc.want)
			case tc.as != nil && !tc.as(err):
				t.Errorf("err = %v (%T); not the typed error wanted", err, err)
			}
			if err != nil && !strings.Contains(err.Error(), " ") {
				t.Errorf("err = %q: says nothing a person could act on", err)
			}
		})
	}
	return n
}

func TestHostileInput(t *testing.T) {
	isolateEnv(t)
	groups := []struct {
		name  string
		cases []hostile
	}{
		{"urls", hostileURLs()},
		{"tokens", hostileTokens()},
		{"env", hostileEnv()},
		{"files", hostileFiles()},
		{"credential helper output", hostileHelperOutput()},
		{"credential helper input", hostileHelperInput()},
	}
	total := 0
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			n := runHostile(t, g.cases)
			total += n
			t.Logf("%s: %d hostile inputs", g.name, n)
		})
	}
	t.Logf("hostile inputs tried: %d", total)
}

// hostileURLs are URLs no provider may accept, each tried on ForURL, both
// providers' ParseRepo, Resolve, Auth, Clone and Command.
func hostileURLs() []hostile {
	unsupported, insecure := provider.ErrUnsupportedURL, provider.ErrInsecureURL
	urls := []struct {
		name, raw string
		want      error
	}{
		{"empty", "", unsupported},
		{"blank", "   ", unsupported},
		{"host only", "github.com", unsupported},
		{"scheme only", "https://", unsupported},
		{"no path", "https://github.com", unsupported},
		{"owner only", "https://github.com/o", unsupported},
		{"javascript", "javascript:alert(1)//github.com/o/r", unsupported},
		{"file", "file:///etc/passwd", unsupported},
		{"ftp", "ftp://github.com/o/r", unsupported},
		{"look-alike suffix", "https://github.com.evil.example/o/r", unsupported},
		{"look-alike prefix", "https://notgithub.com/o/r", unsupported},
		{"look-alike tld", "https://github.co/o/r", unsupported},
		{"host in path", "https://evil.example/github.com/o/r", unsupported},
		{"host as user", "https://github.com@evil.example/o/r", unsupported},
		{"host in fragment", "https://evil.example#@github.com/o/r", unsupported},
		{"host in query", "https://evil.example?@github.com/o/r", unsupported},
		{"backslash user", "https://github.com\\@evil.example/o/r", unsupported},
		{"cyrillic i", "https://g\u0456thub.com/o/r", unsupported},
		{"two ghe labels", "https://a.b.ghe.com/o/r", unsupported},
		{"empty ghe label", "https://.ghe.com/o/r", unsupported},
		{"azure look-alike", "https://dev.azure.com.evil.example/o/p/_git/r", unsupported},
		{"visualstudio look-alike", "https://x.visualstudio.com.evil.example/p/_git/r", unsupported},
		{"notvisualstudio", "https://notvisualstudio.com/p/_git/r", unsupported},
		{"azure empty repo", "https://dev.azure.com/org/p/_git/", unsupported},
		{"azure empty org", "https://dev.azure.com//p/_git/r", unsupported},
		{"azure no _git", "https://dev.azure.com/org/p/r", unsupported},
		{"two at signs", "https://a@b@github.com/o/r", unsupported},
		{"NUL", "https://github.com/o/r\x00", unsupported},
		{"CRLF", "https://github.com/o/r\r\nHost: evil.example", unsupported},
		{"tab", "https://github.com/o/\tr", unsupported},
		{"backslashes", "https://github.com\\o\\r", unsupported},
		{"port out of range", "https://github.com:99999/o/r", unsupported},
		{"unclosed bracket", "https://[::1/o/r", unsupported},
		{"bad escape", "https://github.com/o/%zz", unsupported},
		{"too long", "https://github.com/o/" + strings.Repeat("r", provider.MaxURLLength), unsupported},
		{"scp without path", "git@github.com:", unsupported},
		{"scp traversal", "git@github.com:../../etc/passwd", unsupported},
		{"http github", "http://github.com/o/r", insecure},
		{"http azure", "http://dev.azure.com/org/p/_git/r", insecure},
	}
	tok := providertest.Token(pat.Unknown, "hostile-url")
	var out []hostile
	for _, u := range urls {
		src := func(t *testing.T) gitauth.Options {
			return gitauth.Options{Source: pat.Static(token(t, tok))}
		}
		out = append(out,
			hostile{name: "ForURL/" + u.name, want: u.want, run: func(t *testing.T) (string, error) {
				_, _, err := provider.ForURL(u.raw, provider.Config{})
				return "", err
			}},
			hostile{name: "GitHub.ParseRepo/" + u.name, want: errAny(unsupported, insecure), run: func(t *testing.T) (string, error) {
				g, _ := provider.NewGitHub(provider.Config{})
				_, err := g.ParseRepo(u.raw)
				return "", err
			}},
			hostile{name: "AzureDevOps.ParseRepo/" + u.name, want: errAny(unsupported, insecure), run: func(t *testing.T) (string, error) {
				a, _ := provider.NewAzureDevOps(provider.Config{})
				_, err := a.ParseRepo(u.raw)
				return "", err
			}},
			hostile{name: "Resolve/" + u.name, want: u.want, run: func(t *testing.T) (string, error) {
				_, err := gitauth.Resolve(sweepCtx(t), u.raw, src(t))
				return "", err
			}},
			hostile{name: "Auth/" + u.name, want: u.want, run: func(t *testing.T) (string, error) {
				_, err := gitauth.Auth(sweepCtx(t), u.raw, src(t))
				return "", err
			}},
			hostile{name: "Clone/" + u.name, want: u.want, run: func(t *testing.T) (string, error) {
				_, err := gitauth.Clone(sweepCtx(t), u.raw, "", src(t), nil)
				return "", err
			}},
			hostile{name: "Command/" + u.name, want: u.want, run: func(t *testing.T) (string, error) {
				_, err := gitauth.Command(sweepCtx(t), u.raw, src(t), "fetch")
				return "", err
			}},
		)
	}
	return out
}

// anyOf is a want that any of its errors satisfies.
type anyOf []error

func (a anyOf) Error() string { return fmt.Sprint([]error(a)) }

// errAny returns a want that runHostile matches against each of errs.
func errAny(errs ...error) error { return anyOf(errs) }

// matches reports whether err matches want (each of an anyOf).
func matches(err, want error) bool {
	if a, ok := want.(anyOf); ok {
		for _, w := range a {
			if errors.Is(err, w) {
				return true
			}
		}
		return false
	}
	return errors.Is(err, want)
}

func hostileTokens() []hostile {
	good := providertest.Token(pat.GitHubClassic, "hostile-token")
	newTok := func(name, secret string, want error) hostile {
		return hostile{name: "New/" + name, want: want, run: func(t *testing.T) (string, error) {
			_, err := pat.New(secret)
			return "", err
		}}
	}
	validate := func(name, secret string, want error) hostile {
		return hostile{name: "Validate/" + name, want: want, run: func(t *testing.T) (string, error) {
			tok, err := pat.New(secret)
			if err != nil {
				return "", err
			}
			return "", tok.Validate()
		}}
	}
	return []hostile{
		newTok("empty", "", pat.ErrEmpty),
		newTok("white space", " \t\r\n ", pat.ErrEmpty),
		newTok("inner space", "ghp_abc def", pat.ErrMalformed),
		newTok("Bearer prefix", "Bearer "+good, pat.ErrMalformed),
		newTok("inner newline", good[:10]+"\n"+good[10:], pat.ErrMalformed),
		newTok("header injection", good+"\r\nX-Evil: 1", pat.ErrMalformed),
		newTok("NUL", good+"\x00", pat.ErrMalformed),
		newTok("DEL", good+"\x7f", pat.ErrMalformed),
		newTok("escape sequence", "\x1b[31m"+good, pat.ErrMalformed),
		newTok("non-ASCII", good+"\u00e9", pat.ErrMalformed),
		newTok("invalid UTF-8", good+"\xff\xfe", pat.ErrMalformed),
		newTok("zero-width space", good[:8]+"\u200b"+good[8:], pat.ErrMalformed),
		newTok("too long", strings.Repeat("a", pat.MaxLen+1), pat.ErrMalformed),
		newTok("huge", strings.Repeat("a", 10<<20), pat.ErrMalformed),
		validate("mistyped", good[:10]+string(good[10]^1)+good[11:], pat.ErrChecksum),
		validate("truncated", good[:len(good)-1], pat.ErrChecksum),
		validate("one character changed at the end", good[:len(good)-1]+string(good[len(good)-1]^1), pat.ErrChecksum),
	}
}

func hostileEnv() []hostile {
	env := func(name, value string, want error) hostile {
		return hostile{name: name, want: want, as: func(err error) bool { return errors.Is(err, pat.ErrNotFound) || isSourceError(err) },
			run: func(t *testing.T) (string, error) {
				t.Setenv("PATGIT_HOSTILE", value)
				_, err := pat.Env("PATGIT_HOSTILE").Token(sweepCtx(t))
				return "", err
			}}
	}
	return []hostile{
		env("empty", "", pat.ErrNotFound),
		env("white space", " \t ", pat.ErrNotFound),
		env("two tokens", "ghp_a ghp_b", pat.ErrMalformed),
		env("export line", "export GH_TOKEN=x y", pat.ErrMalformed),
		env("newline inside", "abc\ndef", pat.ErrMalformed),
		env("control character", "abc\x01def", pat.ErrMalformed),
		env("non-ASCII", "t\u00f6ken", pat.ErrMalformed),
		env("too long", strings.Repeat("x", pat.MaxLen+1), pat.ErrMalformed),
		{name: "no names", want: pat.ErrNotFound, run: func(t *testing.T) (string, error) {
			_, err := pat.Env().Token(sweepCtx(t))
			return "", err
		}},
		{name: "name with =", want: pat.ErrNotFound, run: func(t *testing.T) (string, error) {
			_, err := pat.Env("A=B").Token(sweepCtx(t))
			return "", err
		}},
		{name: "Resolve with malformed GH_TOKEN", want: pat.ErrMalformed, run: func(t *testing.T) (string, error) {
			t.Setenv("GH_TOKEN", "two words")
			_, err := gitauth.Resolve(sweepCtx(t), "https://github.com/o/r", gitauth.Options{})
			return "", err
		}},
	}
}

func hostileFiles() []hostile {
	tok := providertest.Token(pat.GitHubClassic, "hostile-file")
	file := func(name string, want error, as func(error) bool, path func(t *testing.T) string) hostile {
		return hostile{name: name, want: want, as: as, run: func(t *testing.T) (string, error) {
			_, err := pat.File(path(t)).Token(sweepCtx(t))
			return "", err
		}}
	}
	perm := func(mode os.FileMode) func(t *testing.T) string {
		return func(t *testing.T) string { return writeFile(t, tok, mode) }
	}
	content := func(c string) func(t *testing.T) string {
		return func(t *testing.T) string { return writeFile(t, c, 0o600) }
	}
	link := func(target func(t *testing.T) string) func(t *testing.T) string {
		return func(t *testing.T) string {
			l := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(target(t), l); err != nil {
				t.Skip(err)
			}
			return l
		}
	}
	return []hostile{
		file("missing", pat.ErrNotFound, nil, func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") }),
		file("empty path", nil, func(err error) bool { return isFileError(err) || errors.Is(err, pat.ErrNotFound) }, func(t *testing.T) string { return "" }),
		file("mode 0644", pat.ErrInsecureFile, isFileError, perm(0o644)),
		file("mode 0640", pat.ErrInsecureFile, isFileError, perm(0o640)),
		file("mode 0604", pat.ErrInsecureFile, isFileError, perm(0o604)),
		file("mode 0660", pat.ErrInsecureFile, isFileError, perm(0o660)),
		file("mode 0777", pat.ErrInsecureFile, isFileError, perm(0o777)),
		file("empty", pat.ErrEmpty, isFileError, content("")),
		file("only newlines", pat.ErrEmpty, isFileError, content("\n\n\n")),
		file("two lines", pat.ErrMalformed, isFileError, content(tok+"\n"+tok+"\n")),
		file("NUL bytes", pat.ErrMalformed, isFileError, content(tok+"\x00\x00")),
		file("UTF-16 BOM", pat.ErrMalformed, isFileError, content("\xff\xfe"+tok)),
		file("KEY=value", pat.ErrMalformed, isFileError, content("GH_TOKEN= "+tok)),
		file("huge", nil, isFileError, content(strings.Repeat("a", pat.MaxFileSize+1))),
		file("directory", nil, isFileError, func(t *testing.T) string { return t.TempDir() }),
		file("symlink to directory", nil, isFileError, link(func(t *testing.T) string { return t.TempDir() })),
		file("symlink to readable file", pat.ErrInsecureFile, isFileError, link(perm(0o644))),
		file("dangling symlink", pat.ErrNotFound, nil, link(func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone") })),
		file("symlink loop", nil, isFileError, func(t *testing.T) string {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if os.Symlink(b, a) != nil || os.Symlink(a, b) != nil {
				t.Skip("no symlinks")
			}
			return a
		}),
		file("named pipe", nil, isFileError, func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skip(err)
			}
			return p
		}),
		file("device", nil, isFileError, func(t *testing.T) string { return "/dev/zero" }),
	}
}

// hostileHelperOutput runs pat.GitCredential against git credential helpers
// that answer badly.
func hostileHelperOutput() []hostile {
	tok := providertest.Token(pat.GitHubClassic, "hostile-helper")
	helper := func(name, script string, want error, as func(error) bool) hostile {
		return hostile{name: name, git: true, want: want, as: as, run: func(t *testing.T) (string, error) {
			withHelper(t, script)
			_, err := pat.GitCredential("https://github.com/o/r").Token(sweepCtx(t))
			return "", err
		}}
	}
	notFound := func(err error) bool { return errors.Is(err, pat.ErrNotFound) }
	big := strings.Repeat("a", pat.MaxCredentialLine+10)
	pass := func(h hostile) hostile { h.mayPass = true; return h }
	return []hostile{
		helper("no answer", "cat >/dev/null", pat.ErrNotFound, notFound),
		helper("missing password", `printf 'username=octocat\n'`, pat.ErrNotFound, notFound),
		helper("empty password", `printf 'username=octocat\npassword=\n'`, pat.ErrNotFound, notFound),
		helper("password with space", `printf 'username=u\npassword=a b\n'`, pat.ErrMalformed, isSourceError),
		pass(helper("injected host line", `printf 'username=u\npassword=`+tok+`\nhost=evil.example\n'`, nil, isSourceError)),
		pass(helper("NUL in password", `printf 'username=u\npassword=`+tok+`\000x\n'`, nil, func(err error) bool { return isSourceError(err) || notFound(err) })),
		helper("NUL in key", `printf 'username=u\npass\000word=`+tok+`\n'`, nil, func(err error) bool { return isSourceError(err) || notFound(err) }),
		helper("enormous password", `printf 'username=u\npassword=`+big+`\n'`, nil, func(err error) bool { return isSourceError(err) || notFound(err) }),
		helper("garbage lines", `printf 'this is not a credential\n\001\002\n'`, pat.ErrProtocol, isSourceError),
		helper("fails", "exit 3", pat.ErrNotFound, notFound),
		pass(helper("answers for another host", `printf 'host=evil.example\nusername=u\npassword=`+tok+`\n'`, nil, isSourceError)),
	}
}

// hostileHelperInput feeds gitauth.CredentialHelper requests it must refuse
// or stay silent on.
func hostileHelperInput() []hostile {
	tok := providertest.Token(pat.GitHubClassic, "hostile-helper-in")
	helper := func(name, op, in string, want error) hostile {
		return hostile{name: name, want: want, run: func(t *testing.T) (string, error) {
			var out bytes.Buffer
			opts := gitauth.Options{Source: pat.Static(token(t, tok)), Provider: provider.Config{Username: "octocat"}}
			err := gitauth.CredentialHelper(sweepCtx(t), op, strings.NewReader(in), &out, opts)
			return out.String(), err
		}}
	}
	big := strings.Repeat("a", pat.MaxCredentialLine+1)
	return []hostile{
		helper("unknown op", "fill", "protocol=https\nhost=github.com\n", nil),
		helper("empty op", "", "protocol=https\nhost=github.com\n", nil),
		helper("missing host", "get", "protocol=https\n", errSilent),
		helper("missing protocol", "get", "host=github.com\n", errSilent),
		helper("empty request", "get", "", errSilent),
		helper("unknown host", "get", "protocol=https\nhost=evil.example\n", errSilent),
		helper("look-alike host", "get", "protocol=https\nhost=github.com.evil.example\n", errSilent),
		helper("host with user", "get", "protocol=https\nhost=evil.example@github.com\n", errSilent),
		helper("host with path", "get", "protocol=https\nhost=evil.example/github.com\n", errSilent),
		helper("http to github", "get", "protocol=http\nhost=github.com\n", errSilent),
		helper("ssh", "get", "protocol=ssh\nhost=github.com\n", errSilent),
		helper("NUL in host", "get", "protocol=https\nhost=github.com\x00.evil.example\n", pat.ErrProtocol),
		helper("CR in host", "get", "protocol=https\nhost=github.com\r\n", pat.ErrProtocol),
		helper("repeated host", "get", "protocol=https\nhost=github.com\nhost=evil.example\n", pat.ErrProtocol),
		helper("line without =", "get", "protocol=https\ngithub.com\n", pat.ErrProtocol),
		helper("empty key", "get", "=x\n", pat.ErrProtocol),
		helper("enormous line", "get", "protocol=https\nhost="+big+"\n", pat.ErrProtocol),
		helper("too many lines", "get", strings.Repeat("capability[]=x\n", pat.MaxCredentialLines+1), pat.ErrProtocol),
		helper("url with password", "get", "url=https://u:p@github.com/\n", pat.ErrProtocol),
		helper("store is silent", "store", "protocol=https\nhost=evil.example\npassword=x\n", errSilent),
		helper("erase is silent", "erase", strings.Repeat("x", 2<<20), errSilent),
	}
}
