package epcisrepo

import "encoding/json"

// SendPending seals events as a chunk of job for org, pending, as a
// capture does just before it sends them, and returns its blob: what a
// stop between sending and committing leaves.
func SendPending(r *Repository, org, job string, events []json.RawMessage, hashes []string) (string, error) {
	c := r.orgs[org]
	blob, err := r.sealChunk(c, events)
	if err != nil {
		return "", err
	}
	return blob, r.writeChunk(&chunk{Blob: blob, Org: org, Job: job, Hashes: hashes, Pending: true})
}
