import { describe, expect, it } from "vitest";
import { EXIT, exitCodeFor, UserError } from "../errors.ts";
import { resolveQseowSource } from "./backup-qseow.ts";

const env = { LIFEBOAT_QSEOW_USER: "ACME\\qadmin", LIFEBOAT_QSEOW_HEADER: "hdr-usr" };
const noFile = async (): Promise<string> => {
  throw new Error("ENOENT: no such file");
};

async function usage(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  expect((e as UserError).code).toBe("usage");
  expect(exitCodeFor(e)).toBe(EXIT.usage);
  return (e as Error).message;
}

describe("resolveQseowSource", () => {
  it("takes the site with its prefix, the header name and the user from the environment", async () => {
    expect(await resolveQseowSource({ host: "https://sense.acme.local/hdr/" }, env)).toEqual({ host: "https://sense.acme.local/hdr", auth: { type: "header", headerName: "hdr-usr", user: "ACME\\qadmin" } });
    expect(await resolveQseowSource({ headerName: "x-user" }, { ...env, QLIK_HOST: "http://127.0.0.1:4000/hdr" })).toMatchObject({ host: "http://127.0.0.1:4000/hdr", auth: { headerName: "x-user" } });
  });

  it("reads the user from --header-user-file before the environment", async () => {
    const read = async (f: string): Promise<string> => (f === "u.txt" ? "LEGACY\\svc_backup\n" : "");
    expect((await resolveQseowSource({ host: "https://s/hdr", headerUserFile: "u.txt" }, env, read)).auth.user).toBe("LEGACY\\svc_backup");
    expect(await usage(resolveQseowSource({ host: "https://s/hdr", headerUserFile: "gone.txt" }, env, noFile))).toContain("gone.txt");
  });

  it("refuses what is missing or malformed, naming the fix", async () => {
    expect(await usage(resolveQseowSource({}, env))).toContain("--host");
    expect(await usage(resolveQseowSource({ host: "sense.acme.local" }, env))).toContain("not a URL");
    expect(await usage(resolveQseowSource({ host: "ftp://s/hdr" }, env))).toContain("https://");
    expect(await usage(resolveQseowSource({ host: "https://u:p@s/hdr" }, env))).toContain("only scheme");
    expect(await usage(resolveQseowSource({ host: "https://s/hdr/qrs" }, env))).toContain("/qrs");
    expect(await usage(resolveQseowSource({ host: "https://s/hdr" }, { LIFEBOAT_QSEOW_USER: "ACME\\qadmin" }))).toContain("--header-name");
    expect(await usage(resolveQseowSource({ host: "https://s/hdr", headerName: "bad header" }, env))).toContain("not an HTTP header name");
    expect(await usage(resolveQseowSource({ host: "https://s/hdr" }, { LIFEBOAT_QSEOW_HEADER: "hdr-usr" }))).toContain("LIFEBOAT_QSEOW_USER");
    expect(await usage(resolveQseowSource({ host: "https://s/hdr" }, { ...env, LIFEBOAT_QSEOW_USER: "qadmin" }))).toContain("DIRECTORY\\userid");
  });

  it("with --cert-file and --key-file: a client certificate and the user for X-Qlik-User", async () => {
    const files: Record<string, string> = { "c.pem": "CERT", "k.pem": "KEY", "ca.pem": "CA" };
    const read = async (f: string): Promise<string> => {
      const text = files[f];
      if (text === undefined) throw new Error("ENOENT");
      return text;
    };
    expect(await resolveQseowSource({ host: "https://sense:4242", certFile: "c.pem", keyFile: "k.pem", caFile: "ca.pem" }, { LIFEBOAT_QSEOW_USER: "ACME\\qadmin" }, read)).toEqual({
      host: "https://sense:4242",
      auth: { type: "certificate", cert: "CERT", key: "KEY", ca: "CA", user: "ACME\\qadmin" },
    });
    expect(await usage(resolveQseowSource({ host: "https://sense:4242", certFile: "c.pem" }, env, read))).toContain("--key-file");
    expect(await usage(resolveQseowSource({ host: "http://sense:4242", certFile: "c.pem", keyFile: "k.pem" }, env, read))).toContain("https://");
    expect(await usage(resolveQseowSource({ host: "https://sense:4242", certFile: "c.pem", keyFile: "nope.pem" }, env, read))).toContain("--key-file");
  });
});
