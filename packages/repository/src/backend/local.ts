import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle as FileHandle_ } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { NotFoundError } from "../errors.ts";
import { checkRange, dataLength, dirOf, FILE_TYPES, relativePath, type Backend, type FileData, type FileHandle, type FileInfo, type FileType, type TemporaryFile } from "./backend.ts";

const TMP_MARK = ".tmp-";

/** Writes the parts in order with writev (a pack's sealed entries go to disk without being joined). */
async function writeParts(fh: FileHandle_, parts: readonly Uint8Array[], path: string): Promise<void> {
  const total = dataLength(parts);
  // writev takes at most IOV_MAX buffers per system call; libuv loops until all are written.
  const { bytesWritten } = await fh.writev(parts as Uint8Array[]);
  if (bytesWritten !== total) throw new Error(`short write to ${path}: ${bytesWritten} of ${total} bytes — check the free space of the disk`);
}

/**
 * A repository in a local directory. Saves are atomic and durable: write a temp file beside
 * the target, fsync it, rename it over the target, fsync the directory.
 */
export class LocalBackend implements Backend {
  readonly location: string;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  private path(h: FileHandle): string {
    return join(this.root, relativePath(h));
  }

  async save(h: FileHandle, data: FileData): Promise<void> {
    const target = this.path(h);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    const tmp = `${target}${TMP_MARK}${randomBytes(6).toString("hex")}`;
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      if (data instanceof Uint8Array) await fh.writeFile(data);
      else await writeParts(fh, data, tmp);
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await fh.close();
    await rename(tmp, target);
    await syncDir(dir);
  }

  async load(h: FileHandle, range?: { offset: number; length: number }): Promise<Uint8Array> {
    if (range && h.type === "data") return this.loadRange(h, range);
    const p = this.path(h);
    let fh;
    try {
      fh = await open(p, "r");
    } catch (err) {
      throw notFound(err, relativePath(h), this.location);
    }
    try {
      if (!range) return new Uint8Array(await fh.readFile());
      return await readRange(fh, range, relativePath(h));
    } finally {
      await fh.close();
    }
  }

  /**
   * Ranged reads of packs go through a few cached read-only handles: restoring or diffing
   * thousands of small objects would otherwise open and close a pack file for each.
   * Packs are immutable, so a cached handle can never show stale bytes.
   */
  private readonly handles = new Map<string, { fh: Awaited<ReturnType<typeof open>>; users: number; used: number }>();
  /** Closes handles idle for a second, so an unclosed backend never leaks descriptors for long. */
  private sweeper: NodeJS.Timeout | undefined;

  private async loadRange(h: FileHandle, range: { offset: number; length: number }): Promise<Uint8Array> {
    const p = this.path(h);
    let entry = this.handles.get(p);
    if (!entry) {
      let fh;
      try {
        fh = await open(p, "r");
      } catch (err) {
        throw notFound(err, relativePath(h), this.location);
      }
      entry = this.handles.get(p); // opened concurrently meanwhile?
      if (entry) await fh.close();
      else {
        entry = { fh, users: 0, used: Date.now() };
        this.handles.set(p, entry);
        this.evict();
        this.sweeper ??= setInterval(() => this.sweep(), 1000).unref();
      }
    }
    entry.users++;
    entry.used = Date.now();
    try {
      return await readRange(entry.fh, range, relativePath(h));
    } finally {
      entry.users--;
    }
  }

  private evict(): void {
    if (this.handles.size <= MAX_HANDLES) return;
    for (const [p, e] of this.handles) {
      if (e.users > 0) continue;
      this.handles.delete(p);
      void e.fh.close().catch(() => {});
      if (this.handles.size <= MAX_HANDLES) return;
    }
  }

  private sweep(): void {
    const limit = Date.now() - 1000;
    for (const [p, e] of this.handles) {
      if (e.users > 0 || e.used > limit) continue;
      this.handles.delete(p);
      void e.fh.close().catch(() => {});
    }
    if (this.handles.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private async dropHandle(p: string): Promise<void> {
    const e = this.handles.get(p);
    if (!e) return;
    this.handles.delete(p);
    if (e.users === 0) await e.fh.close().catch(() => {});
  }

  async stat(h: FileHandle): Promise<FileInfo> {
    try {
      const s = await stat(this.path(h));
      return { name: h.name, size: s.size };
    } catch (err) {
      throw notFound(err, relativePath(h), this.location);
    }
  }

  async list(type: FileType): Promise<FileInfo[]> {
    if (type === "config") {
      try {
        const s = await stat(join(this.root, "config"));
        return [{ name: "", size: s.size }];
      } catch (err) {
        if (isEnoent(err)) return [];
        throw err;
      }
    }
    const base = join(this.root, dirOf(type));
    const dirs = type === "data" ? (await readdirOrEmpty(base)).filter((d) => /^[0-9a-f]{2}$/.test(d)).map((d) => join(base, d)) : [base];
    const out: FileInfo[] = [];
    for (const dir of dirs) {
      for (const name of await readdirOrEmpty(dir)) {
        if (name.includes(TMP_MARK)) continue;
        try {
          const s = await stat(join(dir, name));
          if (s.isFile()) out.push({ name, size: s.size });
        } catch (err) {
          if (!isEnoent(err)) throw err; // removed while listing
        }
      }
    }
    return out;
  }

  async remove(h: FileHandle): Promise<void> {
    await this.dropHandle(this.path(h));
    await rm(this.path(h), { force: true });
  }

  async isEmpty(): Promise<boolean> {
    return (await readdirOrEmpty(this.root)).length === 0;
  }

  /** `*.tmp-<random>` files beside their targets: saves that never reached their rename. */
  async listTemporary(): Promise<TemporaryFile[]> {
    const dirs = new Set<string>([this.root]);
    for (const type of FILE_TYPES) {
      if (type === "config") continue;
      const base = join(this.root, dirOf(type));
      dirs.add(base);
      if (type === "data") for (const d of await readdirOrEmpty(base)) if (/^[0-9a-f]{2}$/.test(d)) dirs.add(join(base, d));
    }
    const out: TemporaryFile[] = [];
    for (const dir of dirs) {
      for (const name of await readdirOrEmpty(dir)) {
        if (!name.includes(TMP_MARK)) continue;
        try {
          const s = await stat(join(dir, name));
          if (s.isFile()) out.push({ path: relative(this.root, join(dir, name)), size: s.size, modified: s.mtimeMs });
        } catch (err) {
          if (!isEnoent(err)) throw err;
        }
      }
    }
    return out;
  }

  async removeTemporary(path: string): Promise<void> {
    const full = resolve(this.root, path);
    if (!full.startsWith(this.root + sep) || !full.includes(TMP_MARK)) throw new Error(`${path} is not a temporary file of ${this.location}`);
    await rm(full, { force: true });
  }

  /** Closes cached handles; the backend stays usable (handles reopen on demand). */
  async close(): Promise<void> {
    for (const p of [...this.handles.keys()]) await this.dropHandle(p);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

const MAX_HANDLES = 32;

async function readRange(fh: Awaited<ReturnType<typeof open>>, range: { offset: number; length: number }, file: string): Promise<Uint8Array> {
  checkRange(Number.MAX_SAFE_INTEGER, range, file); // negative values
  const buf = Buffer.alloc(range.length);
  let done = 0;
  while (done < range.length) {
    // No fstat first: a short read tells us the file is shorter (one pool round trip less).
    const { bytesRead } = await fh.read(buf, done, range.length - done, range.offset + done);
    if (bytesRead === 0) throw new RangeError(`range ${range.offset}+${range.length} is outside ${file}`);
    done += bytesRead;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isEnoent(err)) return [];
    throw err;
  }
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable; not supported everywhere (e.g. Windows).
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

function isEnoent(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && (err.code === "ENOENT" || err.code === "ENOTDIR");
}

function notFound(err: unknown, file: string, where: string): unknown {
  return isEnoent(err) ? new NotFoundError(file, where) : err;
}

LocalBackend satisfies new (root: string) => Backend;
