package gs1

import (
	"errors"
	"testing"
)

func TestParseDigitalLink(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Examples of the GS1 Digital Link standard (URI syntax), as used
		// in GS1's reference implementation (gs1-syntax-engine).
		{"https://id.gs1.org/01/09520123456788", "(01)09520123456788"},
		{"https://brand.example.com/01/9520123456788", "(01)09520123456788"},
		{"https://brand.example.com/some-extra/pathinfo/01/9520123456788", "(01)09520123456788"},
		{"https://id.gs1.org/01/09520123456788/22/2A", "(01)09520123456788(22)2A"},
		{"https://id.gs1.org/01/09520123456788/10/ABC123", "(01)09520123456788(10)ABC123"},
		{"https://id.gs1.org/01/09520123456788/21/12345", "(01)09520123456788(21)12345"},
		{"https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426", "(01)09520123456788(10)ABC1(21)12345(17)180426"},
		{"https://id.gs1.org/01/09520123456788?3103=000195", "(01)09520123456788(3103)000195"},
		{"https://example.com/01/9520123456788?3103=000195&3922=0299&17=201225", "(01)09520123456788(3103)000195(3922)0299(17)201225"},
		{"https://id.gs1.org/01/9520123456788?17=201225&3103=000195&3922=0299", "(01)09520123456788(17)201225(3103)000195(3922)0299"},
		{"https://id.gs1.org/00/952012345678912345", "(00)952012345678912345"},
		{"https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123", "(00)952012345678912345(02)09520123456788(37)25(10)ABC123"},
		{"https://id.gs1.org/414/9520123456788", "(414)9520123456788"},
		{"https://id.gs1.org/414/9520123456788/254/32a%2Fb", "(414)9520123456788(254)32a/b"},
		{"https://example.com/8004/9520614141234567?01=9520123456788", "(8004)9520614141234567(01)09520123456788"},
		// Structure, as tested by the reference implementation.
		{"http://a/00/006141411234567890", "(00)006141411234567890"},
		{"HTTPS://a/00/006141411234567890", "(00)006141411234567890"},
		{"https://a/stem/00/006141411234567890", "(00)006141411234567890"},
		{"https://a/00/faux/00/006141411234567890", "(00)006141411234567890"},
		{"https://a:65535/01/12312312312333", "(01)12312312312333"},
		{"https://[2001:db8::1]/01/12312312312333", "(01)12312312312333"},
		{"https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ", "(01)12312312312333(22)TEST(10)ABC(21)XYZ"},
		{"https://a/01/12312312312333/235/TEST", "(01)12312312312333(235)TEST"},
		{"https://a/253/1231231231232TEST5678901234567", "(253)1231231231232TEST5678901234567"},
		{"https://a/8018/123456789012345675/8019/123", "(8018)123456789012345675(8019)123"},
		{"https://a/stem/00/006141411234567890?", "(00)006141411234567890"},
		{"https://a/01/12312312312333?&&&99=ABC&&&&&&98=XYZ&&&", "(01)12312312312333(99)ABC(98)XYZ"},
		{"https://a/01/12312312312333?singleton1&unknown1=555&99=ABC&singleton2&98=XYZ&unknown3=777", "(01)12312312312333(99)ABC(98)XYZ"},
		{"https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987", "(01)12312312312333(22)ABC-123(99)ABC(98)XYZ/987"},
		{"https://a/01/12312312312333/22/ABC+123", "(01)12312312312333(22)ABC+123"},
		{"https://a/01/12312312312333/22/test/10/abc/21/xyz#fragment", "(01)12312312312333(22)test(10)abc(21)xyz"},
		{"https://a/stem/00/006141411234567890?99=ABC#fragment", "(00)006141411234567890(99)ABC"},
		{"https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123", "(01)09520123456788(235)XYZ(10)ABC123"},
		// Deprecated convenience alphas and zero-suppressed GTINs.
		{"https://a/gtin/12312312312333/ser/ABC123", "(01)12312312312333(21)ABC123"},
		{"https://a/sscc/006141411234567890", "(00)006141411234567890"},
		{"https://a/01/416000336108", "(01)00416000336108"},
		{"https://a/01/02345673", "(01)00000002345673"},
		// Healthcare.
		{"https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=251231", "(01)09506000134352(10)ABC123(21)XYZ(17)251231"},
		{"https://example.com/some/prefix/01/09506000134352/21/A%2FB%28C%29?17=251200&715=0001-0123-45&utm_source=x", `(01)09506000134352(21)A/B\(C)(17)251200(715)0001-0123-45`},
		{"https://id.gs1.org/8006/095201234567880102/21/999", "(8006)095201234567880102(21)999"},
		{"https://id.gs1.org/8010/0614141%23-%2FAB/8011/123", "(8010)0614141#-/AB(8011)123"},
	} {
		e, err := ParseDigitalLink(tc.in)
		if err != nil {
			t.Errorf("ParseDigitalLink(%q): %v", tc.in, err)
			continue
		}
		if e.String() != tc.want {
			t.Errorf("ParseDigitalLink(%q) = %s; want %s", tc.in, e, tc.want)
		}
		// Parse routes to the same parser, also after a symbology identifier.
		for _, in := range []string{tc.in, "]Q1" + tc.in, " " + tc.in + "\r\n"} {
			if p, err := Parse(in); err != nil || !p.Equal(e) {
				t.Errorf("Parse(%q) = %v, %v", in, p, err)
			}
		}
		// Canonical URI is stable and reads back to the same AIs.
		dl := e.DigitalLink("")
		back, err := ParseDigitalLink(dl)
		if err != nil || !sameAIs(back, e) || back.DigitalLink("") != dl {
			t.Errorf("%q: canonical %q reads back as %v, %v", tc.in, dl, back, err)
		}
	}
}

func sameAIs(a, b Element) bool {
	if len(a.AIs) != len(b.AIs) {
		return false
	}
	for _, x := range a.AIs {
		if v, ok := b.Get(x.Code); !ok || v != x.Value {
			return false
		}
	}
	return true
}

func TestParseDigitalLinkErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind error
		msg  string
	}{
		{"ftp://a/01/12312312312333", ErrDigitalLink, "gs1: offset 0: scheme must be http or https"},
		{"http://", ErrDigitalLink, "gs1: offset 7: URI must have a domain and a path"},
		{"http:///01/12312312312333", ErrDigitalLink, "gs1: offset 7: URI must have a domain and a path"},
		{"http://a", ErrDigitalLink, "gs1: offset 7: URI must have a domain and a path"},
		{"http://a/", ErrDigitalLink, "gs1: offset 8: no GS1 primary key (e.g. /01/…) in the path"},
		{"http://a/b", ErrDigitalLink, "gs1: offset 8: no GS1 primary key (e.g. /01/…) in the path"},
		{"https://a/stem/00/006141411234567890/", ErrDigitalLink, "gs1: offset 9: no GS1 primary key (e.g. /01/…) in the path"},
		{"https://a$/01/12312312312333", ErrDigitalLink, "gs1: offset 9: character '$' is not allowed in the domain"},
		{"https://a/01/1231231231 2333", ErrDigitalLink, "gs1: offset 23: character ' ' is not allowed in a URI"},
		{"https://a/01/12312312312333/21/é", ErrDigitalLink, `gs1: offset 31: character "\xc3" is not allowed in a URI`},
		{"https://example.com/01/09520123456788/89/ABC123?99=XYZ", ErrDigitalLink, "gs1: offset 19: no GS1 primary key (e.g. /01/…) in the path"},
		{"https://a/01/12312312312333/21/", ErrDigitalLink, `gs1: AI (21) "": empty value in the path`},
		{"https://a/01/12312312312333/21/XYZ/10/ABC", ErrDigitalLink, `gs1: AI (01) "12312312312333": path /01/…/21/…/10/… is not a valid key-qualifier sequence; AI (01) takes the qualifiers (22), (10), (21) or (235), each optional, in that order`},
		{"https://a/01/12312312312333/17/251231", ErrDigitalLink, `gs1: AI (01) "12312312312333": path /01/…/17/… is not a valid key-qualifier sequence; AI (01) takes the qualifiers (22), (10), (21) or (235), each optional, in that order`},
		{"https://a/00/006141411234567890/21/X", ErrDigitalLink, `gs1: AI (00) "006141411234567890": path /00/…/21/… is not a valid key-qualifier sequence; AI (00) takes no key qualifiers`},
		{"https://example.com/01/09520123456788?10=ABC123", ErrDigitalLink, `gs1: AI (10) "ABC123": belongs in the path, not the query string`},
		{"https://example.com/01/09520123456788?21=XYZ", ErrDigitalLink, `gs1: AI (21) "XYZ": not a permitted Digital Link data attribute`},
		{"https://a/01/12312312312333?99=", ErrDigitalLink, `gs1: AI (99) "": empty value in the query string`},
		{"https://a/01/12312312312333?99=ABC&999=faux", ErrUnknownAI, `gs1: AI (999) "": unknown AI in the query string`},
		{"https://a/01/12312312312333?99=XYZ&89=ABC123", ErrUnknownAI, `gs1: AI (89) "": unknown AI in the query string`},
		{"https://a/01/12312312312333/22/ABC?98=XYZ+987", ErrCharset, `gs1: AI (98) "XYZ 987": character ' ' at position 4 is not in the GS1 AI encodable character set 82`},
		{"https://a/01/12312312312333/21/A%00B", ErrCharset, `gs1: AI (21) "A\x00B": character "\x00" at position 2 is not in the GS1 AI encodable character set 82`},
		{"https://a/253/1231231231232TEST56789012345678", ErrLength, `gs1: AI (253) "1231231231232TEST56789012345678": length is 31, at most 30 allowed`},
		{"https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788", ErrDuplicate, `gs1: AI (01) "09520123456788": AI appears more than once`},
		{"https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789", ErrDuplicate, `gs1: AI (99) "XYZ789": AI appears more than once`},
		{"https://id.gs1.org/01/09506000134353", ErrCheckDigit, `gs1: AI (01) "09506000134353": check digit is 2, not 3`},
		{"https://id.gs1.org/01/09506000134352?17=251331", ErrDate, `gs1: AI (17) "251331": month 13 is not valid`},
		{"https://id.gs1.org/01/09506000134352?37=5", ErrPairing, `gs1: AI (01) "09506000134352": cannot be used together with AI (37)`},
	} {
		_, err := ParseDigitalLink(tc.in)
		if err == nil {
			t.Errorf("ParseDigitalLink(%q) succeeded; want %s", tc.in, tc.msg)
			continue
		}
		if err.Error() != tc.msg || !errors.Is(err, tc.kind) {
			t.Errorf("ParseDigitalLink(%q)\n  error %s (%v)\n  want  %s (%v)", tc.in, err, errors.Unwrap(err), tc.msg, tc.kind)
		}
	}
}

func TestFormatDigitalLink(t *testing.T) {
	for _, tc := range []struct{ in, base, want string }{
		{"(01)09506000134352(17)251231(10)ABC123(21)XYZ", "", "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=251231"},
		{"(21)XYZ(17)251231(01)09506000134352(10)ABC123", "", "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=251231"},
		{"(01)09506000134352(21)XYZ", "https://example.com/some/prefix/", "https://example.com/some/prefix/01/09506000134352/21/XYZ"},
		{`(01)09506000134352(21)A/B\(C)!*'`, "", "https://id.gs1.org/01/09506000134352/21/A%2FB%28C%29%21%2A%27"},
		{"(01)09506000134352(22)2A(10)L(21)S(715)NDC(3103)000195(11)250101", "", "https://id.gs1.org/01/09506000134352/22/2A/10/L/21/S?11=250101&3103=000195&715=NDC"},
		{"(01)09520123456788(235)XYZ(10)ABC123", "", "https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123"},
		{"(00)952012345678912345(02)09520123456788(37)25(10)ABC123", "", "https://id.gs1.org/00/952012345678912345?02=09520123456788&10=ABC123&37=25"},
		{"(414)9520123456788(254)32a/b", "", "https://id.gs1.org/414/9520123456788/254/32a%2Fb"},
		{"(8004)9520614141234567(01)09520123456788", "", "https://id.gs1.org/8004/9520614141234567?01=09520123456788"},
	} {
		e, err := ParseElementString(tc.in)
		if err != nil {
			t.Fatalf("ParseElementString(%q): %v", tc.in, err)
		}
		if got := e.DigitalLink(tc.base); got != tc.want {
			t.Errorf("%s.DigitalLink(%q) = %s; want %s", tc.in, tc.base, got, tc.want)
		}
		back, err := ParseDigitalLink(tc.want)
		if err != nil || !sameAIs(back, e) {
			t.Errorf("ParseDigitalLink(%q) = %v, %v; want the AIs of %s", tc.want, back, err, tc.in)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"(400)PO123", `gs1: element "(400)PO123" has no Digital Link primary key`},
		{"(414)9520123456788(254)A(7040)1ABC", `gs1: AI (7040) "1ABC": not a permitted Digital Link data attribute`},
	} {
		e, err := ParseElementString(tc.in)
		if err != nil {
			t.Fatalf("ParseElementString(%q): %v", tc.in, err)
		}
		if _, err := e.FormatDigitalLink(""); err == nil || err.Error() != tc.msg {
			t.Errorf("%s.FormatDigitalLink error = %v; want %s", tc.in, err, tc.msg)
		}
		if s := e.DigitalLink(""); s != "" {
			t.Errorf("%s.DigitalLink = %q; want \"\"", tc.in, s)
		}
	}
}
