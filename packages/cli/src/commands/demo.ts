/**
 * `lifeboat demo`: the whole story against the built-in sandbox, on one machine, in
 * well under a minute.
 *
 * 1. starts the sandbox — the Qlik Cloud emulator with the `demo` tenant — in-process;
 * 2. creates a repository in a temporary folder, encrypted with a password generated for
 *    this run and held only in memory (with --keep it is written, mode 0600, beside the
 *    repository so the snapshots can be opened again);
 * 3. backs the demo tenant up as an OAuth private-content bot, with progress;
 * 4. shows the manifest and the snapshot's contents (`lifeboat ls`);
 * 5. changes one user's private sheet — through the sandbox's test-only admin surface, i.e.
 *    as that user would in Qlik; this is sandbox setup, not Lifeboat talking to Qlik;
 * 6. backs up again (only the changed app is exported) and shows the difference;
 * 8. then deletes an app, a private sheet, a data connection and a reload task in the sandbox
 *    and restores them (`runRestoreDemo`, through `lifeboat restore`'s own code): the plan
 *    shows what comes back directly and what needs input, and the re-entry checklist names
 *    the connection's password (never in a snapshot).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectRecord } from "@lifeboat/model";
import { browseSnapshot, diffSnapshots, loadRestoreSource, loadSnapshotIndex, RESOURCES, type Manifest } from "@lifeboat/engine";
import { initRepository, type Snapshot, type SnapshotRepository } from "@lifeboat/repository";
import type { Command } from "commander";
import type { TenantConnection } from "../config.ts";
import { renderBrowse } from "../render/browse.ts";
import { renderDiff, renderManifest } from "../render/manifest.ts";
import { clean } from "../render/table.ts";
import { runBackup } from "./backup.ts";
import { runRestore } from "./restore.ts";

export interface DemoOptions {
  keep?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("run a backup-and-restore demo against the built-in sandbox tenant (nothing leaves this machine)")
    .option("--keep", "keep the temporary repository (and its password file) after the demo")
    .action(async (opts: DemoOptions) => {
      await runDemo(opts);
    });
}

export interface DemoIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
}

/** A user's private sheet the demo can change: found in the snapshot Lifeboat just took. */
async function findPrivateSheet(repo: SnapshotRepository, snapshot: Snapshot, botUserId: string) {
  const index = await loadSnapshotIndex(repo, snapshot);
  for (const app of index.apps.values()) {
    for (const obj of app.objects.values()) {
      const m = obj.meta;
      if (m.type === "sheet" && m.approved === false && m.published === false && m.ownerId !== botUserId && typeof m.ownerId === "string")
        return { appId: app.id, appName: app.name, spaceId: app.meta.spaceId, objectId: obj.id, title: String(m.title ?? obj.id), ownerId: m.ownerId, ownerSubject: String(m.ownerSubject ?? "") };
    }
  }
  return undefined;
}

export async function runDemo(opts: DemoOptions = {}, io: DemoIo = { stdout: process.stdout, stderr: process.stderr }): Promise<void> {
  const out = (text: string) => io.stdout.write(text);
  const step = (n: number, text: string) => out(`\n\x1b[1m${n}. ${text}\x1b[0m\n`.replace(/\x1b\[[0-9;]*m/g, (m) => ((io.stdout as NodeJS.WriteStream).isTTY ? m : "")));
  const started = Date.now();
  out("Lifeboat demo: everything runs on this machine against the sandbox (a Qlik Cloud emulator).\n");

  step(1, "Starting the sandbox tenant (demo fixture)");
  // Loaded here, not at the top: the other commands run without the emulator in memory.
  const { startEmulator } = await import("@lifeboat/emulator");
  const emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "lifeboat-demo" });
  const dir = await mkdtemp(join(tmpdir(), "lifeboat-demo-"));
  let repo: SnapshotRepository | undefined;
  try {
    out(`   sandbox at ${emu.host}\n`);

    step(2, "Creating a repository in a temporary folder");
    const repoPath = join(dir, "repo");
    const password = randomBytes(24).toString("base64url");
    repo = await initRepository({ url: repoPath, password });
    out(`   ${repoPath}\n   encrypted with a password generated for this run and held only in memory${opts.keep ? "" : " (the folder is removed at the end)"}\n`);
    if (opts.keep) {
      await writeFile(join(dir, "password.txt"), password + "\n", { mode: 0o600 });
      out(`   --keep: password file ${join(dir, "password.txt")} (use --repo ${repoPath} --password-file …)\n`);
    }

    // The bot sees every user's private content; the API key (tenant admin) would not.
    const connection: TenantConnection = {
      host: emu.host,
      auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret },
      tags: ["demo"],
    };

    step(3, "Backing up the sandbox as an OAuth private-content bot (lifeboat backup)");
    const first = await runBackup({ connection, repo, opts: {}, stdout: io.stdout, stderr: io.stderr, summary: false });

    step(4, `The manifest (lifeboat show ${first.snapshot.id.slice(0, 12)}) and what the snapshot holds (lifeboat ls)`);
    out(renderManifest(first.manifest, first.snapshot, { items: true }) + "\n");
    out(renderBrowse(await browseSnapshot(repo, first.snapshot, "")));
    const target = await findPrivateSheet(repo, first.snapshot, first.manifest.caller.userId);
    if (!target) throw new Error("the demo tenant has no private sheet to change; the sandbox fixture changed");
    // tenant → space → app → object
    const spaces = await browseSnapshot(repo, first.snapshot, "spaces");
    out(`\n$ lifeboat ls ${first.snapshot.id.slice(0, 8)} spaces\n` + renderBrowse(spaces));
    const space = spaces.entries.find((e) => e.meta.id === target.spaceId) ?? spaces.entries[0];
    if (space) out(`\n$ lifeboat ls ${first.snapshot.id.slice(0, 8)} spaces/${space.name}\n` + renderBrowse(await browseSnapshot(repo, first.snapshot, `spaces/${space.name}`)));
    out(`\n$ lifeboat ls ${first.snapshot.id.slice(0, 8)} apps/${target.appId}/objects\n` + renderBrowse(await browseSnapshot(repo, first.snapshot, `apps/${target.appId}/objects`)));

    step(5, `${target.ownerSubject} edits the private sheet '${clean(target.title)}' in app '${clean(target.appName)}'`);
    out("   (sandbox setup through the emulator's admin surface — as the user would in Qlik; not Lifeboat)\n");
    const newTitle = `${target.title} (revised)`;
    const resp = await fetch(`${emu.host}/__emulator/apps/${encodeURIComponent(target.appId)}/objects/${encodeURIComponent(target.objectId)}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: newTitle, properties: { demoNote: "edited by the Lifeboat demo" }, asUserId: target.ownerId }),
    });
    if (!resp.ok) throw new Error(`the sandbox refused to change the sheet: ${resp.status} ${await resp.text()}`);
    out(`   '${clean(target.title)}' → '${clean(newTitle)}'\n`);

    step(6, "Backing up again: unchanged apps are referenced, only the changed app is exported");
    const second = await runBackup({ connection, repo, opts: {}, stdout: io.stdout, stderr: io.stderr });
    summarizeRun(out, second.manifest);

    step(7, `What changed (lifeboat diff ${first.snapshot.id.slice(0, 12)} ${second.snapshot.id.slice(0, 12)})`);
    out(renderDiff(await diffSnapshots(repo, first.snapshot, second.snapshot)));

    // Steps 8–: restore (runRestoreDemo below).
    await runRestoreDemo({ host: emu.host, apiKey: emu.apiKey, clientId: emu.clientId, clientSecret: emu.clientSecret, repo, snapshot: second.snapshot, dir, io, step, firstStep: 8 });

    out(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  } finally {
    await repo?.close();
    await emu.close();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}

function summarizeRun(out: (t: string) => void, manifest: Manifest): void {
  const exported = manifest.items.filter((i) => i.layer === "apps" && i.status === "captured");
  out(`   exported ${exported.length} app(s): ${exported.map((a) => `'${clean(a.name ?? a.id)}'`).join(", ") || "none"}; ${manifest.counts.apps.unchanged} unchanged\n`);
}

export interface RestoreDemoInput {
  /** The sandbox tenant and its private-content bot. */
  host: string;
  /** The sandbox's tenant admin (Ada Admin): deletes what the demo's disaster deletes, as a person would in Qlik. */
  apiKey: string;
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
  const objects = new Map<string, ObjectRecord[]>();
  for (const a of source.apps) objects.set(a.id, await source.objectsOf(a.id));
  const app = source.apps.find((a) => a.doc.summary.spaceType === "shared" && objects.get(a.id)!.length > 0);
  const sheetApp = source.apps.find((a) => a !== app && objects.get(a.id)!.some((o) => o.type === "sheet" && !o.approved && !o.published));
  const sheet = sheetApp ? objects.get(sheetApp.id)!.find((o) => o.type === "sheet" && !o.approved && !o.published) : undefined;
  if (!app || !sheetApp || !sheet) throw new Error("the sandbox snapshot has no app and private sheet to delete; the sandbox fixture changed");

  let n = input.firstStep;
  input.step(n++, `Disaster: app '${clean(app.name)}' is deleted, and so is ${sheet.ownerSubject}'s private sheet '${clean(sheet.title)}' in '${clean(sheetApp.name)}'`);
  out("   (sandbox setup through the emulator's admin surface — as users would in Qlik; not Lifeboat)\n");
  for (const path of [`apps/${encodeURIComponent(app.id)}`, `apps/${encodeURIComponent(sheetApp.id)}/objects/${encodeURIComponent(sheet.id)}`]) {
    const resp = await fetch(`${host}/__emulator/${path}`, { method: "DELETE" });
    if (!resp.ok) throw new Error(`the sandbox refused to delete ${path}: ${resp.status} ${await resp.text()}`);
  }

  // Beyond apps: a data connection with a password and a reload task go too (when this version declares those kinds).
  const beyond = await beyondApps(input.repo, input.snapshot);
  if (beyond) {
    out(`   … and so are the data connection '${clean(beyond.connection.name)}' (with its ${beyond.connection.reenter.join(", ")})${beyond.task ? ` and the reload task '${clean(beyond.task.name)}'` : ""}\n`);
    for (const [path, id] of [["data-connections", beyond.connection.id], ...(beyond.task ? [["reload-tasks", beyond.task.id]] : [])] as const) {
      // As the tenant admin would delete them in Qlik (Ada Admin's API key): sandbox setup, not Lifeboat.
      const resp = await fetch(`${host}/api/v1/${path}/${encodeURIComponent(id)}`, { method: "DELETE", headers: { authorization: `Bearer ${input.apiKey}` } });
      if (!resp.ok) throw new Error(`the sandbox refused to delete ${path}/${id}: ${resp.status} ${await resp.text()}`);
    }
  }

  const layers = beyond ? ["dataConnections", ...(beyond.task ? ["reloadTasks"] : [])] : [];
  input.step(
    n++,
    `Restoring ${beyond ? "all of it" : "both"} from snapshot ${input.snapshot.id.slice(0, 12)} (lifeboat restore ${input.snapshot.id.slice(0, 12)} --app …${beyond ? ` --layers ${layers.join(",")}` : ""} --yes)`,
  );
  out("   the plan first, then a safety backup of the tenant, the steps, and a read-back of everything restored\n");
  const code = await runRestore({
    snapshotArg: input.snapshot.id,
    opts: { app: [app.id, sheetApp.id], ...(layers.length ? { layers } : {}), yes: true, stateDir: join(input.dir, "state") },
    env: { QLIK_HOST: host, QLIK_CLIENT_ID: input.clientId, QLIK_CLIENT_SECRET: input.clientSecret },
    repo: input.repo,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  if (code !== 0) throw new Error(`the demo restore ended with exit code ${code}; see the verification above`);
  out(`   '${clean(app.name)}' is back (as a new app id: Qlik's import cannot keep ids) and '${clean(sheet.title)}' is back in '${clean(sheetApp.name)}', owned by ${sheet.ownerSubject}\n`);
  if (beyond)
    out(
      `   ${beyond.task ? `the reload task '${clean(beyond.task.name)}' runs on its schedule again, and ` : ""}'${clean(beyond.connection.name)}' is back — without its ${beyond.connection.reenter.join(", ")}: Qlik never returns ${beyond.connection.reenter.length === 1 ? "it" : "them"}, so no snapshot holds ${beyond.connection.reenter.length === 1 ? "it" : "them"}.\n` +
        `   The re-entry checklist above says where to enter ${beyond.connection.reenter.length === 1 ? "it" : "them"}; 'lifeboat restore … --secrets FILE' (or the prompt on a terminal) gives ${beyond.connection.reenter.length === 1 ? "it" : "them"} during the restore.\n`,
    );
}

/** One stored item of a declared kind, as the demo names it. */
interface DemoItem {
  id: string;
  name: string;
  reenter: string[];
}

/**
 * A data connection that needs a secret re-entered and a reload task (when that kind is
 * declared), from the snapshot — undefined when it holds no such connection.
 */
async function beyondApps(repo: SnapshotRepository, snapshot: Snapshot): Promise<{ connection: DemoItem; task?: DemoItem } | undefined> {
  const root = await repo.loadTree(snapshot.tree);
  const items = async (layer: string): Promise<DemoItem[]> => {
    const kind = RESOURCES.find((k) => k.layer === layer);
    const loaded = (await kind?.index?.load?.(repo, root)) ?? new Map();
    return [...loaded.values()].map((i) => ({ id: i.id, name: i.record.name, reenter: Array.isArray(i.meta.reenter) ? i.meta.reenter.map(String) : [] }));
  };
  const connection = (await items("dataConnections")).find((c) => c.reenter.length > 0);
  const task = (await items("reloadTasks"))[0];
  return connection ? { connection, ...(task ? { task } : {}) } : undefined;
}
