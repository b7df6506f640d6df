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
	// CodeChainNotEntitled: the caller is authenticated but may not see
	// what it asked for (a private read; also CodeNotEntitled).
	CodeChainNotEntitled = "chain.not_entitled"

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
	// CodeGovernanceWouldHalt: after the change of the validator set, the
	// validators that signed the last block would hold two thirds of the
	// voting power or less; the message says what power a new validator may
	// have.
	CodeGovernanceWouldHalt = "governance.would_halt"

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
	// CodeSupplyExpiredLot: the lot's expiry date is before the block's
	// date; the ledger makes no expired lot.
	CodeSupplyExpiredLot = "supply.expired_lot"

	// CodePublichealthUnauthorized: not a reporter, or another
	// organisation's figure.
	CodePublichealthUnauthorized = "publichealth.unauthorized"
	// CodePublichealthNotFound: no such figure.
	CodePublichealthNotFound = "publichealth.not_found"
	// CodePublichealthExists: the figure was reported already; correct it.
	CodePublichealthExists = "publichealth.exists"
	// CodePublichealthFutureDate: a date after the block's date.
	CodePublichealthFutureDate = "publichealth.future_date"
	// CodePublichealthUnchanged: the correction's value is the figure's.
	CodePublichealthUnchanged = "publichealth.unchanged"
	// CodePublichealthInvalidDocument: the MeasureReport is not valid FHIR
	// or does not map to a report.
	CodePublichealthInvalidDocument = "publichealth.invalid_document"
)

// Codes of the donations module.
const (
	// CodeDonationsUnauthorized: the signer may not do this (wrong
	// organisation kind, role, or not a party to the campaign).
	CodeDonationsUnauthorized = "donations.unauthorized"
	// CodeDonationsNotFound: no such need, campaign, donation,
	// disbursement or shipment.
	CodeDonationsNotFound = "donations.not_found"
	// CodeDonationsClosed: the campaign takes no more pledges.
	CodeDonationsClosed = "donations.closed"
	// CodeDonationsCurrencyMismatch: an amount in another currency than
	// the campaign's.
	CodeDonationsCurrencyMismatch = "donations.currency_mismatch"
	// CodeDonationsExceeds: more than the need lacks, or than the
	// campaign's confirmed funds left (over-disbursement).
	CodeDonationsExceeds = "donations.exceeds"
	// CodeDonationsNotBeneficiary: the shipment goes to another
	// organisation than the need's beneficiary.
	CodeDonationsNotBeneficiary = "donations.not_beneficiary"
	// CodeDonationsNotReceived: the beneficiary has not confirmed the
	// shipment in supply.
	CodeDonationsNotReceived = "donations.not_received"
	// CodeDonationsAlreadyLinked: the shipment carries another donation or
	// disbursement.
	CodeDonationsAlreadyLinked = "donations.already_linked"
	// CodeDonationsWrongState: not possible now (see the detail).
	CodeDonationsWrongState = "donations.wrong_state"
)

// Codes of the credentials module.
const (
	// CodeCredentialsUnauthorized: the signer may not do this (no
	// registrar or admin role, or not the credential's issuer).
	CodeCredentialsUnauthorized = "credentials.unauthorized"
	// CodeCredentialsIssuerNotAuthorised: no governance decision
	// authorises the organisation to issue this credential type.
	CodeCredentialsIssuerNotAuthorised = "credentials.issuer_not_authorised"
	// CodeCredentialsNotFound: no such credential, subject or organisation.
	CodeCredentialsNotFound = "credentials.not_found"
	// CodeCredentialsExists: the credential ID or hash is recorded already.
	CodeCredentialsExists = "credentials.exists"
	// CodeCredentialsWrongStatus: the status change is not possible from
	// the credential's status (a revocation is final).
	CodeCredentialsWrongStatus = "credentials.wrong_status"
)

// Verdict codes of a verification against the ledger (POST
// /v1/credentials/verify), besides the vc.* codes of the credential
// itself (vc.bad_signature, vc.unsupported_alg, vc.expired...).
const (
	// CodeCredentialsUnrecorded: the ledger holds no credential of this
	// hash: never issued on medchain, or altered.
	CodeCredentialsUnrecorded = "credentials.unrecorded"
	// CodeCredentialsWrongSigner: signed by a key that was not a
	// registrar's or admin's of the issuer when it was issued.
	CodeCredentialsWrongSigner = "credentials.wrong_signer"
	// CodeCredentialsMismatch: the credential says something else than
	// the ledger recorded (issuer, type, subject, ID, validity period).
	CodeCredentialsMismatch = "credentials.mismatch"
	// CodeCredentialsSuspended: suspended at the instant asked about.
	CodeCredentialsSuspended = "credentials.suspended"
	// CodeCredentialsRevoked: revoked at the instant asked about.
	CodeCredentialsRevoked = "credentials.revoked"
	// CodeCredentialsCaseDecided: an attestation on a credentialing case
	// that is complete or refused already.
	CodeCredentialsCaseDecided = "credentials.case_decided"
)

// Codes of the research module.
const (
	// CodeResearchUnauthorized: the signer may not do this (wrong
	// organisation kind or role, the study's own registrant approving it,
	// another patient's enrolment).
	CodeResearchUnauthorized = "research.unauthorized"
	// CodeResearchNotFound: no such study, enrolment, release or request,
	// or a custodian that is not an active hospital, clinic or lab.
	CodeResearchNotFound = "research.not_found"
	// CodeResearchWrongState: not possible now (a study not approved yet,
	// or approved already; an enrolment withdrawn already).
	CodeResearchWrongState = "research.wrong_state"
	// CodeResearchExists: the patient is enrolled in the study already.
	CodeResearchExists = "research.exists"
	// CodeResearchNoConsent: an enrolment not signed by the patient, or a
	// release by a custodian the enrolment does not name.
	CodeResearchNoConsent = "research.no_consent"
	// CodeResearchWithdrawn: a release that includes a patient who withdrew.
	CodeResearchWithdrawn = "research.withdrawn"
	// CodeResearchForbiddenUse: the data use terms (DUO) or a
	// participant's refusals forbid the use.
	CodeResearchForbiddenUse = "research.forbidden_use"
	// CodeResearchExpired: the study ended or the request's term did.
	CodeResearchExpired = "research.expired"
	// CodeResearchUnknownRuleSet: a release names a de-identification rule
	// set the ledger does not know.
	CodeResearchUnknownRuleSet = "research.unknown_rule_set"
	// CodeResearchInvalidDocument: a FHIR research consent that is not
	// valid FHIR or does not map to an enrolment; the detail names the
	// element.
	CodeResearchInvalidDocument = "research.invalid_document"
)

// Codes of the claims module.
const (
	// CodeClaimsUnauthorized: the signer may not do this (wrong
	// organisation kind or role, or not party to the claim).
	CodeClaimsUnauthorized = "claims.unauthorized"
	// CodeClaimsNotFound: no such plan, version, patient, coverage or
	// claim (or another payer's).
	CodeClaimsNotFound = "claims.not_found"
	// CodeClaimsExists: the claim document was submitted already, or the
	// rule set is the previous version's.
	CodeClaimsExists = "claims.exists"
	// CodeClaimsNoticePeriod: a plan version's effective date is in the
	// past, inside the notice period or not after the previous version's.
	CodeClaimsNoticePeriod = "claims.notice_period"
	// CodeClaimsInvalidRule: a benefit rule outside the consensus-safe CEL
	// profile.
	CodeClaimsInvalidRule = "claims.invalid_rule"
	// CodeClaimsWrongPayer: another insurer's plan.
	CodeClaimsWrongPayer = "claims.wrong_payer"
	// CodeClaimsCoverageInactive: the coverage was cancelled.
	CodeClaimsCoverageInactive = "claims.coverage_inactive"
	// CodeClaimsWrongVersion: a plan version the plan does not have, not
	// in effect, or not the claim's.
	CodeClaimsWrongVersion = "claims.wrong_version"
	// CodeClaimsInconsistent: a decision or payment that does not add up
	// against the claim and plan, or a claim in another currency.
	CodeClaimsInconsistent = "claims.inconsistent"
	// CodeClaimsAlreadyPaid: the claim was paid already.
	CodeClaimsAlreadyPaid = "claims.already_paid"
	// CodeClaimsWrongState: not possible in the claim's status.
	CodeClaimsWrongState = "claims.wrong_state"
	// CodeClaimsInvalidDocument: the FHIR Claim or Coverage is not valid
	// FHIR R4 or does not map.
	CodeClaimsInvalidDocument = "claims.invalid_document"
)

// Codes of the telemetry module.
const (
	// CodeTelemetryUnauthorized: the signer may not do this (not of the
	// device's or rule's organisation, wrong role, not its custodian node).
	CodeTelemetryUnauthorized = "telemetry.unauthorized"
	// CodeTelemetryNotFound: no such device, patient, rule, alert or
	// reading.
	CodeTelemetryNotFound = "telemetry.not_found"
	// CodeTelemetryExists: the device is registered already.
	CodeTelemetryExists = "telemetry.exists"
	// CodeTelemetryNotDevice: not an active identity of kind device of the
	// organisation (or suspended).
	CodeTelemetryNotDevice = "telemetry.not_device"
	// CodeTelemetryNotAssigned: the device is assigned to no patient.
	CodeTelemetryNotAssigned = "telemetry.not_assigned"
	// CodeTelemetryNoConsent: the patient's grant does not allow
	// monitoring (purpose, grantee, scope, expired or revoked).
	CodeTelemetryNoConsent = "telemetry.no_consent"
	// CodeTelemetryReplay: the reading's sequence number, or the batch's
	// range, was taken already.
	CodeTelemetryReplay = "telemetry.replay"
	// CodeTelemetryBadRule: the rule does not compile in the alert profile
	// or is over its cost bound.
	CodeTelemetryBadRule = "telemetry.bad_rule"
	// CodeTelemetryWrongState: not possible now (see the detail).
	CodeTelemetryWrongState = "telemetry.wrong_state"
	// CodeTelemetryBadReading: not a signed reading of this chain, a bad
	// signature, or not an Observation the node takes.
	CodeTelemetryBadReading = "telemetry.bad_reading"
	// CodeTelemetryNotCustodian: the node does not keep the device's
	// organisation's readings.
	CodeTelemetryNotCustodian = "telemetry.not_custodian"
)

// Codes of the pools module.
const (
	// CodePoolsUnauthorized: the signer may not do this (organisation kind,
	// role, not a patient, not a clinician).
	CodePoolsUnauthorized = "pools.unauthorized"
	// CodePoolsNotFound: no such pool.
	CodePoolsNotFound = "pools.not_found"
	// CodePoolsCurrencyMismatch: a claim in another currency than the pool's.
	CodePoolsCurrencyMismatch = "pools.currency_mismatch"
	// CodePoolsNotMember: the signer is not a member of the pool.
	CodePoolsNotMember = "pools.not_member"
	// CodePoolsWaitingPeriod: the member's waiting period is not over.
	CodePoolsWaitingPeriod = "pools.waiting_period"
	// CodePoolsBadEvidence: an evidence record unknown, erased or another
	// patient's.
	CodePoolsBadEvidence = "pools.bad_evidence"
	// CodePoolsOverClaimCap: the claim asks more than the pool's cap per
	// claim.
	CodePoolsOverClaimCap = "pools.over_claim_cap"
	// CodePoolsNoBoard: fewer clinicians on the board than the quorum.
	CodePoolsNoBoard = "pools.no_board"
	// CodePoolsNotReviewer: the voter is not on the claim's panel.
	CodePoolsNotReviewer = "pools.not_reviewer"
	// CodePoolsAlreadyVoted: the reviewer voted on the claim already.
	CodePoolsAlreadyVoted = "pools.already_voted"
	// CodePoolsDeadlinePassed: the claim's review deadline has passed.
	CodePoolsDeadlinePassed = "pools.deadline_passed"
	// CodePoolsPeriodOpen: the period may not be settled yet.
	CodePoolsPeriodOpen = "pools.period_open"
	// CodePoolsWrongState: not possible now (see the detail).
	CodePoolsWrongState = "pools.wrong_state"
)
