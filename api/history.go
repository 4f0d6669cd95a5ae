package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/timeline"
)

// sendRawHistory answers the raw history as a JSON download.
func sendRawHistory(c echo.Context, id string, events []*historypb.HistoryEvent) error {
	b, err := timeline.RawJSON(events)
	if err != nil {
		return errInternal(err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-history.json"`, id))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// historyHandler answers the history of the path's id (every one-run
// kind's history route is this): see sendHistory.
func historyHandler(idKey string, history func(ctx context.Context, id string) ([]*historypb.HistoryEvent, error),
	business func([]*historypb.HistoryEvent) []timeline.Event) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := onlyParams(c, "format"); err != nil {
			return err
		}
		id := c.Param("id")
		events, err := history(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return sendHistory(c, idKey, id, events, business)
	}
}

// sendHistory answers a history as business events (the default; business
// reads them from the kind's history) or raw (?format=raw, replayable);
// idKey names the id in the business answer.
func sendHistory(c echo.Context, idKey, id string, events []*historypb.HistoryEvent, business func([]*historypb.HistoryEvent) []timeline.Event) error {
	switch c.QueryParam("format") {
	case "raw":
		return sendRawHistory(c, id, events)
	case "", "business":
		return c.JSON(http.StatusOK, map[string]any{idKey: id, "events": business(events)})
	}
	return errInvalid(map[string]string{"format": "must be business (the default) or raw"})
}

// webHistoryHandler shows the business history of the path's id (noun
// "case", "protest") on the history page, which finds the id under idField.
func (s *Server) webHistoryHandler(noun, idField string, history func(ctx context.Context, id string) ([]*historypb.HistoryEvent, error),
	business func([]*historypb.HistoryEvent) []timeline.Event) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		events, err := history(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusOK, "history", page{Title: "History of " + noun + " " + id,
			Data: map[string]any{idField: id, "Events": timeline.Readable(business(events))}})
	}
}
