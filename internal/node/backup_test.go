package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
)

const testBackupPass = "correct horse battery staple"

func backupOf(t *testing.T, home string, chain bool) ([]byte, *BackupManifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := Backup(home, &buf, BackupOptions{Passphrase: testBackupPass, Chain: chain, WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

// TestBackupRestoreReadsRecord backs a custodian's node up, restores it into
// a new home and reads a record there: the records, their keys and the
// custodian's identity all came back. A vault restored from before an
// erasure is shredded again once its chain knows the erasure.
func TestBackupRestoreReadsRecord(t *testing.T) {
	n, c := startDev(t)
	ctx := context.Background()
	alice, grey := demoSigner("alice"), demoSigner("dr-grey")
	doc := readFile(t, "../fhirdoc/testdata/Observation-f001.json")
	kept, err := c.AddRecord(ctx, grey, demoPatient("alice"), "", doc)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := c.AddRecord(ctx, grey, demoPatient("alice"), "", bytes.Replace(doc, []byte(`"final"`), []byte(`"amended"`), 1))
	if err != nil {
		t.Fatal(err)
	}

	// While the node runs: a second node on the home is refused, and so is
	// a backup of its chain; a backup of keys and records is not.
	if _, err := Start(ctx, n.Home, Options{LogOutput: logWriter{t}}); !errors.Is(err, ErrHomeInUse) {
		t.Fatalf("a second node on a running home: %v, want ErrHomeInUse", err)
	}
	if _, err := Backup(n.Home, &bytes.Buffer{}, BackupOptions{Passphrase: testBackupPass, Chain: true, WorkFactor: 10}); !errors.Is(err, ErrHomeInUse) || !strings.Contains(err.Error(), "without --chain") {
		t.Fatalf("backup with the chain of a running node: %v", err)
	}
	vaultOnly, m := backupOf(t, n.Home, false)
	if m.Chain || m.Blobs != 2 || m.ChainID != DevChainID || len(m.Custodians) != len(DemoCustodians) || m.NodeID == "" {
		t.Fatalf("manifest of a backup without the chain: %+v", m)
	}
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "data/") && !strings.HasPrefix(f.Path, "data/vault/") && f.Path != "data/priv_validator_state.json" {
			t.Fatalf("a backup without the chain holds %s", f.Path)
		}
	}

	// The second record is erased after that backup.
	if _, err := c.Send(ctx, alice, client.EraseRecord{Record: gone.Record, Reason: "patient-request"}); err != nil {
		t.Fatal(err)
	}
	goneSum := mustSum(t, gone.Hash)
	waitFor(t, "shredding", 10*time.Second, func() bool { return !n.Vault().Blobs().Has(goneSum) })
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	full, m := backupOf(t, n.Home, true)
	if !m.Chain || m.Blobs != 1 {
		t.Fatalf("manifest of a backup with the chain: %+v", m)
	}

	// Restored with its chain: the node starts where it stopped and serves
	// the record, byte for byte.
	restored := filepath.Join(t.TempDir(), "restored")
	if _, err := Restore(bytes.NewReader(full), restored, testBackupPass); err != nil {
		t.Fatal(err)
	}
	n2 := startHome(t, restored)
	got, err := c.ReadRecord(ctx, alice, client.ReadRequest{Record: kept.Record, Purpose: client.PurposeTreatment})
	if err != nil || !bytes.Equal(got.Document, doc) {
		t.Fatalf("read after restore: %v", err)
	}
	if err := n2.Stop(); err != nil {
		t.Fatal(err)
	}

	// The vault from before the erasure, with the chain as its peers would
	// hand it back: the erased record is shredded again at start.
	old := filepath.Join(t.TempDir(), "old")
	if _, err := Restore(bytes.NewReader(vaultOnly), old, testBackupPass); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(old, "data", "vault", "blobs", "blobs", gone.Hash[:2], gone.Hash)); err != nil {
		t.Fatalf("the backup from before the erasure does not hold the erased version: %v", err)
	}
	copyChain(t, restored, old)
	n3 := startHome(t, old)
	if n3.Vault().Blobs().Has(goneSum) {
		t.Fatal("a record erased after the backup was readable again after its restore")
	}
	if !n3.Vault().Blobs().Has(mustSum(t, kept.Hash)) {
		t.Fatal("the record kept was lost")
	}
}

// TestRestoreRefusesDamage: a wrong passphrase, a changed byte, a backup
// cut short and a home that is not empty leave nothing behind.
func TestRestoreRefusesDamage(t *testing.T) {
	home := t.TempDir()
	if _, err := InitDev(home, "127.0.0.1:0", Ports{P2P: 1, RPC: 2}); err != nil {
		t.Fatal(err)
	}
	b, m := backupOf(t, home, true)
	if _, err := VerifyBackup(bytes.NewReader(b), testBackupPass); err != nil {
		t.Fatalf("verify of a sound backup: %v", err)
	}
	if len(m.Files) < 5 {
		t.Fatalf("backup of a new home: %+v", m.Files)
	}
	changed := bytes.Clone(b)
	changed[len(changed)/2] ^= 1
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data []byte
		pass string
		want string
	}{
		"wrong passphrase": {b, "not it", "passphrase"},
		"changed":          {changed, testBackupPass, "damaged"},
		"cut short":        {b[:len(b)-100], testBackupPass, "damaged"},
		"not a backup":     {[]byte("{}"), testBackupPass, "not a sealed medchain backup"},
	} {
		target := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		_, err := Restore(bytes.NewReader(c.data), target, c.pass)
		if !errors.Is(err, ErrBackup) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrBackup saying %q", name, err, c.want)
		}
		if _, serr := os.Stat(target); !os.IsNotExist(serr) {
			t.Errorf("%s: the refused restore left %s behind", name, target)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused restores left %d entries in the parent directory", len(entries))
	}
	if _, err := Restore(bytes.NewReader(b), home, testBackupPass); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore over an existing home: %v", err)
	}
}

func mustSum(t *testing.T, h string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 32 {
		t.Fatalf("hash %q", h)
	}
	return [32]byte(b)
}

// startHome starts the node of an existing home and waits until it serves.
func startHome(t *testing.T, home string) *Node {
	t.Helper()
	n, err := Start(context.Background(), home, Options{LogOutput: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	waitFor(t, "readiness", 30*time.Second, func() bool { return n.ready(context.Background()) == nil })
	return n
}

// copyChain replaces dst's chain databases with src's (everything in data/
// but the vault), as a node that fetched the chain from its peers has it.
func copyChain(t *testing.T, src, dst string) {
	t.Helper()
	root := filepath.Join(src, "data")
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "vault" && fi.IsDir() {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, "data", rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
