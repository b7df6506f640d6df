package client

// Stable error codes: the Code of an *Error the chain reported, as
// "space.name". Test for one with IsCode(err, CodeIdentityKeyRevoked). They
// are the chain's codes (a test keeps this list equal to the chain's); each
// constant is named Code + space + name. The API adds codes of its own in
// the "api" space ("api.invalid_parameter", "api.mempool_full" ...), see
// docs/api.md.
const (
	// CodeChainInternal: the node failed; the transaction may be retried.
	CodeChainInternal = "chain.internal"
	// CodeChainMalformedTx: the transaction's bytes are not a well-formed
	// envelope.
	CodeChainMalformedTx = "chain.malformed_tx"
	// CodeChainBadSignature: the signature does not verify.
	CodeChainBadSignature = "chain.bad_signature"
	// CodeChainWrongChain: the transaction names another chain ID.
	CodeChainWrongChain = "chain.wrong_chain"
	// CodeChainTxExpired: the transaction's expiry height has passed.
	CodeChainTxExpired = "chain.tx_expired"
	// CodeChainExpiryTooFar: the expiry is further ahead than the chain
	// allows (see WithTTL).
	CodeChainExpiryTooFar = "chain.expiry_too_far"
	// CodeChainReplay: the same transaction is already included.
	CodeChainReplay = "chain.replay"
	// CodeChainUnknownType: no module handles the message type.
	CodeChainUnknownType = "chain.unknown_type"
	// CodeChainInvalidMessage: the message does not decode or fails its
	// own checks; the detail names the field.
	CodeChainInvalidMessage = "chain.invalid_message"
	// CodeChainUnknownQuery: an ABCI query path the node does not answer.
	CodeChainUnknownQuery = "chain.unknown_query"
	// CodeChainHeightNotAvailable: the state at that height is pruned or
	// not yet committed.
	CodeChainHeightNotAvailable = "chain.height_not_available"

	// CodeIdentityUnknownSigner: the signing key belongs to no identity.
	CodeIdentityUnknownSigner = "identity.unknown_signer"
	// CodeIdentityKeyRevoked: the signing key was revoked.
	CodeIdentityKeyRevoked = "identity.key_revoked"
	// CodeIdentityInactive: the identity or its organisation is not active.
	CodeIdentityInactive = "identity.inactive"
	// CodeIdentityUnauthorized: the signer may not do this.
	CodeIdentityUnauthorized = "identity.unauthorized"
	// CodeIdentityNotFound: no such identity or key.
	CodeIdentityNotFound = "identity.not_found"
	// CodeIdentityExists: the identity or key already exists.
	CodeIdentityExists = "identity.exists"
	// CodeIdentityLastKey: an identity's last active key cannot be revoked.
	CodeIdentityLastKey = "identity.last_key"

	// CodeGovernanceUnauthorized: the signer may not do this.
	CodeGovernanceUnauthorized = "governance.unauthorized"
	// CodeGovernanceNotFound: no such proposal or organisation.
	CodeGovernanceNotFound = "governance.not_found"
	// CodeGovernanceExists: the organisation already exists.
	CodeGovernanceExists = "governance.exists"
	// CodeGovernanceClosed: the proposal is not open.
	CodeGovernanceClosed = "governance.closed"
	// CodeGovernanceDeadline: the deadline is out of range.
	CodeGovernanceDeadline = "governance.deadline"
	// CodeGovernanceAlreadyVoted: the organisation already voted.
	CodeGovernanceAlreadyVoted = "governance.already_voted"
	// CodeGovernanceInvalidProposal: the proposal's action is not valid.
	CodeGovernanceInvalidProposal = "governance.invalid_proposal"

	// CodeRecordsUnauthorized: the signer may not do this.
	CodeRecordsUnauthorized = "records.unauthorized"
	// CodeRecordsNotFound: no such grant, delegate or window.
	CodeRecordsNotFound = "records.not_found"
	// CodeRecordsExists: it already exists.
	CodeRecordsExists = "records.exists"
	// CodeRecordsUnknownRecord: no such record or version.
	CodeRecordsUnknownRecord = "records.unknown_record"
	// CodeRecordsErased: the record was erased.
	CodeRecordsErased = "records.erased"
	// CodeRecordsStaleVersion: the anchor does not supersede the latest
	// version.
	CodeRecordsStaleVersion = "records.stale_version"
	// CodeRecordsNoGrant: the reader holds no grant on the patient's records.
	CodeRecordsNoGrant = "records.no_grant"
	// CodeRecordsWrongOrg: the patient's grants are for another organisation.
	CodeRecordsWrongOrg = "records.wrong_org"
	// CodeRecordsPurposeNotGranted: no grant allows the stated purpose.
	CodeRecordsPurposeNotGranted = "records.purpose_not_granted"
	// CodeRecordsGrantExpired: the grant expired.
	CodeRecordsGrantExpired = "records.grant_expired"
	// CodeRecordsGrantRevoked: the grant was revoked.
	CodeRecordsGrantRevoked = "records.grant_revoked"
	// CodeRecordsOutOfScope: the record is outside the grant's scope.
	CodeRecordsOutOfScope = "records.out_of_scope"
	// CodeRecordsConditionNotMet: the grant's condition does not hold.
	CodeRecordsConditionNotMet = "records.condition_not_met"
	// CodeRecordsBreakGlassRefused: the break-glass window does not allow
	// the read.
	CodeRecordsBreakGlassRefused = "records.break_glass_refused"
	// CodeRecordsInvalidCondition: the grant's condition does not compile.
	CodeRecordsInvalidCondition = "records.invalid_condition"
	// CodeRecordsInvalidRequest: the read request is not valid.
	CodeRecordsInvalidRequest = "records.invalid_request"
	// CodeRecordsInvalidAnchor: the anchor does not match its record.
	CodeRecordsInvalidAnchor = "records.invalid_anchor"
	// CodeRecordsInvalidDocument: the FHIR document is not valid or does
	// not map.
	CodeRecordsInvalidDocument = "records.invalid_document"
	// CodeRecordsNotCustodian: this node does not keep the record
	// (ReadRecord then asks the custodian's published endpoint).
	CodeRecordsNotCustodian = "records.not_custodian"
	// CodeRecordsUnavailable: the custodian cannot serve the record now.
	CodeRecordsUnavailable = "records.unavailable"
	// CodeRecordsBreakGlassLimit: the reader's break-glass limits do not
	// allow the window now (open at once, opened in 24 hours, minutes);
	// the message says which and when the next may open.
	CodeRecordsBreakGlassLimit = "records.break_glass_limit"
	// CodeRecordsAlreadyReviewed: the break-glass window was reviewed.
	CodeRecordsAlreadyReviewed = "records.already_reviewed"
	// CodeRecordsWindowOpen: the break-glass window has not closed yet;
	// review it then.
	CodeRecordsWindowOpen = "records.window_open"

	// CodeSupplyUnauthorized: the signer may not do this.
	CodeSupplyUnauthorized = "supply.unauthorized"
	// CodeSupplyNotFound: no such product, lot, item, shipment ...
	CodeSupplyNotFound = "supply.not_found"
	// CodeSupplyExists: it already exists.
	CodeSupplyExists = "supply.exists"
	// CodeSupplyNotCustodian: the signer's organisation does not hold the item.
	CodeSupplyNotCustodian = "supply.not_custodian"
	// CodeSupplyWrongState: not possible in the item's state.
	CodeSupplyWrongState = "supply.wrong_state"
	// CodeSupplyRecalled: the lot is recalled.
	CodeSupplyRecalled = "supply.recalled"
	// CodeSupplyQuarantined: the item is quarantined.
	CodeSupplyQuarantined = "supply.quarantined"
	// CodeSupplyUntested: the donation awaits its tests.
	CodeSupplyUntested = "supply.untested"
	// CodeSupplyTestFailed: the donation failed a test.
	CodeSupplyTestFailed = "supply.test_failed"
	// CodeSupplyClosed: the demand is closed.
	CodeSupplyClosed = "supply.closed"
	// CodeSupplyExceedsQuantity: more than demanded or pledged.
	CodeSupplyExceedsQuantity = "supply.exceeds_quantity"
	// CodeSupplyInvalidDocument: the EPCIS document is not valid or does
	// not map.
	CodeSupplyInvalidDocument = "supply.invalid_document"
	// CodeSupplyDuplicateAlert: the signer's organisation already recorded
	// an alert on this item for this reason within the alert period (24 h
	// of block time); the detail names the existing alert.
	CodeSupplyDuplicateAlert = "supply.duplicate_alert"
)
