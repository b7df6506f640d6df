package state

import (
	"slices"
	"testing"
)

// WalkFrom starts at from (inclusive) and stays under the given parts: it
// neither visits earlier entries nor those of a longer part that shares the
// prefix.
func TestIndexWalkFrom(t *testing.T) {
	db, _ := Open("", Options{})
	w := db.Working()
	x := Index{prefix: []byte("test-walkfrom/")}
	x.Add(w, "nurse", "01", "a")
	x.Add(w, "nurse", "02", "b")
	x.Add(w, "nurse", "03", "c")
	x.Add(w, "nurse-2", "02", "z")
	x.Add(w, "nurse", "\xff", "y") // not visited once fn stops
	walk := func(from string, stopAt int) []string {
		var got []string
		x.WalkFrom(w, from, func(rest string) bool {
			got = append(got, rest)
			return len(got) < stopAt
		}, "nurse")
		return got
	}
	if got, want := walk("02", 3), []string{"02\x00b", "03\x00c", "\xff\x00y"}; !slices.Equal(got, want) {
		t.Errorf("from 02: %q, want %q", got, want)
	}
	if got, want := walk("02\x00b\x00", 1), []string{"03\x00c"}; !slices.Equal(got, want) {
		t.Errorf("after 02/b: %q, want %q", got, want)
	}
	if got := walk("", 10); len(got) != 4 {
		t.Errorf("from the start: %q", got)
	}
}
