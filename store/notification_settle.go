package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/workflows"
)

// A notification is settled when it no longer counts as unread, though it
// stays in the store for the history: a newer reminder or escalation about
// the same work to the same addressee supersedes it, or the work it is about
// has finished. Both are written, never computed on read, so the unread
// count on every page stays one index-only scan (notifications_unread, a
// partial index holding only what still counts).

// stillCounts is the condition "n still counts": neither superseded nor
// resolved. It is the predicate of the partial index notifications_unread,
// written the same way so that SQLite uses the index.
const stillCounts = "n.superseded_by = '' AND n.resolved_at IS NULL"

// supersedable are the kinds a newer one of the same kind replaces: a
// reminder or an escalation says where the work stands now; an assignment
// is news of its own.
var supersedable = []string{workflows.NotifyReminder, workflows.NotifyEscalation}

// aboutOf is the work n is about: its About, else its step.
func aboutOf(n workflows.NotifyInput) string {
	if n.About != "" {
		return n.About
	}
	return string(n.Step)
}

// finishedWork is when a piece of work of an item last finished (About ""
// is the item as a whole, closed), as its projection saw it.
type finishedWork struct {
	ItemID     string    `gorm:"primaryKey"`
	About      string    `gorm:"primaryKey"`
	FinishedAt time.Time `gorm:"autoCreateTime:false"`
}

func (finishedWork) TableName() string { return "finished_work" }

// workFinished records, in a projection's transaction, what of item id has
// finished by when (about → time; "" the item closed), and resolves the
// notifications about it created by then. A replayed or repeated
// projection changes nothing: finished_at only moves forward and only
// unresolved rows are touched.
func workFinished(tx *gorm.DB, id string, finished map[string]time.Time, now time.Time) error {
	if len(finished) == 0 {
		return nil
	}
	rows := make([]finishedWork, 0, len(finished))
	for about, at := range finished {
		rows = append(rows, finishedWork{ItemID: id, About: about, FinishedAt: utc(at)})
	}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "item_id"}, {Name: "about"}},
		DoUpdates: clause.Set{{Column: clause.Column{Name: "finished_at"},
			Value: gorm.Expr("CASE WHEN excluded.finished_at > finished_work.finished_at THEN excluded.finished_at ELSE finished_work.finished_at END")}}}).
		Create(&rows).Error
	if err != nil {
		return fmt.Errorf("recording the finished work of %s: %w", id, err)
	}
	if err := resolveFinished(tx, "n.case_id = ?", id, now); err != nil {
		return fmt.Errorf("resolving the notifications of %s: %w", id, err)
	}
	return nil
}

// resolveFinished sets resolved_at on the unresolved notifications that
// where (with arg) selects whose work finished_work says has finished
// since they were created.
func resolveFinished(tx *gorm.DB, where string, arg any, now time.Time) error {
	// UPDATE ... WHERE over the alias n: PostgreSQL and SQLite both take
	// "UPDATE notifications AS n".
	return tx.Exec("UPDATE notifications AS n SET resolved_at = ? WHERE "+where+" AND n.resolved_at IS NULL AND EXISTS "+
		"(SELECT 1 FROM finished_work f WHERE f.item_id = n.case_id AND (f.about = n.about OR f.about = '') AND n.created_at <= f.finished_at)",
		now, arg).Error
}

// settleNew settles the notification just stored, in its transaction: it
// supersedes the older ones of its kind about the same work to the same
// addressee (or is superseded itself, if a newer one got here first), and
// is resolved at once if its work finished before it arrived (the
// projection is not ordered with the Notify activity). It reports whether
// the new one is settled itself.
func settleNew(tx *gorm.DB, n Notification, now time.Time) (bool, error) {
	if err := resolveFinished(tx, "n.dedupe_key = ?", n.DedupeKey, now); err != nil {
		return false, fmt.Errorf("resolving notification %s: %w", n.DedupeKey, err)
	}
	newest := n.DedupeKey
	if isSupersedable(n.Kind) {
		same := func() *gorm.DB {
			return tx.Table("notifications").Where("case_id = ? AND about = ? AND kind = ? AND to_email = ? AND to_role = ?",
				n.CaseID, n.About, n.Kind, n.ToEmail, n.ToRole)
		}
		var keys []string
		if err := same().Order("created_at DESC, dedupe_key DESC").Limit(1).Pluck("dedupe_key", &keys).Error; err != nil {
			return false, fmt.Errorf("finding the newest like %s: %w", n.DedupeKey, err)
		}
		if len(keys) == 1 {
			newest = keys[0]
		}
		if err := same().Where("dedupe_key <> ? AND superseded_by <> ?", newest, newest).Update("superseded_by", newest).Error; err != nil {
			return false, fmt.Errorf("superseding the ones before %s: %w", newest, err)
		}
	}
	if newest != n.DedupeKey {
		return true, nil
	}
	var resolved int64
	if err := tx.Table("notifications").Where("dedupe_key = ? AND resolved_at IS NOT NULL", n.DedupeKey).Count(&resolved).Error; err != nil {
		return false, fmt.Errorf("reading notification %s: %w", n.DedupeKey, err)
	}
	return resolved > 0, nil
}

func isSupersedable(kind string) bool {
	for _, k := range supersedable {
		if k == kind {
			return true
		}
	}
	return false
}

// finishedSteps is what of a case's or protest's steps has finished: each
// step name that has a finished instance, at its latest finish, and "" at
// closedAt once the item is closed.
func finishedSteps(steps []workflows.StepRecord, closedAt *time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for _, st := range steps {
		finishedAt(out, string(st.Name), st.Work)
	}
	if closedAt != nil {
		out[""] = *closedAt
	}
	return out
}

// finishedAt notes in out that the work about has finished, if w has: at
// its completion, or its start when it ended without one (a skipped step).
// An instance that finished earlier than one already noted does not move
// the time back.
func finishedAt(out map[string]time.Time, about string, w workflows.Work) {
	if w.Status == workflows.StepActive {
		return
	}
	at := w.StartedAt
	if w.CompletedAt != nil {
		at = *w.CompletedAt
	}
	if prev, ok := out[about]; !ok || at.After(prev) {
		out[about] = at
	}
}
