package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

//go:embed templates/*.html templates/*.svg
var templateFS embed.FS

//go:embed templates/static
var staticRoot embed.FS

// staticFS serves the CSS (Pico, MIT licence, committed; no CDN).
var staticFS, _ = fs.Sub(staticRoot, "templates/static")

// pageNames are the templates every start must find and parse.
var pageNames = []string{"login", "cases", "new_case", "case", "history", "manage", "ports", "port_form", "import", "error",
	"shipments", "shipment_new", "shipment", "demurrage", "inbox",
	"account_password", "protests", "protest_new", "protest"}

type pages map[string]*template.Template

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"date": func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	// inzone shows an instant on the clock of a legal or port zone (UTC for
	// none): "2026-03-11 00:00 PDT".
	"inzone": func(t time.Time, zone string) string {
		if t.IsZero() {
			return ""
		}
		return t.In(domain.ZoneOrUTC(zone)).Format("2006-01-02 15:04 MST")
	},
	"inzonep": func(t *time.Time, zone string) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(domain.ZoneOrUTC(zone)).Format("2006-01-02 15:04 MST")
	},
	// zonename is a stored zone as shown: its name, or UTC for none.
	"zonename": domain.ZoneName,
	"datep": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	},
	// short cuts text to n characters, marking the cut with "…".
	"short": func(n int, s string) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n]) + "…"
		}
		return s
	},
	"join": strings.Join,
	// args passes several values to a sub-template, which takes them with index.
	"args": func(v ...any) []any { return v },
	"inc":  func(n int) int { return n + 1 },
	"add":  func(a, b int) int { return a + b },
	"usd": func(v any) string {
		switch d := v.(type) {
		case domain.USD:
			return domain.Dollars(d.Decimal)
		case decimal.Decimal:
			return domain.Dollars(d)
		case string: // amounts the read model keeps as text
			if n, err := decimal.NewFromString(d); err == nil {
				return domain.Dollars(n)
			}
			return d
		}
		return fmt.Sprint(v)
	},
	"pct": func(d decimal.Decimal) string { return d.Mul(decimal.NewFromInt(100)).String() + " %" },
	// title is a value in words: its label (workflows.Labels) or its name written out.
	"title": inWords,

	"past": func(t time.Time) bool { return !t.IsZero() && t.Before(time.Now()) },
	"str":  func(v any) string { return fmt.Sprint(v) },
	// contains: whether a comma-separated list (a form's checked boxes) holds v.
	"contains": func(list, v string) bool { return slices.Contains(strings.Split(list, ","), v) },
	// canprotest: the shipment page's "Open protest" (protests.go).
	"canprotest": canProtest,
	"fieldOf": func(p page, name, label, kind, hint string) inputField {
		return inputField{Name: name, Label: label, Kind: kind, Hint: hint, Value: p.Form[name], Error: p.Errors[name]}
	},
}

// inWords is a value in words: its label (workflows.Labels) or its name
// written out (the templates' "title").
func inWords(s any) string {
	if l := workflows.Label(fmt.Sprint(s)); l != "" {
		return l
	}
	return timeline.ActionTitle(fmt.Sprint(s))
}

// inputField is one labelled input with its value and error, for the "input" template.
type inputField struct{ Name, Label, Kind, Hint, Value, Error string }

// parsePages parses the layout with each page once at start; a missing or
// broken template stops the server from starting.
func parsePages() (pages, error) {
	p := pages{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/charts.svg",
			"templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", name, err)
		}
		p[name] = t
	}
	return p, nil
}

// render executes into a buffer first so a template error never sends half a page.
func (p pages) render(w http.ResponseWriter, status int, name string, data page) error {
	t, ok := p[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}
