package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Text rules: every free-text field of an input (a name, a reference, a SKU,
// a description, a note) is either single-line or multi-line and has a
// maximum length, counted in characters (Unicode code points). The limits are
// here, in one place, and docs/api.md lists them.
//
//   - Single-line text: valid UTF-8; no control character (tab and newline
//     included), no line or paragraph separator (U+2028, U+2029) and no
//     bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which
//     can make a reference read differently from what is stored.
//   - Multi-line text (notes, reasons, findings, summaries, comments,
//     descriptions, rules): valid UTF-8; tab, newline and carriage return
//     (browsers send a textarea's lines as CR LF) are allowed, no other
//     control character.
const (
	MaxSKU            = 64   // a product's SKU
	MaxShortText      = 100  // references, vessel/voyage, terminal, yard location
	MaxName           = 200  // importer of record and other names
	MaxDescription    = 500  // a product or line description
	MaxLongText       = 4000 // notes, reasons, findings, summaries, comments, coding rules
	MaxIdempotencyKey = 200  // an Idempotency-Key or client_request_id
	MaxFileName       = 255  // an uploaded document's file name (one line)
)

// TextRule is how one field is checked: single- or multi-line, and at most
// Max characters.
type TextRule struct {
	Multiline bool
	Max       int
}

// The rules of the kinds of field.
var (
	SKUText         = TextRule{Max: MaxSKU}
	ShortText       = TextRule{Max: MaxShortText}
	NameText        = TextRule{Max: MaxName}
	DescriptionText = TextRule{Multiline: true, Max: MaxDescription}
	LongText        = TextRule{Multiline: true, Max: MaxLongText}
)

// Check says what is wrong with s under the rule, or nil. An empty s passes:
// whether a field is required is the caller's to say.
func (r TextRule) Check(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8 text")
	}
	n := 0
	for _, c := range s {
		n++
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			if !r.Multiline {
				return fmt.Errorf("must be one line: it holds a %s", charName(c))
			}
		case unicode.IsControl(c):
			return fmt.Errorf("holds a control character (%U)", c)
		case !r.Multiline && (c == '\u2028' || c == '\u2029'):
			return fmt.Errorf("must be one line: it holds a line separator (%U)", c)
		case !r.Multiline && isBidiControl(c):
			return fmt.Errorf("holds a bidirectional override or isolate character (%U), which can make it read differently from what is stored", c)
		}
	}
	if n > r.Max {
		return fmt.Errorf("is longer than %d characters", r.Max)
	}
	return nil
}

// SingleLine checks a one-line text of at most max characters.
func SingleLine(s string, max int) error { return TextRule{Max: max}.Check(s) }

// MultiLine checks a text of at most max characters that may span lines.
func MultiLine(s string, max int) error { return TextRule{Multiline: true, Max: max}.Check(s) }

func isBidiControl(c rune) bool {
	return c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069'
}

func charName(c rune) string {
	switch c {
	case '\t':
		return "tab"
	case '\n':
		return "newline"
	}
	return "carriage return"
}

// CheckIdempotencyKey checks an Idempotency-Key (or client_request_id): 1 to
// 200 printable ASCII characters, 0x21 to 0x7E; no spaces, no other byte. A
// UUID, a ULID or any token a client makes up fits; the key becomes part of a
// Temporal update id and of a workflow id, which have limits of their own.
func CheckIdempotencyKey(k string) error {
	if k == "" {
		return fmt.Errorf("is empty")
	}
	if len(k) > MaxIdempotencyKey {
		return fmt.Errorf("is longer than %d characters", MaxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if b := k[i]; b < 0x21 || b > 0x7e {
			return fmt.Errorf("must be printable ASCII without spaces (0x21 to 0x7E); byte %d is 0x%02X", i+1, b)
		}
	}
	return nil
}

// CheckJSONText looks at every string of a JSON document as it was sent,
// before encoding/json decodes it: decoding silently replaces bytes that are
// not UTF-8, and escapes of lone UTF-16 surrogates ("\ud800"), with U+FFFD,
// so the text stored would not be the text sent. A NUL character (raw or
// "\u0000") is refused too: no text of ours holds one and PostgreSQL cannot
// store it. It returns the path of the first bad string ("sku",
// "lines[0].description"; a field name that is itself bad is named with
// " (a field name)") and what is wrong, or "" and nil. A document that is
// not valid JSON is left to the decoder to describe: "", nil.
func CheckJSONText(raw []byte) (field string, err error) {
	type frame struct {
		object bool
		key    string // the current key of an object
		index  int    // the current index of an array
		keyDue bool   // an object's next string is a key
	}
	var stack []frame
	path := func() string {
		var b bytes.Buffer
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	// valueDone moves the enclosing container past a complete value.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].keyDue = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	prev := dec.InputOffset()
	for {
		tok, terr := dec.Token()
		if terr == io.EOF {
			return "", nil
		}
		if terr != nil {
			return "", nil
		}
		end := dec.InputOffset()
		seg := raw[prev:end]
		prev = end
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, keyDue: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			lit := seg
			if i := bytes.IndexByte(seg, '"'); i >= 0 {
				lit = seg[i:]
			}
			bad := badJSONString(lit)
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].keyDue {
				stack[n-1].key, stack[n-1].keyDue = t, false
				if bad != "" {
					return path() + " (a field name)", fmt.Errorf("%s", bad)
				}
				continue
			}
			if bad != "" {
				return path(), fmt.Errorf("%s", bad)
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// badJSONString says what is wrong with a JSON string literal (quotes
// included) as sent, or "".
func badJSONString(lit []byte) string {
	if !utf8.Valid(lit) {
		return "is not valid UTF-8 text: it holds bytes that are not UTF-8 (send the text as UTF-8)"
	}
	if bytes.IndexByte(lit, 0) >= 0 {
		return "holds a NUL character"
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' || i+1 >= len(lit) {
			continue
		}
		if lit[i+1] != 'u' {
			i++ // an escape of one character: \" \\ \n ...
			continue
		}
		u, ok := hex4(lit, i+2)
		if !ok {
			return "" // malformed: the decoder says so
		}
		switch {
		case u == 0:
			return "holds a NUL character"
		case u >= 0xD800 && u <= 0xDBFF:
			lo, ok := hex4(lit, i+8)
			if !ok || lit[i+6] != '\\' || lit[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
				return `is not valid text: it holds a lone UTF-16 surrogate escape (\u` + string(lit[i+2:i+6]) + `)`
			}
			i += 11
		case u >= 0xDC00 && u <= 0xDFFF:
			return `is not valid text: it holds a lone UTF-16 surrogate escape (\u` + string(lit[i+2:i+6]) + `)`
		default:
			i += 5
		}
	}
	return ""
}

// hex4 reads the 4 hex digits at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}
