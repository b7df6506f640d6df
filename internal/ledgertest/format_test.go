package ledgertest

import (
	"testing"
	"time"
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
