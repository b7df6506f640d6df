package cli

import (
	"reflect"
	"testing"

	"github.com/medchain/medchain/client"
)

func TestParseMilliC(t *testing.T) {
	for in, want := range map[string]int64{
		"4.5": 4500, "8": 8000, "-20": -20000, "+2.25": 2250, "0.001": 1, "-0.1": -100,
		"12.345": 12345, "37.0": 37000, "5 °C": 5000, "5°C": 5000, "-2.5C": -2500, "0": 0,
	} {
		got, err := parseMilliC(in)
		if err != nil || got != want {
			t.Errorf("parseMilliC(%q) = %d, %v; want %d", in, got, err, want)
		}
		if err == nil && in != "37.0" && in != "+2.25" && in[len(in)-1] != 'C' {
			if back := celsius(got); back != in {
				t.Errorf("celsius(%d) = %q, want %q", got, back, in)
			}
		}
	}
	for _, in := range []string{"", "4,5", "4.", ".5", "1e3", "4.5555", "--1", "abc", "NaN", "1234567", "4.5K"} {
		if got, err := parseMilliC(in); err == nil {
			t.Errorf("parseMilliC(%q) = %d, want an error", in, got)
		}
	}
}

func TestParseSerials(t *testing.T) {
	s, err := parseSerials(nil, "SN:1:3:4")
	if err != nil || !reflect.DeepEqual(s.Expand(), []string{"SN0001", "SN0002", "SN0003"}) {
		t.Fatalf("range: %v %v", s.Expand(), err)
	}
	// A prefix may itself hold colons: the last three fields are the numbers.
	s, err = parseSerials(nil, "A:B:9:2:0")
	if err != nil || !reflect.DeepEqual(s, client.Serials{Prefix: "A:B", Start: 9, Count: 2}) {
		t.Fatalf("prefix with a colon: %+v %v", s, err)
	}
	if s, err := parseSerials([]string{"X1", "X2"}, ""); err != nil || len(s.List) != 2 {
		t.Fatalf("list: %+v %v", s, err)
	}
	for _, bad := range []string{"SN:1:3", "SN:a:3:4", "SN:1:0:4"} {
		if _, err := parseSerials(nil, bad); err == nil {
			t.Errorf("--range %q accepted", bad)
		}
	}
	if _, err := parseSerials([]string{"X"}, "SN:1:3:4"); err == nil {
		t.Error("both a list and a range accepted")
	}
}
