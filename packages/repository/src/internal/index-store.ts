/** The in-memory view of all index files: (type, id) → where the entry lives. */

export type EntryType = "chunk" | "blob" | "inline" | "tree";

export interface PackEntry {
  type: EntryType;
  id: string;
  offset: number;
  /** Stored (sealed) bytes. */
  length: number;
  /** Plaintext bytes. */
  size: number;
}

export interface IndexPack {
  id: string;
  size: number;
  entries: PackEntry[];
}

export interface IndexFile {
  version: 1;
  packs: IndexPack[];
}

export interface Location extends PackEntry {
  pack: string;
}

export const entryKey = (type: EntryType, id: string) => `${type}:${id}`;

export class MasterIndex {
  private readonly byKey = new Map<string, Location>();
  /** Every pack named by a loaded index file, with the index files naming it. */
  readonly packs = new Map<string, { size: number; entries: PackEntry[]; indexFiles: Set<string> }>();
  readonly files = new Set<string>();

  addPack(p: IndexPack, indexFile: string): void {
    let known = this.packs.get(p.id);
    if (!known) {
      known = { size: p.size, entries: p.entries, indexFiles: new Set() };
      this.packs.set(p.id, known);
      for (const e of p.entries) {
        const k = entryKey(e.type, e.id);
        if (!this.byKey.has(k)) this.byKey.set(k, { ...e, pack: p.id });
      }
    }
    if (indexFile) known.indexFiles.add(indexFile);
  }

  clear(): void {
    this.byKey.clear();
    this.packs.clear();
    this.files.clear();
  }

  get(type: EntryType, id: string): Location | undefined {
    return this.byKey.get(entryKey(type, id));
  }

  has(type: EntryType, id: string): boolean {
    return this.byKey.has(entryKey(type, id));
  }

  get size(): number {
    return this.byKey.size;
  }
}
