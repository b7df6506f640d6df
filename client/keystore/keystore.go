// Package keystore reads and writes the medchain keystore: one JSON file
// holding named Ed25519 signing keys for the medchain Go SDK and CLI.
//
// Each entry's name, public key, ledger identity and note are stored in the
// clear, so keys can be listed without asking for a passphrase. The 32-byte
// Ed25519 seed is stored only as an age (https://age-encryption.org) scrypt
// ciphertext, ASCII-armored, and is decrypted only by [Store.Key] and
// [Store.Export].
//
// Entries marked dev are the insecure demo keys of `medchain dev`. They are
// sealed with the public passphrase [DevPassphrase] and a low scrypt work
// factor: anyone who can read the file can read these keys, so they must
// never hold anything of value.
//
// What this package must not do: it must never write a seed or passphrase in
// plaintext (to the file, a log, or an error message), never prompt for a
// passphrase itself (callers prompt), never make network calls, and never
// seal a non-dev key without a passphrase. A [Store] is an in-memory copy of
// the file; changes are written only by [Store.Save], which replaces the file
// atomically. It does not lock the file against other processes.
package keystore

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// FormatVersion is the keystore file format version this package reads and
// writes.
const FormatVersion = 1

// SeedSize is the length in bytes of an Ed25519 seed, the secret stored for
// each key.
const SeedSize = ed25519.SeedSize

// DevPassphrase is the fixed, public passphrase that seals dev keys (the
// insecure demo keys of `medchain dev`). It is not a secret.
const DevPassphrase = "medchain-dev-insecure"

// DevWorkFactor is the scrypt work factor (log2 N) used to seal dev keys. It is
// deliberately low so demos and tests are fast; dev keys are not protected.
const DevWorkFactor = 10

// MaxWorkFactor is the largest scrypt work factor (log2 N) accepted in
// [Store.WorkFactor].
const MaxWorkFactor = 30

// defaultMaxDecryptWorkFactor is the largest work factor accepted when
// decrypting, unless the store's WorkFactor is higher. It matches age's
// default and bounds the work a tampered file can force.
const defaultMaxDecryptWorkFactor = 22

// Sentinel errors. Returned errors wrap these; test with [errors.Is].
var (
	// ErrNotFound means no key has the given name. The wrapping error lists
	// the names that exist.
	ErrNotFound = errors.New("keystore: no such key")
	// ErrPassphrase means the passphrase does not decrypt the key.
	ErrPassphrase = errors.New("keystore: wrong passphrase")
	// ErrExists means a key with the same name or public key already exists.
	ErrExists = errors.New("keystore: key already exists")
	// ErrInvalidName means a key name does not match ^[a-z0-9][a-z0-9._-]{0,63}$.
	ErrInvalidName = errors.New("keystore: invalid key name")
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

const armorHeader = "-----BEGIN AGE ENCRYPTED FILE-----"

// Entry is the public description of one key. It never contains secret
// material.
type Entry struct {
	// Name is the key's unique name in the store.
	Name string `json:"name"`
	// PublicKey is the Ed25519 public key, lowercase hex (32 bytes).
	PublicKey string `json:"public_key"`
	// Identity is the ledger identity id this key signs for; may be empty.
	Identity string `json:"identity,omitempty"`
	// Note is free text for humans.
	Note string `json:"note,omitempty"`
	// Dev marks an insecure demo key sealed with [DevPassphrase].
	Dev bool `json:"dev"`
	// Created is when the key was added, UTC, second precision.
	Created time.Time `json:"created"`
}

// record is the on-disk form of one key.
type record struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	Identity  string `json:"identity"`
	Note      string `json:"note"`
	Dev       bool   `json:"dev"`
	Created   string `json:"created"`
	Sealed    string `json:"sealed"`
}

// file is the on-disk form of the keystore.
type file struct {
	Version int      `json:"version"`
	Keys    []record `json:"keys"`
}

// Store is an open keystore file. Its methods are safe for concurrent use,
// but changes reach the disk only through [Store.Save].
type Store struct {
	// WorkFactor is the scrypt work factor (log2 N) used to seal non-dev
	// keys added from now on; 0 means age's default (18). Values above the
	// default are slower and stronger; tests may lower it for speed. Valid
	// values are 0 and 1..MaxWorkFactor.
	WorkFactor int

	path string
	mu   sync.Mutex
	keys map[string]record
}

// Open reads the keystore at path. If the file does not exist, Open returns an
// empty store that will be created at path by the first [Store.Save]. A file
// that exists but is malformed is an error naming the path and the problem.
func Open(path string) (*Store, error) {
	s := &Store{path: path, keys: map[string]record{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	if err := s.load(data); err != nil {
		return nil, fmt.Errorf("keystore: %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) load(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("file is empty (delete it to start a new keystore)")
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("not valid keystore JSON: %w", err)
	}
	if f.Version != FormatVersion {
		return fmt.Errorf("unsupported format version %d (want %d)", f.Version, FormatVersion)
	}
	pubs := map[string]string{}
	for i, r := range f.Keys {
		where := fmt.Sprintf("key #%d", i+1)
		if r.Name != "" {
			where = fmt.Sprintf("key #%d (%q)", i+1, r.Name)
		}
		if !nameRE.MatchString(r.Name) {
			return fmt.Errorf("%s: invalid name %q", where, r.Name)
		}
		if _, dup := s.keys[r.Name]; dup {
			return fmt.Errorf("%s: duplicate name", where)
		}
		pub, err := hex.DecodeString(r.PublicKey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("%s: public_key must be %d bytes of hex", where, ed25519.PublicKeySize)
		}
		r.PublicKey = hex.EncodeToString(pub)
		if other, dup := pubs[r.PublicKey]; dup {
			return fmt.Errorf("%s: same public_key as %q", where, other)
		}
		if r.Created != "" {
			if _, err := time.Parse(time.RFC3339, r.Created); err != nil {
				return fmt.Errorf("%s: created is not an RFC 3339 time: %q", where, r.Created)
			}
		}
		if !strings.HasPrefix(strings.TrimSpace(r.Sealed), armorHeader) {
			return fmt.Errorf("%s: sealed is not an armored age ciphertext", where)
		}
		pubs[r.PublicKey] = r.Name
		s.keys[r.Name] = r
	}
	return nil
}

// Path returns the file path the store was opened from and saves to.
func (s *Store) Path() string { return s.path }

// List returns all entries sorted by name. It never needs a passphrase.
func (s *Store) List() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Entry, 0, len(s.keys))
	for _, r := range s.keys {
		out = append(out, r.entry())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns the entry named name, or an error wrapping [ErrNotFound].
func (s *Store) Get(name string) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookup(name)
	if err != nil {
		return Entry{}, err
	}
	return r.entry(), nil
}

// Add seals seed (a 32-byte Ed25519 seed) under passphrase and adds it as a
// new key. If dev is true the key is an insecure demo key: passphrase is
// ignored and [DevPassphrase] with [DevWorkFactor] is used instead. Add fails
// with [ErrInvalidName], with [ErrExists] if the name or public key is already
// present, or if passphrase is empty for a non-dev key. Call [Store.Save] to
// persist.
func (s *Store) Add(name string, seed []byte, identity, note, passphrase string, dev bool) (Entry, error) {
	if !nameRE.MatchString(name) {
		return Entry{}, fmt.Errorf("%w: %q (want lowercase letters, digits, '.', '_', '-', starting with a letter or digit, at most 64 characters)", ErrInvalidName, name)
	}
	if len(seed) != SeedSize {
		return Entry{}, fmt.Errorf("keystore: seed must be %d bytes, got %d", SeedSize, len(seed))
	}
	workFactor := s.WorkFactor
	if dev {
		passphrase, workFactor = DevPassphrase, DevWorkFactor
	} else if passphrase == "" {
		return Entry{}, fmt.Errorf("keystore: a passphrase is required for non-dev key %q", name)
	}
	if workFactor < 0 || workFactor > MaxWorkFactor {
		return Entry{}, fmt.Errorf("keystore: WorkFactor %d out of range (0 or 1..%d)", workFactor, MaxWorkFactor)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	pubHex := hex.EncodeToString(pub)

	// Check before the (slow) sealing, and again after under the lock.
	if err := s.checkFree(name, pubHex); err != nil {
		return Entry{}, err
	}
	sealed, err := seal(seed, passphrase, workFactor)
	if err != nil {
		return Entry{}, fmt.Errorf("keystore: sealing key %q: %w", name, err)
	}
	r := record{
		Name:      name,
		PublicKey: pubHex,
		Identity:  identity,
		Note:      note,
		Dev:       dev,
		Created:   time.Now().UTC().Format(time.RFC3339),
		Sealed:    sealed,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkFreeLocked(name, pubHex); err != nil {
		return Entry{}, err
	}
	s.keys[name] = r
	return r.entry(), nil
}

// Generate creates a new random (crypto/rand) non-dev key sealed under
// passphrase and adds it like [Store.Add]. Call [Store.Save] to persist.
func (s *Store) Generate(name, identity, note, passphrase string) (Entry, error) {
	seed := make([]byte, SeedSize)
	defer clear(seed)
	if _, err := rand.Read(seed); err != nil {
		return Entry{}, fmt.Errorf("keystore: reading randomness: %w", err)
	}
	return s.Add(name, seed, identity, note, passphrase, false)
}

// Key decrypts the key named name and returns it as a standard library
// Ed25519 private key (64 bytes: seed followed by public key), the key
// client.NewSigner takes. For dev keys the
// passphrase argument is ignored. Errors wrap [ErrNotFound] or
// [ErrPassphrase].
func (s *Store) Key(name, passphrase string) (ed25519.PrivateKey, error) {
	seed, err := s.open(name, passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed), nil
}

// Export decrypts the key named name and returns its 32-byte seed as hex, for
// backup or moving the key elsewhere. The result is secret. For dev keys the
// passphrase argument is ignored. Errors wrap [ErrNotFound] or
// [ErrPassphrase].
func (s *Store) Export(name, passphrase string) (string, error) {
	seed, err := s.open(name, passphrase)
	if err != nil {
		return "", err
	}
	defer clear(seed)
	return hex.EncodeToString(seed), nil
}

// SetIdentity sets the ledger identity id recorded for the key named name
// (empty clears it). Call [Store.Save] to persist.
func (s *Store) SetIdentity(name, identity string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookup(name)
	if err != nil {
		return err
	}
	r.Identity = identity
	s.keys[name] = r
	return nil
}

// Remove deletes the key named name from the store. Call [Store.Save] to
// persist; the key is then gone for good unless it was exported.
func (s *Store) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookup(name); err != nil {
		return err
	}
	delete(s.keys, name)
	return nil
}

// Save writes the store to its path atomically: it writes a temporary file
// with mode 0600 in the same directory, syncs it and renames it over the old
// file. The parent directory is created with mode 0700 if missing.
func (s *Store) Save() error {
	s.mu.Lock()
	f := file{Version: FormatVersion, Keys: make([]record, 0, len(s.keys))}
	for _, r := range s.keys {
		f.Keys = append(f.Keys, r)
	}
	s.mu.Unlock()
	sort.Slice(f.Keys, func(i, j int) bool { return f.Keys[i].Name < f.Keys[j].Name })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("keystore: encoding: %w", err)
	}
	data = append(data, '\n')
	if err := writeAtomic(s.path, data); err != nil {
		return fmt.Errorf("keystore: saving %s: %w", s.path, err)
	}
	return nil
}

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Best effort: make the rename durable.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// open decrypts and checks the seed of the key named name.
func (s *Store) open(name, passphrase string) ([]byte, error) {
	s.mu.Lock()
	r, err := s.lookup(name)
	maxWF := max(defaultMaxDecryptWorkFactor, s.WorkFactor)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if r.Dev {
		passphrase = DevPassphrase
	}
	if passphrase == "" {
		return nil, fmt.Errorf("%w for key %q: passphrase is empty", ErrPassphrase, name)
	}
	seed, err := unseal(r.Sealed, passphrase, min(maxWF, MaxWorkFactor))
	if err != nil {
		if errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, fmt.Errorf("%w for key %q", ErrPassphrase, name)
		}
		return nil, fmt.Errorf("keystore: %s: key %q: cannot decrypt: %w", s.path, name, err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	if hex.EncodeToString(pub) != r.PublicKey {
		clear(seed)
		return nil, fmt.Errorf("keystore: %s: key %q: decrypted seed does not match public_key (file tampered with?)", s.path, name)
	}
	return seed, nil
}

// lookup returns the record named name. s.mu must be held.
func (s *Store) lookup(name string) (record, error) {
	r, ok := s.keys[name]
	if !ok {
		return record{}, fmt.Errorf("%w: %q (%s)", ErrNotFound, name, s.namesLocked())
	}
	return r, nil
}

// namesLocked describes the existing key names. s.mu must be held.
func (s *Store) namesLocked() string {
	if len(s.keys) == 0 {
		return "the keystore is empty"
	}
	names := make([]string, 0, len(s.keys))
	for n := range s.keys {
		names = append(names, n)
	}
	sort.Strings(names)
	return "have: " + strings.Join(names, ", ")
}

func (s *Store) checkFree(name, pubHex string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkFreeLocked(name, pubHex)
}

// checkFreeLocked fails with ErrExists if name or pubHex is taken. s.mu must
// be held.
func (s *Store) checkFreeLocked(name, pubHex string) error {
	if _, ok := s.keys[name]; ok {
		return fmt.Errorf("%w: name %q", ErrExists, name)
	}
	for _, r := range s.keys {
		if r.PublicKey == pubHex {
			return fmt.Errorf("%w: public key %s is already stored as %q", ErrExists, pubHex, r.Name)
		}
	}
	return nil
}

func (r record) entry() Entry {
	e := Entry{Name: r.Name, PublicKey: r.PublicKey, Identity: r.Identity, Note: r.Note, Dev: r.Dev}
	if r.Created != "" {
		e.Created, _ = time.Parse(time.RFC3339, r.Created) // validated by load/Add
	}
	return e
}

// seal encrypts seed with age scrypt under passphrase and returns it armored.
// workFactor 0 means age's default.
func seal(seed []byte, passphrase string, workFactor int) (string, error) {
	rcpt, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return "", err
	}
	if workFactor != 0 {
		rcpt.SetWorkFactor(workFactor)
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rcpt)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(seed); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := aw.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// unseal decrypts an armored age scrypt ciphertext holding a seed.
func unseal(sealed, passphrase string, maxWorkFactor int) ([]byte, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, err
	}
	id.SetMaxWorkFactor(maxWorkFactor)
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(sealed)), id)
	if err != nil {
		return nil, err
	}
	seed, err := io.ReadAll(io.LimitReader(r, SeedSize+1))
	if err != nil {
		clear(seed)
		return nil, err
	}
	if len(seed) != SeedSize {
		clear(seed)
		return nil, fmt.Errorf("plaintext is %d bytes, want a %d-byte seed", len(seed), SeedSize)
	}
	return seed, nil
}
