package pat

import (
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// minEncodedMatch is the shortest encoded form (base64, hex) Scrub searches
// for: shorter runs would mask ordinary words. A secret needs about 12 bytes
// for its base64 to be searched at every alignment; a shorter one is still
// scrubbed raw and percent-encoded.
const minEncodedMatch = 10

// minTailMatch is the shortest tail of a raw secret Scrub searches for.
const minTailMatch = 12

// maxDecodeLevels is how many times Scrub undoes percent-encoding (and
// JSON's "\/" and "\u00XX" escapes): twice catches "%2541" for "A".
const maxDecodeLevels = 2

// Scrub returns text with every occurrence of t's secret replaced by the
// mask:
//   - the raw secret, shown as t's redacted form ([Token.Redacted]);
//   - the secret with any subset of its bytes percent-encoded (%XX, either
//     case), also encoded twice (%25XX), or escaped as JSON may escape
//     them ("\u00XX", "\/");
//   - its base64 forms in the standard and URL alphabets, padded or not,
//     at every alignment (so that base64("user:" + secret) in an echoed
//     Basic Authorization header is caught), also when the base64 itself
//     is percent-encoded or JSON-escaped: the whole base64 run around a
//     match is masked (the user name and padding included), so no bits of
//     the secret stay at its edges;
//   - its hexadecimal form, either case.
//
// The zero Token returns text unchanged. Scrub reads text a bounded number
// of times: its cost is linear in len(text) (plus len(secret)).
//
// Scrub is the one scrubber of the module: every path that puts text a
// server or caller controls into an error, a log line, a progress writer or
// output goes through it (see [Sanitize]).
func (t Token) Scrub(text string) string {
	sec := t.Secret()
	if sec == "" || text == "" {
		return text
	}
	var sc scrubber
	sc.patterns(sec)
	sc.collect(text, nil)
	view, offs := text, []int(nil)
	for range maxDecodeLevels {
		if !hasEscape(view) {
			break
		}
		view, offs = unescape(view, offs)
		sc.collect(view, offs)
	}
	if len(sc.spans) == 0 {
		return text
	}
	return sc.apply(text, t.Redacted())
}

// scrubber collects the spans of text to mask.
type scrubber struct {
	raw     []pattern // the secret, and its tail
	encoded []pattern // its base64 cores and hex forms, and their tails
	spans   []span    // in original offsets, unordered
}

// pattern is a string to search for. A tail (back > 0) is a pattern without
// its first bytes: an escape that starts before a match may swallow up to 4
// of them when the text is decoded ("%0" before "e…" reads as "%0e"), so
// tails are searched too and their matches reach back over back bytes.
type pattern struct {
	s    string
	back int
}

// tailCut is how many leading bytes a tail drops: the most an escape
// starting before a match can swallow ("\u" before "00XX…").
const tailCut = 4

type span struct {
	start, end int
	raw        bool // the raw secret (shown as the redacted form)
}

// patterns computes what to search for: the base64 of the part of sec
// that fills whole 3-byte groups at each alignment, in both alphabets, and
// sec in hexadecimal.
func (sc *scrubber) patterns(sec string) {
	sc.raw = append(sc.raw, pattern{sec, 0})
	if len(sec)-tailCut >= minTailMatch {
		sc.raw = append(sc.raw, pattern{sec[tailCut:], tailCut})
	}
	add := func(p string) {
		if len(p) < minEncodedMatch || slices.Contains(sc.encoded, pattern{p, 0}) {
			return
		}
		sc.encoded = append(sc.encoded, pattern{p, 0})
		if len(p)-tailCut >= minEncodedMatch {
			sc.encoded = append(sc.encoded, pattern{p[tailCut:], tailCut})
		}
	}
	for align := range 3 {
		skip := (3 - align) % 3
		if len(sec)-skip < 3 {
			continue
		}
		body := sec[skip:]
		body = body[:len(body)/3*3]
		add(base64.StdEncoding.EncodeToString([]byte(body)))
		add(base64.URLEncoding.EncodeToString([]byte(body)))
	}
	h := hex.EncodeToString([]byte(sec))
	add(h)
	add(strings.ToUpper(h))
}

// collect adds the spans of view (text, or a decoded form of it whose byte
// i comes from text[offs[i]:offs[i+1]]) that hold the secret.
func (sc *scrubber) collect(view string, offs []int) {
	orig := func(i int) int {
		if offs == nil {
			return i
		}
		return offs[i]
	}
	for _, p := range sc.raw {
		last := 0
		for from := 0; ; {
			i := strings.Index(view[from:], p.s)
			if i < 0 {
				break
			}
			start, end := max(last, i+from-p.back), i+from+len(p.s)
			sc.spans = append(sc.spans, span{orig(start), orig(end), true})
			last, from = end, end
		}
	}
	for _, p := range sc.encoded {
		last := 0 // runs do not reach back past the previous one
		for from := 0; ; {
			i := strings.Index(view[from:], p.s)
			if i < 0 {
				break
			}
			start, end := max(last, i+from-p.back), i+from+len(p.s)
			for start > last && isBase64Byte(view[start-1]) {
				start--
			}
			for end < len(view) && (isBase64Byte(view[end]) || view[end] == '=') {
				end++
			}
			sc.spans = append(sc.spans, span{orig(start), orig(end), false})
			last, from = end, end
		}
	}
}

// apply replaces the spans of text (merged where they overlap or touch).
func (sc *scrubber) apply(text, redacted string) string {
	slices.SortFunc(sc.spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for i := 0; i < len(sc.spans); {
		cur := sc.spans[i]
		for i++; i < len(sc.spans) && sc.spans[i].start <= cur.end; i++ {
			cur.end = max(cur.end, sc.spans[i].end)
			cur.raw = cur.raw || sc.spans[i].raw
		}
		b.WriteString(text[pos:cur.start])
		if cur.raw {
			b.WriteString(redacted)
		} else {
			b.WriteString(mask)
		}
		pos = cur.end
	}
	b.WriteString(text[pos:])
	return b.String()
}

// hasEscape reports whether s holds an escape that unescape undoes.
func hasEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c == '%' || c == '\\') && escapeLen(s, i) > 0 {
			return true
		}
	}
	return false
}

// escapeLen returns the length of the escape at s[i] and the byte it
// stands for: %XX, "\/" or "\u00XX" (ASCII); 0 when there is none.
func escapeLen(s string, i int) int {
	switch {
	case s[i] == '%' && i+2 < len(s) && unhex(s[i+1])|unhex(s[i+2]) >= 0:
		return 3
	case s[i] != '\\' || i+1 >= len(s):
	case s[i+1] == '/':
		return 2
	case i+5 < len(s) && s[i+1] == 'u' && s[i+2] == '0' && s[i+3] == '0' && unhex(s[i+4])|unhex(s[i+5]) >= 0 && unhex(s[i+4]) < 8:
		return 6
	}
	return 0
}

// unescape undoes one level of percent-encoding (%XX) and of the JSON
// escapes that may hide a secret's bytes ("\u00XX" for ASCII, "\/"),
// returning the decoded text and, for each of its bytes and its end, the
// offset in the original text (offs maps s's own offsets there; nil: s is
// the original).
func unescape(s string, offs []int) (string, []int) {
	orig := func(i int) int {
		if offs == nil {
			return i
		}
		return offs[i]
	}
	var b strings.Builder
	b.Grow(len(s))
	out := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		// Copy up to the next escape in one go.
		j := i
		for j < len(s) && (s[j] != '%' && s[j] != '\\' || escapeLen(s, j) == 0) {
			j++
		}
		b.WriteString(s[i:j])
		for k := i; k < j; k++ {
			out = append(out, orig(k))
		}
		if j == len(s) {
			break
		}
		n := escapeLen(s, j)
		c := byte('/')
		switch n {
		case 3:
			c = byte(unhex(s[j+1])<<4 | unhex(s[j+2]))
		case 6:
			c = byte(unhex(s[j+4])<<4 | unhex(s[j+5]))
		}
		b.WriteByte(c)
		out = append(out, orig(j))
		i = j + n
	}
	out = append(out, orig(len(s)))
	return b.String(), out
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1 << 8 // negative whichever half it is: never a byte value
}

func isBase64Byte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// Sanitize makes text that a server or a caller controls fit for an error
// message, a log line or a progress writer: every secret of tokens scrubbed
// ([Token.Scrub]); control and format characters (escape sequences, NUL,
// bidirectional overrides) and invalid UTF-8 removed; white space and line
// breaks folded into single spaces, so the result is one line, trimmed, and
// cut to at most max bytes (max <= 0: no cut) at a character boundary, with
// "…" marking a cut.
// Scrubbing runs before and after folding, so a secret split by control
// characters is caught too, and before cutting, so no partial secret
// survives a cut.
func Sanitize(text string, max int, tokens ...Token) string {
	for _, t := range tokens {
		text = t.Scrub(text)
	}
	text = foldControls(text)
	for _, t := range tokens {
		text = t.Scrub(text)
	}
	if max > 0 && len(text) > max {
		cut := max - len("…")
		if cut < 0 {
			cut = 0
		}
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = strings.TrimRight(text[:cut], " ") + "…"
	}
	return text
}

// foldControls removes control and format characters (escape sequence
// introducers, NUL, bidirectional overrides) and invalid UTF-8, turns each
// run of white space (line breaks included) into one space, and trims the
// ends.
func foldControls(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean && !strings.Contains(s, "  ") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
