/**
 * The restore journal: an append-only record of the steps a restore completed, keyed by
 * the plan's step ids, with the ids of everything it created. It is written before and
 * after each step that changes the tenant, so a restore killed (or failed) at any point
 * can be run again: completed steps are skipped (after checking that what they created still
 * exists), and a step that was started but not recorded as done looks for what it may
 * have created before creating it again — no duplicate apps or objects. Once a run
 * completes, running the same restore again checks every step anew (apps it created are
 * still found by their ids, so they are reconciled rather than imported twice).
 *
 * Journals live in a journal store (`store.ts`: a private local folder for the CLI, keyed
 * by repository id and target tenant, with the tenant's restore lock); `FileJournal` is one
 * journal file at a path you choose, `MemoryJournal` one in memory. Both write JSON lines,
 * the file one syncing each to disk before the step goes on. Journals hold target ids and
 * step ids only, never credentials.
 */
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Created } from "./ref.ts";

export type JournalRecord =
  | { type: "begin"; at: string; restoreKey: string; snapshot: string; target: string }
  /** `known`: for creating steps, the same-named things that existed before (so a retry can tell ours apart). */
  | { type: "started"; at: string; step: string; known?: string[] }
  | { type: "done"; at: string; step: string; outputs?: Created; note?: string; unrestored?: string[] }
  | { type: "failed"; at: string; step: string; error: string }
  | { type: "finished"; at: string; status: string };

export interface RestoreJournal {
  /** Where it lives, for messages. */
  readonly location: string;
  load(): Promise<JournalRecord[]>;
  /** Durable when it resolves. */
  append(record: JournalRecord): Promise<void>;
}

export interface JournalState {
  done: Set<string>;
  /**
   * Started and never recorded as done: the attempt was killed mid-call, or the call failed
   * in a way that does not prove Qlik did nothing (a 5xx or a reset after the request was
   * sent). Creating steps look for what such an attempt may have made before creating again.
   */
  interrupted: Set<string>;
  /** ref key (`refKey`: "user:<id>", "app:<id>", "obj:<app>:<id>", …) → target id of everything created. */
  created: Created;
  /** Interrupted creating steps → what existed under the same name before they started. */
  interruptedKnown: Record<string, string[]>;
  /** Step id → fields its runner left different on purpose (verification does not compare them). */
  unrestored: Record<string, string[]>;
  attempts: number;
}

export function journalState(records: JournalRecord[]): JournalState {
  const state: JournalState = { done: new Set(), interrupted: new Set(), created: {}, interruptedKnown: {}, unrestored: {}, attempts: 0 };
  for (const r of records) {
    if (r.type === "begin") state.attempts++;
    else if (r.type === "started") {
      state.interrupted.add(r.step);
      // The first attempt's view counts: later attempts saw what it created.
      if (r.known && !state.interruptedKnown[r.step]) state.interruptedKnown[r.step] = r.known;
    } else if (r.type === "finished" && r.status === "complete") {
      // A completed restore run again is a new run: every step is checked again (creating
      // steps still find what they created, through `created`).
      state.done.clear();
      state.interrupted.clear();
      state.interruptedKnown = {};
    } else if (r.type === "done") {
      state.done.add(r.step);
      state.interrupted.delete(r.step);
      delete state.interruptedKnown[r.step];
      Object.assign(state.created, r.outputs ?? {});
      if (r.unrestored?.length) state.unrestored[r.step] = r.unrestored;
    }
  }
  return state;
}

export class MemoryJournal implements RestoreJournal {
  readonly location = "memory";
  readonly records: JournalRecord[] = [];
  async load(): Promise<JournalRecord[]> {
    return [...this.records];
  }

  async append(record: JournalRecord): Promise<void> {
    this.records.push(structuredClone(record));
  }
}

export class FileJournal implements RestoreJournal {
  constructor(readonly location: string) {}

  async load(): Promise<JournalRecord[]> {
    return readJournalFile(this.location);
  }

  async append(record: JournalRecord): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true });
    const fh = await open(this.location, "a", 0o600);
    try {
      await fh.write(JSON.stringify(record) + "\n");
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }
}

/** Reads a JSON-lines journal file; a line cut short by a kill mid-write ends it. */
export async function readJournalFile(file: string): Promise<JournalRecord[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: JournalRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalRecord);
    } catch {
      // A line cut short by a kill mid-write: everything before it is intact.
    }
  }
  return out;
}
