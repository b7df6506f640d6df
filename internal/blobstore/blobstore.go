// Package blobstore is a node's off-chain, content-addressed store of
// encrypted records.
//
// A blob is a ciphertext (see package seal) addressed by the SHA-256 of its
// bytes, the hash the ledger anchors. Next to each blob the store keeps the
// wrapped data keys of the blob, one per recipient (the patient, the custodian
// organisation, readers granted access).
//
// # Layout on disk
//
//	DIR/blobs/ab/abcdef…            blob whose SHA-256 is abcdef… (64 hex digits)
//	DIR/keys/ab/abcdef…/NAME        wrapped data key of that blob for one recipient
//
// NAME is the recipient string encoded in lowercase base32hex without padding
// (alphabet 0-9a-v), so no recipient string, whatever bytes it holds ('/',
// "..", NUL), can name another file or escape the directory. Directories are
// created with mode 0700 and files with mode 0600.
//
// Every file is written atomically: to a temporary file in the same directory,
// synced, renamed into place, and the directory synced. Temporary files are
// named ".tmp-*"; ones left by a crash are ignored, and can be removed while
// the node is stopped.
//
// # Crypto-shredding
//
// [Store.Shred] erases a record by deleting every wrapped key of the blob and
// then the blob. Deleting the keys is what makes the record unrecoverable:
// the ciphertext is useless without its data key, so once no wrapped copy of
// the key survives (here, in backups of this directory, or wherever else it
// was wrapped) no copy of the ciphertext can be decrypted, wherever it lies.
// Overwriting the files before deleting them would be pointless: on SSDs (wear
// levelling) and on copy-on-write or journaling file systems the old blocks are
// not overwritten in place. The ledger keeps a tombstone with the hash;
// refusing to store a shredded hash again is the caller's job.
//
// # Concurrency
//
// A Store is safe for concurrent use by many goroutines. Operations on the
// same blob are serialised, so a [Store.PutKey] racing a [Store.Shred] can
// never leave a key behind a shredded blob. One directory must be used by one
// Store, in one process, at a time.
package blobstore

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Errors returned by this package; test for them with errors.Is.
var (
	// ErrNotFound means that no blob, or no wrapped key for a recipient,
	// is stored under the hash.
	ErrNotFound = errors.New("blobstore: not found")
	// ErrCorrupt means that the bytes of a stored blob no longer hash to
	// its address.
	ErrCorrupt = errors.New("blobstore: corrupt blob")
	// ErrInvalidRecipient means that a recipient name is empty or longer than
	// [MaxRecipientLen].
	ErrInvalidRecipient = errors.New("blobstore: invalid recipient")
	// ErrKeyTooLarge means that a wrapped key is larger than [MaxWrappedKeySize].
	ErrKeyTooLarge = errors.New("blobstore: wrapped key too large")
)

const (
	// MaxRecipientLen is the longest recipient name, in bytes, that the
	// store accepts; its encoding fits in a file name on common file systems.
	MaxRecipientLen = 150
	// MaxWrappedKeySize is the largest wrapped key the store accepts. A data
	// key wrapped with age to a few recipients takes a few hundred bytes.
	MaxWrappedKeySize = 64 << 10
)

const (
	blobsDir  = "blobs"
	keysDir   = "keys"
	tmpPrefix = ".tmp-"
	dirMode   = 0o700
)

// recipientEncoding maps any byte string to a file name made of 0-9a-v.
var recipientEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// Store is a content-addressed blob store rooted at a directory.
type Store struct {
	dir string
	// locks serialise the operations on the blobs of one shard (the first
	// byte of the hash): writers take the lock, readers share it.
	locks [256]sync.RWMutex
}

// Open opens the store rooted at dir, creating the directory (mode 0700) if
// it does not exist.
func Open(dir string) (*Store, error) {
	for _, d := range []string{dir, filepath.Join(dir, blobsDir), filepath.Join(dir, keysDir)} {
		if err := os.MkdirAll(d, dirMode); err != nil {
			return nil, fmt.Errorf("blobstore: open %s: %w", dir, err)
		}
	}
	return &Store{dir: dir}, nil
}

// Dir returns the directory the store is rooted at.
func (s *Store) Dir() string { return s.dir }

func (s *Store) lock(sum [32]byte) *sync.RWMutex { return &s.locks[sum[0]] }

func shard(sum [32]byte) string { return hex.EncodeToString(sum[:1]) }

func (s *Store) blobShard(sum [32]byte) string {
	return filepath.Join(s.dir, blobsDir, shard(sum))
}

func (s *Store) blobPath(sum [32]byte) string {
	return filepath.Join(s.blobShard(sum), hex.EncodeToString(sum[:]))
}

func (s *Store) keyShard(sum [32]byte) string {
	return filepath.Join(s.dir, keysDir, shard(sum))
}

func (s *Store) keyDir(sum [32]byte) string {
	return filepath.Join(s.keyShard(sum), hex.EncodeToString(sum[:]))
}

// Put stores data and returns its SHA-256, the blob's address. It is
// idempotent: storing a blob that is already present intact does nothing,
// while a present but corrupt copy is replaced.
func (s *Store) Put(data []byte) (sum [32]byte, err error) {
	sum = sha256.Sum256(data)
	l := s.lock(sum)
	l.Lock()
	defer l.Unlock()

	path := s.blobPath(sum)
	if err := verifyFile(path, sum); err == nil {
		return sum, nil
	} else if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt) {
		return sum, err // already says what failed on which blob
	}
	if err := mkdirSynced(s.blobShard(sum)); err != nil {
		return sum, fmt.Errorf("blobstore: put %x: %w", sum, err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return sum, fmt.Errorf("blobstore: put %x: %w", sum, err)
	}
	return sum, nil
}

// Get returns the blob stored under sum after checking that its bytes hash to
// sum. It returns an error wrapping [ErrNotFound] when the blob is absent and
// [ErrCorrupt] when its bytes do not match the hash.
func (s *Store) Get(sum [32]byte) ([]byte, error) {
	l := s.lock(sum)
	l.RLock()
	defer l.RUnlock()
	return readVerified(s.blobPath(sum), sum)
}

func readVerified(path string, sum [32]byte) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: blob %x", ErrNotFound, sum)
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: read blob %x: %w", sum, err)
	}
	if got := sha256.Sum256(data); got != sum {
		return nil, fmt.Errorf("%w: %s hashes to %x", ErrCorrupt, path, got)
	}
	return data, nil
}

// verifyFile checks that the file at path hashes to sum.
func verifyFile(path string, sum [32]byte) error {
	_, err := readVerified(path, sum)
	return err
}

// Has reports whether a blob is stored under sum. It does not verify the
// blob's bytes; [Store.Get] does.
func (s *Store) Has(sum [32]byte) bool {
	_, err := s.Size(sum)
	return err == nil
}

// Size returns the size in bytes of the blob stored under sum, or an error
// wrapping [ErrNotFound].
func (s *Store) Size(sum [32]byte) (int64, error) {
	l := s.lock(sum)
	l.RLock()
	defer l.RUnlock()
	fi, err := os.Stat(s.blobPath(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("%w: blob %x", ErrNotFound, sum)
	}
	if err != nil {
		return 0, fmt.Errorf("blobstore: stat blob %x: %w", sum, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%w: %s is not a regular file", ErrCorrupt, s.blobPath(sum))
	}
	return fi.Size(), nil
}

func encodeRecipient(recipient string) (string, error) {
	if recipient == "" {
		return "", fmt.Errorf("%w: empty name", ErrInvalidRecipient)
	}
	if len(recipient) > MaxRecipientLen {
		return "", fmt.Errorf("%w: name is %d bytes, maximum %d", ErrInvalidRecipient, len(recipient), MaxRecipientLen)
	}
	return strings.ToLower(recipientEncoding.EncodeToString([]byte(recipient))), nil
}

func decodeRecipient(name string) (string, bool) {
	if name == "" || name != strings.ToLower(name) {
		return "", false
	}
	b, err := recipientEncoding.DecodeString(strings.ToUpper(name))
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// PutKey stores the wrapped data key of the blob sum for recipient, replacing
// any key stored for the same recipient. The blob must be present (otherwise
// the error wraps [ErrNotFound]), so that no key can outlive a shredded blob.
// recipient is any identity name, such as "pt-0a1b2c", "hospital/dr-house" or
// "org:hospital", of at most [MaxRecipientLen] bytes.
func (s *Store) PutKey(sum [32]byte, recipient string, wrapped []byte) error {
	name, err := encodeRecipient(recipient)
	if err != nil {
		return fmt.Errorf("%w (key of blob %x)", err, sum)
	}
	if len(wrapped) > MaxWrappedKeySize {
		return fmt.Errorf("%w: %d bytes, maximum %d (key of blob %x for %q)", ErrKeyTooLarge, len(wrapped), MaxWrappedKeySize, sum, recipient)
	}
	l := s.lock(sum)
	l.Lock()
	defer l.Unlock()

	if _, err := os.Stat(s.blobPath(sum)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: blob %x, cannot store a key for %q", ErrNotFound, sum, recipient)
	} else if err != nil {
		return fmt.Errorf("blobstore: put key of %x for %q: %w", sum, recipient, err)
	}
	for _, d := range []string{s.keyShard(sum), s.keyDir(sum)} {
		if err := mkdirSynced(d); err != nil {
			return fmt.Errorf("blobstore: put key of %x for %q: %w", sum, recipient, err)
		}
	}
	if err := writeFileAtomic(filepath.Join(s.keyDir(sum), name), wrapped); err != nil {
		return fmt.Errorf("blobstore: put key of %x for %q: %w", sum, recipient, err)
	}
	return nil
}

// Key returns the wrapped data key of the blob sum for recipient, or an error
// wrapping [ErrNotFound].
func (s *Store) Key(sum [32]byte, recipient string) ([]byte, error) {
	name, err := encodeRecipient(recipient)
	if err != nil {
		return nil, fmt.Errorf("%w (key of blob %x)", err, sum)
	}
	l := s.lock(sum)
	l.RLock()
	defer l.RUnlock()
	wrapped, err := os.ReadFile(filepath.Join(s.keyDir(sum), name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no key of blob %x for %q", ErrNotFound, sum, recipient)
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: key of %x for %q: %w", sum, recipient, err)
	}
	return wrapped, nil
}

// Keys returns the sorted names of the recipients that have a wrapped key of
// the blob sum; none (and no error) when there is no such key or no such blob.
func (s *Store) Keys(sum [32]byte) ([]string, error) {
	l := s.lock(sum)
	l.RLock()
	defer l.RUnlock()
	entries, err := os.ReadDir(s.keyDir(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: keys of %x: %w", sum, err)
	}
	var names []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if r, ok := decodeRecipient(e.Name()); ok {
			names = append(names, r)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Shred erases the blob sum by crypto-shredding: it deletes every wrapped key
// of the blob first, then the blob (see the package documentation). It is
// idempotent: shredding an absent blob succeeds. Afterwards [Store.Get]
// returns [ErrNotFound] and [Store.Keys] returns none.
func (s *Store) Shred(sum [32]byte) error {
	l := s.lock(sum)
	l.Lock()
	defer l.Unlock()

	keyDir := s.keyDir(sum)
	if err := os.RemoveAll(keyDir); err != nil {
		return fmt.Errorf("blobstore: shred %x: delete keys in %s: %w", sum, keyDir, err)
	}
	if err := syncDirIfExists(s.keyShard(sum)); err != nil {
		return fmt.Errorf("blobstore: shred %x: %w", sum, err)
	}
	path := s.blobPath(sum)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: shred %x: delete blob %s: %w", sum, path, err)
	}
	if err := syncDirIfExists(s.blobShard(sum)); err != nil {
		return fmt.Errorf("blobstore: shred %x: %w", sum, err)
	}
	return nil
}

// Walk calls fn for every blob in the store, in order of hash, with its size.
// It does not verify the blobs' bytes. Blobs stored or shredded while Walk
// runs may or may not be visited; fn may call the Store's methods. If fn
// returns fs.SkipAll, Walk stops and returns nil; any other error stops Walk
// and is returned as is.
func (s *Store) Walk(fn func(sum [32]byte, size int64) error) error {
	root := filepath.Join(s.dir, blobsDir)
	shards, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("blobstore: walk %s: %w", root, err)
	}
	for _, sh := range shards {
		if !sh.IsDir() || !isHex(sh.Name(), 2) {
			continue
		}
		shardDir := filepath.Join(root, sh.Name())
		entries, err := os.ReadDir(shardDir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("blobstore: walk %s: %w", shardDir, err)
		}
		for _, e := range entries {
			var sum [32]byte
			if !e.Type().IsRegular() || !isHex(e.Name(), 64) || !strings.HasPrefix(e.Name(), sh.Name()) {
				continue // temporary or foreign file
			}
			hex.Decode(sum[:], []byte(e.Name()))
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // shredded meanwhile
			}
			if err != nil {
				return fmt.Errorf("blobstore: walk %s: %w", filepath.Join(shardDir, e.Name()), err)
			}
			if err := fn(sum, fi.Size()); err != nil {
				if errors.Is(err, fs.SkipAll) {
					return nil
				}
				return err
			}
		}
	}
	return nil
}

// isHex reports whether name is n lowercase hexadecimal digits.
func isHex(name string, n int) bool {
	if len(name) != n {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// writeFileAtomic writes data to path through a synced temporary file in the
// same directory, renamed into place, then syncs the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// mkdirSynced creates the directory dir if it does not exist and, when it
// does create it, syncs its parent so the new entry survives a crash.
func mkdirSynced(dir string) error {
	err := os.Mkdir(dir, dirMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

func syncDirIfExists(dir string) error {
	if err := syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
