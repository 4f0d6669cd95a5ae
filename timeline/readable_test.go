package timeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/testhistory"
	"github.com/postrelease/postrelease/workflows"
)

// notified is a reminder's or an escalation's line as Case writes it.
func notified(t *testing.T, at time.Time, kind string, step workflows.Step, level int, msg string) Event {
	t.Helper()
	n := workflows.NotifyInput{Kind: kind, Step: step, Level: level, ToRole: "officer", Message: msg, At: at}
	data, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return Event{At: at, Kind: kind, Summary: kind + " to all officers: " + msg, Data: data}
}

func fired(at time.Time, what string) Event {
	return Event{At: at, Kind: "timer_fired", Summary: timerFired + timerWords(what)}
}

func rowsText(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s ×%d", r.At.Format("15:04"), r.Kind, r.Count)
		if r.Count > 1 {
			fmt.Fprintf(&b, " to %s", r.Until.Format("15:04"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Three ticks of the same reminder are one row from the first to the last;
// a timer is left out where the next line says what it sent, kept where it
// does not; another step's reminder is a row of its own.
func TestReadableFoldsRepeatedReminders(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 3, h, m, 0, 0, time.UTC) }
	psc := "Case DC-1: File PSC is due Thu 3 Dec 2026, 15:00 UTC"
	events := []Event{
		{At: at(14, 0), Kind: "opened", Summary: "opened the case"},
		fired(at(14, 5), "reminder: file_psc"), notified(t, at(14, 5), "reminder", "file_psc", 0, psc),
		fired(at(14, 20), "reminder: file_psc"), notified(t, at(14, 20), "reminder", "file_psc", 0, psc),
		fired(at(14, 35), "reminder: file_psc"), notified(t, at(14, 35), "reminder", "file_psc", 0, psc),
		notified(t, at(14, 40), "reminder", "payment", 0, "Case DC-1: Payment is due"),
		notified(t, at(14, 45), "reminder", "file_psc", 0, psc),
		fired(at(15, 0), "escalation level 1: file_psc"), notified(t, at(15, 0), "escalation", "file_psc", 1, "Case DC-1 escalated to level 1"),
		fired(at(15, 10), "escalation level 2: file_psc"), notified(t, at(15, 10), "escalation", "file_psc", 1, "a level 1 again"),
		fired(at(15, 30), "PSC window closes"),
		{At: at(15, 31), Kind: "add_note", Summary: "Add note: text x"},
	}
	want := `14:00 opened ×1
14:05 reminder ×3 to 14:35
14:40 reminder ×1
14:45 reminder ×1
15:00 escalation ×1
15:10 timer_fired ×1
15:10 escalation ×1
15:30 timer_fired ×1
15:31 add_note ×1
`
	rows := Readable(events)
	if got := rowsText(rows); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if rows[1].Summary != "reminder to all officers: "+psc || string(rows[1].Data) != string(events[2].Data) {
		t.Errorf("the folded row reads %q", rows[1].Summary)
	}
	if rows[5].Summary != "timer fired: escalation level 2: File PSC" {
		t.Errorf("a timer's step in words: %q", rows[5].Summary)
	}
}

// On a recorded history every timer of a reminder or an escalation goes
// into the line it caused; every other event is still a row.
func TestReadableOnARecordedHistory(t *testing.T) {
	events := Case(testhistory.Read(t, "detention_case_history.json"))
	rows := Readable(events)
	timers, folded := 0, 0
	for _, ev := range events {
		if ev.Kind == "timer_fired" {
			timers++
		}
	}
	for _, r := range rows {
		if r.Kind == "timer_fired" {
			t.Errorf("a timer told by its reminder or escalation is still a row: %+v", r)
		}
		folded += r.Count
	}
	if timers != 3 || folded+timers != len(events) || len(rows) != len(events)-3 {
		t.Errorf("%d events (%d timers) became %d rows holding %d events", len(events), timers, len(rows), folded)
	}
}
