package node

import (
	"fmt"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
)

// DevChainID is the chain ID of `medchain dev` networks.
const DevChainID = "medchain-dev"

// Demo is the consortium `medchain dev` seeds: one organisation of each kind
// in docs/design.md §1, members with roles, and three patients. The hospital runs
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
		MemberSpec{Key: "ward-fridge-sensor", Handle: "ward-fridge-sensor", Kind: identity.Device, Roles: []ledger.Role{ledger.RoleSensor}},
		// Remote monitoring (docs/telemetry.md): alice's pulse oximeter and
		// home vital-signs hub.
		MemberSpec{Key: "pulse-ox-1", Handle: "pulse-ox-1", Kind: identity.Device, Roles: []ledger.Role{ledger.RoleSensor}},
		MemberSpec{Key: "vitals-hub-1", Handle: "vitals-hub-1", Kind: identity.Device, Roles: []ledger.Role{ledger.RoleSensor}})
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
	org("city-university", "City University", ledger.OrgUniversity, "university-admin",
		m("university-registrar", "registrar", ledger.RoleRegistrar))
	org("public-health", "Regional Public Health Agency", ledger.OrgPublicHealth, "health-agency-admin",
		m("epidemiologist", "epi", ledger.RoleEpidemiologist))
	// Research: a university's researcher and the chair of its ethics
	// board (institutional review board), who approves studies.
	org("city-research-institute", "City Research Institute", ledger.OrgUniversity, "research-admin",
		m("researcher", "dr-okafor", ledger.RoleResearcher),
		m("ethics-reviewer", "irb-chair", ledger.RoleEthicsReviewer))
	for _, org := range DemoCustodians {
		c.Members = append(c.Members, custodianMember(org, org+"-records-node"))
	}
	c.Patients = []string{"alice", "bob", "carol"}
	// The founders authorise the medical board and the university to issue
	// credentials (docs/credentials.md authorises St Mary's by proposal).
	c.Issuers = []credentials.Authorize{
		{Org: "state-medical-board", Types: []string{credentials.TypeMedicalLicence, credentials.TypeBoardCertification}},
		{Org: "city-university", Types: []string{credentials.TypeDegree, credentials.TypeCourseCertificate}},
	}
	return c
}

// DemoCustodians are the organisations whose records the dev node keeps:
// it holds their custodian identities. The first, the validator's
// organisation, is the node's own.
var DemoCustodians = []string{"st-marys-hospital", "riverside-clinic", "city-lab"}

// DemoValidatorOrg runs the dev network's validator.
const DemoValidatorOrg = "st-marys-hospital"

// DemoReporter is the key name of the demo member who reports the demo
// public-health figures: the public-health agency's epidemiologist.
const DemoReporter = "epidemiologist"

// DemoFigures are the public-health figures `medchain dev` reports on a
// new network (demo values, not real data): five days of hospitalised
// patients and ICU beds used in France and in two Canadian provinces, one
// of them small enough to be suppressed. The metrics are not those of the
// JHU series, so that medchain publichealth import-jhu runs on the same
// network.
func DemoFigures() client.ReportFigures {
	var rows []client.FigureRow
	add := func(region, metric string, values ...int64) {
		for i, v := range values {
			rows = append(rows, client.FigureRow{Region: region, Metric: metric, Date: fmt.Sprintf("2025-12-%02d", i+1), Value: v})
		}
	}
	add("FR", "hospitalised", 1210, 1264, 1301, 1287, 1342)
	add("FR", "icu-beds-used", 212, 219, 231, 228, 240)
	add("CA/ontario", "hospitalised", 310, 322, 335, 331, 348)
	add("CA/ontario", "icu-beds-used", 41, 44, 47, 45, 49)
	add("CA/yukon", "hospitalised", 2, 3, 3, 4, 3)
	return client.ReportFigures{Rows: rows}
}

// DemoCorrection corrects one of DemoFigures, so that the demo shows a
// figure's history.
func DemoCorrection() client.CorrectFigures {
	return client.CorrectFigures{Corrections: []client.FigureCorrection{{
		FigureRow: client.FigureRow{Region: "FR", Metric: "hospitalised", Date: "2025-12-04", Value: 1317}, Reason: "late-reports"}}}
}
