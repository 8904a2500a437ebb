package pat

import (
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf8"
)

// minEncodedMatch is the shortest base64 run Scrub searches for: shorter runs
// would mask ordinary words. A secret needs about 8 bytes to produce one.
const minEncodedMatch = 10

// Scrub returns text with every occurrence of t's secret replaced by the
// mask: the raw secret, its percent-encoded forms (any byte written as %XX,
// in either case), and its base64 forms in the standard and URL alphabets,
// padded or not, at every alignment, so that base64("user:" + secret) in an
// echoed Basic Authorization header is caught too. A base64 match masks the
// whole base64 run around it (the user name and padding included), so no
// bits of the secret stay at its edges. The zero Token returns text unchanged.
//
// Scrub is the one scrubber of the module: every path that puts text a
// server or caller controls into an error, a log line, a progress writer or
// output goes through it (see [Sanitize]).
func (t Token) Scrub(text string) string {
	sec := t.Secret()
	if sec == "" || text == "" {
		return text
	}
	text = scrubPlain(text, sec, t.Redacted())
	return scrubBase64(text, sec)
}

// scrubPlain replaces sec where each of its bytes stands either as itself or
// percent-encoded (%XX, any case).
func scrubPlain(text, sec, repl string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); {
		n := matchPercent(text[i:], sec)
		if n == 0 {
			i++
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(repl)
		i += n
		last = i
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// matchPercent returns the length of the prefix of s that spells sec, each
// byte literally or as %XX; 0 when s does not start with it.
func matchPercent(s, sec string) int {
	j := 0
	for k := 0; k < len(sec); k++ {
		switch {
		case j < len(s) && s[j] == sec[k]:
			j++
		case j+2 < len(s) && s[j] == '%' && unhex(s[j+1])<<4|unhex(s[j+2]) == int(sec[k]):
			j += 3
		default:
			return 0
		}
	}
	return j
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

// scrubBase64 masks every base64 run of text that holds the encoding of sec
// at any of the three alignments, in either alphabet.
func scrubBase64(text, sec string) string {
	for align := range 3 {
		// The bytes of sec that fill whole 3-byte groups when sec starts at
		// offset align (mod 3) of the encoded input.
		skip := (3 - align) % 3
		if len(sec)-skip < 3 {
			continue
		}
		body := sec[skip:]
		body = body[:len(body)/3*3]
		core := base64.StdEncoding.EncodeToString([]byte(body))
		if len(core) < minEncodedMatch {
			continue
		}
		text = maskRuns(text, core)
		if url := base64.URLEncoding.EncodeToString([]byte(body)); url != core {
			text = maskRuns(text, url)
		}
	}
	return text
}

// maskRuns replaces every base64 run of text that contains core with the mask.
func maskRuns(text, core string) string {
	for {
		i := strings.Index(text, core)
		if i < 0 {
			return text
		}
		start, end := i, i+len(core)
		for start > 0 && isBase64Byte(text[start-1]) {
			start--
		}
		for end < len(text) && (isBase64Byte(text[end]) || text[end] == '=') {
			end++
		}
		text = text[:start] + mask + text[end:]
	}
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
