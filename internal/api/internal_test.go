package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

func TestEveryChainKindHasAStatus(t *testing.T) {
	for _, c := range chain.Codes() {
		s, ok := statusOfKind[c.Kind]
		if !ok {
			t.Errorf("code %s has kind %q, which the status table lacks", c.ID(), c.Kind)
			continue
		}
		if s < 400 || s > 599 {
			t.Errorf("kind %q maps to non-error status %d", c.Kind, s)
		}
	}
}

func TestProblemOf(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{"module not found", errors.Join(governance.ErrNotFound), http.StatusNotFound, "governance.not_found"},
		{"identity not found", identity.ErrNotFound, http.StatusNotFound, "identity.not_found"},
		{"bad param", badParam("limit", "bad"), http.StatusBadRequest, codeInvalidParameter},
		{"tx refused at check", &txError{code: chain.CodeOf(identity.ErrKeyRevoked), log: "revoked", hash: "AB"}, http.StatusUnauthorized, "identity.key_revoked"},
		{"tx failed in block", &txError{code: chain.CodeOf(identity.ErrExists), log: "exists", hash: "AB", height: 7}, http.StatusConflict, "identity.exists"},
		{"unknown abci code", &txError{code: codeOfABCI("future", 42)}, http.StatusInternalServerError, "future.code_42"},
		{"precondition", identity.ErrLastKey, http.StatusConflict, "identity.last_key"},
		{"unexpected", errors.New("disk on fire"), http.StatusInternalServerError, "chain.internal"},
		{"unavailable", unavailable(codeNodeUnavailable, errors.New("down")), http.StatusServiceUnavailable, codeNodeUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := problemOf(c.err)
			if p.Status != c.wantStatus || p.Code != c.wantCode {
				t.Fatalf("got %d %s, want %d %s", p.Status, p.Code, c.wantStatus, c.wantCode)
			}
			if p.Type != "urn:medchain:problem:"+c.wantCode || p.Title == "" {
				t.Fatalf("type %q title %q", p.Type, p.Title)
			}
		})
	}
	// Internal errors do not leak their text.
	if p := problemOf(errors.New("secret path /var/lib/x")); bytes.Contains([]byte(p.Detail), []byte("secret")) {
		t.Fatalf("internal detail leaked: %q", p.Detail)
	}
	if got := titleOf("identity.key_revoked"); got != "Key revoked" {
		t.Fatalf("title %q", got)
	}
}

// The proof keys the API spells out must be the modules' registered prefixes.
func TestProofKeyPrefixesAreTheModules(t *testing.T) {
	want := [][2]string{
		{orgKeyPrefix, governance.Name},
		{memberKeyPrefix, identity.Name},
		{patientKeyPrefix, identity.Name},
	}
	have := state.Prefixes()
	for _, w := range want {
		if !slices.Contains(have, w) {
			t.Errorf("prefix %q is not registered to %s; registered: %v", w[0], w[1], have)
		}
	}
}

func TestDecodeSubmitBody(t *testing.T) {
	raw := []byte{tx.Version, 1, 2, 3}
	b64 := base64.StdEncoding.EncodeToString(raw)
	cases := []struct {
		name, ct, body string
		wantCode       string
		wantField      string
	}{
		{"json", "application/json", `{"tx":"` + b64 + `"}`, "", ""},
		{"json charset", "application/json; charset=utf-8", `{"tx":"` + b64 + `"}`, "", ""},
		{"octet-stream", "application/octet-stream", string(raw), "", ""},
		{"no content type", "", `{"tx":"` + b64 + `"}`, codeUnsupportedMedia, "Content-Type"},
		{"form", "application/x-www-form-urlencoded", "tx=1", codeUnsupportedMedia, "Content-Type"},
		{"bad json", "application/json", `{"tx":`, codeInvalidBody, ""},
		{"not an object", "application/json", `"abc"`, codeInvalidBody, ""},
		{"unknown field", "application/json", `{"tx":"` + b64 + `","wait":"sync"}`, codeInvalidBody, ""},
		{"trailing data", "application/json", `{"tx":"` + b64 + `"} {}`, codeInvalidBody, ""},
		{"missing tx", "application/json", `{}`, codeInvalidBody, "tx"},
		{"bad base64", "application/json", `{"tx":"***"}`, codeInvalidBody, "tx"},
		{"url-safe base64", "application/json", `{"tx":"-_-_"}`, codeInvalidBody, "tx"},
		{"empty octets", "application/octet-stream", "", codeInvalidBody, "tx"},
		{"too large", "application/octet-stream", string(make([]byte, tx.MaxSize+1)), codeBodyTooLarge, "tx"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeSubmitBody(c.ct, []byte(c.body))
			if c.wantCode == "" {
				if err != nil || !bytes.Equal(got, raw) {
					t.Fatalf("got %x, %v", got, err)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.code != c.wantCode || ae.field != c.wantField {
				t.Fatalf("err %v (%+v), want code %s field %q", err, ae, c.wantCode, c.wantField)
			}
		})
	}
}

func FuzzSubmitBody(f *testing.F) {
	f.Add("application/json", []byte(`{"tx":"AQID"}`))
	f.Add("application/json", []byte(`{"tx":""}`))
	f.Add("application/json; charset=utf-8", []byte(`{"tx":"AQID"} `))
	f.Add("application/octet-stream", []byte{1, 2, 3})
	f.Add("text/plain", []byte("hello"))
	f.Add("application/json", []byte(`{"tx":"AQID","x":1}`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		raw, err := decodeSubmitBody(ct, body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.code == "" || statusOf(ae.kind) < 400 {
				t.Fatalf("error without a code or 4xx kind: %v", err)
			}
			if p := problemOf(err); p.Status >= 500 {
				t.Fatalf("malformed body gave a server error: %+v", p)
			}
			return
		}
		if len(raw) == 0 || len(raw) > tx.MaxSize {
			t.Fatalf("accepted %d bytes", len(raw))
		}
		// A JSON body that decodes re-encodes to the same transaction.
		if json.Valid(body) {
			again, err := decodeSubmitBody("application/json", []byte(`{"tx":"`+base64.StdEncoding.EncodeToString(raw)+`"}`))
			if err != nil || !bytes.Equal(again, raw) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

// TestBodyErrorsSpeakJSON: a body that does not decode is explained in the
// body's own JSON terms (the field as written, the kind of value), never in
// Go's ("Go struct field signedRequest.request of type string").
func TestBodyErrorsSpeakJSON(t *testing.T) {
	cases := []struct {
		body, field, detail string
	}{
		{`{"request": 5}`, "request", `request body field "request": want a string, got a number`},
		{`{"request": "AQID", "name": "x"}`, "", `request body: unknown field "name" (expected {"request": "<base64>"})`},
		{`{"request": `, "", `request body: invalid JSON: unexpected end of input (expected {"request": "<base64>"})`},
		{`{"request": x}`, "", `request body: invalid JSON at byte 13: invalid character 'x' looking for beginning of value (expected {"request": "<base64>"})`},
		{`["AQID"]`, "", `request body: want an object, got an array (expected {"request": "<base64>"})`},
		{`{"request": "A*ID"}`, "request", `request body field "request": want standard base64, bad character at position 1 of the string`},
		{"{\"request\": \"\xff\"}", "", `request body: invalid text at byte 13: not valid UTF-8 (expected {"request": "<base64>"})`},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/v1/records/reads", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		_, err := readSigned(httptest.NewRecorder(), r, 1<<10)
		p := problemOf(err)
		if p.Code != codeInvalidBody || p.Field != c.field || p.Detail != c.detail {
			t.Errorf("%s:\n got %s field %q %q\nwant %s field %q %q", c.body, p.Code, p.Field, p.Detail, codeInvalidBody, c.field, c.detail)
		}
		for _, goWord := range []string{"Go ", "json:", "signedRequest", "illegal base64"} {
			if strings.Contains(p.Detail, goWord) {
				t.Errorf("%s: %q speaks Go (%q)", c.body, p.Detail, goWord)
			}
		}
	}
	_, err := decodeSubmitBody("application/json", []byte(`{"tx": ["AQID"]}`))
	if p := problemOf(err); p.Field != "tx" || p.Detail != `request body field "tx": want a string, got an array` {
		t.Errorf("submit body: got field %q %q", p.Field, p.Detail)
	}
}

// Each client address has its own bucket, refilled at the rate; the table
// of addresses stays bounded.
func TestLimiterPerClient(t *testing.T) {
	l := newLimiter(RateLimit{Rate: 1, Burst: 2})
	now := time.Unix(1_000_000, 0)
	req := func(addr string) *http.Request {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.RemoteAddr = addr
		return r
	}
	for i := range 2 {
		if ok, _ := l.allow(req("10.0.0.1:5000"), now); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if ok, wait := l.allow(req("10.0.0.1:5001"), now); ok || wait != time.Second {
		t.Fatalf("third request: allowed %v, wait %s; want refused, 1s", ok, wait)
	}
	if ok, _ := l.allow(req("10.0.0.2:5000"), now); !ok {
		t.Fatal("another client was refused")
	}
	if ok, _ := l.allow(req("10.0.0.1:5000"), now.Add(time.Second)); !ok {
		t.Fatal("a token a second later was refused")
	}
	for i := range maxTrackedClients + 10 {
		l.allow(req(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)), now.Add(2*time.Second))
	}
	if n := len(l.clients); n > maxTrackedClients {
		t.Fatalf("%d clients tracked, bound %d", n, maxTrackedClients)
	}
}

func TestUnreadable(t *testing.T) {
	if p := problemOf(unreadable(&http.MaxBytesError{Limit: 10})); p.Code != codeBodyTooLarge || p.Status != 413 {
		t.Errorf("too large: %+v", p)
	}
	if p := problemOf(unreadable(io.ErrUnexpectedEOF)); p.Code != codeInvalidBody || strings.Contains(p.Detail, "EOF") {
		t.Errorf("cut short: %+v", p)
	}
}

// A flood of 503 answers (a node catching up) logs one warning a second
// with the count held back, never an error line per request; a 500 is
// still an error.
func TestUnavailableIsLoggedOnceASecond(t *testing.T) {
	var buf strings.Builder
	s := &Server{log: slog.New(slog.NewTextHandler(&buf, nil))}
	r := httptest.NewRequest(http.MethodPost, "/v1/txs", nil)
	for range 1000 {
		s.writeProblem(httptest.NewRecorder(), r, unavailable(codeMempoolFull, errors.New("mempool is full")))
	}
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 1 || !strings.Contains(out, "level=WARN") || strings.Contains(out, "level=ERROR") {
		t.Fatalf("1000 answers 503 logged %d lines:\n%s", n, out)
	}
	s.unavailable.last = time.Time{} // a second later
	s.writeProblem(httptest.NewRecorder(), r, unavailable(codeMempoolFull, errors.New("mempool is full")))
	if !strings.Contains(buf.String(), "suppressed=999") {
		t.Errorf("the next warning does not count the 999 held back:\n%s", buf.String())
	}
	buf.Reset()
	s.writeProblem(httptest.NewRecorder(), r, errors.New("disk on fire"))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("an internal error is not an error:\n%s", buf.String())
	}
}
