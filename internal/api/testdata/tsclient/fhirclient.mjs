// A FHIR client library (fhir-kit-client, as a SMART app or an integration
// engine would use) against the node's FHIR facade, with a bearer token:
// the CapabilityStatement, a Consent search walked page by page with the
// library's own paging, each Consent read back, and a read the node refuses.
// Prints what it saw as JSON.
//
//   node fhirclient.mjs FHIR_BASE_URL TOKEN PATIENT FOREIGN_CONSENT_ID
import { Client } from "fhir-kit-client";

const [baseUrl, token, patient, foreign] = process.argv.slice(2);
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
console.log(JSON.stringify(out));
