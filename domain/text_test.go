package domain

import (
	"strings"
	"testing"
)

func TestTextRules(t *testing.T) {
	tests := []struct {
		name string
		rule TextRule
		in   string
		want string // "" when accepted, else a part of the message
	}{
		{"plain", ShortText, "PSC-2026-0042", ""},
		{"empty passes (required is the caller's)", ShortText, "", ""},
		{"accents and CJK count as characters", SKUText, strings.Repeat("é", MaxSKU), ""},
		{"one character too many", SKUText, strings.Repeat("é", MaxSKU+1), "longer than 64 characters"},
		{"exactly the limit", LongText, strings.Repeat("x", MaxLongText), ""},
		{"over the limit", LongText, strings.Repeat("x", MaxLongText+1), "longer than 4000"},
		{"description over 500", DescriptionText, strings.Repeat("x", MaxDescription+1), "longer than 500"},
		{"not UTF-8", SKUText, "WR-\xff\xfe", "not valid UTF-8"},
		{"not UTF-8 in a note", LongText, "ok \xc3", "not valid UTF-8"},
		{"newline in one line", ShortText, "PSC-1\nPSC-2", "must be one line: it holds a newline"},
		{"tab in one line", NameText, "Acme\tTools", "must be one line: it holds a tab"},
		{"CR in one line", NameText, "Acme\rTools", "carriage return"},
		{"newline in a note", LongText, "first line\nsecond line", ""},
		{"CR LF and tab in a note (a textarea)", LongText, "a\r\n\tb", ""},
		{"NUL", LongText, "a\x00b", "control character (U+0000)"},
		{"escape", ShortText, "a\x1b[31m", "control character (U+001B)"},
		{"DEL", ShortText, "a\x7f", "control character (U+007F)"},
		{"C1 control", LongText, "a\u0085b", "control character (U+0085)"},
		{"right-to-left override", ShortText, "PSC-\u202E1234", "bidirectional override"},
		{"left-to-right embedding", SKUText, "\u202AWR", "bidirectional"},
		{"first strong isolate", NameText, "Acme\u2068 Tools", "bidirectional"},
		{"pop directional isolate", NameText, "Acme\u2069", "bidirectional"},
		{"bidi characters in a note are text", LongText, "שלום \u202B...\u202C", ""},
		{"line separator in one line", ShortText, "a\u2028b", "line separator"},
		{"right-to-left text itself is fine", NameText, "שלום Tools", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Check(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check(%q) = %v, want accepted", tt.in, err)
			case tt.want != "" && err == nil:
				t.Fatalf("Check(%q) accepted, want %q", tt.in, tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Check(%q) = %q, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
	if SingleLine("a\nb", 10) == nil || MultiLine("a\nb", 10) != nil || MultiLine("abc", 2) == nil {
		t.Error("SingleLine and MultiLine do not follow their rules")
	}
}

func TestCheckIdempotencyKey(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"0b4f7c8e-2a1d-4c9e-9f3a-5d6e7f8a9b0c", ""},
		{"01HZX3K5Q8R2M7N4P6T9V0W1Y3", ""},
		{"!~key:with/punctuation#1", ""},
		{strings.Repeat("k", MaxIdempotencyKey), ""},
		{strings.Repeat("k", MaxIdempotencyKey+1), "longer than 200"},
		{strings.Repeat("k", 977), "longer than 200"},
		{"", "empty"},
		{"two words", "byte 4 is 0x20"},
		{"tab\tkey", "0x09"},
		{"key-\xff", "byte 5 is 0xFF"},
		{"clé", "0xC3"},
		{"del\x7f", "0x7F"},
	}
	for _, tt := range tests {
		err := CheckIdempotencyKey(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckIdempotencyKey(%.40q) = %v, want accepted", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckIdempotencyKey(%.40q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestCheckJSONText(t *testing.T) {
	tests := []struct {
		name, in  string
		wantField string // "" when every string is fine
		want      string
	}{
		{"fine", `{"sku":"WR-12","n":1,"lines":[{"sku":"a"},{"sku":"é"}]}`, "", ""},
		{"escaped fine", `{"text":"tab\t \"quote\" \\u0000 is text, \u00e9 \ud83d\ude00"}`, "", ""},
		{"raw bytes not UTF-8", "{\"sku\":\"WR-\xff\xfe\"}", "sku", "not valid UTF-8"},
		{"nested", "{\"lines\":[{\"sku\":\"a\"},{\"sku\":\"b\",\"description\":\"\xc3(\"}]}", "lines[1].description", "not valid UTF-8"},
		{"after numbers and booleans", "{\"a\":1,\"b\":true,\"c\":null,\"d\":[1,2],\"reference\":\"\xff\"}", "reference", "UTF-8"},
		{"array of strings", "{\"seals\":[\"ok\",\"\xff\"]}", "seals[1]", "UTF-8"},
		{"top-level array", "[{\"sku\":\"a\"},{\"sku\":\"\xff\"}]", "[1].sku", "UTF-8"},
		{"lone high surrogate", `{"reference":"PSC-\ud800"}`, "reference", "lone UTF-16 surrogate"},
		{"lone low surrogate", `{"reference":"\udc00x"}`, "reference", "lone UTF-16 surrogate"},
		{"high surrogate then not a low one", `{"reference":"\ud800\u0041"}`, "reference", "surrogate"},
		{"NUL escape", `{"text":"a\u0000b"}`, "text", "NUL"},
		{"bad field name", "{\"sk\xffu\":\"a\"}", "sk\ufffdu (a field name)", "UTF-8"},
		{"bad nested field name", "{\"a\":{\"b\xff\":1}}", "a.b\ufffd (a field name)", "UTF-8"},
		{"string body", "\"\xff\"", "body", "UTF-8"},
		{"not JSON: the decoder's to say", `{"a":`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field, err := CheckJSONText([]byte(tt.in))
			if field != tt.wantField {
				t.Fatalf("field = %q (%v), want %q", field, err, tt.wantField)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
