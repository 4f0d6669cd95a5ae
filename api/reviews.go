package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/reviews"
)

// The quarterly compliance review's JSON API and pages: thin handlers over
// service.Reviews, the item page and its forms the kit's (web_kinds.go).

// ReviewService is what the review handlers need (service.Reviews).
type ReviewService interface {
	Get(ctx context.Context, user store.User, id string) (service.ReviewView, error)
	Act(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (service.ReviewView, error)
	List(ctx context.Context, f store.ReviewFilter) ([]service.ListedReview, int64, error)
	History(ctx context.Context, id string) ([]*historypb.HistoryEvent, error)
	Export(ctx context.Context, user store.User, id string, now time.Time) ([]byte, error)
	Trigger(ctx context.Context, user store.User) error
	Template(ctx context.Context) ([]store.ReviewTemplateItem, error)
	AddTemplateItem(ctx context.Context, user store.User, it store.ReviewTemplateItem) (store.ReviewTemplateItem, error)
	UpdateTemplateItem(ctx context.Context, user store.User, it store.ReviewTemplateItem) error
	DeleteTemplateItem(ctx context.Context, user store.User, key string) error
}

var _ ReviewService = (*service.Reviews)(nil)

func (s *Server) reviewRoutes(v1 *echo.Group) {
	v1.GET("/compliance-reviews", listHandler("compliance_reviews", reviewFilter, s.Reviews.List, store.ReviewFilter.Page))
	v1.POST("/compliance-reviews", func(c echo.Context) error {
		if err := s.Reviews.Trigger(c.Request().Context(), currentUser(c)); err != nil {
			return err
		}
		return c.JSON(http.StatusAccepted, map[string]string{"status": "started", "schedule": workflows.ReviewScheduleID})
	})
	v1.GET("/compliance-reviews/:id", getHandler(s.Reviews.Get))
	v1.POST("/compliance-reviews/:id/actions/:action", actHandler(s.Reviews.Act))
	v1.GET("/compliance-reviews/:id/history", historyHandler("review_id", s.Reviews.History, timeline.Review))
	v1.GET("/compliance-reviews/:id/export", s.exportHandler(export.Review, s.Reviews.Export))
	v1.GET("/compliance-review-template", jsonHandler(func(c echo.Context) ([]store.ReviewTemplateItem, error) {
		return s.Reviews.Template(c.Request().Context())
	}))
	v1.POST("/compliance-review-template", func(c echo.Context) error {
		var it store.ReviewTemplateItem
		if err := bindTemplateItem(c, &it); err != nil {
			return err
		}
		out, err := s.Reviews.AddTemplateItem(c.Request().Context(), currentUser(c), it)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, out)
	})
	v1.PUT("/compliance-review-template/:key", func(c echo.Context) error {
		var it store.ReviewTemplateItem
		if err := bindTemplateItem(c, &it); err != nil {
			return err
		}
		it.Key = c.Param("key")
		if err := s.Reviews.UpdateTemplateItem(c.Request().Context(), currentUser(c), it); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	v1.DELETE("/compliance-review-template/:key", func(c echo.Context) error {
		if err := s.Reviews.DeleteTemplateItem(c.Request().Context(), currentUser(c), c.Param("key")); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
}

// bindTemplateItem reads {"key", "title", "guidance"} strictly, after the
// role check (a refused caller learns nothing of the body).
func bindTemplateItem(c echo.Context, it *store.ReviewTemplateItem) error {
	if err := managerOnly(currentUser(c), "the review checklist"); err != nil {
		return err
	}
	var in struct {
		Key      string `json:"key"`
		Title    string `json:"title"`
		Guidance string `json:"guidance"`
	}
	if err := decodeStrict(c.Request().Body, &in); err != nil {
		return err
	}
	it.Key, it.Title, it.Guidance = in.Key, in.Title, in.Guidance
	return nil
}

func (s *Server) webReviewRoutes(auth *echo.Group) {
	auth.GET("/compliance-reviews", s.webReviews)
	auth.POST("/compliance-reviews", s.webTriggerReview)
	s.reviewWeb().routes(auth) // /compliance-reviews/:id and its actions
	auth.GET("/compliance-reviews/:id/history", s.webHistoryHandler("compliance review", "ReviewID", s.Reviews.History, timeline.Review))
	auth.GET("/compliance-reviews/:id/export.zip", s.exportHandler(export.Review, s.Reviews.Export))
	auth.GET("/manage/review-checklist", s.webReviewTemplate)
	auth.POST("/manage/review-checklist", s.webAddTemplateItem)
	auth.POST("/manage/review-checklist/:key", s.webUpdateTemplateItem)
	auth.POST("/manage/review-checklist/:key/delete", s.webDeleteTemplateItem)
}

// reviewFilter reads list filters from the query string.
func reviewFilter(c echo.Context) (store.ReviewFilter, error) {
	fe := map[string]string{}
	unknownParams(c, fe, "status", "overdue", "limit", "offset")
	q := c.QueryParams()
	f := store.ReviewFilter{Status: q.Get("status")}
	if f.Status != "" && f.Status != workflows.StatusOpen && f.Status != workflows.StatusClosed {
		fe["status"] = "must be open or closed"
	}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe["overdue"] = "must be true or false"
		}
		f.Overdue = b
	}
	f.Limit, f.Offset = paging(q, fe)
	if len(fe) > 0 {
		return f, errInvalid(fe)
	}
	return f, nil
}

type reviewsPage struct {
	Rows   []service.ListedReview
	Total  int64
	Filter store.ReviewFilter
	Labels map[string]string
	Prev   string
	Next   string
}

func (s *Server) webReviews(c echo.Context) error {
	f, err := reviewFilter(c)
	p := reviewsPage{Filter: f, Labels: map[string]string{}}
	for step, l := range workflows.ReviewStepLabels {
		p.Labels[string(step)] = l
	}
	if err != nil {
		errs, ok := listRefused(err)
		if !ok {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "reviews", page{Title: "Compliance reviews", Data: p, Errors: errs})
	}
	if p.Rows, p.Total, err = s.Reviews.List(c.Request().Context(), f); err != nil {
		return err
	}
	_, p.Prev, p.Next = pageLinks(c, "/compliance-reviews", f.Offset, store.PageSize(f.Limit), len(p.Rows), p.Total)
	return s.render(c, http.StatusOK, "reviews", page{Title: "Compliance reviews", Data: p, Flash: reviewsFlash(c.QueryParam("done"))})
}

func reviewsFlash(code string) string {
	switch code {
	case "started":
		return "A compliance review was started: it shows here once its checklist is ready"
	case "checklist":
		return "Checklist template saved"
	}
	return ""
}

// webTriggerReview has the schedule start a review now (a manager's).
func (s *Server) webTriggerReview(c echo.Context) error {
	if err := s.Reviews.Trigger(c.Request().Context(), currentUser(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/compliance-reviews?done=started")
}

type reviewPage struct {
	Review      service.ReviewView
	Forms       []actionForm
	Labels      map[workflows.Step]string
	Resolutions map[string]string
}

func (s *Server) reviewPage(c echo.Context, v service.ReviewView) (reviewPage, error) {
	forms, err := pageForms(c.Request().Context(), s, reviews.ReviewSpecs, v.AvailableActions, &v.ReviewState, service.Actor(currentUser(c)), "/compliance-reviews/"+v.ReviewID)
	return reviewPage{Review: v, Labels: workflows.ReviewStepLabels, Resolutions: workflows.ItemResolutionLabels, Forms: forms}, err
}

// reviewWeb is the review page and its action forms.
func (s *Server) reviewWeb() webKind[service.ReviewView, reviewPage] {
	return webKind[service.ReviewView, reviewPage]{s: s, page: "review", title: "Compliance review", path: "/compliance-reviews/",
		form: specForm(reviews.ReviewSpecs), get: s.Reviews.Get, act: s.Reviews.Act, pageOf: s.reviewPage, flash: reviewFlash,
		id: func(v service.ReviewView) string { return v.ReviewID }, refusalFirst: true}
}

func reviewFlash(code string) string { return specFlash(reviews.ReviewSpecs, code) }

func (p reviewPage) actionForms() []actionForm { return p.Forms }

// The managers' checklist template page.

type templatePage struct {
	Items []store.ReviewTemplateItem
	// Failed is the key of the item whose form was refused ("" the add form).
	Failed string
}

func (s *Server) webReviewTemplate(c echo.Context) error {
	return s.renderTemplatePage(c, http.StatusOK, nil, nil, "")
}

func (s *Server) renderTemplatePage(c echo.Context, status int, errs, form map[string]string, failed string) error {
	if err := managerOnly(currentUser(c), "the review checklist"); err != nil {
		return err
	}
	items, err := s.Reviews.Template(c.Request().Context())
	if err != nil {
		return err
	}
	flash := ""
	if c.QueryParam("done") != "" && errs == nil {
		flash = "Checklist saved: the next review opens with it"
	}
	return s.render(c, status, "review_template", page{Title: "Review checklist", Data: templatePage{Items: items, Failed: failed}, Errors: errs, Form: form, Flash: flash})
}

// templateForm reads a template form's fields; a refusal shows the page
// again with the errors beside the form that failed.
func (s *Server) templateForm(c echo.Context, failed string, save func(it store.ReviewTemplateItem) error) error {
	form := map[string]string{"key": c.FormValue("key"), "title": c.FormValue("title"), "guidance": c.FormValue("guidance")}
	err := func() error {
		if err := managerOnly(currentUser(c), "the review checklist"); err != nil {
			return err
		}
		if fe := formTextErrors(form); len(fe) > 0 {
			return errInvalid(fe)
		}
		return save(store.ReviewTemplateItem{Key: form["key"], Title: form["title"], Guidance: form["guidance"]})
	}()
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/manage/review-checklist?done=saved")
	}
	ae := asError(err)
	if !isRefusal(ae) || ae.Code == CodeForbidden {
		return err
	}
	errs := ae.Fields
	if len(errs) == 0 {
		errs = map[string]string{"_": ae.Message}
	}
	return s.renderTemplatePage(c, ae.Status(), errs, form, failed)
}

func (s *Server) webAddTemplateItem(c echo.Context) error {
	return s.templateForm(c, "", func(it store.ReviewTemplateItem) error {
		_, err := s.Reviews.AddTemplateItem(c.Request().Context(), currentUser(c), it)
		return err
	})
}

func (s *Server) webUpdateTemplateItem(c echo.Context) error {
	key := c.Param("key")
	return s.templateForm(c, key, func(it store.ReviewTemplateItem) error {
		it.Key = key
		return s.Reviews.UpdateTemplateItem(c.Request().Context(), currentUser(c), it)
	})
}

func (s *Server) webDeleteTemplateItem(c echo.Context) error {
	if err := s.Reviews.DeleteTemplateItem(c.Request().Context(), currentUser(c), c.Param("key")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/manage/review-checklist?done=removed")
}
