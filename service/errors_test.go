package service

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A call to Temporal that timed out or was cancelled is unavailable (the api's 503) "retry with the
// same Idempotency-Key", whichever form the error takes: the gRPC call is
// cancelled a moment before the request's context reports its deadline, and
// during a shutdown the connection closes under the call.
func TestTimeoutsAndCancellationsAreUnavailable(t *testing.T) {
	for _, err := range []error{
		context.DeadlineExceeded,
		fmt.Errorf("updating: %w", context.Canceled),
		status.Error(codes.DeadlineExceeded, "context deadline exceeded"),
		status.Error(codes.Canceled, "grpc: the client connection is closing"),
		status.Error(codes.Unavailable, "connection refused"),
		serviceerror.NewDeadlineExceeded("deadline"),
		serviceerror.NewCanceled("canceled"),
		fmt.Errorf("wrapped: %w", serviceerror.NewUnavailable("down")),
	} {
		if got := FromTemporal(err, "case", "DC-1"); got.Kind != Unavailable {
			t.Errorf("%v: %s, want %s", err, got.Kind, Unavailable)
		}
	}
	for _, err := range []error{errors.New("boom"), status.Error(codes.Internal, "bug")} {
		if got := FromTemporal(err, "case", "DC-1"); got.Kind != Internal {
			t.Errorf("%v: %s, want %s", err, got.Kind, Internal)
		}
	}
}
