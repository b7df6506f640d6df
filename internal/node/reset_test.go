package node

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medchain/medchain/internal/ledger"
)

// --reset deletes a dev home, which the next InitDev seeds afresh, and
// refuses a real node's home, leaving it whole.
func TestResetDev(t *testing.T) {
	dev := t.TempDir()
	if created, err := InitDev(dev, "127.0.0.1:0", Ports{P2P: 36756, RPC: 36757}); err != nil || !created {
		t.Fatalf("InitDev: %v %v", created, err)
	}
	os.WriteFile(filepath.Join(dev, KeystoreFile), []byte("{}"), 0o600)
	os.WriteFile(filepath.Join(dev, "notes.txt"), []byte("mine"), 0o600)
	if err := ResetDev(dev); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"config", "data", KeystoreFile} {
		if _, err := os.Stat(filepath.Join(dev, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived the reset: %v", gone, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dev, "notes.txt")); err != nil {
		t.Errorf("a file the dev home did not make was deleted: %v", err)
	}
	if created, err := InitDev(dev, "127.0.0.1:0", Ports{P2P: 36756, RPC: 36757}); err != nil || !created {
		t.Fatalf("InitDev after reset: %v %v", created, err)
	}
	if err := ResetDev(t.TempDir()); err != nil {
		t.Errorf("reset of an empty home: %v", err)
	}

	real := t.TempDir()
	if _, err := Init(real, InitOptions{ChainID: "care-net", OrgID: "st-marys", OrgName: "St Mary's", OrgKind: ledger.OrgHospital,
		Passphrase: "correct horse battery staple", Ports: Ports{P2P: 36856, RPC: 36857, API: 38180}}); err != nil {
		t.Fatal(err)
	}
	if err := ResetDev(real); !errors.Is(err, errNotDev) {
		t.Fatalf("reset of a real node's home: %v", err)
	}
	if !Initialised(real) {
		t.Fatal("a refused reset deleted the real node's home")
	}
}
