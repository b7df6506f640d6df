// Package seal implements the envelope encryption of patient records.
//
// Each record is encrypted once, under a fresh random 32-byte data key, with
// XChaCha20-Poly1305 ([Seal], [Open]). The data key is then wrapped with
// filippo.io/age to every party that may read the record ([Wrap], [Unwrap]):
// the patient, the custodian organisation and, when consent allows a read, the
// reader. Destroying every wrapped copy of a data key makes the record
// unrecoverable (crypto-shredding).
//
// # Ciphertext format (version 1)
//
//	offset  size  content
//	0       1     version, 0x01
//	1       24    XChaCha20-Poly1305 nonce, random
//	25      n+16  XChaCha20-Poly1305 sealed plaintext (n bytes) and tag
//
// The additional data is the version byte. A ciphertext is therefore exactly
// [Overhead] (41) bytes longer than its plaintext. The data key is 32 random
// bytes used for one record only, so random nonces are safe.
//
// # Wrapped keys
//
// A wrapped data key is a binary (not armored) age file whose payload is the
// 32-byte data key. Two kinds of recipients are used:
//
//   - Members and patients: the Ed25519 key they already sign transactions
//     with, as an age "ssh-ed25519" recipient ([RecipientForEd25519],
//     [IdentityForEd25519]). A reader needs to register no other key.
//     CometBFT's crypto/ed25519 private keys are standard 64-byte Ed25519
//     private keys: convert with ed25519.PrivateKey(priv.Bytes()).
//   - Custodian organisations' nodes: an age X25519 identity kept in a file
//     ([LoadOrCreateIdentity]).
package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/ssh"
)

const (
	// Version is the first byte of every ciphertext produced by [Seal].
	Version byte = 0x01
	// KeySize is the size of a data key in bytes.
	KeySize = chacha20poly1305.KeySize
	// NonceSize is the size of the random nonce stored in a ciphertext.
	NonceSize = chacha20poly1305.NonceSizeX
	// Overhead is how many bytes longer a ciphertext is than its plaintext.
	Overhead = 1 + NonceSize + chacha20poly1305.Overhead
)

// Errors returned by this package; test for them with errors.Is.
var (
	// ErrDecrypt means that a ciphertext failed authentication: it was
	// tampered with or the data key is not the one it was sealed with.
	ErrDecrypt = errors.New("seal: message authentication failed")
	// ErrVersion means that a ciphertext has an unknown version byte.
	ErrVersion = errors.New("seal: unsupported ciphertext version")
	// ErrShort means that a ciphertext is shorter than the format allows.
	ErrShort = errors.New("seal: ciphertext too short")
	// ErrKeySize means that a data key is not [KeySize] bytes long.
	ErrKeySize = errors.New("seal: invalid data key size")
	// ErrNoIdentity means that none of the identities given to [Unwrap]
	// matches a recipient of the wrapped key. The error returned also wraps
	// age.ErrIncorrectIdentity.
	ErrNoIdentity = errors.New("seal: no identity matches the wrapped key")
)

// additionalData binds the version byte to the authentication tag.
var additionalData = []byte{Version}

// Seal encrypts plaintext under a fresh random data key and returns the
// ciphertext (see the package documentation for its format) and the data key.
// The caller wraps the data key with [Wrap] and must not keep it in clear.
func Seal(plaintext []byte) (ciphertext, dataKey []byte, err error) {
	dataKey = make([]byte, KeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, nil, fmt.Errorf("seal: generate data key: %w", err)
	}
	aead, err := chacha20poly1305.NewX(dataKey)
	if err != nil {
		return nil, nil, fmt.Errorf("seal: init cipher: %w", err)
	}
	ciphertext = make([]byte, 1+NonceSize, len(plaintext)+Overhead)
	ciphertext[0] = Version
	nonce := ciphertext[1 : 1+NonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, fmt.Errorf("seal: generate nonce: %w", err)
	}
	ciphertext = aead.Seal(ciphertext, nonce, plaintext, additionalData)
	return ciphertext, dataKey, nil
}

// Open authenticates and decrypts a ciphertext produced by [Seal] with its
// data key. It returns an error wrapping [ErrKeySize], [ErrShort],
// [ErrVersion] or [ErrDecrypt] when it cannot.
func Open(ciphertext, dataKey []byte) ([]byte, error) {
	if len(dataKey) != KeySize {
		return nil, fmt.Errorf("%w: got %d bytes, want %d", ErrKeySize, len(dataKey), KeySize)
	}
	if len(ciphertext) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrShort)
	}
	if ciphertext[0] != Version {
		return nil, fmt.Errorf("%w: 0x%02x, want 0x%02x", ErrVersion, ciphertext[0], Version)
	}
	if len(ciphertext) < Overhead {
		return nil, fmt.Errorf("%w: %d bytes, minimum %d", ErrShort, len(ciphertext), Overhead)
	}
	aead, err := chacha20poly1305.NewX(dataKey)
	if err != nil {
		return nil, fmt.Errorf("seal: init cipher: %w", err)
	}
	nonce, sealed := ciphertext[1:1+NonceSize], ciphertext[1+NonceSize:]
	plaintext, err := aead.Open(nil, nonce, sealed, additionalData)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plaintext, nil
}

// Wrap encrypts a data key to one or more age recipients and returns the
// binary age file. Any of the matching identities can recover the key with
// [Unwrap].
func Wrap(dataKey []byte, recipients ...age.Recipient) ([]byte, error) {
	if len(dataKey) != KeySize {
		return nil, fmt.Errorf("%w: got %d bytes, want %d", ErrKeySize, len(dataKey), KeySize)
	}
	if len(recipients) == 0 {
		return nil, errors.New("seal: wrap: no recipients")
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, fmt.Errorf("seal: wrap: %w", err)
	}
	if _, err := w.Write(dataKey); err != nil {
		return nil, fmt.Errorf("seal: wrap: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal: wrap: %w", err)
	}
	return buf.Bytes(), nil
}

// Unwrap recovers a data key wrapped by [Wrap] with any of the given
// identities. It returns an error wrapping [ErrNoIdentity] when none of them
// matches, and an error wrapping [ErrKeySize] when the wrapped payload is not
// a data key.
func Unwrap(wrapped []byte, ids ...age.Identity) ([]byte, error) {
	if len(ids) == 0 {
		return nil, errors.New("seal: unwrap: no identities")
	}
	r, err := age.Decrypt(bytes.NewReader(wrapped), ids...)
	if err != nil {
		if errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, fmt.Errorf("%w: %w", ErrNoIdentity, err)
		}
		return nil, fmt.Errorf("seal: unwrap: %w", err)
	}
	// The payload cannot be larger than the input, which is already in memory.
	dataKey, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("seal: unwrap: read payload: %w", err)
	}
	if len(dataKey) != KeySize {
		return nil, fmt.Errorf("%w: unwrapped payload is %d bytes, want %d", ErrKeySize, len(dataKey), KeySize)
	}
	return dataKey, nil
}

// RecipientForEd25519 returns the age recipient ("ssh-ed25519" type) for an
// Ed25519 public key, such as the key a member or patient signs with.
func RecipientForEd25519(pub ed25519.PublicKey) (age.Recipient, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("seal: ed25519 public key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("seal: ed25519 recipient: %w", err)
	}
	r, err := agessh.NewEd25519Recipient(sshPub)
	if err != nil {
		return nil, fmt.Errorf("seal: ed25519 recipient: %w", err)
	}
	return r, nil
}

// IdentityForEd25519 returns the age identity that unwraps keys wrapped to
// [RecipientForEd25519] of priv's public key. priv is a standard 64-byte
// Ed25519 private key (seed followed by public key); a key whose public half
// does not match its seed is rejected.
func IdentityForEd25519(priv ed25519.PrivateKey) (age.Identity, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("seal: ed25519 private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	derived := ed25519.NewKeyFromSeed(priv.Seed()).Public().(ed25519.PublicKey)
	if !derived.Equal(priv.Public()) {
		return nil, errors.New("seal: ed25519 private key: public half does not match the seed")
	}
	id, err := agessh.NewEd25519Identity(priv)
	if err != nil {
		return nil, fmt.Errorf("seal: ed25519 identity: %w", err)
	}
	return id, nil
}
