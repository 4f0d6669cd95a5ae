package hts

import (
	"regexp"
	"slices"
	"strings"
)

// ChangeKind says how a line differs between two revisions.
type ChangeKind string

const (
	Added       ChangeKind = "added"
	Removed     ChangeKind = "removed"
	RateChanged ChangeKind = "rate"        // general, special or other rate
	DescChanged ChangeKind = "description" // the line's own text
	// Chapter99 is a new Chapter 99 line; Names lists the subheadings its
	// text names (the goods its additional duty falls on).
	Chapter99 ChangeKind = "chapter99"
)

// Change is one difference of a revision from the one before it.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	Code   string     `json:"code"`
	Digits string     `json:"-"`
	// Field is what changed for a rate: "general", "special" or "other".
	Field  string   `json:"field,omitempty"`
	Before string   `json:"before,omitempty"`
	After  string   `json:"after,omitempty"`
	Names  []string `json:"names,omitempty"` // Chapter99: the codes its text names, dotted as written
}

// Diff compares two revisions' lines, both in key (Digits) order, as a merge
// walk. A statistical line that carries its 8-digit line's rates reports no
// rate change of its own: the 8-digit line's change covers it.
func Diff(before, after []Line) []Change {
	var out []Change
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && before[i].Digits < after[j].Digits):
			out = append(out, Change{Kind: Removed, Code: before[i].Code, Digits: before[i].Digits, Before: before[i].Description})
			i++
		case i == len(before) || after[j].Digits < before[i].Digits:
			out = append(out, added(after[j])...)
			j++
		default:
			out = append(out, changed(before[i], after[j])...)
			i, j = i+1, j+1
		}
	}
	return out
}

func added(l Line) []Change {
	c := []Change{{Kind: Added, Code: l.Code, Digits: l.Digits, After: l.Description}}
	if strings.HasPrefix(l.Digits, "99") {
		text := strings.Join(append([]string{l.Description}, l.Footnotes...), " ")
		c = append(c, Change{Kind: Chapter99, Code: l.Code, Digits: l.Digits, After: l.Description, Names: NamedCodes(text)})
	}
	return c
}

func changed(b, a Line) []Change {
	var out []Change
	if a.RateFrom == "" || b.RateFrom == "" {
		for _, f := range []struct{ name, b, a string }{{"general", b.General, a.General}, {"special", b.Special, a.Special}, {"other", b.Other, a.Other}} {
			if f.b != f.a {
				out = append(out, Change{Kind: RateChanged, Code: a.Code, Digits: a.Digits, Field: f.name, Before: f.b, After: f.a})
			}
		}
	}
	if b.Description != a.Description {
		out = append(out, Change{Kind: DescChanged, Code: a.Code, Digits: a.Digits, Before: b.Description, After: a.Description})
	}
	return out
}

// namedRe finds "subheading 8467.21.00", "headings 8467 and 8468",
// "subheadings 8467.21.00, 8467.22.00 or 8467.29.00" in a Chapter 99 text.
var (
	namedRe = regexp.MustCompile(`(?i)\b(?:sub)?headings?\s+((?:[0-9]{4}(?:\.[0-9]{2}){0,3})(?:(?:\s*,\s*|\s*,?\s+(?:and|or|through)\s+)[0-9]{4}(?:\.[0-9]{2}){0,3})*)`)
	codeIn  = regexp.MustCompile(`[0-9]{4}(?:\.[0-9]{2}){0,3}`)
)

// NamedCodes are the headings and subheadings a text names outside
// Chapter 99 (a Chapter 99 text names its own headings too), sorted, once
// each.
func NamedCodes(text string) []string {
	var out []string
	for _, m := range namedRe.FindAllStringSubmatch(text, -1) {
		for _, c := range codeIn.FindAllString(m[1], -1) {
			if !strings.HasPrefix(c, "99") && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Affects says whether a change touches a declared 10-digit code (dotted
// ####.##.####): its line or a line above it changed, or a new Chapter 99
// line names it or a heading above it.
func (c Change) Affects(code string) bool {
	d := strings.ReplaceAll(code, ".", "")
	if c.Kind == Chapter99 {
		for _, n := range c.Names {
			if strings.HasPrefix(d, strings.ReplaceAll(n, ".", "")) {
				return true
			}
		}
		return false
	}
	if c.Kind == Added {
		return false // a new line is no change to a code already declared
	}
	// A line changes every code under it (an 8-digit line reports as its digits and 00).
	return strings.HasPrefix(d, c.Digits)
}

// What says in words what kind of change c is, for pages.
func (c Change) What() string {
	switch c.Kind {
	case Added:
		return "New line"
	case Removed:
		return "Line removed"
	case RateChanged:
		return strings.ToUpper(c.Field[:1]) + c.Field[1:] + " rate changed"
	case DescChanged:
		return "Description changed"
	case Chapter99:
		return "New Chapter 99 line"
	}
	return string(c.Kind)
}

// Chapters are the two-digit chapters of the codes the changes can affect
// (see Affects), sorted: a code outside them is affected by none.
func Chapters(changes []Change) []string {
	var out []string
	add := func(d string) {
		if ch := d[:2]; !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	for _, c := range changes {
		switch c.Kind {
		case Added:
		case Chapter99:
			for _, n := range c.Names {
				add(n)
			}
		default:
			add(c.Digits)
		}
	}
	slices.Sort(out)
	return out
}
