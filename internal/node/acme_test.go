package node

import (
	"crypto/tls"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The ACME settings: exclusive with certificate files, host names only,
// an https directory, a cache under the home's data directory.
func TestACMEConfig(t *testing.T) {
	for name, c := range map[string]struct {
		edit func(*APIConfig)
		want string
	}{
		"with cert files": {func(c *APIConfig) {
			c.ACMEDomains, c.TLSCertFile, c.TLSKeyFile = []string{"records.example.org"}, "a.crt", "a.key"
		}, "exclude each other"},
		"email alone": {func(c *APIConfig) { c.ACMEEmail = "ops@example.org" }, "need acme_domains"},
		"ip address":  {func(c *APIConfig) { c.ACMEDomains = []string{"10.0.0.1"} }, "DNS host name"},
		"wildcard":    {func(c *APIConfig) { c.ACMEDomains = []string{"*.example.org"} }, "DNS host name"},
		"with port":   {func(c *APIConfig) { c.ACMEDomains = []string{"records.example.org:443"} }, "DNS host name"},
		"http directory": {func(c *APIConfig) {
			c.ACMEDomains, c.ACMEDirectoryURL = []string{"a.example.org"}, "http://ca.example.org/dir"
		}, "https://"},
	} {
		a := DefaultAppConfig().API
		c.edit(&a)
		if err := a.check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}

	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "config"), 0o755)
	os.WriteFile(filepath.Join(home, "config", appConfigFile), []byte("[api]\nacme_domains = [\"records.example.org\"]\nacme_email = \"ops@example.org\"\n"), 0o644)
	c, err := LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if !c.API.TLS() || !c.API.ACME() || c.API.ACMECacheDir != filepath.Join(home, "data", "acme") {
		t.Errorf("loaded %+v", c.API)
	}
}

// The server's TLS configuration answers the TLS-ALPN-01 challenge, refuses
// a handshake for a host name it was not given without asking the CA, and
// asks the configured CA (here one that fails) for a listed name.
func TestACMEHandshake(t *testing.T) {
	var asked atomic.Int32
	ca := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		// A client error: the ACME client does not retry it.
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer ca.Close()
	root := filepath.Join(t.TempDir(), "root.pem")
	os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Certificate().Raw}), 0o644)
	a := DefaultAppConfig().API
	a.ACMEDomains, a.ACMEDirectoryURL, a.ACMECacheDir, a.ACMERootFile = []string{"records.example.org"}, ca.URL+"/directory", t.TempDir(), root
	conf, err := apiTLS(a)
	if err != nil {
		t.Fatal(err)
	}
	if conf.GetCertificate == nil || !strings.Contains(strings.Join(conf.NextProtos, ","), "acme-tls/1") || conf.MinVersion != tls.VersionTLS12 {
		t.Fatalf("TLS config: GetCertificate set %v, NextProtos %v, MinVersion %x", conf.GetCertificate != nil, conf.NextProtos, conf.MinVersion)
	}

	handshake := func(name string) error {
		c, s := net.Pipe()
		defer c.Close()
		done := make(chan error, 1)
		go func() {
			defer s.Close()
			done <- tls.Server(s, conf).Handshake()
		}()
		tls.Client(c, &tls.Config{ServerName: name, InsecureSkipVerify: true}).Handshake()
		return <-done
	}
	if err := handshake("attacker.example.net"); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("unlisted host: err = %v, want a refusal", err)
	}
	if asked.Load() != 0 {
		t.Errorf("the CA was asked %d times for an unlisted host", asked.Load())
	}
	// A listed host: the manager asks the configured CA (trusted through
	// acme_root_file), which fails here, so the handshake fails.
	if err := handshake("records.example.org"); err == nil {
		t.Error("listed host: handshake succeeded with a failing CA")
	}
	if asked.Load() == 0 {
		t.Error("the configured CA was not asked for a listed host")
	}
}
