/**
 * `lifeboat backup --source qseow`: the source is a Qlik Sense Enterprise client-managed site,
 * read through the Qlik Repository Service — behind a virtual proxy with header
 * authentication, or on the repository port with a client certificate:
 *
 *   export LIFEBOAT_QSEOW_USER='ACME\qadmin'        # or --header-user-file FILE
 *   lifeboat backup --source qseow --host https://sense.acme.local/hdr --header-name hdr-usr
 *   lifeboat backup --source qseow --host https://sense.acme.local:4242 --cert-file client.pem --key-file client_key.pem --ca-file root.pem
 *
 * The user is a credential (whoever sends the header is that user): it comes from the
 * environment or a file, never from a flag value; certificates come from files.
 */
import { readFile } from "node:fs/promises";
import type { QrsCertificateAuth, QrsHeaderAuth } from "@lifeboat/qlik";
import { UserError } from "../errors.ts";

export interface QseowFlags {
  host?: string;
  headerName?: string;
  headerUserFile?: string;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

export interface QseowSource {
  /** `https://site/prefix` (the proxy and the virtual proxy's prefix) or `https://site:4242`. */
  host: string;
  auth: QrsHeaderAuth | QrsCertificateAuth;
}

const EXAMPLE = "e.g. https://sense.acme.local/hdr (the proxy and the header virtual proxy's prefix)";

/** Resolves the site, the header name and the header user; every problem is a usage error naming the fix. */
export async function resolveQseowSource(flags: QseowFlags, env: NodeJS.ProcessEnv, read: (file: string) => Promise<string> = (f) => readFile(f, "utf8")): Promise<QseowSource> {
  const raw = flags.host ?? env.QLIK_HOST;
  if (!raw) throw new UserError(`--source qseow needs the site: --host URL or QLIK_HOST (${EXAMPLE})`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`--host '${raw}' is not a URL (${EXAMPLE})`);
  }
  if (!/^https?:$/.test(url.protocol)) throw new UserError(`--host '${raw}' must start with https:// or http:// (${EXAMPLE})`);
  if (url.username || url.password || url.search || url.hash) throw new UserError(`--host '${raw}' must be only scheme, host, port and the virtual proxy prefix (${EXAMPLE})`);
  if (/\/qrs\/?$/i.test(url.pathname)) throw new UserError(`--host '${raw}' ends in /qrs: give the site and prefix only, Lifeboat adds /qrs (${EXAMPLE})`);
  const host = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  const user = await qseowUser(flags, env, read);
  if (flags.certFile || flags.keyFile || flags.caFile) {
    if (!flags.certFile || !flags.keyFile) throw new UserError("a client certificate needs both --cert-file and --key-file (PEM, as exported from the QMC: client.pem and client_key.pem)");
    if (url.protocol !== "https:") throw new UserError(`--host '${raw}' must be https:// with a client certificate (e.g. https://sense.acme.local:4242)`);
    const pem = async (file: string, flag: string): Promise<string> => {
      try {
        return await read(file);
      } catch (e) {
        throw new UserError(`cannot read ${file} (${(e as Error).message}) — check ${flag}`);
      }
    };
    const [cert, key, ca] = await Promise.all([pem(flags.certFile, "--cert-file"), pem(flags.keyFile, "--key-file"), flags.caFile ? pem(flags.caFile, "--ca-file") : Promise.resolve(undefined)]);
    return { host, auth: { type: "certificate", cert, key, ...(ca ? { ca } : {}), user } };
  }
  const headerName = flags.headerName ?? env.LIFEBOAT_QSEOW_HEADER;
  if (!headerName) throw new UserError("--source qseow needs the header the virtual proxy reads the user from: --header-name NAME or LIFEBOAT_QSEOW_HEADER (QMC → Virtual proxies → Header authentication header name)");
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(headerName)) throw new UserError(`--header-name '${headerName}' is not an HTTP header name`);
  return { host, auth: { type: "header", headerName, user } };
}

/** The user to act as: `--header-user-file`, else LIFEBOAT_QSEOW_USER; `DIRECTORY\userid`. */
async function qseowUser(flags: QseowFlags, env: NodeJS.ProcessEnv, read: (file: string) => Promise<string>): Promise<string> {
  let user: string | undefined;
  if (flags.headerUserFile) {
    try {
      user = (await read(flags.headerUserFile)).trim();
    } catch (e) {
      throw new UserError(`cannot read the header user from ${flags.headerUserFile} (${(e as Error).message}) — check --header-user-file`);
    }
  } else user = env.LIFEBOAT_QSEOW_USER?.trim();
  if (!user) throw new UserError("--source qseow needs the user to send in the header: set LIFEBOAT_QSEOW_USER='DIRECTORY\\userid' or pass --header-user-file FILE (a RootAdmin or ContentAdmin sees every user's private content)");
  if (!/^[^\\\s]+\\[^\\\s]+$/.test(user)) throw new UserError(`the header user must be DIRECTORY\\userid (e.g. ACME\\qadmin), got '${user}'${flags.headerUserFile ? ` in ${flags.headerUserFile}` : " in LIFEBOAT_QSEOW_USER"}`);
  return user;
}
