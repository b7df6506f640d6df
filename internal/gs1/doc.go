// Package gs1 turns what a barcode scanner hands medchain into identifiers:
// GS1 element strings (human-readable "(01)…(17)…" form, or raw AI data with
// the GS/FNC1 separator and an optional symbology identifier such as "]d2"),
// GS1 Digital Link URIs, and the EPC URIs (SGTIN, LGTIN, SSCC, SGLN, PGLN)
// that EPCIS events use.
//
// Every input is validated against the GS1 Application Identifier table (a
// transcription of GS1's Barcode Syntax Dictionary, see table.go): the AI must
// be known, each component must have the right length and character set
// (numeric, GS1 AI encodable character set 82, set 39 or base64url), check
// digits (GTIN, SSCC, GLN, …) and check character pairs (GMN) must be right,
// dates and times must exist, an AI may appear only once, and the dictionary's
// mandatory ("req") and invalid ("ex") AI pairings must hold — e.g. (21)
// requires (01), (03) or (8006); (10) and (17) need a trade item key.
//
// The package is pure and deterministic: no I/O, no clock, no floating point
// and no map iteration reaches a result, because it also runs inside the
// consensus state machine. Two-digit years are therefore kept as written
// (Date with a YY year) and turned into a four-digit year only by
// Date.Resolve with a caller-supplied reference year (the block's year, say),
// using GS1's sliding century window.
//
// A serialised unit is identified by UnitKey: its GTIN-14, a "/", and its
// serial number exactly as encoded in AI (21). The GTIN is always 14 digits,
// so the first "/" (byte 14) separates the parts even though "/" is a valid
// serial character; no escaping is needed and keys sort by GTIN, then serial.
// The same unit yields the same key whether it was read from an element
// string, a Digital Link URI or an SGTIN EPC URN.
package gs1
