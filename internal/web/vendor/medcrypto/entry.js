// The third-party code the portal needs, bundled as one ES module (see
// ../../static/vendor/medcrypto/README.md). Nothing of medchain's own is here.
export { Decrypter, armor } from "age-encryption";
export { x25519, ed25519 } from "@noble/curves/ed25519.js";
export { hkdf } from "@noble/hashes/hkdf.js";
export { sha256, sha512 } from "@noble/hashes/sha2.js";
export { chacha20poly1305, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
export { base64, base64nopad } from "@scure/base";
