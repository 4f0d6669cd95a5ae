package api_test

import (
	"net/http"
	"testing"

	"github.com/postrelease/postrelease/api"
)

// An id no case, shipment, notification or outbox row can have (a NUL, a
// newline, invalid UTF-8, far too long) is a 404 or a 422 naming the field,
// never a 500 from the database or Temporal.
func TestOddIDsAreRefusedPlainly(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'A'
	}
	for _, path := range []string{
		"/api/v1/cases/a%00b", "/api/v1/cases/a%0Ab/export", "/api/v1/cases/%FF%FE/history",
		"/api/v1/shipments/SH-%00/export", "/api/v1/shipments/" + string(long), "/api/v1/ports/27%0004",
	} {
		wantError(t, e.call(t, "manager", http.MethodGet, path, nil), http.StatusNotFound, api.CodeNotFound)
	}
	wantError(t, e.call(t, "manager", http.MethodPost, "/api/v1/notifications/outbox/%00/retry", nil), http.StatusNotFound, api.CodeNotFound)
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"ids": []string{"a\u0000b"}}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "ids[0]")
}
