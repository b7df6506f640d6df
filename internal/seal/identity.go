package seal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// ErrCorruptIdentity means that an identity file exists but does not hold
// exactly one age X25519 identity.
var ErrCorruptIdentity = errors.New("seal: corrupt identity file")

// maxIdentityFile bounds how much of an identity file is read; a valid one is
// about 200 bytes.
const maxIdentityFile = 64 << 10

// LoadOrCreateIdentity returns the age X25519 identity stored at path, the
// custodian key of an organisation's node. If the file does not exist it
// generates a new identity and writes it, with mode 0600, in the format of
// age-keygen (so `age -d -i path` can use it). The file is written to a
// temporary file in the same directory, synced, and then published under
// path without ever replacing an existing file: if several processes race to
// create it, all of them end up with the identity that won. Missing parent
// directories are created with mode 0700.
//
// Losing this file makes every record wrapped only to this identity
// unrecoverable: back it up.
func LoadOrCreateIdentity(path string) (*age.X25519Identity, error) {
	id, err := loadIdentity(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	id, err = age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("seal: generate identity: %w", err)
	}
	content := fmt.Sprintf("# medchain custodian identity: keep secret, back up.\n# created: %s\n# public key: %s\n%s\n",
		time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
	created, err := createExclusive(path, []byte(content))
	if err != nil {
		return nil, fmt.Errorf("seal: create identity %s: %w", path, err)
	}
	if !created {
		// Another process created the file first: use its identity.
		return loadIdentity(path)
	}
	return id, nil
}

func loadIdentity(path string) (*age.X25519Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seal: read identity: %w", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(io.LimitReader(f, maxIdentityFile))
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrCorruptIdentity, path, err)
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("%w %s: %d identities, want 1", ErrCorruptIdentity, path, len(ids))
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, fmt.Errorf("%w %s: identity is %T, want an X25519 identity", ErrCorruptIdentity, path, ids[0])
	}
	return id, nil
}

// createExclusive atomically creates path with data unless path exists, in
// which case it reports created == false. The data is synced before the file
// becomes visible under path, and the directory is synced afterwards.
func createExclusive(path string, data []byte) (created bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return false, err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful link, only the temporary name goes
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	// A hard link publishes the complete file and, unlike rename, fails
	// rather than replace a file another process created meanwhile.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		// File systems without hard links: fall back to rename, which
		// replaces, so check for a concurrent creation first.
		if _, statErr := os.Lstat(path); statErr == nil {
			return false, nil
		}
		if err := os.Rename(tmp, path); err != nil {
			return false, err
		}
	}
	return true, syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
