// Package vc verifies credentials offline: SMART Health Cards (ES256 JWS
// over a raw-DEFLATE payload, from a .smart-health-card file, a compact JWS
// or shc:/ numeric QR strings), W3C Verifiable Credentials secured as JWTs
// (VC 2.0 application/vc+jwt and VC 1.1 JWTs with a vc claim, EdDSA), and
// the W3C VC data model's normative rules for unsigned JSON (Check).
//
// It is pure: it reads no files, opens no network connection, keeps no
// state and never reads the clock. The caller gives the bytes, the issuers'
// keys, the revocation lists and the instant to verify at, so the same
// inputs always give the same answer. Issuer authorisation and status on
// the ledger belong to the credentials module, which plugs into Verify.
//
// Every refusal is an *Error with a stable Code (vc.bad_signature,
// vc.revoked, vc.data_model...) and a message in the standard's terms.
// Nothing here logs: what a credential says (a patient's name) is returned
// to the caller only.
package vc
