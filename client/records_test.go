package client_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// OrgPatients: a clinician finds the patients who granted their
// organisation, a role there or themselves access, paged by patient, with
// the grants active now; a revoked grant drops out; nobody outside the
// organisation may list them.
func TestOrgPatients(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()
	hospital, doctor := signer("hospital-admin"), signer("dr-brown")
	sendOK(t, c, hospital, client.RegisterMember{Handle: "dr-brown", Roles: []string{"physician"}, PublicKey: doctor.PublicKey()})
	ada := createdID(t, sendOK(t, c, signer("patient-ada"), client.RegisterPatient{}))
	bo := createdID(t, sendOK(t, c, signer("patient-bo"), client.RegisterPatient{}))
	expires := apitest.GenesisTime.AddDate(1, 0, 0)
	grant := func(pt string, to client.Grantee) string {
		return createdID(t, sendOK(t, c, signer(pt), client.GrantConsent{Grantee: to, Purposes: []string{client.PurposeTreatment}, Expires: expires}))
	}
	toOrg := grant("patient-ada", client.Grantee{Org: "general-hospital", Role: "physician"})
	toDoctor := grant("patient-bo", client.Grantee{Member: "general-hospital/dr-brown"})
	grant("patient-bo", client.Grantee{Org: "acme-insurance"})

	as := c.As(doctor)
	all, err := as.OrgPatients(ctx, "general-hospital", "", 0)
	if err != nil || len(all.Items) != 2 || all.Next != "" {
		t.Fatalf("patients of general-hospital: %+v %v", all, err)
	}
	want := map[string]string{ada: toOrg, bo: toDoctor}
	for _, it := range all.Items {
		if len(it.Grants) != 1 || it.Grants[0].ID != want[it.Patient] || it.Grants[0].Patient != it.Patient || it.Grants[0].Expires != expires.Unix() {
			t.Errorf("patient %s: %+v, want grant %s", it.Patient, it.Grants, want[it.Patient])
		}
	}
	if !slices.IsSortedFunc(all.Items, func(a, b client.GrantingPatient) int { return strings.Compare(a.Patient, b.Patient) }) {
		t.Errorf("patients not by ID: %+v", all.Items)
	}

	// Paged by patient ID.
	first, err := as.OrgPatients(ctx, "general-hospital", "", 1)
	if err != nil || len(first.Items) != 1 || first.Next != first.Items[0].Patient {
		t.Fatalf("first page: %+v %v", first, err)
	}
	second, err := as.OrgPatients(ctx, "general-hospital", first.Next, 1)
	if err != nil || len(second.Items) != 1 || second.Items[0].Patient == first.Items[0].Patient || second.Next != "" {
		t.Fatalf("second page: %+v %v", second, err)
	}

	// A revoked grant is no longer listed.
	sendOK(t, c, signer("patient-ada"), client.RevokeGrant{Grant: toOrg})
	if after, err := as.OrgPatients(ctx, "general-hospital", "", 0); err != nil || len(after.Items) != 1 || after.Items[0].Patient != bo {
		t.Fatalf("after the revocation: %+v %v", after, err)
	}

	// Anonymous: 401; another organisation's member or a patient: 403.
	var e *client.Error
	if _, err := c.OrgPatients(ctx, "general-hospital", "", 0); !client.IsCode(err, client.CodeUnauthenticated) || !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("anonymous: %v", err)
	}
	for _, who := range []string{"insurer-admin", "patient-bo"} {
		if _, err := c.As(signer(who)).OrgPatients(ctx, "general-hospital", "", 0); !client.IsCode(err, client.CodeNotEntitled) || !errors.As(err, &e) || e.Status != 403 {
			t.Fatalf("%s: %v", who, err)
		}
	}
}
