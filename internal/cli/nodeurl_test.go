package cli

import (
	"strings"
	"testing"
)

// --node takes a URL or a bare host:port; anything else is refused with
// the forms it takes.
func TestNodeURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080":                   "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":           "http://127.0.0.1:8080",
		"https://records.example.org":      "https://records.example.org",
		"https://gw.example.org/medchain/": "https://gw.example.org/medchain",
		"localhost:8080":                   "http://localhost:8080",
		"[::1]:8080":                       "http://[::1]:8080",
	} {
		if got, err := nodeURL(in); err != nil || got != want {
			t.Errorf("nodeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"ftp://x":              "scheme must be http or https",
		"http://":              "give the node's API as",
		"http://a:1/?x=1":      "only the scheme, host and port",
		"http://u:p@host:8080": "only the scheme, host and port",
	} {
		if _, err := nodeURL(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("nodeURL(%q): err = %v, want %q", in, err, why)
		}
	}
}
