package cli

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --ca-file makes the CLI trust a consortium's own CA for an https --node;
// a file that holds no certificate fails the request with the reason.
func TestCAFile(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"chain_id":"care-net","latest_block_height":7}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o644)
	ctx := context.Background()

	st, err := (&Global{Node: srv.URL, CAFile: ca}).client().Status(ctx)
	if err != nil || st.ChainID != "care-net" {
		t.Fatalf("with --ca-file: %+v %v", st, err)
	}
	_, err = (&Global{Node: srv.URL}).client().Status(ctx)
	if err == nil || !strings.Contains(unreachableError(srv.URL, err).Error(), "--ca-file") || ExitCode(err) != ExitUnreachable {
		t.Errorf("without --ca-file: %v, want an untrusted certificate, exit %d, and a hint at --ca-file", err, ExitUnreachable)
	}
	if _, err := (&Global{Node: srv.URL, CAFile: bad}).client().Status(ctx); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("with a bad --ca-file: %v", err)
	}
}
