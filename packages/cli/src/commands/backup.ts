/**
 * `lifeboat backup`: one snapshot of a tenant into the repository.
 *
 *   lifeboat backup --tenant prod                # from lifeboat.yaml
 *   QLIK_HOST=… QLIK_API_KEY=… lifeboat backup   # from the environment
 *   lifeboat backup --full --with-data --tag weekly --json
 *
 * Exit codes: 0 all captured, 3 snapshot saved but partial (some items failed).
 */
import type { BackupEvent, Manifest } from "@lifeboat/engine";
import { JobError, runBackup as runBackupJob, type BackupJobSpec, type JobDeps, type TenantHandle } from "@lifeboat/jobs";
import type { TenantReader } from "@lifeboat/model";
import { createQrsReader, waitingMessage, type QlikClientEvent, type Timeouts } from "@lifeboat/qlik";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { InvalidArgumentError, type Command } from "commander";
import { resolveTenant, type TenantConnection } from "../config.ts";
import { EXIT, UserError } from "../errors.ts";
import { writeJsonLine } from "../render/json.ts";
import { renderManifest } from "../render/manifest.ts";
import { createBackupRenderer, renderModeFor } from "../render/progress.ts";
import { addRepoOptions, openRepoFromOptions } from "../repo-options.ts";
import { resolveCliTimeouts, timeoutHelp } from "../timeouts.ts";
import { resolveQseowSource } from "./backup-qseow.ts";

export interface BackupCommandOptions {
  tenant?: string;
  config?: string;
  host?: string;
  full?: boolean;
  withData?: boolean;
  trustItemDates?: boolean;
  deepCheckDays?: number;
  json?: boolean;
  tag?: string[];
  /** `--timeout KIND=SECONDS` items (cli/src/timeouts.ts). */
  timeout?: string[];
  source?: string;
  headerName?: string;
  headerUserFile?: string;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function days(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 30) throw new InvalidArgumentError("expected a whole number of days from 0 to 30 (0 reads every object of every app every run)");
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command("backup")
    .description("back up a tenant: users, groups, roles, spaces, apps (.qvf, script) and every object with its owner")
    .option("--tenant <name>", "a tenant from the config file")
    .option("--config <file>", "config file (default: ./lifeboat.yaml, or LIFEBOAT_CONFIG)")
    .option("--host <url>", "tenant URL (default: QLIK_HOST); credentials from QLIK_API_KEY or QLIK_CLIENT_ID + QLIK_CLIENT_SECRET")
    .option("--full", "export every app, even when unchanged since the last snapshot")
    .option("--with-data", "export apps with their data")
    .option(
      "--trust-item-dates",
      "reuse an app's previous attributes, script and history when the catalogue dates are unchanged (fewer Tier-1 calls; objects are still read — see docs/snapshot-layout.md for the risk)",
    )
    .option(
      "--deep-check-days <n>",
      "read every object of an app at least every n days even when its object stamps are unchanged (default 7, at most 30; 0 = every run)",
      days,
    )
    .option("--tag <tag>", "tag the snapshot (repeatable)", collect, [])
    .option("--timeout <kind=seconds>", timeoutHelp(), collect, [])
    .option("--json", "write the event stream and the manifest as NDJSON to stdout")
    .option("--source <kind>", "cloud (default) | qseow: a client-managed site through a header virtual proxy (--host https://site/prefix)")
    .option("--header-name <name>", "qseow: the header the virtual proxy reads the user from (default: LIFEBOAT_QSEOW_HEADER)")
    .option("--header-user-file <file>", "qseow: read the user (DIRECTORY\\userid) from this file (default: LIFEBOAT_QSEOW_USER)")
    .option("--cert-file <file>", "qseow: client certificate (PEM) for the repository port, e.g. --host https://site:4242; the user goes in X-Qlik-User")
    .option("--key-file <file>", "qseow: the client certificate's key (PEM)")
    .option("--ca-file <file>", "qseow: the CA (PEM) that signed the site's certificate");
  addRepoOptions(cmd);
  cmd.action(async (opts: BackupCommandOptions & Record<string, unknown>) => {
    if (opts.source !== undefined && opts.source !== "cloud" && opts.source !== "qseow") throw new UserError(`--source must be cloud or qseow, got "${opts.source}"`, EXIT.usage);
    if (opts.source === "qseow") {
      const site = await resolveQseowSource(opts, process.env);
      const repo = await openRepoFromOptions(opts);
      try {
        // The connection only names the site in messages; the reader carries the header credentials.
        const connection: TenantConnection = { host: site.host, auth: { type: "apikey", apiKey: "" }, tags: [] };
        const credentials =
          site.auth.type === "header"
            ? `the header user (LIFEBOAT_QSEOW_USER or --header-user-file) and --header-name ${site.auth.headerName}`
            : "the client certificate (--cert-file, --key-file: signed by the site's CA?), --ca-file and the user (LIFEBOAT_QSEOW_USER or --header-user-file)";
        // The reader is made in runBackup: it gets the resolved --timeout / LIFEBOAT_TIMEOUTS
        // deadlines and renders its "waiting" notices like the Cloud client's.
        await runBackup({ connection, repo, opts, source: ({ timeouts, onEvent }) => createQrsReader({ ...site, timeouts, onEvent }), credentials });
      } finally {
        await repo.close();
      }
      return;
    }
    const connection = resolveTenant(opts, process.env);
    // The shared lock is taken before the index is read: what we deduplicate against cannot be pruned meanwhile.
    const repo = await openRepoFromOptions(opts, { lock: { kind: "shared", purpose: "backup" } });
    try {
      await runBackup({ connection, repo, opts });
    } finally {
      await repo.close();
    }
  });
}

export interface RunBackupInput {
  connection: TenantConnection;
  repo: SnapshotRepository;
  opts: BackupCommandOptions;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** A ready tenant reader instead of a client for `connection` (tests). Not closed here. */
  tenant?: TenantReader;
  /**
   * Makes the reader instead of a Cloud client for `connection` (`--source qseow`), given the
   * run's resolved deadlines and the event sink that renders "waiting" notices. Not closed here.
   */
  source?: (wiring: { timeouts: Partial<Timeouts>; onEvent: (e: QlikClientEvent) => void }) => TenantReader;
  /** Print the summary table after the run (default true). */
  summary?: boolean;
  /** Receives every event too (the demo uses it). */
  onEvent?: (event: BackupEvent) => void;
  /** For LIFEBOAT_TIMEOUTS (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** What to check when the source rejects the credentials (default: the API key or OAuth client). */
  credentials?: string;
}

/**
 * Runs one backup with rendering; throws a UserError (exit 3) when the snapshot is partial.
 * The run itself is the run layer's (`runBackup` of @lifeboat/jobs): the connection and the
 * repository are resolved here already, so its resolvers hand them over.
 */
export async function runBackup(input: RunBackupInput): Promise<{ snapshot: Snapshot; manifest: Manifest }> {
  const { connection, repo, opts } = input;
  const stdout = input.stdout ?? process.stdout;
  const stderr = input.stderr ?? process.stderr;
  const mode = renderModeFor({ json: opts.json }, stderr as NodeJS.WriteStream);
  const render = createBackupRenderer(mode, stdout, stderr);
  // The deadlines of the environment and the flags, over the tenant's own (the run layer merges them).
  const timeouts = resolveCliTimeouts(undefined, input.env ?? process.env, opts.timeout);
  const spec: BackupJobSpec = {
    kind: "backup",
    tenant: { host: connection.host, credentials: connection.name ? `config:${connection.name}` : "env" },
    repository: { url: (repo as { location?: string }).location ?? "(given)" },
    full: opts.full ?? false,
    withData: opts.withData ?? false,
    trustItemDates: opts.trustItemDates ?? false,
    ...(opts.deepCheckDays !== undefined ? { deepCheckDays: opts.deepCheckDays } : {}),
    tags: opts.tag ?? [],
    timeouts,
  };
  const given = (reader: TenantReader): TenantHandle => ({ reader, close: async () => undefined });
  const source = input.source;
  const deps: JobDeps = {
    resolveTenant: () => connection,
    openRepository: async () => ({ repository: repo, close: async () => undefined }),
    // A ready reader (tests) or a QRS reader (--source qseow) instead of a Cloud client; not closed here.
    ...(input.tenant ? { connect: () => given(input.tenant!) } : source ? { connect: (_c, wiring) => given(source(wiring)) } : {}),
    onEvent: ({ event: e }) => {
      if (e.source === "backup") {
        render(e.event);
        input.onEvent?.(e.event);
      }
      // A call that keeps the run waiting says so (no silent hangs): shown at once, also on a TTY.
      else if (e.source === "connector" && e.event.type === "waiting") render({ type: "warning", code: "waiting", message: waitingMessage(e.event) });
    },
  };
  let result: { snapshot: Snapshot; manifest: Manifest };
  try {
    if (mode !== "json") stderr.write(`backing up ${connection.host}${connection.name ? ` (${connection.name})` : ""}\n`);
    result = await runBackupJob(spec, deps);
  } catch (err) {
    render.stop();
    throw describeConnectionError(err instanceof JobError ? new UserError(err.message) : err, connection, input.credentials);
  }
  render.stop();
  const { snapshot, manifest } = result;
  if (mode === "json") {
    writeJsonLine(stdout, { type: "manifest", snapshot, manifest });
  } else if (input.summary !== false) {
    stdout.write(renderManifest(manifest, snapshot, { items: false }));
  }
  if (snapshot.partial) {
    const failed = manifest.items.filter((i) => i.status === "failed" || i.status === "skipped").length;
    throw new UserError(
      `snapshot ${snapshot.id.slice(0, 12)} was saved PARTIAL: ${failed} item(s) failed or were skipped; ` +
        `see 'lifeboat show ${snapshot.id.slice(0, 12)}' for the reasons, then run the backup again`,
      EXIT.partial,
    );
  }
  return result;
}

/** Why a host could not be reached, in plain words (the raw reason stays in parentheses). */
function unreachableReason(detail: string): string {
  const raw = detail.replace(/;\s*check the [^;]*$/i, "").replace(/^host not found \((.*)\)$/, "$1");
  if (/ECONNREFUSED/.test(raw)) return `connection refused: nothing listens at that address and port (${raw})`;
  if (/ENOTFOUND|EAI_AGAIN/.test(raw)) return `the host name does not resolve (${raw})`;
  if (/ETIMEDOUT|timed? ?out/i.test(raw)) return `the connection timed out (${raw})`;
  return raw;
}

/** Turns credential and connection failures into a message that names the host and the next step. */
export function describeConnectionError(err: unknown, connection: TenantConnection, credentials?: string): unknown {
  if (err instanceof UserError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const field = (name: string): unknown => (err && typeof err === "object" && name in err ? (err as Record<string, unknown>)[name] : undefined);
  const kind = String(field("kind") ?? "");
  const status = Number(field("status") ?? NaN);
  const detail = typeof field("detail") === "string" ? String(field("detail")) : message;
  if (kind === "unauthorized" || kind === "forbidden" || status === 401 || status === 403) {
    const what = credentials ?? (connection.auth.type === "apikey" ? "the API key" : "the OAuth client id and secret");
    return new UserError(
      `${connection.host} rejected the credentials (${Number.isNaN(status) ? "" : `${status} `}${detail}); check ${what}${connection.name ? ` of tenant '${connection.name}'` : ""}`,
    );
  }
  if (status === 0 || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|ETIMEDOUT|ECONNRESET/i.test(message)) {
    const where = connection.name ? ` (tenant '${connection.name}')` : "";
    return new UserError(
      `cannot reach ${connection.host}${where}: ${unreachableReason(detail)}; check the host URL (scheme, name and port) and the network, then run the backup again`,
    );
  }
  return err;
}
