package pools

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
)

// Category is an ICD-10-CM category (the three-character code that heads
// a group of diagnosis codes) a pool may cover. The titles are reference
// text for people reading the list; only the codes are written, and only
// in a pool's terms.
type Category struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// Categories are the conditions a pool may cover: serious illnesses of the
// kind mutual-aid pools pay for (cancers, heart attack, stroke, organ
// failure, ...), sorted by code. A fixed list, so that a pool's terms are
// comparable and never free text.
var Categories = []Category{
	{"C18", "Malignant neoplasm of colon"},
	{"C34", "Malignant neoplasm of bronchus and lung"},
	{"C50", "Malignant neoplasm of breast"},
	{"C61", "Malignant neoplasm of prostate"},
	{"C71", "Malignant neoplasm of brain"},
	{"C91", "Lymphoid leukemia"},
	{"C92", "Myeloid leukemia"},
	{"D61", "Other aplastic anemias and other bone marrow failure syndromes"},
	{"E84", "Cystic fibrosis"},
	{"G12", "Spinal muscular atrophy and related syndromes"},
	{"G35", "Multiple sclerosis"},
	{"I21", "Acute myocardial infarction"},
	{"I61", "Nontraumatic intracerebral hemorrhage"},
	{"I63", "Cerebral infarction"},
	{"K72", "Hepatic failure, not elsewhere classified"},
	{"N18", "Chronic kidney disease (CKD)"},
	{"T31", "Burns classified according to extent of body surface involved"},
}

// categoryPattern is the form of an ICD-10-CM category: a letter, a digit
// and a digit or letter (C4A exists).
var categoryPattern = regexp.MustCompile(`^[A-Z][0-9][0-9A-Z]$`)

// ValidCategory checks that code is an ICD-10-CM category of the list.
func ValidCategory(code string) error {
	if !categoryPattern.MatchString(code) {
		return fmt.Errorf("%q is not an ICD-10-CM category (a capital letter, a digit and a digit or letter, such as C50)", code)
	}
	if !slices.ContainsFunc(Categories, func(c Category) bool { return c.Code == code }) {
		return fmt.Errorf("%s is not one of the categories a pool may cover (%v)", code, categoryCodes())
	}
	return nil
}

func categoryCodes() []string {
	out := make([]string, len(Categories))
	for i, c := range Categories {
		out[i] = c.Code
	}
	return out
}

// SaltSize is the size of a commitment's salt in bytes (hex-encoded, twice
// as many digits).
const SaltSize = 32

// ConditionCommitment is what an aid claim records instead of its
// condition: the hex SHA-256 of "medchain/pools/condition/v1", the pool
// ID, the category and the hex salt, separated by zero bytes. The
// claimant keeps the category and the salt (the opening) and gives them to
// the reviewers with the evidence; with 32 random bytes of salt nobody
// else can tell which of the pool's few categories it is.
func ConditionCommitment(pool, category, salt string) string {
	h := sha256.Sum256([]byte("medchain/pools/condition/v1\x00" + pool + "\x00" + category + "\x00" + salt))
	return hex.EncodeToString(h[:])
}

// ValidSalt checks a commitment's salt: SaltSize random bytes in lower-case
// hex.
func ValidSalt(salt string) error {
	if len(salt) != 2*SaltSize || !hexPattern.MatchString(salt) {
		return fmt.Errorf("salt: %d random bytes in lower-case hex (%d digits)", SaltSize, 2*SaltSize)
	}
	return nil
}

var hexPattern = regexp.MustCompile(`^[0-9a-f]+$`)

// Opens reports whether category and salt open claim c's commitment, for
// a pool covering conditions: what a reviewer checks before approving.
func Opens(c Claim, conditions []string, category, salt string) error {
	if err := ValidSalt(salt); err != nil {
		return err
	}
	if ConditionCommitment(c.Pool, category, salt) != c.Condition {
		return fmt.Errorf("%s and that salt do not open claim %s's commitment", category, c.ID)
	}
	if !slices.Contains(conditions, category) {
		return fmt.Errorf("%s is not a condition pool %s covers (%v)", category, c.Pool, conditions)
	}
	return nil
}
