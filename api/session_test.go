package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
)

// movableClock is the store's clock in these tests: sessions and sign-in
// throttling read it, so a test moves it on instead of sleeping.
type movableClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *movableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *movableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func (e *env) clock(t *testing.T) *movableClock {
	t.Helper()
	c := &movableClock{}
	e.store.SetClock(c.now)
	return c
}

// tryLogin posts the sign-in form once.
func (b *browser) tryLogin(t *testing.T, email, pw string) response {
	t.Helper()
	page := b.get(t, "/login")
	return b.post(t, "/login", url.Values{"_csrf": {csrf(t, page)}, "email": {email}, "password": {pw}})
}

// failLogins tries to sign in as email with a wrong password n times, each
// refused with 401 and a page that holds want.
func (b *browser) failLogins(t *testing.T, email string, n int, what string, want ...string) {
	t.Helper()
	for range n {
		wantPage(t, b.tryLogin(t, email, "wrong password"), http.StatusUnauthorized, what, want...)
	}
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	clk := e.clock(t)
	b := e.browser(t)

	// Four failures, then the right password: signed in, and the count starts again.
	b.failLogins(t, e.email("officer"), 4, "wrong password", "wrong e-mail or password")
	b.login(t, e.email("officer"), "/cases", "/cases")
	b = e.browser(t)
	b.failLogins(t, e.email("officer"), 4, "wrong password after a success")
	// The fifth consecutive failure locks the e-mail; then even the right password is refused.
	r := b.tryLogin(t, e.email("officer"), "wrong password")
	wantPage(t, r, http.StatusTooManyRequests, "fifth failure", "it is locked until")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on a locked sign-in")
	}
	r = b.tryLogin(t, strings.ToUpper(e.email("officer")), password)
	wantPage(t, r, http.StatusTooManyRequests, "right password while locked", "it is locked until")
	if b.cookie(t, "pr_session") != "" {
		t.Fatal("a locked sign-in set a session cookie")
	}
	// Other accounts are not affected.
	e.browser(t).login(t, e.email("manager"), "/", "/")

	// An unknown e-mail is answered the same way, so the lock says nothing about accounts.
	b.failLogins(t, "nobody@example.com", 4, "unknown e-mail", "wrong e-mail or password")
	wantPage(t, b.tryLogin(t, "nobody@example.com", "wrong password"), http.StatusTooManyRequests, "fifth failure, unknown e-mail", "it is locked until")

	// After the lockout the right password works again.
	clk.add(14 * time.Minute)
	wantPage(t, b.tryLogin(t, e.email("officer"), password), http.StatusTooManyRequests, "14 minutes later")
	clk.add(2 * time.Minute)
	b.login(t, e.email("officer"), "/cases", "/cases")
}

func TestLoginIPLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	clk := e.clock(t)
	b := e.browser(t)
	// Twenty failures from one address, each for another e-mail: the next
	// sign-in from that address gets 429, even with a right password and
	// whatever X-Forwarded-For says.
	for i := 0; i < 20; i++ {
		r := b.tryLogin(t, "guess"+strings.Repeat("x", i)+"@example.com", "wrong password")
		wantPage(t, r, http.StatusUnauthorized, "failure from one address")
	}
	page := b.get(t, "/login")
	req, err := http.NewRequest(http.MethodPost, e.url+"/login", strings.NewReader(url.Values{"_csrf": {csrf(t, page)},
		"email": {e.email("manager")}, "password": {password}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	r := b.do(t, req)
	wantPage(t, r, http.StatusTooManyRequests, "21st attempt from the address", "too many failed sign-ins from your address")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on a 429")
	}
	clk.add(16 * time.Minute)
	b.login(t, e.email("manager"), "/", "/")
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	here, there := e.browser(t), e.browser(t)
	here.login(t, e.email("officer"), "/cases", "/cases")
	there.login(t, e.email("officer"), "/cases", "/cases")

	form := here.get(t, "/cases")
	wantPage(t, form, http.StatusOK, "cases page", `href="/account"`)
	wantPage(t, here.get(t, "/account"), http.StatusOK, "account page", `href="/account/password"`)
	form = here.get(t, "/account/password")
	wantPage(t, form, http.StatusOK, "password form", `name="current_password"`, `name="new_password"`, `name="new_password2"`)
	tok := csrf(t, form)
	change := func(current, next, again string) response {
		return here.post(t, "/account/password", url.Values{"_csrf": {tok}, "current_password": {current}, "new_password": {next}, "new_password2": {again}})
	}
	const newPassword = "a much longer new secret"
	wantPage(t, change("not my password", newPassword, newPassword), http.StatusUnprocessableEntity, "wrong current password", "the current password is wrong")
	wantPage(t, change(password, "short", "short"), http.StatusUnprocessableEntity, "short new password", "at least 10 characters")
	r := change(password, newPassword, newPassword+"!")
	wantPage(t, r, http.StatusUnprocessableEntity, "new passwords differ", "the two new passwords differ")
	if strings.Contains(string(r.body), password) || strings.Contains(string(r.body), newPassword) {
		t.Error("a refused change echoes a password back")
	}
	wantPage(t, there.get(t, "/cases"), http.StatusOK, "the other session before the change")

	r = change(password, newPassword, newPassword)
	wantRedirect(t, r, "password change", "/account/password?done=password_changed")
	wantPage(t, here.get(t, r.header.Get("Location")), http.StatusOK, "after the change", "Password changed; your other sessions are signed out")
	wantPage(t, here.get(t, "/cases"), http.StatusOK, "this session after the change")
	wantRedirect(t, there.get(t, "/cases"), "the other session after the change", "/login?next=%2Fcases")

	wantPage(t, e.browser(t).tryLogin(t, e.email("officer"), password), http.StatusUnauthorized, "old password")
	nb := e.browser(t)
	page := nb.get(t, "/login")
	wantRedirect(t, nb.post(t, "/login", url.Values{"_csrf": {csrf(t, page)}, "email": {e.email("officer")}, "password": {newPassword}}), "new password", "/")
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	clk := e.clock(t)
	// stillIn and expired move the clock on by d, then load /cases in b:
	// still signed in, or sent to sign in again.
	stillIn := func(b *browser, d time.Duration, what string) {
		t.Helper()
		clk.add(d)
		wantPage(t, b.get(t, "/cases"), http.StatusOK, what)
	}
	expired := func(b *browser, d time.Duration, what string) {
		t.Helper()
		clk.add(d)
		wantRedirect(t, b.get(t, "/cases"), what, "/login?next=%2Fcases")
	}
	// Absolute expiry: the default TTL is 12 h from sign-in, however busy the session.
	b := e.signedIn(t, "auditor", "/cases")
	for i := 0; i < 14; i++ { // 14 × 50 min = 11 h 40 min, never idle for an hour
		stillIn(b, 50*time.Minute, "a busy session before its expiry")
	}
	stillIn(b, 19*time.Minute, "a minute before expiry")
	expired(b, 2*time.Minute, "expired session")

	// Idle expiry: the default idle limit is 1 h, and each use slides it.
	idle := e.signedIn(t, "auditor", "/cases")
	stillIn(idle, 59*time.Minute, "59 minutes idle")
	stillIn(idle, 59*time.Minute, "59 minutes idle again")
	expired(idle, 61*time.Minute, "61 minutes idle")

	// Signing out deletes the session on the server: the old cookie no longer works.
	clk.add(-time.Hour)
	b2 := e.signedIn(t, "auditor", "/cases")
	old := b2.cookie(t, "pr_session")
	wantRedirect(t, b2.post(t, "/logout", url.Values{"_csrf": {csrf(t, b2.get(t, "/cases"))}}), "sign out", "/login")
	req, _ := http.NewRequest(http.MethodGet, e.url+"/cases", nil)
	req.AddCookie(&http.Cookie{Name: "pr_session", Value: old})
	wantRedirect(t, e.browser(t).do(t, req), "the cookie of a signed-out session", "/login?next=%2Fcases")
}

// wantSecurityHeaders checks the headers every answer carries.
func wantSecurityHeaders(t *testing.T, r response, what string) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, part := range []string{"default-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, part)
		}
	}
}

func setCookie(t *testing.T, r response, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no Set-Cookie %s in %v", name, r.header.Values("Set-Cookie"))
	return nil
}

func TestCookieFlagsAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	b := e.browser(t)
	login := b.get(t, "/login")
	wantSecurityHeaders(t, login, "sign-in page")
	if c := setCookie(t, login, "pr_csrf"); !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
		t.Errorf("pr_csrf cookie: %+v, want HttpOnly, SameSite=Strict, not Secure on plain HTTP", c)
	}
	r := b.post(t, "/login", url.Values{"_csrf": {csrf(t, login)}, "email": {e.email("officer")}, "password": {password}})
	if c := setCookie(t, r, "pr_session"); !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.MaxAge <= 0 {
		t.Errorf("pr_session cookie: %+v, want HttpOnly, SameSite=Lax, Path=/, a Max-Age, not Secure", c)
	}
	wantSecurityHeaders(t, b.get(t, "/cases"), "cases page")
	wantSecurityHeaders(t, b.get(t, "/cases/DC-NOSUCHCASE"), "HTML error page")
	wantSecurityHeaders(t, e.call(t, "officer", http.MethodGet, "/api/v1/me", nil), "API answer")
	wantSecurityHeaders(t, e.call(t, "", http.MethodGet, "/api/v1/me", nil), "API 401")
	out := b.post(t, "/logout", url.Values{"_csrf": {csrf(t, b.get(t, "/cases"))}})
	if c := setCookie(t, out, "pr_session"); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("sign-out does not clear the cookie: %+v", c)
	}

	// With secure cookies configured, both cookies are Secure.
	h, err := api.New(&api.Server{Store: e.store, Temporal: e.temporal, Policy: longPolicy(t), Log: quiet, SecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csrfCookie := setCookie(t, response{status: res.StatusCode, header: res.Header}, "pr_csrf")
	if !csrfCookie.Secure {
		t.Fatalf("pr_csrf with secure cookies: %+v", csrfCookie)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", strings.NewReader(url.Values{"_csrf": {csrfCookie.Value},
		"email": {e.email("officer")}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "pr_csrf", Value: csrfCookie.Value})
	res, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sess := setCookie(t, response{status: res.StatusCode, header: res.Header}, "pr_session")
	if res.StatusCode != http.StatusSeeOther || !sess.Secure || !sess.HttpOnly {
		t.Fatalf("sign-in with secure cookies: HTTP %d, cookie %+v", res.StatusCode, sess)
	}
}
