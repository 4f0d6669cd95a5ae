package api

import (
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

func (s *Server) apiHistory(c echo.Context) error {
	if err := onlyParams(c, "format"); err != nil {
		return err
	}
	id := c.Param("id")
	events, err := s.Cases.History(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return sendHistory(c, "case_id", id, events)
}

// sendHistory answers a history as business events (the default) or raw
// (?format=raw, replayable); idKey names the id in the business answer.
func sendHistory(c echo.Context, idKey, id string, events []*historypb.HistoryEvent) error {
	switch c.QueryParam("format") {
	case "raw":
		return sendRawHistory(c, id, events)
	case "", "business":
		return c.JSON(http.StatusOK, map[string]any{idKey: id, "events": timeline.Case(events)})
	}
	return errInvalid(map[string]string{"format": "must be business (the default) or raw"})
}
