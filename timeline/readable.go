package timeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/workflows"
)

// Row is one line of a history page: an event, or a run of the same
// reminder folded into one (Count of them, the first at At, the last at
// Until).
type Row struct {
	Event
	Count int // reminders folded into this row; 1 for any other event
	Until time.Time
}

// Readable is a timeline as a history page shows it, without noise: a
// timer is left out when the next line is what its firing sent (the
// reminder or escalation), and consecutive reminders of the same step with
// the same message are one row. The timeline itself (the JSON answer, the
// audit export) and the raw history keep every event.
func Readable(events []Event) []Row {
	rows := make([]Row, 0, len(events))
	for i, ev := range events {
		if i+1 < len(events) && toldByNext(ev, events[i+1]) {
			continue
		}
		if n := len(rows); n > 0 && sameReminder(rows[n-1].Event, ev) {
			last := &rows[n-1]
			last.Count++
			last.Until = ev.At
			continue
		}
		rows = append(rows, Row{Event: ev, Count: 1})
	}
	return rows
}

// toldByNext reports whether ev is a timer whose firing next tells: a
// reminder's timer followed by the reminder, an escalation's by the
// escalation to that level.
func toldByNext(ev, next Event) bool {
	if ev.Kind != "timer_fired" {
		return false
	}
	what := strings.TrimPrefix(ev.Summary, timerFired)
	switch {
	case strings.HasPrefix(what, "reminder: "), strings.HasPrefix(what, "legal reminder: "):
		return next.Kind == workflows.NotifyReminder
	case strings.HasPrefix(what, "escalation level "):
		n, ok := notice(next)
		return next.Kind == workflows.NotifyEscalation && ok && strings.HasPrefix(what, fmt.Sprintf("escalation level %d: ", n.Level))
	}
	return false
}

// sameReminder reports whether b repeats the reminder a: the same step and
// the same message.
func sameReminder(a, b Event) bool {
	if a.Kind != workflows.NotifyReminder || b.Kind != workflows.NotifyReminder {
		return false
	}
	na, okA := notice(a)
	nb, okB := notice(b)
	return okA && okB && na.Step == nb.Step && na.Message == nb.Message
}

// notice is the notification a reminder's or an escalation's line sent.
func notice(ev Event) (workflows.NotifyInput, bool) {
	var n workflows.NotifyInput
	return n, len(ev.Data) > 0 && json.Unmarshal(ev.Data, &n) == nil
}
