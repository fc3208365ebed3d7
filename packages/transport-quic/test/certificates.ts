import { generate } from "selfsigned";

export interface TestPki {
  /** CA certificate (PEM) that signed the leaves. */
  ca: string;
  /** Leaf for `localhost`, signed by `ca`. */
  localhost: { cert: string; key: string };
  /** Leaf for `other.example`, signed by `ca`. */
  other: { cert: string; key: string };
}

/** A throw-away CA and two server certificates it signed. */
export async function createTestPki(): Promise<TestPki> {
  const ca = await generate([{ name: "commonName", value: "msg test CA" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = async (name: string) => {
    const pems = await generate([{ name: "commonName", value: name }], {
      keyType: "ec",
      algorithm: "sha256",
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: [{ type: 2, value: name }] },
      ],
    });
    return { cert: pems.cert, key: pems.private };
  };
  return { ca: ca.cert, localhost: await leaf("localhost"), other: await leaf("other.example") };
}
