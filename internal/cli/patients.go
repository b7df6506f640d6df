package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// Patients: self-registration under a pseudonymous ID, and look-up.

func newPatientsCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "patients",
		Short: "Register as a patient and look patients up",
		Long: `Patients register themselves: the signing key becomes the patient's key, and the
patient's ID (pt-...) is derived from it. Nothing personal (no name, no birth date,
no address, no identifier) is sent to the ledger.`,
	}
	cmd.AddCommand(newPatientsRegisterCmd(g),
		newIdentityShowCmd(g, "show PATIENT-ID|NAME [--as NAME]", "Show a patient's pseudonymous record and keys"))
	return cmd
}

type patientsRegisterOptions struct{ g *Global }

func newPatientsRegisterCmd(g *Global) *cobra.Command {
	o := &patientsRegisterOptions{g: g}
	return &cobra.Command{
		Use:   "register --as NAME",
		Short: "Register the --as key as a new patient",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
}

func (o *patientsRegisterOptions) run(ctx context.Context) error {
	g := o.g
	res, err := sendMsg(ctx, g, client.RegisterPatient{})
	if err != nil {
		return err
	}
	var c client.Created
	res.Decode(&c)
	noteIdentity(g, g.As, c.ID)
	return printTx(g, res, "registered patient "+c.ID)
}
