package pat

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Source finds a token.
//
// Token returns a token, or an error matching [ErrNotFound] when the source
// has none (so that a [Chain] may ask the next one), or another error when
// it found something it cannot use: an unreadable or unprotected file, a
// malformed value, a broken credential helper. Token must be safe for
// concurrent use by multiple goroutines.
//
// The sources of this package set [Token.Origin] on what they return
// ("env GH_TOKEN", "file /run/secrets/pat", "git credential helper") and
// implement [fmt.Stringer] to describe themselves, never showing a token.
type Source interface {
	Token(ctx context.Context) (Token, error)
}

// NotFoundError reports that one or more sources had no token, and where
// they looked. It matches [ErrNotFound] with [errors.Is]; use [errors.As] to
// read the list, e.g. to tell a person which variables to set.
type NotFoundError struct {
	// Tried lists, in order, where the sources looked: "env GH_TOKEN",
	// "file /run/secrets/pat", "git credential helper", "static token".
	Tried []string
	// Why holds, for each entry of Tried, why it had nothing: "unset",
	// "empty", "does not exist", "had none for github.com",
	// "skipped: git is not installed".
	Why []string
}

func (e *NotFoundError) Error() string {
	return "pat: no token found: " + e.Summary()
}

// checkContext returns the error a Source returns before doing anything:
// a [*SourceError] for a nil ctx, ctx.Err() for one that is done.
func checkContext(ctx context.Context, origin string) error {
	if ctx == nil {
		return &SourceError{Origin: origin, Err: errNilContext}
	}
	return ctx.Err()
}

// Is reports whether target is [ErrNotFound].
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Summary describes what was tried, grouping consecutive environment
// variables: "GH_TOKEN, GITHUB_TOKEN unset; git credential helper had none
// for github.com".
func (e *NotFoundError) Summary() string {
	if e == nil || len(e.Tried) == 0 {
		return "no sources to ask"
	}
	var parts []string
	for i := 0; i < len(e.Tried); {
		why := e.why(i)
		if name, ok := strings.CutPrefix(e.Tried[i], "env "); ok {
			names := []string{name}
			j := i + 1
			for ; j < len(e.Tried); j++ {
				next, ok := strings.CutPrefix(e.Tried[j], "env ")
				if !ok || e.why(j) != why {
					break
				}
				names = append(names, next)
			}
			parts = append(parts, strings.Join(names, ", ")+" "+why)
			i = j
			continue
		}
		parts = append(parts, strings.TrimSpace(e.Tried[i]+" "+why))
		i++
	}
	return strings.Join(parts, "; ")
}

func (e *NotFoundError) why(i int) string {
	if i < len(e.Why) && e.Why[i] != "" {
		return e.Why[i]
	}
	return "had none"
}

func notFound(origin, why string) *NotFoundError {
	return &NotFoundError{Tried: []string{origin}, Why: []string{why}}
}

// SourceError reports a token a source found but cannot use (or a source
// that failed), naming the source, never the token: "pat: env GH_TOKEN:
// token is malformed: white space inside the token at byte 40". It unwraps
// to the cause, e.g. [ErrMalformed], [ErrProtocol] or a context error.
type SourceError struct {
	// Origin names the source, as [Token.Origin] would.
	Origin string
	// Err is the cause.
	Err error
}

func (e *SourceError) Error() string {
	if e == nil {
		return "pat: source failed"
	}
	if e.Err == nil {
		return "pat: " + e.Origin + ": failed"
	}
	return "pat: " + e.Origin + ": " + reason(e.Err)
}

// Unwrap returns the cause.
func (e *SourceError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Env returns a Source that reads the first of the named environment
// variables that is set to something other than white space, on every call.
// The token's origin is "env NAME". A value [New] refuses gives a
// [*SourceError] naming the variable (never the value); when none is set,
// the error is a [*NotFoundError] listing every name.
func Env(names ...string) Source {
	return envSource{names: slices.Clone(names)}
}

type envSource struct{ names []string }

func (s envSource) Token(ctx context.Context) (Token, error) {
	if err := checkContext(ctx, s.String()); err != nil {
		return Token{}, err
	}
	nf := &NotFoundError{}
	for _, name := range s.names {
		origin := "env " + name
		v, set := os.LookupEnv(name)
		if strings.TrimSpace(v) == "" {
			why := "unset"
			if set {
				why = "empty"
			}
			nf.Tried = append(nf.Tried, origin)
			nf.Why = append(nf.Why, why)
			continue
		}
		t, err := New(v)
		if err != nil {
			return Token{}, &SourceError{Origin: origin, Err: err}
		}
		return t.WithOrigin(origin), nil
	}
	return Token{}, nf
}

func (s envSource) String() string { return "env " + strings.Join(s.names, ", ") }

// MaxFileSize is the largest token file [File] reads.
const MaxFileSize = 64 << 10

// ErrInsecureFile is matched by the [*FileError] that [File] returns for a
// token file that users other than its owner may read or write.
var ErrInsecureFile = errors.New("pat: token file is accessible to other users")

// FileError reports a token file that [File] refuses, and what to do about
// it, e.g. "pat: token file /run/secrets/pat is readable by group or others
// (mode -rw-r--r--): run chmod 600 /run/secrets/pat". It never holds the
// file's content. It unwraps to the cause: [ErrInsecureFile], an [os] error,
// or the [New] error for content that is no token ([ErrEmpty],
// [ErrMalformed]).
type FileError struct {
	// Path is the file, as given to [File].
	Path string
	// Reason says what is wrong and what to do.
	Reason string
	// Err is the cause, nil when there is no more to say.
	Err error
}

func (e *FileError) Error() string {
	if e == nil {
		return "pat: token file refused"
	}
	return "pat: token file " + e.Path + " " + e.Reason
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// File returns a Source that reads a token from the file at path on every
// call, so a token rotated in place is picked up. Surrounding white space
// (a trailing newline) is trimmed. The token's origin is "file PATH".
//
// A missing file gives a [*NotFoundError]. Everything else File refuses is a
// [*FileError], never ErrNotFound, so a [Chain] stops there instead of
// quietly using another token:
//   - on Unix, a file that its group or others may access (any of the bits
//     0o077), the way ssh refuses private keys: the error says "chmod 600
//     FILE". A symbolic link is followed and its target checked. Container
//     secrets mounted 0644 must be mounted 0400 or 0600 (Kubernetes:
//     defaultMode);
//   - a directory, or anything that is not a regular file (a named pipe is
//     refused without being opened for a blocking read);
//   - a file larger than [MaxFileSize];
//   - content that [New] refuses: empty, several lines, control characters.
func File(path string) Source { return fileSource{path: path} }

type fileSource struct{ path string }

func (s fileSource) String() string { return "file " + s.path }

func (s fileSource) Token(ctx context.Context) (Token, error) {
	if err := checkContext(ctx, s.String()); err != nil {
		return Token{}, err
	}
	origin := "file " + s.path
	fi, err := os.Stat(s.path)
	if err != nil {
		return Token{}, s.statError(err, origin)
	}
	if err := s.check(fi); err != nil {
		return Token{}, err
	}
	f, err := openTokenFile(s.path)
	if err != nil {
		return Token{}, s.statError(err, origin)
	}
	defer f.Close()
	// Check what was opened, in case the path changed in between.
	if fi, err = f.Stat(); err != nil {
		return Token{}, &FileError{Path: s.path, Reason: "cannot be read: " + osReason(err), Err: err}
	}
	if err := s.check(fi); err != nil {
		return Token{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Token{}, &FileError{Path: s.path, Reason: "cannot be read: " + osReason(err), Err: err}
	}
	if len(data) > MaxFileSize {
		return Token{}, s.tooBig(int64(len(data)))
	}
	t, err := New(string(data))
	if err != nil {
		return Token{}, &FileError{Path: s.path, Reason: "does not hold a usable token: " + reason(err), Err: err}
	}
	return t.WithOrigin(origin), nil
}

func (s fileSource) statError(err error, origin string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(origin, "does not exist")
	}
	return &FileError{Path: s.path, Reason: "cannot be read: " + osReason(err), Err: err}
}

func (s fileSource) tooBig(size int64) error {
	return &FileError{Path: s.path, Reason: "is " + strconv.FormatInt(size, 10) + " bytes or more, larger than the " +
		strconv.Itoa(MaxFileSize) + " a token file may hold: is it the right file?"}
}

func (s fileSource) check(fi fs.FileInfo) error {
	mode := fi.Mode()
	switch {
	case mode.IsDir():
		return &FileError{Path: s.path, Reason: "is a directory: give the path of the file that holds the token"}
	case !mode.IsRegular():
		return &FileError{Path: s.path, Reason: "is not a regular file (" + fileType(mode) + "): give the path of the file that holds the token"}
	case fi.Size() > MaxFileSize:
		return s.tooBig(fi.Size())
	case checkFilePermissions && mode.Perm()&0o077 != 0:
		return &FileError{
			Path:   s.path,
			Reason: "is accessible to group or others (mode " + mode.Perm().String() + "): a token file must be private; run chmod 600 " + shellQuote(s.path),
			Err:    ErrInsecureFile,
		}
	}
	return nil
}

func fileType(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	}
	return "type " + mode.Type().String()
}

// osReason is err's message without the path an *fs.PathError repeats.
func osReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Static returns a Source that always yields t. A zero t gives a
// [*NotFoundError] ("static token is empty"), so that Chain(Static(flag),
// Env(...)) falls through when a flag was not given.
func Static(t Token) Source { return staticSource{t: t} }

type staticSource struct{ t Token }

func (s staticSource) Token(ctx context.Context) (Token, error) {
	if s.t.IsZero() {
		return Token{}, notFound("static token", "is empty")
	}
	return s.t, nil
}

func (s staticSource) String() string { return "static token " + s.t.Redacted() }

// Chain returns a Source that asks sources in order and yields the first
// token found. An error that does not match [ErrNotFound] stops the chain
// and is returned as is. When every source has nothing, the error is a
// [*NotFoundError] listing everything each one tried. A cancelled ctx stops
// the chain with ctx.Err(). Nil sources are skipped.
func Chain(sources ...Source) Source { return chainSource{sources: slices.Clone(sources)} }

type chainSource struct{ sources []Source }

func (s chainSource) Token(ctx context.Context) (Token, error) {
	all := &NotFoundError{}
	for i, src := range s.sources {
		if src == nil {
			continue
		}
		if err := checkContext(ctx, "chain"); err != nil {
			return Token{}, err
		}
		t, err := src.Token(ctx)
		if err == nil && !t.IsZero() {
			return t, nil
		}
		if err == nil {
			// A Source that answers with no token and no error has none.
			all.Tried = append(all.Tried, "source "+strconv.Itoa(i+1))
			all.Why = append(all.Why, "returned an empty token")
			continue
		}
		if !errors.Is(err, ErrNotFound) {
			return Token{}, err
		}
		var nf *NotFoundError
		if errors.As(err, &nf) {
			for j := range nf.Tried {
				all.Tried = append(all.Tried, nf.Tried[j])
				all.Why = append(all.Why, nf.why(j))
			}
			continue
		}
		all.Tried = append(all.Tried, "source "+strconv.Itoa(i+1))
		all.Why = append(all.Why, "had none ("+reason(err)+")")
	}
	return Token{}, all
}

func (s chainSource) String() string {
	parts := make([]string, 0, len(s.sources))
	for i, src := range s.sources {
		if str, ok := src.(interface{ String() string }); ok {
			parts = append(parts, str.String())
		} else if src != nil {
			parts = append(parts, "source "+strconv.Itoa(i+1))
		}
	}
	return "chain(" + strings.Join(parts, "; ") + ")"
}

var (
	_ Source = envSource{}
	_ Source = fileSource{}
	_ Source = staticSource{}
	_ Source = chainSource{}
)
