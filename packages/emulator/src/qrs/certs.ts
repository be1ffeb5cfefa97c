/**
 * Test certificates for a site's repository port, made with the `openssl` command (Node's
 * crypto cannot issue X.509 certificates): a CA, a server certificate for 127.0.0.1 and a
 * client certificate, both signed by the CA, written as PEM files into `dir`. For the sandbox
 * and tests only — never for a real deployment.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificateFiles {
  /** The CA certificate: the server trusts client certificates it signed; clients trust the server with it. */
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** True when the `openssl` command runs. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Makes a CA named `caName` and, signed by it, a server certificate (127.0.0.1) and a client certificate; returns the file paths. */
export function generateTestCertificates(dir: string, caName = "lifeboat-test-ca"): TestCertificateFiles {
  const ssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  };
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", `/CN=${caName}`, "-keyout", `${caName}.key`, "-out", `${caName}.crt`);
  const leaf = (name: string, ext: string): void => {
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.crt`, "-CAkey", `${caName}.key`, "-CAcreateserial", "-days", "30", "-extfile", `${name}.ext`, "-out", `${name}.crt`);
  };
  leaf(`${caName}-server`, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  leaf(`${caName}-client`, "extendedKeyUsage=clientAuth\n");
  const p = (f: string): string => join(dir, f);
  return {
    ca: p(`${caName}.crt`),
    caKey: p(`${caName}.key`),
    serverCert: p(`${caName}-server.crt`),
    serverKey: p(`${caName}-server.key`),
    clientCert: p(`${caName}-client.crt`),
    clientKey: p(`${caName}-client.key`),
  };
}

/** The PEM texts `startEmulator({ siteCertificates })` takes. */
export function siteCertificatesFrom(files: TestCertificateFiles): { ca: string; cert: string; key: string } {
  return { ca: readFileSync(files.ca, "utf8"), cert: readFileSync(files.serverCert, "utf8"), key: readFileSync(files.serverKey, "utf8") };
}
