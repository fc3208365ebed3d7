import { importLibrary } from "./library/load.js";

/** A certificate chain and its private key, both PEM. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

/**
 * Generates a self-signed ECDSA P-256 certificate for `localhost`, as msg-rs does when its QUIC transport
 * starts. `selfsigned` (an optional dependency) is loaded on first use: a transport given its own
 * certificate never loads it; without it, this fails with `transport_unavailable`.
 */
export async function generateLocalhostCertificate(): Promise<CertificateAndKey> {
  const { generate } = await importLibrary<typeof import("selfsigned")>("selfsigned");
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
