import { NotFoundError } from "../errors.ts";
import { checkRange, joinParts, relativePath, type Backend, type FileData, type FileHandle, type FileInfo, type FileType } from "./backend.ts";

/** Files in a Map; for tests and for the test repository. Copies on save and load. */
export class MemoryBackend implements Backend {
  readonly location: string;
  readonly files = new Map<string, Uint8Array>();

  constructor(name = "memory") {
    this.location = `memory:${name}`;
  }

  async save(h: FileHandle, data: FileData): Promise<void> {
    this.files.set(relativePath(h), Uint8Array.from(joinParts(data)));
  }

  async load(h: FileHandle, range?: { offset: number; length: number }): Promise<Uint8Array> {
    const p = relativePath(h);
    const data = this.files.get(p);
    if (!data) throw new NotFoundError(p, this.location);
    checkRange(data.length, range, p);
    return range ? data.slice(range.offset, range.offset + range.length) : data.slice();
  }

  async stat(h: FileHandle): Promise<FileInfo> {
    const p = relativePath(h);
    const data = this.files.get(p);
    if (!data) throw new NotFoundError(p, this.location);
    return { name: h.name, size: data.length };
  }

  async list(type: FileType): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const [p, data] of this.files) {
      const name = nameIfType(p, type);
      if (name !== undefined) out.push({ name, size: data.length });
    }
    return out;
  }

  async remove(h: FileHandle): Promise<void> {
    this.files.delete(relativePath(h));
  }

  async isEmpty(): Promise<boolean> {
    return this.files.size === 0;
  }

  async close(): Promise<void> {}
}

function nameIfType(p: string, type: FileType): string | undefined {
  const parts = p.split("/");
  switch (type) {
    case "config":
      return p === "config" ? "" : undefined;
    case "data":
      return parts.length === 3 && parts[0] === "data" ? parts[2] : undefined;
    default: {
      const dir = { key: "keys", index: "index", snapshot: "snapshots", lock: "locks" }[type];
      return parts.length === 2 && parts[0] === dir ? parts[1] : undefined;
    }
  }
}

MemoryBackend satisfies new (name?: string) => Backend;
