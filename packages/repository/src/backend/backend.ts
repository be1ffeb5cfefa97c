/**
 * The one narrow storage interface every backend implements; everything else (locks,
 * packs, indexes, retries) is built on top of it.
 *
 * Contract:
 * - Files are addressed by (type, name). `name` is a lowercase hex string (64 chars for
 *   content-addressed files) or, for type "config", the empty string.
 * - `save` takes the file's bytes whole or as parts written in order (a pack is saved as its
 *   sealed entries, so it is never copied into one buffer where the storage does not need it).
 * - `save` is atomic: a concurrent or later `load` sees either nothing or the whole file,
 *   never a prefix. When `save` resolves the file is durable. Saving an existing name
 *   replaces it atomically (the repository only does that with identical content).
 * - `load`, `stat` reject with `NotFoundError` (and only then) when the file does not exist.
 *   Every other error is a storage failure the caller should surface, not "missing".
 * - `load` with a range returns exactly `length` bytes from `offset`, or rejects with a
 *   `RangeError`-like error when the file is shorter.
 * - `remove` of a file that does not exist succeeds (removal is idempotent; crash recovery
 *   relies on it).
 * - `list` returns every file of a type with its size, in no particular order, never
 *   temporary files.
 */
export type FileType = "config" | "key" | "data" | "index" | "snapshot" | "lock";

export const FILE_TYPES: readonly FileType[] = ["config", "key", "data", "index", "snapshot", "lock"];

export interface FileHandle {
  type: FileType;
  name: string;
}

export interface TemporaryFile {
  path: string;
  size: number;
  modified: number;
}

export interface FileInfo {
  name: string;
  size: number;
}

/** A file's bytes: one buffer, or parts to be written one after the other. */
export type FileData = Uint8Array | readonly Uint8Array[];

/** The bytes of `data` as one buffer (a copy only when it has several parts). */
export function joinParts(data: FileData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  return data.length === 1 ? data[0]! : Buffer.concat(data);
}

/** The length of `data`. */
export function dataLength(data: FileData): number {
  return data instanceof Uint8Array ? data.length : data.reduce((n, p) => n + p.length, 0);
}

export interface Backend {
  /** Human-readable location for messages, e.g. "/backups/acme" or "s3:http://host/bucket/prefix". */
  readonly location: string;
  save(h: FileHandle, data: FileData): Promise<void>;
  load(h: FileHandle, range?: { offset: number; length: number }): Promise<Uint8Array>;
  stat(h: FileHandle): Promise<FileInfo>;
  list(type: FileType): Promise<FileInfo[]>;
  remove(h: FileHandle): Promise<void>;
  /** Whether the location holds anything at all (used by init to refuse overwriting). */
  isEmpty(): Promise<boolean>;
  /**
   * Temporary files left by saves that never finished (a killed writer's half-written pack, up
   * to a pack in size): `path` relative to the location, `modified` in ms since the epoch.
   * Only backends that write through temporary files have them (local); verify reports them,
   * prune removes the ones old enough to be dead.
   */
  listTemporary?(): Promise<TemporaryFile[]>;
  removeTemporary?(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Relative path of a file inside a repository: "config", "keys/<n>", "data/ab/<n>", … */
export function relativePath(h: FileHandle): string {
  switch (h.type) {
    case "config":
      return "config";
    case "key":
      return `keys/${h.name}`;
    case "data":
      return `data/${h.name.slice(0, 2)}/${h.name}`;
    case "index":
      return `index/${h.name}`;
    case "snapshot":
      return `snapshots/${h.name}`;
    case "lock":
      return `locks/${h.name}`;
  }
}

export function dirOf(type: FileType): string {
  return { config: "", key: "keys", data: "data", index: "index", snapshot: "snapshots", lock: "locks" }[type];
}

export function describe(h: FileHandle): string {
  return relativePath(h);
}

export function checkRange(len: number, range: { offset: number; length: number } | undefined, file: string): void {
  if (!range) return;
  if (range.offset < 0 || range.length < 0 || range.offset + range.length > len) {
    throw new RangeError(`range ${range.offset}+${range.length} is outside ${file} (${len} bytes)`);
  }
}
