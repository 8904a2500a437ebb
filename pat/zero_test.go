package pat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// No function or method of pat panics on zero values or nil arguments:
// each returns a typed error or a harmless value.
func TestZeroValuesAndNilArguments(t *testing.T) {
	var z Token
	var nilCtx context.Context
	calls := map[string]func() error{
		"Token methods": func() error {
			_ = z.Secret() + z.Kind().String() + z.Origin() + z.Redacted() + z.String() + z.GoString() + z.Scrub("x") + fmt.Sprintf("%v %q %#v %x", z, z, z, z)
			_, _ = z.MarshalJSON()
			_, _ = z.MarshalText()
			_ = z.LogValue()
			_ = z.WithOrigin("o").WithExpiry(time.Time{}).ExpiresAt()
			_, _ = json.Marshal(struct{ T *Token }{})
			return z.Validate()
		},
		"Kind out of range": func() error {
			for _, k := range []Kind{-1, 12, 1 << 30} {
				_ = k.String() + k.Provider() + k.Prefix()
				_, _ = k.MarshalText()
			}
			return nil
		},
		"Identify, Find, Sanitize, checksums": func() error {
			_ = Identify("")
			_ = Find(nil)
			_ = Find([]byte{})
			_ = Sanitize("", 0)
			_ = Sanitize("x", -1, Token{}, Token{})
			_ = Checksum("") + GitLabChecksum("") + GitLabRoutable("", [16]byte{}, "")
			return nil
		},
		"New empty":           func() error { _, err := New(""); return err },
		"Static zero":         func() error { _, err := Static(Token{}).Token(context.Background()); return err },
		"Static nil ctx":      func() error { _, err := Static(Token{}).Token(nilCtx); return err },
		"Chain nil":           func() error { _, err := Chain(nil).Token(context.Background()); return err },
		"Chain none":          func() error { _, err := Chain().Token(context.Background()); return err },
		"Chain nil ctx":       func() error { _, err := Chain(Static(Token{})).Token(nilCtx); return err },
		"Env none":            func() error { _, err := Env().Token(context.Background()); return err },
		"Env nil ctx":         func() error { _, err := Env("PAT_ZERO_TEST").Token(nilCtx); return err },
		"File empty path":     func() error { _, err := File("").Token(context.Background()); return err },
		"File nil ctx":        func() error { _, err := File("").Token(nilCtx); return err },
		"GitCredential empty": func() error { _, err := GitCredential("").Token(context.Background()); return err },
		"GitCredential nil ctx": func() error {
			_, err := GitCredential("https://example.com/x").Token(nilCtx)
			return err
		},
		"FillCredential nil ctx": func() error { _, err := FillCredential(nilCtx, "https://example.com/x"); return err },
		"Refresh nil":            func() error { _, err := Refresh(nil).Token(context.Background()); return err },
		"RefreshWithClock nil":   func() error { _, err := RefreshWithClock(nil, nil).Token(nilCtx); return err },
		"ReadCredential nil":     func() error { _, err := ReadCredential(nil); return err },
		"WriteCredential nil":    func() error { return WriteCredential(nil, Credential{}) },
		"Credential zero": func() error {
			var c Credential
			_ = c.String() + c.GoString() + fmt.Sprintf("%v %#v", c, c) + fmt.Sprint(c.Values("x"))
			_, _ = c.MarshalJSON()
			_ = c.LogValue()
			var a Attribute
			_ = a.String() + a.Value() + a.GoString()
			return WriteCredential(&bytes.Buffer{}, c)
		},
		"nil error values": func() error {
			for _, e := range []error{(*NotFoundError)(nil), (*SourceError)(nil), (*FileError)(nil), (*MalformedError)(nil),
				(*ChecksumError)(nil), (*ProtocolError)(nil), (*GitError)(nil), &NotFoundError{}, &SourceError{}, &FileError{}, &ChecksumError{}, &ProtocolError{}, &GitError{}} {
				_ = e.Error()
				_ = errors.Is(e, ErrNotFound)
			}
			return nil
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			_ = call()
		})
	}
	slog.New(slog.DiscardHandler).Info("zero", "t", z)
}

// A nil context is a typed error from every Source, not a panic.
func TestSourcesRefuseNilContext(t *testing.T) {
	var nilCtx context.Context
	tok := mustNew(t, genToken(GitHubClassic, "nil-ctx"))
	for name, src := range map[string]Source{
		"Env":           Env("PAT_NIL_CTX"),
		"File":          File("/nonexistent"),
		"Chain":         Chain(Env("PAT_NIL_CTX")),
		"GitCredential": GitCredential("https://example.com/o/r"),
		"Refresh":       Refresh(func(context.Context) (Token, error) { return tok, nil }),
	} {
		var se *SourceError
		if _, err := src.Token(nilCtx); !errors.As(err, &se) {
			t.Errorf("%s: %v; want a *SourceError", name, err)
		}
	}
	// Static needs no context: it answers.
	if got, err := Static(tok).Token(nilCtx); err != nil || got.Secret() != tok.Secret() {
		t.Errorf("Static: %v", err)
	}
	var pe *ProtocolError
	if _, err := ReadCredential(nil); !errors.As(err, &pe) {
		t.Errorf("ReadCredential(nil): %v", err)
	}
	if err := WriteCredential(nil, Credential{Host: "h"}); !errors.As(err, &pe) {
		t.Errorf("WriteCredential(nil): %v", err)
	}
}
