package deid

// RestrictedZIP3 are the initial three digits of the US ZIP codes whose
// geographic units, all ZIP codes with those three digits combined, held
// 20,000 people or fewer in the 2000 Census. Safe Harbor (45 CFR
// 164.514(b)(2)(i)(B)) lets a release keep the first three digits of a ZIP
// code only where that combined unit holds more than 20,000 people; for
// these prefixes the three digits become "000".
//
// Source: U.S. Department of Health and Human Services, Office for Civil
// Rights, "Guidance Regarding Methods for De-identification of Protected
// Health Information in Accordance with the HIPAA Privacy Rule" (November
// 26, 2012), section 3.3 ("the 17 restricted ZIP codes"), which derives
// them from the Census Bureau's 2000 ZCTA population tables, the data the
// rule cites. HHS has not published a list from a later census; a newer
// list is a new rule-set version (Version), never an edit of this one.
//
// Sorted.
var RestrictedZIP3 = []string{
	"036", "059", "063", "102", "203", "556", "692", "790", "821",
	"823", "830", "831", "878", "879", "884", "890", "893",
}

// ZIP3Source names the list's source; it is part of the rule set's hash.
const ZIP3Source = "HHS OCR de-identification guidance (2012) §3.3, 2000 Census: 3-digit ZIPs of 20,000 people or fewer"
