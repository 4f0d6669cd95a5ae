package service

import (
	"context"

	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// The inspection estimate: the store's counts by HTS chapter and port
// through the configured prior (package inspection).

// Get is the shipment of id as user sees it, with the inspection estimate
// of each chapter of its lines at its port.
func (s *Shipments) Get(ctx context.Context, user store.User, id string) (ShipmentView, error) {
	v, err := s.Workflow.Get(ctx, user, id)
	if err != nil {
		return v, err
	}
	v.InspectionEstimate, err = s.shipmentEstimates(ctx, v.ShipmentState)
	return v, err
}

// shipmentEstimates are the estimates of st's chapters at its port, in the
// order its lines first name them, each with the SKUs of its lines. A
// chapter without history there is the baseline alone (0 of 0).
func (s *Shipments) shipmentEstimates(ctx context.Context, st workflows.ShipmentState) ([]inspection.Estimate, error) {
	var chapters []string
	skus := map[string][]string{}
	for _, l := range st.Shipment.Lines {
		if len(l.HTS) < 2 {
			continue
		}
		ch := l.HTS.Chapter()
		if skus[ch] == nil {
			chapters = append(chapters, ch)
		}
		skus[ch] = append(skus[ch], l.SKU)
	}
	out := []inspection.Estimate{}
	if len(chapters) == 0 {
		return out, nil
	}
	counts, err := s.cfg.Store.InspectionCounts(ctx, store.InspectionFilter{Port: st.Shipment.Port, Chapters: chapters})
	if err != nil {
		return nil, internal(err)
	}
	byChapter := map[string]store.InspectionCount{}
	for _, c := range counts {
		byChapter[c.Chapter] = c
	}
	for _, ch := range chapters {
		c := byChapter[ch]
		e := s.cfg.Inspection.Estimate(ch, st.Shipment.Port, c.Inspected, c.Shipments)
		e.PortName, e.Lines = st.Demurrage.Terms.Name, skus[ch]
		out = append(out, e)
	}
	return out, nil
}

// InspectionEstimates are the estimates of every chapter and port with
// decided shipments, the most shipments first, with the ports' names.
func (s *Shipments) InspectionEstimates(ctx context.Context) ([]inspection.Estimate, error) {
	counts, err := s.cfg.Store.InspectionCounts(ctx, store.InspectionFilter{})
	if err != nil {
		return nil, internal(err)
	}
	ports, err := s.cfg.Store.Ports(ctx)
	if err != nil {
		return nil, internal(err)
	}
	names := map[string]string{}
	for _, p := range ports {
		names[p.Code] = p.Name
	}
	out := make([]inspection.Estimate, 0, len(counts))
	for _, c := range counts {
		e := s.cfg.Inspection.Estimate(c.Chapter, c.Port, c.Inspected, c.Shipments)
		e.PortName = names[c.Port]
		out = append(out, e)
	}
	return out, nil
}
