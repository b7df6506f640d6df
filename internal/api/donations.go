package api

import (
	"encoding/csv"
	"fmt"
	"net/http"

	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/supply"
)

// Donations: campaigns, their public ledgers and IATI exports are open;
// a donation's status is open for an organisation's and keyed for a
// person's (the donations module's SeesDonation decides).

// idParam checks a path ID of the donations module by its prefix.
func idParam(r *http.Request, prefix, what string) (string, error) {
	id := r.PathValue("id")
	if donations.ValidID(prefix, id) != nil {
		return "", badParam("id", "a %s ID is %s and 24 lower-case hex digits, got %q", what, prefix, id)
	}
	return id, nil
}

// listCampaigns handles GET /v1/donations/campaigns?after=&limit=.
func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	cs, next := s.app.Donations().Campaigns(s.app.State().Committed(), after, limit)
	return writeJSON(w, http.StatusOK, pageView[donations.Campaign]{Items: nonNil(cs), Next: next})
}

// campaignView is a campaign's public ledger with its disbursements and
// the organisations' donations (a person's count in the totals only).
type campaignView struct {
	donations.Ledger
	Disbursements []donations.Disbursement `json:"disbursements"`
	Donations     []donations.Donation     `json:"donations"`
}

// getCampaign handles GET /v1/donations/campaigns/{id}: the public ledger.
func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "cp-", "campaign")
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Donations()
	l, ok := k.CampaignLedger(view, id, s.now())
	if !ok {
		return fmt.Errorf("%w: campaign %s", donations.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, campaignView{Ledger: l,
		Disbursements: nonNil(k.CampaignDisbursements(view, id, maxLimit)), Donations: nonNil(k.CampaignDonations(view, id, maxLimit))})
}

// exportCampaign handles GET /v1/donations/campaigns/{id}/export?format=json|csv:
// the campaign as an IATI activity and its transactions.
func (s *Server) exportCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "cp-", "campaign")
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return badParam("format", "must be json or csv, got %q", format)
	}
	a, ok := s.app.Donations().IATI(s.app.State().Committed(), id)
	if !ok {
		return fmt.Errorf("%w: campaign %s", donations.ErrNotFound, id)
	}
	if format != "csv" {
		return writeJSON(w, http.StatusOK, a)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+"-iati.csv"))
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(donations.CSVHeader)
	for _, t := range a.Transactions {
		_ = cw.Write(a.CSVRow(t))
	}
	cw.Flush()
	return nil
}

// getNeed handles GET /v1/donations/needs/{id}.
func (s *Server) getNeed(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "nd-", "need")
	if err != nil {
		return err
	}
	n, ok := s.app.Donations().Need(s.app.State().Committed(), id)
	if !ok {
		return fmt.Errorf("%w: need %s", donations.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, n)
}

// donationStatusView is where a donation stands and, with ?prove=true, its proof
// of receipt: the proofs of the donation, its allocations, the links with
// their receipts and the supply shipments they read.
type donationStatusView struct {
	donations.Status
	Proofs []*proofView `json:"proofs,omitempty"`
}

// getPledge handles GET /v1/donations/pledges/{id}?prove=: an
// organisation's donation to anyone, a person's to that person only; an
// unknown ID is refused as a person's would be, so a refusal is no oracle.
func (s *Server) getPledge(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	id, err := idParam(r, "dn-", "donation")
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Donations()
	st, ok := k.DonationStatus(view, id)
	if !ok {
		// Unknown reads as someone else's person's donation: no oracle.
		st.Donation = donations.Donation{ID: id, DonorKind: donations.DonorPerson}
	}
	if err := k.SeesDonation(caller(r), st.Donation); err != nil {
		return signIn(r, "a person's donations", err)
	}
	v := donationStatusView{Status: st}
	if withProof {
		keys := st.ProofKeys
		for _, l := range st.Shipments {
			keys = append(keys, supply.ShipmentKey(l.Shipment))
		}
		for _, sc := range st.Spent {
			for _, l := range sc.Shipments {
				keys = append(keys, supply.ShipmentKey(l.Shipment))
			}
		}
		for _, key := range keys {
			p, err := prove(view, key)
			if err != nil {
				return err
			}
			v.Proofs = append(v.Proofs, p)
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// donorDonations handles GET /v1/donations/donors/{donor}: an
// organisation's donations to anyone, a person's to that person only.
func (s *Server) donorDonations(w http.ResponseWriter, r *http.Request) error {
	donor := r.PathValue("donor")
	if donor == "" || len(donor) > 64 {
		return badParam("donor", "an organisation ID or a patient ID (pt-…)")
	}
	k := s.app.Donations()
	if err := k.SeesDonor(caller(r), donor); err != nil {
		return signIn(r, "a person's donations", err)
	}
	return writeJSON(w, http.StatusOK, pageView[donations.Donation]{Items: nonNil(k.DonorDonations(s.app.State().Committed(), donor, maxLimit))})
}
