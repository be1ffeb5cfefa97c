/**
 * Which snapshot a restore restores, and the journals it continues.
 *
 * - A restore in progress is pinned to its snapshot: its journal names the snapshot id, and
 *   `restore latest` run again with the same selection and options continues *that*
 *   restore, even when newer snapshots — such as the safety backup it took — exist since.
 * - Safety snapshots (tag `pre-restore`, taken by a restore before it changes a tenant) are
 *   not `latest` for a restore; they are restored by id, or with `--tag pre-restore`.
 * - Journals an earlier Lifeboat kept beside the repository (`<repo>/restore-journals/`) or
 *   in `~/.lifeboat/restore-journals` are imported into the journal store, so a restore
 *   begun with it continues.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { tenantKey } from "@lifeboat/kit";
import { LifeboatError } from "@lifeboat/model";
import { previousRestoreKeysOf, restoreKeyOf, type RestoreOptions } from "./plan.ts";
import { readJournalFile } from "./journal.ts";
import { summarize, type JournalScope, type JournalStore, type JournalSummary } from "./store.ts";

/** The tag of the safety backup a restore takes of its target before changing it. */
export const SAFETY_TAG = "pre-restore";

export const isSafetySnapshot = (s: Pick<Snapshot, "tags">): boolean => s.tags.includes(SAFETY_TAG);

/** The snapshot argument cannot be used as given (code usage). */
export class SnapshotChoiceError extends LifeboatError {
  constructor(message: string) {
    super("usage", message);
    this.name = "SnapshotChoiceError";
  }
}

export interface SnapshotChoice {
  snapshot: Snapshot;
  /** Set when 'latest' was taken to mean the snapshot of an unfinished restore of this tenant. */
  resumed?: JournalSummary;
  /** Unfinished restores of this tenant from this repository that this run does not continue. */
  unfinished: JournalSummary[];
}

export interface ChooseSnapshotInput {
  repository: SnapshotRepository;
  /** A snapshot id, unique prefix, or "latest". */
  arg: string;
  /** With "latest": the newest snapshot carrying all these tags (safety snapshots count when asked for by tag). */
  tags?: string[];
  /**
   * The journal store, the scope and the target host, to continue an unfinished restore.
   * Without them (the target is not known yet) no journal is consulted: 'latest' is the newest
   * snapshot that is not a safety backup, or the newest with `tags`.
   */
  store?: JournalStore;
  scope?: JournalScope;
  /** The restore's selection and options (its key decides which journal it continues). */
  options: RestoreOptions;
  /** The target host. */
  host?: string;
}

/** Unfinished: begun, and its last attempt did not complete (killed, partial, or aborted). */
const unfinished = (j: JournalSummary) => j.finished !== "complete";

export async function chooseRestoreSnapshot(o: ChooseSnapshotInput): Promise<SnapshotChoice> {
  const tags = o.tags ?? [];
  const host = o.host;
  const open = o.store && o.scope && host !== undefined ? (await o.store.list(o.scope)).filter(unfinished) : [];
  // This restore's journal: under today's key, or under the key an earlier version gave it.
  const ours = (j: JournalSummary) => [restoreKeyOf(j.snapshot, host!, o.options), ...previousRestoreKeysOf(j.snapshot, host!, o.options)].includes(j.restoreKey);
  if (o.arg !== "latest") {
    if (tags.length) throw new SnapshotChoiceError(`--tag chooses among snapshots for 'latest'; snapshot '${o.arg}' is named by id already — drop --tag or pass 'latest'`);
    const snapshot = await o.repository.loadSnapshot(o.arg);
    return { snapshot, unfinished: open.filter((j) => !(j.snapshot === snapshot.id && ours(j))) };
  }
  const all = await o.repository.listSnapshots();
  const byId = new Map(all.map((s) => [s.id, s]));
  const pinned = open
    .filter((j) => ours(j) && byId.has(j.snapshot) && tags.every((t) => byId.get(j.snapshot)!.tags.includes(t)))
    .sort((a, b) => (a.lastAt < b.lastAt ? -1 : 1))
    .at(-1);
  if (pinned) return { snapshot: byId.get(pinned.snapshot)!, resumed: pinned, unfinished: open.filter((j) => j !== pinned) };
  const candidates = all.filter((s) => (tags.length ? tags.every((t) => s.tags.includes(t)) : !isSafetySnapshot(s)));
  const snapshot = candidates.at(-1);
  if (!snapshot) {
    if (all.length === 0) return { snapshot: await o.repository.loadSnapshot("latest"), unfinished: open }; // the repository's own "no snapshots yet" error
    throw new SnapshotChoiceError(
      tags.length
        ? `no snapshot carries the tag(s) ${tags.join(", ")} — 'lifeboat snapshots' lists snapshots with their tags`
        : `the repository holds only safety snapshots (tag ${SAFETY_TAG}, taken by restores), which 'latest' does not choose — name one by id, or pass --tag ${SAFETY_TAG}`,
    );
  }
  return { snapshot, unfinished: open };
}

/**
 * The key of this restore's journal: `restoreKeyOf`, unless the store has no journal under it
 * but has one under the key an earlier version gave the same restore (`previousRestoreKeysOf`) —
 * then that journal is continued under its own key.
 */
export async function restoreJournalKey(store: JournalStore, scope: JournalScope, snapshotId: string, host: string, options: RestoreOptions): Promise<string> {
  const key = restoreKeyOf(snapshotId, host, options);
  if ((await store.load(scope, key)).length > 0) return key;
  for (const old of previousRestoreKeysOf(snapshotId, host, options)) if ((await store.load(scope, old)).length > 0) return old;
  return key;
}

export interface ImportedJournal {
  from: string;
  to: string;
  restoreKey: string;
}

/**
 * Imports the journals an earlier Lifeboat wrote into `dirs` (flat `<restore key>.jsonl`
 * files) into the store: those of restores into `host` from snapshots of this repository
 * that the store does not have yet. The old files are left where they are.
 */
export async function importLegacyJournals(o: {
  store: JournalStore;
  scope: JournalScope;
  host: string;
  dirs: string[];
  /** The repository's snapshot ids (asked for only when an old journal of this tenant is found). */
  snapshotIds: Set<string> | (() => Promise<Set<string>>);
}): Promise<ImportedJournal[]> {
  const out: ImportedJournal[] = [];
  const seen = new Set<string>();
  let ids: Set<string> | undefined;
  const snapshotIds = async () => (ids ??= typeof o.snapshotIds === "function" ? await o.snapshotIds() : o.snapshotIds);
  for (const dir of o.dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      if (!n.endsWith(".jsonl")) continue;
      const key = n.slice(0, -".jsonl".length);
      if (seen.has(key)) continue;
      const file = join(dir, n);
      const records = await readJournalFile(file).catch(() => []);
      const s = summarize(key, records, file);
      if (!s || tenantKey(s.target) !== tenantKey(o.host) || !(await snapshotIds()).has(s.snapshot)) continue;
      seen.add(key);
      if ((await o.store.load(o.scope, key)).length > 0) continue;
      for (const r of records) await o.store.save(o.scope, key, r);
      out.push({ from: file, to: o.store.journalLocation(o.scope, key), restoreKey: key });
    }
  }
  return out;
}
