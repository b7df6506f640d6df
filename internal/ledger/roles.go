package ledger

import (
	"errors"
	"fmt"
	"slices"
)

// Role is a role a member holds in its organisation. Identity keeps who
// holds which; every module checks roles by these constants, never by a
// spelled-out string (a test in this package fails on one).
type Role string

// Roles a member may hold.
const (
	RoleAdmin          Role = "admin"
	RolePhysician      Role = "physician"
	RoleNurse          Role = "nurse"
	RolePharmacist     Role = "pharmacist"
	RoleLabTechnician  Role = "lab-technician"
	RoleClaimsOfficer  Role = "claims-officer"
	RolePrivacyOfficer Role = "privacy-officer"
	RoleResearcher     Role = "researcher"
	RoleLogistics      Role = "logistics"
	RoleQuality        Role = "quality-officer"
	RoleRegistrar      Role = "registrar"
	RoleEpidemiologist Role = "epidemiologist"
	RoleAuditor        Role = "auditor"
	RoleSensor         Role = "sensor"
	// RoleCustodian is held by the system identity of a node that keeps an
	// organisation's encrypted records: it serves reads and writes their
	// access receipts.
	RoleCustodian Role = "custodian"
	// RoleEthicsReviewer is held by a member of an ethics board
	// (institutional review board): approves research studies.
	RoleEthicsReviewer Role = "ethics-reviewer"
)

// Roles lists every role, sorted.
var Roles = []Role{
	RoleAdmin, RoleAuditor, RoleClaimsOfficer, RoleCustodian, RoleEpidemiologist, RoleEthicsReviewer, RoleLabTechnician,
	RoleLogistics, RoleNurse, RolePharmacist, RolePhysician, RolePrivacyOfficer,
	RoleQuality, RoleRegistrar, RoleResearcher, RoleSensor,
}

// KnownRole reports whether r is one of Roles.
func KnownRole(r Role) bool { return slices.Contains(Roles, r) }

// ValidRoles checks a role list: known roles, no duplicates, at least one.
func ValidRoles(roles []Role) error {
	if len(roles) == 0 {
		return errors.New("roles: at least one role is required")
	}
	for i, r := range roles {
		if !KnownRole(r) {
			return fmt.Errorf("roles: unknown role %q (known: %v)", r, Roles)
		}
		if slices.Contains(roles[:i], r) {
			return fmt.Errorf("roles: %q given twice", r)
		}
	}
	return nil
}

// OrgKind is what an organisation does in the care network.
type OrgKind string

// Organisation kinds (docs/design.md §1).
const (
	OrgHospital     OrgKind = "hospital"
	OrgClinic       OrgKind = "clinic"
	OrgLab          OrgKind = "lab"
	OrgInsurer      OrgKind = "insurer"
	OrgManufacturer OrgKind = "manufacturer"
	OrgDistributor  OrgKind = "distributor"
	OrgPharmacy     OrgKind = "pharmacy"
	OrgBloodCentre  OrgKind = "blood-centre"
	OrgMedicalBoard OrgKind = "medical-board"
	OrgCharity      OrgKind = "charity"
	OrgPublicHealth OrgKind = "public-health-agency"
	OrgUniversity   OrgKind = "university"
	OrgRegulator    OrgKind = "regulator"
	OrgDeviceMaker  OrgKind = "device-maker"
	OrgConsortium   OrgKind = "consortium-operator"
)

// OrgKinds lists every organisation kind.
var OrgKinds = []OrgKind{
	OrgHospital, OrgClinic, OrgLab, OrgInsurer, OrgManufacturer, OrgDistributor, OrgPharmacy, OrgBloodCentre,
	OrgMedicalBoard, OrgCharity, OrgPublicHealth, OrgUniversity, OrgRegulator, OrgDeviceMaker, OrgConsortium,
}

// ValidOrgKind checks an organisation kind.
func ValidOrgKind(k OrgKind) error {
	if !slices.Contains(OrgKinds, k) {
		return fmt.Errorf("organisation kind %q is not one of %v", k, OrgKinds)
	}
	return nil
}

// Names returns typed names (roles, organisation kinds) as plain strings,
// for text and for CEL, which know no Go types.
func Names[S ~string](list []S) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}
