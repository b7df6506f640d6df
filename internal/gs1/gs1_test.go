package gs1

import (
	"errors"
	"strings"
	"testing"
)

func ais(kv ...string) []AI {
	var out []AI
	for i := 0; i < len(kv); i += 2 {
		out = append(out, AI{Code: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		body string
		want byte
	}{
		{"0950600013435", '2'},     // GTIN-14 09506000134352 (GS1 example)
		{"952012345678", '8'},      // GTIN-13 9520123456788 (Digital Link standard)
		{"41600033610", '8'},       // GTIN-12 416000336108
		{"0234567", '3'},           // GTIN-8 02345673
		{"95201234567891234", '5'}, // SSCC 952012345678912345 (Digital Link standard)
		{"401234500011", '5'},      // GLN 4012345000115 (EPCIS examples)
		{"1061414107346", '4'},     // GTIN of urn:epc:id:sgtin:0614141.107346.2018
		{"0", '0'},
	} {
		got, err := CheckDigit(tc.body)
		if err != nil || got != tc.want {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q", tc.body, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"", "gs1: no digits to compute a check digit over"},
		{"12a4", `gs1: offset 2: character 'a' is not a digit`},
	} {
		if _, err := CheckDigit(tc.in); err == nil || err.Error() != tc.msg {
			t.Errorf("CheckDigit(%q) error = %v; want %s", tc.in, err, tc.msg)
		}
	}
}

func TestGTIN(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"09506000134352", "09506000134352", ""},
		{"9520123456788", "09520123456788", ""},
		{"416000336108", "00416000336108", ""},
		{"02345673", "00000002345673", ""},
		{"40170725", "00000040170725", ""},
		{"09506000134353", "", `gs1: offset 13: GTIN "09506000134353": check digit is 2, not 3`},
		{"0950600013435", "", `gs1: offset 12: GTIN "0950600013435": check digit is 9, not 5`},
		{"123", "", `gs1: GTIN "123": length is 3, must be 8, 12, 13 or 14`},
		{"0950600013435X", "", `gs1: offset 13: GTIN "0950600013435X": character 'X' at position 14 is not a digit`},
	} {
		got, err := GTIN14(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("GTIN14(%q) error = %v; want %s", tc.in, err, tc.err)
			}
			if ValidGTIN(tc.in) == nil {
				t.Errorf("ValidGTIN(%q) = nil", tc.in)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("GTIN14(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestPredefinedLengthTable checks the table against the GS1 General
// Specifications' table of AI prefixes with predefined length (figure
// 5.10.1-2): exactly the AIs whose first two digits are listed need no
// separator, with the listed total length (AI + data).
func TestPredefinedLengthTable(t *testing.T) {
	predefined := map[string]int{
		"00": 20, "01": 16, "02": 16, "03": 16, "04": 18, "11": 8, "12": 8, "13": 8, "14": 8,
		"15": 8, "16": 8, "17": 8, "18": 8, "19": 8, "20": 4, "31": 10, "32": 10, "33": 10,
		"34": 10, "35": 10, "36": 10, "41": 16,
	}
	for _, d := range aiTable {
		total, ok := predefined[d.code[:2]]
		if d.fixed != ok {
			t.Errorf("AI (%s): predefined = %v, want %v", d.code, d.fixed, ok)
		}
		if ok && (d.minLen != d.maxLen || len(d.code)+d.maxLen != total) {
			t.Errorf("AI (%s): length %d..%d, want total %d", d.code, d.minLen, d.maxLen, total)
		}
	}
	// AIs must be prefix-free for raw parsing.
	for _, a := range aiTable {
		for _, b := range aiTable {
			if a != b && strings.HasPrefix(b.code, a.code) {
				t.Errorf("AI (%s) is a prefix of (%s)", a.code, b.code)
			}
		}
	}
}

func TestLookupAI(t *testing.T) {
	for _, tc := range []struct {
		code string
		want AIInfo
	}{
		{"01", AIInfo{Code: "01", Title: "GTIN", Format: "N14", Predefined: true, DataAttribute: true, PrimaryKey: true}},
		{"21", AIInfo{Code: "21", Title: "SERIAL", Format: "X..20"}},
		{"253", AIInfo{Code: "253", Title: "GDTI", Format: "N13 [X..17]", DataAttribute: true, PrimaryKey: true}},
		{"3103", AIInfo{Code: "3103", Title: "NET WEIGHT (kg)", Format: "N6", Predefined: true, DataAttribute: true}},
		{"7003", AIInfo{Code: "7003", Title: "EXPIRY TIME", Format: "N6 N4", DataAttribute: true}},
		{"712", AIInfo{Code: "712", Title: "NHRN CN", Format: "X..20", DataAttribute: true}},
		{"715", AIInfo{Code: "715", Title: "NHRN NDC", Format: "X..20", DataAttribute: true}},
		{"7031", AIInfo{Code: "7031", Title: "PROCESSOR # 1", Format: "N3 X..27", DataAttribute: true}},
		{"7239", AIInfo{Code: "7239", Title: "CERT # 10", Format: "X2 X..28", DataAttribute: true}},
		{"8010", AIInfo{Code: "8010", Title: "CPID", Format: "Y..30", DataAttribute: true, PrimaryKey: true}},
		{"95", AIInfo{Code: "95", Title: "INTERNAL", Format: "X..90", DataAttribute: true}},
	} {
		got, ok := LookupAI(tc.code)
		if !ok || got != tc.want {
			t.Errorf("LookupAI(%q) = %+v, %v; want %+v", tc.code, got, ok, tc.want)
		}
	}
	// The AIs healthcare needs.
	for _, c := range strings.Fields("00 01 02 10 11 17 21 22 240 241 30 37 235 253 414 417 7003 710 711 712 713 714 715 716 8003 8004 8006 8010 8011") {
		if _, ok := LookupAI(c); !ok {
			t.Errorf("AI (%s) missing", c)
		}
	}
	for _, c := range []string{"04", "14", "19", "89", "999", "7", ""} {
		if _, ok := LookupAI(c); ok {
			t.Errorf("LookupAI(%q) found", c)
		}
	}
}

func TestParseElementString(t *testing.T) {
	const pharma = "(01)09506000134352(17)251231(10)ABC123(21)XYZ"
	for _, tc := range []struct {
		name, in string
		want     []AI
	}{
		{"parenthesised", pharma, ais("01", "09506000134352", "17", "251231", "10", "ABC123", "21", "XYZ")},
		{"raw", "01095060001343521725123110ABC123\x1d21XYZ", ais("01", "09506000134352", "17", "251231", "10", "ABC123", "21", "XYZ")},
		{"GS1 DataMatrix ]d2", "]d201095060001343521725123110ABC123\x1d21XYZ", ais("01", "09506000134352", "17", "251231", "10", "ABC123", "21", "XYZ")},
		{"GS1-128 ]C1", "]C10109506000134352\x1d", ais("01", "09506000134352")},
		{"GS1 QR ]Q3", "]Q3010950600013435221XYZ\x1d10ABC", ais("01", "09506000134352", "21", "XYZ", "10", "ABC")},
		{"GS1 DataBar ]e0", "]e001095201234567881520122510ABC", ais("01", "09520123456788", "15", "201225", "10", "ABC")},
		{"leading FNC1 as GS", "\x1d010950600013435221XYZ", ais("01", "09506000134352", "21", "XYZ")},
		{"needless GS after predefined length", "0109506000134352\x1d17251231\x1d10A", ais("01", "09506000134352", "17", "251231", "10", "A")},
		{"trailing GS", "010950600013435210A\x1d", ais("01", "09506000134352", "10", "A")},
		{"day 00 means end of month", "(01)09506000134352(17)251200", ais("01", "09506000134352", "17", "251200")},
		{"leap day", "(01)09506000134352(11)240229", ais("01", "09506000134352", "11", "240229")},
		{"expiry time", "(01)09506000134352(7003)2512312359", ais("01", "09506000134352", "7003", "2512312359")},
		{"NHRN", "(01)09506000134352(712)123456(714)A1B2(715)0001-0123-45", ais("01", "09506000134352", "712", "123456", "714", "A1B2", "715", "0001-0123-45")},
		{"serial with all set-82 symbols", `(01)09506000134352(21)!"%&'\()*+,-./:;<=>?_`, ais("01", "09506000134352", "21", `!"%&'()*+,-./:;<=>?_`)},
		{"escaped paren", `(01)09506000134352(21)A\(1)`, ais("01", "09506000134352", "21", "A(1)")},
		{"SSCC label", "(00)952012345678912345(02)09520123456788(37)25(10)ABC123(17)251231", ais("00", "952012345678912345", "02", "09520123456788", "37", "25", "10", "ABC123", "17", "251231")},
		{"variable count", "(01)09506000134352(30)12(3103)000195", ais("01", "09506000134352", "30", "12", "3103", "000195")},
		{"ITIP", "(8006)095201234567880102(21)X", ais("8006", "095201234567880102", "21", "X")},
		{"CPID", "(8010)0614141#-/AB(8011)123", ais("8010", "0614141#-/AB", "8011", "123")},
		{"GDTI", "(253)4012345000054987", ais("253", "4012345000054987")},
		{"GLN with extension", "(414)4012345000115(254)987", ais("414", "4012345000115", "254", "987")},
		{"party GLN", "(417)0614141000005", ais("417", "0614141000005")},
		{"GRAI", "(8003)0040123450007418765", ais("8003", "0040123450007418765")},
		{"GIAI", "(8004)4000001111-20190402T150000000", ais("8004", "4000001111-20190402T150000000")},
		{"GMN", "(8013)1987654Ad4X4bL5ttr2310c2K", ais("8013", "1987654Ad4X4bL5ttr2310c2K")},
		{"TPX", "(01)09506000134352(235)TPX-1", ais("01", "09506000134352", "235", "TPX-1")},
		{"CPV and additional IDs", "(01)09506000134352(22)2A(240)X(241)Y", ais("01", "09506000134352", "22", "2A", "240", "X", "241", "Y")},
		{"internal", "(01)09506000134352(91)anything(99)else", ais("01", "09506000134352", "91", "anything", "99", "else")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseElementString(tc.in)
			if err != nil {
				t.Fatalf("ParseElementString(%q): %v", tc.in, err)
			}
			if !e.Equal(Element{AIs: tc.want}) {
				t.Fatalf("ParseElementString(%q) = %v; want %v", tc.in, e.AIs, tc.want)
			}
			// Both renderings read back to the same element.
			for _, s := range []string{e.String(), e.Data()} {
				back, err := ParseElementString(s)
				if err != nil || !back.Equal(e) {
					t.Errorf("round trip via %q = %v, %v", s, back.AIs, err)
				}
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	e, err := Parse("]d2010950600013435217251200" + "10ABC123\x1d21XYZ\x1d11240229")
	if err != nil {
		t.Fatal(err)
	}
	if e.GTIN() != "09506000134352" || e.Serial() != "XYZ" || e.Lot() != "ABC123" || e.SSCC() != "" || e.GLN() != "" {
		t.Errorf("accessors: %q %q %q %q %q", e.GTIN(), e.Serial(), e.Lot(), e.SSCC(), e.GLN())
	}
	exp, ok := e.Expiry()
	if !ok || exp != (Date{25, 12, 0}) || exp.String() != "251200" || exp.Resolved() {
		t.Errorf("Expiry() = %v, %v", exp, ok)
	}
	if r := exp.Resolve(2026); r != (Date{2025, 12, 31}) || r.String() != "2025-12-31" {
		t.Errorf("Resolve = %v", r)
	}
	if p, ok := e.DateAI("11"); !ok || p.Resolve(2026) != (Date{2024, 2, 29}) {
		t.Errorf("DateAI(11) = %v, %v", p, ok)
	}
	if _, ok := e.DateAI("21"); ok {
		t.Error("DateAI(21) ok")
	}
	if _, ok := e.DateAI("15"); ok {
		t.Error("DateAI(15) ok when absent")
	}
	if k, ok := e.UnitKey(); !ok || k != "09506000134352/XYZ" {
		t.Errorf("UnitKey() = %q, %v", k, ok)
	}
	s, err := Parse("(00)952012345678912345(414)9520123456788")
	if err != nil {
		t.Fatal(err)
	}
	if s.SSCC() != "952012345678912345" || s.GLN() != "9520123456788" || s.Has("01") {
		t.Errorf("SSCC/GLN accessors: %v", s)
	}
	if _, ok := s.Expiry(); ok {
		t.Error("Expiry present")
	}
	if _, ok := s.UnitKey(); ok {
		t.Error("UnitKey without (21)")
	}
}

func TestDateResolve(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		ref  int
		want Date
	}{
		{Date{25, 12, 31}, 2025, Date{2025, 12, 31}},
		{Date{75, 1, 1}, 2025, Date{2075, 1, 1}}, // +50: current century
		{Date{76, 1, 1}, 2025, Date{1976, 1, 1}}, // +51: previous century
		{Date{0, 1, 1}, 2025, Date{2000, 1, 1}},
		{Date{99, 1, 1}, 2025, Date{1999, 1, 1}},
		{Date{10, 1, 1}, 2060, Date{2110, 1, 1}}, // -50: next century
		{Date{11, 1, 1}, 2060, Date{2011, 1, 1}}, // -49: current century
		{Date{99, 6, 1}, 2099, Date{2099, 6, 1}},
		{Date{0, 6, 1}, 2099, Date{2100, 6, 1}},
		{Date{24, 2, 0}, 2025, Date{2024, 2, 29}},
		{Date{25, 2, 0}, 2025, Date{2025, 2, 28}},
		{Date{0, 2, 0}, 2060, Date{2100, 2, 28}}, // 2100 is no leap year
		{Date{25, 4, 0}, 2025, Date{2025, 4, 30}},
		{Date{2031, 7, 0}, 1900, Date{2031, 7, 31}}, // already resolved
	} {
		if got := tc.d.Resolve(tc.ref); got != tc.want {
			t.Errorf("%v.Resolve(%d) = %v; want %v", tc.d, tc.ref, got, tc.want)
		}
	}
	a, b := Date{2025, 12, 31}, Date{2026, 1, 1}
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || (Date{2025, 11, 30}).Compare(a) != -1 || (Date{2025, 12, 1}).Compare(a) != -1 {
		t.Error("Compare")
	}
}

// TestErrors covers every error class with its message.
func TestErrors(t *testing.T) {
	const g = "(01)09506000134352"
	for _, tc := range []struct {
		in   string
		kind error
		msg  string
	}{
		// Syntax.
		{"", ErrSyntax, "gs1: offset 0: no data"},
		{"]d1010950600013435", ErrSyntax, `gs1: offset 0: symbology identifier "]d1" does not announce GS1 element strings`},
		{"]d", ErrSyntax, `gs1: offset 0: truncated symbology identifier "]d"`},
		{"\x1d", ErrSyntax, "gs1: offset 1: no data"},
		{"(01", ErrSyntax, `gs1: offset 0: unclosed "("`},
		{"(1)2", ErrSyntax, `gs1: offset 0: AI "1" must be 2 to 4 digits`},
		{"(01)09506000134352(21)A(B)", ErrSyntax, `gs1: offset 23: AI "B" must be 2 to 4 digits (write "\(" for a "(" inside a value)`},
		{"(0A)12", ErrSyntax, `gs1: offset 0: AI "0A" must be 2 to 4 digits`},
		{"(01)09506000134352)(10)A", ErrLength, `gs1: AI (01) "09506000134352)": length is 15, must be 14`},
		// Unknown AI.
		{"(89)ABC", ErrUnknownAI, `gs1: AI (89) "": unknown AI`},
		{"010950600013435289ABC", ErrUnknownAI, `gs1: offset 16: unknown AI at "89ABC"`},
		{"urn:epc:id:sgtin:1", ErrUnknownAI, `gs1: offset 0: unknown AI at "urn:ep…"`},
		// Length.
		{"(01)0950600013435", ErrLength, `gs1: AI (01) "0950600013435": length is 13, must be 14`},
		{"0109506000", ErrLength, `gs1: AI (01) "09506000": length is 8, must be 14`},
		{"01095060\x1d0013435210A", ErrLength, `gs1: AI (01) "095060": length is 6, must be 14`},
		{g + "(10)ABCDEFGHIJKLMNOPQRSTU", ErrLength, `gs1: AI (10) "ABCDEFGHIJKLMNOPQRSTU": length is 21, at most 20 allowed`},
		{g + "(10)(21)X", ErrLength, `gs1: AI (10) "": value is empty`},
		{"0109506000134352\x1d10\x1d21X", ErrLength, `gs1: AI (10) "": value is empty`},
		{"(253)40123450000", ErrLength, `gs1: AI (253) "40123450000": length is 11, at least 13 required`},
		{g + "(423)0560", ErrLength, `gs1: AI (423) "0560": length is 4, does not fit the format N3 [N3] [N3] [N3] [N3]`},
		// Character set.
		{"(01)0950600013435A", ErrCharset, `gs1: AI (01) "0950600013435A": character 'A' at position 14 is not a digit`},
		{g + "(10)AB CD", ErrCharset, `gs1: AI (10) "AB CD": character ' ' at position 3 is not in the GS1 AI encodable character set 82`},
		{g + "(21)A^B", ErrCharset, `gs1: AI (21) "A^B": character '^' at position 2 is not in the GS1 AI encodable character set 82`},
		{"010950600013435221XYZ\x04", ErrCharset, `gs1: AI (21) "XYZ\x04": character "\x04" at position 4 is not in the GS1 AI encodable character set 82`},
		{g + `(21)A\B`, ErrCharset, `gs1: AI (21) "A\\B": character '\\' at position 2 is not in the GS1 AI encodable character set 82`},
		{"(8010)0614141abc", ErrCharset, `gs1: AI (8010) "0614141abc": character 'a' at position 8 is not in the GS1 AI encodable character set 39`},
		// Check digits.
		{"(01)09506000134353", ErrCheckDigit, `gs1: AI (01) "09506000134353": check digit is 2, not 3`},
		{"(00)952012345678912346", ErrCheckDigit, `gs1: AI (00) "952012345678912346": check digit is 5, not 6`},
		{"(414)9520123456789", ErrCheckDigit, `gs1: AI (414) "9520123456789": check digit is 8, not 9`},
		{"(8013)1987654Ad4X4bL5ttr2310cXK", ErrCheckDigit, `gs1: AI (8013) "1987654Ad4X4bL5ttr2310cXK": check character pair is 2K, not XK`},
		{"(8006)095201234567890102", ErrCheckDigit, `gs1: AI (8006) "095201234567890102": check digit is 8, not 9`},
		// Dates and times.
		{g + "(17)251331", ErrDate, `gs1: AI (17) "251331": month 13 is not valid`},
		{g + "(17)250031", ErrDate, `gs1: AI (17) "250031": month 00 is not valid`},
		{g + "(17)250132", ErrDate, `gs1: AI (17) "250132": day 32 is not valid in month 01`},
		{g + "(17)250229", ErrDate, `gs1: AI (17) "250229": day 29 is not valid in month 02`},
		{g + "(17)250431", ErrDate, `gs1: AI (17) "250431": day 31 is not valid in month 04`},
		{g + "(7003)2512002359", ErrDate, `gs1: AI (7003) "2512002359": day 00 is not valid in month 12`},
		{g + "(7003)2512312400", ErrDate, `gs1: AI (7003) "2512312400": hour 24 is not valid`},
		{g + "(7003)2512312360", ErrDate, `gs1: AI (7003) "2512312360": minute 60 is not valid`},
		{g + "(8008)2512312460", ErrDate, `gs1: AI (8008) "2512312460": hour 24 is not valid`},
		{g + "(8008)251231235960", ErrDate, `gs1: AI (8008) "251231235960": second 60 is not valid`},
		// Other value rules.
		{"(8006)095201234567880300", ErrValue, `gs1: AI (8006) "095201234567880300": total number of pieces must not be zero`},
		{"(8006)095201234567880302", ErrValue, `gs1: AI (8006) "095201234567880302": piece number 03 exceeds total 02`},
		{"(8003)1040123450007418765", ErrValue, `gs1: AI (8003) "1040123450007418765": must be 0`},
		{"(8004)ABC123", ErrValue, `gs1: AI (8004) "ABC123": does not start with a GS1 Company Prefix (4 or more digits)`},
		{"(8010)0614141(8011)0123", ErrValue, `gs1: AI (8011) "0123": must not start with 0`},
		{"(00)952012345678912345(4321)2", ErrValue, `gs1: AI (4321) "2": must be 0 or 1`},
		// Duplicates.
		{g + "(10)A(10)A", ErrDuplicate, `gs1: AI (10) "A": AI appears more than once`},
		{"0109506000134352" + "0109506000134352", ErrDuplicate, `gs1: AI (01) "09506000134352": AI appears more than once`},
		// Pairing rules.
		{"(21)XYZ", ErrPairing, `gs1: AI (21) "XYZ": requires AI (01), (03) or (8006)`},
		{"(10)ABC(17)251231", ErrPairing, `gs1: AI (10) "ABC": requires AI (01), (02), (03), (8006) or (8026)`},
		{"(17)251231", ErrPairing, `gs1: AI (17) "251231": requires AI (01), (02), (03), (255), (8006) or (8026)`},
		{g + "(37)5", ErrPairing, `gs1: AI (01) "09506000134352": cannot be used together with AI (37)`},
		{g + "(21)X(235)Y", ErrPairing, `gs1: AI (21) "X": cannot be used together with AI (235)`},
		{"(00)952012345678912345(02)09520123456788", ErrPairing, `gs1: AI (02) "09520123456788": requires AI (37)`},
		{g + "(3103)000195(3102)001950", ErrPairing, `gs1: AI (3103) "000195": cannot be used together with AI (3102)`},
		{"(8030)AAAA", ErrPairing, `gs1: AI (8030) "AAAA": requires AI (00), (01) with (21), (253), (255), (8003), (8004), (8006) with (21), (8010) with (8011), (8017) or (8018)`},
		{"(254)1", ErrPairing, `gs1: AI (254) "1": requires AI (414)`},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded; want %s", tc.in, tc.msg)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("Parse(%q)\n  error %s\n  want  %s", tc.in, err, tc.msg)
		}
		if !errors.Is(err, tc.kind) {
			t.Errorf("Parse(%q) error %v is not %v", tc.in, err, tc.kind)
		}
		var ge *Error
		if !errors.As(err, &ge) {
			t.Errorf("Parse(%q) error is %T", tc.in, err)
		}
	}
}
