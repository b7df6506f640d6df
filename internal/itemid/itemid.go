// Package itemid names supply chain items the way the ledger does: a
// serialised unit is "01/<GTIN-14>/21/<serial>" and a logistic unit (case,
// pallet) "00/<SSCC>", the paths of their GS1 Digital Link URIs. It reads
// what a scanner or a person gives (GS1 element strings, Digital Link URIs,
// EPC URNs) into such an ID.
//
// It is pure and small on purpose: the supply module, the API and the Go
// SDK (client) all use it, so it must import nothing beyond internal/gs1 and
// the standard library, and never the chain's state or modules.
package itemid

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/gs1"
)

// Unit is the ID of a serialised unit.
func Unit(gtin, serial string) string { return "01/" + gtin + "/21/" + serial }

// Container is the ID of a logistic unit identified by an SSCC.
func Container(sscc string) string { return "00/" + sscc }

// Parse checks an item ID and returns its GTIN and serial (empty for a
// container).
func Parse(id string) (gtin, serial string, err error) {
	switch {
	case strings.HasPrefix(id, "01/"):
		if len(id) < 3+14+4+1 || id[17:21] != "/21/" {
			return "", "", fmt.Errorf("item %q: a unit is 01/<GTIN-14>/21/<serial>", id)
		}
		gtin, serial = id[3:17], id[21:]
		if err := ValidGTIN(gtin); err != nil {
			return "", "", fmt.Errorf("item %q: %w", id, err)
		}
		if err := gs1.ValidateAI("21", serial); err != nil {
			return "", "", fmt.Errorf("item %q: %w", id, err)
		}
		return gtin, serial, nil
	case strings.HasPrefix(id, "00/"):
		if err := gs1.ValidateAI("00", id[3:]); err != nil {
			return "", "", fmt.Errorf("item %q: a logistic unit is 00/<SSCC-18>: %w", id, err)
		}
		return "", "", nil
	}
	return "", "", fmt.Errorf("item %q: must be 01/<GTIN>/21/<serial> or 00/<SSCC>", id)
}

// ValidGTIN checks a GTIN-14 (the ledger keeps GTINs in 14 digits) and its
// check digit.
func ValidGTIN(g string) error {
	if len(g) != 14 {
		return fmt.Errorf("GTIN %q must be 14 digits", g)
	}
	return gs1.ValidGTIN(g)
}

// Read reads a scanned or written identifier: a GS1 element string (with
// parentheses, or raw with FNC1/GS separators and a symbology identifier), a
// GS1 Digital Link URI, an EPC URN (sgtin, sscc), or an item ID as the
// ledger writes it ("01/<GTIN>/21/<serial>", "00/<SSCC>").
func Read(code string) (string, error) {
	code = strings.TrimSpace(code)
	if _, _, err := Parse(code); err == nil {
		return code, nil
	}
	var (
		id  gs1.ID
		err error
	)
	if strings.HasPrefix(strings.ToLower(code), "urn:epc:") {
		id, err = gs1.ParseEPC(code)
	} else {
		var e gs1.Element
		if e, err = gs1.Parse(code); err == nil {
			id, err = e.ID()
		}
	}
	if err != nil {
		return "", err
	}
	switch {
	case id.GTIN != "" && id.Serial != "":
		return Unit(id.GTIN, id.Serial), nil
	case id.SSCC != "":
		return Container(id.SSCC), nil
	case id.GTIN != "":
		return "", fmt.Errorf("%s names a product (GTIN %s) but no serial number: a scan that tells genuine from counterfeit needs the serial (AI 21)", code, id.GTIN)
	}
	return "", fmt.Errorf("%s names neither a serialised trade item (GTIN + serial) nor a logistic unit (SSCC)", code)
}

// SerialRange lists the serials of a numeric range: prefix followed by the
// numbers start to start+count-1, each zero-padded to width digits.
func SerialRange(prefix string, start, count int64, width int) []string {
	out := make([]string, 0, max(count, 0))
	for i := int64(0); i < count; i++ {
		n := strconv.FormatInt(start+i, 10)
		if pad := width - len(n); pad > 0 {
			n = strings.Repeat("0", pad) + n
		}
		out = append(out, prefix+n)
	}
	return out
}
