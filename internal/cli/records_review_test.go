package cli

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
)

func TestReviewBreakGlassSendsTheReview(t *testing.T) {
	for _, c := range []struct {
		args []string
		want client.ReviewBreakGlass
		out  string
	}{
		{[]string{"--acknowledge"}, client.ReviewBreakGlass{Window: "bg-1", Outcome: "acknowledged"}, "bg-1 acknowledged (tx ABC123, height 7)\n"},
		{[]string{"--flag", "no-emergency"}, client.ReviewBreakGlass{Window: "bg-1", Outcome: "flagged", Reason: "no-emergency"}, "bg-1 flagged (no-emergency) (tx ABC123, height 7)\n"},
	} {
		api := &fakeAPI{send: committed(nil)}
		code, out, errOut := run(t, api, append([]string{"records", "review-break-glass", "bg-1"}, c.args...)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
		if !reflect.DeepEqual(api.sent, []client.Msg{c.want}) {
			t.Errorf("%v: sent %#v, want %#v", c.args, api.sent, c.want)
		}
		if out != c.out {
			t.Errorf("%v: printed %q, want %q", c.args, out, c.out)
		}
	}
	// Neither or both of --acknowledge and --flag, or no window: usage.
	for _, args := range [][]string{{"bg-1"}, {"bg-1", "--acknowledge", "--flag", "no-emergency"}, {"--acknowledge"}} {
		api := &fakeAPI{}
		if code, _, _ := run(t, api, append([]string{"records", "review-break-glass"}, args...)...); code != ExitUsage || len(api.sent) > 0 {
			t.Errorf("%v: exit %d, sent %v", args, code, api.sent)
		}
	}
}

func TestProposeBreakGlassLimits(t *testing.T) {
	api := &fakeAPI{send: committed(client.Outcome{Proposal: 3, Status: "open"})}
	code, out, errOut := run(t, api, "proposals", "set-break-glass-limits", "--max-open", "1", "--max-per-day", "4", "--max-minutes", "30", "--title", "tighter")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := client.Propose{Title: "tighter", Action: client.BreakGlassLimits{MaxOpen: 1, MaxPerDay: 4, MaxMinutes: 30}.Action()}
	if !reflect.DeepEqual(api.sent, []client.Msg{want}) {
		t.Errorf("sent %#v, want %#v", api.sent, want)
	}
	if !strings.Contains(out, "proposal 3 is open") {
		t.Errorf("printed %q", out)
	}
	// The generic form carries the same action.
	api = &fakeAPI{send: committed(client.Outcome{Proposal: 4, Status: "open"})}
	code, _, errOut = run(t, api, "proposals", "propose", "--action", client.ActionSetBreakGlassLimits,
		"--payload", `{"max_open":1,"max_per_day":4,"max_minutes":30}`)
	if code != ExitOK {
		t.Fatalf("propose: exit %d, stderr %q", code, errOut)
	}
	got := api.sent[0].(client.Propose)
	var a, b any
	json.Unmarshal(got.Action.Payload, &a)
	json.Unmarshal(want.Action.Payload, &b)
	if got.Action.Type != client.ActionSetBreakGlassLimits || !reflect.DeepEqual(a, b) {
		t.Errorf("propose sent %#v", got)
	}
	// A payload that is no JSON object, or missing limits: usage.
	for _, args := range [][]string{
		{"propose", "--action", "x/y", "--payload", "[1]"},
		{"set-break-glass-limits", "--max-open", "1"},
	} {
		api := &fakeAPI{}
		if code, _, _ := run(t, api, append([]string{"proposals"}, args...)...); code != ExitUsage || len(api.sent) > 0 {
			t.Errorf("%v: exit %d, sent %v", args, code, api.sent)
		}
	}
}

// unreviewedAPI answers UnreviewedBreakGlass.
type unreviewedAPI struct {
	fakeAPI
	org, after string
	limit      int
}

func (u *unreviewedAPI) UnreviewedBreakGlass(_ context.Context, org, after string, limit int) (*client.Page[client.BreakGlassWindow], error) {
	u.org, u.after, u.limit = org, after, limit
	return &client.Page[client.BreakGlassWindow]{Items: []client.BreakGlassWindow{{BreakGlass: client.BreakGlass{
		ID: "bg-1", Reader: "clinic/nurse", Org: "clinic", Patient: "pt-1", Reason: "life-threatening", Opened: 1767225600, Expires: 1767229200}}}, Next: "bg-1"}, nil
}

func TestUnreviewedListsTheOrgsWindows(t *testing.T) {
	api := &unreviewedAPI{}
	code, out, errOut := run(t, api, "records", "unreviewed", "--org", "clinic", "--limit", "1")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if api.org != "clinic" || api.limit != 1 || api.after != "" {
		t.Errorf("asked for %q after %q limit %d", api.org, api.after, api.limit)
	}
	if !strings.Contains(out, "bg-1") || !strings.Contains(out, "clinic/nurse") || !strings.Contains(out, "more: --after bg-1") {
		t.Errorf("printed %q", out)
	}
	if code, _, _ := run(t, &unreviewedAPI{}, "records", "unreviewed"); code != ExitUsage {
		t.Errorf("without --org: exit %d, want usage", code)
	}
}

// patientsAPI answers Whoami as a member of clinic and OrgPatients.
type patientsAPI struct {
	fakeAPI
	whoami     client.Principal
	org, after string
	limit      int
}

func (p *patientsAPI) Whoami(context.Context) (*client.Principal, error) { return &p.whoami, nil }

func (p *patientsAPI) OrgPatients(_ context.Context, org, after string, limit int) (*client.Page[client.GrantingPatient], error) {
	p.org, p.after, p.limit = org, after, limit
	return &client.Page[client.GrantingPatient]{Items: []client.GrantingPatient{{Patient: "pt-1", Grants: []client.Grant{
		{ID: "gr-1", Patient: "pt-1", Grantee: client.Grantee{Org: "clinic"}, Purposes: []string{"treatment"}, Expires: 1767229200},
		{ID: "gr-2", Patient: "pt-1", Grantee: client.Grantee{Member: "clinic/dr-a"}, Purposes: []string{"payment", "treatment"}, Expires: 1769817600},
	}}}, Next: "pt-1"}, nil
}

func TestPatientsListsWhoGrantedTheSignersOrg(t *testing.T) {
	api := &patientsAPI{whoami: client.Principal{ID: "clinic/dr-a", Kind: "member", Org: "clinic"}}
	code, out, errOut := run(t, api, "records", "patients", "--limit", "1")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if api.org != "clinic" || api.limit != 1 || api.after != "" {
		t.Errorf("asked for %q after %q limit %d", api.org, api.after, api.limit)
	}
	for _, want := range []string{"PATIENT", "pt-1", "gr-1,gr-2", "payment,treatment", "2026-01-31 00:00:00Z", "more: --after pt-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed %q, lacks %q", out, want)
		}
	}
	// --org names another organisation; a patient must name one.
	api = &patientsAPI{whoami: client.Principal{ID: "clinic/dr-a", Kind: "member", Org: "clinic"}}
	if code, _, _ := run(t, api, "records", "patients", "--org", "lab", "--after", "pt-0"); code != ExitOK || api.org != "lab" || api.after != "pt-0" {
		t.Errorf("--org lab: exit %d, asked for %q after %q", code, api.org, api.after)
	}
	api = &patientsAPI{whoami: client.Principal{ID: "pt-1", Kind: "patient"}}
	if code, _, errOut := run(t, api, "records", "patients"); code != ExitUsage || api.org != "" || !strings.Contains(errOut, "--org") {
		t.Errorf("as a patient: exit %d, asked for %q, stderr %q", code, api.org, errOut)
	}
}
