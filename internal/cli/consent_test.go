package cli

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
)

func TestConsentGrantBuildsTheGrantItsFlagsSay(t *testing.T) {
	api := &fakeAPI{send: committed(client.Created{ID: "gr-1"})}
	before := time.Now().UTC().Truncate(time.Second)
	code, out, errOut := run(t, api, "consent", "grant", "--role", "st-marys-hospital:nurse", "--purpose", "treatment,research",
		"--types", "Observation", "--expires", "30d", "--patient", "pt-0123456789abcdef0123", "-q")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != "gr-1\n" {
		t.Errorf("printed %q, want the grant ID", out)
	}
	got, ok := api.sent[0].(client.GrantConsent)
	if !ok {
		t.Fatalf("sent %#v", api.sent[0])
	}
	if exp := before.Add(30 * 24 * time.Hour); got.Expires.Before(exp) || got.Expires.After(exp.Add(time.Minute)) {
		t.Errorf("expires %v, want 30 days from %v", got.Expires, before)
	}
	got.Expires = time.Time{}
	want := client.GrantConsent{Patient: "pt-0123456789abcdef0123", Grantee: client.Grantee{Org: "st-marys-hospital", Role: "nurse"},
		Purposes: []string{"treatment", "research"}, Types: []string{"Observation"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sent %#v, want %#v", got, want)
	}
}

func TestConsentGrantUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--to", "lab", "--member", "lab/x"}, // two grantees
		{"--member", "lab"},                  // not ORG/HANDLE
		{"--role", "lab"},                    // not ORG:ROLE
		{"--to", "lab", "--expires", "yesterday"},
	} {
		api := &fakeAPI{}
		args = append([]string{"consent", "grant", "--purpose", "treatment"}, args...)
		if !slices.Contains(args, "--expires") {
			args = append(args, "--expires", "1h")
		}
		if code, _, errOut := run(t, api, args...); code != ExitUsage || len(api.sent) > 0 {
			t.Errorf("%v: exit %d, sent %v (stderr %q)", args, code, api.sent, errOut)
		}
	}
}

func TestConsentDelegateRemove(t *testing.T) {
	api := &fakeAPI{send: committed(nil)}
	code, out, errOut := run(t, api, "consent", "delegate", "st-marys-hospital/dr-grey", "--remove")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if want := (client.DelegateAccess{Delegate: "st-marys-hospital/dr-grey"}); !reflect.DeepEqual(api.sent, []client.Msg{want}) {
		t.Errorf("sent %#v, want %#v", api.sent, want)
	}
	if out != "st-marys-hospital/dr-grey is no longer a delegate (tx ABC123, height 7)\n" {
		t.Errorf("printed %q", out)
	}
	// Both or neither of --expires and --remove: a usage error.
	for _, args := range [][]string{{"pt-1"}, {"pt-1", "--remove", "--expires", "1h"}} {
		api := &fakeAPI{}
		if code, _, _ := run(t, api, append([]string{"consent", "delegate"}, args...)...); code != ExitUsage || len(api.sent) > 0 {
			t.Errorf("%v: exit %d, sent %v", args, code, api.sent)
		}
	}
}
