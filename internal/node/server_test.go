package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
)

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files into dir and returns the certificate.
func writeTestCert(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "medchain test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "api.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestServerLimitsAndTLS starts a dev node whose API serves HTTPS with
// short timeouts and a small connection cap, and checks each from a
// client's side: the SDK works over https with the node's CA, plain HTTP
// and TLS 1.1 are refused, a slow body and an idle connection are cut, and
// connections past the cap wait.
func TestServerLimitsAndTLS(t *testing.T) {
	base := freeBase(t, 2)
	home := t.TempDir()
	if _, err := InitDev(home, fmt.Sprintf("127.0.0.1:%d", base+5), Ports{P2P: base, RPC: base + 1}); err != nil {
		t.Fatal(err)
	}
	cert := writeTestCert(t, filepath.Join(home, "config"))
	cfg, err := LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	const maxConns = 4
	cfg.API.TLSCertFile, cfg.API.TLSKeyFile = "api.crt", "api.key" // relative to config/
	cfg.API.ReadHeaderTimeout = Duration{2 * time.Second}
	cfg.API.ReadTimeout = Duration{2 * time.Second}
	cfg.API.IdleTimeout = Duration{time.Second}
	cfg.API.MaxConnections = maxConns
	if err := WriteAppConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	n, err := Start(context.Background(), home, Options{LogOutput: logWriter{t}, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if warn.Len() > 0 {
		t.Errorf("HTTPS on loopback warned: %s", warn.String())
	}
	url := n.APIURL()
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("APIURL = %s, want https", url)
	}
	addr := strings.TrimPrefix(url, "https://")
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	tlsConf := &tls.Config{RootCAs: pool}

	// The SDK, given the CA, speaks to the node over https.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf, DisableKeepAlives: true}, Timeout: 10 * time.Second}
	waitFor(t, "readiness", 30*time.Second, func() bool { return n.ready(context.Background()) == nil })
	st, err := client.New(url, client.WithHTTPClient(hc)).Status(context.Background())
	if err != nil || st.ChainID != DevChainID {
		t.Fatalf("Status over https: %+v, %v", st, err)
	}
	// Without the CA the certificate is not trusted.
	if _, err := client.New(url).Status(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Status without the CA: %v, want a certificate error", err)
	}
	// Plain HTTP to the HTTPS port gets no API answer.
	if resp, err := http.Get("http://" + addr + "/v1/status"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP to the HTTPS port answered 200")
		}
	}
	// TLS 1.1 is refused.
	if c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}); err == nil {
		c.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}

	// A body that never comes is cut off after read_timeout, not kept.
	slow, err := tls.Dial("tcp", addr, tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(slow, "POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n{")
	if d := closedWithin(t, slow, 15*time.Second); d < time.Second {
		t.Errorf("slow body: connection ended after %s, before read_timeout", d)
	}

	// An idle kept-alive connection is closed after idle_timeout.
	idle, err := tls.Dial("tcp", addr, tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on a kept-alive connection: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	closedWithin(t, idle, 15*time.Second)

	// Past max_connections, a new connection waits until one closes.
	var held []net.Conn
	for range maxConns {
		c, err := net.Dial("tcp", addr) // accepted, no TLS handshake yet
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	time.Sleep(200 * time.Millisecond) // let the server accept them
	quick := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf, DisableKeepAlives: true}, Timeout: 500 * time.Millisecond}
	if resp, err := quick.Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("with %d connections open, another was served (max_connections %d)", maxConns, maxConns)
	}
	for _, c := range held {
		c.Close()
	}
	waitFor(t, "a connection slot", 10*time.Second, func() bool {
		resp, err := quick.Get(url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// closedWithin reads c until the server closes it (or answers and then
// closes it) and returns how long that took; it fails the test if c is
// still open after limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	defer c.Close()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if err != nil && (os.IsTimeout(err) || (errorAs(err, &ne) && ne.Timeout())) {
		t.Fatalf("connection still open after %s", limit)
	}
	return time.Since(start)
}

func errorAs(err error, target *net.Error) bool {
	ne, ok := err.(net.Error)
	if ok {
		*target = ne
	}
	return ok
}

func TestPlainHTTPWarning(t *testing.T) {
	for _, c := range []struct {
		addr string
		warn bool
	}{
		{"127.0.0.1:8080", false},
		{"[::1]:8080", false},
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"10.1.2.3:8080", true},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		msg := plainHTTPWarning(a)
		if (msg != "") != c.warn || (c.warn && !strings.Contains(msg, "tls_cert_file")) {
			t.Errorf("%s: warning %q, want one: %v", c.addr, msg, c.warn)
		}
	}
}

// A certificate that cannot be read stops the node before it starts.
func TestBadCertificateStopsStart(t *testing.T) {
	base := freeBase(t, 2)
	home := t.TempDir()
	if _, err := InitDev(home, fmt.Sprintf("127.0.0.1:%d", base+5), Ports{P2P: base, RPC: base + 1}); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.TLSCertFile, cfg.API.TLSKeyFile = "missing.crt", "missing.key"
	if err := WriteAppConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	n, err := Start(context.Background(), home, Options{LogOutput: logWriter{t}})
	if err == nil {
		n.Stop()
		t.Fatal("a node with a missing certificate started")
	}
	if !strings.Contains(err.Error(), "tls_cert_file") || !strings.Contains(err.Error(), filepath.Join(home, "config", "missing.crt")) {
		t.Errorf("error %q does not name the setting and the file", err)
	}
}

func TestAPIConfig(t *testing.T) {
	d := DefaultAppConfig().API
	if err := d.check(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if d.WriteTimeout.Duration <= d.CommitTimeout.Duration || d.ReadTimeout.Duration == 0 || d.IdleTimeout.Duration == 0 ||
		d.MaxConnections == 0 || d.MaxConnectionsPerClient == 0 || d.MaxConnectionsPerClient > d.MaxConnections || d.RateLimit == 0 || d.MaxHeaderBytes == 0 || d.TLS() {
		t.Fatalf("defaults: %+v", d)
	}
	for name, edit := range map[string]func(*APIConfig){
		"cert without key":      func(c *APIConfig) { c.TLSCertFile = "a.crt" },
		"write before commit":   func(c *APIConfig) { c.WriteTimeout = Duration{10 * time.Second} },
		"negative rate":         func(c *APIConfig) { c.RateLimit = -1 },
		"negative read timeout": func(c *APIConfig) { c.ReadTimeout = Duration{-time.Second} },
		"negative connections":  func(c *APIConfig) { c.MaxConnections = -1 },
	} {
		c := DefaultAppConfig().API
		edit(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}

	// A medchain.toml written before these settings existed gets the
	// defaults; one with a bad setting does not load.
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "config"), 0o755)
	path := filepath.Join(home, "config", appConfigFile)
	os.WriteFile(path, []byte("[api]\nlisten = \"127.0.0.1:9999\"\ncommit_timeout = \"15s\"\n"), 0o644)
	c, err := LoadAppConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.API.Listen != "127.0.0.1:9999" || c.API.ReadTimeout != d.ReadTimeout || c.API.RateLimit != d.RateLimit {
		t.Errorf("old config loaded as %+v", c.API)
	}
	os.WriteFile(path, []byte("[api]\ncommit_timeout = \"90s\"\n"), 0o644)
	if _, err := LoadAppConfig(home); err == nil || !strings.Contains(err.Error(), "write_timeout") {
		t.Errorf("commit_timeout past write_timeout: %v", err)
	}
}

// Past its cap, a client's new connection is closed at once; another
// client is not affected, and a closed connection frees its slot.
func TestPerClientListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newPerClientListener(inner, 2)
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := dial(), dial()
	defer a.Close()
	defer b.Close()
	first := <-accepted
	second := <-accepted
	defer second.Close()
	over := dial()
	defer over.Close()
	over.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := over.Read(make([]byte, 1)); err != io.EOF && !strings.Contains(fmt.Sprint(err), "reset") {
		t.Fatalf("third connection of one client: read %v, want it closed", err)
	}
	select {
	case c := <-accepted:
		t.Fatalf("third connection accepted: %v", c.RemoteAddr())
	default:
	}
	// The server closing one (as the HTTP server does) frees a slot, once
	// however often it is closed.
	first.Close()
	first.Close()
	again := dial()
	defer again.Close()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("a connection after one closed was not accepted")
	}
	l.mu.Lock()
	n := l.open["127.0.0.1"]
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d connections counted, want 1 (the second)", n)
	}
}
