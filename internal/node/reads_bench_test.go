package node

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
)

// BenchmarkRecordReads measures a whole record read on a `medchain dev`
// node, as a client sees it: sign the read request, POST it, the node
// checks consent, writes the access receipt and waits for it to commit,
// then returns the ciphertext and the key wrapped to the reader, which the
// client unwraps and decrypts. Readers (the patient and a physician of
// another organisation holding a grant) read 32 records concurrently.
// It reports reads/s and the p50/p99 latency; a read waits for the block
// holding its receipt, so latency follows the block interval (dev: 500 ms
// timeout_commit).
func BenchmarkRecordReads(b *testing.B) {
	_, c := startDev(b)
	ctx := context.Background()
	alice, grey, patel := demoSigner("alice"), demoSigner("dr-grey"), demoSigner("dr-patel")
	aliceID := demoPatient("alice")
	doc := readFile(b, "../fhirdoc/testdata/Observation-f001.json")
	recs := make([]string, 32)
	for i := range recs {
		up, err := c.AddRecord(ctx, grey, aliceID, "", doc)
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = up.Record
	}
	if _, err := c.Send(ctx, alice, client.GrantConsent{
		Grantee: client.Grantee{Org: "riverside-clinic"}, Purposes: []string{"treatment"}, Expires: time.Now().Add(24 * time.Hour)}); err != nil {
		b.Fatal(err)
	}
	for _, conc := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var (
				mu   sync.Mutex
				lat  []time.Duration
				next int
				errs []error
			)
			work := func() (int, bool) {
				mu.Lock()
				defer mu.Unlock()
				if next == b.N || len(errs) > 0 {
					return 0, false
				}
				next++
				return next - 1, true
			}
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range conc {
				wg.Go(func() {
					for {
						i, ok := work()
						if !ok {
							return
						}
						reader := alice
						if i%2 == 1 {
							reader = patel
						}
						t := time.Now()
						got, err := c.ReadRecord(ctx, reader, client.ReadRequest{Record: recs[i%len(recs)], Purpose: client.PurposeTreatment})
						d := time.Since(t)
						mu.Lock()
						if err == nil && !bytes.Equal(got.Document, doc) {
							err = fmt.Errorf("read %d: %d bytes back, want the %d stored", i, len(got.Document), len(doc))
						}
						if err != nil {
							errs = append(errs, err)
						}
						lat = append(lat, d)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if len(errs) > 0 {
				b.Fatal(errs[0])
			}
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reads/s")
			b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
		})
	}
}
