package research

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/medchain/medchain/internal/state"
)

// MaxList bounds what one query lists.
const MaxList = 1000

// idPatterns are the forms of the module's IDs: prefix and 24 lower-case
// hex digits.
var idPatterns = func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	for _, p := range []string{"st-", "en-", "rl-", "ax-", "rq-"} {
		m[p] = regexp.MustCompile("^" + p + "[0-9a-f]{24}$")
	}
	return m
}()

func validID(field, prefix, id string) error {
	if !idPatterns[prefix].MatchString(id) {
		return fmt.Errorf("%s: %s and 24 lower-case hex digits", field, prefix)
	}
	return nil
}

// ValidID checks an ID of the module by its prefix (st-, en-, rl-, ax-, rq-).
func ValidID(prefix, id string) error { return validID("id", prefix, id) }

// Study reads a study.
func (k *Keeper) Study(r state.Reader, id string) (Study, bool) { return studies.Get(r, id) }

// Studies lists studies in ID order, after an ID, paged.
func (k *Keeper) Studies(r state.Reader, after string, limit int) ([]Study, string) {
	return studies.Page(r, "", after, limit)
}

// Release reads a release manifest.
func (k *Keeper) Release(r state.Reader, id string) (Release, bool) { return releases.Get(r, id) }

// StudyReleases lists a study's releases in ID order.
func (k *Keeper) StudyReleases(r state.Reader, study string) []Release {
	return listed(r, relOfStudy, study, MaxList, func(id string) (Release, bool) { return releases.Get(r, id) })
}

// Accesses lists the access receipts of a release in ID order.
func (k *Keeper) Accesses(r state.Reader, release string) []Access {
	return listed(r, accOfRel, release, MaxList, func(id string) (Access, bool) { return accesses.Get(r, id) })
}

// Request reads a data request.
func (k *Keeper) Request(r state.Reader, id string) (Request, bool) { return requests.Get(r, id) }

// StudyRequests lists a study's data requests in ID order.
func (k *Keeper) StudyRequests(r state.Reader, study string) []Request {
	return listed(r, reqOfStudy, study, MaxList, func(id string) (Request, bool) { return requests.Get(r, id) })
}

// Enrolment reads an enrolment: callers check SeesEnrolment first.
func (k *Keeper) Enrolment(r state.Reader, id string) (Enrolment, bool) { return enrolments.Get(r, id) }

// PatientEnrolments lists a patient's enrolments, withdrawn ones too.
func (k *Keeper) PatientEnrolments(r state.Reader, patient string) []Enrolment {
	return listed(r, enrOfPt, patient, MaxList, func(id string) (Enrolment, bool) { return enrolments.Get(r, id) })
}

// Releasable lists the active enrolments of a study that let custodian
// release the patient's records (and, for a request, that it admitted):
// what a custodian's node builds a release from.
func (k *Keeper) Releasable(r state.Reader, study, custodian, request string) []Enrolment {
	var out []Enrolment
	enrOfStudy.Walk(r, func(id string) bool {
		e, ok := enrolments.Get(r, id)
		if ok && e.Active() && containsStr(e.Custodians, custodian) && (request == "" || admitted.Has(r, request, id)) {
			out = append(out, e)
		}
		return len(out) < MaxReleased
	}, study)
	return out
}

// Use is one use of a participant's data: a release that included them
// and every access to it.
type Use struct {
	Enrolment string   `json:"enrolment"`
	Release   Release  `json:"release"`
	Purpose   string   `json:"purpose"`
	Accesses  []Access `json:"accesses"`
}

// Uses lists every use of a patient's data: for each of their enrolments,
// each release that included them, what it was for and who accessed it.
func (k *Keeper) Uses(r state.Reader, patient string) []Use {
	out := []Use{}
	for _, e := range k.PatientEnrolments(r, patient) {
		usedIn.Walk(r, func(id string) bool {
			rl, ok := releases.Get(r, id)
			if !ok {
				return true
			}
			u := Use{Enrolment: e.ID, Release: rl, Accesses: k.Accesses(r, rl.ID)}
			if st, ok := studies.Get(r, rl.Study); ok {
				u.Purpose = st.Purpose
			}
			if rq, ok := requests.Get(r, rl.Request); ok && rl.Request != "" {
				u.Purpose = rq.Purpose
			}
			out = append(out, u)
			return len(out) < MaxList
		}, e.ID)
	}
	return out
}

// Balances lists what an account (a patient or an organisation) received
// from released escrows, by currency.
func (k *Keeper) Balances(r state.Reader, account string) []Balance {
	out := []Balance{}
	balances.Walk(r, account+"/", func(_ string, b Balance) bool {
		out = append(out, b)
		return len(out) < MaxList
	})
	return out
}

// listed reads what index x lists under parent, through get, up to limit.
func listed[V any](r state.Reader, x state.Index, parent string, limit int, get func(id string) (V, bool)) []V {
	out := []V{}
	x.Walk(r, func(id string) bool {
		if v, ok := get(id); ok {
			out = append(out, v)
		}
		return len(out) < limit
	}, parent)
	return out
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// account is the owner part of a balance key.
func account(key string) string { a, _, _ := strings.Cut(key, "/"); return a }
