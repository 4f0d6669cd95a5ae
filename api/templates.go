package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
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
	"account_password", "account", "protests", "protest_new", "protest", "hts", "hts_revisions", "hts_changes",
	"reviews", "review", "review_template"}

// pages are the parsed templates: base, parsed once at start and never
// executed, and per reader zone a clone with that zone's time functions
// (html/template cannot clone a template once executed), made on first use.
type pages struct {
	base  map[string]*template.Template
	now   func() time.Time
	mu    sync.Mutex
	zones map[string]map[string]*template.Template
}

// funcs are the functions every page may call. The time functions (when,
// due, inzone, legaldate, past and their pointer forms) depend on who reads
// the page: these are UTC placeholders, replaced per reader zone by
// pages.forZone (humantime.go).
var funcs = mergeFuncs(reader{loc: time.UTC, now: time.Now}.funcs(), template.FuncMap{
	"date":  date,
	"datep": func(t *time.Time) template.HTML { return date(deref(t)) },
	// zonename is a stored zone as shown: its name, or UTC for none.
	"zonename": domain.ZoneName,
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
	// usd is money in the one format of pages, "$3,474.00"; a negative
	// amount (overpaid duty) is a refund and says so.
	"usd": func(v any) template.HTML {
		var d decimal.Decimal
		switch x := v.(type) {
		case domain.USD:
			d = x.Decimal
		case domain.DailyAmount:
			d = x.Decimal
		case decimal.Decimal:
			d = x
		case string: // amounts the read model keeps as text
			n, err := decimal.NewFromString(x)
			if err != nil {
				return template.HTML(template.HTMLEscapeString(x))
			}
			d = n
		default:
			return template.HTML(template.HTMLEscapeString(fmt.Sprint(v)))
		}
		if d.IsNegative() {
			return template.HTML(`<span class="refund">−` + domain.Dollars(d.Neg()) + ` refund</span>`)
		}
		return template.HTML(domain.Dollars(d))
	},
	"pct": func(d decimal.Decimal) string { return d.Mul(decimal.NewFromInt(100)).String() + " %" },
	// title is a value in words: its label (workflows.Labels) or its name written out.
	"title": inWords,
	"str":   func(v any) string { return fmt.Sprint(v) },
	// contains: whether a comma-separated list (a form's checked boxes) holds v.
	"contains": func(list, v string) bool { return slices.Contains(strings.Split(list, ","), v) },
	// owesmoney: whether a case of this kind ("" is the default kind) can owe money.
	"owesmoney": func(kind string) bool {
		return (&workflows.CaseState{Kind: workflows.CaseKind(kind)}).KindOrDefault().OwesMoney()
	},
	// canprotest: the shipment page's "Open protest" (protests.go).
	"canprotest": canProtest,
	"fieldOf": func(p page, name, label, kind, hint string) inputField {
		return inputField{Name: name, Label: label, Kind: kind, Hint: hint, Value: p.Form[name], Error: p.Errors[name]}
	},
})

func mergeFuncs(ms ...template.FuncMap) template.FuncMap {
	out := template.FuncMap{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
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
func parsePages(now func() time.Time) (*pages, error) {
	p := &pages{base: map[string]*template.Template{}, now: now, zones: map[string]map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/charts.svg",
			"templates/inspection.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", name, err)
		}
		p.base[name] = t
	}
	return p, nil
}

// render executes into a buffer first so a template error never sends half a page.
func (p *pages) render(w http.ResponseWriter, status int, name string, loc *time.Location, data page) error {
	set, err := p.forZone(loc)
	if err != nil {
		return err
	}
	t, ok := set[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err = t.Execute(&buf, data); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = buf.WriteTo(w)
	return err
}

// forZone is the page set whose time functions read in loc.
func (p *pages) forZone(loc *time.Location) (map[string]*template.Template, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if set, ok := p.zones[loc.String()]; ok {
		return set, nil
	}
	set := map[string]*template.Template{}
	fm := reader{loc: loc, now: p.now}.funcs()
	for name, base := range p.base {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("cloning template %s for zone %s: %w", name, loc, err)
		}
		set[name] = t.Funcs(fm)
	}
	// Zones are the users' choice: past maxZoneSets a set is made for the
	// page and not kept, so memory stays bounded whatever is chosen.
	if len(p.zones) < maxZoneSets {
		p.zones[loc.String()] = set
	}
	return set, nil
}

// maxZoneSets is how many time zones' page sets are kept.
const maxZoneSets = 64
