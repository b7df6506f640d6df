package ledgertest

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/tx"
)

func TestMergePatch(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{`{"a":1,"b":2}`, `{"a":1,"b":3}`, `{"b":3}`},
		{`{"a":1,"b":2}`, `{"a":1}`, `{"b":null}`},
		{`{"a":1}`, `{"a":1,"c":{"d":[1, 2]}}`, `{"c":{"d":[1,2]}}`},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, `{}`},
	} {
		got, ok := mergePatch([]byte(c.old), []byte(c.new))
		if !ok || got != c.want {
			t.Errorf("mergePatch(%s, %s) = %s, %v; want %s", c.old, c.new, got, ok, c.want)
		}
	}
	if _, ok := mergePatch([]byte(`"x"`), []byte(`{"a":1}`)); ok {
		t.Error("a patch from a string to an object")
	}
}

func TestKeyAndValue(t *testing.T) {
	s := &script{names: newNames()}
	k := s.names.key("dr-x").String()
	if got, want := s.key([]byte("id/k/"+k)), "id/k/$key(dr-x)"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	if got, want := s.key([]byte("gov/d/7\x00 1\\")), `gov/d/7\x00\x201\x5c`; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	for _, c := range []struct{ v, want string }{
		{"\x01", ""},
		{`{ "a" : 1 }`, ` = {"a":1}`},
		{"\x02raw", ` = "\x02raw"`},
	} {
		if got := s.value(" = ", []byte(c.v)); got != c.want {
			t.Errorf("value(%q) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestExpandAndShorten(t *testing.T) {
	n := newNames()
	at := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	got, err := n.expand(`{"k":"$key(a)","p":"$pt(b)","h":$height,"d":$height(+3),"t":"$time(+1h)"}`, 7, at)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"k":"` + PubKey("a").String() + `","p":"` + n.patient("b") + `","h":7,"d":10,"t":"2026-01-01T01:00:10Z"}`
	if got != want {
		t.Fatalf("expand = %s\nwant %s", got, want)
	}
	if back := n.shorten(got); back != `{"k":"$key(a)","p":"$pt(b)","h":7,"d":10,"t":"2026-01-01T01:00:10Z"}` {
		t.Fatalf("shorten = %s", back)
	}
	// A key of no name the script used stays as it is.
	if other := PubKey("unused").String(); n.shorten(other) != other {
		t.Fatal("an unknown key was shortened")
	}
	for _, bad := range []string{"$key()", "$height(x)", "$time(soon)"} {
		if _, err := n.expand(bad, 1, at); err == nil {
			t.Errorf("expand(%q) did not fail", bad)
		}
	}
}

// $signed signs a message as an envelope of its own, the same bytes for the
// same arguments, and verifies as the signer's.
func TestExpandSigned(t *testing.T) {
	n := newNames()
	at := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	in := `$signed(st-marys/dr-grey records/read-request {"purpose":"treatment"})`
	got, err := n.expand(in, 7, at)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := n.expand(in, 9, at.Add(time.Hour))
	if got != again {
		t.Fatal("the same arguments signed different bytes")
	}
	raw, err := base64.StdEncoding.DecodeString(got)
	if err != nil {
		t.Fatalf("not base64: %v", err)
	}
	tr, err := tx.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Verify(); err != nil {
		t.Fatal(err)
	}
	if tr.Body.Signer.String() != PubKey("st-marys/dr-grey").String() || tr.Body.Type != "records/read-request" ||
		string(tr.Body.Msg) != `{"purpose":"treatment"}` || tr.Body.ChainID != ChainID {
		t.Fatalf("body = %+v", tr.Body)
	}
	for _, bad := range []string{"$signed(x)", "$signed(x records/read-request)", "$signed(x records/read-request {nope)"} {
		if _, err := n.expand(bad, 1, at); err == nil {
			t.Errorf("expand(%q) did not fail", bad)
		}
	}
}
