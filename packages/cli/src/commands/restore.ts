/**
 * `lifeboat restore SNAPSHOT`: plan, confirm, back the target up, restore with a
 * journal, verify.
 *
 *   lifeboat restore latest --app "Sales Overview" --plan          # show what would happen
 *   lifeboat restore 1a2b3c --all --target-tenant staging --create-missing-users --yes
 *   lifeboat restore 1a2b3c --app Sales --as-new --name "Sales (restored)"
 *   lifeboat restore 1a2b3c --all --plan --json > plan.json && lifeboat restore --from-plan plan.json --yes
 *
 * The target is the snapshot's own tenant (QLIK_HOST / lifeboat.yaml) unless
 * --target-host or --target-tenant names another (a migration). Without --yes the
 * command asks to type the target's host; with no terminal it refuses.
 *
 * The journal, the restore log and the verification report live in the journal store, a
 * private folder outside the repository (--state-dir, else LIFEBOAT_STATE_DIR, else
 * $XDG_STATE_HOME/lifeboat or ~/.local/state/lifeboat), keyed by repository id and target
 * tenant; the target tenant's restore lock lives there too. Running the same restore again
 * continues from the journal — `restore latest` included: it continues the snapshot the
 * unfinished restore started from.
 *
 * Exit codes: 0 restored and verified equal to the snapshot; 1 error (e.g. another restore
 * into the tenant is running — nothing written); 2 bad input or a plan with blockers
 * (nothing written); 3 partial (some steps failed — run it again); 4 restored,
 * but the read-back differs from the snapshot, or a step could not read the snapshot's data
 * because the repository is damaged (running it again would not help: verify --read-data).
 */
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import {
  backup,
  chooseRestoreSnapshot,
  defaultStateDir,
  executeRestore,
  formatPlanFile,
  importLegacyJournals,
  JournalStoreError,
  LocalJournalStore,
  SAFETY_TAG,
  SafetyBackupError,
  SnapshotChoiceError,
  storeJournal,
  type JournalScope,
  type JournalSummary,
  type SnapshotChoice,
  type TenantLock,
  journalState,
  loadRestoreSource,
  objectsNeededFor,
  parsePlanFile,
  planRestore,
  readTargetState,
  RestorePlanError,
  SnapshotContentError,
  restoreJournalKey,
  stalePlanReasons,
  verifyRestore,
  type RestoreEvent,
  type RestoreOptions,
  type RestorePlan,
  type RestoreResult,
  type VerificationReport,
} from "@lifeboat/engine";
import { createRestoreTarget, createTenantClient, waitingMessage } from "@lifeboat/qlik";
import { tenantKey } from "@lifeboat/kit";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { Option, type Command } from "commander";
import { resolveTenant, type TenantConnection } from "../config.ts";
import { skippedObjectsRecord } from "./backup.ts";
import { EXIT, UserError } from "../errors.ts";
import { writeJsonLine } from "../render/json.ts";
import { clean, escapeText, table } from "../render/table.ts";
import { resolveCliTimeouts, timeoutHelp } from "../timeouts.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions, resolveRepoOptions } from "../repo-options.ts";

export interface RestoreCommandOptions {
  app?: string[];
  space?: string[];
  all?: boolean;
  targetHost?: string;
  targetTenant?: string;
  config?: string;
  spaceMap?: string[];
  asNew?: boolean;
  name?: string;
  ownerFallback?: string;
  createMissingUsers?: boolean;
  skipExisting?: boolean;
  keepExtraObjects?: boolean;
  deleteExtraObjects?: boolean;
  safetyBackup?: boolean;
  plan?: boolean;
  dryRun?: boolean;
  json?: boolean;
  yes?: boolean;
  fromPlan?: string;
  /** Where the journal store is (--state-dir). */
  stateDir?: string;
  /** The old name of --state-dir; its flat journals are imported. */
  journalDir?: string;
  /** `--timeout KIND=SECONDS` items (cli/src/timeouts.ts). */
  timeout?: string[];
  /** With 'latest': the newest snapshot with these tags. */
  tag?: string[];
  /** Seconds to wait for another restore into the tenant to finish. */
  lockWait?: string;
  /** false with --no-lock. */
  lock?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Options that a plan file already decided (rejected with --from-plan). */
const PLAN_CHOICES: [keyof RestoreCommandOptions, string][] = [
  ["app", "--app"],
  ["space", "--space"],
  ["all", "--all"],
  ["spaceMap", "--space-map"],
  ["asNew", "--as-new"],
  ["name", "--name"],
  ["ownerFallback", "--owner-fallback"],
  ["createMissingUsers", "--create-missing-users"],
  ["skipExisting", "--skip-existing"],
  ["keepExtraObjects", "--keep-extra-objects"],
  ["deleteExtraObjects", "--delete-extra-objects"],
  ["safetyBackup", "--no-safety-backup"],
];

export function register(program: Command): void {
  const cmd = program
    .command("restore")
    .description("restore apps (with their objects, owners and publish state), spaces and users from a snapshot — into the same tenant or another")
    .argument("[snapshot]", "snapshot id, unique prefix, or 'latest' (not with --from-plan)")
    .option("--app <id|name>", "restore this app (repeatable)", collect, [])
    .option("--space <id|name>", "restore this space, its assignments and its apps (repeatable)", collect, [])
    .option("--all", "restore everything in the snapshot")
    .option("--target-host <url>", "restore into this tenant (credentials from QLIK_API_KEY or QLIK_CLIENT_ID + QLIK_CLIENT_SECRET)")
    .option("--target-tenant <name>", "restore into this tenant of the config file")
    .option("--config <file>", "config file (default: ./lifeboat.yaml, or LIFEBOAT_CONFIG)")
    .option("--space-map <old=new>", "put the snapshot's space OLD (id or name) into the target's existing space NEW (repeatable)", collect, [])
    .option("--as-new", "import as a new app even when the app exists or its name is taken")
    .option("--name <name>", "name of the new app (with --as-new, one app)")
    .option("--owner-fallback <subject>", "give content whose owner is not in the target to this user")
    .option("--create-missing-users", "create (invite) owners and members missing in the target")
    .option("--skip-existing", "leave apps whose name is taken in the target alone")
    .option("--keep-extra-objects", "keep objects of apps restored in place that the snapshot does not have (the default)")
    .option("--delete-extra-objects", "delete objects of apps restored in place that the snapshot does not have (each one is listed in the plan)")
    .option("--no-safety-backup", "do not back the target up before changing it")
    .option("--plan", "show the plan and stop (with --json: write a signed plan file to stdout)")
    .option("--dry-run", "same as --plan")
    .option("--json", "JSON output: the plan file with --plan, else NDJSON events and the verification report")
    .option("--yes", "do not ask for confirmation")
    .option("--from-plan <file>", "execute exactly this plan file (written by --plan --json)")
    .option("--tag <tag>", "with 'latest': the newest snapshot with this tag (repeatable; --tag pre-restore picks the newest safety backup)", collect, [])
    .option("--state-dir <dir>", "the private folder for restore journals, logs, verification reports and tenant locks (default: LIFEBOAT_STATE_DIR, else $XDG_STATE_HOME/lifeboat or ~/.local/state/lifeboat)")
    .option("--lock-wait <seconds>", "when another restore into the same tenant is running, wait this long for it to finish (default 0: stop at once)")
    .addOption(new Option("--journal-dir <dir>", "old name of --state-dir").hideHelp())
    .option("--timeout <kind=seconds>", timeoutHelp(), collect, []);
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (snapshotArg: string | undefined, opts: RestoreCommandOptions & Record<string, unknown>) => {
    const code = await runRestore({ snapshotArg, opts, env: process.env });
    if (code !== 0) process.exitCode = code;
  });
}

export interface RunRestoreInput {
  snapshotArg: string | undefined;
  opts: RestoreCommandOptions & Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Answers the confirmation prompt (tests and the demo); default: the terminal, if any. */
  confirm?: (question: string) => Promise<string>;
  /** An already open repository (the demo, tests); otherwise opened from the options. */
  repo?: SnapshotRepository;
  onEvent?: (e: RestoreEvent) => void;
}

function parseSpaceMap(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i <= 0 || i === v.length - 1) throw new UserError(`--space-map ${v}: expected OLD=NEW (space ids or names)`, EXIT.usage);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

function optionsFrom(opts: RestoreCommandOptions): RestoreOptions {
  const o: RestoreOptions = {};
  if (opts.app?.length) o.apps = opts.app;
  if (opts.space?.length) o.spaces = opts.space;
  if (opts.all) o.all = true;
  const map = parseSpaceMap(opts.spaceMap ?? []);
  if (Object.keys(map).length) o.spaceMap = map;
  if (opts.asNew) o.asNew = true;
  if (opts.name !== undefined) o.name = opts.name;
  if (opts.ownerFallback) o.ownerFallback = opts.ownerFallback;
  if (opts.createMissingUsers) o.createMissingUsers = true;
  if (opts.skipExisting) o.skipExisting = true;
  if (opts.keepExtraObjects && opts.deleteExtraObjects)
    throw new UserError("--keep-extra-objects and --delete-extra-objects contradict each other; keeping is the default, so pass --delete-extra-objects alone to delete", EXIT.usage);
  if (opts.deleteExtraObjects) o.deleteExtraObjects = true;
  if (opts.safetyBackup === false) o.safetyBackup = false;
  return o;
}

/** The plan-signing key: derived from the repository's MAC key, so a plan file only verifies against its repository. */
function signingKey(repo: SnapshotRepository): Uint8Array | undefined {
  const mac = (repo as unknown as { macKey?: Uint8Array }).macKey;
  return mac ? createHmac("sha256", mac).update("lifeboat restore plan signing key v1").digest() : undefined;
}

/** The journal store's folder: --state-dir (or its old name --journal-dir), else the environment's default. */
function stateDirOf(opts: RestoreCommandOptions, env: NodeJS.ProcessEnv): string {
  const given = opts.stateDir ?? opts.journalDir;
  return given ? resolve(given) : defaultStateDir(env);
}

/** The local repository's folder, when the repository is a local one. */
async function localRepoDir(opts: RestoreCommandOptions & Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const { url } = await resolveRepoOptions(opts, env);
    if (url && !url.startsWith("s3:") && existsSync(url)) return resolve(url);
  } catch {
    // the repository came from elsewhere (the demo, tests)
  }
  return undefined;
}

/** Where earlier versions kept journals: beside a local repository, or in ~/.lifeboat (flat `<key>.jsonl` files). */
function legacyJournalDirs(opts: RestoreCommandOptions, env: NodeJS.ProcessEnv, repoDir: string | undefined): string[] {
  const dirs = [
    opts.journalDir,
    env.LIFEBOAT_JOURNAL_DIR,
    repoDir && join(repoDir, "restore-journals"),
    env.LIFEBOAT_STATE_DIR && join(env.LIFEBOAT_STATE_DIR, "restore-journals"),
    join(env.HOME || homedir(), ".lifeboat", "restore-journals"),
  ];
  return [...new Set(dirs.filter((d): d is string => !!d).map((d) => resolve(d)))];
}

function parseLockWait(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n)) throw new UserError(`--lock-wait ${value}: expected a number of seconds, e.g. --lock-wait 600`, EXIT.usage);
  return n * 1000;
}

/** What a restore restores, for the lock (a second restore names it). */
function describeRestore(snapshotId: string, options: RestoreOptions | undefined, fromPlan: string | undefined, host: string): string {
  const what = fromPlan
    ? `the plan file ${fromPlan}`
    : options?.all
      ? "--all"
      : [...(options?.apps ?? []).map((a) => `--app ${a}`), ...(options?.spaces ?? []).map((x) => `--space ${x}`)].join(" ");
  return `restore of snapshot ${snapshotId.slice(0, 12)} (${clean(what, 200)}) into ${host}`;
}

function describeJournal(j: JournalSummary): string {
  const state = j.finished === "partial" ? "ended partial" : j.finished === "aborted" ? "was aborted" : "was interrupted";
  return `snapshot ${j.snapshot.slice(0, 12)}, started ${j.startedAt}, ${state} (journal ${j.location})`;
}

/** The tenant to restore into: the flags, else the snapshot's own tenant from the environment or config. */
function resolveTarget(opts: RestoreCommandOptions, env: NodeJS.ProcessEnv, sourceHost: string | undefined): TenantConnection {
  if (opts.targetTenant) return resolveTenant({ tenant: opts.targetTenant, config: opts.config }, env);
  if (opts.targetHost) return resolveTenant({ host: opts.targetHost, hostFlag: "--target-host", config: opts.config }, env);
  const conn = resolveTenant({ config: opts.config }, env);
  if (sourceHost && tenantKey(conn.host) !== tenantKey(sourceHost))
    throw new UserError(
      `the snapshot is of ${sourceHost} but the default tenant is ${conn.host}; to restore into another tenant say so with --target-host ${conn.host} (or --target-tenant NAME)`,
      EXIT.usage,
    );
  return conn;
}

function describeConnectionError(err: unknown, c: TenantConnection): unknown {
  if (err instanceof UserError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const kind = err && typeof err === "object" && "kind" in err ? String((err as { kind: unknown }).kind) : "";
  if (kind === "unauthorized" || kind === "forbidden")
    return new UserError(`${c.host} rejected the credentials (${message}); check ${c.auth.type === "apikey" ? "the API key" : "the OAuth client id and secret"} — nothing was changed`);
  if (kind === "unreachable" || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed/i.test(message))
    return new UserError(`cannot reach ${c.host} (${message}); check the host URL and the network — nothing was changed`);
  return err;
}

export async function runRestore(input: RunRestoreInput): Promise<number> {
  const { opts, env } = input;
  const stdout = input.stdout ?? process.stdout;
  const stderr = input.stderr ?? process.stderr;
  const json = opts.json === true;
  const planOnly = opts.plan === true || opts.dryRun === true;
  const say = (text: string) => {
    if (!json) stderr.write(text);
  };

  if (opts.fromPlan && input.snapshotArg) throw new UserError("give either SNAPSHOT or --from-plan FILE, not both", EXIT.usage);
  if (!opts.fromPlan && !input.snapshotArg) throw new UserError("which snapshot? pass SNAPSHOT (id, prefix or 'latest') or --from-plan FILE", EXIT.usage);
  if (opts.fromPlan) {
    // The plan file holds the selection and every choice: a flag here would be silently ignored.
    const given = PLAN_CHOICES.filter(([key]) => {
      const v = opts[key];
      return Array.isArray(v) ? v.length > 0 : key === "safetyBackup" ? v === false : v !== undefined && v !== false;
    });
    if (given.length)
      throw new UserError(
        `--from-plan executes the plan file as it is, so ${given.map(([, flag]) => flag).join(", ")} cannot be given with it; make a new plan with those options ('lifeboat restore SNAPSHOT … --plan --json')`,
        EXIT.usage,
      );
  }
  const options = opts.fromPlan ? undefined : optionsFrom(opts);
  const lockWaitMs = parseLockWait(opts.lockWait);
  const tags = opts.tag ?? [];
  if (tags.length && opts.fromPlan) throw new UserError("--tag chooses the snapshot for 'latest'; a plan file names its snapshot already — drop --tag", EXIT.usage);
  const store = new LocalJournalStore(stateDirOf(opts, env));

  // A shared lock for the whole run: a prune must not remove data this restore is reading.
  // With --no-lock, or on read-only storage, the snapshot is read without a lock (nothing can be saved then).
  const repo = input.repo ?? (await openRepoFromOptions(opts, readOnlyOpenOptions(opts, { purpose: "restore" })));
  try {
    const key = signingKey(repo);
    let filePlan: RestorePlan | undefined;
    if (opts.fromPlan) {
      let text: string;
      try {
        text = await readFile(opts.fromPlan, "utf8");
      } catch (e) {
        throw new UserError(`cannot read plan file ${opts.fromPlan}: ${(e as Error).message}`, EXIT.usage);
      }
      try {
        filePlan = parsePlanFile(text, opts.fromPlan, key);
      } catch (e) {
        throw new UserError((e as Error).message, EXIT.usage);
      }
    }

    const repositoryId = repositoryIdOf(repo);
    const repoDir = await localRepoDir(opts, env);
    if (repoDir && isInside(store.location, repoDir))
      say(`warning: the restore state folder ${store.location} is inside the repository folder ${repoDir}: journals, logs and verification reports (app names, user subjects, hosts) are kept there unencrypted, beside the repository's data\n`);

    // The target is needed to find this tenant's unfinished restores before the snapshot is chosen;
    // when it cannot be resolved yet, the snapshot's own checks speak first.
    let early: TenantConnection | undefined;
    try {
      early = filePlan
        ? resolveTarget(opts.targetTenant ? opts : { ...opts, targetHost: opts.targetHost ?? filePlan.target.host }, env, undefined)
        : resolveTarget(opts, env, undefined);
    } catch {
      early = undefined;
    }
    const snapshotId = filePlan ? filePlan.snapshot.id : input.snapshotArg!;
    const earlyScope: JournalScope | undefined = early && { repositoryId, tenant: early.host };
    if (early && earlyScope) {
      const snapshotIds = async () => new Set((await repo.listSnapshots()).map((x) => x.id));
      for (const imported of await importLegacyJournals({ store, scope: earlyScope, host: early.host, dirs: legacyJournalDirs(opts, env, repoDir), snapshotIds }))
        say(
          `imported the journal of an earlier Lifeboat version from ${imported.from} into the journal store (${imported.to}); the old file is no longer used — delete it (and the restore logs beside it) when you no longer need them\n`,
        );
    }
    // An unknown snapshot is reported as by every command (`show`, `ls`: the repository's message, exit 2).
    // 'latest' is the snapshot of an unfinished restore of the same selection, else the newest that is not a safety backup
    // (or the newest with --tag) — also when the target is not known yet (then no journal is consulted; the target's error follows).
    let snapshot: Snapshot;
    let choice: SnapshotChoice | undefined;
    try {
      if (!filePlan) {
        const journals = early && earlyScope ? { store, scope: earlyScope, host: early.host } : {};
        choice = await chooseRestoreSnapshot({ repository: repo, arg: snapshotId, tags, options: options!, ...journals });
        snapshot = choice.snapshot;
      } else snapshot = await repo.loadSnapshot(snapshotId); // a plan file names its snapshot by id (--tag was refused above)
    } catch (e) {
      if (e instanceof SnapshotChoiceError) throw new UserError(e.message, EXIT.usage);
      throw e;
    }
    // Said once this restore holds the tenant's lock (or, for a plan, has looked for a running one):
    // a restore that meets a running one stops without claiming to continue anything.
    const sayChoice = () => {
      if (choice?.resumed)
        say(`continuing the restore of snapshot ${choice.snapshot.id.slice(0, 12)} started at ${choice.resumed.startedAt} (journal ${choice.resumed.location}); 'latest' means that snapshot until this restore completes — name another snapshot by id to restore it instead\n`);
      for (const j of choice?.unfinished ?? [])
        say(`note: an unfinished restore into this tenant with other options or another snapshot is in the journal store: ${describeJournal(j)} — run it again with its own options to finish it\n`);
    };
    let source;
    try {
      source = await loadRestoreSource(repo, snapshot);
    } catch (e) {
      // Damaged stored data keeps its own class (exit 4); a snapshot not written by a backup is bad input.
      if (e instanceof SnapshotContentError) throw new UserError(e.message, EXIT.usage);
      throw e;
    }

    // A plan names its target: its host, with credentials from --target-tenant or the environment.
    const connection = filePlan
      ? resolveTarget(opts.targetTenant ? opts : { ...opts, targetHost: opts.targetHost ?? filePlan.target.host }, env, undefined)
      : resolveTarget(opts, env, source.tenant.host);
    if (filePlan && tenantKey(connection.host) !== tenantKey(filePlan.target.host))
      throw new UserError(
        `plan file ${opts.fromPlan} is for ${filePlan.target.host}, not ${connection.host}; nothing was changed — pass --target-host ${filePlan.target.host} (or the --target-tenant of that host), or make a plan for ${connection.host}`,
        EXIT.usage,
      );

    const scope: JournalScope = { repositoryId, tenant: connection.host };
    // Today's key, or the key an earlier version gave this restore when only that one has a journal.
    const restoreKey = filePlan ? filePlan.restoreKey : await restoreJournalKey(store, scope, snapshot.id, connection.host, options!);
    const skipped = skippedObjectsRecord(); // the safety backup records what it could not read, as a backup does
    const client = createTenantClient({
      host: connection.host,
      auth: connection.auth,
      timeouts: resolveCliTimeouts(connection.timeouts, env, opts.timeout),
      onEvent: (e) => {
        skipped.onEvent(e);
        // A call that keeps the restore waiting says so (no silent hangs).
        if (e.type === "waiting") say(`warning: ${escapeText(waitingMessage(e))}\n`);
      },
    });
    let lock: TenantLock | undefined;
    try {
      // One restore at a time per tenant: held from before the target is read until the verification is written.
      if (planOnly) {
        const running = await store.holder(connection.host);
        if (running) say(`note: a restore into ${tenantKey(connection.host)} is running now: ${running.restoring} (PID ${running.pid} on ${running.hostname}, since ${running.created}); this plan may be out of date when it ends\n`);
      } else
        lock = await store.lock(
          connection.host,
          { restoring: describeRestore(snapshot.id, options, opts.fromPlan, connection.host), restoreKey },
          {
            waitMs: lockWaitMs,
            onWait: (h) => say(`waiting up to ${lockWaitMs / 1000} s for another restore into ${h.tenant} to finish: ${h.restoring} (PID ${h.pid} on ${h.hostname}, since ${h.created})\n`),
          },
        );
      sayChoice();
      const target = createRestoreTarget(client);
      let state;
      try {
        // With --delete-extra-objects the plan lists every deletion: it needs the target apps' objects.
        state = await readTargetState(target, { objectsOf: options ? objectsNeededFor(source, options) : [] });
      } catch (e) {
        throw describeConnectionError(e, connection);
      }

      let plan: RestorePlan;
      if (filePlan) {
        plan = filePlan;
        // Exactly that plan — or nothing, when the target changed under it since it was made.
        const journalNow = journalState(await store.load(scope, plan.restoreKey));
        const stale = stalePlanReasons(plan, state, journalNow);
        if (stale.length)
          throw new UserError(
            `plan file ${opts.fromPlan} no longer fits ${plan.target.host}: ${stale.join("; ")}. Nothing was changed — make a new plan ('lifeboat restore ${plan.snapshot.id.slice(0, 12)} … --plan --json')`,
            EXIT.usage,
          );
      } else {
        // The planner's own key function: the journal of "this restore" is found before planning.
        const previous = journalState(await store.load(scope, restoreKey));
        try {
          plan = planRestore(source, state, options!, { restoreKey, created: previous.created, interruptedKnown: previous.interruptedKnown, interrupted: [...previous.interrupted] });
        } catch (e) {
          if (e instanceof RestorePlanError) throw new UserError(`${e.message} — nothing was changed`, EXIT.usage);
          throw e;
        }
      }

      if (planOnly) {
        if (json) stdout.write(formatPlanFile(plan, key));
        else stdout.write(renderPlan(plan));
        return 0;
      }
      if (json) writeJsonLine(stdout, { type: "plan", plan });
      else stdout.write(renderPlan(plan));
      if (plan.blockers.length > 0)
        throw new UserError(`the plan has ${plan.blockers.length} blocker(s) (listed above); resolve them with the options named there — nothing was changed`, EXIT.usage);
      if (plan.steps.length === 0) {
        say("nothing to do: the target already has everything selected\n");
        return 0;
      }

      // Confirmation: type the target's host.
      if (!opts.yes) {
        const host = tenantKey(plan.target.host);
        const ask = input.confirm ?? (process.stdin.isTTY ? promptTerminal : undefined);
        if (!ask)
          throw new UserError(`refusing to change ${plan.target.host} without confirmation: no terminal to ask on; pass --yes to confirm — nothing was changed`, EXIT.usage);
        const answer = (await ask(`This changes ${plan.target.host} (${plan.steps.length} steps). Type the tenant's host (${host}) to go on: `)).trim();
        if (tenantKey(answer) !== host && answer !== plan.target.host) throw new UserError(`'${answer}' is not ${host}; nothing was changed`, EXIT.usage);
      }

      // Test hook (e2e only): hold the tenant lock until a file appears, so a second restore meets a running one.
      // Bounded, so a test runner that died meanwhile does not leave this process polling forever.
      const pauseFile = env.LIFEBOAT_TEST_PAUSE_AFTER_LOCK;
      if (pauseFile && lock) {
        await writeFile(`${pauseFile}.held`, String(process.pid));
        const until = Date.now() + TEST_PAUSE_LIMIT_MS;
        while (!existsSync(pauseFile)) {
          if (Date.now() >= until)
            throw new UserError(`test hook LIFEBOAT_TEST_PAUSE_AFTER_LOCK: ${pauseFile} did not appear within ${TEST_PAUSE_LIMIT_MS / 1000} s; stopped before changing anything`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const journal = storeJournal(store, scope, plan.restoreKey, lock);
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const logName = `${plan.restoreKey}-${stamp}.log`;
      const reportName = `${plan.restoreKey}-${stamp}-verification.json`;
      const logFile = await store.writeFile(scope, logName, "", "append");
      const log = async (line: string) => {
        await store.writeFile(scope, logName, `${new Date().toISOString()} ${line}\n`, "append");
      };
      await log(`restore of snapshot ${plan.snapshot.id} (${plan.snapshot.host}) into ${plan.target.host} as ${plan.target.caller}; restore key ${plan.restoreKey}`);
      // Test hooks (e2e only): die like a kill -9 after a step, or after its work but before the journal knows.
      const killAfter = env.LIFEBOAT_TEST_KILL_AFTER_STEP;
      const killBeforeJournal = env.LIFEBOAT_TEST_KILL_BEFORE_JOURNAL;
      const die = async (): Promise<void> => {
        await Promise.all(pending);
        process.kill(process.pid, "SIGKILL");
        await new Promise(() => undefined);
      };

      let result: RestoreResult;
      const pending: Promise<void>[] = [];
      const onEvent = (e: RestoreEvent) => {
        input.onEvent?.(e);
        if (json) writeJsonLine(stdout, e.type === "step" ? { type: "step", id: e.step.id, label: e.step.label, outcome: e.outcome, note: e.note } : e);
        const line = eventLine(e);
        if (line) {
          say(line + "\n");
          pending.push(log(line));
        }
      };
      try {
        result = await executeRestore({
          plan,
          source,
          repository: repo,
          target,
          journal,
          onEvent,
          safetyBackup: async () => {
            const r = await backup({ tenant: client, repository: repo, tags: [SAFETY_TAG, ...connection.tags], skippedObjects: skipped.of });
            return r.snapshot;
          },
          afterStep: async (stepId, index) => {
            if (killAfter && (killAfter === stepId || killAfter === String(index + 1))) await die();
          },
          beforeJournal: async (stepId, index) => {
            if (killBeforeJournal && (killBeforeJournal === stepId || killBeforeJournal === String(index + 1))) await die();
          },
        });
      } catch (e) {
        await Promise.all(pending);
        await log(`aborted: ${(e as Error).message}`);
        const advice = e instanceof SafetyBackupError && cannotWrite(e.cause) ? ` — ${READ_ONLY_SAFETY_ADVICE}` : "";
        throw new UserError(`${(e as Error).message}${advice} (journal ${journal.location}, log ${logFile})`);
      }
      await Promise.all(pending);

      say("verifying: reading the restored content back\n");
      let report: VerificationReport;
      try {
        report = await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore: state.apps.map((a) => a.appId) });
      } catch (e) {
        await log(`verification failed: ${(e as Error).message}`);
        say(`restore ${result.status}, but the verification could not read the target back: ${(e as Error).message}; run the same command again to verify (journal ${journal.location})\n`);
        return EXIT.partial;
      }
      const reportFile = await store.writeFile(scope, reportName, JSON.stringify(report, null, 2) + "\n", "replace");
      await log(`verification: ${report.status} (${report.mismatches} mismatch(es)); report ${reportFile}`);
      for (const line of renderVerification(report).split("\n")) if (line) await log(line);

      if (json) writeJsonLine(stdout, { type: "verification", report, log: logFile, journal: journal.location });
      else {
        stdout.write(renderResult(result, report, { log: logFile, report: reportFile }));
      }
      const damaged = result.failed.filter((f) => f.damaged);
      if (damaged.length) {
        // Not a tenant or network failure: running it again reads the same damaged data.
        say(
          `restore PARTIAL: ${damaged.length} step(s) could not read the snapshot's data because the repository is damaged (above); ` +
            `run 'lifeboat verify --read-data' to see what is damaged and which snapshots are affected, then restore what is missing from another snapshot (journal ${journal.location})\n`,
        );
        return EXIT.damaged;
      }
      if (result.status === "partial") {
        say(`restore PARTIAL: ${result.failed.length} step(s) failed; run the same command again to continue (journal ${journal.location})\n`);
        return EXIT.partial;
      }
      return report.status === "match" ? EXIT.ok : EXIT.damaged;
    } finally {
      await client.close();
      await lock?.release();
    }
  } finally {
    if (!input.repo) await repo.close();
  }
}

/**
 * How long the LIFEBOAT_TEST_PAUSE_AFTER_LOCK hook holds the lock at most: far beyond the seconds
 * the e2e suite holds it for, with room for slow child-process starts on a loaded machine.
 */
const TEST_PAUSE_LIMIT_MS = 300_000;

const READ_ONLY_SAFETY_ADVICE =
  "the repository cannot be written (read-only storage, or --no-lock), so it cannot hold the safety backup of the target: back the target up into a writable repository first ('lifeboat backup --repo OTHER'), then run this restore again with --no-safety-backup";

/** Whether a safety backup failed because the repository refuses writes (read-only storage, --no-lock). */
function cannotWrite(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | undefined;
  return e?.name === "ReadOnlyError" || e?.code === "READ_ONLY" || e?.code === "EROFS";
}

/** The repository's id (journals are kept per repository); a repository without one is keyed by its location. */
function repositoryIdOf(repo: SnapshotRepository): string {
  const r = repo as unknown as { config?: { id?: string }; location?: string };
  return r.config?.id ?? `location:${r.location ?? "unknown"}`;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

async function promptTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function eventLine(e: RestoreEvent): string | undefined {
  switch (e.type) {
    case "begin":
      return `${e.resumed ? "continuing" : "starting"} restore ${e.restoreKey}: ${e.steps} step(s); journal ${e.journal}`;
    case "safety-backup":
      return `safety backup of the target taken: snapshot ${e.snapshotId.slice(0, 12)} (tag pre-restore) — restore it to undo this restore`;
    case "warning":
      return `warning: ${escapeText(e.message)}`;
    case "step": {
      const mark = { done: "ok  ", "already-done": "same", failed: "FAIL", skipped: "----" }[e.outcome];
      return `[${String(e.index + 1).padStart(String(e.total).length)}/${e.total}] ${mark} ${clean(e.step.label, 100)}${e.note ? ` — ${clean(e.note, e.outcome === "failed" ? 2000 : 200)}` : ""}`;
    }
    case "end":
      return `restore ${e.result.status}`;
  }
}

export function renderPlan(plan: RestorePlan): string {
  let out = `restore plan ${plan.restoreKey}\n`;
  out += `  snapshot ${plan.snapshot.id.slice(0, 12)} of ${plan.snapshot.host} taken ${plan.snapshot.time}${plan.snapshot.partial ? " (PARTIAL)" : ""}\n`;
  out += `  target   ${plan.target.host} as ${clean(plan.target.caller, 200)}${plan.target.sameTenant ? " (the same tenant)" : " (another tenant)"}\n\n`;
  if (plan.users.length) {
    out += "users\n";
    out += table(
      ["subject", "name", "decision", "target user", "why"],
      plan.users.map((u) => [clean(u.subject || u.sourceId, 40), clean(u.name ?? "", 24), u.action + (u.matchedBy ? ` (${u.matchedBy})` : ""), u.targetId ?? (u.action === "create" ? "(new)" : "-"), clean(u.reason, 90)]),
    );
    out += "\n";
  }
  if (plan.spaces.length) {
    out += "spaces\n";
    out += table(
      ["space", "type", "decision", "target", "owner", "why"],
      plan.spaces.map((s) => [
        clean(s.name, 40),
        s.type,
        s.action,
        s.targetId ?? (s.action === "create" ? "(new)" : "-"),
        s.owner ? clean(s.owner.subject, 40) + (s.owner.ref ? "" : " (missing)") : "-",
        clean(s.reason, 90),
      ]),
    );
    out += "\n";
  }
  if (plan.apps.length) {
    out += "apps\n";
    out += table(
      ["app", "from", "decision", "as", "into", "objects", "why"],
      plan.apps.map((a) => [
        clean(a.name, 40),
        a.sourceSpace ? `${clean(a.sourceSpace.name, 24)} (${a.sourceSpace.type})` : "personal",
        a.action + (a.sectionAccess ? " (section access)" : ""),
        clean(a.targetName, 40),
        a.managed ? `${clean(a.managed.space.name, 24)} via ${clean(a.targetSpace?.name ?? "", 24)}` : a.targetSpace ? clean(a.targetSpace.name, 30) : "personal",
        a.objects,
        clean(a.reason, 100),
      ]),
    );
    // Apps gone from their own tenant: whether Qlik's own restore brings them back, and why.
    const qlik = plan.apps.filter((a) => a.qlik);
    if (qlik.length) {
      out += "Qlik's own restore (soft-deleted apps)\n";
      for (const a of qlik) out += `  ${clean(a.name, 40)}: ${clean(a.qlik!, 300)}\n`;
    }
    out += "\n";
  }
  out += `steps (${plan.steps.length})\n`;
  plan.steps.forEach((s, i) => {
    out += `  ${String(i + 1).padStart(3)}. ${clean(s.label, 120)}\n`;
    // Every deletion is a line of the plan the user confirms.
    if (s.kind === "objects") for (const r of s.remove) out += `         - delete ${r.type} '${clean(r.title, 60)}' (${r.id}): not in the snapshot\n`;
  });
  for (const w of plan.warnings) out += `warning: ${escapeText(w)}\n`;
  for (const b of plan.blockers) out += `BLOCKER: ${escapeText(b)}\n`;
  return out;
}

export function renderVerification(report: VerificationReport): string {
  let out = `verification: ${report.status === "match" ? "the restored content equals the snapshot" : `${report.mismatches} mismatch(es)`}\n`;
  out += table(
    ["app", "target id", "objects", "fields checked", "mismatches"],
    report.apps.map((a) => [clean(a.name, 40), a.targetAppId ?? "-", a.objects, a.checked, a.mismatches.length]),
  );
  const all = [...report.other, ...report.apps.flatMap((a) => a.mismatches)];
  for (const m of all.slice(0, 50)) out += `  ${clean(m.where, 120)}: ${m.field} expected ${clean(m.expected ?? "", 60)}, found ${clean(m.actual ?? "", 60)}\n`;
  if (all.length > 50) out += `  … and ${all.length - 50} more (see the report file)\n`;
  for (const a of report.apps) if (a.notVisible) out += `  ${clean(a.name, 40)}: ${a.notVisible} private object(s) of other users not visible to the restoring user, not compared\n`;
  for (const a of report.apps) if (a.kept) out += `  ${clean(a.name, 40)}: ${a.kept} object(s) the snapshot does not have kept (--delete-extra-objects deletes them)\n`;
  return out;
}

function renderResult(result: RestoreResult, report: VerificationReport, files: { log: string; report: string }): string {
  const counts = { done: 0, "already-done": 0, failed: 0, skipped: 0 };
  for (const s of result.steps) counts[s.outcome]++;
  let out = `\nrestore ${result.status}: ${counts.done} step(s) done, ${counts["already-done"]} already done, ${counts.failed} failed, ${counts.skipped} not run\n`;
  if (result.safetySnapshot) out += `safety backup: snapshot ${result.safetySnapshot.slice(0, 12)} (tag pre-restore) holds the target as it was before\n`;
  for (const f of result.failed) out += `  failed: ${clean(f.label, 100)}: ${clean(f.error, 2000)}\n`;
  out += renderVerification(report);
  out += `log: ${files.log}\nverification report: ${files.report}\njournal: ${result.journal}\n`;
  return out;
}

export interface RestoreDemoInput {
  /** The sandbox tenant and its private-content bot. */
  host: string;
  clientId: string;
  clientSecret: string;
  repo: SnapshotRepository;
  /** The snapshot to restore from (the demo's latest backup). */
  snapshot: Snapshot;
  /** Where journals and logs go (the demo's temporary folder). */
  dir: string;
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  /** Prints a numbered demo step heading. */
  step: (n: number, text: string) => void;
  firstStep: number;
}

/**
 * The restore part of `lifeboat demo`: an app and a user's private sheet are deleted in the
 * sandbox (setup through the emulator's test-only admin surface, as a user would in Qlik),
 * then `lifeboat restore` plans, restores and verifies them. Throws when the restore does
 * not verify.
 */
export async function runRestoreDemo(input: RestoreDemoInput): Promise<void> {
  const { host, io } = input;
  const out = (text: string) => io.stdout.write(text);
  const source = await loadRestoreSource(input.repo, input.snapshot);
  const app = source.apps.find((a) => a.doc.summary.spaceType === "shared" && a.objects.length > 0);
  const sheetApp = source.apps.find((a) => a !== app && a.objects.some((o) => o.type === "sheet" && !o.approved && !o.published));
  const sheet = sheetApp?.objects.find((o) => o.type === "sheet" && !o.approved && !o.published);
  if (!app || !sheetApp || !sheet) throw new Error("the sandbox snapshot has no app and private sheet to delete; the sandbox fixture changed");

  let n = input.firstStep;
  input.step(n++, `Disaster: app '${clean(app.name)}' is deleted, and so is ${sheet.ownerSubject}'s private sheet '${clean(sheet.title)}' in '${clean(sheetApp.name)}'`);
  out("   (sandbox setup through the emulator's admin surface — as users would in Qlik; not Lifeboat)\n");
  for (const path of [`apps/${encodeURIComponent(app.id)}`, `apps/${encodeURIComponent(sheetApp.id)}/objects/${encodeURIComponent(sheet.id)}`]) {
    const resp = await fetch(`${host}/__emulator/${path}`, { method: "DELETE" });
    if (!resp.ok) throw new Error(`the sandbox refused to delete ${path}: ${resp.status} ${await resp.text()}`);
  }

  input.step(n++, `Restoring both from snapshot ${input.snapshot.id.slice(0, 12)} (lifeboat restore ${input.snapshot.id.slice(0, 12)} --app … --yes)`);
  out("   the plan first, then a safety backup of the tenant, the steps, and a read-back of everything restored\n");
  const code = await runRestore({
    snapshotArg: input.snapshot.id,
    opts: { app: [app.id, sheetApp.id], yes: true, stateDir: join(input.dir, "state") },
    env: { QLIK_HOST: host, QLIK_CLIENT_ID: input.clientId, QLIK_CLIENT_SECRET: input.clientSecret },
    repo: input.repo,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  if (code !== 0) throw new Error(`the demo restore ended with exit code ${code}; see the verification above`);
  out(`   '${clean(app.name)}' is back (as a new app id: Qlik's import cannot keep ids) and '${clean(sheet.title)}' is back in '${clean(sheetApp.name)}', owned by ${sheet.ownerSubject}\n`);
}
