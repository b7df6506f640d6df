package cli

import (
	"context"
	"fmt"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
)

// seedPortalRead gives alice's access log in the portal (/portal,
// docs/portal.md) a read to show: Dr Grey reads her lab result (record,
// an Observation that City Diagnostics Lab keeps) for treatment, under the
// grant of her Observations to St Mary's that the telemetry demo made.
func seedPortalRead(ctx context.Context, c *client.Client, ks *keystore.Store, record string) error {
	s, err := demoKeys{c: c, ks: ks}.signer("dr-grey")
	if err != nil {
		return err
	}
	if _, err := c.ReadRecord(ctx, s, client.ReadRequest{Record: record, Purpose: client.PurposeTreatment}); err != nil {
		return fmt.Errorf("dr-grey's read of alice's lab result: %w", err)
	}
	return nil
}
