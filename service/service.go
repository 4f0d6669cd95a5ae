// Package service is the application layer between HTTP and Temporal and
// the store: a service per workflow kind (Cases, Shipments) that opens,
// acts, reads the state, lists, reads the history and exports. The JSON API,
// the web forms and the benchmarks all call it, so a rule lives here once and
// the handlers only parse HTTP and render. Every kind acts through the same
// code (Workflow, act.go): a kind is described by a Kind value.
//
// Errors are *Error with a Kind (invalid, conflict, forbidden, not found,
// unavailable, internal), which the api maps to HTTP statuses in one place.
package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// Config is what the services need.
type Config struct {
	Store    *store.Store
	Temporal client.Client
	Policy   policy.Policy // given to each case and shipment when it opens
	// LegalTimeZone, when set, is the one IANA zone whose days every legal
	// window follows, whatever the port; empty uses each port's own zone.
	LegalTimeZone string
	ActionTimeout time.Duration // how long an action waits for the workflow's answer (default 30 s)
	// Inspection is the prior of the inspection estimate; zero is
	// inspection.DefaultPrior.
	Inspection inspection.Prior
}

// Services are the services of every workflow kind.
type Services struct {
	Cases     *Cases
	Shipments *Shipments
	Protests  *Protests
	HTS       *HTS
	Reviews   *Reviews
}

// New builds the services of every kind on cfg.
func New(cfg Config) Services {
	if cfg.ActionTimeout == 0 {
		cfg.ActionTimeout = 30 * time.Second
	}
	if cfg.Inspection.Strength == 0 {
		cfg.Inspection = inspection.DefaultPrior()
	}
	return Services{Cases: &Cases{serve(&cfg, caseKind)}, Shipments: &Shipments{serve(&cfg, shipmentKind)}, Protests: &Protests{serve(&cfg, protestKind)},
		HTS: &HTS{&cfg}, Reviews: &Reviews{serve(&cfg, reviewKind)}}
}

// Actor is the user as a workflow records who did what.
func Actor(u store.User) workflows.Actor {
	return workflows.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

// RandomKey is a fresh idempotency key, e.g. for a form about to be shown.
func RandomKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing safe can continue
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// legalZone is the zone whose days the legal windows of a case or shipment
// opened now at port follow: the one zone the team set for every port, else
// the port's own. It is resolved once, at opening, and carried in the
// workflow's input, so editing the port later does not move a running
// case's deadlines.
func (cfg *Config) legalZone(ctx context.Context, code string) (string, error) {
	if cfg.LegalTimeZone != "" {
		return cfg.LegalTimeZone, nil
	}
	p, err := cfg.Store.Port(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return "", InvalidFields(map[string]string{"port": fmt.Sprintf(
			"port %s is not in the ports table: a manager adds it under Ports first (legal days end at midnight in its time zone)", code)})
	}
	if err != nil {
		return "", internal(err)
	}
	return zoneOfPort(p.PortTerms)
}

// zoneOfPort is the port's time zone, or invalid on port when it has none (a
// port added before zones, until a manager sets it).
func zoneOfPort(p domain.PortTerms) (string, error) {
	if p.TimeZone == "" {
		return "", InvalidFields(map[string]string{"port": fmt.Sprintf(
			"port %s has no time zone: a manager sets it under Ports first (legal days and free time end at midnight there)", p.Code)})
	}
	return p.TimeZone, nil
}
