package api

// Hooks for the external tests (package api_test), which cannot be in this
// package because they use apitest, which imports it.

// Patterns lists the routed mux patterns.
func Patterns(s *Server) []string { return s.patterns() }

// OpenAPIPath turns a mux pattern's path into an OpenAPI path template.
func OpenAPIPath(p string) string { return openAPIPath(p) }

// PendingWaiters counts submissions waiting for a commit.
func PendingWaiters(s *Server) int { return s.waiters.Pending() }

// OpenAPIDocument is the embedded openapi.json.
func OpenAPIDocument() []byte { return openAPIDoc }

// RouteAccess maps each routed pattern to its access level: "open",
// "keyed" or "either".
func RouteAccess(s *Server) map[string]string {
	names := map[access]string{open: "open", keyed: "keyed", either: "either"}
	out := make(map[string]string, len(s.routes))
	for _, r := range s.routes {
		n, ok := names[r.access]
		if !ok {
			n = "unknown"
		}
		out[r.pattern] = n
	}
	return out
}

// ServeWithoutExamples makes the node serve the document without the
// recorded examples: a run that records new ones must not be judged by
// the old (examples_test.go).
func ServeWithoutExamples() { openAPIDoc = servedDocument(openAPIHand, openAPIMsgs, []byte("{}")) }
