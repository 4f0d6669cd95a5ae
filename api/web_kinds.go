package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows/kit"
)

// webKind is what the page and action handlers of one kind (case, protest,
// shipment) need: its service, its page and how its page is made. Every
// kind's item page and action form are the same handlers over it.
type webKind[V any, P formsPage] struct {
	s      *Server
	page   string // the template: "case"
	title  string // the page title's word: "Case"
	path   string // the item pages' prefix: "/cases/"
	form   func(action string) (formSpec, error)
	get    func(ctx context.Context, user store.User, id string) (V, error)
	act    func(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (V, error)
	id     func(V) string
	pageOf func(c echo.Context, v V) (P, error)
	flash  func(code string) string // the ?done= message
	// consequence, when set, says what the action of the ?done= code led
	// to that the user must see (a case opened, pickup blocked).
	consequence func(code string, v V) string
	// inboxItem names the item of an action posted from the inbox, for the
	// redirect back to it; nil when the kind's forms never go back there.
	inboxItem func(c echo.Context, id string) string
	// refusalFirst answers a refusal itself when the item cannot be read
	// again, rather than why it cannot.
	refusalFirst bool
}

// formsPage is an item page with the forms of its actions.
type formsPage interface{ actionForms() []actionForm }

func (p casePage) actionForms() []actionForm     { return p.Forms }
func (p protestPage) actionForms() []actionForm  { return p.Forms }
func (p shipmentPage) actionForms() []actionForm { return p.Forms }

// formSpec is what posting an action's form needs of its spec.
type formSpec struct {
	Fields  []kit.Field
	Confirm string // set: the user ticks the box "confirmed" to send it
}

// specForm finds an action's form in a kind's specs; an action with a file
// field is posted to its upload handler instead.
func specForm[S, W any](specs []kit.Spec[S, W]) func(action string) (formSpec, error) {
	return func(action string) (formSpec, error) {
		spec, ok := kit.Find(specs, action)
		if !ok || slices.ContainsFunc(spec.Fields, func(f kit.Field) bool { return f.Kind == kit.FieldFile }) {
			return formSpec{}, errf(CodeNotFound, "there is no form %q", action)
		}
		return formSpec{Fields: spec.Fields, Confirm: spec.Confirm}, nil
	}
}

// routes serves the item's page and its action forms under the kind's path.
func (k webKind[V, P]) routes(g *echo.Group) {
	g.GET(k.path+":id", k.show)
	g.POST(k.path+":id/actions/:action", k.do)
	// A refused form's page has the action's URL: reloading or sharing it
	// shows the item with that form.
	g.GET(k.path+":id/actions/:action", func(c echo.Context) error {
		action := c.Param("action")
		if _, err := k.form(action); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, k.path+url.PathEscape(c.Param("id"))+"?open="+url.QueryEscape(action)+"#action-"+url.PathEscape(action))
	})
}

// show renders the item's page.
func (k webKind[V, P]) show(c echo.Context) error {
	v, err := k.get(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	p, err := k.pageOf(c, v)
	if err != nil {
		return err
	}
	openForm(p.actionForms(), c.QueryParam("open"))
	pg := page{Title: k.title + " " + k.id(v), Flash: k.flash(c.QueryParam("done")), Data: p}
	if k.consequence != nil && pg.Flash != "" {
		pg.Warning = k.consequence(c.QueryParam("done"), v)
	}
	return k.s.render(c, http.StatusOK, k.page, pg)
}

// do performs an action from its form (POST/redirect/GET); on a refusal it
// shows the item again with the form's errors and what was typed.
func (k webKind[V, P]) do(c echo.Context) error {
	ctx, u, id, action := c.Request().Context(), currentUser(c), c.Param("id"), c.Param("action")
	fs, err := k.form(action)
	if err != nil {
		return err
	}
	form, err := postAction(c, fs, func(input json.RawMessage, key string) error {
		if fs.Confirm != "" && c.FormValue(confirmField) == "" {
			// Unticked: refused only where the user may take the action,
			// else the service says why not.
			offered, err := k.offers(c, id, action)
			if err != nil {
				return err
			}
			if offered {
				return errInvalid(map[string]string{confirmField: "tick the box to confirm: " + fs.Confirm})
			}
		}
		_, err := k.act(ctx, u, id, action, input, key)
		return err
	})
	if err == nil {
		if k.inboxItem != nil {
			if back, ok := backToInbox(c, action, k.inboxItem(c, id)); ok {
				return c.Redirect(http.StatusSeeOther, back)
			}
		}
		return c.Redirect(http.StatusSeeOther, k.path+id+"?done="+action)
	}
	return k.refused(c, id, action, form, err, func(k string) string { return k })
}

// offers reports whether the item's page offers the user the action's form.
func (k webKind[V, P]) offers(c echo.Context, id, action string) (bool, error) {
	v, err := k.get(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return false, err
	}
	p, err := k.pageOf(c, v)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(p.actionForms(), func(f actionForm) bool { return f.Action == action }), nil
}

// refused shows the item's page again after a refused action: a 422 with the
// errors next to the fields of the form that failed and what was typed in
// it, a 409 or 403 with its message; anything else is an error page.
func (k webKind[V, P]) refused(c echo.Context, id, action string, form map[string]string, err error, key func(string) string) error {
	ae := asError(err)
	if !isRefusal(ae) {
		return err
	}
	v, err := k.get(c.Request().Context(), currentUser(c), id)
	if err != nil {
		if k.refusalFirst {
			return ae // the refusal says more than the item it may not read
		}
		return err
	}
	p, err := k.pageOf(c, v)
	if err != nil {
		return err
	}
	errs := refuseForm(p.actionForms(), action, form, ae, key)
	return k.s.render(c, ae.Status(), k.page, page{Title: k.title + " " + k.id(v), Data: p, Errors: errs})
}
