import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its private key, PEM. */
export interface Identity {
  cert: string;
  key: string;
}

/** Throwaway test PKI: two independent CAs, each with a server and a client identity. */
export interface TestPki {
  /** The CA everything below "main" is signed by. */
  ca: string;
  /** Server certificate for localhost, 127.0.0.1 and ::1, signed by `ca`. */
  server: Identity;
  /** Client certificate signed by `ca`. */
  client: Identity;
  /** Server certificate for `other.example` only, signed by `ca` (for name-verification tests). */
  otherName: Identity;
  /** A second, unrelated CA, with its own server and client identities. */
  otherCa: string;
  otherServer: Identity;
  otherClient: Identity;
}

/**
 * Generates a throwaway PKI for tests and examples of TLS (mutual TLS included) with the `openssl`
 * command (EC P-256 keys, valid one day). Nothing is
 * committed: keys exist only in a temp directory for the few milliseconds it takes to read them back.
 */
export function generateTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "msg-tls-test-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  try {
    const makeCa = (name: string) => {
      openssl(
        "req",
        "-x509",
        ...newKey,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.crt`,
        "-days",
        "1",
        "-subj",
        `/CN=msg test ${name}`,
      );
      return read(`${name}.crt`);
    };
    const issue = (ca: string, name: string, subject: string, extensions: string): Identity => {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl("req", ...newKey, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${subject}`);
      openssl(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        `${ca}.crt`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "1",
        "-extfile",
        `${name}.ext`,
      );
      return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
    };
    const serverExt = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n";
    const clientExt = "extendedKeyUsage=clientAuth\n";
    return {
      ca: makeCa("ca"),
      server: issue("ca", "server", "localhost", serverExt),
      client: issue("ca", "client", "msg test client", clientExt),
      otherName: issue(
        "ca",
        "other-name",
        "other.example",
        "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n",
      ),
      otherCa: makeCa("other-ca"),
      otherServer: issue("other-ca", "other-server", "localhost", serverExt),
      otherClient: issue("other-ca", "other-client", "msg test other client", clientExt),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
