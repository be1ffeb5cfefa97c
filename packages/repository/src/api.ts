/**
 * The repository's public contract, as the engine (backup, restore, diff) uses it.
 * The implementation lives beside this file; docs/design.md specifies the format.
 *
 * Terms: a *blob* is one stored file of any size (content-defined chunks, each
 * stored once); a *tree* is a directory listing whose entries point at blobs or
 * subtrees; a *snapshot* names a root tree plus metadata and the run's manifest.
 */

/** Bytes to store: a whole buffer, or a stream read once (memory stays bounded). */
export type BlobSource = Uint8Array | AsyncIterable<Uint8Array>;

/** A stored blob: its content id (hex SHA-256 of the plaintext) and plaintext size. */
export interface BlobRef {
  id: string;
  size: number;
}

export type TreeEntry =
  | { name: string; type: "tree"; subtree: string; meta?: Record<string, unknown> }
  | { name: string; type: "blob"; blob: BlobRef; meta?: Record<string, unknown> };

/** A directory listing; saved as a JSON document addressed by its hash. Entry names are unique. */
export interface Tree {
  entries: TreeEntry[];
}

export interface SnapshotInput {
  /** Tenant key, e.g. the tenant's host name; retention groups by it. */
  tenant: string;
  time: string;
  toolVersion: string;
  tags: string[];
  /** True when some items failed or were skipped: a restore may lack them. */
  partial: boolean;
  /** Root tree id. */
  tree: string;
  /** The run's manifest, stored as a blob (JSON). */
  manifest?: BlobRef;
  /** A tree of blobs the manifest refers to (kept alive and verified with the snapshot). */
  manifestTree?: string;
}

export interface Snapshot extends SnapshotInput {
  id: string;
}

export interface SnapshotRepository {
  saveBlob(source: BlobSource): Promise<BlobRef>;
  readBlob(ref: BlobRef | string): AsyncIterable<Uint8Array>;
  saveJson(value: unknown): Promise<BlobRef>;
  readJson<T = unknown>(ref: BlobRef | string): Promise<T>;
  hasBlob(id: string): Promise<boolean>;
  saveTree(tree: Tree): Promise<string>;
  loadTree(id: string): Promise<Tree>;
  /** Makes everything saved so far durable (packs, then index), then writes the snapshot. */
  saveSnapshot(input: SnapshotInput): Promise<Snapshot>;
  listSnapshots(): Promise<Snapshot[]>;
  /** By full id or unique prefix; "latest" picks the newest. */
  loadSnapshot(idOrPrefix: string): Promise<Snapshot>;
  /** A key derived from the repository's secret for `purpose` (docs/design.md, "Derived keys"). */
  deriveKey(purpose: string): Uint8Array;
  close(): Promise<void>;
}
