package vc

import (
	"errors"
	"fmt"
)

// Code is a stable error code: clients and scripts depend on it.
type Code string

// The error codes of verification and checking.
const (
	// CodeMalformed: the bytes are not a credential of a known form
	// (bad JSON, bad JWS, bad QR numeric string, bad DEFLATE data).
	CodeMalformed Code = "vc.malformed"
	// CodeUnsupportedAlg: the JWS algorithm or compression is not the one
	// the format requires (alg none, HS256 for an SHC, zip other than DEF).
	CodeUnsupportedAlg Code = "vc.unsupported_alg"
	// CodeBadSignature: the signature does not verify with the issuer's key.
	CodeBadSignature Code = "vc.bad_signature"
	// CodeUnknownIssuer: no key of the issuer (or of the key ID the
	// credential names) was given: the signature could not be checked.
	CodeUnknownIssuer Code = "vc.unknown_issuer"
	// CodeNotYetValid: the instant of verification is before nbf or
	// validFrom.
	CodeNotYetValid Code = "vc.not_yet_valid"
	// CodeExpired: the instant of verification is at or after exp,
	// validUntil or expirationDate.
	CodeExpired Code = "vc.expired"
	// CodeRevoked: the issuer's revocation list names the credential.
	CodeRevoked Code = "vc.revoked"
	// CodeDataModel: the credential breaks a normative rule of the W3C VC
	// data model; Error.Rule names the rule.
	CodeDataModel Code = "vc.data_model"
)

// Error is a refusal: a stable code, for data-model refusals the rule
// broken, and a message in the standard's terms.
type Error struct {
	Code Code
	// Rule is a stable name of the data-model rule broken
	// ("issuer.url", "context.base_first"...), empty for other codes.
	Rule string
	Msg  string
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("vc: %s [%s]: %s", e.Code, e.Rule, e.Msg)
	}
	return fmt.Sprintf("vc: %s: %s", e.Code, e.Msg)
}

// Is matches an *Error with the same code (and rule, if the target has one),
// so errors.Is(err, &vc.Error{Code: vc.CodeRevoked}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Rule == "" || t.Rule == e.Rule)
}

// Unverifiable reports whether err says the credential could not be
// checked (no key for its issuer) rather than that it is invalid.
func Unverifiable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeUnknownIssuer
}

// CodeOf returns the code of err, or "" if err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, a...)}
}

func ruleError(rule, format string, a ...any) *Error {
	return &Error{Code: CodeDataModel, Rule: rule, Msg: fmt.Sprintf(format, a...)}
}
