// FHIR R4 resources for people: an observation with its value and unit, a
// condition, a medication, an immunisation, an allergy... as a definition
// list, with the JSON itself one click away. Built with createElement only.

import { h } from "./dom.js";

/** People's names of the resource types a record may hold. */
export const recordTypes = {
  Observation: "Observation",
  Condition: "Condition",
  MedicationRequest: "Medication",
  MedicationStatement: "Medication",
  Immunization: "Immunisation",
  AllergyIntolerance: "Allergy",
  Procedure: "Procedure",
  DiagnosticReport: "Report",
  Encounter: "Visit",
  Patient: "Personal details",
  CarePlan: "Care plan",
  DocumentReference: "Document",
  Claim: "Claim",
  Bundle: "Collection",
};

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const numFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

/** A FHIR date or dateTime for people ("2024-03" stays a month). */
export function when(s) {
  if (!s) return "";
  if (/^\d{4}$/.test(s)) return s;
  if (/^\d{4}-\d{2}$/.test(s)) return new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", timeZone: "UTC" }).format(new Date(s + "-01T00:00:00Z"));
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(s + "T00:00:00Z"));
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : (s.includes("T") ? dateTimeFmt : dateFmt).format(d);
}

/** A CodeableConcept's words: its text, else its first coding's display or code. */
export function concept(c) {
  if (!c) return "";
  if (c.text) return c.text;
  const k = (c.coding || []).find((x) => x.display) || (c.coding || [])[0];
  return k ? k.display || `${k.code}` : "";
}

/** UCUM units people read: "/min" → "per minute", "Cel" → "°C"... */
const units = { "/min": "per minute", Cel: "°C", "[degF]": "°F", "mm[Hg]": "mmHg", "kg/m2": "kg/m²", "%": "%", "{beats}/min": "beats per minute" };

/** A Quantity: "72 per minute". */
export function quantity(q) {
  if (!q || q.value === undefined) return "";
  const u = q.unit || q.code || "";
  return `${q.comparator || ""}${numFmt.format(q.value)}${u ? " " + (units[u] || u) : ""}`;
}

function value(r) {
  if (r.valueQuantity) return quantity(r.valueQuantity);
  if (r.valueCodeableConcept) return concept(r.valueCodeableConcept);
  if (r.valueString !== undefined) return r.valueString;
  if (r.valueBoolean !== undefined) return r.valueBoolean ? "yes" : "no";
  if (r.valueInteger !== undefined) return numFmt.format(r.valueInteger);
  if (r.component) return r.component.map((c) => `${concept(c.code)}: ${value(c)}`).join("; ");
  return "";
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== "" && v !== undefined && v !== null)
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** The people-readable part of one resource: [term, description] pairs. */
function describe(r) {
  switch (r.resourceType) {
    case "Observation":
      return [["Observation", concept(r.code)], ["Value", value(r)], ["Reference range", (r.referenceRange || []).map((x) => [quantity(x.low), quantity(x.high)].filter(Boolean).join(" – ")).join("; ")],
        ["Interpretation", (r.interpretation || []).map(concept).join(", ")], ["When", when(r.effectiveDateTime || r.effectivePeriod?.start || r.issued)], ["Status", r.status]];
    case "Condition":
      return [["Condition", concept(r.code)], ["Clinical status", concept(r.clinicalStatus)], ["Verification", concept(r.verificationStatus)],
        ["Since", when(r.onsetDateTime || r.onsetPeriod?.start)], ["Resolved", when(r.abatementDateTime)], ["Recorded", when(r.recordedDate)]];
    case "MedicationRequest":
    case "MedicationStatement":
      return [["Medication", concept(r.medicationCodeableConcept) || r.medicationReference?.display || ""], ["Dose", (r.dosageInstruction || r.dosage || []).map((d) => d.text || "").filter(Boolean).join("; ")],
        ["Status", r.status], ["Since", when(r.authoredOn || r.effectiveDateTime || r.effectivePeriod?.start)], ["Why", (r.reasonCode || []).map(concept).join(", ")]];
    case "Immunization":
      return [["Vaccine", concept(r.vaccineCode)], ["Given", when(r.occurrenceDateTime || r.occurrenceString)], ["Lot", r.lotNumber], ["Status", r.status]];
    case "AllergyIntolerance":
      return [["Allergy", concept(r.code)], ["Criticality", r.criticality], ["Reactions", (r.reaction || []).flatMap((x) => (x.manifestation || []).map(concept)).join(", ")],
        ["Since", when(r.onsetDateTime || r.recordedDate)]];
    case "Procedure":
      return [["Procedure", concept(r.code)], ["When", when(r.performedDateTime || r.performedPeriod?.start)], ["Status", r.status]];
    case "DiagnosticReport":
      return [["Report", concept(r.code)], ["Conclusion", r.conclusion], ["When", when(r.effectiveDateTime || r.issued)], ["Status", r.status]];
    case "Encounter":
      return [["Visit", (r.type || []).map(concept).join(", ") || r.class?.display || r.class?.code], ["From", when(r.period?.start)], ["To", when(r.period?.end)], ["Status", r.status]];
    case "Patient":
      return [["Name", (r.name || []).map((n) => n.text || [...(n.given || []), n.family].filter(Boolean).join(" ")).join("; ")], ["Born", when(r.birthDate)], ["Gender", r.gender]];
    default:
      return [["Resource", r.resourceType], ["Status", r.status || ""]];
  }
}

/** One resource, or every entry of a Bundle, as readable facts plus the JSON. */
export function renderFHIR(doc) {
  const resources = doc.resourceType === "Bundle" ? (doc.entry || []).map((e) => e.resource).filter(Boolean) : [doc];
  return h("div", { class: "fhir" },
    resources.map((r) => h("section", { class: "resource", "data-type": r.resourceType },
      h("h4", {}, recordTypes[r.resourceType] || r.resourceType),
      facts(describe(r)))),
    h("details", {}, h("summary", {}, "The FHIR document"), h("pre", { class: "json" }, JSON.stringify(doc, null, 2))));
}
