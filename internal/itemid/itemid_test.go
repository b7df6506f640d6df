package itemid

import (
	"reflect"
	"testing"
)

func TestRead(t *testing.T) {
	for in, want := range map[string]string{
		"(01)09506000134352(17)271231(10)L1(21)ABC123":   "01/09506000134352/21/ABC123",
		"https://id.gs1.org/01/09506000134352/21/ABC123": "01/09506000134352/21/ABC123",
		"urn:epc:id:sgtin:9506000.013435.ABC123":         "01/09506000134352/21/ABC123",
		"(00)006141410000010004":                         "00/006141410000010004",
		" 01/09506000134352/21/A/1 ":                     "01/09506000134352/21/A/1",
	} {
		if got, err := Read(in); err != nil || got != want {
			t.Errorf("Read(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"(01)09506000134352(10)L1", "01/09506000134353/21/A", "00/123", "hello"} {
		if got, err := Read(bad); err == nil {
			t.Errorf("Read(%q) = %q, want an error", bad, got)
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
