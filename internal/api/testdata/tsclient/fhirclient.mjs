// A FHIR client library (fhir-kit-client, as a SMART app or an integration
// engine would use) against the node's FHIR facade, with a bearer token:
// the CapabilityStatement, a Consent search walked page by page with the
// library's own paging, each Consent read back, and a read the node refuses;
// then the patient's records as DocumentReferences, and one record's
// document as a Binary: refused on the token alone, read with the signed
// read request in X-Medchain-Read-Request. Prints what it saw as JSON.
//
//   node fhirclient.mjs FHIR_BASE_URL TOKEN PATIENT FOREIGN_CONSENT_ID RECORD READ_REQUEST
import { Client } from "fhir-kit-client";

const [baseUrl, token, patient, foreign, record, readRequest] = process.argv.slice(2);
const client = new Client({ baseUrl, bearerToken: token });

const cs = await client.capabilityStatement();
const out = { fhirVersion: cs.fhirVersion, types: cs.rest[0].resource.map((r) => r.type), pages: 0, searched: [], read: [] };

let bundle = await client.search({ resourceType: "Consent", searchParams: { patient, _count: 1 } });
while (bundle) {
  out.pages++;
  for (const e of bundle.entry || []) out.searched.push(e.resource.id);
  bundle = await client.nextPage({ bundle });
}
for (const id of out.searched) {
  const c = await client.read({ resourceType: "Consent", id });
  out.read.push(`${c.resourceType}/${c.id}/${c.status}`);
}
try {
  await client.read({ resourceType: "Consent", id: foreign });
  out.refused = "not refused";
} catch (e) {
  const oo = e.response?.data;
  out.refused = `${e.response?.status} ${oo?.resourceType} ${oo?.issue?.[0]?.code}`;
}

const refs = await client.search({ resourceType: "DocumentReference", searchParams: { patient } });
out.documents = (refs.entry || []).map((e) => e.resource.id);
try {
  await client.read({ resourceType: "Binary", id: record });
  out.tokenOnly = "not refused";
} catch (e) {
  out.tokenOnly = `${e.response?.status} ${e.response?.data?.issue?.[0]?.details?.coding?.[0]?.code}`;
}
const bin = await client.read({ resourceType: "Binary", id: record, options: { headers: { "X-Medchain-Read-Request": readRequest } } });
const doc = JSON.parse(Buffer.from(bin.data, "base64").toString("utf8"));
out.binary = `${bin.resourceType}/${bin.id} ${bin.contentType} ${doc.resourceType}`;
console.log(JSON.stringify(out));
