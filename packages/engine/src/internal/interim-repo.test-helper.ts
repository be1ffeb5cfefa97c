// INTERIM: a tiny in-memory SnapshotRepository for engine tests until
// @lifeboat/repository exports createTestRepository(); then this file goes away.
import { createHash } from "node:crypto";
import type { BlobRef, BlobSource, Snapshot, SnapshotInput, SnapshotRepository, Tree } from "@lifeboat/repository";

export function interimRepository(): SnapshotRepository & { blobs: Map<string, Uint8Array> } {
  const blobs = new Map<string, Uint8Array>();
  const trees = new Map<string, Tree>();
  const snapshots: Snapshot[] = [];
  const hash = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
  const save = (bytes: Uint8Array): BlobRef => {
    const id = hash(bytes);
    blobs.set(id, bytes);
    return { id, size: bytes.length };
  };
  const load = (ref: BlobRef | string) => {
    const id = typeof ref === "string" ? ref : ref.id;
    const b = blobs.get(id);
    if (!b) throw new Error(`blob ${id} not found`);
    return b;
  };
  return {
    blobs,
    async saveBlob(source: BlobSource) {
      if (source instanceof Uint8Array) return save(source);
      const parts: Uint8Array[] = [];
      for await (const p of source) parts.push(p);
      return save(Buffer.concat(parts));
    },
    async *readBlob(ref) {
      yield load(ref);
    },
    async saveJson(value) {
      return save(new TextEncoder().encode(JSON.stringify(value)));
    },
    async readJson<T>(ref: BlobRef | string) {
      return JSON.parse(new TextDecoder().decode(load(ref))) as T;
    },
    async hasBlob(id) {
      return blobs.has(id);
    },
    async saveTree(tree) {
      const id = hash(JSON.stringify(tree));
      trees.set(id, structuredClone(tree));
      return id;
    },
    async loadTree(id) {
      const t = trees.get(id);
      if (!t) throw new Error(`tree ${id} not found`);
      return structuredClone(t);
    },
    async saveSnapshot(input: SnapshotInput) {
      const s = { ...input, id: hash(JSON.stringify(input) + snapshots.length) };
      snapshots.push(s);
      return s;
    },
    async listSnapshots() {
      return [...snapshots];
    },
    async loadSnapshot(idOrPrefix) {
      if (idOrPrefix === "latest") return snapshots[snapshots.length - 1]!;
      const s = snapshots.find((x) => x.id.startsWith(idOrPrefix));
      if (!s) throw new Error(`snapshot ${idOrPrefix} not found`);
      return s;
    },
    async close() {},
  };
}
