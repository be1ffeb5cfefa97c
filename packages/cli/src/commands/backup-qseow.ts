/**
 * `lifeboat backup --source qseow`: the source is a Qlik Sense Enterprise client-managed site,
 * read through the Qlik Repository Service behind a virtual proxy with header authentication.
 *
 *   export LIFEBOAT_QSEOW_USER='ACME\qadmin'        # or --header-user-file FILE
 *   lifeboat backup --source qseow --host https://sense.acme.local/hdr --header-name hdr-usr
 *
 * The header user is a credential (whoever sends it is that user): it comes from the
 * environment or a file, never from a flag value, and is never stored in a snapshot.
 */
import { readFile } from "node:fs/promises";
import type { QrsHeaderAuth } from "@lifeboat/qlik";
import { EXIT, UserError } from "../errors.ts";

export interface QseowFlags {
  host?: string;
  headerName?: string;
  headerUserFile?: string;
}

export interface QseowSource {
  /** `https://site/prefix`: the proxy and the virtual proxy's prefix. */
  host: string;
  auth: QrsHeaderAuth;
}

const EXAMPLE = "e.g. https://sense.acme.local/hdr (the proxy and the header virtual proxy's prefix)";

/** Resolves the site, the header name and the header user; every problem is a usage error naming the fix. */
export async function resolveQseowSource(flags: QseowFlags, env: NodeJS.ProcessEnv, read: (file: string) => Promise<string> = (f) => readFile(f, "utf8")): Promise<QseowSource> {
  const raw = flags.host ?? env.QLIK_HOST;
  if (!raw) throw new UserError(`--source qseow needs the site: --host URL or QLIK_HOST (${EXAMPLE})`, EXIT.usage);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`--host '${raw}' is not a URL (${EXAMPLE})`, EXIT.usage);
  }
  if (!/^https?:$/.test(url.protocol)) throw new UserError(`--host '${raw}' must start with https:// or http:// (${EXAMPLE})`, EXIT.usage);
  if (url.username || url.password || url.search || url.hash) throw new UserError(`--host '${raw}' must be only scheme, host, port and the virtual proxy prefix (${EXAMPLE})`, EXIT.usage);
  if (/\/qrs\/?$/i.test(url.pathname)) throw new UserError(`--host '${raw}' ends in /qrs: give the site and prefix only, Lifeboat adds /qrs (${EXAMPLE})`, EXIT.usage);
  const headerName = flags.headerName ?? env.LIFEBOAT_QSEOW_HEADER;
  if (!headerName) throw new UserError("--source qseow needs the header the virtual proxy reads the user from: --header-name NAME or LIFEBOAT_QSEOW_HEADER (QMC → Virtual proxies → Header authentication header name)", EXIT.usage);
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(headerName)) throw new UserError(`--header-name '${headerName}' is not an HTTP header name`, EXIT.usage);
  let user: string | undefined;
  if (flags.headerUserFile) {
    try {
      user = (await read(flags.headerUserFile)).trim();
    } catch (e) {
      throw new UserError(`cannot read the header user from ${flags.headerUserFile} (${(e as Error).message}) — check --header-user-file`, EXIT.usage);
    }
  } else user = env.LIFEBOAT_QSEOW_USER?.trim();
  if (!user) throw new UserError("--source qseow needs the user to send in the header: set LIFEBOAT_QSEOW_USER='DIRECTORY\\userid' or pass --header-user-file FILE (a RootAdmin or ContentAdmin sees every user's private content)", EXIT.usage);
  if (!/^[^\\\s]+\\[^\\\s]+$/.test(user)) throw new UserError(`the header user must be DIRECTORY\\userid (e.g. ACME\\qadmin), got '${user}'${flags.headerUserFile ? ` in ${flags.headerUserFile}` : " in LIFEBOAT_QSEOW_USER"}`, EXIT.usage);
  return { host: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, auth: { type: "header", headerName, user } };
}
