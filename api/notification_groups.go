package api

// The notifications page's groups: one per case or shipment, and the
// anchors that keep the reader's place when they mark one read.

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
)

// notificationGroupView is one case's or shipment's notifications: the
// newest shown, the rest behind "N more".
type notificationGroupView struct {
	CaseID string             `json:"case_id"`
	Link   string             `json:"link"`
	Total  int64              `json:"total"`
	Unread int64              `json:"unread"`
	Latest notificationView   `json:"latest"`
	More   []notificationView `json:"more"`   // the next newest, at most store.GroupItems-1
	Hidden int64              `json:"hidden"` // how many more are not in More
	Anchor string             `json:"-"`      // the group's id on the page
	Open   bool               `json:"-"`      // shown expanded (it was just marked in)
}

// anchorOf is an element id for a key: its letters and digits, every other
// character a '-'.
func anchorOf(prefix, key string) string {
	b := []byte(prefix)
	for _, r := range key {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b = append(b, byte(r))
		} else {
			b = append(b, '-')
		}
	}
	return string(b)
}

func (s *Server) notificationGroups(c echo.Context, q store.NotificationQuery) ([]notificationGroupView, int64, error) {
	groups, total, err := s.Store.NotificationGroups(c.Request().Context(), q)
	if err != nil {
		return nil, 0, errInternal(err)
	}
	out := make([]notificationGroupView, 0, len(groups))
	for _, g := range groups {
		if len(g.Items) == 0 {
			continue
		}
		v := notificationGroupView{CaseID: g.CaseID, Link: notificationLink(g.CaseID), Total: g.Total, Unread: g.Unread,
			Latest: viewNotification(g.Items[0]), More: []notificationView{}, Anchor: anchorOf("g-", g.CaseID)}
		for _, n := range g.Items[1:] {
			v.More = append(v.More, viewNotification(n))
		}
		v.Hidden = g.Total - int64(len(g.Items))
		out = append(out, v)
	}
	return out, total, nil
}

func (s *Server) apiNotificationGroups(c echo.Context) error {
	u := currentUser(c)
	q, err := notificationQuery(c, u, store.DefaultPage)
	if err != nil {
		return err
	}
	groups, total, err := s.notificationGroups(c, q)
	if err != nil {
		return err
	}
	unread, err := s.Store.UnreadNotifications(c.Request().Context(), u)
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"groups": groups, "total": total, "unread": unread, "limit": q.Limit, "offset": q.Offset})
}

// afterAnchors maps each notification's and each group's anchor to the
// next one on the page (a notification's: the next in its group, else the
// next group; the last group's: the one before it).
func afterAnchors(groups []notificationGroupView) map[string]string {
	after := map[string]string{}
	for i, g := range groups {
		next := "top"
		if i+1 < len(groups) {
			next = groups[i+1].Anchor
		} else if i > 0 {
			next = groups[i-1].Anchor
		}
		after[g.Anchor] = next
		items := append([]notificationView{g.Latest}, g.More...)
		for j, n := range items {
			if j+1 < len(items) {
				after[anchorOf("n-", n.ID)] = anchorOf("n-", items[j+1].ID)
			} else {
				after[anchorOf("n-", n.ID)] = g.Anchor
			}
		}
	}
	return after
}
