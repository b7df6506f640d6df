package node

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/types"
)

// A backup is one age file (scrypt, sealed with a passphrase: it holds the
// node's secret keys) around a tar archive of the home: its configuration
// and keys, its keystore, the vault (the sealed records, their wrapped
// keys and the custodians' age identities), and with the chain, its
// databases. The last entry is the manifest: every file with its size and
// SHA-256. age authenticates every chunk and the end of the stream, so a
// backup that was changed or cut short does not restore. See ADR 32 and
// docs/operations.md.

// BackupFormat names the archive layout in the manifest.
const BackupFormat = "medchain-backup/1"

const manifestName = "MANIFEST.json"

// BackupManifest describes a backup.
type BackupManifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	ChainID string    `json:"chain_id"`
	NodeID  string    `json:"node_id"`
	// Chain: the chain's databases are in it (the node was stopped), so the
	// restored node starts where this one stopped; otherwise the restored
	// node fetches the chain from its peers (or a snapshot).
	Chain bool `json:"chain"`
	// Custodians are the organisations whose records the vault keeps.
	Custodians []string `json:"custodians"`
	// Blobs is the number of sealed record versions in the vault.
	Blobs int           `json:"blobs"`
	Files []BackupEntry `json:"files"`
}

// BackupEntry is one file of a backup.
type BackupEntry struct {
	Path string `json:"path"`
	// Mode is the file's permissions in octal ("0600").
	Mode   string `json:"mode"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BackupOptions configure Backup.
type BackupOptions struct {
	// Passphrase seals the backup (required).
	Passphrase string
	// Chain includes the chain's databases. The node must be stopped: the
	// backup holds the home's lock while it copies.
	Chain bool
	// WorkFactor is the scrypt work factor (log2 N; 0: age's default, 18).
	WorkFactor int
}

// ErrBackup marks a backup that cannot be restored: wrong passphrase,
// changed or truncated, or not a medchain backup.
var ErrBackup = errors.New("node: backup")

// Backup writes a sealed backup of home to w. Without the chain it may
// run beside the node: the vault writes each file once, atomically (a
// record erased meanwhile is shredded again when the backup is restored).
func Backup(home string, w io.Writer, opts BackupOptions) (*BackupManifest, error) {
	if opts.Passphrase == "" {
		return nil, fmt.Errorf("node: backup: a passphrase is needed")
	}
	if !Initialised(home) {
		return nil, fmt.Errorf("node: backup: %s is not a node's home (no config/genesis.json)", home)
	}
	if opts.Chain {
		lock, err := lockHome(home, "a backup with the chain")
		if err != nil {
			return nil, fmt.Errorf("%w; stop the node first, or back up without --chain (keys, configuration and records; the chain comes back from the peers)", err)
		}
		defer lock.release()
	}
	m := &BackupManifest{Format: BackupFormat, Created: time.Now().UTC().Truncate(time.Second), Chain: opts.Chain}
	if g, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json")); err == nil {
		m.ChainID = g.ChainID
	}
	if k, err := p2p.LoadNodeKey(filepath.Join(home, "config", "node_key.json")); err == nil {
		m.NodeID = string(k.ID())
	}
	if cs, err := loadCustodians(home); err == nil {
		for _, c := range cs {
			m.Custodians = append(m.Custodians, c.org)
		}
	}
	files, err := backupFiles(home, opts.Chain)
	if err != nil {
		return nil, err
	}

	rcpt, err := age.NewScryptRecipient(opts.Passphrase)
	if err != nil {
		return nil, fmt.Errorf("node: backup: %w", err)
	}
	if opts.WorkFactor > 0 {
		rcpt.SetWorkFactor(opts.WorkFactor)
	}
	aw, err := age.Encrypt(w, rcpt)
	if err != nil {
		return nil, fmt.Errorf("node: backup: %w", err)
	}
	tw := tar.NewWriter(aw)
	for _, rel := range files {
		e, err := addFile(tw, home, rel)
		if errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(rel, "data/vault/") {
			continue // shredded or swept since the walk
		}
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(rel, "data/vault/blobs/blobs/") {
			m.Blobs++
		}
		m.Files = append(m.Files, e)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(b)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
		return nil, fmt.Errorf("node: backup: %w", err)
	}
	if _, err := tw.Write(b); err != nil {
		return nil, fmt.Errorf("node: backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("node: backup: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("node: backup: %w", err)
	}
	return m, nil
}

// backupFiles lists the home's files to back up, as slash paths relative
// to home, sorted.
func backupFiles(home string, chain bool) ([]string, error) {
	var files []string
	walk := func(dir string) error {
		root := filepath.Join(home, dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			rel, _ := filepath.Rel(home, p)
			rel = filepath.ToSlash(rel)
			switch {
			case d.IsDir():
				return nil
			case !d.Type().IsRegular():
				return nil
			case strings.HasPrefix(d.Name(), ".tmp-"), d.Name() == lockFile:
				return nil
			}
			files = append(files, rel)
			return nil
		})
		if err != nil {
			return fmt.Errorf("node: backup: %w", err)
		}
		return nil
	}
	dirs := []string{"config", "data/vault"}
	if chain {
		dirs = []string{"config", "data"}
	}
	for _, d := range dirs {
		if err := walk(d); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{KeystoreFile, "data/priv_validator_state.json"} {
		if fi, err := os.Stat(filepath.Join(home, f)); err == nil && fi.Mode().IsRegular() {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return compactStrings(files), nil
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func addFile(tw *tar.Writer, home, rel string) (BackupEntry, error) {
	f, err := os.Open(filepath.Join(home, filepath.FromSlash(rel)))
	if err != nil {
		return BackupEntry{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return BackupEntry{}, err
	}
	mode := fi.Mode().Perm()
	e := BackupEntry{Path: rel, Mode: fmt.Sprintf("%04o", mode), Size: fi.Size()}
	if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: int64(mode), Size: e.Size, ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return e, fmt.Errorf("node: backup %s: %w", rel, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), io.LimitReader(f, e.Size))
	if err != nil {
		return e, fmt.Errorf("node: backup %s: %w", rel, err)
	}
	if n != e.Size {
		return e, fmt.Errorf("node: backup %s: the file shrank while it was copied (%d of %d bytes); is the node running? back up without --chain, or stop it", rel, n, e.Size)
	}
	e.SHA256 = hex.EncodeToString(h.Sum(nil))
	return e, nil
}

// Restore unpacks a sealed backup into home, which must not exist or be
// empty. Every file is checked against the manifest before home is made:
// a backup that fails any check leaves nothing behind.
func Restore(r io.Reader, home, passphrase string) (*BackupManifest, error) {
	if entries, err := os.ReadDir(home); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("node: restore: %s is not empty; restore into a new home", home)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("node: restore: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(home))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("node: restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".restore-*")
	if err != nil {
		return nil, fmt.Errorf("node: restore: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	m, err := readBackup(r, passphrase, tmp)
	if err != nil {
		return nil, err
	}
	os.Remove(home) // an empty directory, if any
	if err := os.Rename(tmp, home); err != nil {
		return nil, fmt.Errorf("node: restore: %w", err)
	}
	done = true
	return m, nil
}

// VerifyBackup reads a whole backup and checks it as Restore does,
// writing nothing.
func VerifyBackup(r io.Reader, passphrase string) (*BackupManifest, error) {
	return readBackup(r, passphrase, "")
}

// readBackup decrypts and reads a backup, checking each file against the
// manifest; into dir unless dir is "".
func readBackup(r io.Reader, passphrase, dir string) (*BackupManifest, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("node: restore: %w", err)
	}
	ar, err := age.Decrypt(r, id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("%w: the passphrase does not open it", ErrBackup)
		}
		return nil, fmt.Errorf("%w: not a sealed medchain backup (%v)", ErrBackup, err)
	}
	tr := tar.NewReader(ar)
	got := map[string]BackupEntry{}
	var m *BackupManifest
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: damaged or cut short: %v", ErrBackup, err)
		}
		if m != nil {
			return nil, fmt.Errorf("%w: %s follows the manifest", ErrBackup, hdr.Name)
		}
		if hdr.Name == manifestName {
			b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
			if err != nil {
				return nil, fmt.Errorf("%w: damaged or cut short: %v", ErrBackup, err)
			}
			m = &BackupManifest{}
			if err := json.Unmarshal(b, m); err != nil || m.Format != BackupFormat {
				return nil, fmt.Errorf("%w: the manifest is not %s", ErrBackup, BackupFormat)
			}
			continue
		}
		rel, err := safeBackupPath(hdr)
		if err != nil {
			return nil, err
		}
		e, err := extract(tr, hdr, rel, dir)
		if err != nil {
			return nil, err
		}
		got[rel] = e
	}
	if m == nil {
		return nil, fmt.Errorf("%w: no manifest (cut short?)", ErrBackup)
	}
	if len(m.Files) != len(got) {
		return nil, fmt.Errorf("%w: the manifest lists %d files, the archive holds %d", ErrBackup, len(m.Files), len(got))
	}
	for _, want := range m.Files {
		e, ok := got[want.Path]
		if !ok || e.SHA256 != want.SHA256 || e.Size != want.Size {
			return nil, fmt.Errorf("%w: %s differs from the manifest", ErrBackup, want.Path)
		}
	}
	return m, nil
}

// safeBackupPath checks that an archive entry is a regular file under the
// home: no absolute path, no "..", nothing but files.
func safeBackupPath(hdr *tar.Header) (string, error) {
	name := hdr.Name
	if hdr.Typeflag != tar.TypeReg || name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") ||
		path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
		return "", fmt.Errorf("%w: entry %q is not a file under the home", ErrBackup, name)
	}
	top := strings.SplitN(name, "/", 2)[0]
	if top != "config" && top != "data" && name != KeystoreFile {
		return "", fmt.Errorf("%w: entry %q is not part of a node's home", ErrBackup, name)
	}
	return name, nil
}

func extract(tr *tar.Reader, hdr *tar.Header, rel, dir string) (BackupEntry, error) {
	mode := fs.FileMode(hdr.Mode).Perm()
	e := BackupEntry{Path: rel, Mode: fmt.Sprintf("%04o", mode), Size: hdr.Size}
	h := sha256.New()
	var dst io.Writer = io.Discard
	var f *os.File
	if dir != "" {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return e, fmt.Errorf("node: restore: %w", err)
		}
		var err error
		f, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
		if err != nil {
			return e, fmt.Errorf("node: restore: %w", err)
		}
		defer f.Close()
		dst = f
	}
	n, err := io.Copy(io.MultiWriter(dst, h), tr)
	if err != nil {
		return e, fmt.Errorf("%w: damaged or cut short at %s: %v", ErrBackup, rel, err)
	}
	if n != hdr.Size {
		return e, fmt.Errorf("%w: %s is cut short", ErrBackup, rel)
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			return e, fmt.Errorf("node: restore: %w", err)
		}
		if err := f.Close(); err != nil {
			return e, fmt.Errorf("node: restore: %w", err)
		}
		// Upload markers age by their time (the vault's sweep).
		os.Chtimes(f.Name(), hdr.ModTime, hdr.ModTime)
	}
	e.SHA256 = hex.EncodeToString(h.Sum(nil))
	return e, nil
}
