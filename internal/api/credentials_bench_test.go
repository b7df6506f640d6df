package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/credentials"
)

// BenchmarkCredentialVerify is a verification against the ledger as POST
// /v1/credentials/verify does it, without HTTP: the EdDSA signature, the
// issuer's key and authority on the ledger, the entry's match and status
// at an instant (credentials.Keeper.Verify), and the Merkle proof of the
// entry. It reports p50 and p99 per verification (the goal is p99 < 2 ms
// on one node).
//
//	go test ./internal/api -run '^$' -bench CredentialVerify -benchtime 2000x
func BenchmarkCredentialVerify(b *testing.B) {
	h, iss := issuedLicence(b)
	k, view, at := h.App.Credentials(), h.App.State().Committed(), apitest.GenesisTime.AddDate(0, 6, 0)
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		v := k.Verify(view, iss.Credential, at, false)
		if !v.Valid {
			b.Fatalf("not valid: %s %s", v.Code, v.Message)
		}
		if _, _, err := view.Prove(credentials.CredentialKey(v.Ledger.Credential.ID)); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	pct := func(p int) float64 { return float64(durations[(len(durations)-1)*p/100].Microseconds()) }
	b.ReportMetric(pct(50), "p50-µs")
	b.ReportMetric(pct(99), "p99-µs")
}

// issuedLicence starts a harness in which governance authorised a board
// ("board") to issue medical licences and its admin issued one.
func issuedLicence(b testing.TB) (*apitest.Harness, *client.Issued) {
	b.Helper()
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(h.Close)
	c := client.New(h.URL)
	ctx := context.Background()
	send := func(who string, m client.Msg) *client.TxResult {
		res, err := c.Send(ctx, client.NewSigner(apitest.PrivateKey(who)), m)
		if err != nil {
			b.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		return res
	}
	var o client.Outcome
	send("hospital-admin", client.Propose{Action: client.AdmitOrg{ID: "board", Name: "Board", Kind: "medical-board", Admin: "admin",
		AdminKey: client.NewSigner(apitest.PrivateKey("board-admin")).PublicKey()}.Action()}).Decode(&o)
	send("insurer-admin", client.Vote{Proposal: o.Proposal, Approve: true})
	send("lab-admin", client.Vote{Proposal: o.Proposal, Approve: true})
	send("board-admin", client.Propose{Action: client.AuthorizeIssuer{Org: "board", Types: []string{client.CredentialMedicalLicence}}.Action()}).Decode(&o)
	send("hospital-admin", client.Vote{Proposal: o.Proposal, Approve: true})
	send("insurer-admin", client.Vote{Proposal: o.Proposal, Approve: true})
	iss, err := c.IssueCredential(ctx, client.NewSigner(apitest.PrivateKey("board-admin")), client.CredentialDraft{
		Type: client.CredentialMedicalLicence, Issuer: "board", Subject: "general-hospital/admin",
		Claims:    map[string]any{"name": "Meredith Grey", "licenceNumber": "MD-0042", "jurisdiction": "US-MA"},
		ValidFrom: apitest.GenesisTime, ValidUntil: apitest.GenesisTime.AddDate(2, 0, 0)})
	if err != nil {
		b.Fatal(err)
	}
	return h, iss
}
