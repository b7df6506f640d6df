package research

import (
	"fmt"
	"slices"

	"github.com/medchain/medchain/internal/ledger"
)

// DUO terms the ledger understands: a fixed list from the GA4GH Data Use
// Ontology (http://purl.obolibrary.org/obo/duo.owl, release 2021-02-23 and
// later), as CURIEs. Data use terms are exactly one permission and any of
// the modifiers.
const (
	// Permissions: what kind of use the data may be put to.
	DUONoRestriction   = "DUO:0000004" // NRES
	DUOGeneralResearch = "DUO:0000042" // GRU
	DUOHealthMedical   = "DUO:0000006" // HMB
	DUOPopulation      = "DUO:0000011" // POA: population origins or ancestry research only

	// Modifiers: conditions on that use.
	DUONonCommercial      = "DUO:0000046" // NCU: non-commercial use only
	DUONotForProfit       = "DUO:0000045" // NPU: not-for-profit organisation use only
	DUONotForProfitNonCom = "DUO:0000018" // NPUNCU: both
	DUONoPopulation       = "DUO:0000044" // NPOA: population origins or ancestry research prohibited
	DUOEthicsApproval     = "DUO:0000021" // IRB: ethics approval required
	DUOPublication        = "DUO:0000019" // PUB: publication required
)

// DUOPermissions are the permission terms, sorted.
var DUOPermissions = []string{DUONoRestriction, DUOHealthMedical, DUOPopulation, DUOGeneralResearch}

// DUOModifiers are the modifier terms, sorted.
var DUOModifiers = []string{DUONotForProfitNonCom, DUOPublication, DUOEthicsApproval, DUONoPopulation, DUONotForProfit, DUONonCommercial}

// Purposes are the permissions a study or request may state as its
// purpose (no restriction is not a purpose).
var Purposes = []string{DUOHealthMedical, DUOPopulation, DUOGeneralResearch}

// Obligations are the modifiers a requester takes on by accepting them:
// the ledger admits a participant whose terms carry one only to a request
// that accepts it.
var Obligations = []string{DUOPublication, DUOEthicsApproval}

// DUOAbbreviations are the terms' short names, for text.
var DUOAbbreviations = map[string]string{
	DUONoRestriction: "NRES", DUOGeneralResearch: "GRU", DUOHealthMedical: "HMB", DUOPopulation: "POA",
	DUONonCommercial: "NCU", DUONotForProfit: "NPU", DUONotForProfitNonCom: "NPUNCU", DUONoPopulation: "NPOA",
	DUOEthicsApproval: "IRB", DUOPublication: "PUB",
}

// Buyer classes: what kind of organisation a requester is, from its kind.
// A participant may refuse any of them in advance.
const (
	BuyerAcademic   = "academic"
	BuyerClinical   = "clinical"
	BuyerCommercial = "commercial"
	BuyerNonProfit  = "non-profit"
	BuyerPayer      = "payer"
	BuyerPublic     = "public"
)

// BuyerClasses lists them, sorted.
var BuyerClasses = []string{BuyerAcademic, BuyerClinical, BuyerCommercial, BuyerNonProfit, BuyerPayer, BuyerPublic}

// BuyerClass is the buyer class of an organisation kind.
func BuyerClass(kind ledger.OrgKind) string {
	switch kind {
	case ledger.OrgUniversity:
		return BuyerAcademic
	case ledger.OrgHospital, ledger.OrgClinic, ledger.OrgLab, ledger.OrgBloodCentre:
		return BuyerClinical
	case ledger.OrgPublicHealth, ledger.OrgRegulator, ledger.OrgMedicalBoard, ledger.OrgConsortium:
		return BuyerPublic
	case ledger.OrgCharity:
		return BuyerNonProfit
	case ledger.OrgInsurer:
		return BuyerPayer
	}
	return BuyerCommercial // manufacturers, distributors, pharmacies, device makers
}

// validTerms checks data use terms: one permission, modifiers from the
// list, none twice.
func validTerms(field string, terms []string) error {
	perms := 0
	for i, t := range terms {
		switch {
		case slices.Contains(DUOPermissions, t):
			perms++
		case slices.Contains(DUOModifiers, t):
		default:
			return fmt.Errorf("%s[%d]: %q is not a DUO term medchain knows (permissions %v, modifiers %v)", field, i, t, DUOPermissions, DUOModifiers)
		}
		if slices.Contains(terms[:i], t) {
			return fmt.Errorf("%s[%d]: %s given twice", field, i, t)
		}
	}
	if perms != 1 {
		return fmt.Errorf("%s: exactly one permission (one of %v), not %d", field, DUOPermissions, perms)
	}
	return nil
}

func validBuyers(field string, classes []string) error {
	for i, c := range classes {
		if !slices.Contains(BuyerClasses, c) || slices.Contains(classes[:i], c) {
			return fmt.Errorf("%s[%d]: %q is not a buyer class (one of %v) or is given twice", field, i, c, BuyerClasses)
		}
	}
	return nil
}

// Permits says whether data use terms allow a use: purpose (a DUO
// permission), by an organisation of buyer class, accepting the
// obligations accepts. A nil error is yes; otherwise the error says which
// term forbids it.
//
// Permissions: no restriction and general research use permit every
// purpose; health/medical/biomedical research permits only itself;
// population origins or ancestry research only itself. Modifiers: NCU
// refuses commercial buyers; NPU refuses commercial buyers and payers (the
// for-profit organisations among the kinds); NPUNCU both; NPOA refuses the
// population-origins purpose; IRB and PUB admit only a use that accepts
// them.
func Permits(terms []string, purpose, class string, accepts []string) error {
	for _, t := range terms {
		switch t {
		case DUONoRestriction, DUOGeneralResearch:
		case DUOHealthMedical, DUOPopulation:
			if purpose != t {
				return fmt.Errorf("%s (%s) permits only that purpose, not %s", t, DUOAbbreviations[t], DUOAbbreviations[purpose])
			}
		case DUONonCommercial:
			if class == BuyerCommercial {
				return fmt.Errorf("%s (NCU) refuses commercial use", t)
			}
		case DUONotForProfit, DUONotForProfitNonCom:
			if class == BuyerCommercial || class == BuyerPayer {
				return fmt.Errorf("%s (%s) refuses a %s organisation", t, DUOAbbreviations[t], class)
			}
		case DUONoPopulation:
			if purpose == DUOPopulation {
				return fmt.Errorf("%s (NPOA) refuses population origins or ancestry research", t)
			}
		case DUOEthicsApproval, DUOPublication:
			if !slices.Contains(accepts, t) {
				return fmt.Errorf("%s (%s) admits only a use that accepts it", t, DUOAbbreviations[t])
			}
		}
	}
	return nil
}
