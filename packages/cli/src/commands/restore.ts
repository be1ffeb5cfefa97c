/**
 * `lifeboat restore SNAPSHOT`: plan, confirm, back the target up, restore with a
 * journal, verify.
 *
 *   lifeboat restore latest --app "Sales Overview" --plan          # show what would happen
 *   lifeboat restore 1a2b3c --all --target-tenant staging --create-missing-users --yes
 *   lifeboat restore 1a2b3c --app Sales --as-new --name "Sales (restored)"
 *   lifeboat restore 1a2b3c --all --plan --json > plan.json && lifeboat restore --from-plan plan.json --yes
 *   lifeboat restore latest --app Sales --object 4f1c… --object "My bookmark" --yes  # just these objects
 *   lifeboat restore latest --all --secrets secrets.yaml --yes                     # with passwords re-entered
 *   lifeboat restore latest --layers dataConnections,reloadTasks --plan           # just these kinds
 *
 * Secrets Qlik never returns (data-connection passwords, client secrets, …) are not in any
 * snapshot: `--secrets FILE` gives them (YAML: kind → item name → field, checked against the
 * snapshot before anything changes; see ../secrets.ts), or, on a terminal without --yes and
 * --json, a hidden prompt asks for each one the plan needs (Enter skips). What is not given is
 * created without it where Qlik allows and listed in the re-entry checklist that ends the run.
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
 * The restore itself runs in the run layer (`runRestore` of @lifeboat/jobs); this command parses
 * the flags into a job spec, renders its events and result (render/restore.ts) and decides the
 * exit code.
 *
 * Exit codes: 0 restored and verified equal to the snapshot; 1 error (e.g. another restore
 * into the tenant is running — nothing written); 2 bad input or a plan with blockers
 * (nothing written); 3 partial (some steps failed — run it again); 4 restored,
 * but the read-back differs from the snapshot, or a step could not read the snapshot's data
 * because the repository is damaged (running it again would not help: verify --read-data).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { chooseRestoreSnapshot, defaultStateDir, LocalJournalStore, pluralOf, RESOURCES, type RestoreEvent, type RestoreOptions } from "@lifeboat/engine";
import { tenantKey } from "@lifeboat/kit";
import { runRestore as runRestoreJob, type JobEnvelope, type RestoreDeps, type RestoreJobSpec, type TenantRef } from "@lifeboat/jobs";
import { waitingMessage } from "@lifeboat/qlik";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import type { ResourceKindName } from "@lifeboat/model";
import { Option, type Command } from "commander";
import { resolveTenant, type TenantConnection } from "../config.ts";
import { EXIT, UserError } from "../errors.ts";
import { writeJsonLine } from "../render/json.ts";
import { checklistOf, eventLine, renderPlan, renderResult, renderVerification, resourcesOf } from "../render/restore.ts";
import { askHidden, kindForKey, loadSecretsFile, neededSecrets, promptSecrets, SecretStore } from "../secrets.ts";
import { escapeText } from "../render/table.ts";
import { resolveCliTimeouts, timeoutHelp } from "../timeouts.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions, resolveRepoOptions } from "../repo-options.ts";

export interface RestoreCommandOptions {
  app?: string[];
  /** Single-object restore: object ids or titles of the one --app. */
  object?: string[];
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
  /** `--secrets FILE`: the secrets to write back (never a flag value). */
  secrets?: string;
  /** `--layers KIND,…` (repeatable): the declared resource kinds to restore. */
  layers?: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Options that a plan file already decided (rejected with --from-plan). */
const PLAN_CHOICES: [keyof RestoreCommandOptions, string][] = [
  ["app", "--app"],
  ["object", "--object"],
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
  ["layers", "--layers"],
];

export function register(program: Command, context: { restoreHooks?: RestoreHooks } = {}): void {
  const cmd = program
    .command("restore")
    .description("restore apps (with their objects, owners and publish state), spaces and users from a snapshot — into the same tenant or another")
    .argument("[snapshot]", "snapshot id, unique prefix, or 'latest' (not with --from-plan)")
    .option("--app <id|name>", "restore this app (repeatable)", collect, [])
    .option("--object <id|title>", "restore just this object of the --app into the live app, with its children, owner and state (repeatable; a title must be unique in the app)", collect, [])
    .option("--space <id|name>", "restore this space, its assignments and its apps (repeatable)", collect, [])
    .option("--all", "restore everything in the snapshot")
    .option("--layers <kinds>", "restore these kinds of tenant resources (comma-separated layer names or nouns: dataConnections,reloadTasks or 'data connections'; repeatable)", collect, [])
    .option("--secrets <file>", "YAML file of the secrets to re-enter, by kind, item name and field (data-connection passwords, client secrets, …); checked before anything changes. Without it a terminal prompts (hidden input)")
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
  cmd.action(async (snapshotArg: string | undefined, opts: RestoreCommandOptions & Record<string, unknown>) =>
    runRestore({ snapshotArg, opts, env: process.env, ...(context.restoreHooks ? { hooks: context.restoreHooks } : {}) }),
  );
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
  /** Test hooks of the run layer (e2e/fixtures/lifeboat-with-hooks.js sets them; the product never does). */
  hooks?: RestoreHooks;
  /** Cancels the restore between steps. */
  signal?: AbortSignal;
  /** Reads one secret without echoing it (tests); default: the terminal, if stdin is one. */
  askSecret?: (question: string) => Promise<string>;
}

export type RestoreHooks = NonNullable<RestoreDeps["hooks"]>;

function parseSpaceMap(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i <= 0 || i === v.length - 1) throw new UserError(`--space-map ${v}: expected OLD=NEW (space ids or names)`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

function optionsFrom(opts: RestoreCommandOptions): RestoreOptions {
  const o: RestoreOptions = {};
  if (opts.app?.length) o.apps = opts.app;
  if (opts.object?.length) o.objects = opts.object;
  if (opts.space?.length) o.spaces = opts.space;
  if (opts.all) o.all = true;
  const layers = parseLayers(opts.layers ?? []);
  if (layers.length) o.layers = layers;
  const map = parseSpaceMap(opts.spaceMap ?? []);
  if (Object.keys(map).length) o.spaceMap = map;
  if (opts.asNew) o.asNew = true;
  if (opts.name !== undefined) o.name = opts.name;
  if (opts.ownerFallback) o.ownerFallback = opts.ownerFallback;
  if (opts.createMissingUsers) o.createMissingUsers = true;
  if (opts.skipExisting) o.skipExisting = true;
  if (opts.keepExtraObjects && opts.deleteExtraObjects)
    throw new UserError("--keep-extra-objects and --delete-extra-objects contradict each other; keeping is the default, so pass --delete-extra-objects alone to delete");
  if (opts.deleteExtraObjects) o.deleteExtraObjects = true;
  if (opts.safetyBackup === false) o.safetyBackup = false;
  return o;
}

/** `--layers a,b --layers c`: each a declared kind's layer name, folder or noun; the layer names. */
export function parseLayers(values: readonly string[], kinds: readonly (typeof RESOURCES)[number][] = RESOURCES): ResourceKindName[] {
  const out: ResourceKindName[] = [];
  for (const v of values.flatMap((x) => x.split(","))) {
    const key = v.trim();
    if (!key) continue;
    const kind = kindForKey(key, kinds);
    if (!kind)
      throw new UserError(
        `--layers ${key}: no such kind of tenant resource; the kinds are ${kinds.length ? kinds.map((k) => `${k.layer} (${pluralOf(k)})`).join(", ") : "none yet (this version declares no resource kinds)"}`,
      );
    if (!out.includes(kind.layer)) out.push(kind.layer);
  }
  return out;
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
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n)) throw new UserError(`--lock-wait ${value}: expected a number of seconds, e.g. --lock-wait 600`);
  return n * 1000;
}


/** The tenant to restore into, as a reference: the flags, else the snapshot's own tenant (the default one). */
function targetRef(opts: RestoreCommandOptions): RestoreJobSpec["target"] {
  if (opts.targetTenant) return { credentials: `config:${opts.targetTenant}` };
  if (opts.targetHost) return { host: opts.targetHost, credentials: "env" };
  return { credentials: "default", snapshotTenant: true };
}

/** Resolves a target reference against the config file and the environment (resolveTenant). */
function targetResolver(opts: RestoreCommandOptions, env: NodeJS.ProcessEnv): (ref: TenantRef) => TenantConnection {
  return (ref) => {
    if (ref.credentials.startsWith("config:")) return resolveTenant({ tenant: ref.credentials.slice("config:".length), config: opts.config }, env);
    if (ref.host) return resolveTenant({ host: ref.host, hostFlag: "--target-host", config: opts.config }, env);
    return resolveTenant({ config: opts.config }, env);
  };
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

  if (opts.fromPlan && input.snapshotArg) throw new UserError("give either SNAPSHOT or --from-plan FILE, not both");
  if (!opts.fromPlan && !input.snapshotArg) throw new UserError("which snapshot? pass SNAPSHOT (id, prefix or 'latest') or --from-plan FILE");
  if (opts.fromPlan) {
    // The plan file holds the selection and every choice: a flag here would be silently ignored.
    const given = PLAN_CHOICES.filter(([key]) => {
      const v = opts[key];
      return Array.isArray(v) ? v.length > 0 : key === "safetyBackup" ? v === false : v !== undefined && v !== false;
    });
    if (given.length)
      throw new UserError(
        `--from-plan executes the plan file as it is, so ${given.map(([, flag]) => flag).join(", ")} cannot be given with it; make a new plan with those options ('lifeboat restore SNAPSHOT … --plan --json')`,
      );
  }
  const options = opts.fromPlan ? undefined : optionsFrom(opts);
  const lockWaitMs = parseLockWait(opts.lockWait);
  const tags = opts.tag ?? [];
  if (tags.length && opts.fromPlan) throw new UserError("--tag chooses the snapshot for 'latest'; a plan file names its snapshot already — drop --tag");
  const store = new LocalJournalStore(stateDirOf(opts, env));

  // A shared lock for the whole run: a prune must not remove data this restore is reading.
  // With --no-lock, or on read-only storage, the snapshot is read without a lock (nothing can be saved then).
  const repo = input.repo ?? (await openRepoFromOptions(opts, readOnlyOpenOptions(opts, { purpose: "restore" })));
  try {
    let planText: string | undefined;
    if (opts.fromPlan) {
      try {
        planText = await readFile(opts.fromPlan, "utf8");
      } catch (e) {
        throw new UserError(`cannot read plan file ${opts.fromPlan}: ${(e as Error).message}`);
      }
    }
    // The secrets file is checked against the snapshot before anything else happens.
    let secrets = new SecretStore();
    if (opts.secrets) {
      const snapshot = await snapshotForSecrets(repo, input.snapshotArg, planText, tags, options);
      if (snapshot) {
        const loaded = await loadSecretsFile(opts.secrets, RESOURCES, await resourceNames(repo, snapshot));
        for (const w of loaded.warnings) stderr.write(`warning: ${escapeText(w)}\n`);
        secrets = loaded.secrets;
      }
    }
    const repoDir = await localRepoDir(opts, env);
    if (repoDir && isInside(store.location, repoDir))
      say(`warning: the restore state folder ${store.location} is inside the repository folder ${repoDir}: journals, logs and verification reports (app names, user subjects, hosts) are kept there unencrypted, beside the repository's data\n`);

    const location = (repo as { location?: string }).location ?? "(given)";
    const spec: RestoreJobSpec = {
      kind: "restore",
      repository: { url: location, ...(opts.lock === false ? { noLock: true } : {}) },
      ...(opts.fromPlan ? { fromPlan: { name: opts.fromPlan, text: planText! } } : { snapshot: input.snapshotArg!, options: options! }),
      ...(tags.length ? { tags } : {}),
      target: targetRef(opts),
      ...(planOnly ? { planOnly: true } : {}),
      lockWaitMs,
      timeouts: resolveCliTimeouts(undefined, env, opts.timeout),
      legacyJournalDirs: legacyJournalDirs(opts, env, repoDir),
    };
    const render = (envelope: JobEnvelope) => {
      const { source, event } = envelope.event;
      if (source === "connector") {
        // A call that keeps the restore waiting says so (no silent hangs).
        if (event.type === "waiting") say(`warning: ${escapeText(waitingMessage(event))}\n`);
      } else if (source === "job") {
        if (event.type === "notice") say(`${escapeText(event.message)}\n`);
        else if (json) writeJsonLine(stdout, { type: "plan", plan: event.plan });
        else stdout.write(renderPlan(event.plan));
      } else if (source === "restore") {
        input.onEvent?.(event);
        if (json) writeJsonLine(stdout, event.type === "step" ? { type: "step", id: event.step.id, label: event.step.label, outcome: event.outcome, note: event.note } : event);
        const line = eventLine(event);
        if (line) say(line + "\n");
      }
    };
    const deps: RestoreDeps = {
      journals: store,
      resolveTenant: targetResolver(opts, env),
      openRepository: async () => ({ repository: repo, close: async () => undefined }),
      onEvent: render,
      // Confirmation: type the target's host (or --yes).
      confirm: async (plan) => {
        if (opts.yes) return true;
        const host = tenantKey(plan.target.host);
        const ask = input.confirm ?? (process.stdin.isTTY ? promptTerminal : undefined);
        if (!ask) throw new UserError(`refusing to change ${plan.target.host} without confirmation: no terminal to ask on; pass --yes to confirm — nothing was changed`);
        const answer = (await ask(`This changes ${plan.target.host} (${plan.steps.length} steps). Type the tenant's host (${host}) to go on: `)).trim();
        if (tenantKey(answer) !== host && answer !== plan.target.host) throw new UserError(`'${answer}' is not ${host}; nothing was changed`);
        return true;
      },
      // The restore log holds the lines the terminal shows.
      describe: { event: eventLine, verification: renderVerification },
      // The run layer hands the secrets to the executor only (never the spec, plan, journal or log).
      secrets,
      ...(input.hooks ? { hooks: input.hooks } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    };
    // On a terminal, without --secrets, --yes or --json: the secrets this restore needs are asked
    // for first (hidden; Enter skips), from a plan made without them — so that the plan shown
    // next, the steps and the checklist all know what was given.
    const askSecret = input.askSecret ?? (process.stdin.isTTY ? (q: string) => askHidden(q, process.stdin, stderr) : undefined);
    if (!opts.secrets && !json && !opts.yes && !planOnly && !opts.fromPlan && askSecret) {
      const first = await runRestoreJob({ ...spec, planOnly: true }, { ...deps, onEvent: () => undefined });
      const needed = first.status === "planned" ? neededSecrets(resourcesOf(first.plan), RESOURCES) : [];
      if (needed.length) {
        say(`${needed.length} secret(s) this restore writes are not in the snapshot (Qlik never returns them): type each one, or press Enter to skip it (it is then listed in the re-entry checklist)\n`);
        const given = await promptSecrets(needed, secrets, askSecret);
        say(`${given} of ${needed.length} secret(s) given\n`);
      }
    }

    // The job's errors carry their codes (a JobError: input → usage, exit 2, nothing was changed;
    // failed → its cause's code; cancelled), mapped to exit codes by main.
    const out = await runRestoreJob(spec, deps);
    switch (out.status) {
      case "planned":
        stdout.write(json ? out.planFile : renderPlan(out.plan));
        return EXIT.ok;
      case "blocked":
        throw new UserError(`the plan has ${out.plan.blockers.length} blocker(s) (listed above); resolve them with the options named there — nothing was changed`);
      case "nothing-to-do":
        say("nothing to do: the target already has everything selected\n");
        return EXIT.ok;
    }
    const { result, report, journal } = out;
    if (!report) {
      say(`restore ${result.status}, but the verification could not read the target back: ${out.verifyError}; run the same command again to verify (journal ${journal})\n`);
      return EXIT.partial;
    }
    const withResources = resourcesOf(out.plan).length > 0;
    if (json) {
      writeJsonLine(stdout, { type: "verification", report, log: out.files.log, journal });
      if (withResources) writeJsonLine(stdout, { type: "checklist", items: checklistOf(result) });
    } else stdout.write(renderResult(result, report, { log: out.files.log, report: out.files.report! }, withResources));
    const damaged = result.failed.filter((f) => f.damaged);
    if (damaged.length) {
      // Not a tenant or network failure: running it again reads the same damaged data.
      say(
        `restore PARTIAL: ${damaged.length} step(s) could not read the snapshot's data because the repository is damaged (above); ` +
          `run 'lifeboat verify --read-data' to see what is damaged and which snapshots are affected, then restore what is missing from another snapshot (journal ${journal})\n`,
      );
      return EXIT.damaged;
    }
    if (result.status === "partial") {
      say(`restore PARTIAL: ${result.failed.length} step(s) failed; run the same command again to continue (journal ${journal})\n`);
      return EXIT.partial;
    }
    return report.status === "match" ? EXIT.ok : EXIT.damaged;
  } finally {
    if (!input.repo) await repo.close();
  }
}

/**
 * The snapshot a `--secrets` file is checked against: the plan file's, or the one the
 * argument names (for 'latest': the newest that is not a safety backup, or the newest with
 * the tags). Undefined when a plan file cannot be read (the run reports that itself).
 */
async function snapshotForSecrets(repo: SnapshotRepository, arg: string | undefined, planText: string | undefined, tags: string[], options: RestoreOptions | undefined): Promise<Snapshot | undefined> {
  if (planText !== undefined) {
    let id: unknown;
    try {
      id = (JSON.parse(planText) as { plan?: { snapshot?: { id?: unknown } } }).plan?.snapshot?.id;
    } catch {
      return undefined;
    }
    return typeof id === "string" ? repo.loadSnapshot(id) : undefined;
  }
  return (await chooseRestoreSnapshot({ repository: repo, arg: arg!, tags, options: options ?? {} })).snapshot;
}

/** The names of the snapshot's items of each declared kind (what a secrets file may name). */
async function resourceNames(repo: SnapshotRepository, snapshot: Snapshot): Promise<Map<ResourceKindName, string[]>> {
  const root = await repo.loadTree(snapshot.tree);
  const out = new Map<ResourceKindName, string[]>();
  for (const kind of RESOURCES) {
    const items = (await kind.index?.load?.(repo, root)) ?? new Map();
    out.set(kind.layer, [...items.values()].map((i) => i.record.name));
  }
  return out;
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
