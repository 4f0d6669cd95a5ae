package kit

import "fmt"

// AppliedKey is an Idempotency-Key an action was applied with and the
// request it came with. Temporal deduplicates an update id, which the API
// builds from the key and the request's fingerprint, so the same key with
// the same request is applied once; these records refuse the same key with
// another request (another action, or the same action with other input)
// instead of applying it as new.
type AppliedKey struct {
	Key         string `json:"key"`         // the user's id, "/", the client's key
	Fingerprint string `json:"fingerprint"` // ActionRequest.Fingerprint
}

// maxAppliedKeys bounds the keys a workflow remembers: the newest ones.
const maxAppliedKeys = 200

func appliedKeyOf(req ActionRequest) string { return req.Actor.UserID + "/" + req.IdempotencyKey }

// KeyConflict refuses req when its Idempotency-Key was applied with another
// request; what names the workflow ("case", "shipment") in the message.
func KeyConflict(applied []AppliedKey, req ActionRequest, what string) error {
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
func RememberKey(applied []AppliedKey, req ActionRequest) []AppliedKey {
	if req.IdempotencyKey == "" {
		return applied
	}
	key := appliedKeyOf(req)
	for _, a := range applied {
		if a.Key == key {
			return applied
		}
	}
	applied = append(applied, AppliedKey{Key: key, Fingerprint: req.Fingerprint})
	return applied[max(0, len(applied)-maxAppliedKeys):]
}
