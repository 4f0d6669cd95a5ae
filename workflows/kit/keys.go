package kit

import (
	"fmt"

	"github.com/postrelease/postrelease/workflows"
)

// maxAppliedKeys bounds the keys a workflow remembers: the newest ones.
const maxAppliedKeys = 200

func appliedKeyOf(req workflows.ActionRequest) string {
	return req.Actor.UserID + "/" + req.IdempotencyKey
}

// KeyConflict refuses req when its Idempotency-Key was applied with another
// request; what names the workflow ("case", "shipment") in the message.
func KeyConflict(applied []workflows.AppliedKey, req workflows.ActionRequest, what string) error {
	if req.IdempotencyKey == "" {
		return nil
	}
	key := appliedKeyOf(req)
	for _, a := range applied {
		if a.Key == key && a.Fingerprint != req.Fingerprint {
			return Conflict(fmt.Sprintf("the Idempotency-Key %q was already used for a different request on this %s; send a new key with a new request",
				req.IdempotencyKey, what))
		}
	}
	return nil
}

// RememberKey adds req's Idempotency-Key to applied, keeping the newest
// maxAppliedKeys.
func RememberKey(applied []workflows.AppliedKey, req workflows.ActionRequest) []workflows.AppliedKey {
	if req.IdempotencyKey == "" {
		return applied
	}
	key := appliedKeyOf(req)
	for _, a := range applied {
		if a.Key == key {
			return applied
		}
	}
	applied = append(applied, workflows.AppliedKey{Key: key, Fingerprint: req.Fingerprint})
	return applied[max(0, len(applied)-maxAppliedKeys):]
}
