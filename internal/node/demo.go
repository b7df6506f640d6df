package node

import (
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
)

// DevChainID is the chain ID of `medchain dev` networks.
const DevChainID = "medchain-dev"

// Demo is the consortium `medchain dev` seeds: one organisation of each kind
// in DESIGN.md §1, members with roles, and three patients. The hospital runs
// the single validator.
func Demo() Consortium {
	c := Consortium{ChainID: DevChainID}
	org := func(id, name string, kind ledger.OrgKind, adminKey string, members ...MemberSpec) {
		c.Orgs = append(c.Orgs, OrgSpec{ID: id, Name: name, Kind: kind})
		c.Members = append(c.Members, MemberSpec{Key: adminKey, Org: id, Handle: "admin", Kind: identity.Person, Roles: []ledger.Role{ledger.RoleAdmin}})
		for _, m := range members {
			m.Org = id
			if m.Kind == "" {
				m.Kind = identity.Person
			}
			c.Members = append(c.Members, m)
		}
	}
	m := func(key, handle string, roles ...ledger.Role) MemberSpec {
		return MemberSpec{Key: key, Handle: handle, Roles: roles}
	}
	org("st-marys-hospital", "St Mary's Hospital", ledger.OrgHospital, "hospital-admin",
		m("dr-grey", "dr-grey", ledger.RolePhysician),
		m("nurse-joy", "nurse-joy", ledger.RoleNurse),
		m("hospital-privacy", "privacy-office", ledger.RolePrivacyOfficer),
		m("hospital-pharmacist", "pharmacy", ledger.RolePharmacist, ledger.RoleLogistics),
		MemberSpec{Key: "ward-fridge-sensor", Handle: "ward-fridge-sensor", Kind: identity.Device, Roles: []ledger.Role{ledger.RoleSensor}})
	org("riverside-clinic", "Riverside Family Clinic", ledger.OrgClinic, "clinic-admin",
		m("dr-patel", "dr-patel", ledger.RolePhysician),
		m("clinic-privacy", "privacy-office", ledger.RolePrivacyOfficer))
	org("city-lab", "City Diagnostics Lab", ledger.OrgLab, "lab-admin",
		m("lab-tech", "lab-tech", ledger.RoleLabTechnician))
	org("acme-health", "Acme Health Insurance", ledger.OrgInsurer, "insurer-admin",
		m("claims-officer", "claims", ledger.RoleClaimsOfficer))
	org("pharmaco", "PharmaCo Manufacturing", ledger.OrgManufacturer, "manufacturer-admin",
		m("pharmaco-quality", "quality", ledger.RoleQuality, ledger.RoleLogistics))
	org("medsupply", "MedSupply Distribution", ledger.OrgDistributor, "distributor-admin",
		m("medsupply-logistics", "logistics", ledger.RoleLogistics),
		m("medsupply-quality", "quality", ledger.RoleQuality),
		MemberSpec{Key: "truck-sensor", Handle: "truck-7-sensor", Kind: identity.Device, Roles: []ledger.Role{ledger.RoleSensor}})
	org("corner-pharmacy", "Corner Pharmacy", ledger.OrgPharmacy, "pharmacy-admin",
		m("pharmacist-lee", "lee", ledger.RolePharmacist))
	org("regional-blood", "Regional Blood and Plasma Centre", ledger.OrgBloodCentre, "blood-admin",
		m("blood-tech", "tech", ledger.RoleLabTechnician, ledger.RoleLogistics),
		m("blood-nurse", "donor-nurse", ledger.RoleNurse))
	org("state-medical-board", "State Medical Board", ledger.OrgMedicalBoard, "board-admin",
		m("board-registrar", "registrar", ledger.RoleRegistrar))
	org("care-for-all", "Care For All Foundation", ledger.OrgCharity, "charity-admin")
	org("public-health", "Regional Public Health Agency", ledger.OrgPublicHealth, "health-agency-admin",
		m("epidemiologist", "epi", ledger.RoleEpidemiologist))
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
