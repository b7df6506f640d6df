package node

import (
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
)

// DevChainID is the chain ID of `medchain dev` networks.
const DevChainID = "medchain-dev"

// Demo is the consortium `medchain dev` seeds: one organisation of each kind
// in DESIGN.md §1, members with roles, and three patients. The hospital runs
// the single validator.
func Demo() Consortium {
	c := Consortium{ChainID: DevChainID}
	org := func(id, name string, kind governance.OrgKind, adminKey string, members ...MemberSpec) {
		c.Orgs = append(c.Orgs, OrgSpec{ID: id, Name: name, Kind: kind})
		c.Members = append(c.Members, MemberSpec{Key: adminKey, Org: id, Handle: "admin", Kind: identity.Person, Roles: []string{identity.RoleAdmin}})
		for _, m := range members {
			m.Org = id
			if m.Kind == "" {
				m.Kind = identity.Person
			}
			c.Members = append(c.Members, m)
		}
	}
	m := func(key, handle string, roles ...string) MemberSpec {
		return MemberSpec{Key: key, Handle: handle, Roles: roles}
	}
	org("st-marys-hospital", "St Mary's Hospital", governance.Hospital, "hospital-admin",
		m("dr-grey", "dr-grey", identity.RolePhysician),
		m("nurse-joy", "nurse-joy", identity.RoleNurse),
		m("hospital-privacy", "privacy-office", identity.RolePrivacyOfficer),
		m("hospital-pharmacist", "pharmacy", identity.RolePharmacist, identity.RoleLogistics),
		MemberSpec{Key: "ward-fridge-sensor", Handle: "ward-fridge-sensor", Kind: identity.Device, Roles: []string{identity.RoleSensor}})
	org("riverside-clinic", "Riverside Family Clinic", governance.Clinic, "clinic-admin",
		m("dr-patel", "dr-patel", identity.RolePhysician))
	org("city-lab", "City Diagnostics Lab", governance.Lab, "lab-admin",
		m("lab-tech", "lab-tech", identity.RoleLabTechnician))
	org("acme-health", "Acme Health Insurance", governance.Insurer, "insurer-admin",
		m("claims-officer", "claims", identity.RoleClaimsOfficer))
	org("pharmaco", "PharmaCo Manufacturing", governance.Manufacturer, "manufacturer-admin",
		m("pharmaco-quality", "quality", identity.RoleQuality, identity.RoleLogistics))
	org("medsupply", "MedSupply Distribution", governance.Distributor, "distributor-admin",
		m("medsupply-logistics", "logistics", identity.RoleLogistics),
		m("medsupply-quality", "quality", identity.RoleQuality),
		MemberSpec{Key: "truck-sensor", Handle: "truck-7-sensor", Kind: identity.Device, Roles: []string{identity.RoleSensor}})
	org("corner-pharmacy", "Corner Pharmacy", governance.Pharmacy, "pharmacy-admin",
		m("pharmacist-lee", "lee", identity.RolePharmacist))
	org("regional-blood", "Regional Blood and Plasma Centre", governance.BloodCentre, "blood-admin",
		m("blood-tech", "tech", identity.RoleLabTechnician, identity.RoleLogistics),
		m("blood-nurse", "donor-nurse", identity.RoleNurse))
	org("state-medical-board", "State Medical Board", governance.MedicalBoard, "board-admin",
		m("board-registrar", "registrar", identity.RoleRegistrar))
	org("care-for-all", "Care For All Foundation", governance.Charity, "charity-admin")
	org("public-health", "Regional Public Health Agency", governance.PublicHealth, "health-agency-admin",
		m("epidemiologist", "epi", identity.RoleEpidemiologist))
	for _, org := range DemoCustodians {
		c.Members = append(c.Members, custodianMember(org, org+"-records-node"))
	}
	c.Patients = []string{"alice", "bob", "carol"}
	return c
}

// DemoCustodians are the organisations whose records the dev node keeps:
// it holds their custodian identities. The first, the validator's
// organisation, is the node's own.
var DemoCustodians = []string{"st-marys-hospital", "riverside-clinic", "city-lab"}

// DemoValidatorOrg runs the dev network's validator.
const DemoValidatorOrg = "st-marys-hospital"
