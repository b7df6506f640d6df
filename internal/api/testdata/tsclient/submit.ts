// A client in another language, from the OpenAPI document alone: its types
// are what openapi-typescript generates from the node's /v1/openapi.json
// (./api.d.ts, written by the test), its signature Node's own Ed25519. It
// builds a records/grant transaction, signs it, submits it and prints the
// node's answer as JSON.
//
//   node submit.js BASE_URL SEED_HEX GRANTEE_ORG
import { createPrivateKey, createPublicKey, randomInt, sign } from "node:crypto";
import type { components } from "./api.js";

type Schemas = components["schemas"];

async function main(): Promise<void> {
  const [base, seedHex, org] = process.argv.slice(2);
  const status = (await (await fetch(`${base}/v1/status`)).json()) as Schemas["Status"];

  // PKCS #8 of an Ed25519 seed (RFC 8410), and the raw public key from its SPKI.
  const key = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seedHex, "hex")]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  const signer: Schemas["PublicKey"] = spki.subarray(spki.length - 32).toString("hex");

  const msg: Schemas["MsgGrantConsent"] = {
    grantee: { org },
    purposes: ["treatment"],
    expires: new Date(Date.now() + 30 * 86400_000).toISOString().replace(/\.\d+Z$/, "Z"),
  };
  const body: Schemas["TxBody"] = {
    chain_id: status.chain_id,
    signer,
    nonce: randomInt(2 ** 47),
    expires: status.latest_block_height + 100,
    type: "records/grant",
    msg,
  };
  const signed = Buffer.from(JSON.stringify(body));
  const tx = Buffer.concat([Buffer.from([1]), sign(null, signed, key), signed]);

  const res = await fetch(`${base}/v1/txs?wait=commit`, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", Accept: "application/json" },
    body: tx,
  });
  const answer = (await res.json()) as Schemas["Submitted"] | Schemas["Problem"];
  console.log(JSON.stringify({ http_status: res.status, answer }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
