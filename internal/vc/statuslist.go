package vc

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"time"
)

// W3C Bitstring Status List v1.0: a credential names an index in a list
// (credentialStatus, type BitstringStatusListEntry); the list is a
// credential whose subject's encodedList is the bitstring, GZIP-compressed
// and multibase base64url-encoded ("u" and no padding). Bit 0 is the
// most significant bit of the first byte.

// Status purposes medchain's lists serve.
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// maxStatusList bounds a decoded list (a verifier decodes what a server
// sent): 16 MiB of bits.
const maxStatusList = 16 << 20

// EncodeStatusList is the encodedList of a bitstring of size bits (a
// multiple of 8) whose set bits are set.
func EncodeStatusList(set []uint32, size int) (string, error) {
	if size <= 0 || size%8 != 0 {
		return "", fmt.Errorf("vc: a status list of %d bits: a positive multiple of 8", size)
	}
	bits := make([]byte, size/8)
	for _, i := range set {
		if int(i) >= size {
			return "", fmt.Errorf("vc: index %d is outside a status list of %d bits", i, size)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.ModTime = time.Time{} // no timestamp: the same list encodes the same
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// StatusListBit reads bit index of an encodedList.
func StatusListBit(encoded string, index int) (bool, error) {
	if len(encoded) < 2 || encoded[0] != 'u' {
		return false, errorf(CodeMalformed, "encodedList: multibase base64url, starting with u")
	}
	z, err := base64.RawURLEncoding.DecodeString(encoded[1:])
	if err != nil {
		return false, errorf(CodeMalformed, "encodedList: not base64url without padding")
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return false, errorf(CodeMalformed, "encodedList: not GZIP data")
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusList+1))
	if err != nil || len(bits) > maxStatusList {
		return false, errorf(CodeMalformed, "encodedList: not GZIP data, or longer than %d bytes", maxStatusList)
	}
	if index < 0 || index/8 >= len(bits) {
		return false, errorf(CodeMalformed, "statusListIndex %d is outside the list of %d bits", index, len(bits)*8)
	}
	return bits[index/8]&(0x80>>(index%8)) != 0, nil
}

// StatusListCredential is the Bitstring Status List credential of an
// issuer's list for purpose, at url, valid from validFrom: a VC 2.0
// document (unsecured: see ADR 29 for how its integrity is proven).
func StatusListCredential(url, issuer, purpose, encoded string, validFrom time.Time) map[string]any {
	return map[string]any{
		"@context":  []any{ContextV2},
		"id":        url,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    OrgURN + issuer,
		"validFrom": validFrom.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id":            url + "#list",
			"type":          "BitstringStatusList",
			"statusPurpose": purpose,
			"encodedList":   encoded,
		},
	}
}

// statusEntries are the credentialStatus of a credential at index of the
// issuer's lists at base (…/status-lists/<org>): one per purpose.
func statusEntries(base string, index uint32) []any {
	var out []any
	for _, p := range []string{PurposeRevocation, PurposeSuspension} {
		list := base + "/" + p
		out = append(out, map[string]any{
			"id":                   list + "#" + strconv.FormatUint(uint64(index), 10),
			"type":                 "BitstringStatusListEntry",
			"statusPurpose":        p,
			"statusListIndex":      strconv.FormatUint(uint64(index), 10),
			"statusListCredential": list,
		})
	}
	return out
}
