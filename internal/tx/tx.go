// Package tx defines medchain's transaction envelope: how a signed
// transaction is laid out in bytes, how it is signed and how its signature is
// checked, alone or in a batch.
//
// A transaction is
//
//	0x01 || signature (64 bytes, Ed25519) || body
//
// where body is a JSON object (see Body) and the signature covers exactly the
// body bytes. No client needs a canonicalisation algorithm: the bytes that
// were signed are the bytes that travel. The package is pure: it reads no
// clock, no state and no network. Whether a signer is known, a nonce fresh or
// an action allowed is decided by the chain, not here.
package tx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/medchain/medchain/internal/jsondec"
)

// Version is the first byte of every encoded transaction.
const Version byte = 0x01

// Sizes of the envelope parts, in bytes.
const (
	SignatureSize = ed25519.SignatureSize
	PubKeySize    = ed25519.PubKeySize
	// MaxSize bounds a whole encoded transaction. Bulk data travels off chain.
	MaxSize = 256 << 10
)

// Errors returned when decoding or verifying. They are wrapped with detail;
// test with errors.Is.
var (
	ErrMalformed = errors.New("tx: malformed transaction")
	ErrSignature = errors.New("tx: signature does not verify")
)

// PubKey is a raw 32-byte Ed25519 public key.
type PubKey []byte

// String returns the key as lower-case hex, the form used in IDs and URLs.
func (k PubKey) String() string { return hex.EncodeToString(k) }

// MarshalJSON encodes the key as hex.
func (k PubKey) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(k)) }

// UnmarshalJSON decodes a hex key and checks its length.
func (k *PubKey) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("public key must be a hex string")
	}
	p, err := ParsePubKey(s)
	if err != nil {
		return err
	}
	*k = p
	return nil
}

// ParsePubKey parses a hex-encoded Ed25519 public key.
func ParsePubKey(s string) (PubKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("public key %q is not hex", s)
	}
	if len(b) != PubKeySize {
		return nil, fmt.Errorf("public key must be %d bytes, got %d", PubKeySize, len(b))
	}
	return PubKey(b), nil
}

// Hash identifies a transaction: SHA-256 of its encoded bytes, the same hash
// CometBFT uses to index it.
type Hash [32]byte

// String returns the hash as upper-case hex, as CometBFT prints it.
func (h Hash) String() string { return fmt.Sprintf("%X", h[:]) }

// HashOf returns the hash of encoded transaction bytes.
func HashOf(raw []byte) Hash { return sha256.Sum256(raw) }

// ParseHash parses a hex transaction hash (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("tx hash must be 64 hex characters, got %q", s)
	}
	copy(h[:], b)
	return h, nil
}

// Body is what a signer signs. Msg is the message for the module named by
// Type ("module/action"); the chain decodes it into the module's typed message.
type Body struct {
	ChainID string `json:"chain_id"`
	Signer  PubKey `json:"signer"`
	// Nonce makes otherwise identical transactions distinct. Any value; the
	// chain remembers each transaction hash until Expires.
	Nonce uint64 `json:"nonce"`
	// Expires is the last block height at which the transaction may be
	// included. The chain bounds how far ahead it may be.
	Expires int64           `json:"expires"`
	Type    string          `json:"type"`
	Msg     json.RawMessage `json:"msg"`
}

var typePattern = regexp.MustCompile(`^[a-z][a-z0-9]*/[a-z][a-z0-9-]*$`)

// Validate checks the body's form: fields present and well shaped. It knows
// nothing of the chain's state.
func (b *Body) Validate() error {
	switch {
	case b.ChainID == "":
		return fmt.Errorf("%w: chain_id is empty", ErrMalformed)
	case len(b.Signer) != PubKeySize:
		return fmt.Errorf("%w: signer must be a %d-byte public key", ErrMalformed, PubKeySize)
	case b.Expires <= 0:
		return fmt.Errorf("%w: expires must be a positive block height", ErrMalformed)
	case !typePattern.MatchString(b.Type):
		return fmt.Errorf("%w: type %q is not of the form module/action", ErrMalformed, b.Type)
	case len(b.Msg) == 0 || b.Msg[0] != '{':
		return fmt.Errorf("%w: msg must be a JSON object", ErrMalformed)
	}
	return nil
}

// Module returns the module part of Type ("identity" for "identity/register-member").
func (b *Body) Module() string {
	if i := bytes.IndexByte([]byte(b.Type), '/'); i > 0 {
		return b.Type[:i]
	}
	return ""
}

// Tx is a decoded transaction.
type Tx struct {
	Raw       []byte // the encoded transaction
	Hash      Hash   // HashOf(Raw)
	Signature []byte // 64 bytes
	BodyBytes []byte // exactly the signed bytes
	Body      Body
}

// Decode parses encoded transaction bytes. It checks the layout and the body's
// form but not the signature: call Verify or use a BatchVerifier.
func Decode(raw []byte) (*Tx, error) { return DecodeLimit(raw, MaxSize) }

// DecodeLimit is Decode with another size limit: for signed requests that
// travel to a node but never onto the ledger (a record upload carries the
// whole document).
func DecodeLimit(raw []byte, limit int) (*Tx, error) {
	if len(raw) > limit {
		return nil, fmt.Errorf("%w: %d bytes exceeds the limit of %d", ErrMalformed, len(raw), limit)
	}
	if len(raw) < 1+SignatureSize+2 {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(raw))
	}
	if raw[0] != Version {
		return nil, fmt.Errorf("%w: unknown version byte 0x%02x (want 0x%02x)", ErrMalformed, raw[0], Version)
	}
	t := &Tx{
		Raw:       raw,
		Hash:      HashOf(raw),
		Signature: raw[1 : 1+SignatureSize],
		BodyBytes: raw[1+SignatureSize:],
	}
	// Strict refuses text that is not valid UTF-8 anywhere in the body
	// (message fields included): the state must hold what was signed, and
	// encoding/json would store U+FFFD instead.
	if err := jsondec.CheckText(t.BodyBytes); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	if err := noDuplicateKeys(t.BodyBytes); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrMalformed, jsondec.Explain(t.BodyBytes, err))
	}
	if err := jsondec.Strict(t.BodyBytes, &t.Body); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	if err := t.Body.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Verify checks the signature over the body with the body's signer key.
func (t *Tx) Verify() error {
	if !ed25519.PubKey(t.Body.Signer).VerifySignature(t.BodyBytes, t.Signature) {
		return fmt.Errorf("%w: tx %s, signer %s", ErrSignature, t.Hash, t.Body.Signer)
	}
	return nil
}

// Encode lays out a signature and body bytes as a transaction.
func Encode(signature, body []byte) []byte {
	raw := make([]byte, 0, 1+len(signature)+len(body))
	raw = append(raw, Version)
	raw = append(raw, signature...)
	return append(raw, body...)
}

// Sign marshals body, signs the bytes with key and returns the encoded
// transaction. The body's Signer is set from key.
func Sign(key ed25519.PrivKey, body Body) ([]byte, error) {
	body.Signer = PubKey(key.PubKey().Bytes())
	if err := body.Validate(); err != nil {
		return nil, err
	}
	bb, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("tx: marshal body: %w", err)
	}
	sig, err := key.Sign(bb)
	if err != nil {
		return nil, fmt.Errorf("tx: sign: %w", err)
	}
	return Encode(sig, bb), nil
}

// VerifyBatch checks the signatures of txs together, which is cheaper than
// one by one. It returns one result per tx: nil, or an error wrapping
// ErrSignature.
func VerifyBatch(txs []*Tx) []error {
	errs := make([]error, len(txs))
	if len(txs) == 0 {
		return errs
	}
	if len(txs) == 1 {
		errs[0] = txs[0].Verify()
		return errs
	}
	bv := ed25519.NewBatchVerifier()
	for _, t := range txs {
		if err := bv.Add(ed25519.PubKey(t.Body.Signer), t.BodyBytes, t.Signature); err != nil {
			// A malformed key or signature: fall back to one by one.
			return verifyEach(txs)
		}
	}
	if ok, _ := bv.Verify(); ok {
		return errs
	}
	return verifyEach(txs)
}

func verifyEach(txs []*Tx) []error {
	errs := make([]error, len(txs))
	for i, t := range txs {
		errs[i] = t.Verify()
	}
	return errs
}

// noDuplicateKeys refuses JSON with an object key given twice. Go's decoder
// keeps the last and drops the others silently, so a duplicate would carry
// text onto the ledger that no decoded view shows: signed bytes are stored
// as they are. Names compare as decoded ("a" and "\u0061" are the same
// name). It reports duplicates only: JSON that does not parse is left to
// the decoder that runs next, whose errors say where in the API's terms.
//
// jsontext (the JSON v2 tokenizer) tracks the names of every open object
// in one pass, without building tokens: about a tenth of the time and
// allocations of walking encoding/json's Token stream, which this replaced
// (the old walk is kept in the tests as the oracle of FuzzDuplicateKeys).
func noDuplicateKeys(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		err := dec.SkipValue()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var se *jsontext.SyntacticError
			if errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName) {
				return fmt.Errorf("key %q appears twice in an object", se.JSONPointer.LastToken())
			}
			return nil // not JSON: the decoder's error explains it
		}
	}
}
