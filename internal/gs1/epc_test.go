package gs1

import (
	"errors"
	"strings"
	"testing"
)

// Identifier pairs that appear in the GS1 EPCIS 2.0 and OpenEPCIS example
// documents (shared/data/epcis): the EPC URN and the Digital Link URI of the
// same object must give the same ID.
func TestParseEPCPairsFromEPCISExamples(t *testing.T) {
	for _, tc := range []struct {
		urn, dl string
		want    ID
	}{
		{"urn:epc:id:sgtin:0614141.107346.2018", "https://id.gs1.org/01/10614141073464/21/2018",
			ID{Scheme: SchemeSGTIN, GTIN: "10614141073464", Serial: "2018"}},
		{"urn:epc:id:sgtin:4012345.011111.987", "https://id.gs1.org/01/04012345111118/21/987",
			ID{Scheme: SchemeSGTIN, GTIN: "04012345111118", Serial: "987"}},
		{"urn:epc:id:sgtin:4012345.033333.AGHFG", "https://id.gs1.org/01/04012345333336/21/AGHFG",
			ID{Scheme: SchemeSGTIN, GTIN: "04012345333336", Serial: "AGHFG"}},
		{"urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877",
			ID{Scheme: SchemeLGTIN, GTIN: "04012345123456", Lot: "998877"}},
		{"urn:epc:class:lgtin:0614141.077777.987", "https://id.gs1.org/01/00614141777778/10/987",
			ID{Scheme: SchemeLGTIN, GTIN: "00614141777778", Lot: "987"}},
		{"urn:epc:class:lgtin:4012345.022222.87545GHGH", "https://id.gs1.org/01/04012345222227/10/87545GHGH",
			ID{Scheme: SchemeLGTIN, GTIN: "04012345222227", Lot: "87545GHGH"}},
		{"urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338",
			ID{Scheme: SchemeSSCC, SSCC: "040123450000003338"}},
		{"urn:epc:id:sgln:0012345.11111.400", "https://id.gs1.org/414/0012345111112/254/400",
			ID{Scheme: SchemeSGLN, GLN: "0012345111112", Extension: "400"}},
		{"urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234",
			ID{Scheme: SchemeSGLN, GLN: "0614141073467", Extension: "1234"}},
	} {
		fromURN, err := ParseEPC(tc.urn)
		if err != nil {
			t.Errorf("ParseEPC(%q): %v", tc.urn, err)
			continue
		}
		fromDL, err := ParseEPC(tc.dl)
		if err != nil {
			t.Errorf("ParseEPC(%q): %v", tc.dl, err)
			continue
		}
		if fromURN.CompanyPrefixLen == 0 || fromDL.CompanyPrefixLen != 0 {
			t.Errorf("%s: company prefix lengths %d, %d", tc.urn, fromURN.CompanyPrefixLen, fromDL.CompanyPrefixLen)
		}
		fromURN.CompanyPrefixLen = 0
		if fromURN != tc.want || fromDL != tc.want {
			t.Errorf("%s / %s:\n  %+v\n  %+v\n  want %+v", tc.urn, tc.dl, fromURN, fromDL, tc.want)
		}
		if got := fromURN.DigitalLink(""); got != tc.dl {
			t.Errorf("ID(%s).DigitalLink = %s; want %s", tc.urn, got, tc.dl)
		}
	}
}

// Every SGTIN and the other EPC URNs of the example documents parse, and the
// SGTINs rebuild to the same URN.
func TestParseEPCExamples(t *testing.T) {
	sgtins := strings.Fields(`
		urn:epc:id:sgtin:0614141.011111.987 urn:epc:id:sgtin:0614141.107340.1 urn:epc:id:sgtin:0614141.107340.2
		urn:epc:id:sgtin:0614141.107346.2017 urn:epc:id:sgtin:0614141.107346.2018 urn:epc:id:sgtin:4000001.065432.99886655
		urn:epc:id:sgtin:4012345.011111.1 urn:epc:id:sgtin:4012345.011111.2 urn:epc:id:sgtin:4012345.011111.987
		urn:epc:id:sgtin:4012345.011111.9876 urn:epc:id:sgtin:4012345.011122.25 urn:epc:id:sgtin:4012345.012345.12
		urn:epc:id:sgtin:4012345.012345.987 urn:epc:id:sgtin:4012345.012345.988 urn:epc:id:sgtin:4012345.022222.1234
		urn:epc:id:sgtin:4012345.033333.AGHFG urn:epc:id:sgtin:4012345.077889.25 urn:epc:id:sgtin:4012345.077889.26
		urn:epc:id:sgtin:9520001.012346.10000001001 urn:epc:id:sgtin:9520001.012346.10000001010
		urn:epc:id:sgtin:952001.1012345.22222223333
		urn:epc:id:sgtin:030001.0012345.11 urn:epc:id:sgtin:030001.1012345.110`)
	for _, u := range sgtins {
		id, err := ParseEPC(u)
		if err != nil || id.Scheme != SchemeSGTIN {
			t.Errorf("ParseEPC(%q) = %+v, %v", u, id, err)
			continue
		}
		back, err := SGTIN(id.GTIN, id.Serial, id.CompanyPrefixLen)
		if err != nil || back != u {
			t.Errorf("SGTIN(%s) = %q, %v; want %s", id.GTIN, back, err, u)
		}
		k, ok := id.UnitKey()
		if !ok || k != id.GTIN+"/"+id.Serial {
			t.Errorf("%s: UnitKey %q", u, k)
		}
	}
	others := strings.Fields(`
		urn:epc:class:lgtin:4012345.005555.456 urn:epc:class:lgtin:4023333.002000.2019-10-07
		urn:epc:class:lgtin:4023333.055555.ABC123 urn:epc:class:lgtin:4054739.099914.20160711
		urn:epc:id:pgln:0614141.00777 urn:epc:id:pgln:9520999.99999 urn:epc:id:pgln:4012345.00000
		urn:epc:id:sgln:0037000.00729.8202 urn:epc:id:sgln:030001.111111.0 urn:epc:id:sgln:952005385.011.ts4711
		urn:epc:id:sgln:952005385.011.scA urn:epc:id:sgln:9529999.99999.0
		urn:epc:id:sscc:0614141.1234567890 urn:epc:id:sscc:030001.41234567890 urn:epc:id:sscc:4012345.1112223334`)
	for _, u := range others {
		if id, err := ParseEPC(u); err != nil {
			t.Errorf("ParseEPC(%q) = %+v, %v", u, id, err)
		}
	}
	// Digital Link identifiers from the same documents.
	for _, u := range strings.Fields(`
		https://id.gs1.de/01/04012345999990/21/XYZ-1234 https://id.gs1.org/01/70614141123451/21/2018
		https://id.gs1.org/01/09521141012345 https://id.gs1.org/01/04012345666663 https://id.gs1.org/00/040123451111111127
		https://id.gs1.org/414/4012345000245/254/1 https://id.gs1.de/414/4012345000115 https://id.gs1.org/417/0614141000005`) {
		if _, err := ParseEPC(u); err != nil {
			t.Errorf("ParseEPC(%q): %v", u, err)
		}
	}
	for _, u := range strings.Fields(`
		https://example.com/253/4012345000054987 https://example.org/8004/4000001111-20190402T150000000
		https://id.example.com/8003/0040123450007418765 https://id.example.org/8004/401234599999
		https://id.gs1.org/8004/4000001111`) {
		if _, err := ParseDigitalLink(u); err != nil {
			t.Errorf("ParseDigitalLink(%q): %v", u, err)
		}
	}
}

func TestParseEPC(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ID
	}{
		// DSCSA example (EPCIS 1.2 XML): NDC 0001-0123-45 inside the GTIN.
		{"urn:epc:id:sgtin:030001.0012345.11", ID{Scheme: SchemeSGTIN, GTIN: "00300010123455", Serial: "11", CompanyPrefixLen: 6}},
		{"urn:epc:id:sgtin:952001.1012345.22222223333", ID{Scheme: SchemeSGTIN, GTIN: "19520010123455", Serial: "22222223333", CompanyPrefixLen: 6}},
		{"urn:epc:id:sgtin:9506000.013435.A%2FB%25.c", ID{Scheme: SchemeSGTIN, GTIN: "09506000134352", Serial: "A/B%.c", CompanyPrefixLen: 7}},
		{"urn:epc:id:sgtin:950600013435.0.X", ID{Scheme: SchemeSGTIN, GTIN: "09506000134352", Serial: "X", CompanyPrefixLen: 12}},
		{"urn:epc:class:lgtin:4023333.002000.2019-10-07", ID{Scheme: SchemeLGTIN, GTIN: "04023333020008", Lot: "2019-10-07", CompanyPrefixLen: 7}},
		{"urn:epc:id:sgln:952005385.011.ts4711", ID{Scheme: SchemeSGLN, GLN: "9520053850113", Extension: "ts4711", CompanyPrefixLen: 9}},
		{"urn:epc:id:sgln:030001.111111.0", ID{Scheme: SchemeSGLN, GLN: "0300011111116", CompanyPrefixLen: 6}},
		{"urn:epc:id:pgln:0614141.00777", ID{Scheme: SchemePGLN, GLN: "0614141007776", CompanyPrefixLen: 7}},
		{"urn:epc:id:sscc:030001.41234567890", ID{Scheme: SchemeSSCC, SSCC: "403000112345678901", CompanyPrefixLen: 6}},
		{"(01)09506000134352(21)XYZ", ID{Scheme: SchemeSGTIN, GTIN: "09506000134352", Serial: "XYZ"}},
		{"https://id.gs1.org/01/09506000134352/10/L1/21/XYZ", ID{Scheme: SchemeSGTIN, GTIN: "09506000134352", Serial: "XYZ", Lot: "L1"}},
		{"https://id.gs1.org/01/09506000134352", ID{Scheme: SchemeGTIN, GTIN: "09506000134352"}},
	} {
		got, err := ParseEPC(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseEPC(%q) = %+v, %v;\n want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"urn:epc:id:sgtin", `gs1: EPC URI "urn:epc:id:sgtin": no scheme`},
		{"urn:epc:idpat:sgtin:4012345.066666.*", `gs1: EPC URI "urn:epc:idpat:sgtin:4012345.066666.*": unsupported EPC scheme "idpat:sgtin"`},
		{"urn:epc:id:giai:4000001.111", `gs1: EPC URI "urn:epc:id:giai:4000001.111": unsupported EPC scheme "id:giai"`},
		{"urn:epc:id:sgtin:0614141.107346", `gs1: EPC URI "urn:epc:id:sgtin:0614141.107346": needs 3 dot-separated fields`},
		{"urn:epc:id:sgtin:06141.1107346.1", `gs1: EPC URI "urn:epc:id:sgtin:06141.1107346.1": company prefix "06141" must be 6 to 12 digits`},
		{"urn:epc:id:sgtin:0614141.10734.1", `gs1: EPC URI "urn:epc:id:sgtin:0614141.10734.1": company prefix and reference "0614141.10734" must be 13 digits together`},
		{"urn:epc:id:sgtin:0614141.107346.", `gs1: EPC URI "urn:epc:id:sgtin:0614141.107346.": empty serial, lot or extension`},
		{"urn:epc:id:sgtin:0614141.107346.A/B", `gs1: EPC URI "urn:epc:id:sgtin:0614141.107346.A/B": character '/' must be percent-encoded or is not allowed`},
		{"urn:epc:id:sgtin:0614141.107346.A%2", `gs1: EPC URI "urn:epc:id:sgtin:0614141.107346.A%2": bad escape at "%2"`},
		{"urn:epc:id:sgtin:0614141.107346.A%20", `gs1: EPC URI "urn:epc:id:sgtin:0614141.107346.A%20": escape "%20" is not a GS1 character`},
		{"urn:epc:id:sgtin:0614141.107346.123456789012345678901", `gs1: AI (21) "123456789012345678901": length is 21, at most 20 allowed`},
		{"urn:epc:id:sscc:0614141.123456789", `gs1: EPC URI "urn:epc:id:sscc:0614141.123456789": company prefix and reference "0614141.123456789" must be 17 digits together`},
		{"https://id.gs1.org/8004/4000001111", `gs1: element "(8004)4000001111" carries no GTIN, SSCC or GLN`},
	} {
		_, err := ParseEPC(tc.in)
		if err == nil || err.Error() != tc.msg {
			t.Errorf("ParseEPC(%q) error = %v;\n want %s", tc.in, err, tc.msg)
		}
	}
	if _, err := ParseEPC("urn:epc:id:sgtin:x"); !errors.Is(err, ErrEPC) {
		t.Errorf("error class %v", err)
	}
}

func TestEPCBuilders(t *testing.T) {
	for _, tc := range []struct {
		got  func() (string, error)
		want string
	}{
		{func() (string, error) { return SGTIN("09506000134352", "XYZ", 7) }, "urn:epc:id:sgtin:9506000.013435.XYZ"},
		{func() (string, error) { return SGTIN("9506000134352", `A/B&C"<>?%'`, 7) }, "urn:epc:id:sgtin:9506000.013435.A%2FB%26C%22%3C%3E%3F%25'"},
		{func() (string, error) { return SGTIN("10614141073464", "2018", 7) }, "urn:epc:id:sgtin:0614141.107346.2018"},
		{func() (string, error) { return LGTIN("04012345123456", "998877", 7) }, "urn:epc:class:lgtin:4012345.012345.998877"},
		{func() (string, error) { return SSCCURN("040123450000003338", 7) }, "urn:epc:id:sscc:4012345.0000000333"},
		{func() (string, error) { return SGLN("0614141073467", "1234", 7) }, "urn:epc:id:sgln:0614141.07346.1234"},
		{func() (string, error) { return SGLN("0012345111112", "", 7) }, "urn:epc:id:sgln:0012345.11111.0"},
	} {
		got, err := tc.got()
		if err != nil || got != tc.want {
			t.Errorf("got %q, %v; want %s", got, err, tc.want)
		}
		if _, err := ParseEPC(got); err != nil {
			t.Errorf("ParseEPC(%q): %v", got, err)
		}
	}
	for _, tc := range []struct {
		got func() (string, error)
		msg string
	}{
		{func() (string, error) { return SGTIN("09506000134352", "XYZ", 5) }, "gs1: GS1 Company Prefix length 5 is not between 6 and 12"},
		{func() (string, error) { return SGTIN("09506000134353", "XYZ", 7) }, `gs1: offset 13: GTIN "09506000134353": check digit is 2, not 3`},
		{func() (string, error) { return SGTIN("09506000134352", "X Y", 7) }, `gs1: AI (21) "X Y": character ' ' at position 2 is not in the GS1 AI encodable character set 82`},
		{func() (string, error) { return SGTIN("09506000134352", "", 7) }, `gs1: AI (21) "": value is empty`},
		{func() (string, error) { return SSCCURN("040123450000003339", 7) }, `gs1: AI (00) "040123450000003339": check digit is 8, not 9`},
		{func() (string, error) { return SGLN("0614141073467", "A B", 7) }, `gs1: AI (254) "A B": character ' ' at position 2 is not in the GS1 AI encodable character set 82`},
	} {
		if _, err := tc.got(); err == nil || err.Error() != tc.msg {
			t.Errorf("error %v; want %s", err, tc.msg)
		}
	}
}

// TestUnitKey: the same unit gives the same key from every syntax, also with
// a serial containing "/".
func TestUnitKey(t *testing.T) {
	const want = "09506000134352/A/B"
	for _, in := range []string{
		"(01)09506000134352(21)A/B",
		"]d2010950600013435221A/B",
		"https://id.gs1.org/01/09506000134352/21/A%2FB",
		"https://example.com/pfx/01/9506000134352/10/L/21/A%2fB?17=251231",
		"urn:epc:id:sgtin:9506000.013435.A%2FB",
	} {
		id, err := ParseEPC(in)
		if err != nil {
			t.Errorf("ParseEPC(%q): %v", in, err)
			continue
		}
		if k, ok := id.UnitKey(); !ok || k != want {
			t.Errorf("%s: UnitKey = %q, %v; want %s", in, k, ok, want)
		}
	}
	if UnitKey("09506000134352", "XYZ") != "09506000134352/XYZ" {
		t.Error("UnitKey")
	}
	g, s, err := ParseUnitKey(want)
	if err != nil || g != "09506000134352" || s != "A/B" {
		t.Errorf("ParseUnitKey = %q %q %v", g, s, err)
	}
	for _, tc := range []struct{ in, msg string }{
		{"9506000134352/XYZ", `gs1: unit key "9506000134352/XYZ" is not GTIN-14 "/" serial`},
		{"09506000134352/", `gs1: unit key "09506000134352/" is not GTIN-14 "/" serial`},
		{"09506000134353/X", `gs1: AI (01) "09506000134353": check digit is 2, not 3`},
		{"09506000134352/X Y", `gs1: AI (21) "X Y": character ' ' at position 2 is not in the GS1 AI encodable character set 82`},
	} {
		if _, _, err := ParseUnitKey(tc.in); err == nil || err.Error() != tc.msg {
			t.Errorf("ParseUnitKey(%q) error = %v; want %s", tc.in, err, tc.msg)
		}
	}
	if _, ok := (ID{Scheme: SchemeLGTIN, GTIN: "09506000134352", Lot: "L"}).UnitKey(); ok {
		t.Error("UnitKey of an LGTIN")
	}
}

// TestRoundTrips: element string → Digital Link → element string → raw
// data → element, and element → SGTIN → ID.
func TestRoundTrips(t *testing.T) {
	for _, in := range []string{
		"(01)09506000134352(17)251231(10)ABC123(21)XYZ",
		"(01)09506000134352(11)250101(17)270100(10)L-42/7(21)S'1*2(715)0001-0123-45(7003)2712311200",
		"(00)952012345678912345(02)09520123456788(37)25(10)ABC123(17)251231(3303)001250",
		"(414)4012345000115(254)A%2",
		"(8006)095201234567880102(10)L(21)S",
		"(01)09520123456788(235)TPX(10)L",
		`(01)09506000134352(21)\(\(\()`,
	} {
		e, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		dl := e.DigitalLink("https://example.com/x")
		fromDL, err := Parse(dl)
		if err != nil || !sameAIs(fromDL, e) {
			t.Errorf("%s → %s → %v, %v", in, dl, fromDL, err)
			continue
		}
		again, err := Parse(fromDL.String())
		if err != nil || !again.Equal(fromDL) {
			t.Errorf("%s → %s → %s → %v, %v", in, dl, fromDL, again, err)
		}
		raw, err := Parse("]d2" + again.Data())
		if err != nil || !raw.Equal(again) {
			t.Errorf("raw %q → %v, %v", again.Data(), raw, err)
		}
		if fromDL.DigitalLink("https://example.com/x") != dl {
			t.Errorf("canonical DL not stable: %s vs %s", dl, fromDL.DigitalLink("https://example.com/x"))
		}
		if k, ok := e.UnitKey(); ok {
			urn, err := SGTIN(e.GTIN(), e.Serial(), 7)
			if err != nil {
				t.Fatal(err)
			}
			id, err := ParseEPC(urn)
			if k2, _ := id.UnitKey(); err != nil || k2 != k {
				t.Errorf("%s → %s → %q, %v; want %s", in, urn, k2, err, k)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Element{AIs: ais("01", "09506000134352", "21", "X")}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		e   Element
		msg string
	}{
		{Element{AIs: ais("21", "X")}, `gs1: AI (21) "X": requires AI (01), (03) or (8006)`},
		{Element{AIs: ais("01", "1")}, `gs1: AI (01) "1": length is 1, must be 14`},
		{Element{AIs: ais("0", "1")}, `gs1: AI (0) "1": unknown AI`},
	} {
		if err := tc.e.Validate(); err == nil || err.Error() != tc.msg {
			t.Errorf("Validate(%v) = %v; want %s", tc.e, err, tc.msg)
		}
	}
}

// FuzzParse: Parse never panics, and whatever it accepts reads back from
// its String (and from its Digital Link, when it has one) as the same AIs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"(01)09506000134352(17)251231(10)ABC123(21)XYZ",
		"]d201095060001343521725123110ABC123\x1d21XYZ",
		"https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=251231",
		"https://example.com/a/gtin/9506000134352/ser/A%2FB?17=251200&x=1#f",
		"(00)952012345678912345(02)09520123456788(37)25(10)ABC123",
		"(8010)0614141#-/AB(8011)123",
		`(01)09506000134352(21)A\(1)`,
		"(414)4012345000115(254)987",
		"]Q1https://id.gs1.org/8004/4000001111",
		"(01)09506000134352(7003)2512312359(8008)25123123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var ge *Error
			if !errors.As(err, &ge) || ge.Kind == nil {
				t.Fatalf("Parse(%q): error %v is not a classified *Error", s, err)
			}
			return
		}
		back, err := Parse(e.String())
		if err != nil || !back.Equal(e) {
			t.Fatalf("Parse(%q) = %s; its String reads back as %v, %v", s, e, back, err)
		}
		raw, err := ParseElementString(e.Data())
		if err != nil || !raw.Equal(e) {
			t.Fatalf("Parse(%q) = %s; its Data %q reads back as %v, %v", s, e, e.Data(), raw, err)
		}
		if dl := e.DigitalLink(""); dl != "" {
			fromDL, err := ParseDigitalLink(dl)
			if err != nil || !sameAIs(fromDL, e) {
				t.Fatalf("Parse(%q) = %s; its Digital Link %s reads back as %v, %v", s, e, dl, fromDL, err)
			}
		}
		_, _ = e.ID()
	})
}

func BenchmarkParse(b *testing.B) {
	// A serialised pharma pack, as a GS1 DataMatrix reader transmits it.
	const pack = "]d2010950600013435217271231" + "10ABC123\x1d21XYZ1234567890"
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse(pack)
		if err != nil || e.Serial() != "XYZ1234567890" {
			b.Fatal(e, err)
		}
	}
}

func BenchmarkParseDigitalLink(b *testing.B) {
	const dl = "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ1234567890?17=271231"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(dl); err != nil {
			b.Fatal(err)
		}
	}
}
