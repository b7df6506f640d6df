package client_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
)

// The SDK works against an https node: with the node's CA as a custom root
// through WithHTTPClient, it reads and sends; without it, it refuses the
// certificate.
func TestHTTPS(t *testing.T) {
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	srv := httptest.NewUnstartedServer(h.API)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	srv.StartTLS()
	t.Cleanup(srv.Close)

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()}}
	hc.Transport.(*http.Transport).TLSClientConfig.RootCAs = pool
	c := client.New(srv.URL, client.WithHTTPClient(hc))
	ctx := context.Background()
	res, err := c.Send(ctx, signer("hospital-admin"), client.RegisterMember{Handle: "dr-tls", Roles: []string{"physician"}, PublicKey: signer("dr-tls").PublicKey()})
	if err != nil || !res.Committed() {
		t.Fatalf("send over https: %+v %v", res, err)
	}
	if st, err := c.Status(ctx); err != nil || st.ChainID != apitest.ChainID {
		t.Fatalf("status over https: %+v %v", st, err)
	}
	if _, err := client.New(srv.URL).Status(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("status without the CA: %v, want a certificate error", err)
	}
}

// A rate-limited request is an *Error with code api.rate_limited and the
// node's Retry-After.
func TestRateLimited(t *testing.T) {
	h, err := apitest.Start(apitest.Options{RateLimit: api.RateLimit{Rate: 0.01, Burst: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	c := client.New(h.URL)
	ctx := context.Background()
	if _, err := c.Status(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.Status(ctx)
	var e *client.Error
	if !client.IsCode(err, "api.rate_limited") || !errors.As(err, &e) || e.Status != 429 || e.RetryAfter < time.Second {
		t.Fatalf("second request: %v (%+v)", err, e)
	}
}
