// Package epcis handles GS1 EPCIS 2.0 JSON/JSON-LD at medchain's edge (API
// and CLI side, never inside consensus).
//
// It does three things:
//
//   - Validation of EPCIS documents and events against GS1's EPCIS 2.0 JSON
//     Schema, embedded in the binary and compiled without any network access
//     ([ValidateDocument], [ValidateEvent]). Problems are reported one per
//     line as "<JSON pointer>: <what is wrong>", sorted by location.
//   - The CBV 2.0 event hash ("EPCIS Event Hash ID"): the canonical pre-hash
//     string of an event and its SHA-256 in the RFC 6920 form
//     "ni:///sha-256;<hex>?ver=CBV2.0" ([PreHash], [EventHash],
//     [DocumentHashes], [Hashes]). The hash is the one value here that must be exact
//     and identical on every machine; it is what the ledger anchors.
//   - Conversion into small Go types for the supply state machine ([Parse]):
//     short CBV names, RFC 3339 UTC times, decimals kept as exact strings
//     (the ledger forbids floats), no raw JSON downstream.
//
// The package imports no network code: remote JSON Schema references and
// remote JSON-LD contexts are never fetched. CURIE prefixes come from the
// inline parts of a document's @context plus the prefixes of the standard
// EPCIS 2.0 context (epcis, cbv, gs1, rdfs, owl, xsd, dcterms, cbvmda).
package epcis
