package vc

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckNPI(t *testing.T) {
	// 1234567893 is the worked example of CMS's check-digit paper.
	for _, ok := range []string{"1234567893", "1245319599", "1003000126", "1992999122"} {
		if err := CheckNPI(ok); err != nil {
			t.Errorf("CheckNPI(%s): %v", ok, err)
		}
	}
	for npi, want := range map[string]string{
		"1234567890":  "check digit",
		"1234567894":  "check digit",
		"123456789":   "10 digits",
		"12345678931": "10 digits",
		"12345678a3":  "10 digits",
		"":            "10 digits",
	} {
		err := CheckNPI(npi)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckNPI(%q) = %v, want an error about %q", npi, err, want)
		}
	}
}

func TestNPICredential(t *testing.T) {
	d := Draft{ID: "cr-000000000000000000000001", Type: "npi", Issuer: "npi-registry", Subject: "st-marys-hospital/dr-grey",
		Claims: map[string]any{"npi": "1234567893"}, ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	doc, err := d.Document()
	if err != nil {
		t.Fatalf("a valid NPI: %v", err)
	}
	if err := checkJSON(t, doc); err != nil {
		t.Fatalf("the data-model check of a valid NPI credential: %v", err)
	}
	if _, _, err := d.SelectiveDocument(rand.Reader); err != nil {
		t.Fatalf("a valid NPI, selectively disclosable: %v", err)
	}
	d.Claims["npi"] = "1234567890"
	if _, err := d.Document(); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Fatalf("an NPI with a wrong check digit was issued (err %v)", err)
	}
	if _, _, err := d.SelectiveDocument(rand.Reader); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Fatalf("an NPI with a wrong check digit was issued as an SD-JWT (err %v)", err)
	}
	delete(d.Claims, "npi")
	if _, err := d.Document(); err == nil {
		t.Fatal("an NPI credential without the npi claim was issued")
	}
	// A document signed elsewhere with a bad NPI fails the data-model check.
	doc["credentialSubject"].(map[string]any)["npi"] = "1234567890"
	err = checkJSON(t, doc)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeDataModel || e.Rule != "credential_subject.npi" {
		t.Fatalf("a bad NPI in a credential: %v, want vc.data_model [credential_subject.npi]", err)
	}
}

// checkJSON runs the data-model check on doc's JSON, as `medchain
// credentials check` does.
func checkJSON(t *testing.T, doc map[string]any) error {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return Check(b)
}
