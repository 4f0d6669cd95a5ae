package api

import (
	"html"
	"html/template"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
)

// What every list page shares: headers that sort it, and the link that
// downloads it as CSV, both keeping the list's filters.

// sortParam reads ?sort= against a list's keys, noting a bad one in fe.
func sortParam(c echo.Context, keys store.SortKeys, fe map[string]string) store.Sort {
	s, err := keys.Parse(c.QueryParam("sort"))
	if err != nil {
		fe["sort"] = err.Error()
	}
	return s
}

// formatParam reads ?format=: "" (the page or JSON) or "csv".
func formatParam(c echo.Context, fe map[string]string) string {
	f := c.QueryParam("format")
	if f != "" && f != "csv" {
		fe["format"] = "must be csv, or left out"
	}
	return f
}

// listLinks makes a list page's sort headers and CSV link from its address:
// the same path and filters, a new sort from the first page.
type listLinks struct {
	path  string
	query url.Values // the filters: without sort, offset, format and the flash's done and item
	sort  store.Sort
}

func newListLinks(c echo.Context, path string, sort store.Sort) listLinks {
	q := url.Values{}
	for k, v := range c.QueryParams() {
		switch k {
		case "sort", "offset", "format", "done", "item":
		default:
			q[k] = v
		}
	}
	return listLinks{path: path, query: q, sort: sort}
}

func (l listLinks) link(set map[string]string) string {
	q := url.Values{}
	for k, v := range l.query {
		q[k] = v
	}
	for k, v := range set {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return l.path
	}
	return l.path + "?" + q.Encode()
}

// Th is a column header that sorts the list by key: ascending first, the
// other way when it already sorts by key; aria-sort says how it sorts now.
func (l listLinks) Th(key, label string) template.HTML { return l.th(key, label, "") }

// ThNum is Th over a column of amounts, right-aligned as they are.
func (l listLinks) ThNum(key, label string) template.HTML { return l.th(key, label, ` class="num"`) }

func (l listLinks) th(key, label, class string) template.HTML {
	next, attr, mark := store.Sort{Key: key}, class, ""
	if l.sort.Key == key {
		next.Desc = !l.sort.Desc
		attr, mark = class+` aria-sort="ascending"`, " ▲"
		if l.sort.Desc {
			attr, mark = class+` aria-sort="descending"`, " ▼"
		}
	}
	return template.HTML(`<th scope="col"` + attr + `><a href="` + html.EscapeString(l.link(map[string]string{"sort": next.Param()})) +
		`" class="sort">` + html.EscapeString(label) + `<span aria-hidden="true">` + mark + `</span></a></th>`)
}

// Filtered is how many of the list's filters are set (the page's scope and
// size are not filters): the filter form opens when any is, and folds
// otherwise, so a phone shows the list first.
func (l listLinks) Filtered() int {
	n := 0
	for k, v := range l.query {
		if k != "scope" && k != "limit" && slices.ContainsFunc(v, func(s string) bool { return s != "" }) {
			n++
		}
	}
	return n
}

// CSV is the address of the whole list, as filtered and sorted, as CSV.
func (l listLinks) CSV() string {
	q := map[string]string{"format": "csv", "sort": l.sort.Param()}
	return l.link(q)
}
