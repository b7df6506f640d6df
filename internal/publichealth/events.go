package publichealth

import "github.com/medchain/medchain/internal/ledger"

// Attribute keys of the module's events.
const (
	AttrOrg      = "org"
	AttrBy       = "by"
	AttrRows     = "rows"
	AttrRegion   = "region"
	AttrMetric   = "metric"
	AttrDate     = "date"
	AttrVersion  = "version"
	AttrReason   = "reason"
	AttrMinCount = "min_count"
)

// Events the module emits.
var (
	EventReported = ledger.EventType{Name: "publichealth.reported", Attrs: []string{AttrOrg, AttrBy, AttrRows},
		Doc: "A reporter of an organisation reported rows of aggregate counts (one event per publichealth/report)."}
	EventCorrected = ledger.EventType{Name: "publichealth.corrected", Attrs: []string{AttrRegion, AttrMetric, AttrDate, AttrVersion, AttrReason, AttrOrg},
		Doc: "A figure was corrected: its new version number and the reason code (one event per correction)."}
	EventParamsSet = ledger.EventType{Name: "publichealth.params_set", Attrs: []string{AttrMinCount},
		Doc: "A governance proposal set the suppression threshold: counts below min_count of areas below country level are not shown."}
)

// Events implements ledger.Module.
func (k *Keeper) Events() []ledger.EventType {
	return []ledger.EventType{EventReported, EventCorrected, EventParamsSet}
}

// Codes implements ledger.Module: the module's code table.
func (k *Keeper) Codes() []ledger.ErrorCode {
	return []ledger.ErrorCode{
		{Err: ErrUnauthorized, Number: 1, Name: "unauthorized", Kind: ledger.KindForbidden},
		{Err: ErrNotFound, Number: 2, Name: "not_found", Kind: ledger.KindNotFound},
		{Err: ErrExists, Number: 3, Name: "exists", Kind: ledger.KindConflict},
		{Err: ErrFuture, Number: 4, Name: "future_date", Kind: ledger.KindInvalid},
		{Err: ErrUnchanged, Number: 5, Name: "unchanged", Kind: ledger.KindConflict},
		{Err: ErrInvalidDocument, Number: 6, Name: "invalid_document", Kind: ledger.KindInvalid},
	}
}
