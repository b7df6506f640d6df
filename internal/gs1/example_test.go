package gs1_test

import (
	"fmt"

	"github.com/medchain/medchain/internal/gs1"
)

func Example() {
	// What a GS1 DataMatrix reader transmits for a serialised pharma pack.
	e, err := gs1.Parse("]d2010950600013435217251200" + "10ABC123\x1d21XYZ")
	if err != nil {
		panic(err)
	}
	exp, _ := e.Expiry()
	key, _ := e.UnitKey()
	fmt.Println(e)
	fmt.Println(e.GTIN(), e.Lot(), e.Serial(), exp, exp.Resolve(2026))
	fmt.Println(e.DigitalLink(""))
	fmt.Println(key)

	// The same unit as an EPCIS event names it.
	id, _ := gs1.ParseEPC("urn:epc:id:sgtin:9506000.013435.XYZ")
	k2, _ := id.UnitKey()
	fmt.Println(k2 == key)

	_, err = gs1.Parse("(01)09506000134353(17)251231")
	fmt.Println(err)
	// Output:
	// (01)09506000134352(17)251200(10)ABC123(21)XYZ
	// 09506000134352 ABC123 XYZ 251200 2025-12-31
	// https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=251200
	// 09506000134352/XYZ
	// true
	// gs1: AI (01) "09506000134353": check digit is 2, not 3
}
