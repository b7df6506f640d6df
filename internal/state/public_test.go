package state

import (
	"slices"
	"testing"
)

var (
	testPublic  = NewMap[string]("publictest", "pubt/open/").Public()
	testPrivate = NewMap[string]("publictest", "pubt/closed/")
	pubIdx      = NewIndex("publictest", "pubt/idx/")
)

// A map is private unless marked: IsPublic answers for the keys under a
// marked prefix only; OwnerOf names the owner of any claimed key; ID and
// Parts take a key apart as its map or index made it.
func TestPublicPrefixes(t *testing.T) {
	if !IsPublic(string(testPublic.Key("a/b"))) {
		t.Error("a key of a public map is not public")
	}
	for _, k := range []string{string(testPrivate.Key("a")), string(pubIdx.Key("a", "b")), "pubt/op", "nobody/x"} {
		if IsPublic(k) {
			t.Errorf("%q is public", k)
		}
	}
	if o, ok := OwnerOf(string(testPrivate.Key("x"))); !ok || o != "publictest" {
		t.Errorf("OwnerOf = %q, %v", o, ok)
	}
	if _, ok := OwnerOf("nobody/x"); ok {
		t.Error("an unclaimed key has an owner")
	}
	if id, ok := testPublic.ID(string(testPublic.Key("pt-1/gr-2"))); !ok || id != "pt-1/gr-2" {
		t.Errorf("ID = %q, %v", id, ok)
	}
	if _, ok := testPublic.ID(string(testPrivate.Key("x"))); ok {
		t.Error("ID of another map's key")
	}
	if parts, ok := pubIdx.Parts(string(pubIdx.Key("org/a", "id"))); !ok || !slices.Equal(parts, []string{"org/a", "id"}) {
		t.Errorf("Parts = %q, %v", parts, ok)
	}
}
