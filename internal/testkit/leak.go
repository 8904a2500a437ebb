// Package testkit is the one leak scanner of the module's tests and the
// fixtures they share. It is imported by tests only; production code never
// imports it.
//
// A [Scanner] knows a set of secrets and finds them, or pieces of them, in
// text in every form a careless program or a hostile server produces: raw,
// percent-encoded (any byte, either case, nested), hex, and base64 in the
// standard and URL alphabets, padded or not, at every alignment (so that
// base64("user:" + secret) in an echoed Authorization header is found).
// It scans strings, bytes, files, directory trees (names, contents, symlink
// targets: clone directories, .git/config) and values (every fmt verb, the
// error chain, JSON, slog text and JSON).
package testkit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patgit/patgit/pat"
)

// Window sizes: a run of this many consecutive characters of a secret (past
// its kind's public prefix, which redaction prints) counts as a leak.
const (
	// RawWindow is the leak window in raw, percent-decoded text.
	RawWindow = 8
	// EncodedWindow is the leak window in base64 and hex encodings: 16
	// characters stand for 12 (base64) or 8 (hex) bytes of the secret.
	EncodedWindow = 16
)

// Scanner finds secrets in text. The zero Scanner finds nothing; make one
// with [NewScanner]. A Scanner is safe for concurrent use once made.
type Scanner struct {
	raw     map[string]string // window of a secret -> its label
	encoded map[string]string // window of an encoding -> its label and form
	short   map[string]string // secrets shorter than RawWindow, whole
}

// Leak is one place where a secret was found.
type Leak struct {
	Where  string // what was scanned: "error %+v", "file .git/config", …
	Secret string // the secret's label: its first characters and length, never the secret
	Form   string // "raw", "percent-encoded", "base64", "base64url", "hex"
	Offset int    // byte offset in the scanned text (after percent-decoding for raw forms)
}

func (l Leak) String() string {
	return fmt.Sprintf("%s: %s (%s) at byte %d", l.Where, l.Secret, l.Form, l.Offset)
}

// NewScanner returns a Scanner for secrets (empty ones are ignored).
func NewScanner(secrets ...string) *Scanner {
	s := &Scanner{raw: map[string]string{}, encoded: map[string]string{}, short: map[string]string{}}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		label := Label(secret)
		if len(secret) < RawWindow {
			s.short[secret] = label
			continue
		}
		prefix := pat.Identify(strings.TrimSpace(secret)).Prefix()
		for i := 0; i+RawWindow <= len(secret); i++ {
			if w := secret[i : i+RawWindow]; !strings.Contains(prefix, w) {
				s.raw[w] = label
			}
		}
		for align := range 3 {
			// The characters of the encoding that depend on the secret
			// alone, when it starts align bytes into a 3-byte group.
			skip := (3 - align) % 3
			if len(secret)-skip < 3 {
				continue
			}
			body := secret[skip:]
			body = body[:len(body)/3*3]
			for _, enc := range []struct {
				form string
				e    *base64.Encoding
			}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
				s.addWindows(enc.e.EncodeToString([]byte(body)), label, enc.form)
			}
		}
		s.addWindows(hex.EncodeToString([]byte(secret)), label, "hex")
		s.addWindows(strings.ToUpper(hex.EncodeToString([]byte(secret))), label, "hex")
	}
	return s
}

func (s *Scanner) addWindows(enc, label, form string) {
	if len(enc) < EncodedWindow {
		s.encoded[enc] = label + "\x00" + form
		return
	}
	for i := 0; i+EncodedWindow <= len(enc); i++ {
		s.encoded[enc[i:i+EncodedWindow]] = label + "\x00" + form
	}
}

// Label names a secret in a failure message without showing it: its first
// four characters (at most a public prefix) and its length.
func Label(secret string) string {
	return fmt.Sprintf("secret %s… (%d bytes)", secret[:min(4, len(secret))], len(secret))
}

// String returns every leak in text.
func (s *Scanner) String(where, text string) []Leak {
	if s == nil || text == "" {
		return nil
	}
	var out []Leak
	seen := map[string]bool{}
	add := func(l Leak) {
		key := l.Secret + "\x00" + l.Form
		if !seen[key] {
			seen[key] = true
			out = append(out, l)
		}
	}
	// Raw and percent-encoded (nested percent-encoding too): decode until
	// nothing changes, scanning each stage.
	stage, form := text, "raw"
	for range 4 {
		for i := 0; i+RawWindow <= len(stage); i++ {
			if label, ok := s.raw[stage[i:i+RawWindow]]; ok {
				add(Leak{Where: where, Secret: label, Form: form, Offset: i})
				break
			}
		}
		for sec, label := range s.short {
			if i := strings.Index(stage, sec); i >= 0 {
				add(Leak{Where: where, Secret: label, Form: form, Offset: i})
			}
		}
		next := percentDecode(stage)
		if next == stage {
			break
		}
		stage, form = next, "percent-encoded"
	}
	for i := 0; i+EncodedWindow <= len(text); i++ {
		if v, ok := s.encoded[text[i:i+EncodedWindow]]; ok {
			label, form, _ := strings.Cut(v, "\x00")
			add(Leak{Where: where, Secret: label, Form: form, Offset: i})
		}
	}
	for enc, v := range s.encoded {
		if len(enc) < EncodedWindow {
			if i := strings.Index(text, enc); i >= 0 {
				label, form, _ := strings.Cut(v, "\x00")
				add(Leak{Where: where, Secret: label, Form: form, Offset: i})
			}
		}
	}
	return out
}

// percentDecode replaces every %XX (either case) by its byte.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				b.WriteByte(v[0])
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Bytes returns every leak in b.
func (s *Scanner) Bytes(where string, b []byte) []Leak { return s.String(where, string(b)) }

// File returns every leak in the file at path, its name included.
func (s *Scanner) File(path string) []Leak {
	out := s.String("file name "+path, path)
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	return append(out, s.Bytes("file "+path, b)...)
}

// Dir returns every leak under dir: file and directory names, file
// contents and symlink targets. A dir that does not exist holds none.
func (s *Scanner) Dir(dir string) []Leak {
	var out []Leak
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone or unreadable: nothing to read
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			out = append(out, s.String("symlink "+path, path+" -> "+target)...)
		case d.Type().IsRegular():
			out = append(out, s.File(path)...)
		default:
			out = append(out, s.String("name "+path, path)...)
		}
		return nil
	})
	return out
}

// Value returns every leak in every printed, encoded and logged form of v:
// fmt's %v, %+v, %#v, %s and %q; for an error, also Error and %#v of each
// error it wraps; JSON; slog's text and JSON handlers.
func (s *Scanner) Value(where string, v any) []Leak {
	if v == nil {
		return nil
	}
	var out []Leak
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, s.String(where+" "+verb, fmt.Sprintf(verb, v))...)
	}
	if err, ok := v.(error); ok {
		for i, e := range Chain(err) {
			out = append(out, s.String(fmt.Sprintf("%s chain[%d] Error()", where, i), e.Error())...)
			out = append(out, s.String(fmt.Sprintf("%s chain[%d] %%#v", where, i), fmt.Sprintf("%#v", e))...)
		}
	}
	if b, err := json.Marshal(v); err == nil {
		out = append(out, s.Bytes(where+" JSON", b)...)
	}
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"slog JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Error("result", "v", v)
		log.LogAttrs(context.Background(), slog.LevelError, "result", slog.Any("v", v))
		log.Error("result", slog.Group("g", "v", v))
		out = append(out, s.String(where+" "+h.name, buf.String())...)
	}
	return out
}

// Chain returns err and every error it wraps, depth first.
func Chain(err error) []error {
	var out []error
	var walk func(error, int)
	walk = func(e error, depth int) {
		if e == nil || depth > 32 {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x, depth+1)
			}
		}
	}
	walk(err, 0)
	return out
}

// NoLeak fails t for every leak of secrets in any form of v (see
// [Scanner.Value]). Strings and byte slices are scanned as text.
func NoLeak(t testing.TB, where string, v any, secrets ...string) {
	t.Helper()
	s := NewScanner(secrets...)
	var leaks []Leak
	switch x := v.(type) {
	case string:
		leaks = s.String(where, x)
	case []byte:
		leaks = s.Bytes(where, x)
	default:
		leaks = s.Value(where, v)
	}
	report(t, leaks)
}

// NoLeakInDir fails t for every leak of secrets under dir (see
// [Scanner.Dir]).
func NoLeakInDir(t testing.TB, dir string, secrets ...string) {
	t.Helper()
	report(t, NewScanner(secrets...).Dir(dir))
}

func report(t testing.TB, leaks []Leak) {
	t.Helper()
	for _, l := range leaks {
		t.Errorf("leak: %s", l)
	}
}
