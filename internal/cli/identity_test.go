package cli

import (
	"reflect"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
)

func TestMembersAddRegistersTheMember(t *testing.T) {
	pub := strings.Repeat("0f", 32)
	api := &fakeAPI{send: committed(client.Created{ID: "st-marys-hospital/dr-house"})}
	code, out, errOut := run(t, api, "members", "add", "--handle", "dr-house", "--roles", "physician,auditor", "--key", pub)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := client.RegisterMember{Handle: "dr-house", Kind: "person", Roles: []string{"physician", "auditor"}, PublicKey: pub}
	if !reflect.DeepEqual(api.sent, []client.Msg{want}) {
		t.Errorf("sent %#v, want %#v", api.sent, want)
	}
	if out != "registered st-marys-hospital/dr-house (tx ABC123, height 7)\n" {
		t.Errorf("printed %q", out)
	}
}

func TestStatusPrintsTheNodesView(t *testing.T) {
	api := &fakeAPI{status: func() (*client.Status, error) {
		return &client.Status{ChainID: "care-net", Moniker: "node0", NodeID: "abc", LatestBlockHeight: 42, LatestAppHash: "FF"}, nil
	}}
	code, out, errOut := run(t, api, "status")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"chain       care-net\n", "node        node0 (abc)\n", "height      42 at ", "app hash    FF\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}
