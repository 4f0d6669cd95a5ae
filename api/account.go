package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
)

// Sign-in throttling defaults: five failures for one e-mail within 15
// minutes lock it for 15 minutes; twenty failures from one address within 15
// minutes are answered 429 for 15 minutes.
var (
	defaultEmailThrottle = store.ThrottleLimits{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
	defaultIPThrottle    = store.ThrottleLimits{MaxFailures: 20, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
)

func (s *Server) accountRoutes(auth *echo.Group) {
	auth.GET("/account", s.webAccount)                // account_settings.go
	auth.POST("/account/time-zone", s.webSetTimeZone) // account_settings.go
	auth.GET("/account/password", s.webPasswordForm)
	auth.POST("/account/password", s.webChangePassword)
}

// loginRefused renders the sign-in page with a 429 and a Retry-After.
func (s *Server) loginRefused(c echo.Context, until time.Time, msg, email, next string) error {
	secs := int(until.Sub(s.Store.Now()).Seconds()) + 1
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return s.render(c, http.StatusTooManyRequests, "login", page{Title: "Sign in",
		Errors: map[string]string{"email": msg}, Form: map[string]string{"email": email, "next": next}})
}

func lockedMessage(until time.Time) string {
	return fmt.Sprintf("too many failed sign-ins for this e-mail: it is locked until %s", until.UTC().Format("2006-01-02 15:04 UTC"))
}

// webLogin signs in through the form. Throttling comes first: a client
// address with too many failures gets 429 before any password is checked, and
// so does an e-mail that is locked, whether or not it belongs to a user.
func (s *Server) webLogin(c echo.Context) error {
	ctx := c.Request().Context()
	email, password, next := c.FormValue("email"), c.FormValue("password"), c.FormValue("next")
	ipKey, emailKey := store.IPThrottleKey(c.RealIP()), store.EmailThrottleKey(email)
	until, err := s.Store.LockedUntil(ctx, ipKey)
	if err != nil {
		return errInternal(err)
	}
	if !until.IsZero() {
		return s.loginRefused(c, until, "too many failed sign-ins from your address: try again after "+until.UTC().Format("15:04 UTC"), email, next)
	}
	if until, err = s.Store.LockedUntil(ctx, emailKey); err != nil {
		return errInternal(err)
	}
	if !until.IsZero() {
		// A try on a locked e-mail counts against the address too.
		if _, err := s.Store.RecordLoginFailure(ctx, ipKey, s.IPThrottle); err != nil {
			return errInternal(err)
		}
		return s.loginRefused(c, until, lockedMessage(until), email, next)
	}
	u, err := s.Store.Authenticate(ctx, email, password)
	if errors.Is(err, store.ErrBadCredentials) {
		if _, err := s.Store.RecordLoginFailure(ctx, ipKey, s.IPThrottle); err != nil {
			return errInternal(err)
		}
		until, err := s.Store.RecordLoginFailure(ctx, emailKey, s.EmailThrottle)
		if err != nil {
			return errInternal(err)
		}
		if !until.IsZero() {
			return s.loginRefused(c, until, lockedMessage(until), email, next)
		}
		return s.render(c, http.StatusUnauthorized, "login", page{Title: "Sign in",
			Errors: map[string]string{"email": "wrong e-mail or password"}, Form: map[string]string{"email": email, "next": next}})
	}
	if err != nil {
		return errInternal(err)
	}
	if err := s.Store.ClearLoginFailures(ctx, emailKey); err != nil {
		return errInternal(err)
	}
	tok, err := s.Store.CreateSession(ctx, u.ID, s.SessionTTL)
	if err != nil {
		return errInternal(err)
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.SessionTTL.Seconds())})
	return c.Redirect(http.StatusSeeOther, safeNext(next))
}

func (s *Server) webPasswordForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "account_password", page{Title: "Change your password"})
}

// webChangePassword changes the signed-in user's password and signs out
// every other session of theirs; this one stays signed in.
func (s *Server) webChangePassword(c echo.Context) error {
	current, newPw, again := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("new_password2")
	errs := map[string]string{}
	if current == "" {
		errs["current_password"] = "enter your current password"
	}
	if newPw != again {
		errs["new_password2"] = "the two new passwords differ"
	}
	if len(errs) == 0 {
		keep := ""
		if ck, err := c.Cookie(sessionCookie); err == nil {
			keep = ck.Value
		}
		err := s.Store.ChangePassword(c.Request().Context(), currentUser(c).ID, current, newPw, keep)
		var pe *store.PasswordError
		switch {
		case errors.As(err, &pe):
			errs[pe.Field] = pe.Message
		case err != nil:
			return errInternal(err)
		default:
			return c.Redirect(http.StatusSeeOther, "/account/password?done=password_changed")
		}
	}
	return s.render(c, http.StatusUnprocessableEntity, "account_password", page{Title: "Change your password", Errors: errs})
}
