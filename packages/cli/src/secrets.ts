/**
 * The secrets a restore writes back (`lifeboat restore --secrets FILE`, or a prompt on a
 * terminal): data-connection passwords, OAuth client secrets, … — the fields Qlik never
 * returns, so no snapshot holds them (API-FACTS §7). Never a flag value (flags end up in shell
 * history and process lists); never echoed, logged or written anywhere by Lifeboat.
 *
 * The file is YAML keyed by kind, then item name, then field:
 *
 * ```yaml
 * dataConnections:            # the kind: its layer name, or its noun ("data connections")
 *   Sales DB:                 # the item's name, as `lifeboat ls SNAP data-connections` lists it
 *     qPassword: s3cr3t       # the secret field, or its label ("password")
 *   "Finance REST":
 *     password: other
 * webhooks:
 *   Reload alerts:
 *     secret: "…"
 *     encryptedHeaderValues: { X-Api-Token: "…" }   # a mapping: given as its JSON
 * ```
 *
 * Everything in it is checked before anything changes, with the file and line of each
 * problem: YAML syntax, unknown kinds (the kinds with secrets are listed), unknown item names
 * (the names the snapshot has are listed), unknown fields (the kind's secret fields are
 * listed), empty values. A file others can read is warned about.
 */
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ResourceKindName } from "@lifeboat/model";
import { pluralOf, type ResourceDecision, type RestoreSecrets } from "@lifeboat/engine";
import { isMap, isScalar, LineCounter, parseDocument, type Node, type Pair } from "yaml";
import { UserError } from "./errors.ts";
import { clean } from "./render/table.ts";

/** What the secrets file needs of a declared kind (`DeclaredKind` of @lifeboat/engine has it). */
export interface SecretKind {
  readonly layer: ResourceKindName;
  readonly noun: string;
  readonly path?: string;
  readonly def: { readonly secrets?: readonly { readonly field: string; readonly label: string }[] };
}

/** A mutable `RestoreSecrets`: what the file gave, plus what the prompt adds. Values stay in memory only. */
export class SecretStore implements RestoreSecrets {
  private readonly byLayer = new Map<ResourceKindName, Map<string, Map<string, string>>>();

  set(layer: ResourceKindName, name: string, field: string, value: string): void {
    let items = this.byLayer.get(layer);
    if (!items) this.byLayer.set(layer, (items = new Map()));
    let fields = items.get(name);
    if (!fields) items.set(name, (fields = new Map()));
    fields.set(field, value);
  }

  has(layer: ResourceKindName, name: string, field: string): boolean {
    return this.byLayer.get(layer)?.get(name)?.has(field) ?? false;
  }

  values(layer: ResourceKindName, name: string): Record<string, string> {
    return Object.fromEntries(this.byLayer.get(layer)?.get(name) ?? []);
  }

  /** How many values it holds (never which). */
  get size(): number {
    let n = 0;
    for (const items of this.byLayer.values()) for (const fields of items.values()) n += fields.size;
    return n;
  }

  /** Never the values: a store printed or serialised by mistake shows only its size. */
  toJSON(): { secrets: number } {
    return { secrets: this.size };
  }
}

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * The kind a key of the file names: its layer name (`dataConnections`), its folder
 * (`data-connections`) or its noun, singular or plural (`data connection(s)`); case, spaces,
 * hyphens and underscores do not matter.
 */
export function kindForKey<K extends SecretKind>(key: string, kinds: readonly K[]): K | undefined {
  const n = norm(key);
  if (!n) return undefined;
  return kinds.find((k) => [k.layer, k.path ?? k.layer, k.noun, pluralOf(k)].some((alias) => norm(alias) === n));
}

/** "dataConnections (data connections)" for each kind that has secret fields. */
function kindsWithSecrets(kinds: readonly SecretKind[]): string {
  const list = kinds.filter((k) => k.def.secrets?.length).map((k) => `${k.layer} (${pluralOf(k)})`);
  return list.length ? list.join(", ") : "none: no declared kind has secret fields";
}

function fieldsOf(kind: SecretKind): string {
  const s = kind.def.secrets ?? [];
  return s.length ? s.map((f) => `${f.field} (${f.label})`).join(", ") : "none";
}

/** The names of items, listed in an error: sorted, at most 30. */
function nameList(names: Iterable<string>): string {
  const all = [...new Set(names)].sort((a, b) => a.localeCompare(b));
  if (!all.length) return "the snapshot has none";
  const shown = all.slice(0, 30).map((n) => `'${clean(n, 80)}'`);
  return `the snapshot has ${shown.join(", ")}${all.length > shown.length ? ` and ${all.length - shown.length} more ('lifeboat ls SNAPSHOT <kind folder>' lists them)` : ""}`;
}

export interface ParsedSecrets {
  secrets: SecretStore;
  warnings: string[];
}

/**
 * Pure: parses and checks a secrets file's text against the declared kinds and the items the
 * snapshot has (`names`: kind → item names). Throws a `UserError` listing every problem with
 * its line; no message ever holds a value from the file (a misplaced password must not end up
 * in a terminal's scrollback or a log).
 */
export function parseSecrets(text: string, file: string, kinds: readonly SecretKind[], names: ReadonlyMap<ResourceKindName, Iterable<string>>): ParsedSecrets {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (pos: number | undefined) => `${file}:${pos === undefined ? "?" : lineCounter.linePos(pos).line}`;
  const lineOf = (node: Node | Pair | null | undefined): string => {
    const n = (node && "range" in node ? node : (node as Pair | undefined)?.key) as Node | undefined;
    return at(n?.range?.[0]);
  };
  if (doc.errors.length) {
    // The parser's own sentence only (no excerpt of the file: it could hold a value).
    const problems = doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split("\n")[0]!.replace(/\s+at line \d+, column \d+:?\s*$/, "")} (${e.code})`);
    throw new UserError(`the secrets file is not valid YAML:\n  ${problems.join("\n  ")}\nfix it and run the command again — nothing was changed`);
  }
  const secrets = new SecretStore();
  const problems: string[] = [];
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) {
    return { secrets, warnings: [`secrets file ${file} is empty: no secret is given`] };
  }
  if (!isMap(root))
    throw new UserError(`${lineOf(root)}: a secrets file is a mapping of kind → item name → field: value (e.g. "dataConnections:\\n  Sales DB:\\n    qPassword: …"); nothing was changed`);
  const keyText = (p: Pair): string => (isScalar(p.key) ? String(p.key.value ?? "") : "");
  for (const kp of root.items) {
    const kindKey = keyText(kp);
    const kind = kindForKey(kindKey, kinds);
    if (!kind) {
      problems.push(`${lineOf(kp)}: unknown kind '${clean(kindKey, 80)}'; the kinds with secrets are ${kindsWithSecrets(kinds)}`);
      continue;
    }
    if (!kind.def.secrets?.length) {
      problems.push(`${lineOf(kp)}: ${pluralOf(kind)} have no secret fields; remove '${clean(kindKey, 80)}' (the kinds with secrets are ${kindsWithSecrets(kinds)})`);
      continue;
    }
    if (!isMap(kp.value)) {
      problems.push(`${lineOf(kp)}: under '${clean(kindKey, 80)}' give the ${pluralOf(kind)} by name, each with its fields (${fieldsOf(kind)})`);
      continue;
    }
    const known = new Set(names.get(kind.layer) ?? []);
    for (const ip of kp.value.items) {
      const item = keyText(ip);
      if (!known.has(item)) {
        problems.push(`${lineOf(ip)}: no ${kind.noun} '${clean(item, 80)}' in the snapshot; ${nameList(known)}`);
        continue;
      }
      if (!isMap(ip.value)) {
        problems.push(`${lineOf(ip)}: ${kind.noun} '${clean(item, 80)}': give its secret fields as "field: value" lines (${fieldsOf(kind)})`);
        continue;
      }
      for (const fp of ip.value.items) {
        const fieldKey = keyText(fp);
        const decl = kind.def.secrets.find((s) => s.field === fieldKey) ?? kind.def.secrets.find((s) => norm(s.label) === norm(fieldKey));
        if (!decl) {
          problems.push(`${lineOf(fp)}: ${kind.noun} '${clean(item, 80)}' has no secret field '${clean(fieldKey, 80)}'; the ${pluralOf(kind)}' secret fields are ${fieldsOf(kind)}`);
          continue;
        }
        const v = fp.value;
        // A scalar as written (a password of digits stays as typed: `1234` is not the number 1234);
        // a mapping of scalars (a webhook's encrypted header values: header → value) as its JSON.
        const scalar = (n: unknown): string | undefined => (isScalar(n) && n.value !== null ? (typeof n.source === "string" ? n.source : String(n.value)) : undefined);
        let value = scalar(v);
        if (isMap(v)) {
          const entries = v.items.map((p) => [keyText(p), scalar(p.value)] as const);
          value = entries.length && entries.every(([k, x]) => k && x !== undefined) ? JSON.stringify(Object.fromEntries(entries)) : undefined;
        }
        if (value === undefined || value === "") {
          problems.push(`${lineOf(fp)}: ${kind.noun} '${clean(item, 80)}' ${decl.label}: no value; give it or remove the line`);
          continue;
        }
        if (secrets.has(kind.layer, item, decl.field)) {
          problems.push(`${lineOf(fp)}: ${kind.noun} '${clean(item, 80)}' ${decl.label} is given twice; keep one`);
          continue;
        }
        secrets.set(kind.layer, item, decl.field, value);
      }
    }
  }
  if (problems.length)
    throw new UserError(`the secrets file ${file} does not fit the snapshot (${problems.length} problem(s)):\n  ${problems.join("\n  ")}\nnothing was changed`);
  return { secrets, warnings: [] };
}

/** Warns when a secrets file can be read by others than its owner (POSIX modes). */
export function permissionWarning(file: string, mode: number, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === "win32" || (mode & 0o077) === 0) return undefined;
  return `the secrets file ${file} can be read by ${mode & 0o007 ? "every user" : "its group"} on this machine (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); restrict it: chmod 600 ${file}`;
}

/** Reads, checks and parses `--secrets FILE` (see `parseSecrets`); the file's permissions are checked. */
export async function loadSecretsFile(file: string, kinds: readonly SecretKind[], names: ReadonlyMap<ResourceKindName, Iterable<string>>): Promise<ParsedSecrets> {
  let text: string;
  let mode: number;
  try {
    mode = statSync(file).mode;
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read the secrets file ${file}${code === "ENOENT" ? ": it does not exist" : `: ${(e as Error).message}`}; check the --secrets path — nothing was changed`);
  }
  const parsed = parseSecrets(text, file, kinds, names);
  const warning = permissionWarning(file, mode);
  return { secrets: parsed.secrets, warnings: [...(warning ? [warning] : []), ...parsed.warnings] };
}

/** One secret the restore needs and the operator has not given, to ask for. */
export interface NeededSecret {
  layer: ResourceKindName;
  noun: string;
  name: string;
  field: string;
  label: string;
}

/** The secrets a plan's resource decisions need and were not given (items the restore writes). */
export function neededSecrets(decisions: readonly ResourceDecision[], kinds: readonly SecretKind[]): NeededSecret[] {
  const out: NeededSecret[] = [];
  const seen = new Set<string>();
  for (const d of decisions) {
    if (d.action !== "create" && d.action !== "update") continue;
    for (const s of d.secrets ?? []) {
      if (s.given) continue;
      const key = JSON.stringify([d.layer, d.name, s.field]);
      if (seen.has(key)) continue; // two items of one name (in two spaces) share what the operator gives
      seen.add(key);
      out.push({ layer: d.layer, noun: kinds.find((k) => k.layer === d.layer)?.noun ?? d.layer, name: d.name, field: s.field, label: s.label });
    }
  }
  return out;
}

/**
 * Asks for each needed secret (`ask` reads one line without echoing it); Enter skips it (the
 * item is then created without it where Qlik allows, and listed in the checklist). Returns how
 * many were given.
 */
export async function promptSecrets(needed: readonly NeededSecret[], store: SecretStore, ask: (question: string) => Promise<string>): Promise<number> {
  let given = 0;
  for (const n of needed) {
    const value = await ask(`${n.noun} '${clean(n.name, 80)}': ${n.label} (${n.field}; input hidden, Enter skips): `);
    if (value === "") continue;
    store.set(n.layer, n.name, n.field, value);
    given++;
  }
  return given;
}

/**
 * Reads one line from a terminal without echoing it (raw mode): Enter ends it, Backspace
 * deletes, Ctrl-C or Ctrl-D cancels (a `UserError`: nothing was changed yet).
 */
export function askHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding("utf8");
    let value = "";
    const done = (err?: Error) => {
      input.off("data", onData);
      input.setRawMode?.(wasRaw ?? false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004") return done(new UserError("cancelled at the secrets prompt; nothing was changed"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
  });
}
