// The portal's key handling, all in the browser: unlock a key of a medchain
// keystore file with its passphrase, sign requests and transactions with
// WebCrypto Ed25519, and open the records a node sends sealed to the key.
// The private key never leaves this module unencrypted: the page keeps the
// keystore's sealed entry (age, scrypt) in localStorage and the unlocked
// key only in memory, as a non-extractable CryptoKey plus the seed that
// age's ssh-ed25519 unwrap needs.
//
// Formats (the Go side is the reference):
//   - keystore entry: client/keystore, "sealed" is an armored age file
//     (scrypt recipient) whose payload is the 32-byte Ed25519 seed;
//   - transaction and signed request: internal/tx, 0x01 || signature ||
//     body, the signature over exactly the body's bytes;
//   - sealed record: internal/seal, 0x01 || 24-byte nonce ||
//     XChaCha20-Poly1305(plaintext), additional data the version byte;
//     its data key wrapped in a binary age file to the reader's Ed25519
//     key as an age "ssh-ed25519" recipient (filippo.io/age/agessh).

import {
  Decrypter, armor, x25519, ed25519, hkdf, sha256, sha512,
  chacha20poly1305, xchacha20poly1305, base64, base64nopad,
} from "/static/vendor/medcrypto/medcrypto.js";

/** The public passphrase of the demo keys of `medchain dev` (not a secret). */
export const DEV_PASSPHRASE = "medchain-dev-insecure";

/** The largest scrypt work factor (log2 N) the browser's age accepts. */
export const MAX_WORK_FACTOR = 20;

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const utf8 = new TextEncoder();

/** A key error the page shows in words. */
export class KeyError extends Error {}

/**
 * The entries of a keystore file's text: [{name, public_key, identity,
 * note, dev, sealed}]. Throws KeyError when the text is not a keystore.
 */
export function parseKeystore(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyError("This file is not a medchain keystore: it is not JSON. Choose the keystore.json of your medchain home.");
  }
  if (!doc || doc.version !== 1 || !Array.isArray(doc.keys)) {
    throw new KeyError("This file is not a medchain keystore (version 1, with a list of keys).");
  }
  const keys = doc.keys.filter((k) => k && typeof k.name === "string" && /^[0-9a-f]{64}$/.test(k.public_key || "") &&
    typeof k.sealed === "string" && k.sealed.includes("BEGIN AGE ENCRYPTED FILE"));
  if (keys.length === 0) throw new KeyError("This keystore holds no keys.");
  return keys.map((k) => ({
    name: k.name, public_key: k.public_key, identity: k.identity || "", note: k.note || "", dev: !!k.dev, sealed: k.sealed,
  }));
}

/** The scrypt work factor an entry is sealed with, from its age header. */
function workFactor(entry) {
  const m = /-> scrypt \S+ (\d+)/.exec(new TextDecoder().decode(armor.decode(entry.sealed)).slice(0, 200));
  return m ? Number(m[1]) : 0;
}

/**
 * Unlocks a keystore entry with its passphrase (a dev key's is public) and
 * returns the key: {entry, publicKey (hex), sign(bytes), unwrap(ageFile)}.
 * A wrong passphrase throws KeyError: nothing can recover it.
 */
export async function unlock(entry, passphrase) {
  if (entry.dev) passphrase = DEV_PASSPHRASE;
  const wf = workFactor(entry);
  if (wf > MAX_WORK_FACTOR) {
    throw new KeyError(`This key is sealed with scrypt work factor ${wf}; a browser opens at most ${MAX_WORK_FACTOR}. ` +
      "Re-seal it with `medchain keys export` and `medchain keys import` on a keystore with a lower work_factor.");
  }
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  let seed;
  try {
    seed = await d.decrypt(armor.decode(entry.sealed));
  } catch {
    throw new KeyError("The passphrase does not open this key. It cannot be reset or recovered: " +
      "try again, or use a backup of the key.");
  }
  if (seed.length !== 32) throw new KeyError("The keystore entry does not hold an Ed25519 key.");
  const pub = ed25519.getPublicKey(seed);
  if (hex(pub) !== entry.public_key) {
    throw new KeyError(`The key sealed in entry ${entry.name} is not the public key the entry names.`);
  }
  // PKCS #8 of an Ed25519 private key (RFC 8410): a fixed prefix and the seed.
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
  const signKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  pkcs8.fill(0);
  const ssh = sshIdentity(seed, pub);
  return {
    entry,
    publicKey: entry.public_key,
    sign: async (bytes) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, signKey, bytes)),
    unwrap: async (wrapped) => {
      const d = new Decrypter();
      d.addIdentity(ssh);
      return d.decrypt(wrapped);
    },
    lock: () => seed.fill(0),
  };
}

const SSH_LABEL = utf8.encode("age-encryption.org/v1/ssh-ed25519");

/** SSH wire form of an Ed25519 public key: string "ssh-ed25519", string key. */
function sshWire(pub) {
  const name = utf8.encode("ssh-ed25519");
  const out = new Uint8Array(4 + name.length + 4 + pub.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, name.length);
  out.set(name, 4);
  v.setUint32(4 + name.length, pub.length);
  out.set(pub, 8 + name.length);
  return out;
}

/**
 * An age identity (for the Decrypter) that unwraps "ssh-ed25519" stanzas
 * made to the Ed25519 key of seed: age's agessh, line for line.
 */
function sshIdentity(seed, pub) {
  const wire = sshWire(pub);
  const tag = base64nopad.encode(sha256(wire).subarray(0, 4));
  const secret = sha512(seed).subarray(0, 32);
  const ours = ed25519.utils.toMontgomery(pub);
  // HKDF-SHA256 with no secret, the SSH key as salt (age: hkdf.New(sha256.New, nil, sshKey, label)).
  const tweak = hkdf(sha256, new Uint8Array(0), wire, SSH_LABEL, 32);
  return {
    unwrapFileKey(stanzas) {
      for (const s of stanzas) {
        if (s.args[0] !== "ssh-ed25519" || s.args.length !== 3 || s.args[1] !== tag) continue;
        const share = base64nopad.decode(s.args[2]);
        if (share.length !== 32 || s.body.length !== 32) throw new KeyError("invalid ssh-ed25519 stanza");
        const shared = x25519.scalarMult(tweak, x25519.scalarMult(secret, share));
        const salt = new Uint8Array(64);
        salt.set(share, 0);
        salt.set(ours, 32);
        const wrapping = hkdf(sha256, shared, salt, SSH_LABEL, 32);
        try {
          return chacha20poly1305(wrapping, new Uint8Array(12)).decrypt(s.body);
        } catch {
          continue; // the tag is only a hint: another key's stanza
        }
      }
      return null;
    },
  };
}

/** Opens a record sealed by internal/seal with its 32-byte data key. */
export function openSealed(ciphertext, dataKey) {
  if (ciphertext.length < 41 || ciphertext[0] !== 1) throw new KeyError("the record's ciphertext is not in medchain's format (version 1)");
  return xchacha20poly1305(dataKey, ciphertext.subarray(1, 25), ciphertext.subarray(0, 1)).decrypt(ciphertext.subarray(25));
}

/** Hex SHA-256 of bytes (what the ledger anchors of a ciphertext). */
export const sha256hex = (bytes) => hex(sha256(bytes));

export const b64 = {
  encode: (bytes) => base64.encode(bytes),
  decode: (s) => base64.decode(s),
};

/**
 * A signed envelope (internal/tx): the body {chain_id, signer, nonce,
 * expires, type, msg} as the bytes signed, 0x01 || signature || body.
 * Returns the envelope's bytes.
 */
export async function envelope(key, chain, type, msg) {
  const nonce = crypto.getRandomValues(new Uint32Array(2));
  const body = utf8.encode(JSON.stringify({
    chain_id: chain.id,
    signer: key.publicKey,
    // 53 bits, exact in a JavaScript number (as the Go SDK's maxSafeNonce).
    nonce: (nonce[0] & 0x1fffff) * 2 ** 32 + nonce[1],
    expires: chain.height + chain.ttl,
    type,
    msg,
  }));
  const sig = await key.sign(body);
  const out = new Uint8Array(1 + sig.length + body.length);
  out[0] = 1;
  out.set(sig, 1);
  out.set(body, 1 + sig.length);
  return out;
}
