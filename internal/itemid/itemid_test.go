package itemid

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/gs1"
)

func TestRead(t *testing.T) {
	const gtin, sscc = "09506000134352", "106141412345678908"
	unit := Unit(gtin, "ABC123")
	sgtin, err := gs1.SGTIN(gtin, "ABC123", 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want, err string }{
		{"(01)09506000134352(17)271231(10)L1(21)ABC123", unit, ""},
		{"]d2010950600013435217271231" + "10L1\x1d21ABC123", unit, ""},
		{"https://id.gs1.org/01/09506000134352/10/L1/21/ABC123?17=271231", unit, ""},
		{"https://pharma.example/dl/01/09506000134352/21/ABC123", unit, ""},
		{sgtin, unit, ""},
		{unit, unit, ""},
		{" 01/09506000134352/21/A/1 ", Unit(gtin, "A/1"), ""},
		{"(00)" + sscc, Container(sscc), ""},
		{"(01)09506000134352(10)L1", "", "no serial"},
		{"(01)09506000134353(21)X", "", "check digit"},
		{"00/123", "", ""},
		{"hello", "", ""},
	} {
		got, err := Read(c.in)
		switch {
		case c.want != "" && (err != nil || got != c.want):
			t.Errorf("Read(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.want == "" && err == nil:
			t.Errorf("Read(%q) = %q, want an error", c.in, got)
		case c.want == "" && !strings.Contains(fmt.Sprint(err), c.err):
			t.Errorf("Read(%q) error %q does not say %q", c.in, err, c.err)
		}
	}
}

func TestSerialRange(t *testing.T) {
	if got, want := SerialRange("SN", 98, 3, 3), []string{"SN098", "SN099", "SN100"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SerialRange = %v, want %v", got, want)
	}
	if got := SerialRange("", 5, 0, 2); len(got) != 0 {
		t.Errorf("an empty range gave %v", got)
	}
}

// FuzzRead: whatever Read accepts is an item ID that Parse accepts.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"(01)09506000134352(21)ABC", "00/006141410000010004", "urn:epc:id:sscc:0614141.1234567890", "]d2010950600013435221X\x1d10L1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		id, err := Read(code)
		if err != nil {
			return
		}
		if _, _, err := Parse(id); err != nil {
			t.Fatalf("Read(%q) = %q, which Parse refuses: %v", code, id, err)
		}
	})
}
