package pat

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestEnv(t *testing.T) {
	first := genToken(GitHubClassic, "env1")
	second := genToken(GitHubFineGrained, "env2")
	cases := []struct {
		name       string
		env        map[string]string // "" value: set but empty; absent: unset
		want       string
		wantOrigin string
		wantErr    error
		inErr      string
	}{
		{"first wins", map[string]string{"PAT_A": first, "PAT_B": second}, first, "env PAT_A", nil, ""},
		{"second when first unset", map[string]string{"PAT_B": second}, second, "env PAT_B", nil, ""},
		{"empty skipped", map[string]string{"PAT_A": "", "PAT_B": second}, second, "env PAT_B", nil, ""},
		{"white space skipped", map[string]string{"PAT_A": " \n", "PAT_B": second}, second, "env PAT_B", nil, ""},
		{"trimmed", map[string]string{"PAT_A": first + "\n"}, first, "env PAT_A", nil, ""},
		{"none set", nil, "", "", ErrNotFound, "PAT_A, PAT_B unset"},
		{"set but empty", map[string]string{"PAT_A": "", "PAT_B": ""}, "", "", ErrNotFound, "PAT_A, PAT_B empty"},
		{"bad value", map[string]string{"PAT_A": first[:10] + " " + first[10:], "PAT_B": second}, "", "", ErrMalformed, "env PAT_A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []string{"PAT_A", "PAT_B"} {
				t.Setenv(n, "")
				os.Unsetenv(n)
				if v, ok := tc.env[n]; ok {
					t.Setenv(n, v)
				}
			}
			tok, err := Env("PAT_A", "PAT_B").Token(context.Background())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Token() error = %v; want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.inErr) {
					t.Errorf("error %q does not say %q", err, tc.inErr)
				}
				assertNoLeak(t, err.Error(), first)
				if tc.wantErr == ErrNotFound {
					var nf *NotFoundError
					if !errors.As(err, &nf) || strings.Join(nf.Tried, ",") != "env PAT_A,env PAT_B" {
						t.Errorf("NotFoundError.Tried = %v", nf)
					}
				} else {
					var se *SourceError
					if !errors.As(err, &se) || se.Origin != "env PAT_A" {
						t.Errorf("error %#v is not a *SourceError for env PAT_A", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Token() error = %v", err)
			}
			if tok.Secret() != tc.want || tok.Origin() != tc.wantOrigin {
				t.Errorf("Token() = %v from %q; want origin %q", tok, tok.Origin(), tc.wantOrigin)
			}
		})
	}
}

func TestEnvReadsEveryCall(t *testing.T) {
	a, b := genToken(GitHubClassic, "call1"), genToken(GitHubClassic, "call2")
	src := Env("PAT_ROTATE")
	t.Setenv("PAT_ROTATE", a)
	if tok, _ := src.Token(context.Background()); tok.Secret() != a {
		t.Fatal("first call")
	}
	t.Setenv("PAT_ROTATE", b)
	if tok, _ := src.Token(context.Background()); tok.Secret() != b {
		t.Fatal("second call did not see the new value")
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask aside
		t.Fatal(err)
	}
}

func TestFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not checked on Windows")
	}
	secret := genToken(GitHubClassic, "file")
	cases := []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the path to read
		wantErr error                                 // nil: secret expected
		inErr   []string
	}{
		{"0600", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, secret+"\n", 0o600)
			return p
		}, nil, nil},
		{"0400 with CRLF", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, secret+"\r\n", 0o400)
			return p
		}, nil, nil},
		{"0644 refused", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, secret, 0o644)
			return p
		}, ErrInsecureFile, []string{"chmod 600 ", "tok", "-rw-r--r--"}},
		{"0640 refused", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, secret, 0o640)
			return p
		}, ErrInsecureFile, []string{"chmod 600"}},
		{"0602 refused", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, secret, 0o602)
			return p
		}, ErrInsecureFile, []string{"chmod 600"}},
		{"path with space quoted", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "my tok")
			writeFile(t, p, secret, 0o644)
			return p
		}, ErrInsecureFile, []string{"chmod 600 '"}},
		{"missing", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "nope")
		}, ErrNotFound, []string{"does not exist"}},
		{"directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "d")
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			return p
		}, errFileProblem, []string{"is a directory"}},
		{"symlink to 0600", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "target")
			writeFile(t, p, secret, 0o600)
			l := filepath.Join(dir, "link")
			if err := os.Symlink(p, l); err != nil {
				t.Fatal(err)
			}
			return l
		}, nil, nil},
		{"symlink to 0644", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "target")
			writeFile(t, p, secret, 0o644)
			l := filepath.Join(dir, "link")
			if err := os.Symlink(p, l); err != nil {
				t.Fatal(err)
			}
			return l
		}, ErrInsecureFile, []string{"chmod 600"}},
		{"dangling symlink", func(t *testing.T, dir string) string {
			l := filepath.Join(dir, "link")
			if err := os.Symlink(filepath.Join(dir, "gone"), l); err != nil {
				t.Fatal(err)
			}
			return l
		}, ErrNotFound, nil},
		{"huge", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, strings.Repeat(secret, MaxFileSize/len(secret)+1), 0o600)
			return p
		}, errFileProblem, []string{"larger than the 65536"}},
		{"empty", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, "\n", 0o600)
			return p
		}, ErrEmpty, []string{"does not hold a usable token"}},
		{"two lines", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tok")
			writeFile(t, p, secret+"\n"+secret+"\n", 0o600)
			return p
		}, ErrMalformed, []string{"more than one line"}},
		{"named pipe", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "fifo")
			if err := mkfifo(p); err != nil {
				t.Skipf("cannot make a named pipe: %v", err)
			}
			return p
		}, errFileProblem, []string{"named pipe"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.setup(t, t.TempDir())
			tok, err := File(path).Token(context.Background())
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Token() error = %v", err)
				}
				if tok.Secret() != secret || tok.Origin() != "file "+path {
					t.Errorf("Token() = %v from %q", tok, tok.Origin())
				}
				return
			}
			if err == nil {
				t.Fatalf("Token() = %v; want an error", tok)
			}
			assertNoLeak(t, err.Error(), secret)
			for _, s := range tc.inErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if tc.wantErr == ErrNotFound {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("error = %v; want ErrNotFound", err)
				}
				return
			}
			if errors.Is(err, ErrNotFound) {
				t.Fatalf("error %v matches ErrNotFound; a refused file must stop a chain", err)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != path {
				t.Fatalf("error %#v is not a *FileError for %s", err, path)
			}
			if tc.wantErr != errFileProblem && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v; want %v", err, tc.wantErr)
			}
		})
	}
}

// errFileProblem marks cases that only need a *FileError.
var errFileProblem = errors.New("any *FileError")

func TestFileRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	a, b := genToken(GitHubClassic, "rot1"), genToken(GitHubOAuth, "rot2")
	src := File(path)
	writeFile(t, path, a+"\n", 0o600)
	if tok, err := src.Token(context.Background()); err != nil || tok.Secret() != a {
		t.Fatalf("first read: %v", err)
	}
	// Rotate by rename, as secret managers do, then in place.
	tmp := filepath.Join(dir, "tok.new")
	writeFile(t, tmp, b+"\n", 0o600)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if tok, err := src.Token(context.Background()); err != nil || tok.Secret() != b || tok.Kind() != GitHubOAuth {
		t.Fatalf("after rename: %v %v", tok, err)
	}
	writeFile(t, path, a, 0o600)
	if tok, err := src.Token(context.Background()); err != nil || tok.Secret() != a {
		t.Fatalf("after rewrite: %v %v", tok, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Token(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after removal: %v; want ErrNotFound", err)
	}
}

func TestStatic(t *testing.T) {
	tok := mustNew(t, genToken(GitHubUser, "static")).WithOrigin("flag --token")
	got, err := Static(tok).Token(context.Background())
	if err != nil || got.Secret() != tok.Secret() || got.Origin() != "flag --token" {
		t.Fatalf("Static: %v %v", got, err)
	}
	if _, err := Static(Token{}).Token(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Static(zero): %v; want ErrNotFound", err)
	}
	assertNoLeak(t, Static(tok).(interface{ String() string }).String(), tok.Secret())
}

// fakeSource records calls and returns a fixed answer.
type fakeSource struct {
	mu    sync.Mutex
	calls int
	tok   Token
	err   error
}

func (f *fakeSource) Token(ctx context.Context) (Token, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return f.tok, f.err
}

func TestChain(t *testing.T) {
	tokA := mustNew(t, genToken(GitHubClassic, "chainA")).WithOrigin("A")
	tokB := mustNew(t, genToken(GitHubClassic, "chainB")).WithOrigin("B")
	hard := errors.New("vault: permission denied")
	nf := func(origin, why string) error { return notFound(origin, why) }
	cases := []struct {
		name      string
		sources   []*fakeSource
		wantTok   string
		wantErr   error
		wantCalls []int
		inErr     string
	}{
		{"first yields", []*fakeSource{{tok: tokA}, {tok: tokB}}, "A", nil, []int{1, 0}, ""},
		{"skips not found", []*fakeSource{{err: nf("env X", "unset")}, {tok: tokB}}, "B", nil, []int{1, 1}, ""},
		{"bare ErrNotFound skipped", []*fakeSource{{err: ErrNotFound}, {tok: tokB}}, "B", nil, []int{1, 1}, ""},
		{"hard error stops", []*fakeSource{{err: nf("env X", "unset")}, {err: hard}, {tok: tokB}}, "", hard, []int{1, 1, 0}, "vault"},
		{"typed hard error stops", []*fakeSource{{err: &FileError{Path: "/p", Reason: "is a directory"}}, {tok: tokB}}, "", errFileProblem, []int{1, 0}, "is a directory"},
		{"all not found", []*fakeSource{
			{err: &NotFoundError{Tried: []string{"env GH_TOKEN", "env GITHUB_TOKEN"}, Why: []string{"unset", "unset"}}},
			{err: nf("file /run/pat", "does not exist")},
			{err: nf("git credential helper", "had none for github.com")},
			{err: ErrNotFound},
		}, "", ErrNotFound, []int{1, 1, 1, 1}, "GH_TOKEN, GITHUB_TOKEN unset; file /run/pat does not exist; git credential helper had none for github.com; source 4 had none"},
		{"no sources", nil, "", ErrNotFound, nil, "no sources"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srcs := make([]Source, len(tc.sources))
			for i, s := range tc.sources {
				srcs[i] = s
			}
			tok, err := Chain(srcs...).Token(context.Background())
			for i, s := range tc.sources {
				if s.calls != tc.wantCalls[i] {
					t.Errorf("source %d called %d times; want %d", i, s.calls, tc.wantCalls[i])
				}
			}
			if tc.wantErr == nil {
				if err != nil || tok.Origin() != tc.wantTok {
					t.Fatalf("Token() = %v (%q), %v; want origin %q", tok, tok.Origin(), err, tc.wantTok)
				}
				return
			}
			if tc.wantErr == errFileProblem {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not the *FileError", err)
				}
			} else if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v; want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.inErr) {
				t.Errorf("error %q does not say %q", err, tc.inErr)
			}
			if tc.wantErr == ErrNotFound {
				var all *NotFoundError
				if !errors.As(err, &all) || len(all.Tried) != len(all.Why) {
					t.Fatalf("error %#v is not a consistent *NotFoundError", err)
				}
			}
		})
	}
}

func TestChainNested(t *testing.T) {
	t.Setenv("PAT_N1", "")
	t.Setenv("PAT_N2", "")
	dir := t.TempDir()
	src := Chain(Static(Token{}), Chain(Env("PAT_N1", "PAT_N2"), File(filepath.Join(dir, "none"))), nil)
	_, err := src.Token(context.Background())
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v; want *NotFoundError", err)
	}
	want := []string{"static token", "env PAT_N1", "env PAT_N2", "file " + filepath.Join(dir, "none")}
	if strings.Join(nf.Tried, "|") != strings.Join(want, "|") {
		t.Errorf("Tried = %q; want %q", nf.Tried, want)
	}
}

func TestChainContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &fakeSource{tok: mustNew(t, genToken(GitHubClassic, "ctx"))}
	if _, err := Chain(s).Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v; want context.Canceled", err)
	}
	if s.calls != 0 {
		t.Errorf("source called after cancel")
	}
}

func TestSourcesConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tok")
	writeFile(t, path, genToken(GitHubClassic, "conc"), 0o600)
	t.Setenv("PAT_CONC", genToken(GitHubOAuth, "conc"))
	src := Chain(Env("PAT_NONE_SET_HERE"), File(path), Env("PAT_CONC"))
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if tok, err := src.Token(context.Background()); err != nil || tok.Kind() != GitHubClassic {
					t.Errorf("Token() = %v, %v", tok, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
