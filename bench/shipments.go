package bench

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// ShipmentSetup is what the shipment benchmark drives: the API of a stack
// whose worker runs elsewhere (RSS reports its memory), and the store the
// worker projects into.
type ShipmentSetup struct {
	BaseURL  string
	Store    *store.Store
	DueAfter time.Duration // the delivery-order task's SLA: when each shipment escalates
	RSS      func() (int64, error)
	Log      func(format string, args ...any)
}

// ShipmentResult is what the benchmark measured.
type ShipmentResult struct {
	Shipments, Concurrency int
	StartElapsed           time.Duration // all POSTs answered
	StartsPerSec           float64
	OpenP50, OpenP99       time.Duration // one POST: start + first workflow task + state query
	ProjectedAfter         time.Duration // from the first POST until every shipment is in the store
	RSSPeak, RSSEnd        int64         // the worker process, bytes
	Escalated              int
	DelayP50, DelayP99     time.Duration // escalation visible in the store minus its due time
	DelayMax               time.Duration
}

func (r ShipmentResult) String() string {
	mb := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	return fmt.Sprintf(`%d shipments opened through POST /api/v1/shipments, concurrency %d
  start:      %v, %.1f shipments/s, one open p50 %v p99 %v
  read model: every shipment projected %v after the first request
  worker:     RSS peak %s, at the end %s (separate process; every shipment open with live timers)
  timers:     %d of %d escalations seen in the store; delay after the due time p50 %v, p99 %v, max %v`,
		r.Shipments, r.Concurrency, r.StartElapsed.Round(time.Millisecond), r.StartsPerSec,
		r.OpenP50.Round(time.Millisecond), r.OpenP99.Round(time.Millisecond), r.ProjectedAfter.Round(time.Millisecond),
		mb(r.RSSPeak), mb(r.RSSEnd), r.Escalated, r.Shipments,
		r.DelayP50.Round(time.Millisecond), r.DelayP99.Round(time.Millisecond), r.DelayMax.Round(time.Millisecond))
}

// shipmentBody is shipment i: released today at LA with every confirmation
// datum but the delivery order, so one policy task (delivery_order) is due
// DueAfter after it opens; its pickup, deposit and legal timers are days and
// months away.
func shipmentBody(i int, run string, today time.Time) string {
	first10 := fmt.Sprintf("BNCU%06d", i%1000000)
	container := fmt.Sprintf("%s%d", first10, domain.ContainerCheckDigit(first10))
	d := today.Format(time.DateOnly)
	avail := today.AddDate(0, 0, 3).Format(time.DateOnly)
	return fmt.Sprintf(`{"entry_number":"B%s-%07d-%d","entry_type":"01","bl_number":"MAEU%s%07d","isf_bl_number":"MAEU%s%07d",
"carrier":"MAEU","port":"2704","terminal":"Pier 400","containers":[{"number":"%s","seals":["SL%07d"],"location":"A-%d"}],
"discharge_date":"%s","available_date":"%s","release_date":"%s","pickup_number":"PU%07d","pierpass_appointment":"PP%07d",
"dispositions":[{"code":"1C","at":"%sT08:00:00Z"}],"incoterm":"FOB",
"lines":[{"sku":"WR-%d","description":"wrench set","hts":"8204.11.0030","value":"1000.00","category":"other"}]}`,
		run, i, i%10, run, i, run, i, container, i, i, d, avail, d, i, i, d, i)
}

// Shipments opens n shipments through the API with c workers, then watches
// the store until every one has escalated (or timeout passes), sampling the
// worker's memory all along.
func Shipments(ctx context.Context, s ShipmentSetup, n, c int, timeout time.Duration) (ShipmentResult, error) {
	res := ShipmentResult{Shipments: n, Concurrency: c}
	run := strings.ToUpper(fmt.Sprintf("%02d", time.Now().Unix()%100))
	_, _, otok, _, err := benchUsers(ctx, s.Store, "ship"+run)
	if err != nil {
		return res, err
	}
	h := &httpDriver{base: s.BaseURL, hc: &http.Client{Timeout: time.Minute}}

	// Memory is sampled from the start.
	var rssMu sync.Mutex
	sample := func() {
		if v, err := s.RSS(); err == nil {
			rssMu.Lock()
			res.RSSPeak = max(res.RSSPeak, v)
			res.RSSEnd = v
			rssMu.Unlock()
		}
	}
	stopSampling := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	defer close(stopSampling)

	today := domain.Date(time.Now())
	began := time.Now()
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	opens := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for i := range jobs {
				t0 := time.Now()
				var out struct {
					ShipmentID string `json:"shipment_id"`
				}
				err := h.do(ctx, otok, "/api/v1/shipments", shipmentBody(i, run, today), &out)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("opening shipment %d: %w", i, err)
				}
				opens = append(opens, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	for i := range n {
		if i%1000 == 0 && i > 0 {
			s.Log("  %d shipments opened (%.1f/s)", i, float64(i)/time.Since(began).Seconds())
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	res.StartElapsed = time.Since(began)
	res.StartsPerSec = float64(n) / res.StartElapsed.Seconds()
	sort.Slice(opens, func(i, j int) bool { return opens[i] < opens[j] })
	res.OpenP50, res.OpenP99 = percentile(opens, 50), percentile(opens, 99)
	s.Log("  all %d opened in %v", n, res.StartElapsed.Round(time.Millisecond))

	// Watch the store: when each shipment's escalation first shows, against
	// its due time (the open task's due, kept in next_due_at before it).
	due := map[string]time.Time{}
	seen := map[string]time.Duration{}
	deadline := began.Add(timeout)
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		rows, err := s.Store.ShipmentClocks(ctx, "B"+run+"-")
		if err != nil {
			return res, err
		}
		now := time.Now()
		for _, r := range rows {
			if _, ok := due[r.ID]; !ok && r.EscalationLevel == 0 && r.NextDueAt != nil {
				due[r.ID] = *r.NextDueAt
			}
			if _, done := seen[r.ID]; !done && r.EscalationLevel >= 1 {
				if d, ok := due[r.ID]; ok {
					seen[r.ID] = now.Sub(d)
				}
			}
		}
		if res.ProjectedAfter == 0 && len(rows) == n {
			res.ProjectedAfter = time.Since(began)
			s.Log("  every shipment projected after %v", res.ProjectedAfter.Round(time.Millisecond))
		}
		if len(seen) == n {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	sample()
	delays := make([]time.Duration, 0, len(seen))
	for _, d := range seen {
		delays = append(delays, d)
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	res.Escalated = len(delays)
	if len(delays) > 0 {
		res.DelayP50, res.DelayP99, res.DelayMax = percentile(delays, 50), percentile(delays, 99), delays[len(delays)-1]
	}
	if res.Escalated < n {
		return res, fmt.Errorf("only %d of %d escalations reached the store within %v", res.Escalated, n, timeout)
	}
	return res, nil
}

// percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
