package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// The managers' escalations page, GET /manage: the whole team's open steps
// and tasks that are escalated or overdue, each once with both marks, the
// earliest due first, a page at a time; ?level=1 or 2 lists the escalated
// at that level only (the dashboard's escalation bars link there).

// managePage is the escalations page's data.
type managePage struct {
	Rows               []inboxRow
	Total              int64 // items listed over every page
	Escalated, Overdue int64 // of the team's open work; an item may be both
	Level              int   // the level asked for, 0 for all
	Links              listLinks
	Back, Prev, Next   string
	From, To           int // the rows shown, counted from 1
}

// manageQuery reads the page's parameters: level, sort, limit, offset.
func manageQuery(c echo.Context, u store.User, now time.Time) (store.InboxQuery, error) {
	fe := map[string]string{}
	unknownParams(c, fe, "level", "sort", "limit", "offset")
	q := store.InboxQuery{Email: u.Email, Role: u.Role, Team: true, Now: now, Attention: true, Sort: sortParam(c, store.InboxSorts, fe)}
	if v := c.QueryParam("level"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.TopEscalationLevel {
			fe["level"] = fmt.Sprintf("must be an escalation level from 1 to %d", store.TopEscalationLevel)
		}
		q.Level, q.Attention = n, false
	}
	q.Limit, q.Offset = paging(c.QueryParams(), fe)
	q.Limit = store.PageSize(q.Limit) // none asked: the default page
	if len(fe) > 0 {
		return q, errInvalid(fe)
	}
	return q, nil
}

func (s *Server) webManage(c echo.Context) error {
	u := currentUser(c)
	if u.Role != domain.RoleManager {
		return errf(CodeForbidden, "the escalation list is for managers")
	}
	title := "Escalated and overdue work"
	q, err := manageQuery(c, u, time.Now())
	if errs, refused := listRefused(err); refused {
		return s.render(c, http.StatusUnprocessableEntity, "manage", page{Title: title, Data: managePage{Links: newListLinks(c, "/manage", store.Sort{})}, Errors: errs})
	} else if err != nil {
		return err
	}
	ctx := c.Request().Context()
	items, total, err := s.Store.Inbox(ctx, q)
	if err != nil {
		return errInternal(err)
	}
	p := managePage{Rows: inboxRows(items, u), Total: total, Level: q.Level, Links: newListLinks(c, "/manage", q.Sort)}
	// The counts at the top: a count of each over the team's work.
	for _, n := range []struct {
		dst *int64
		q   store.InboxQuery
	}{{&p.Escalated, store.InboxQuery{Escalated: true}}, {&p.Overdue, store.InboxQuery{Overdue: true}}} {
		n.q.Email, n.q.Role, n.q.Team, n.q.Now, n.q.Limit = u.Email, u.Role, true, q.Now, 1
		if _, *n.dst, err = s.Store.Inbox(ctx, n.q); err != nil {
			return errInternal(err)
		}
	}
	p.Back, p.Prev, p.Next = pageLinks(c, "/manage", q.Offset, q.Limit, len(items), total)
	if len(items) > 0 {
		p.From, p.To = q.Offset+1, q.Offset+len(items)
	}
	if q.Level > 0 {
		title = fmt.Sprintf("Escalated to level %d", q.Level)
		if q.Level == store.TopEscalationLevel {
			title += " or above"
		}
	}
	return s.render(c, http.StatusOK, "manage", page{Title: title, Data: p})
}
