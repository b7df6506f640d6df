package epcisrepo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcismap"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/supply"
)

// Behaviour is what a capture does when an event fails
// (GS1-Capture-Error-Behaviour).
type Behaviour string

const (
	// Rollback: all or nothing. A capture in rollback takes at most
	// supply.MaxEventsPerTx events: they go to the ledger in one
	// transaction, which applies all of them or none.
	Rollback Behaviour = "rollback"
	// Proceed: as many events as possible, in order; each that fails is
	// reported in the job's errors and the others are captured.
	Proceed Behaviour = "proceed"
)

// Job is a capture job, as the EPCIS 2.0 REST binding's CaptureJob and
// medchain's additions.
type Job struct {
	ID         string     `json:"captureID"`
	CreatedAt  time.Time  `json:"createdAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	Running    bool       `json:"running"`
	Success    bool       `json:"success"`
	Behaviour  Behaviour  `json:"captureErrorBehaviour"`
	Errors     []JobError `json:"errors"`
	// Org is the organisation the events are captured for, whose identity
	// signs them; CapturedBy the member who asked.
	Org        string `json:"org"`
	CapturedBy string `json:"capturedBy"`
	// Events is how many events the document holds; Captured how many are
	// on the ledger, with their bodies kept here.
	Events       int     `json:"events"`
	Captured     int     `json:"captured"`
	Transactions []JobTx `json:"transactions"`
	// Seq orders the jobs of this node.
	Seq uint64 `json:"seq"`
}

// JobTx is one transaction of a capture.
type JobTx struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Events int    `json:"events"`
}

// JobError is why events were not captured: the chain's (or the mapping's)
// stable code and kind, what was wrong, and which event of the document
// (its index; nil when the error is about the whole capture).
type JobError struct {
	Code   string      `json:"code"`
	Kind   ledger.Kind `json:"kind"`
	Detail string      `json:"detail"`
	Event  *int        `json:"event,omitempty"`
	// Pointer is the JSON pointer of the event in the document.
	Pointer string `json:"pointer,omitempty"`
}

// Codes of the errors a job records beside the chain's.
const (
	codeInterrupted = "api.capture_interrupted"
	kindUnavailable = ledger.Kind("unavailable")
)

func (j *Job) fail(e JobError) {
	j.Errors = append(j.Errors, e)
	j.finish()
}

func (j *Job) finish() {
	now := time.Now().UTC()
	j.Running, j.FinishedAt, j.Success = false, &now, len(j.Errors) == 0
}

// Request is a capture: a document GS1's schema accepts, for org, asked by
// a member of it.
type Request struct {
	Org, Member string
	Behaviour   Behaviour
	Document    []byte
}

// Errors of Capture; the document's own faults are *epcis.ValidationError.
var (
	// ErrNotHeld: this node holds no identity of the organisation.
	ErrNotHeld = errors.New("epcisrepo: this node does not capture events for the organisation")
	// ErrTooMany: more events than a capture takes (MaxEvents, or
	// supply.MaxEventsPerTx in rollback).
	ErrTooMany = errors.New("epcisrepo: too many events")
	// ErrUnkeepable: an event that would not hash, alone, as it does in
	// its document (a limit of StandaloneEvents; none of GS1's or
	// OpenEPCIS's examples).
	ErrUnkeepable = errors.New("epcisrepo: event cannot be kept verifiably")
	// ErrBusy: the organisation's queue of capture jobs is full.
	ErrBusy = errors.New("epcisrepo: too many capture jobs waiting")
)

// run is a job on its way: the document's events, parsed and as stored.
type run struct {
	job    *Job
	events []epcis.Event
	stored []json.RawMessage
	list   string // JSON pointer of the document's eventList
}

// Capture validates the document, starts a job for it and returns the job
// as it starts; the job runs in the organisation's worker, in order with
// the organisation's other jobs.
func (r *Repository) Capture(req Request) (Job, error) {
	c := r.orgs[req.Org]
	if c == nil {
		return Job{}, fmt.Errorf("%w %s: capture on that organisation's own node", ErrNotHeld, req.Org)
	}
	if req.Behaviour == "" {
		req.Behaviour = Rollback
	}
	doc, err := epcis.Parse(req.Document)
	if err != nil {
		return Job{}, err
	}
	n := len(doc.Events)
	if n > MaxEvents {
		return Job{}, fmt.Errorf("%w: the document holds %d events; a capture takes at most %d", ErrTooMany, n, MaxEvents)
	}
	if req.Behaviour == Rollback && n > supply.MaxEventsPerTx {
		return Job{}, fmt.Errorf("%w: the document holds %d events; a capture in rollback (all or nothing) takes at most %d, which the ledger applies in one transaction: split the document, or capture it with GS1-Capture-Error-Behaviour: proceed",
			ErrTooMany, n, supply.MaxEventsPerTx)
	}
	stored, err := epcis.StandaloneEvents(req.Document)
	if err != nil {
		return Job{}, err
	}
	for i, e := range doc.Events {
		// What is kept must hash, alone, to what the ledger anchors: the
		// proof of a queried event rests on it.
		if h, err := epcis.EventHash(stored[i]); err != nil || h != e.Hash {
			return Job{}, fmt.Errorf("epcisrepo: event %d cannot be kept so that it hashes as in its document (%s, alone %s): %w", i, e.Hash, h, errors.Join(err, ErrUnkeepable))
		}
		if e.EventID != "" {
			continue
		}
		// EPCIS 2.0: a repository gives an event without an ID one, to
		// find it by. Its CBV hash names it without a table.
		if stored[i], err = epcis.SetFields(stored[i], map[string]string{"eventID": e.Hash}); err != nil {
			return Job{}, err
		}
		doc.Events[i].EventID = e.Hash
	}
	id, err := newJobID()
	if err != nil {
		return Job{}, err
	}
	j := &Job{ID: id, CreatedAt: time.Now().UTC(), Running: true, Success: true, Behaviour: req.Behaviour,
		Errors: []JobError{}, Org: req.Org, CapturedBy: req.Member, Events: n, Transactions: []JobTx{}}
	r.mu.Lock()
	if len(c.queue) == cap(c.queue) {
		r.mu.Unlock()
		return Job{}, fmt.Errorf("%w for %s: try again later", ErrBusy, req.Org)
	}
	j.Seq = uint64(len(r.jobs)) + 1
	if len(r.jobs) > 0 {
		j.Seq = r.jobs[len(r.jobs)-1].Seq + 1
	}
	if err := r.writeJob(j); err != nil {
		r.mu.Unlock()
		return Job{}, err
	}
	r.jobs = append(r.jobs, j)
	r.jobByID[j.ID] = j
	snapshot := j.clone()
	list := "/epcisBody/eventList"
	if doc.Type == "EPCISQueryDocument" {
		list = "/epcisBody/queryResults/resultsBody/eventList"
	}
	c.queue <- &run{job: j, events: doc.Events, stored: stored, list: list}
	r.mu.Unlock()
	return snapshot, nil
}

func newJobID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "cj-" + hex.EncodeToString(b), nil
}

func (j *Job) clone() Job {
	c := *j
	c.Errors = slices.Clone(j.Errors)
	c.Transactions = slices.Clone(j.Transactions)
	if j.FinishedAt != nil {
		t := *j.FinishedAt
		c.FinishedAt = &t
	}
	return c
}

// worker runs an organisation's capture jobs, one after the other.
func (r *Repository) worker(c *custodian) {
	defer r.wg.Done()
	for {
		select {
		case <-r.done:
			for {
				select {
				case ru := <-c.queue:
					r.update(ru.job, func(j *Job) {
						j.fail(JobError{Code: codeInterrupted, Kind: kindUnavailable, Detail: "the node stopped before the capture started; capture the document again"})
					})
				default:
					return
				}
			}
		case ru := <-c.queue:
			r.process(c, ru)
		}
	}
}

// update changes a job under the lock and writes it.
func (r *Repository) update(j *Job, fn func(*Job)) {
	r.mu.Lock()
	fn(j)
	err := r.writeJob(j)
	r.mu.Unlock()
	if err != nil {
		r.log.Error("epcisrepo: writing a capture job", "job", j.ID, "err", err)
	}
}

// process captures a job's events.
func (r *Repository) process(c *custodian, ru *run) {
	j := ru.job
	n := len(ru.events)
	r.log.Info("epcisrepo: capture started", "job", j.ID, "org", c.org, "by", j.CapturedBy, "events", n, "behaviour", j.Behaviour)
	for start := 0; start < n; start += supply.MaxEventsPerTx {
		idx := make([]int, 0, supply.MaxEventsPerTx)
		for i := start; i < min(start+supply.MaxEventsPerTx, n); i++ {
			idx = append(idx, i)
		}
		mapped, bad := r.mapEvents(ru, idx)
		if len(bad) > 0 {
			r.update(j, func(j *Job) { j.Errors = append(j.Errors, bad...) })
			if j.Behaviour == Rollback {
				break
			}
			idx = slices.DeleteFunc(idx, func(i int) bool { _, ok := mapped[i]; return !ok })
		}
		if !r.sendEvents(c, ru, idx, mapped) {
			break
		}
	}
	r.update(j, func(j *Job) { j.finish() })
	r.log.Info("epcisrepo: capture finished", "job", j.ID, "org", c.org, "captured", j.Captured, "events", n, "errors", len(j.Errors))
}

// mapEvents maps events idx of a run against committed state: the
// operations of those that map, the errors of those that do not.
func (r *Repository) mapEvents(ru *run, idx []int) (map[int]supply.Event, []JobError) {
	view := r.app.State().Committed()
	out := make(map[int]supply.Event, len(idx))
	var bad []JobError
	for _, i := range idx {
		ev, _, err := epcismap.MapEvent(i, ru.events[i], view, r.app.Supply())
		if err != nil {
			bad = append(bad, ru.eventError(i, chain.CodeOf(supply.ErrInvalidDocument), fmt.Sprintf("%s: %v", supply.ErrInvalidDocument, err)))
			continue
		}
		out[i] = coded(ev)
	}
	return out, bad
}

// coded keeps only coded values in what the node signs (ADR 21): an event
// type or business step of the standard's, never a URI of the sender's
// choosing ("extension", "" instead). The event as sent, with its URIs, stays
// in the body the node keeps; its hash covers them.
func coded(ev supply.Event) supply.Event {
	if !slices.Contains(epcis.EventTypes, epcis.EventType(ev.Type)) {
		ev.Type = "extension"
	}
	if ev.BizStep != "" && !slices.Contains(epcis.Terms(epcis.VocabBizStep), ev.BizStep) {
		ev.BizStep = ""
	}
	return ev
}

func (ru *run) eventError(i int, c ledger.Code, detail string) JobError {
	return JobError{Code: c.ID(), Kind: c.Kind, Detail: detail, Event: &i, Pointer: fmt.Sprintf("%s/%d", ru.list, i)}
}

// sendEvents sends events idx (mapped) in one transaction of the
// organisation, and, in proceed, again without each event the ledger
// refuses. It reports whether the job goes on.
func (r *Repository) sendEvents(c *custodian, ru *run, idx []int, mapped map[int]supply.Event) bool {
	j := ru.job
	for len(idx) > 0 {
		select {
		case <-r.done:
			r.update(j, func(j *Job) {
				j.Errors = append(j.Errors, JobError{Code: codeInterrupted, Kind: kindUnavailable,
					Detail: fmt.Sprintf("the node stopped during the capture: %d of %d events were captured; capture the others again", j.Captured, j.Events)})
			})
			return false
		default:
		}
		err := r.sendChunk(c, ru, idx, mapped)
		if err == nil {
			return true
		}
		var refused *localtx.Refused
		if !errors.As(err, &refused) {
			// Not known whether it committed: a later start settles it.
			r.log.Error("epcisrepo: capture transaction not settled", "job", j.ID, "err", err)
			r.update(j, func(j *Job) {
				j.Errors = append(j.Errors, JobError{Code: codeInterrupted, Kind: kindUnavailable,
					Detail: fmt.Sprintf("events %d to %d were sent but did not commit in time (%v); the node keeps them, and finds them on the ledger if they commit", idx[0], idx[len(idx)-1], err)})
			})
			return false
		}
		k, ok := supply.FailedEvent(refused.Log)
		if !ok || k >= len(idx) {
			r.update(j, func(j *Job) {
				j.Errors = append(j.Errors, JobError{Code: refused.Code.ID(), Kind: refused.Code.Kind,
					Detail: fmt.Sprintf("events %d to %d: %s", idx[0], idx[len(idx)-1], refused.Log)})
			})
			return j.Behaviour == Proceed
		}
		r.update(j, func(j *Job) {
			j.Errors = append(j.Errors, ru.eventError(idx[k], refused.Code, renumber(refused.Log, k, idx[k])))
		})
		if j.Behaviour == Rollback {
			return false
		}
		idx = slices.Delete(idx, k, k+1)
	}
	return true
}

// renumber says a refusal of "events[k]" of a transaction in the
// document's own numbering ("event i").
func renumber(log string, k, i int) string {
	return strings.Replace(log, fmt.Sprintf("events[%d]", k), fmt.Sprintf("event %d", i), 1)
}

// sendChunk seals events idx, sends them, and on commit indexes them.
func (r *Repository) sendChunk(c *custodian, ru *run, idx []int, mapped map[int]supply.Event) error {
	j := ru.job
	stored := make([]json.RawMessage, len(idx))
	msg := supply.Events{Events: make([]supply.Event, len(idx))}
	hashes := make([]string, len(idx))
	for k, i := range idx {
		stored[k], msg.Events[k], hashes[k] = ru.stored[i], mapped[i], ru.events[i].Hash
	}
	blob, err := r.sealChunk(c, stored)
	if err != nil {
		return err
	}
	ch := &chunk{Blob: blob, Org: c.org, Job: j.ID, Hashes: hashes, Pending: true}
	if err := r.writeChunk(ch); err != nil {
		r.dropChunk(ch)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	hash, o, err := c.signer.SendTx(ctx, supply.TypeEvents, msg)
	var refused *localtx.Refused
	if errors.As(err, &refused) {
		r.dropChunk(ch)
		return err
	}
	if err != nil {
		return err // pending: settled at the next start
	}
	ch.Pending, ch.Tx, ch.Height = false, hash.String(), o.Height
	ch.RecordTime = r.timeOf(ctx, o.Height)
	if err := r.index(ch); err != nil {
		return err
	}
	r.update(j, func(j *Job) {
		j.Captured += len(idx)
		j.Transactions = append(j.Transactions, JobTx{Hash: ch.Tx, Height: ch.Height, Events: len(idx)})
	})
	return nil
}

// Job returns a capture job.
func (r *Repository) Job(id string) (Job, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	j, ok := r.jobByID[id]
	if !ok {
		return Job{}, false
	}
	return j.clone(), true
}

// Jobs lists the capture jobs of org, newest first, after the job named
// after (""  for the first page), at most limit; next names the last one
// listed when there may be more.
func (r *Repository) Jobs(org, after string, limit int) (jobs []Job, next string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	started := after == ""
	for i := len(r.jobs) - 1; i >= 0; i-- {
		j := r.jobs[i]
		if !started {
			started = j.ID == after
			continue
		}
		if j.Org != org {
			continue
		}
		if len(jobs) == limit {
			return jobs, jobs[len(jobs)-1].ID
		}
		jobs = append(jobs, j.clone())
	}
	return jobs, ""
}
